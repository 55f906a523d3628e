/** Runs the command line (`bin/passerelle.js`) as a child process, as a user would, on an embedded database or, on the PostgreSQL pass, on a fresh PostgreSQL database. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../src/db/index.ts';
import { emptyPostgresDatabase, POSTGRES_URL } from './database.ts';

export interface CliResult { code: number | null; stdout: string; stderr: string }

/**
 * `passerelle …args` with PASSERELLE_DOSSIER_DONNEES = dataDir and no DATABASE_URL (the embedded PGlite database of
 * that folder), plus `env`; resolves with the exit code and the whole output once the process has ended.
 */
export function runCli(args: readonly string[], dataDir: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/passerelle.js', ...args], {
      env: { ...process.env, PASSERELLE_DOSSIER_DONNEES: dataDir, DATABASE_URL: '', ...env },
    });
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
  /** For runCli: on the PostgreSQL pass, the fresh empty database (the first command migrates it, as on a new server) and a master key. */
  env: Record<string, string>;
  /** The same database, opened by the test itself. */
  open(): Promise<Database>;
  drop(): Promise<void>;
}

/** A fresh target for a command-line suite: an embedded folder, or on the PostgreSQL pass a new database on that server. */
export async function cliTarget(prefix: string): Promise<CliTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const removeDir = async () => rmSync(dataDir, { recursive: true, force: true });
  if (!POSTGRES_URL) return { dataDir, env: {}, open: () => openDatabase({ dataDir }), drop: removeDir };
  const created = await emptyPostgresDatabase(POSTGRES_URL);
  return {
    dataDir,
    env: { DATABASE_URL: created.url, PASSERELLE_CLE_MAITRE: TEST_MASTER_KEY },
    open: () => openDatabase({ databaseUrl: created.url }),
    drop: async () => { await created.drop(); await removeDir(); },
  };
}

/** The master key of the PostgreSQL pass's command-line instances (PostgreSQL outside a demo requires one). */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
