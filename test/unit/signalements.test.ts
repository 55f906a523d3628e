import { describe, expect, it } from 'vitest';
import { findProgramme, loadProgrammes, type Row } from '../../src/programmes/index.ts';
import { nirKey } from '../../src/shared/nir.ts';
import {
  assessSignalement, checkSignalementRow, initials, signalementStatus, worklistFields, NO_CRITERION, SIGNALEMENT_COLUMNS,
} from '../../src/signalements/domain.ts';
import { competentOrganisation } from '../../src/signalements/service.ts';
import { STATUSES } from '../../src/outreach/index.ts';

const programme = findProgramme(loadProgrammes(), 'carsat-sortie-hospitalisation')!;
const NIR = `2430583137021${nirKey('2430583137021')}`;

/** A signalement meeting no criterion; each case adds what it tests. */
const row = (over: Record<string, string> = {}): Row => ({
  date_signalement: '2026-12-03', finess_etablissement: '830100566', etablissement: 'CHI Toulon', nir: NIR, nom: 'MARTINEZ', prenom: 'Josette',
  sexe: 'F', date_naissance: '1943-05-14', code_postal: '83000', code_commune: '83137', commune: 'Toulon', telephone: '0494123456',
  date_entree: '2026-11-27', date_sortie_prevue: '2026-12-07', ald: 'non', c2s: 'non', minimum_social: 'aucun', sans_complementaire: 'non',
  difficulte_financement_soins: 'non', retraite: 'non', gir: '', ...over,
});

describe('signalement criteria and markers (seed 004, annexe 3, programme 3)', () => {
  it.each([
    ['no criterion', {}, false, []],
    ['ALD recognised', { ald: 'oui' }, true, ['non-retraite']],
    ['ALD being recognised', { ald: 'en_cours' }, true, ['non-retraite']],
    ['C2S', { c2s: 'oui' }, true, ['non-retraite']],
    ['minimum social benefit (RSA)', { minimum_social: 'rsa' }, true, ['non-retraite', 'difficultes-financieres']],
    ['no complementary health', { sans_complementaire: 'oui' }, true, ['non-retraite', 'difficultes-financieres']],
    ['difficulty paying for care', { difficulte_financement_soins: 'oui' }, true, ['non-retraite', 'difficultes-financieres']],
    ['retired in GIR 5: ARDH', { retraite: 'oui', gir: '5' }, true, ['ardh']],
    ['retired in GIR 6: ARDH', { retraite: 'oui', gir: '6' }, true, ['ardh']],
    ['retired in GIR 4, no other criterion', { retraite: 'oui', gir: '4' }, false, []],
    ['retired in GIR 4 with ALD: no ARDH marker', { retraite: 'oui', gir: '4', ald: 'oui' }, true, []],
    ['retired without GIR, no other criterion', { retraite: 'oui' }, false, []],
    ['retired GIR 5 with ASPA', { retraite: 'oui', gir: '5', minimum_social: 'aspa' }, true, ['ardh', 'difficultes-financieres']],
  ])('%s', (_label, over, retenu, markers) => {
    const a = assessSignalement(programme, row(over));
    expect(a.retenu).toBe(retenu);
    expect(a.periode).toBe('2026-12');
    if (a.retenu) expect(a.marqueurs).toEqual(markers);
    else expect(a.raison).toBe(NO_CRITERION);
  });

  it('puts the person in the cohort of the month of the signalement date', () => {
    const a = assessSignalement(programme, row({ date_signalement: '2026-11-30', date_entree: '2026-11-20', ald: 'oui' }));
    expect(a).toMatchObject({ retenu: true, periode: '2026-11' });
  });
});

describe('signalement row validation', () => {
  const today = '2026-12-05';
  it('accepts a complete row', () => {
    expect(checkSignalementRow(row({ ald: 'oui' }), today)).toEqual({});
  });

  it.each([
    ['a wrong NIR key', { nir: `${NIR.slice(0, 13)}00` }, 'nir', /clé|NIR/],
    ['a missing name', { nom: '' }, 'nom', /obligatoire/],
    ['an unknown ALD value', { ald: 'peut-etre' }, 'ald', /hors liste/],
    ['a GIR of 7', { retraite: 'oui', gir: '7' }, 'gir', /hors liste/],
    ['a GIR for a non-retired person', { gir: '5' }, 'gir', /non retraité/],
    ['a discharge before the admission', { date_sortie_prevue: '2026-11-20' }, 'date_sortie_prevue', /antérieure/],
    ['a signalement dated tomorrow', { date_signalement: '2026-12-06' }, 'date_signalement', /future/],
    ['a birth after the admission', { date_naissance: '2026-11-28' }, 'date_naissance', /postérieure/],
    ['an admission after the signalement', { date_entree: '2026-12-04' }, 'date_entree', /postérieure/],
    ['a bad postal code', { code_postal: '830' }, 'code_postal', /5 chiffres/],
    ['an impossible date', { date_naissance: '1943-02-30' }, 'date_naissance', /AAAA-MM-JJ/],
    ['a bad FINESS', { finess_etablissement: '83010' }, 'finess_etablissement', /FINESS/],
  ])('rejects %s, in French, without repeating the value', (_label, over, field, reason) => {
    const problems = checkSignalementRow(row(over), today);
    expect(problems[field]).toMatch(reason);
    for (const v of Object.values(over)) if (v.length > 2) expect(problems[field]).not.toContain(v);
  });

  it('checks every column of the extract format', () => {
    expect(SIGNALEMENT_COLUMNS.map((c) => c.name)).toContain('difficulte_financement_soins');
    const empty: Row = {};
    const problems = checkSignalementRow(empty, today);
    for (const c of SIGNALEMENT_COLUMNS.filter((x) => x.required)) expect(problems[c.name], c.name).toMatch(/obligatoire/);
  });
});

describe("the establishment's status, derived from the Carsat's status", () => {
  const expected: Record<string, string> = {
    a_contacter: 'recu', offre_envoyee: 'recu', envoi_echoue: 'recu', a_rappeler: 'recu', faux_numero: 'recu', joint: 'recu',
    accepte: 'pris_en_charge', rdv_pris: 'pris_en_charge', rdv_honore: 'pris_en_charge', rdv_non_honore: 'pris_en_charge', rdv_annule: 'pris_en_charge',
    oriente: 'pris_en_charge', accompagne: 'pris_en_charge', clos: 'pris_en_charge', refus: 'refuse', opposition: 'refuse',
  };
  it.each(STATUSES.map((s) => [s, expected[s]]))('%s → %s', (status, result) => {
    expect(signalementStatus(status)).toBe(result);
  });
  it('covers every outreach status', () => expect(Object.keys(expected).sort()).toEqual([...STATUSES].sort()));
  it('is « reçu » without a contact', () => expect(signalementStatus(null)).toBe('recu'));
});

describe('what the Carsat keeps', () => {
  it('keeps the criteria as readable fields and never the NIR', () => {
    const f = worklistFields(row({ ald: 'en_cours', retraite: 'oui', gir: '5', minimum_social: 'aspa' }), ['ardh']);
    expect(f).not.toHaveProperty('nir');
    expect(JSON.stringify(f)).not.toContain(NIR);
    expect(f).toMatchObject({ ald: 'En cours de reconnaissance', gir: 'GIR 5', retraite: 'Oui', marqueurs: 'ardh', date_signalement: '3 décembre 2026' });
    expect(f.minimum_social).toMatch(/ASPA/);
    expect(worklistFields(row({ retraite: 'oui', gir: '6' }), ['ardh'], programme).situations).toMatch(/^Retraité du régime général en GIR 5 ou 6 : aide au retour à domicile/);
  });
  it('keeps only initials for the establishment', () => expect(initials(row())).toBe('J. M.'));
});

describe('competent organisation: the Carsat of the commune of residence', () => {
  const lookup = {
    parCommune: (c: string, b: string) => (b === 'carsat' && c === '83137' ? 'carsat-sud-est' : b === 'carsat' && c === '59350' ? 'carsat-hauts-de-france' : null),
    parCodePostal: (cp: string, b: string) => (b === 'carsat' && cp === '59000' ? ['carsat-hauts-de-france'] : []),
  };
  it.each([
    [{}, 'carsat-sud-est'],
    [{ code_commune: '59350', code_postal: '59000' }, 'carsat-hauts-de-france'],
    [{ code_commune: '99999', code_postal: '59000' }, 'carsat-hauts-de-france'],
  ])('%o → %s', (over, org) => expect(competentOrganisation(programme, row(over), lookup)).toEqual({ ok: true, organisation: org }));
  it('says why when nothing matches', () => {
    const r = competentOrganisation(programme, row({ code_commune: '99999', code_postal: '00000' }), lookup);
    expect(r.ok).toBe(false);
  });
});
