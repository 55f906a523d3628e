import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { parseCompetenceCsv, parsePostalCode, type RejectedRow } from './postal.ts';
import { loadReferenceData, shippedReferenceVersion } from './reference.ts';
import { territoriesRepository, type CommuneCompetente } from './repository.ts';

export { parsePostalCode, parseCompetenceCsv, TYPES_BY_BRANCHE } from './postal.ts';
export { buildNetwork, avecArticle, BRANCHES, type Branche, type Organisation, type OrganisationType } from './network.ts';
export { loadReferenceData, shippedReferenceVersion, type ReferenceData } from './reference.ts';
export type { CommuneCompetente } from './repository.ts';

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

export interface CompetenceImportReport { appliquees: number; rejetees: RejectedRow[] }

/** Applies an administrator's commune-by-commune corrections. Bad rows are reported; good rows are applied together. */
export async function importCompetenceCorrections(db: Kysely<DB>, content: string): Promise<CompetenceImportReport> {
  const text = content.replace(/^\ufeff/, '');
  const delimiter = (text.split('\n', 1)[0] ?? '').includes(';') ? ';' : ',';
  let records: string[][];
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true });
  } catch (error) {
    return { appliquees: 0, rejetees: [{ ligne: (error as { lines?: number }).lines ?? 1, raison: 'fichier CSV illisible' }] };
  }
  const codes = records.slice(1).map((r) => (r[0] ?? '').trim());
  const organisations = new Map((await territoriesRepository.organisations(db)).map((o) => [o.code, o.type]));
  const communes = await territoriesRepository.existingCommunes(db, [...new Set(codes)]);
  const { valides, rejetees } = parseCompetenceCsv(records, { communes, organisations });
  await territoriesRepository.applyCorrections(db, valides);
  return { appliquees: valides.length, rejetees };
}

export const listOrganisations = (db: Kysely<DB>) => territoriesRepository.organisations(db);
export const findOrganisation = (db: Kysely<DB>, code: string) => territoriesRepository.organisation(db, code);
export const referenceCounts = (db: Kysely<DB>) => territoriesRepository.counts(db);
