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
/** A new, empty database on the PostgreSQL server of the second pass: its URL, and how to drop it. */
export async function emptyPostgresDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `passerelle_test_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const c = new pg.Client({ connectionString: serverUrl });
    await c.connect();
    try { await c.query(statement); } finally { await c.end(); }
  };
  await admin(`CREATE DATABASE ${name}`);
  return { url: withDatabaseName(serverUrl, name), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function freshDatabase(options: { empty?: boolean } = {}): Promise<Database & { drop(): Promise<void> }> {
  if (POSTGRES_URL) {
    const created = await emptyPostgresDatabase(POSTGRES_URL);
    const database = await openDatabase({ databaseUrl: created.url });
    if (!options.empty) {
      await migrateToLatest(database.db);
      await ensureReferenceData(database.db);
    }
    return { ...database, drop: async () => { await database.close(); await created.drop(); } };
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
