/**
 * `npm run openapi`: writes docs/openapi.json (OpenAPI 3.1) from the routes' zod schemas.
 * `npm run openapi -- --check`: exits 1 when the committed file differs (what the test checks too).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateOpenApi } from '../src/server/openapi.ts';

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
const text = await generateOpenApi();
if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== text) {
    process.stderr.write('docs/openapi.json ne correspond plus aux routes : lancez « npm run openapi » et commitez le fichier.\n');
    process.exit(1);
  }
  process.stdout.write('docs/openapi.json est à jour.\n');
} else {
  await writeFile(target, text);
  const paths = Object.keys((JSON.parse(text) as { paths: object }).paths).length;
  process.stdout.write(`docs/openapi.json écrit (${paths} chemins).\n`);
}
