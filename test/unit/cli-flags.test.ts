import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerExchange } from '../../src/cli/commands/exchange.ts';
import { registerIndicators } from '../../src/cli/commands/indicators.ts';
import { registerJobs } from '../../src/cli/commands/jobs.ts';
import { RENAMED_FLAGS, withRenamedFlags } from '../../src/cli/flags.ts';

function program(): Command {
  const p = new Command('passerelle');
  registerIndicators(p);
  registerExchange(p);
  registerJobs(p);
  return p;
}
const argv = (...args: string[]) => ['node', 'passerelle', ...args];

describe('renamed command-line flags (docs/adr/0004-glossary-and-language-policy.md)', () => {
  it('rewrites an old flag to the new one of the command being run, and warns once, in French', () => {
    const warnings: string[] = [];
    const warned = new Set<string>();
    const p = program();
    expect(withRenamedFlags(p, argv('funnel', '--programme', 'aidants', '--month', '2026-11', '--to=2026-12'), (m) => warnings.push(m), warned))
      .toEqual(argv('funnel', '--programme', 'aidants', '--mois', '2026-11', '--fin=2026-12'));
    expect(withRenamedFlags(p, argv('funnel', '--month', '2026-10'), (m) => warnings.push(m), warned)).toEqual(argv('funnel', '--mois', '2026-10'));
    expect(warnings).toEqual(["L'option --month est obsolète : utilisez --mois.", "L'option --to est obsolète : utilisez --fin."]);
  });

  it('picks the new name the command declares when an old flag had several meanings', () => {
    const warnings: string[] = [];
    expect(withRenamedFlags(program(), argv('exchange', 'send', 'p.manifest.json', '--to', 'https://x.test'), (m) => warnings.push(m), new Set()))
      .toEqual(argv('exchange', 'send', 'p.manifest.json', '--boite', 'https://x.test'));
    expect(withRenamedFlags(program(), argv('jobs', '--limit', '3'), () => undefined, new Set())).toEqual(argv('jobs', '--limite', '3'));
    expect(warnings).toEqual(["L'option --to est obsolète : utilisez --boite."]);
  });

  it('leaves new flags, values and flags a command does not know alone', () => {
    const warnings: string[] = [];
    const given = argv('funnel', '--mois', '2026-11', '--month-bis', 'x', '--out', 'f');
    expect(withRenamedFlags(program(), given, (m) => warnings.push(m), new Set())).toEqual(given); // funnel has no --sortie
    expect(warnings).toEqual([]);
  });

  it('the parsed options are the same under the old and the new names', async () => {
    const seen: unknown[] = [];
    for (const args of [argv('jobs', 'run', 'cycle-mensuel', '--month', '2026-11'), argv('jobs', 'run', 'cycle-mensuel', '--mois', '2026-11')]) {
      const p = new Command('passerelle').exitOverride();
      p.command('jobs').command('run').argument('<nom>').option('--mois <AAAA-MM>').action((_n: string, o: unknown) => { seen.push(o); });
      await p.parseAsync(withRenamedFlags(p, args, () => undefined, new Set()));
    }
    expect(seen).toEqual([{ mois: '2026-11' }, { mois: '2026-11' }]);
  });

  it('renames every old flag to French names that are not old names themselves', () => {
    for (const names of Object.values(RENAMED_FLAGS)) for (const name of names) expect(RENAMED_FLAGS[name]).toBeUndefined();
  });
});
