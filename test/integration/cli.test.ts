import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../src/db/lock.ts';
import { ENGINE, POSTGRES_URL } from '../helpers/database.ts';
import { cliTarget, runCli, spawnCli, type CliTarget } from '../helpers/cli.ts';

let target: CliTarget;
let dataDir: string;

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, dataDir, { ...target.env, ...env });

describe(`command line (${ENGINE})`, () => {
  // an empty database: the first command prepares it (migrations, 35 000 communes) as a new instance's would
  beforeAll(async () => { target = await cliTarget('passerelle-cli-', { empty: true }); dataDir = target.dataDir; });
  afterAll(() => target?.drop());

  it('prepares a fresh data folder like the server does (the binary, in its own process)', async () => {
    const result = await spawnCli(['init'], dataDir, target.env);
    expect(result.stderr).toMatch(/migration\(s\) appliquée\(s\)/);
    expect(result.stdout).toMatch(/34\d{3} communes/);
    expect(result.code).toBe(0);
    const again = await cli(['territoires', 'code-postal', '83000']);
    expect(again.stdout).toMatch(/Toulon .*Caf du Var \[caf-83\].*CPAM du Var \[cpam-83\]/);
    expect(again.stderr).not.toMatch(/migration/);
  }, 240_000); // a first start loads 35 000 communes: minutes on a loaded machine, and a later command would find the folder still held

  it('verifies the audit trail, then finds the first broken link after tampering', async () => {
    const ok = await cli(['audit', 'verify']);
    expect(ok.stdout).toMatch(/intègre : \d+ entrée/);
    expect(ok.code).toBe(0);

    const database = await target.open();
    await sql`ALTER TABLE journal_audit DISABLE TRIGGER journal_audit_no_update`.execute(database.db);
    await sql`UPDATE journal_audit SET action = 'falsifie' WHERE id = 4`.execute(database.db);
    await database.close();

    const broken = await cli(['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/ROMPU à l'entrée 4/);
  });

  it('reports bad rows of a competence CSV with their line and a non-zero exit', async () => {
    const file = join(dataDir, 'corrections.csv');
    writeFileSync(file, 'commune;branche;organisation\n83137;cpam;cpam-83\n83137;cpam;nulle-part\n');
    const result = await cli(['territoires', 'import-competences', file]);
    expect(result.stdout).toMatch(/1 correction\(s\) appliquée\(s\), 1 ligne\(s\) rejetée\(s\)/);
    expect(result.stdout).toMatch(/ligne 3 : organisation inconnue/);
    expect(result.code).toBe(3);
  });

  // PostgreSQL has no such lock: several processes share it
  it.runIf(!POSTGRES_URL)('says clearly when the server holds the embedded database', async () => {
    // a live process (this test runner) claims the folder the way the server does
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: holder.pid, port: 3000 }));
    try {
      const result = await cli(['audit', 'verify']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/utilisée par le serveur Passerelle \(processus \d+, port 3000\)/);
    } finally {
      holder.kill();
      rmSync(join(dataDir, LOCK_FILE), { force: true });
    }
  });

  it('validates its options in French', async () => {
    const result = await cli(['territoires', 'code-postal', '8300']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/5 chiffres/);
  });
});
