import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { migrateToLatest, openDatabase, LATEST_SCHEMA_VERSION } from '../../src/db/index.ts';
import { ensureReferenceData, shippedReferenceVersion } from '../../src/territories/index.ts';
import { POSTGRES_URL, preparePostgresTemplate } from './database.ts';

/** The key of the prepared databases: a migration added before the last one, or edited, or new reference data, rebuilds them. */
export function templateKey(): string {
  const dir = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(join(dir, name)));
  hash.update(shippedReferenceVersion());
  return `${LATEST_SCHEMA_VERSION}-${hash.digest('hex').slice(0, 12)}`;
}

/**
 * Builds once, before the integration tests, the prepared databases (migrated, reference data loaded) that tests copy
 * instead of preparing their own: an in-memory PGlite dump (PASSERELLE_TEST_TEMPLATE), a PGlite data folder for the
 * command line (PASSERELLE_TEST_TEMPLATE_DIR) and, on the PostgreSQL pass, a template database on that server
 * (PASSERELLE_TEST_TEMPLATE_DB). They are kept between runs, keyed by the migrations and the reference data.
 */
export default async function setup() {
  const key = templateKey();
  const file = join(tmpdir(), `passerelle-template-${key}.tar`);
  const dir = join(tmpdir(), `passerelle-template-${key}.dir`);
  if (!existsSync(file)) {
    const database = await openDatabase({});
    await migrateToLatest(database.db);
    await ensureReferenceData(database.db);
    const dump = await database.dump!();
    await database.close();
    const temporary = `${file}.${process.pid}.tmp`; // two runs may build it at once
    writeFileSync(temporary, Buffer.from(await dump.arrayBuffer()));
    renameSync(temporary, file);
  }
  if (!existsSync(dir)) {
    // the data folder of an embedded instance, loaded from the dump (a copy of it is an instance whose first command has nothing to migrate)
    const temporary = mkdtempSync(`${dir}.tmp-`);
    const pglite = await PGlite.create(temporary, { loadDataDir: new Blob([readFileSync(file)]) });
    await pglite.close();
    try { renameSync(temporary, dir); } catch { rmSync(temporary, { recursive: true, force: true }); }
  }
  process.env.PASSERELLE_TEST_TEMPLATE = file;
  process.env.PASSERELLE_TEST_TEMPLATE_DIR = dir;
  if (POSTGRES_URL) process.env.PASSERELLE_TEST_TEMPLATE_DB = await preparePostgresTemplate(POSTGRES_URL, `passerelle_modele_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`); // within PostgreSQL's 63 characters
}

/** Copies the prepared data folder into `dataDir` (which must not exist or be empty). */
export function copyTemplateDir(dataDir: string) {
  const dir = process.env.PASSERELLE_TEST_TEMPLATE_DIR;
  if (!dir) throw new Error('PASSERELLE_TEST_TEMPLATE_DIR absent : le globalSetup test/helpers/global-setup.ts n’a pas tourné');
  cpSync(dir, dataDir, { recursive: true });
}
