import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.ts';
import { recordAudit, verifyAuditChain } from '../../src/privacy/index.ts';
import { ENGINE, POSTGRES_URL, freshDatabase } from '../helpers/database.ts';

describe(`audit trail under concurrent writers (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => { database = await freshDatabase(); });
  afterAll(async () => { await database.drop(); });

  it('never forks the chain when many writers append at once', async () => {
    const writers = Array.from({ length: 60 }, (_, i) =>
      recordAudit(database.db, { action: 'lecture_personne', acteur: { compteId: null, organisation: 'cpam-83' }, cible: { type: 'contact', id: `c-${i}` }, details: { programme: 'aidants', i } }));
    await Promise.all(writers);
    const check = await verifyAuditChain(database.db, 7); // small pages exercise the paging
    expect(check).toMatchObject({ ok: true, entries: 60 });
  });

  it.runIf(POSTGRES_URL)('never forks the chain with writers on separate connections', async () => {
    const url = POSTGRES_URL!;
    // several pools against the same database: true concurrency on the server
    const name = (await database.db.selectNoFrom((eb) => eb.fn<string>('current_database', []).as('n')).executeTakeFirstOrThrow()).n;
    const target = new URL(url);
    target.pathname = `/${name}`;
    const pools = await Promise.all(Array.from({ length: 4 }, () => openDatabase({ databaseUrl: target.toString() })));
    try {
      await Promise.all(pools.flatMap((p, k) => Array.from({ length: 25 }, (_, i) => recordAudit(p.db, { action: 'export', details: { k, i } }))));
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, entries: 160 });
  });

  it('refuses personal data in the payload', async () => {
    await expect(recordAudit(database.db, { action: 'x', details: { email: 'a@b.fr' } })).rejects.toThrow(/Donnée personnelle interdite/);
  });
});
