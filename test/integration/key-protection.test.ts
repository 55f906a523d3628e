/** At-rest protection of keyrings and pseudonym keys: conversion of clear rows, rotation of the master key, rows moved. */
import { randomBytes } from 'node:crypto';
import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/db/migrations/index.ts';
import {
  configureMasterKeys, createKeyring, DEMO_CONVENTIONS, exchangeRepository, generateMasterKey, KeyringSchema, type MasterKeys,
} from '../../src/exchange/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';

describe(`secret keys are encrypted at rest by the master key (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  const first: MasterKeys = { current: generateMasterKey(), previous: [], source: 'test' };
  const pseudonymKey = randomBytes(32);

  const raw = async () => ({
    trousseaux: await database.db.selectFrom('trousseaux').select(['organisation_code', 'trousseau']).orderBy('organisation_code').execute(),
    conventions: await database.db.selectFrom('conventions').select(['id', 'cle_pseudonyme']).orderBy('id').execute(),
  });

  beforeAll(async () => {
    configureMasterKeys(first);
    database = await freshDatabase();
    // rows as written before migration 0006: keyrings and pseudonym keys in clear
    for (const org of ['caf-83', 'cpam-83']) {
      await database.db.insertInto('trousseaux').values({ organisation_code: org, trousseau: JSON.stringify(KeyringSchema.parse(await createKeyring(org))) }).execute();
    }
    const c = DEMO_CONVENTIONS[0]!;
    await database.db.insertInto('conventions').values({
      id: c.id, expediteur: c.parties.expediteur, destinataire: c.parties.destinataire, definition: JSON.stringify(c), cle_pseudonyme: pseudonymKey.toString('hex'),
    }).execute();
  });
  afterAll(async () => { await database?.drop(); });

  it('reads clear rows, then converts them at start; nothing secret stays readable in the database', async () => {
    const clearRing = (await exchangeRepository.keyring(database.db, 'caf-83'))!;
    expect((await exchangeRepository.convention(database.db, DEMO_CONVENTIONS[0]!.id))!.cle).toEqual(pseudonymKey);

    expect(await exchangeRepository.protectStoredSecrets(database.db, first)).toEqual({ trousseaux: 2, conventions: 1 });
    const rows = await raw();
    const text = JSON.stringify(rows);
    expect(text).not.toMatch(/AGE-SECRET-KEY|PRIVATE KEY/);
    expect(text).not.toContain(pseudonymKey.toString('hex'));
    for (const r of rows.trousseaux) expect(r.trousseau.startsWith(`pcm1.${first.current.id}.`)).toBe(true);
    expect(rows.conventions[0]!.cle_pseudonyme.startsWith(`pcm1.${first.current.id}.`)).toBe(true);

    expect(await exchangeRepository.keyring(database.db, 'caf-83')).toEqual(clearRing);
    expect((await exchangeRepository.convention(database.db, DEMO_CONVENTIONS[0]!.id))!.cle).toEqual(pseudonymKey);
    // idempotent: nothing left to convert
    expect(await exchangeRepository.protectStoredSecrets(database.db, first)).toEqual({ trousseaux: 0, conventions: 0 });
    // new rows are written protected
    const ring = await createKeyring('cpam-13');
    await exchangeRepository.saveKeyring(database.db, ring);
    expect((await raw()).trousseaux.find((r) => r.organisation_code === 'cpam-13')!.trousseau.startsWith('pcm1.')).toBe(true);
    expect(await exchangeRepository.keyring(database.db, 'cpam-13')).toEqual(ring);
  });

  it('rotates the master key: values under the previous key are re-encrypted under the new one', async () => {
    const before = await exchangeRepository.keyring(database.db, 'cpam-83');
    const rotated: MasterKeys = { current: generateMasterKey(), previous: [first.current], source: 'test' };
    configureMasterKeys(rotated);
    expect(await exchangeRepository.protectStoredSecrets(database.db, rotated)).toEqual({ trousseaux: 3, conventions: 1 });
    for (const r of (await raw()).trousseaux) expect(r.trousseau.split('.')[1]).toBe(rotated.current.id);

    // the previous key is no longer needed
    configureMasterKeys({ current: rotated.current, previous: [], source: 'test' });
    expect(await exchangeRepository.keyring(database.db, 'cpam-83')).toEqual(before);
    expect((await exchangeRepository.convention(database.db, DEMO_CONVENTIONS[0]!.id))!.cle).toEqual(pseudonymKey);

    // without the right master key, a clear French refusal (and no clear text)
    configureMasterKeys({ current: generateMasterKey(), previous: [], source: 'test' });
    await expect(exchangeRepository.keyring(database.db, 'cpam-83')).rejects.toThrow(/chiffré par la clé maîtresse [0-9a-f]{16}, que cette instance ne connaît pas .*PASSERELLE_CLE_MAITRE/);
    configureMasterKeys({ current: rotated.current, previous: [], source: 'test' });
  });

  it('a protected keyring copied into another organisation\'s row does not open', async () => {
    const caf = (await raw()).trousseaux.find((r) => r.organisation_code === 'caf-83')!.trousseau;
    await database.db.updateTable('trousseaux').set({ trousseau: caf }).where('organisation_code', '=', 'cpam-13').execute();
    await expect(exchangeRepository.keyring(database.db, 'cpam-13')).rejects.toThrow(/« trousseau:cpam-13 » ne se déchiffre pas .* valeur modifiée ou déplacée/);
  });

  it('migration 0006 keeps a keyring stored as jsonb by 0004, and refuses to go down while keys are encrypted', async () => {
    const db = (await freshDatabase({ empty: true }));
    try {
      const migrator = new Migrator({ db: db.db, provider: { getMigrations: async () => migrations }, migrationTableName: 'migrations_kysely', migrationLockTableName: 'migrations_kysely_verrou' });
      expect((await migrator.migrateTo('20261124_0005_outreach')).error).toBeUndefined();
      await db.db.insertInto('organisations').values({ code: 'caf-83', type: 'caf', nom: 'Caf du Var', departement_code: null, rattachement: null }).execute();
      const ring = await createKeyring('caf-83');
      await db.db.insertInto('trousseaux').values({ organisation_code: 'caf-83', trousseau: JSON.stringify(ring) }).execute();
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await exchangeRepository.keyring(db.db, 'caf-83')).toEqual(ring);

      await exchangeRepository.protectStoredSecrets(db.db);
      const down = await migrator.migrateTo('20261124_0005_outreach');
      expect(String(down.error)).toMatch(/Migration descendante impossible : des clés sont chiffrées/);
      expect(await exchangeRepository.keyring(db.db, 'caf-83')).toEqual(ring);
    } finally {
      await db.drop();
    }
  });
});
