/** Runs the command line (`bin/passerelle.js`) as a child process, as a user would, on an embedded database. */
import { spawn } from 'node:child_process';

export interface CliResult { code: number | null; stdout: string; stderr: string }

/**
 * `passerelle …args` with PASSERELLE_DATA_DIR = dataDir and no DATABASE_URL (the embedded PGlite database of
 * that folder), plus `env`; resolves with the exit code and the whole output once the process has ended.
 */
export function runCli(args: readonly string[], dataDir: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/passerelle.js', ...args], {
      env: { ...process.env, PASSERELLE_DATA_DIR: dataDir, DATABASE_URL: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
