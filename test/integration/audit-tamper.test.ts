/**
 * The audit trail against an attacker who can write to the database but does not hold the master
 * key: each case tampers inside a transaction (triggers disabled, as a superuser could), runs
 * `verifyAuditChain` there, then rolls back. The trail starts with entries written under the old
 * unkeyed rule (before migration 0015), then keyed entries.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/index.ts';
import * as keyedMigration from '../../src/db/migrations/20261205_0015_audit_keyed.ts';
import { configureMasterKeys, generateMasterKey } from '../../src/exchange/index.ts';
import { anchorAuditHead, entryHash, GENESIS_HASH, recordAudit, rememberAuditKeys, verifyAuditChain } from '../../src/privacy/index.ts';
import type { AuditContent } from '../../src/privacy/chain.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';

const OLD = 20;
const KEYED = 300;
const TOTAL = OLD + KEYED;

class Rollback extends Error {}

describe(`audit trail tampering (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let dataDir: string;
  let oldHead: { tete: string; signature: string };
  const master = generateMasterKey();

  beforeAll(async () => {
    database = await freshDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'passerelle-audit-'));
    configureMasterKeys({ current: master, previous: [], source: 'test' });
    const db = database.db;
    // a trail from before migration 0015: entries under the unkeyed rule, then the migration marks the switch point
    const existing = Number((await db.selectFrom('journal_audit').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    expect(existing).toBe(0);
    await keyedMigration.down(db);
    let previous = GENESIS_HASH;
    for (let i = 1; i <= OLD; i++) {
      const content: AuditContent = {
        horodatage: new Date(Date.UTC(2026, 10, 1, 8, 0, i)).toISOString(), acteurCompteId: null, acteurOrganisation: 'caf-83',
        action: 'ancien', cibleType: 'paquet', cibleId: `p${i}`, details: { i, b: 1, a: 2 },
      };
      const hash = entryHash(previous, content);
      await sql`INSERT INTO journal_audit (horodatage, acteur_compte_id, acteur_organisation, action, cible_type, cible_id, details, hash_precedent, hash)
        VALUES (${content.horodatage}, NULL, 'caf-83', 'ancien', 'paquet', ${content.cibleId}, ${JSON.stringify(content.details)}, ${previous}, ${hash})`.execute(db);
      previous = hash;
    }
    await keyedMigration.up(db);
    await rememberAuditKeys(db, { current: master, previous: [], source: 'test' });
    for (let i = 1; i <= KEYED; i++) {
      await recordAudit(db, { action: 'lecture_personne', acteur: { compteId: null, organisation: 'cpam-83' }, cible: { type: 'contact', id: `c-${i}` }, details: { i } });
      if (i === 100) {
        const h = await db.selectFrom('journal_audit_tete').select([sql<string>`tete::text`.as('tete'), 'signature']).executeTakeFirstOrThrow();
        oldHead = h;
      }
      if (i === 250) await anchorAuditHead(db, { source: 'test', dataDir });
    }
  }, 120_000);
  afterAll(async () => {
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Tampers in a transaction, as a superuser without the key, verifies there, rolls back. */
  async function tamper(attack: (trx: Kysely<DB>) => Promise<void>) {
    let result: Awaited<ReturnType<typeof verifyAuditChain>> | undefined;
    await database.db.transaction().execute(async (trx) => {
      for (const table of ['journal_audit', 'journal_audit_ancres', 'journal_audit_bascule']) await sql`ALTER TABLE ${sql.table(table)} DISABLE TRIGGER USER`.execute(trx);
      await attack(trx);
      result = await verifyAuditChain(trx, { dataDir, pageSize: 97 });
      throw new Rollback();
    }).catch((error) => { if (!(error instanceof Rollback)) throw error; });
    return result!;
  }

  /** Recomputes every hash from entry `from` on with the published unkeyed rule (what an attacker without the key can do). */
  async function recomputeFrom(trx: Kysely<DB>, from: number, options: { clearKey?: boolean } = {}) {
    const rows = await trx.selectFrom('journal_audit').selectAll().select(sql<string>`id::text`.as('sid')).orderBy('id').execute();
    let previous = GENESIS_HASH;
    // hashes are unique: move the old ones out of the way first
    await sql`UPDATE journal_audit SET hash = 'x' || hash, hash_precedent = 'x' || hash_precedent WHERE id >= ${from}`.execute(trx);
    for (const r of rows) {
      if (Number(r.sid) < from) { previous = r.hash; continue; }
      const content: AuditContent = {
        horodatage: new Date(r.horodatage).toISOString(), acteurCompteId: r.acteur_compte_id, acteurOrganisation: r.acteur_organisation,
        action: r.action, cibleType: r.cible_type, cibleId: r.cible_id, details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
      };
      const hash = entryHash(previous, content);
      await sql`UPDATE journal_audit SET hash_precedent = ${previous}, hash = ${hash} ${options.clearKey ? sql`, cle = NULL` : sql``} WHERE id = ${r.sid}`.execute(trx);
      previous = hash;
    }
  }

  it('verifies the intact trail: the old unkeyed prefix, then the keyed entries, against every signed head', async () => {
    const check = await verifyAuditChain(database.db, { dataDir, pageSize: 97 });
    expect(check).toMatchObject({ ok: true, entries: TOTAL });
    expect(check.ancres).toBeGreaterThanOrEqual(3); // head row, anchor row, anchor file line
    expect((await database.db.selectFrom('journal_audit_bascule').select(sql<string>`dernier_id_non_scelle::text`.as('b')).executeTakeFirstOrThrow()).b).toBe(String(OLD));
  });

  const cases: [string, (trx: Kysely<DB>) => Promise<void>, RegExp][] = [
    ['1. a keyed entry changed', async (trx) => { await sql`UPDATE journal_audit SET cible_id = 'autre' WHERE id = 150`.execute(trx); }, /entrée 150 a été modifié/],
    ['2. an old unkeyed entry changed', async (trx) => { await sql`UPDATE journal_audit SET action = 'falsifie' WHERE id = 5`.execute(trx); }, /entrée 5 a été modifié/],
    ['3. an entry deleted in the middle', async (trx) => { await sql`DELETE FROM journal_audit WHERE id = 100`.execute(trx); }, /entrée 101 ne pointe pas/],
    ['4. a forged entry appended without the key', async (trx) => {
      const last = await trx.selectFrom('journal_audit').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      const content: AuditContent = { horodatage: new Date().toISOString(), acteurCompteId: null, acteurOrganisation: 'caf-83', action: 'faux', cibleType: null, cibleId: null, details: {} };
      await sql`INSERT INTO journal_audit (horodatage, acteur_organisation, action, details, hash_precedent, hash)
        VALUES (${content.horodatage}, 'caf-83', 'faux', '{}', ${last.hash}, ${entryHash(last.hash, content)})`.execute(trx);
    }, /n'est pas scellée par la clé alors qu'elle suit la bascule/],
    ['5. an entry changed and its own hash recomputed', async (trx) => {
      await sql`UPDATE journal_audit SET details = '{"i": 999}' WHERE id = 200`.execute(trx);
      await recomputeFrom(trx, 200);
      await sql`UPDATE journal_audit SET hash_precedent = (SELECT hash FROM journal_audit WHERE id = 200) WHERE id = 201`.execute(trx);
    }, /entrée 200/],
    ['6. the last 10 entries deleted (cut tail)', async (trx) => { await sql`DELETE FROM journal_audit WHERE id > ${TOTAL - 10}`.execute(trx); }, /queue coupée : la tête signée du journal .* certifie 320 entrée\(s\), le journal n'en a plus que 310 : 10 entrée\(s\) supprimée\(s\) après l'entrée 310/],
    ['7. the last 290 entries deleted (cut tail)', async (trx) => { await sql`DELETE FROM journal_audit WHERE id > ${TOTAL - 290}`.execute(trx); }, /queue coupée : .*290 entrée\(s\) supprimée\(s\) après l'entrée 30/],
    ['8. an entry changed and every later hash recomputed without the key', async (trx) => {
      await sql`UPDATE journal_audit SET cible_id = 'c-autre' WHERE id = 150`.execute(trx);
      await recomputeFrom(trx, 150);
    }, /entrée 150 a été modifié .*chaîne recalculée sans la clé/],
    ['9. the same, entries marked unkeyed and the switch point moved to the end', async (trx) => {
      await sql`UPDATE journal_audit SET cible_id = 'c-autre' WHERE id = 150`.execute(trx);
      await recomputeFrom(trx, 150, { clearKey: true });
      await sql`UPDATE journal_audit_bascule SET dernier_id_non_scelle = ${TOTAL}`.execute(trx);
    }, /bascule vers le journal scellé a été déplacée/],
    ['10. cut tail and an older signed head put back', async (trx) => {
      await sql`DELETE FROM journal_audit WHERE id > ${OLD + 100}`.execute(trx);
      await sql`UPDATE journal_audit_tete SET tete = ${oldHead.tete}::jsonb, signature = ${oldHead.signature}`.execute(trx);
    }, /queue coupée : l'ancre 1 \(table journal_audit_ancres\)/],
    ['11. cut tail, older head put back and the anchor rows deleted', async (trx) => {
      await sql`DELETE FROM journal_audit WHERE id > ${OLD + 100}`.execute(trx);
      await sql`UPDATE journal_audit_tete SET tete = ${oldHead.tete}::jsonb, signature = ${oldHead.signature}`.execute(trx);
      await sql`DELETE FROM journal_audit_ancres`.execute(trx);
    }, /queue coupée : l'ancre de la ligne 1 du fichier journal-audit\.ancres\.jsonl/],
    ['12. the signed head deleted', async (trx) => { await sql`DELETE FROM journal_audit_tete`.execute(trx); }, /tête signée du journal a disparu/],
    ['13. every entry deleted', async (trx) => { await sql`DELETE FROM journal_audit`.execute(trx); }, /queue coupée : .*certifie 320 entrée\(s\), le journal n'en a plus que 0/],
    ['14. the signed head\'s count changed without the key', async (trx) => {
      await sql`UPDATE journal_audit_tete SET tete = jsonb_set(tete, '{nombre}', '310')`.execute(trx);
    }, /tête signée du journal n'a pas une signature valide \(tête falsifiée\)/],
  ];

  it('detects a trail wiped whole (entries, signed head and anchor rows, no anchor file) while packages exist', async () => {
    let wiped: Awaited<ReturnType<typeof verifyAuditChain>> | undefined;
    let empty: Awaited<ReturnType<typeof verifyAuditChain>> | undefined;
    await database.db.transaction().execute(async (trx) => {
      for (const table of ['journal_audit', 'journal_audit_ancres', 'journal_audit_bascule']) await sql`ALTER TABLE ${sql.table(table)} DISABLE TRIGGER USER`.execute(trx);
      for (const table of ['journal_audit', 'journal_audit_tete', 'journal_audit_ancres']) await sql`DELETE FROM ${sql.table(table)}`.execute(trx);
      await sql`UPDATE journal_audit_bascule SET dernier_id_non_scelle = 0`.execute(trx);
      empty = await verifyAuditChain(trx); // a new instance: nothing written yet, nothing to prove
      await sql`INSERT INTO paquets (id, detenteur, programme, convention, expediteur, destinataire, periode, nom, statut, nombre_enregistrements, cree_le)
        VALUES (gen_random_uuid(), 'caf-83', 'aidants', 'conv', 'caf-83', 'cpam-83', '2026-11', 'p', 'scelle', 1, now())`.execute(trx);
      wiped = await verifyAuditChain(trx);
      throw new Rollback();
    }).catch((error) => { if (!(error instanceof Rollback)) throw error; });
    expect(empty!.ok).toBe(true);
    expect(wiped!.ok).toBe(false);
    expect((wiped as { reason: string }).reason).toMatch(/journal vide alors que la base contient des paquets ou des contacts/);
  });

  for (const [name, attack, reason] of cases) {
    it(`detects: ${name}`, async () => {
      const check = await tamper(attack);
      expect(check.ok).toBe(false);
      expect((check as { reason: string }).reason).toMatch(reason);
    });
  }

  it('keeps entries sealed under a previous master key verifiable after a rotation, once the old key is gone', async () => {
    const next = generateMasterKey();
    try {
      configureMasterKeys({ current: next, previous: [master], source: 'test' });
      await rememberAuditKeys(database.db, { current: next, previous: [master], source: 'test' });
      configureMasterKeys({ current: next, previous: [], source: 'test' });
      await recordAudit(database.db, { action: 'apres_rotation' });
      expect(await verifyAuditChain(database.db, { dataDir })).toMatchObject({ ok: true, entries: TOTAL + 1 });
      configureMasterKeys({ current: generateMasterKey(), previous: [], source: 'test' });
      expect(await verifyAuditChain(database.db, { dataDir })).toMatchObject({ ok: false, reason: expect.stringMatching(/clé maîtresse [0-9a-f]{16} inconnue|que cette instance ne connaît pas/) });
    } finally {
      configureMasterKeys({ current: master, previous: [], source: 'test' });
    }
  });
});
