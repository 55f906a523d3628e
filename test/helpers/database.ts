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

async function admin(serverUrl: string, statement: string) {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try { await c.query(statement); } finally { await c.end(); }
}

/**
 * On the PostgreSQL pass, the template database `name` (migrated, reference data loaded), created once and kept:
 * a test's database is a copy of it (CREATE DATABASE … TEMPLATE), which takes a fraction of a second.
 */
export async function preparePostgresTemplate(serverUrl: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  let exists;
  try { exists = (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount; } finally { await c.end(); }
  if (exists) return name;
  const building = `${name}_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE ${building}`);
  const database = await openDatabase({ databaseUrl: withDatabaseName(serverUrl, building) });
  try {
    await migrateToLatest(database.db);
    await ensureReferenceData(database.db);
  } finally { await database.close(); }
  try {
    await admin(serverUrl, `ALTER DATABASE ${building} RENAME TO ${name}`);
  } catch (error) {
    // another run built it at the same time
    await admin(serverUrl, `DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    if (!(error instanceof Error && /already exists|existe déjà/.test(error.message))) throw error;
  }
  return name;
}

/** A new database on the PostgreSQL server, copied from the prepared template (PASSERELLE_TEST_TEMPLATE_DB): its URL, and how to drop it. */
export async function preparedPostgresDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const template = process.env.PASSERELLE_TEST_TEMPLATE_DB;
  if (!template) throw new Error('PASSERELLE_TEST_TEMPLATE_DB absent : le globalSetup test/helpers/global-setup.ts n’a pas tourné');
  const name = `passerelle_test_${randomBytes(6).toString('hex')}`;
  // two files may copy the template at the same instant: PostgreSQL then refuses one copy, which is tried again
  for (let attempt = 0; ; attempt++) {
    try {
      await admin(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
      break;
    } catch (error) {
      if (attempt >= 20 || !(error instanceof Error && /being accessed by other users/.test(error.message))) throw error;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  return { url: withDatabaseName(serverUrl, name), drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A fresh database for one test file: a clone of the prepared PGlite dump, or a copy of the PostgreSQL template database. */
export async function freshDatabase(options: { empty?: boolean } = {}): Promise<Database & { drop(): Promise<void> }> {
  if (POSTGRES_URL) {
    const created = options.empty ? await emptyPostgresDatabase(POSTGRES_URL) : await preparedPostgresDatabase(POSTGRES_URL);
    const database = await openDatabase({ databaseUrl: created.url });
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
