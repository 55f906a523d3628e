import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase, LATEST_SCHEMA_VERSION } from '../../src/db/index.ts';
import { ensureReferenceData, shippedReferenceVersion } from '../../src/territories/index.ts';

/** Builds once a PGlite template (migrated, reference data loaded) that every integration test file clones. */
export default async function setup() {
  const file = join(tmpdir(), `passerelle-template-${LATEST_SCHEMA_VERSION}-${shippedReferenceVersion()}.tar`);
  if (!existsSync(file)) {
    const database = await openDatabase({});
    await migrateToLatest(database.db);
    await ensureReferenceData(database.db);
    const dump = await database.dump!();
    await database.close();
    writeFileSync(file + '.tmp', Buffer.from(await dump.arrayBuffer()));
    renameSync(file + '.tmp', file);
  }
  process.env.PASSERELLE_TEST_TEMPLATE = file;
}
