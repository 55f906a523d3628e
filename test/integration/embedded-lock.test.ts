/**
 * The embedded database is opened by one process at a time (src/db/lock.ts): two real commands
 * started together, a command against a running server, and a lock left by a killed server.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../src/db/lock.ts';
import { spawnCli } from '../helpers/cli.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'passerelle-verrou-'));
const env = { PASSERELLE_DEMO: '0', PASSERELLE_CLE_MAITRE: '', PASSERELLE_CLE_MAITRE_PRECEDENTES: '' };

// Independent of the test pass: the commands always open their own embedded folder.
describe('one process at a time on the embedded database', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lets only one of two commands started together open a fresh folder; the other names the holder', async () => {
    const [a, b] = await Promise.all([spawnCli(['init'], dataDir, env), spawnCli(['init'], dataDir, env)]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    expect(loser.stderr).toMatch(/La base embarquée du dossier .* est utilisée par la commande « passerelle init » \(processus \d+\)/);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false); // released by the winner
    expect((await spawnCli(['audit', 'verify'], dataDir, env)).code).toBe(0);
  }, 120_000);

  it('refuses a command while the server holds the folder, then takes over the lock of a killed server', async () => {
    const server = spawn(process.execPath, ['src/server/main.ts'], {
      env: { ...process.env, ...env, PASSERELLE_DOSSIER_DONNEES: dataDir, DATABASE_URL: '', PORT: '0', PASSERELLE_TACHES: '0', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`serveur pas prêt : ${out}`)), 90_000);
        server.stdout!.on('data', (d) => { out += d; if (out.includes('est prête')) { clearTimeout(timer); resolve(); } });
        server.stderr!.on('data', (d) => { out += d; });
        server.on('exit', () => reject(new Error(`serveur arrêté : ${out}`)));
      });
      expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: server.pid, port: 0 });
      const busy = await spawnCli(['audit', 'verify'], dataDir, env);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain(`est utilisée par le serveur Passerelle (processus ${server.pid}, port 0)`);
    } finally {
      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r).once('error', r));
    }
    // the killed server left its lock behind: the next command takes it over and says so
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);
    const after = await spawnCli(['audit', 'verify'], dataDir, env);
    expect(after.stderr).toContain(`était verrouillée par le processus ${server.pid}, qui n'existe plus : verrou repris`);
    expect(after.stdout).toMatch(/Journal d'audit intègre/);
    expect(after.code).toBe(0);
  }, 180_000);
});
