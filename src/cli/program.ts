/**
 * The command line as a function: the commands of `passerelle`, and an in-process entry for the tests
 * (test/helpers/cli.ts), which run a command without starting a Node process. The binary
 * (src/cli/main.ts, bin/passerelle.js) parses process.argv with the same program.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Command, CommanderError } from 'commander';
import { registerAccounts } from './commands/accounts.ts';
import { registerAudit } from './commands/audit.ts';
import { registerCampaign } from './commands/campaign.ts';
import { registerCycle } from './commands/cycle.ts';
import { registerExchange } from './commands/exchange.ts';
import { registerGenerate } from './commands/generate.ts';
import { registerJobs } from './commands/jobs.ts';
import { registerIndicators } from './commands/indicators.ts';
import { registerInit } from './commands/init.ts';
import { registerPrivacy } from './commands/privacy.ts';
import { registerTerritories } from './commands/territories.ts';
import { registerOutreach } from './commands/outreach.ts';
import { registerSignalements } from './commands/signalements.ts';
import { registerConventions } from './commands/conventions.ts';
import { forgetRenamedEnvWarnings } from '../shared/env.ts';
import { withRenamedFlags } from './flags.ts';
import { CliError } from './instance.ts';

/** A new `passerelle` program (commander keeps parsed options on its commands: one program per run). */
export function buildProgram(): Command {
  const program = new Command('passerelle')
    .description('Passerelle : offres coordonnées et aller-vers entre la Caf, la CPAM et la Carsat.\n' +
      'Les commandes travaillent sur la base embarquée de PASSERELLE_DOSSIER_DONNEES (./var par défaut) ou sur DATABASE_URL.')
    .showHelpAfterError();
  registerInit(program);
  registerAudit(program);
  registerTerritories(program);
  registerAccounts(program);
  registerGenerate(program);
  registerCycle(program);
  registerExchange(program);
  registerPrivacy(program);
  registerJobs(program);
  registerIndicators(program);
  registerOutreach(program);
  registerCampaign(program);
  registerSignalements(program);
  registerConventions(program);
  return program;
}

export interface CommandLineIo {
  /** The environment the command sees (process.env for its duration). */
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
}

const capture = new AsyncLocalStorage<CommandLineIo>();
let running: Promise<unknown> = Promise.resolve();
let patched = false;

/** Routes process.stdout/stderr writes made inside a run (its async context) to that run's writers; others pass through. */
function patchStreams() {
  if (patched) return;
  patched = true;
  for (const [stream, key] of [[process.stdout, 'stdout'], [process.stderr, 'stderr']] as const) {
    const original = stream.write.bind(stream) as (...a: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const io = capture.getStore();
      if (!io) return original(chunk, ...rest);
      io[key](typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
}

/**
 * Runs `passerelle …args` inside this process and resolves with its exit code, as the binary would
 * exit. The commands read process.env, process.argv and set process.exitCode: for the duration of
 * a run these are the run's own (then restored), so runs are queued one after the other; output
 * written from the run goes to `io`. Meant for tests: the binary is src/cli/main.ts.
 */
export function runCommandLine(args: readonly string[], io: CommandLineIo): Promise<number> {
  const run = running.then(() => runAlone(args, io));
  running = run.catch(() => {});
  return run;
}

async function runAlone(args: readonly string[], io: CommandLineIo): Promise<number> {
  patchStreams();
  forgetRenamedEnvWarnings();
  const saved = { env: process.env, argv: process.argv, exitCode: process.exitCode, tz: process.env.TZ };
  // Node applies TZ only when it is set on the real process.env
  if (io.env.TZ !== undefined && io.env.TZ !== saved.tz) process.env.TZ = io.env.TZ;
  process.env = { ...io.env } as NodeJS.ProcessEnv;
  process.argv = [saved.argv[0]!, 'passerelle', ...args];
  process.exitCode = undefined;
  try {
    return await capture.run(io, async () => {
      const program = buildProgram().exitOverride();
      program.configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
      for (const command of program.commands) applyOverrides(command, io);
      try {
        // a run is a process of its own: the old flags' warnings are printed once per run
        const renamed = withRenamedFlags(program, ['node', 'passerelle', ...args], (message) => io.stderr(`${message}\n`), new Set());
        await program.parseAsync(renamed.slice(2), { from: 'user' });
      } catch (error) {
        if (error instanceof CliError) {
          io.stderr(`${error.message}\n`);
          return error.exitCode;
        }
        // commander's own refusals (unknown option, missing argument, --help): it has written its message
        if (error instanceof CommanderError) return error.exitCode;
        throw error;
      }
      return Number(process.exitCode ?? 0);
    });
  } finally {
    process.env = saved.env;
    if (process.env.TZ !== saved.tz) {
      if (saved.tz === undefined) delete process.env.TZ; else process.env.TZ = saved.tz;
    }
    process.argv = saved.argv;
    process.exitCode = saved.exitCode;
  }
}

/** Commander exits the process on a bad option or --help: in a run it throws instead, and writes to the run's output. */
function applyOverrides(command: Command, io: CommandLineIo) {
  command.exitOverride();
  command.configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  for (const sub of command.commands) applyOverrides(sub, io);
}
