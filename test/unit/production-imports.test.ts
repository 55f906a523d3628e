/**
 * Production code never loads synthetic-data code: the server (and a demo instance starting on
 * existing data) runs without faker, the generator or DuckDB, which are devDependencies.
 *
 * The module graph is the real one of Node's loader: a child process registers a resolve hook
 * (module.registerHooks), imports an entry module and prints every URL it resolved.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const FORBIDDEN = /\/node_modules\/@faker-js\/faker\/|\/node_modules\/@duckdb\/|\/src\/generate\//;

function resolvedModules(entry: string): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const urls = new Set();
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); urls.add(r.url); return r; } });
    await import(${JSON.stringify(new URL(entry, `file://${root}`).href)});
    process.stdout.write(JSON.stringify([...urls]));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out) as string[];
}

describe('module graph of production entry points', () => {
  it('sees faker when the generator is imported (the detector works)', () => {
    const urls = resolvedModules('src/generate/index.ts');
    expect(urls.some((u) => u.includes('/@faker-js/faker/'))).toBe(true);
  }, 60_000);

  it.each(['src/server/app.ts', 'src/instance.ts', 'src/cli/commands/generate.ts'])('%s loads neither faker, DuckDB nor the generator', (entry) => {
    const urls = resolvedModules(entry);
    expect(urls.length).toBeGreaterThan(entry.endsWith('generate.ts') ? 1 : 100);
    expect(urls.filter((u) => FORBIDDEN.test(u))).toEqual([]);
  }, 60_000);
});

describe('static imports', () => {
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') || d.name.endsWith('.tsx') ? [join(dir, d.name)] : []);

  it('no production module outside src/generate imports the generator, faker or DuckDB at load time', () => {
    const offenders: string[] = [];
    for (const file of [...files(join(root, 'src')), ...files(join(root, 'web/src'))]) {
      const rel = relative(root, file);
      if (rel.startsWith('src/generate/')) continue;
      const text = readFileSync(file, 'utf8');
      // static imports and re-exports; `import type` is erased and `await import()` is lazy
      for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)) {
        const spec = m[1] as string;
        if (/(^|\/)generate\/|@faker-js\/faker|@duckdb\//.test(spec)) offenders.push(`${rel} → ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps faker and DuckDB out of the production dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    for (const name of ['@faker-js/faker', '@duckdb/node-api']) {
      expect(pkg.dependencies?.[name], name).toBeUndefined();
      expect(pkg.devDependencies?.[name], name).toBeDefined();
    }
  });
});
