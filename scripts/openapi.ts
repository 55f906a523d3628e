/**
 * `npm run openapi`: writes docs/openapi.json (OpenAPI 3.1) from the routes' zod schemas, and the web
 * app's API types (web/src/api/schema.d.ts) from that document.
 * `npm run openapi -- --check`: exits 1 when a committed file differs (what the test checks too).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateOpenApi } from '../src/server/openapi.ts';
import { generateWebTypes } from './web-types.ts';

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
const webTarget = fileURLToPath(new URL('../web/src/api/schema.d.ts', import.meta.url));
const text = await generateOpenApi();
const types = await generateWebTypes(text);
if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  const committedTypes = await readFile(webTarget, 'utf8').catch(() => '');
  if (committed !== text || committedTypes !== types) {
    process.stderr.write('docs/openapi.json ou web/src/api/schema.d.ts ne correspond plus aux routes : lancez « npm run openapi » et commitez les fichiers.\n');
    process.exit(1);
  }
  process.stdout.write('docs/openapi.json et web/src/api/schema.d.ts sont à jour.\n');
} else {
  await writeFile(target, text);
  await writeFile(webTarget, types);
  const paths = Object.keys((JSON.parse(text) as { paths: object }).paths).length;
  process.stdout.write(`docs/openapi.json écrit (${paths} chemins), web/src/api/schema.d.ts écrit.\n`);
}
