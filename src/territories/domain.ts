/**
 * Pure domain: the one organisation model (docs/adr/0005-one-organisation-model-and-policy.md).
 * Which branches an organisation type belongs to, which types may hold a branch's competence, and
 * the branch whose offers an organisation's agent shows first. Every other context uses these,
 * through the territories front door; the web app receives the results over the API.
 */

/** A branch of the régime général, as the network and the competence table name it. */
export type Branche = 'caf' | 'cpam' | 'carsat';
export const BRANCHES: readonly Branche[] = ['caf', 'cpam', 'carsat'];

export const ORGANISATION_TYPES = ['caf', 'cpam', 'ces', 'carsat', 'cgss', 'css', 'ccss', 'national', 'etablissement'] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];

export const isOrganisationType = (type: string): type is OrganisationType => (ORGANISATION_TYPES as readonly string[]).includes(type);

/**
 * The branches each organisation type works for (data/reseau.json, SPEC.md "Reference data"):
 * - a CGSS (Guadeloupe, Martinique, Guyane, La Réunion) is the CPAM and the Carsat of its
 *   département; the Caf there is a separate caisse (caf-971…);
 * - the CSS de Mayotte is the Caf, the CPAM and the Carsat of Mayotte;
 * - a caisse commune (CCSS: Lozère, Hautes-Alpes) is the Caf and the CPAM; the Carsat of its région
 *   runs the social service;
 * - a CES (centre d'examens de santé) belongs to the Assurance Maladie, attached to its CPAM: it works
 *   for the CPAM branch but is never competent for a commune itself;
 * - national funds and health establishments belong to no branch.
 */
export const BRANCHES_OF_TYPE: Readonly<Record<OrganisationType, readonly Branche[]>> = {
  caf: ['caf'],
  cpam: ['cpam'],
  ces: ['cpam'],
  carsat: ['carsat'],
  cgss: ['cpam', 'carsat'],
  css: ['caf', 'cpam', 'carsat'],
  ccss: ['caf', 'cpam'],
  national: [],
  etablissement: [],
};

/** Types attached to another organisation, never competent for a commune on their own. */
const ATTACHED_TYPES: readonly OrganisationType[] = ['ces'];

/** The branches an organisation of this type works for (an unknown type: none). */
export function branchesOf(type: string): readonly Branche[] {
  return isOrganisationType(type) ? BRANCHES_OF_TYPE[type] : [];
}

/** Which organisation types may be competent for each branch (the competence corrections check it). */
const competentTypes = (b: Branche) => ORGANISATION_TYPES.filter((t) => !ATTACHED_TYPES.includes(t) && BRANCHES_OF_TYPE[t].includes(b));
export const TYPES_BY_BRANCHE: Readonly<Record<Branche, readonly OrganisationType[]>> = {
  caf: competentTypes('caf'), cpam: competentTypes('cpam'), carsat: competentTypes('carsat'),
};

/** Whether an organisation of this type may be competent for this branch. */
export const mayBeCompetentFor = (type: string, branche: string): boolean =>
  (TYPES_BY_BRANCHE[branche as Branche] ?? []).some((t) => t === type);

/**
 * The branch an organisation's agents belong to first, for the order of offers (their own branch's
 * offers first, on screen and in the PDF): the multi-branch caisses (CGSS, CSS, CCSS) are first of all
 * health-insurance caisses, their front office is the Assurance Maladie's.
 */
export function primaryBranch(type: string): Branche | null {
  const branches = branchesOf(type);
  if (branches.length === 0) return null;
  return branches.includes('cpam') ? 'cpam' : branches[0]!;
}

/**
 * The offers' vocabulary (orientation catalogue, programme offers, letters) names the health branch
 * "assurance_maladie", the network names it after its caisse, "cpam": one branch, two spellings.
 */
export const OFFER_BRANCHES = ['caf', 'assurance_maladie', 'carsat'] as const;
export type OfferBranch = (typeof OFFER_BRANCHES)[number];
export const OFFER_BRANCH: Readonly<Record<Branche, OfferBranch>> = { caf: 'caf', cpam: 'assurance_maladie', carsat: 'carsat' };

/** The offer branch an organisation's agent sees first (null: a national fund, an establishment). */
export function offerBranchOf(type: string): OfferBranch | null {
  const branche = primaryBranch(type);
  return branche ? OFFER_BRANCH[branche] : null;
}

/** Whether the organisation is overseas (CGSS, CSS): the branches' national phone numbers do not apply there. */
export const isOverseasCaisse = (type: string): boolean => type === 'cgss' || type === 'css';
