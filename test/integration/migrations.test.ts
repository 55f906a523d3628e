import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, migrateDownAll, migrateToLatest, schemaVersion } from '../../src/db/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';

const tables = async (database: Awaited<ReturnType<typeof freshDatabase>>) =>
  (await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`
    .execute(database.db)).rows.map((r) => r.table_name).filter((t) => !t.startsWith('migrations_kysely'));

describe(`migrations (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => { database = await freshDatabase({ empty: true }); });
  afterAll(async () => { await database.drop(); });

  it('migrates up to the latest version, down to nothing, and up again', async () => {
    expect(await schemaVersion(database.db)).toBeNull();
    const applied = await migrateToLatest(database.db);
    expect(applied.at(-1)).toBe(LATEST_SCHEMA_VERSION);
    expect(await schemaVersion(database.db)).toBe(LATEST_SCHEMA_VERSION);
    expect(await tables(database)).toEqual(expect.arrayContaining(['communes', 'competences', 'comptes', 'journal_audit', 'organisations', 'sessions']));

    await migrateDownAll(database.db);
    expect(await tables(database)).toEqual([]);
    expect(await schemaVersion(database.db)).toBeNull();

    await migrateToLatest(database.db);
    expect(await schemaVersion(database.db)).toBe(LATEST_SCHEMA_VERSION);
    expect(await migrateToLatest(database.db)).toEqual([]);
  });
});
