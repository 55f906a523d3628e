import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { parseCompetenceRows, parsePostalCode, readCompetenceFile, type RejectedRow } from './postal.ts';
import { readableOrganisations, workableOrganisations, type OrganisationFacts, type OrganisationScope, type PolicyActor, type Purpose } from './policy.ts';
import { loadReferenceData, shippedReferenceVersion } from './reference.ts';
import { territoriesRepository, type CommuneCompetente } from './repository.ts';

export { parsePostalCode, parseCompetenceCsv, parseCompetenceRows, readCompetenceFile, type RejectedRow } from './postal.ts';
export { avecArticle, type Organisation } from './network.ts';
// The one organisation model (domain.ts) and the one access policy (policy.ts): docs/adr/0005-one-organisation-model-and-policy.md.
export {
  OFFER_BRANCHES, branchesOf, mayBeCompetentFor, offerBranchOf, isOverseasCaisse,
  type Branche, type OfferBranch, type OrganisationType,
} from './domain.ts';
export {
  readableOrganisations, workableOrganisations, branchesFor, inScope, scopeFilter,
  type Purpose, type OrganisationScope, type OrganisationFacts, type PolicyActor,
} from './policy.ts';
export { loadReferenceData, shippedReferenceVersion, type ReferenceData } from './reference.ts';
export type { CommuneCompetente, EstablishmentRow, OrganisationInfo } from './repository.ts';

/** Loads the reference data when it is missing or older than the shipped version. Returns what was done. */
export async function ensureReferenceData(db: Kysely<DB>): Promise<{ loaded: boolean; version: string; durationMs: number }> {
  const started = performance.now();
  const current = await territoriesRepository.referenceVersion(db);
  if (current === shippedReferenceVersion()) return { loaded: false, version: current, durationMs: performance.now() - started };
  const data = loadReferenceData();
  await territoriesRepository.replaceReferenceData(db, data);
  return { loaded: true, version: data.version, durationMs: performance.now() - started };
}

export type PostalLookup =
  | { ok: true; codePostal: string; communes: CommuneCompetente[] }
  | { ok: false; status: 400 | 404; erreur: string };

export async function lookupPostalCode(db: Kysely<DB>, input: string): Promise<PostalLookup> {
  const parsed = parsePostalCode(input);
  if (!parsed.ok) return { ok: false, status: 400, erreur: parsed.erreur };
  const communes = await territoriesRepository.byPostalCode(db, parsed.value);
  if (communes.length === 0) return { ok: false, status: 404, erreur: `Aucune commune ne correspond au code postal ${parsed.value}.` };
  return { ok: true, codePostal: parsed.value, communes };
}

/** The organisations of branch `to` competent in a commune where `sender` is competent for branch `from` (the recipients of a cycle). */
export async function competentRecipients(db: Kysely<DB>, sender: string, from: string, to: string): Promise<{ code: string; nom: string }[]> {
  return territoriesRepository.competentRecipients(db, sender, from, to);
}

/** The reference data's facts about an organisation that the access policy needs (what it is attached to, what is attached to it). */
async function organisationFacts(db: Kysely<DB>, code: string): Promise<OrganisationFacts> {
  const [organisation, attached] = await Promise.all([territoriesRepository.organisation(db, code), territoriesRepository.attachedTo(db, code)]);
  return { rattachement: organisation?.rattachement ?? null, attached };
}

/** The access policy (policy.ts) for an actor, with its organisation's facts read here: the organisations it may read or work for. */
export async function actorScope(db: Kysely<DB>, actor: PolicyActor, purpose: Purpose, mode: 'read' | 'work'): Promise<OrganisationScope> {
  const facts = await organisationFacts(db, actor.organisation.code);
  return mode === 'read' ? readableOrganisations(actor, purpose, facts) : workableOrganisations(actor, purpose, facts);
}

/** Whether the reference data knows this organisation code. */
export async function organisationExists(db: Kysely<DB>, code: string): Promise<boolean> {
  return (await territoriesRepository.organisation(db, code)) !== undefined;
}


export interface CompetenceImportReport {
  appliquees: number;
  rejetees: RejectedRow[];
  /** Lines repeating an earlier correction of the file: applied once, not rejected. */
  doublons: RejectedRow[];
  /** The file was refused whole (not a text file, or a wrong header): nothing applied. */
  refusee?: boolean;
}

/**
 * Applies an administrator's commune-by-commune corrections (bytes of a CSV file, or its text).
 * Read by the shared line reader (src/extracts/lines.ts): a file that is not text is refused whole;
 * a malformed line, a bad row or a repeated commune and branch is reported with its physical line;
 * good rows are applied together.
 */
export async function importCompetenceCorrections(db: Kysely<DB>, content: Uint8Array | string): Promise<CompetenceImportReport> {
  const file = readCompetenceFile(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
  if (!file.ok) return { appliquees: 0, refusee: true, rejetees: [{ ligne: 1, raison: file.erreur }], doublons: [] };
  const { header, records, unreadable } = file;
  const codes = records.map((r) => (r.cells[0] ?? '').trim());
  const organisations = new Map((await territoriesRepository.organisations(db)).map((o) => [o.code, o.type]));
  const communes = await territoriesRepository.existingCommunes(db, [...new Set(codes)]);
  const { valides, rejetees, doublons } = parseCompetenceRows(header, records, { communes, organisations });
  if (rejetees.length === 1 && rejetees[0]!.ligne === header.ligne && rejetees[0]!.raison.startsWith('en-tête')) {
    return { appliquees: 0, refusee: true, rejetees, doublons: [] };
  }
  await territoriesRepository.applyCorrections(db, valides);
  return { appliquees: valides.length, rejetees: [...unreadable, ...rejetees].sort((a, b) => a.ligne - b.ligne), doublons };
}

// The front door of the `organisations` table: territories owns it (eslint.config.js, boundaries/table-owner);
// other contexts read organisations through these.
export const listOrganisations = (db: Kysely<DB>) => territoriesRepository.organisations(db);
export const findOrganisation = (db: Kysely<DB>, code: string) => territoriesRepository.organisation(db, code);
/** Every organisation with its département and région. */
export const listOrganisationsWithPlaces = (db: Kysely<DB>) => territoriesRepository.organisationsWithPlaces(db);
/** The organisations of one type in one département. */
export const organisationsOfType = (db: Kysely<DB>, type: string, departement: string) => territoriesRepository.organisationsOfType(db, type, departement);
/** Organisation names by code: of these codes, or of every organisation. */
export const organisationNames = (db: Kysely<DB>, codes?: readonly string[]) => territoriesRepository.names(db, codes);
/** A health establishment by its organisation code (undefined: not an establishment, or no FINESS). */
export const findEstablishment = (db: Kysely<DB>, code: string) => territoriesRepository.establishment(db, code);
/** The health establishments by FINESS number. */
export const establishmentsByFiness = (db: Kysely<DB>) => territoriesRepository.establishmentsByFiness(db);
export const referenceCounts = (db: Kysely<DB>) => territoriesRepository.counts(db);
