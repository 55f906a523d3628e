import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../../src/outreach/index.ts';
import { destroyExpiredContacts } from '../../src/privacy/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';
import { insertContact } from './outreach-support.ts';

describe(`destruction wipes the agents' free-text notes, keeps structured details (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => { database = await freshDatabase(); }, 120_000);
  afterAll(async () => { await database?.drop(); });

  it('keeps the appointment date and partner codes, drops the notes, only for destroyed contacts', async () => {
    const db = database.db;
    const due = await insertContact(db, { echeance: '2026-12-01', seed: 'due' });
    const kept = await insertContact(db, { echeance: '2027-06-01', seed: 'kept' });
    const at = new Date('2026-11-10T09:00:00Z');
    for (const id of [due, kept]) {
      await recordEvent(db, { contactId: id, code: 'appel_non_joint', detail: 'Rappeler après 18 h, sa fille répond', occurredAt: at, authorId: null, origin: 'agent' });
      await recordEvent(db, { contactId: id, code: 'appel_joint', detail: null, occurredAt: at, authorId: null, origin: 'agent' });
      await recordEvent(db, { contactId: id, code: 'rdv_pris', detail: '2026-12-03', occurredAt: at, authorId: null, origin: 'agent' });
      await recordEvent(db, { contactId: id, code: 'orientation', detail: 'misas', occurredAt: at, authorId: null, origin: 'agent' });
    }
    const report = await destroyExpiredContacts(db, { today: '2026-12-15' });
    expect(report.total).toBe(1);
    const details = async (id: string) => (await db.selectFrom('evenements').select(['code', 'detail']).where('contact_id', '=', id).orderBy('id').execute())
      .map((e) => [e.code, e.detail]);
    expect(await details(due)).toEqual([['appel_non_joint', null], ['appel_joint', null], ['rdv_pris', '2026-12-03'], ['orientation', 'misas']]);
    expect((await details(kept))[0]).toEqual(['appel_non_joint', 'Rappeler après 18 h, sa fille répond']);
  });
});

describe(`destruction cut half-way, then run again (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => { database = await freshDatabase(); }, 120_000);
  afterAll(async () => { await database?.drop(); });

  it('each group goes with its proof in one transaction; the rerun destroys the rest and writes no second proof', async () => {
    const db = database.db;
    // two groups: caf-83/separation (destroyed first, in organisation order) and cpam-83/aidants
    for (const seed of ['g1-a', 'g1-b']) await insertContact(db, { seed, organisation: 'caf-83', programme: 'separation', origine: 'extrait', echeance: '2026-12-01' });
    for (const seed of ['g2-a', 'g2-b', 'g2-c']) await insertContact(db, { seed, echeance: '2026-12-01' });
    const proofs = async () => (await db.selectFrom('journal_audit').select(['cible_id', 'details']).where('action', '=', 'conservation.destruction').orderBy('id').execute())
      .map((r) => ({ cible: r.cible_id, nombre: (r.details as { nombre: number }).nombre }));
    const live = async (organisation: string) => (await db.selectFrom('contacts').select('id').where('organisation_code', '=', organisation).where('detruit_le', 'is', null).execute()).length;

    // the second group's transaction fails (a database error, as a crash would stop it there)
    await sql`CREATE FUNCTION test_panne() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.detruit_le IS NOT NULL AND OLD.organisation_code = 'cpam-83' THEN RAISE EXCEPTION 'panne simulée'; END IF; RETURN NEW; END $$`.execute(db);
    await sql`CREATE TRIGGER test_panne BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION test_panne()`.execute(db);
    await expect(destroyExpiredContacts(db, { today: '2026-12-15' })).rejects.toThrow(/panne simulée/);
    expect(await live('caf-83')).toBe(0);
    expect(await live('cpam-83')).toBe(3);
    expect(await proofs()).toEqual([{ cible: 'caf-83/separation', nombre: 2 }]);
    await sql`DROP TRIGGER test_panne ON contacts`.execute(db);
    await sql`DROP FUNCTION test_panne()`.execute(db);

    const rerun = await destroyExpiredContacts(db, { today: '2026-12-15' });
    expect(rerun.groupes.map((g) => [g.organisation, g.nombre])).toEqual([['cpam-83', 3]]);
    expect(await live('cpam-83')).toBe(0);
    expect(await proofs()).toEqual([{ cible: 'caf-83/separation', nombre: 2 }, { cible: 'cpam-83/aidants', nombre: 3 }]);
    // and once more: nothing left, no proof added
    expect((await destroyExpiredContacts(db, { today: '2026-12-15' })).groupes).toEqual([]);
    expect(await proofs()).toHaveLength(2);
  });
});
