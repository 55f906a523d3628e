// ESLint: typescript-eslint's recommended rules (the non-type-checked set, lightened) and the
// architecture's boundaries (docs/adr/0003-enforced-boundaries.md). `npm run lint`, part of `npm test`.
//
// The boundary rules are ESLint's own `no-restricted-imports` (typescript-eslint's version, which
// can let `import type` through) and `no-restricted-syntax`, registered a second time under the
// local `boundaries/` prefix: each boundary is its own rule, so a file can be under several of them
// at once (a rule configured twice for one file keeps only the last options), and a report names
// the boundary it breaks (`boundaries/front-door`, …). No plugin beyond typescript-eslint.
import js from '@eslint/js';
import { builtinRules } from 'eslint/use-at-your-own-risk';
import tseslint from 'typescript-eslint';

const restrictedImports = tseslint.plugin.rules['no-restricted-imports'];
const restrictedSyntax = builtinRules.get('no-restricted-syntax');

const boundaries = {
  meta: { name: 'passerelle-boundaries' },
  rules: {
    'front-door': restrictedImports,
    'kysely-in-repositories': restrictedImports,
    'queries-in-repositories': restrictedSyntax,
    'pure-domain': restrictedImports,
    'no-synthetic-data': restrictedImports,
    'web-apart': restrictedImports,
    'table-owner': restrictedSyntax,
    'table-owner-joins': restrictedSyntax,
  },
};

/**
 * Tables with one owning context (docs/adr/0005-one-organisation-model-and-policy.md): only that
 * context's files query them; every other context reads them through the owner's front door
 * (`src/territories/index.ts`: findOrganisation, listOrganisations, organisationNames…).
 */
export const OWNED_TABLES = { organisations: 'src/territories' };

/**
 * Files that still join an owned table inside a query on their own tables (reading a name or a type
 * alongside). Selecting from, inserting into, updating or deleting from it is refused everywhere
 * outside the owner; this list only shrinks, like KNOWN_SQL_OUTSIDE_REPOSITORIES.
 */
export const KNOWN_JOINS_OF_OWNED_TABLES = [
  'src/accounts/repository.ts', // the session's account with its organisation's name and type (every request)
  'src/signalements/demo.ts', // demo seeder
];

const tableLiteral = (table) => `/^${table}(\\s+as\\s+\\w+)?$/`;
const ownedTableRule = (methods, message) => ['error', ...Object.entries(OWNED_TABLES).map(([table, owner]) => ({
  selector: `CallExpression[callee.property.name=/^(${methods})$/][arguments.0.value=${tableLiteral(table)}]`,
  message: message(table, owner),
}))];

/**
 * Files that still hold SQL (a `kysely` value import such as `sql`, or a query builder call such as
 * `db.selectFrom(…)`) although they are neither a repository nor in src/db/. Every other file is
 * held to the rule; this list only shrinks: move a file's queries into its context's repository
 * (`repository.ts`, `*-repository.ts` or `repositories/…`), call them from here, and delete its line.
 */
export const KNOWN_SQL_OUTSIDE_REPOSITORIES = [
  'src/channels/demo.ts',
  'src/demo/index.ts',
  'src/exchange/import.ts',
  'src/exchange/organisation-keys.ts',
  'src/outreach/demo.ts',
  'src/outreach/enrolment.ts',
  'src/outreach/oppositions.ts',
  'src/outreach/outcomes.ts',
  'src/privacy/audit.ts',
  'src/privacy/records.ts',
  'src/privacy/retention.ts',
  'src/signalements/demo.ts',
];

/** Where SQL belongs: repositories, the database module (instance, schema, migrations). */
const REPOSITORIES = ['src/**/repository.ts', 'src/**/*-repository.ts', 'src/**/repositories/**', 'src/db/**'];

/**
 * Domain modules (DESIGN.md: "domain code does no I/O"): rules, engines, statuses, vocabularies,
 * definitions. They are pure today; they may import neither the file system nor the database.
 */
const DOMAIN_MODULES = [
  ...['domain', 'rules', 'engine', 'targeting', 'status', 'vocabulary', 'minimise', 'suppression', 'funnel',
    'lifecycle', 'convention', 'scripts', 'fields', 'dates', 'parcours', 'validation', 'types', 'format',
    'roles', 'chain', 'manifest', 'content', 'network', 'postal', 'policy'].map((name) => `src/*/${name}.ts`),
  'src/programmes/retention.ts', 'src/programmes/schema.ts', 'src/rules/*.ts',
  'src/extracts/formats.ts', 'src/extracts/lines.ts',
  'src/shared/calendar.ts', 'src/shared/canonical-json.ts', 'src/shared/nir.ts',
];

/** Shared infrastructure every context may import directly (not contexts: no front door needed). */
const SHARED = '(?:shared|db)/|config\\.ts$|instance\\.ts$';

/**
 * A relative import that leaves its context for another one without going through that context's
 * `index.ts`. `up` is the `../` prefix that reaches src/ from the importing file.
 */
const deepImport = (up) => ({
  regex: `^${up.replaceAll('.', '\\.')}(?!${SHARED})[^/]+/(?!index\\.ts$)`,
  message: "Un autre contexte s'importe par sa porte d'entrée, son index.ts (ex. '../exchange/index.ts'), jamais par un de ses modules : exportez ce qu'il faut depuis son index.ts.",
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'web/dist/**', 'dist/**', 'data/**', 'bench/results/**', 'test/fixtures/corpus/**'] },

  {
    files: ['**/*.{ts,tsx,js}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // TypeScript checks these better (strict tsconfig); ESLint's versions misfire on types and globals.
      'no-undef': 'off',
      'no-redeclare': 'off',
      // Style the codebase already has on purpose: not worth a mass rewrite.
      'no-empty': ['error', { allowEmptyCatch: true }],
      'no-control-regex': 'off', // input hygiene: validators match control characters on purpose
      'no-useless-assignment': 'off', // a variable initialised before a try block reads better than one left unassigned
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },

  { plugins: { boundaries } },

  // Front doors: src/<context>/… reaches another context only through src/<other>/index.ts.
  // The server and the CLI are adapters: they go through the front doors too.
  { files: ['src/*.ts'], rules: { 'boundaries/front-door': ['error', { patterns: [{ regex: `^\\./(?!${SHARED})[^/]+/(?!index\\.ts$)`, message: deepImport('../').message }] }] } },
  { files: ['src/*/*.ts'], rules: { 'boundaries/front-door': ['error', { patterns: [deepImport('../')] }] } },
  { files: ['src/*/*/*.ts'], rules: { 'boundaries/front-door': ['error', { patterns: [deepImport('../../')] }] } },
  { files: ['src/*/*/*/*.ts'], rules: { 'boundaries/front-door': ['error', { patterns: [deepImport('../../../')] }] } },

  // SQL only in repositories and src/db/: no `kysely` value import (`import type` is fine: a
  // service may hold a `Kysely<DB>` to hand to its repository), no query builder call.
  {
    files: ['src/**/*.ts'],
    ignores: [...REPOSITORIES, ...KNOWN_SQL_OUTSIDE_REPOSITORIES],
    rules: {
      'boundaries/kysely-in-repositories': ['error', {
        paths: [{ name: 'kysely', allowTypeImports: true, message: "Le SQL vit dans les repositories (repository.ts, *-repository.ts) et src/db/ : déplacez la requête dans le repository du contexte qui possède la table." }],
      }],
      'boundaries/queries-in-repositories': ['error', {
        selector: 'CallExpression > MemberExpression.callee[property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|mergeInto|replaceInto)$/]',
        message: "Requête hors d'un repository : le SQL vit dans les repositories (repository.ts, *-repository.ts) et src/db/ ; appelez le repository du contexte propriétaire par sa porte d'entrée.",
      }],
    },
  },

  // Table ownership: an owned table is queried by its owner only (and src/db/: schema, migrations).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/db/**', ...Object.values(OWNED_TABLES).map((owner) => `${owner}/**`)],
    rules: {
      'boundaries/table-owner': ownedTableRule('selectFrom|insertInto|updateTable|deleteFrom|mergeInto|replaceInto', (table, owner) =>
        `La table ${table} appartient à ${owner}/ : seul son repository l'interroge. Lisez-la par sa porte d'entrée (${owner}/index.ts : findOrganisation, listOrganisations, organisationNames…) ou ajoutez-y la fonction qui manque.`),
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/db/**', ...Object.values(OWNED_TABLES).map((owner) => `${owner}/**`), ...KNOWN_JOINS_OF_OWNED_TABLES],
    rules: {
      'boundaries/table-owner-joins': ownedTableRule('innerJoin|leftJoin|rightJoin|fullJoin|crossJoin|leftJoinLateral|innerJoinLateral', (table, owner) =>
        `Jointure sur la table ${table}, qui appartient à ${owner}/ : lisez ce qu'il vous faut par sa porte d'entrée (${owner}/index.ts, ex. organisationNames) après votre requête.`),
    },
  },

  // Domain modules do no I/O: neither the file system nor the database.
  {
    files: DOMAIN_MODULES,
    rules: {
      'boundaries/pure-domain': ['error', {
        paths: ['node:fs', 'node:fs/promises', 'fs', 'fs/promises', 'kysely'].map((name) => ({
          name, message: "Module du domaine : pas d'entrée-sortie (ni fichiers ni base). Lisez et écrivez dans un service ou un repository, passez les données au domaine.",
        })),
        patterns: [{ regex: '(^|/)db/', message: "Module du domaine : pas d'accès à la base ; un repository s'en charge." }],
      }],
    },
  },

  // Production code never loads synthetic data: src/generate/ (faker) and src/demo/ are for the CLI
  // and tests. One entry point is allowed: src/instance.ts starts a demo instance's data
  // (`ensureDemoData` of src/demo/index.ts, on PASSERELLE_DEMO), which imports the generator lazily,
  // so a production server loads neither (test/unit/production-imports.test.ts checks the real graph).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/generate/**', 'src/demo/**', 'src/cli/**'],
    rules: {
      'boundaries/no-synthetic-data': ['error', {
        paths: ['@faker-js/faker', '@duckdb/node-api'].map((name) => ({ name, allowTypeImports: true, message: 'Dépendance de développement : le code de production ne la charge pas.' })),
        patterns: [{ regex: '(^|/)(generate|demo)/', message: "Le code de production n'importe ni src/generate/ ni src/demo/ (données synthétiques) : seule la CLI le fait." }],
      }],
    },
  },
  {
    files: ['src/instance.ts'],
    rules: {
      'boundaries/no-synthetic-data': ['error', {
        paths: ['@faker-js/faker', '@duckdb/node-api'].map((name) => ({ name, allowTypeImports: true, message: 'Dépendance de développement : le code de production ne la charge pas.' })),
        patterns: [{ regex: '(^|/)generate/|^\\./demo/(?!index\\.ts$)', message: "src/instance.ts n'ouvre les données de démonstration que par src/demo/index.ts (ensureDemoData), jamais le générateur." }],
      }],
    },
  },

  // The web app stands apart: it talks to the server over HTTP, never imports src/.
  { files: ['web/src/*.{ts,tsx}'], rules: { 'boundaries/web-apart': ['error', { patterns: [{ regex: '^\\.\\./\\.\\./', message: "L'application web n'importe rien hors de web/ : elle parle au serveur par son API." }] }] } },
  { files: ['web/src/*/*.{ts,tsx}'], rules: { 'boundaries/web-apart': ['error', { patterns: [{ regex: '^\\.\\./\\.\\./\\.\\./', message: "L'application web n'importe rien hors de web/ : elle parle au serveur par son API." }] }] } },
);
