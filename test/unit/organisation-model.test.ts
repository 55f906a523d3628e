import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// the pure modules themselves (the front door exports what other contexts use)
import { BRANCHES_OF_TYPE, branchesOf, mayBeCompetentFor, offerBranchOf, ORGANISATION_TYPES, primaryBranch, TYPES_BY_BRANCHE } from '../../src/territories/domain.ts';
import { branchesFor, inScope, PURPOSES, readableOrganisations, workableOrganisations, type PolicyActor } from '../../src/territories/policy.ts';

/** The one organisation model (docs/adr/0005-one-organisation-model-and-policy.md), pinned type by type. */
describe('organisation type → branch', () => {
  it.each([
    // type, branches it works for, may hold competence for, offers shown first
    ['caf', ['caf'], ['caf'], 'caf'],
    ['cpam', ['cpam'], ['cpam'], 'assurance_maladie'],
    ['ces', ['cpam'], [], 'assurance_maladie'],
    ['carsat', ['carsat'], ['carsat'], 'carsat'],
    ['cgss', ['cpam', 'carsat'], ['cpam', 'carsat'], 'assurance_maladie'],
    ['css', ['caf', 'cpam', 'carsat'], ['caf', 'cpam', 'carsat'], 'assurance_maladie'],
    ['ccss', ['caf', 'cpam'], ['caf', 'cpam'], 'assurance_maladie'],
    ['national', [], [], null],
    ['etablissement', [], [], null],
  ] as const)('%s works for %j, may be competent for %j, shows the %s offers first', (type, branches, competent, offers) => {
    expect(branchesOf(type)).toEqual(branches);
    expect((['caf', 'cpam', 'carsat'] as const).filter((b) => mayBeCompetentFor(type, b))).toEqual(competent);
    expect(offerBranchOf(type)).toBe(offers);
  });

  it('covers every organisation type, and an unknown type belongs to no branch', () => {
    expect(Object.keys(BRANCHES_OF_TYPE).sort()).toEqual([...ORGANISATION_TYPES].sort());
    expect(branchesOf('mutuelle')).toEqual([]);
    expect(primaryBranch('mutuelle')).toBeNull();
    expect(mayBeCompetentFor('cgss', 'mutuelle')).toBe(false);
  });

  it('agrees with the network of data/reseau.json: each multi-branch caisse is competent for the branches the model gives its type', () => {
    const reseau = JSON.parse(readFileSync('data/reseau.json', 'utf8')) as { caissesMultiBranches: { type: string; branches: string[] }[] };
    for (const c of reseau.caissesMultiBranches) expect([...branchesOf(c.type)]).toEqual(c.branches);
    expect(TYPES_BY_BRANCHE).toEqual({ caf: ['caf', 'css', 'ccss'], cpam: ['cpam', 'cgss', 'css', 'ccss'], carsat: ['carsat', 'cgss', 'css'] });
  });
});

const actor = (code: string, type: string, ...roles: string[]): PolicyActor => ({ roles, organisation: { code, type } });
const facts = (rattachement: string | null, ...attached: string[]) => ({ rattachement, attached });

describe('access policy', () => {
  it('an agent works the lists of their organisation and of the one it is attached to; nobody else works lists', () => {
    expect(workableOrganisations(actor('ces-83', 'ces', 'agent'), 'worklist', facts('cpam-83'))).toEqual(['cpam-83', 'ces-83']);
    expect(workableOrganisations(actor('cpam-83', 'cpam', 'agent'), 'worklist', facts(null, 'ces-83'))).toEqual(['cpam-83']);
    expect(readableOrganisations(actor('cpam-83', 'cpam', 'agent'), 'worklist', facts(null, 'ces-83'))).toEqual(['cpam-83']);
    for (const role of ['pilote_local', 'charge_echanges', 'dpo', 'administrateur']) {
      expect(workableOrganisations(actor('cpam-83', 'cpam', role), 'worklist', facts(null, 'ces-83'))).toEqual([]);
    }
  });

  it('a national pilot reads no organisation in full; a local pilot reads theirs and those attached to it', () => {
    expect(readableOrganisations(actor('cnam', 'national', 'pilote_national'), 'indicators')).toEqual([]);
    expect(readableOrganisations(actor('cpam-83', 'cpam', 'pilote_local'), 'indicators', facts(null, 'ces-83'))).toEqual(['cpam-83', 'ces-83']);
  });

  it('an outbox: its organisation and those attached to it, all of them for a national organisation', () => {
    expect(readableOrganisations(actor('cpam-83', 'cpam', 'administrateur'), 'channels', facts(null, 'ces-83'))).toEqual(['cpam-83', 'ces-83']);
    expect(readableOrganisations(actor('cnam', 'national', 'administrateur'), 'channels')).toBe('all');
  });

  it('register, conventions and accounts: its own organisation, every one for a national organisation', () => {
    for (const purpose of ['register', 'exchange', 'accounts'] as const) {
      expect(readableOrganisations(actor('caf-83', 'caf', 'dpo'), purpose)).toEqual(['caf-83']);
      expect(readableOrganisations(actor('cnam', 'national', 'dpo'), purpose)).toBe('all');
    }
  });

  it('accounts are managed by administrators: their organisation, every one for a national administrator', () => {
    expect(inScope(workableOrganisations(actor('caf-83', 'caf', 'administrateur'), 'accounts'), 'caf-83')).toBe(true);
    expect(inScope(workableOrganisations(actor('caf-83', 'caf', 'administrateur'), 'accounts'), 'cpam-83')).toBe(false);
    expect(inScope(workableOrganisations(actor('caf-83', 'caf', 'pilote_local'), 'accounts'), 'caf-83')).toBe(false);
    expect(workableOrganisations(actor('cnam', 'national', 'administrateur'), 'accounts')).toBe('all');
  });

  it('competence corrections: a national administrator only', () => {
    expect(workableOrganisations(actor('cnam', 'national', 'administrateur'), 'reference')).toBe('all');
    expect(workableOrganisations(actor('cnam', 'national', 'pilote_national'), 'reference')).toEqual([]);
    expect(workableOrganisations(actor('caf-83', 'caf', 'administrateur'), 'reference')).toEqual([]);
  });

  it('exchange: an organisation runs the programmes of the branches it works for; a national fund runs none', () => {
    expect(branchesFor(actor('cgss-974', 'cgss', 'charge_echanges'), 'exchange')).toEqual(['cpam', 'carsat']);
    expect(branchesFor(actor('ccss-48', 'ccss', 'charge_echanges'), 'exchange')).toEqual(['caf', 'cpam']);
    expect(branchesFor(actor('cnam', 'national', 'charge_echanges'), 'exchange')).toEqual([]);
    expect(branchesFor(actor('cnam', 'national', 'dpo'), 'register')).toEqual(['caf', 'cpam', 'carsat']);
    expect(workableOrganisations(actor('cnam', 'national', 'charge_echanges'), 'exchange')).toEqual([]);
  });

  it('answers for every purpose (no purpose falls through)', () => {
    for (const purpose of PURPOSES) {
      expect(readableOrganisations(actor('caf-83', 'caf', 'agent'), purpose)).toBeDefined();
      expect(workableOrganisations(actor('caf-83', 'caf', 'agent'), purpose)).toBeDefined();
    }
  });
});
