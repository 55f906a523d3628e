/**
 * Reading the destruction records of the audit trail (action `conservation.destruction`, written by
 * `destroyExpiredContacts`), for the DPO: what was destroyed, when, with the digest of the
 * pseudonyms and the entry's own chain hash, so that the record can be checked against the trail.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';

export interface DestructionRecord {
  /** Audit entry id and hash: the record's place in the chained trail. */
  entree: string;
  hash: string;
  horodatage: string;
  organisation: string | null;
  programme: string | null;
  paquet: string | null;
  nombre: number;
  echeance: string | null;
  empreinteSha256: string | null;
}

const asJson = (value: unknown): Record<string, unknown> =>
  (typeof value === 'string' ? JSON.parse(value) : (value ?? {})) as Record<string, unknown>;

/** Destruction records, newest first; `organisation` restricts to one organisation's records (null: all). */
export async function destructionRecords(db: Kysely<DB>, filter: { organisation: string | null; limit?: number }): Promise<DestructionRecord[]> {
  let q = db.selectFrom('journal_audit')
    .select([sql<string>`id::text`.as('id'), 'hash', 'horodatage', 'acteur_organisation', 'details'])
    .where('action', '=', 'conservation.destruction')
    .orderBy(sql`journal_audit.id`, 'desc').limit(filter.limit ?? 1000);
  if (filter.organisation !== null) q = q.where('acteur_organisation', '=', filter.organisation);
  return (await q.execute()).map((r) => {
    const d = asJson(r.details);
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      entree: r.id,
      hash: r.hash,
      horodatage: new Date(r.horodatage).toISOString(),
      organisation: r.acteur_organisation,
      programme: text(d.programme),
      paquet: text(d.paquet),
      nombre: typeof d.nombre === 'number' ? d.nombre : Number(d.nombre ?? 0),
      echeance: text(d.echeance),
      empreinteSha256: text(d.empreinteSha256),
    };
  });
}
