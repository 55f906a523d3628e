import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateToLatest, openDatabase, type Database } from '../../src/db/index.ts';
import { ensureReferenceData } from '../../src/territories/index.ts';

/** PostgreSQL server URL for the second run of the integration tests (CI sets it when a server answers). */
export const POSTGRES_URL = process.env.PASSERELLE_TEST_DATABASE_URL;
export const ENGINE = POSTGRES_URL ? 'postgresql' : 'pglite';

function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh database for one test file: a clone of the PGlite template, or a new database on the PostgreSQL server. */
export async function freshDatabase(options: { empty?: boolean } = {}): Promise<Database & { drop(): Promise<void> }> {
  if (POSTGRES_URL) {
    const name = `passerelle_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const database = await openDatabase({ databaseUrl: withDatabaseName(POSTGRES_URL, name) });
    if (!options.empty) {
      await migrateToLatest(database.db);
      await ensureReferenceData(database.db);
    }
    return {
      ...database,
      drop: async () => {
        await database.close();
        const c = new pg.Client({ connectionString: POSTGRES_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const template = process.env.PASSERELLE_TEST_TEMPLATE;
  const database = options.empty || !template
    ? await openDatabase({})
    : await openDatabase({ fromDump: new Blob([readFileSync(template)]) });
  if (!options.empty && !template) {
    await migrateToLatest(database.db);
    await ensureReferenceData(database.db);
  }
  return { ...database, drop: () => database.close() };
}
