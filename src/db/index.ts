import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, NO_MIGRATIONS, PostgresDialect, type MigrationResultSet } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { migrations } from './migrations/index.ts';
import type { DB } from './schema.ts';

export type { DB } from './schema.ts';
export type DatabaseKind = 'pglite' | 'postgresql';

export interface Database {
  db: Kysely<DB>;
  kind: DatabaseKind;
  close(): Promise<void>;
  /** Only for the embedded engine: a tarball of the whole data folder (used to clone test databases). */
  dump?(): Promise<Blob>;
  /** The embedded engine itself (job queue: pg-boss runs its multi-statement SQL through it, see src/jobs). */
  pglite?: PGlite;
  /** The PostgreSQL connection string (job queue: pg-boss opens its own small pool). */
  url?: string;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent, the embedded PGlite engine is used. */
  databaseUrl?: string;
  /** PGlite data folder; when absent too, an in-memory database. */
  dataDir?: string;
  /** Start an in-memory PGlite from a dump made by `dump()`. */
  fromDump?: Blob;
}

// int8 as string, numeric as number: counts come back as strings that we parse explicitly.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle connection closed by the server (restart, failover, DROP DATABASE … FORCE) must not
    // crash the process: the pool drops it and opens a new one on the next query.
    pool.on('error', (error) => process.stderr.write(`Connexion PostgreSQL inactive fermée par le serveur (${(error as { code?: string }).code ?? error.message}) : elle sera rouverte.\n`));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgresql', url: options.databaseUrl, close: () => db.destroy() };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const pglite = options.dataDir
    ? await PGlite.create(options.dataDir)
    : await PGlite.create(options.fromDump ? { loadDataDir: options.fromDump } : {});
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'pglite',
    close: async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
    dump: () => pglite.dumpDataDir('none'),
    pglite,
  };
}

function migrator(db: Kysely<DB>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'migrations_kysely',
    migrationLockTableName: 'migrations_kysely_verrou',
  });
}

function raiseOnError({ error, results }: MigrationResultSet): void {
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'inconnue';
    throw new Error(`La migration ${failed} a échoué : ${(error as Error).message ?? String(error)}`);
  }
}

export async function migrateToLatest(db: Kysely<DB>): Promise<string[]> {
  const result = await migrator(db).migrateToLatest();
  raiseOnError(result);
  return (result.results ?? []).map((r) => r.migrationName);
}

export async function migrateDownAll(db: Kysely<DB>): Promise<void> {
  raiseOnError(await migrator(db).migrateTo(NO_MIGRATIONS));
}

export async function schemaVersion(db: Kysely<DB>): Promise<string | null> {
  const all = await migrator(db).getMigrations();
  const applied = all.filter((m) => m.executedAt);
  return applied.at(-1)?.name ?? null;
}

export const LATEST_SCHEMA_VERSION = Object.keys(migrations).at(-1)!;
