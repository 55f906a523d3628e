/**
 * The boundary rules of eslint.config.js (docs/adr/0003-enforced-boundaries.md) catch a deliberate
 * violation: probe files are written into src/ (a throw-away folder, so they sit where production
 * code sits and the config's globs apply to them as to any new module), linted through ESLint's
 * Node API like `npm run lint` does, and removed afterwards.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dirName = `__lint_probe_${process.pid}__`;
const dir = join(root, 'src', dirName);

/** name (inside the probe folder) → source. A probe folder is a context like any other: src/<context>/<file>. */
const PROBES: Record<string, string> = {
  // another context's module, not its front door
  'deep-import.ts': "import { runCycle } from '../exchange/cycle.ts';\nexport const probe = runCycle;\n",
  // the same through the front door: allowed
  'front-door.ts': "import { runCycle } from '../exchange/index.ts';\nimport { openDatabase } from '../db/index.ts';\nimport type { Config } from '../config.ts';\nexport const probe = [runCycle, openDatabase];\nexport type Probe = Config;\n",
  // SQL outside a repository: a kysely value import, a query builder call
  'sql-import.ts': "import { sql } from 'kysely';\nexport const probe = sql`select 1`;\n",
  'query-builder.ts': "import type { Kysely } from 'kysely';\nimport type { DB } from '../db/index.ts';\nexport const probe = (db: Kysely<DB>) => db.selectFrom('comptes').select('id').execute();\n",
  // the same in a repository: allowed (and `import type` from kysely is allowed anywhere)
  'repository.ts': "import { sql, type Kysely } from 'kysely';\nimport type { DB } from '../db/index.ts';\nexport const probe = (db: Kysely<DB>) => db.selectFrom('comptes').select(sql<string>`id`.as('c')).execute();\n",
  // a table owned by another context (organisations: src/territories), even from a repository: selected, joined
  'orgs-repository.ts': "import type { Kysely } from 'kysely';\nimport type { DB } from '../db/index.ts';\n"
    + "export const one = (db: Kysely<DB>) => db.selectFrom('organisations as o').select('o.code').execute();\n"
    + "export const two = (db: Kysely<DB>) => db.selectFrom('comptes as c').innerJoin('organisations as o', 'o.code', 'c.organisation_code').select('o.nom').execute();\n"
    + "export const three = (db: Kysely<DB>) => db.deleteFrom('organisations').execute();\n"
    + "export const label = (f: (t: string) => string) => f('organisations');\n",
  // a domain module doing I/O
  'rules.ts': "import { readFileSync } from 'node:fs';\nimport { readFile } from 'node:fs/promises';\nexport const probe = [readFileSync, readFile];\n",
  // production code loading synthetic data. Double quotes on purpose: test/unit/production-imports.test.ts
  // scans src/ for single-quoted imports of the generator and may run while this probe exists.
  'synthetic.ts': 'import { generateExtracts } from "../generate/index.ts";\nimport { ensureDemoData } from "../demo/index.ts";\nexport const probe = [generateExtracts, ensureDemoData];\n',
};

let results: Map<string, ESLint.LintResult>;

beforeAll(async () => {
  await mkdir(dir, { recursive: true });
  try {
    for (const [name, source] of Object.entries(PROBES)) await writeFile(join(dir, name), source);
    const eslint = new ESLint({ cwd: root });
    const linted = await eslint.lintFiles([`src/${dirName}/`]);
    results = new Map(linted.map((r) => [r.filePath.slice(dir.length + 1), r]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);

afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const reports = (name: string) => (results.get(name)?.messages ?? []).map((m) => ({ rule: m.ruleId, line: m.line, message: m.message }));

describe('boundary rules (eslint.config.js)', () => {
  it('lints every probe file', () => {
    expect([...results.keys()].sort()).toEqual(Object.keys(PROBES).sort());
  });

  it('refuses a deep import into another context', () => {
    expect(reports('deep-import.ts')).toEqual([
      { rule: 'boundaries/front-door', line: 1, message: expect.stringContaining("'../exchange/cycle.ts' import is restricted") },
    ]);
    expect(reports('deep-import.ts')[0]!.message).toContain("porte d'entrée, son index.ts");
  });

  it('accepts a front door, src/db/ and src/config.ts', () => {
    expect(reports('front-door.ts')).toEqual([]);
  });

  it('refuses SQL outside a repository: a kysely value import, a query builder call', () => {
    expect(reports('sql-import.ts')).toEqual([
      { rule: 'boundaries/kysely-in-repositories', line: 1, message: expect.stringContaining('Le SQL vit dans les repositories') },
    ]);
    expect(reports('query-builder.ts')).toEqual([
      { rule: 'boundaries/queries-in-repositories', line: 3, message: expect.stringContaining("Requête hors d'un repository") },
    ]);
  });

  it('accepts SQL in a repository', () => {
    expect(reports('repository.ts')).toEqual([]);
  });

  it('refuses a query on a table another context owns, even in a repository, with a French message', () => {
    expect(reports('orgs-repository.ts')).toEqual([
      { rule: 'boundaries/table-owner', line: 3, message: expect.stringContaining('La table organisations appartient à src/territories/') },
      { rule: 'boundaries/table-owner-joins', line: 4, message: expect.stringContaining('Jointure sur la table organisations') },
      { rule: 'boundaries/table-owner', line: 5, message: expect.stringContaining("porte d'entrée (src/territories/index.ts") },
    ]);
  });

  it('refuses node:fs in a domain module', () => {
    expect(reports('rules.ts')).toEqual([
      { rule: 'boundaries/pure-domain', line: 1, message: expect.stringContaining("Module du domaine : pas d'entrée-sortie") },
      { rule: 'boundaries/pure-domain', line: 2, message: expect.stringContaining("Module du domaine : pas d'entrée-sortie") },
    ]);
  });

  it('refuses src/generate/ and src/demo/ in production code', () => {
    expect(reports('synthetic.ts')).toEqual([
      { rule: 'boundaries/no-synthetic-data', line: 1, message: expect.stringContaining("n'importe ni src/generate/ ni src/demo/") },
      { rule: 'boundaries/no-synthetic-data', line: 2, message: expect.stringContaining("n'importe ni src/generate/ ni src/demo/") },
    ]);
  });
});
