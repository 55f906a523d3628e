import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateToLatest, openDatabase, LATEST_SCHEMA_VERSION } from '../../src/db/index.ts';
import { ensureReferenceData, shippedReferenceVersion } from '../../src/territories/index.ts';

/** Builds once a PGlite template (migrated, reference data loaded) that every integration test file clones. */
export default async function setup() {
  // keyed by the migrations' contents: a migration added before the last one, or edited, rebuilds the template
  const dir = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(join(dir, name)));
  const file = join(tmpdir(), `passerelle-template-${LATEST_SCHEMA_VERSION}-${hash.digest('hex').slice(0, 12)}-${shippedReferenceVersion()}.tar`);
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
  process.env.PASSERELLE_TEST_TEMPLATE = file;
}
