import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
// the generic envelope encryption under the master key (no I/O, no database): shared with the exchange context
import { activeMasterKeys, protectedKeyId, protectSecret, unprotectSecret, type MasterKeys } from '../exchange/index.ts';
import {
  assertNoPersonalData, auditKeyOf, GENESIS_HASH, headSignatureValid, keyedEntryHash, signHead, verifyEntries,
  type AuditContent, type AuditHead, type ChainCheck, type ChainedEntry,
} from './chain.ts';

/** File of the data folder where the signed heads are appended (one JSON document a line), outside the database. */
export const AUDIT_ANCHOR_FILE = 'journal-audit.ancres.jsonl';

const auditKeys = new Map<string, Buffer>();
/** The HMAC key that seals new entries: derived from the current master key, never stored in clear. */
function sealingKey(): { id: string; key: Buffer } {
  const master = activeMasterKeys().current;
  let key = auditKeys.get(master.id);
  if (!key) auditKeys.set(master.id, key = auditKeyOf(master.key));
  return { id: master.id, key };
}

const keyContext = (id: string) => `journal_audit:${id}`;

/**
 * Keeps the audit keys of the current and previous master keys in `journal_audit_cles`, encrypted
 * under the current master key: after a rotation, entries sealed under the old key stay
 * verifiable once the old master key is gone. openInstance calls it at every start.
 */
export async function rememberAuditKeys(db: Kysely<DB>, keys: MasterKeys): Promise<number> {
  let written = 0;
  const rows = await db.selectFrom('journal_audit_cles').selectAll().execute();
  for (const r of rows) {
    if (protectedKeyId(r.valeur) === keys.current.id) continue;
    let clear: string;
    try { clear = unprotectSecret(r.valeur, keyContext(r.cle), keys); } catch { continue; }
    await db.updateTable('journal_audit_cles').set({ valeur: protectSecret(clear, keyContext(r.cle), keys) }).where('cle', '=', r.cle).execute();
    written++;
  }
  for (const master of [keys.current, ...keys.previous]) {
    if (rows.some((r) => r.cle === master.id)) continue;
    await db.insertInto('journal_audit_cles').values({ cle: master.id, valeur: protectSecret(auditKeyOf(master.key).toString('base64'), keyContext(master.id), keys) })
      .onConflict((oc) => oc.column('cle').doNothing()).execute();
    written++;
  }
  return written;
}

/** Every audit key this process can use to verify: from its master keys, and those kept encrypted in the database. */
async function verificationKeys(db: Kysely<DB>): Promise<Map<string, Buffer>> {
  const keys = activeMasterKeys();
  const out = new Map<string, Buffer>();
  for (const master of [keys.current, ...keys.previous]) out.set(master.id, auditKeyOf(master.key));
  for (const r of await db.selectFrom('journal_audit_cles').selectAll().execute()) {
    if (out.has(r.cle)) continue;
    try { out.set(r.cle, Buffer.from(unprotectSecret(r.valeur, keyContext(r.cle), keys), 'base64')); } catch { /* under a key this process does not hold */ }
  }
  return out;
}

async function switchPoint(db: Kysely<DB>): Promise<string> {
  const row = await db.selectFrom('journal_audit_bascule').select(sql<string>`dernier_id_non_scelle::text`.as('id')).executeTakeFirst();
  return row?.id ?? '0';
}

const asObject = (value: unknown): Record<string, unknown> => (typeof value === 'string' ? JSON.parse(value) : (value ?? {})) as Record<string, unknown>;

function asHead(value: unknown): AuditHead | null {
  const h = asObject(value);
  const text = (k: string) => (typeof h[k] === 'string' ? h[k] as string : null);
  if (typeof h.nombre !== 'number' || !text('dernierId') || !text('dernierHash') || !text('premierHash') || !text('bascule') || !text('horodatage') || !text('cle')) return null;
  return { nombre: h.nombre, dernierId: text('dernierId')!, dernierHash: text('dernierHash')!, premierHash: text('premierHash')!, bascule: text('bascule')!, horodatage: text('horodatage')!, cle: text('cle')! };
}

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
    const { id: cle, key } = sealingKey();
    const hash = keyedEntryHash(key, previous, content);
    const inserted = await trx.insertInto('journal_audit').values({
      horodatage: content.horodatage,
      acteur_compte_id: content.acteurCompteId,
      acteur_organisation: content.acteurOrganisation,
      action: content.action,
      cible_type: content.cibleType,
      cible_id: content.cibleId,
      details: JSON.stringify(details),
      hash_precedent: previous,
      hash,
      cle,
    }).returning(sql<string>`id::text`.as('id')).executeTakeFirstOrThrow();
    // the signed head moves with every entry: a cut tail leaves a head that counts more entries than the table holds
    const head = await trx.selectFrom('journal_audit_tete').select('tete').where('id', '=', 1).executeTakeFirst();
    const before = head ? asHead(head.tete) : null;
    const nombre = before ? before.nombre + 1
      : Number((await trx.selectFrom('journal_audit').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    const premierHash = before?.premierHash ?? (previous === GENESIS_HASH ? hash
      : (await trx.selectFrom('journal_audit').select('hash').orderBy('id').limit(1).executeTakeFirstOrThrow()).hash);
    const tete: AuditHead = { nombre, dernierId: inserted.id, dernierHash: hash, premierHash, bascule: await switchPoint(trx), horodatage: content.horodatage, cle };
    await trx.insertInto('journal_audit_tete').values({ id: 1, tete: JSON.stringify(tete), signature: signHead(key, tete) })
      .onConflict((oc) => oc.column('id').doUpdateSet({ tete: JSON.stringify(tete), signature: signHead(key, tete) })).execute();
  };
  if (db.isTransaction) await write(db);
  else await db.transaction().execute(write);
}

/** A signed head found somewhere (the head row, an anchor row, a destruction record, the anchor file). */
interface FoundAnchor { where: string; head: unknown; signature: unknown }

async function collectAnchors(db: Kysely<DB>, dataDir: string | undefined): Promise<FoundAnchor[] | { erreur: string }> {
  const found: FoundAnchor[] = [];
  const head = await db.selectFrom('journal_audit_tete').select(['tete', 'signature']).where('id', '=', 1).executeTakeFirst();
  if (head) found.push({ where: 'la tête signée du journal', head: asObject(head.tete), signature: head.signature });
  for (const r of await db.selectFrom('journal_audit_ancres').select([sql<string>`id::text`.as('id'), 'tete', 'signature']).orderBy('id').execute()) {
    found.push({ where: `l'ancre ${r.id} (table journal_audit_ancres)`, head: asObject(r.tete), signature: r.signature });
  }
  const destructions = await db.selectFrom('journal_audit').select([sql<string>`id::text`.as('id'), 'details'])
    .where('action', '=', 'conservation.destruction').execute();
  for (const r of destructions) {
    const ancre = asObject(asObject(r.details).ancre);
    if (ancre.tete) found.push({ where: `le procès-verbal de destruction ${r.id}`, head: ancre.tete, signature: ancre.signature });
  }
  if (dataDir) {
    let text = '';
    try { text = await readFile(join(dataDir, AUDIT_ANCHOR_FILE), 'utf8'); } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
    }
    const lines = text.split('\n');
    for (const [i, line] of lines.entries()) {
      if (!line.trim()) continue;
      let parsed: Record<string, unknown>;
      try { parsed = JSON.parse(line) as Record<string, unknown>; } catch {
        if (i === lines.length - 1) continue; // a last line cut by a crash while writing
        return { erreur: `la ligne ${i + 1} du fichier d'ancres ${AUDIT_ANCHOR_FILE} est illisible (fichier modifié)` };
      }
      found.push({ where: `l'ancre de la ligne ${i + 1} du fichier ${AUDIT_ANCHOR_FILE}`, head: parsed.tete, signature: parsed.signature });
    }
  }
  return found;
}

const frenchTime = (iso: string) => new Date(iso).toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'long', timeStyle: 'medium' });

export interface AuditVerifyOptions {
  pageSize?: number;
  /** Data folder holding the anchor file (the CLI passes it; the head row and anchor rows are read anyway). */
  dataDir?: string;
}

/**
 * Reads the whole trail in id order, page by page, and checks every link (keyed after the switch
 * point), then checks the trail against every signed head it can find: a head or an anchor that
 * counts more entries than the trail holds means a cut tail; an anchored entry whose hash changed
 * means a rewritten chain.
 */
export async function verifyAuditChain(db: Kysely<DB>, options: number | AuditVerifyOptions = {}): Promise<ChainCheck & { ancres?: number }> {
  const { pageSize = 5000, dataDir } = typeof options === 'number' ? { pageSize: options } : options;
  const keys = await verificationKeys(db);
  const bascule = await switchPoint(db);
  const collected = await collectAnchors(db, dataDir);
  if ('erreur' in collected) return { ok: false, entries: 0, brokenAt: 'ancres', reason: collected.erreur };
  const anchors: { where: string; head: AuditHead }[] = [];
  for (const a of collected) {
    const head = asHead(a.head);
    const key = head ? keys.get(head.cle) : undefined;
    if (!head || !key || typeof a.signature !== 'string' || !headSignatureValid(key, head, a.signature)) {
      return { ok: false, entries: 0, brokenAt: 'ancres', reason: `${a.where} n'a pas une signature valide (${head && !key ? `clé maîtresse ${head.cle} inconnue` : 'tête falsifiée'})` };
    }
    if (head.bascule !== bascule) {
      return { ok: false, entries: 0, brokenAt: bascule, reason: `la bascule vers le journal scellé a été déplacée (entrée ${bascule}, ${a.where} dit ${head.bascule}) : chaîne recalculée sans la clé` };
    }
    anchors.push({ where: a.where, head });
  }
  const byId = new Map<string, { where: string; head: AuditHead }[]>();
  for (const a of anchors) byId.set(a.head.dernierId, [...(byId.get(a.head.dernierId) ?? []), a]);

  let previous = GENESIS_HASH;
  let afterId = '0';
  let total = 0;
  let firstHash: string | null = null;
  for (;;) {
    const rows = await db.selectFrom('journal_audit')
      .select(['horodatage', 'acteur_compte_id', 'acteur_organisation', 'action', 'cible_type', 'cible_id', 'details', 'hash_precedent', 'hash', 'cle',
        sql<string>`id::text`.as('id')])
      .where(sql`id`, '>', sql`${afterId}::bigint`)
      .orderBy(sql`journal_audit.id`).limit(pageSize).execute();
    if (rows.length === 0) break;
    const entries: ChainedEntry[] = rows.map((r) => ({
      id: r.id,
      hashPrecedent: r.hash_precedent,
      hash: r.hash,
      cle: r.cle,
      content: {
        horodatage: new Date(r.horodatage).toISOString(),
        acteurCompteId: r.acteur_compte_id,
        acteurOrganisation: r.acteur_organisation,
        action: r.action,
        cibleType: r.cible_type,
        cibleId: r.cible_id,
        details: asObject(r.details),
      },
    }));
    const check = verifyEntries(entries, previous, { bascule: BigInt(bascule), keys });
    if (!check.ok) return { ...check, entries: total + check.entries };
    firstHash ??= rows[0]!.hash;
    for (const r of rows) {
      for (const a of byId.get(r.id) ?? []) {
        if (a.head.dernierHash !== r.hash) {
          return { ok: false, entries: total, brokenAt: r.id, reason: `l'entrée ${r.id} ne correspond pas à ${a.where} du ${frenchTime(a.head.horodatage)} : chaîne réécrite` };
        }
      }
    }
    total += rows.length;
    previous = rows.at(-1)!.hash;
    afterId = rows.at(-1)!.id;
  }
  for (const a of anchors) {
    if (firstHash !== null && a.head.premierHash !== firstHash) {
      return { ok: false, entries: total, brokenAt: '1', reason: `${a.where} du ${frenchTime(a.head.horodatage)} certifie une chaîne qui commence autrement : journal remplacé (ou ancre d'une autre base)` };
    }
    if (a.head.nombre > total) {
      const missing = a.head.nombre - total;
      return {
        ok: false, entries: total, brokenAt: afterId,
        reason: `queue coupée : ${a.where} du ${frenchTime(a.head.horodatage)} certifie ${a.head.nombre} entrée(s), le journal n'en a plus que ${total} : ${missing} entrée(s) supprimée(s)${total ? ` après l'entrée ${afterId}` : ''}`,
      };
    }
  }
  // Every package and every contact is written with its audit record: an empty trail next to them was wiped.
  if (total === 0) {
    const traces = await sql<{ n: number }>`SELECT (SELECT count(*) FROM (SELECT 1 FROM paquets LIMIT 1) p) + (SELECT count(*) FROM (SELECT 1 FROM contacts LIMIT 1) c) AS n`.execute(db);
    if (Number(traces.rows[0]?.n ?? 0) > 0) {
      return { ok: false, entries: 0, brokenAt: '1', reason: "journal vide alors que la base contient des paquets ou des contacts, dont chaque écriture est tracée : le journal d'audit a été effacé" };
    }
  }
  const head = anchors.find((a) => a.where === 'la tête signée du journal');
  if (BigInt(afterId) > BigInt(bascule) && (!head || head.head.dernierId !== afterId || head.head.nombre !== total)) {
    return { ok: false, entries: total, brokenAt: afterId, reason: head ? `la tête signée du journal ne désigne pas la dernière entrée ${afterId} : entrées ajoutées ou retirées hors du journal` : 'la tête signée du journal a disparu' };
  }
  return { ok: true, entries: total, ancres: anchors.length };
}

/**
 * Anchors the current head outside the trail's table: copies the signed head into
 * `journal_audit_ancres` and, with a data folder, appends it to the anchor file. Called at server
 * start and by the hourly destruction job. Returns the head (null when the trail has no keyed entry yet).
 */
export async function anchorAuditHead(db: Kysely<DB>, options: { source: string; dataDir?: string }): Promise<{ tete: AuditHead; signature: string } | null> {
  const head = await currentAuditHead(db);
  if (!head) return null;
  await db.insertInto('journal_audit_ancres').values({ source: options.source, tete: JSON.stringify(head.tete), signature: head.signature }).execute();
  if (options.dataDir) {
    await mkdir(options.dataDir, { recursive: true });
    await appendFile(join(options.dataDir, AUDIT_ANCHOR_FILE), `${JSON.stringify({ source: options.source, ...head })}\n`, { mode: 0o644 });
  }
  return head;
}

/** The signed head as stored (what a destruction record carries), or null before the first keyed entry. */
export async function currentAuditHead(db: Kysely<DB>): Promise<{ tete: AuditHead; signature: string } | null> {
  const row = await db.selectFrom('journal_audit_tete').select(['tete', 'signature']).where('id', '=', 1).executeTakeFirst();
  const tete = row ? asHead(row.tete) : null;
  return row && tete ? { tete, signature: row.signature } : null;
}

export async function recentAudit(db: Kysely<DB>, filter: { organisation?: string; limit?: number }) {
  let q = db.selectFrom('journal_audit')
    .select([sql<string>`id::text`.as('id'), 'horodatage', 'acteur_compte_id', 'acteur_organisation', 'action', 'cible_type', 'cible_id', 'details'])
    .orderBy(sql`journal_audit.id`, 'desc').limit(filter.limit ?? 100);
  if (filter.organisation) q = q.where('acteur_organisation', '=', filter.organisation);
  return q.execute();
}
