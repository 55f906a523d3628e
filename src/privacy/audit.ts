import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { assertNoPersonalData, entryHash, GENESIS_HASH, verifyEntries, type AuditContent, type ChainCheck, type ChainedEntry } from './chain.ts';

export interface AuditEvent {
  action: string;
  acteur?: { compteId: string | null; organisation: string | null } | null;
  cible?: { type: string; id: string } | null;
  details?: Record<string, unknown>;
}

/** A fixed key for the advisory lock that serialises writers, so the chain never forks. */
const AUDIT_LOCK_KEY = 4_711_2026;

/** Appends one entry. Runs in its own transaction unless given one; concurrent writers queue on an advisory lock. */
export async function recordAudit(db: Kysely<DB>, event: AuditEvent): Promise<void> {
  const details = event.details ?? {};
  assertNoPersonalData(details);
  const write = async (trx: Kysely<DB>) => {
    await sql`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(trx);
    const last = await trx.selectFrom('journal_audit').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
    const previous = last?.hash ?? GENESIS_HASH;
    const content: AuditContent = {
      horodatage: new Date().toISOString(),
      acteurCompteId: event.acteur?.compteId ?? null,
      acteurOrganisation: event.acteur?.organisation ?? null,
      action: event.action,
      cibleType: event.cible?.type ?? null,
      cibleId: event.cible?.id ?? null,
      details,
    };
    await trx.insertInto('journal_audit').values({
      horodatage: content.horodatage,
      acteur_compte_id: content.acteurCompteId,
      acteur_organisation: content.acteurOrganisation,
      action: content.action,
      cible_type: content.cibleType,
      cible_id: content.cibleId,
      details: JSON.stringify(details),
      hash_precedent: previous,
      hash: entryHash(previous, content),
    }).execute();
  };
  if (db.isTransaction) await write(db);
  else await db.transaction().execute(write);
}

/** Reads the whole trail in id order, page by page, and checks every link. */
export async function verifyAuditChain(db: Kysely<DB>, pageSize = 5000): Promise<ChainCheck> {
  let previous = GENESIS_HASH;
  let afterId = '0';
  let total = 0;
  for (;;) {
    const rows = await db.selectFrom('journal_audit')
      .select(['horodatage', 'acteur_compte_id', 'acteur_organisation', 'action', 'cible_type', 'cible_id', 'details', 'hash_precedent', 'hash',
        sql<string>`id::text`.as('id')])
      .where(sql`id`, '>', sql`${afterId}::bigint`)
      .orderBy(sql`journal_audit.id`).limit(pageSize).execute();
    if (rows.length === 0) return { ok: true, entries: total };
    const entries: ChainedEntry[] = rows.map((r) => ({
      id: r.id,
      hashPrecedent: r.hash_precedent,
      hash: r.hash,
      content: {
        horodatage: new Date(r.horodatage).toISOString(),
        acteurCompteId: r.acteur_compte_id,
        acteurOrganisation: r.acteur_organisation,
        action: r.action,
        cibleType: r.cible_type,
        cibleId: r.cible_id,
        details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
      },
    }));
    const check = verifyEntries(entries, previous);
    if (!check.ok) return { ...check, entries: total + check.entries };
    total += rows.length;
    previous = rows.at(-1)!.hash;
    afterId = rows.at(-1)!.id;
  }
}

export async function recentAudit(db: Kysely<DB>, filter: { organisation?: string; limit?: number }) {
  let q = db.selectFrom('journal_audit')
    .select([sql<string>`id::text`.as('id'), 'horodatage', 'acteur_compte_id', 'acteur_organisation', 'action', 'cible_type', 'cible_id', 'details'])
    .orderBy(sql`journal_audit.id`, 'desc').limit(filter.limit ?? 100);
  if (filter.organisation) q = q.where('acteur_organisation', '=', filter.organisation);
  return q.execute();
}
