/**
 * The command line in tests. `runCli` runs a command inside the test process (src/cli/program.ts
 * runCommandLine: same commands, same exit codes, no Node start-up); `spawnCli` runs the binary
 * (`bin/passerelle.js`) as a child process, as a user would — for the few tests that need a real
 * process (killed, holding the embedded lock, the binary's own start). `cliTarget` gives a suite its
 * database: a copy of the prepared one (migrated, reference data loaded) on PGlite or PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommandLine } from '../../src/cli/program.ts';
import { openDatabase, type Database } from '../../src/db/index.ts';
import { emptyPostgresDatabase, POSTGRES_URL, preparedPostgresDatabase } from './database.ts';
import { copyTemplateDir } from './global-setup.ts';

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** The environment of a command: this process's, the data folder, no DATABASE_URL (the embedded database of that folder), then `env`. */
function cliEnv(dataDir: string, env: Record<string, string>): Record<string, string | undefined> {
  return { ...process.env, PASSERELLE_DOSSIER_DONNEES: dataDir, DATABASE_URL: '', ...env };
}

/**
 * `passerelle …args` run in this process with PASSERELLE_DOSSIER_DONNEES = dataDir and no DATABASE_URL (the embedded PGlite
 * database of that folder), plus `env`; resolves with the exit code and the whole output once the command has ended.
 */
export async function runCli(args: readonly string[], dataDir: string, env: Record<string, string> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCommandLine(args, { env: cliEnv(dataDir, env), stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** The same command as a child process of the binary; the code is null when the process was killed. */
export function spawnCli(args: readonly string[], dataDir: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/passerelle.js', ...args], { env: cliEnv(dataDir, env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Where a command-line suite works: its own folder, and the database its commands open. */
export interface CliTarget {
  /** The folder of the embedded database (PGlite pass) and of the files the test writes. */
  dataDir: string;
  /** For runCli: on the PostgreSQL pass, the suite's database and a master key. */
  env: Record<string, string>;
  /** The same database, opened by the test itself. */
  open(): Promise<Database>;
  drop(): Promise<void>;
}

/**
 * A target for a command-line suite: an embedded folder, or on the PostgreSQL pass a new database on that server.
 * By default a copy of the prepared database (migrated, reference data loaded: the first command has nothing to
 * prepare but the instance's own keys and accounts); `{ empty: true }` for a suite that checks a first start.
 */
export async function cliTarget(prefix: string, options: { empty?: boolean } = {}): Promise<CliTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const removeDir = async () => rmSync(dataDir, { recursive: true, force: true });
  if (!POSTGRES_URL) {
    if (!options.empty) copyTemplateDir(dataDir);
    return { dataDir, env: {}, open: () => openDatabase({ dataDir }), drop: removeDir };
  }
  const created = options.empty ? await emptyPostgresDatabase(POSTGRES_URL) : await preparedPostgresDatabase(POSTGRES_URL);
  return {
    dataDir,
    env: { DATABASE_URL: created.url, PASSERELLE_CLE_MAITRE: TEST_MASTER_KEY },
    open: () => openDatabase({ databaseUrl: created.url }),
    drop: async () => { await created.drop(); await removeDir(); },
  };
}

/** The master key of the PostgreSQL pass's command-line instances (PostgreSQL outside a demo requires one). */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
