/**
 * Pure domain: the one access policy over organisations (docs/adr/0005-one-organisation-model-and-policy.md).
 * Given an actor (an account's roles and organisation) and a purpose, which organisations it may read
 * and which it may work for. Routes, indicators, outreach, channels and the register ask here; the
 * role a route requires stays on the route (`config.access`), this answers "whose data".
 *
 * The facts about the actor's organisation that come from the reference data (the organisation it
 * is attached to, those attached to it) are given by the caller: `actorScope` of the territories
 * front door reads them and calls this module.
 */
import { BRANCHES, branchesOf, type Branche } from './domain.ts';

/** Who asks: a signed-in account (roles, organisation). The national pilot is an account of a national organisation. */
export interface PolicyActor {
  roles: readonly string[];
  organisation: { code: string; type: string };
}

/**
 * What for:
 * - `worklist`: outreach worklists, person pages, outcomes, and the mail and letters sent from them;
 * - `indicators`: the figures a pilot sees in full (other organisations' only with small counts suppressed);
 * - `channels`: an outbox (mail sent and waiting) and its administration;
 * - `register`: the register of processing, destruction records, overdue contacts (DPO);
 * - `exchange`: conventions and packages between organisations;
 * - `accounts`: accounts and the organisations they belong to;
 * - `reference`: the reference data itself (competence corrections).
 */
export type Purpose = 'worklist' | 'indicators' | 'channels' | 'register' | 'exchange' | 'accounts' | 'reference';
export const PURPOSES: readonly Purpose[] = ['worklist', 'indicators', 'channels', 'register', 'exchange', 'accounts', 'reference'];

/** Every organisation, or these (possibly none). */
export type OrganisationScope = 'all' | readonly string[];

/** The reference data's facts about the actor's organisation. */
export interface OrganisationFacts {
  /** The organisation it is attached to (ces-83 → cpam-83), if any. */
  rattachement: string | null;
  /** The organisations attached to it (cpam-83 → ces-83). */
  attached: readonly string[];
}

export const NO_FACTS: OrganisationFacts = { rattachement: null, attached: [] };

const isNational = (actor: PolicyActor) => actor.organisation.type === 'national';
const own = (actor: PolicyActor) => actor.organisation.code;

/** The organisations whose data this actor may read for this purpose. */
export function readableOrganisations(actor: PolicyActor, purpose: Purpose, facts: OrganisationFacts = NO_FACTS): OrganisationScope {
  switch (purpose) {
    // An agent reads the lists they work: their organisation's and the one it is attached to.
    case 'worklist': return workableOrganisations(actor, purpose, facts);
    // A national pilot sees no organisation in full: every figure with small counts suppressed.
    case 'indicators': return isNational(actor) ? [] : [own(actor), ...facts.attached];
    case 'channels': return isNational(actor) ? 'all' : [own(actor), ...facts.attached];
    case 'register':
    case 'exchange':
    case 'accounts':
      return isNational(actor) ? 'all' : [own(actor)];
    case 'reference': return 'all';
  }
}

/** The organisations this actor may act for (record, send, sign, manage) for this purpose. */
export function workableOrganisations(actor: PolicyActor, purpose: Purpose, facts: OrganisationFacts = NO_FACTS): OrganisationScope {
  switch (purpose) {
    case 'worklist':
    case 'channels':
      // ces-83's agents work cpam-83's list too; only agents work lists.
      if (!actor.roles.includes('agent')) return [];
      return facts.rattachement ? [facts.rattachement, own(actor)] : [own(actor)];
    case 'indicators': return [];
    case 'register': return isNational(actor) ? [] : [own(actor)];
    // A national fund runs no exchange cycle and signs no convention.
    case 'exchange': return isNational(actor) ? [] : [own(actor)];
    case 'accounts':
      if (!actor.roles.includes('administrateur')) return [];
      return isNational(actor) ? 'all' : [own(actor)];
    // Competence corrections: a national administrator only.
    case 'reference': return isNational(actor) && actor.roles.includes('administrateur') ? 'all' : [];
  }
}

/** Whether a scope holds an organisation. */
export const inScope = (scope: OrganisationScope, code: string): boolean => scope === 'all' || scope.includes(code);

/** A scope as a repository filter: null for every organisation. */
export const scopeFilter = (scope: OrganisationScope): readonly string[] | null => (scope === 'all' ? null : scope);

/**
 * The branches whose programmes concern this actor: `exchange`, the programmes whose cycle it may run
 * (it holds the source of the sending branch; a national fund runs none); `register`, the programmes
 * in its register of processing (a national DPO's register lists them all).
 */
export function branchesFor(actor: PolicyActor, purpose: 'exchange' | 'register'): readonly Branche[] {
  if (isNational(actor)) return purpose === 'register' ? BRANCHES : [];
  return branchesOf(actor.organisation.type);
}
