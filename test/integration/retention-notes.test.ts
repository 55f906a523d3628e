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
