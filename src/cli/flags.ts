import type { Command } from 'commander';

/**
 * Command-line flags renamed by the glossary (docs/adr/0004-glossary-and-language-policy.md). An old flag
 * still works for a while: it is rewritten to the new flag of the command being run, with a deprecation
 * warning printed once per process on stderr. One old flag may have several new names (`--to` is `--fin`
 * for `funnel`, `--boite` for `exchange send`): the command's own options decide.
 */
export const RENAMED_FLAGS: Readonly<Record<string, readonly string[]>> = {
  '--month': ['--mois'],
  '--out': ['--sortie'],
  '--to': ['--fin', '--boite'],
  '--limit': ['--limite'],
  '--scale': ['--echelle'],
  '--seed': ['--graine'],
  '--dry-run': ['--simulation'],
  '--email': ['--courriel'],
};

type Warn = (message: string) => void;
const warnedOnce = new Set<string>();
const toStderr: Warn = (message) => { process.stderr.write(`${message}\n`); };

/**
 * `argv` (as in process.argv: node, script, then the arguments) with the old flags of the command being run
 * replaced by their new names. The command is found by walking the leading words through `program`'s
 * sub-commands; a flag the command does not know under any name is left for commander to refuse.
 */
export function withRenamedFlags(program: Command, argv: readonly string[], warn: Warn = toStderr, warned: Set<string> = warnedOnce): string[] {
  const result = argv.slice(0, 2);
  let command = program;
  let inCommandPath = true;
  for (const arg of argv.slice(2)) {
    if (inCommandPath && !arg.startsWith('-')) {
      const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
      if (sub) { command = sub; result.push(arg); continue; }
      inCommandPath = false;
    }
    if (arg === '--') inCommandPath = false;
    const [flag, value] = arg.startsWith('--') ? splitFlag(arg) : [arg, undefined];
    const renamed = RENAMED_FLAGS[flag]?.find((name) => command.options.some((o) => o.long === name));
    if (!renamed || command.options.some((o) => o.long === flag)) { result.push(arg); continue; }
    const key = `${flag} ${renamed}`;
    if (!warned.has(key)) {
      warned.add(key);
      warn(`L'option ${flag} est obsolète : utilisez ${renamed}.`);
    }
    result.push(value === undefined ? renamed : `${renamed}=${value}`);
  }
  return result;
}

function splitFlag(arg: string): [string, string | undefined] {
  const equals = arg.indexOf('=');
  return equals < 0 ? [arg, undefined] : [arg.slice(0, equals), arg.slice(equals + 1)];
}
