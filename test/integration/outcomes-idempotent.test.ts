/**
 * Issue 10, "nothing lost, nothing twice", for the bulk outcomes import (src/outreach/outcomes.ts):
 * a file sent again records nothing new, an overlapping file only its new rows, an import cut
 * half-way (a batch failing on a database error) leaves each committed batch with its own audit
 * record, and the same file sent again afterwards completes it exactly once — also when the
 * command is killed (SIGKILL) right after its first batch (src/shared/crash-points.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOutcomes, recordEvent } from '../../src/outreach/index.ts';
import { cliTarget, runCli, spawnCli, type CliTarget } from '../helpers/cli.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';
import { insertContact, pseudo } from './outreach-support.ts';

type Database = Awaited<ReturnType<typeof freshDatabase>>;

const ALREADY = /^déjà enregistré le \d{2}\/\d{2}\/\d{4} \(même personne, même date, même événement\) : rien de nouveau$/;
const csv = (rows: string[]) => Buffer.from(['pseudonyme;date;evenement;detail', ...rows].join('\n'));
const row = (seed: string, date: string, code = 'appel_non_joint', detail = '') => `${pseudo(seed)};${date};${code};${detail}`;

describe(`outcomes import: idempotent, audited batch by batch (${ENGINE})`, () => {
  let database: Database;
  const ids: Record<string, string> = {};
  const events = async () => Number((await database.db.selectFrom('evenements').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  const audits = async () => (await database.db.selectFrom('journal_audit').select('details').where('action', '=', 'resultats.import').orderBy('id').execute())
    .map((r) => (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as Record<string, unknown>);
  const run = (bytes: Buffer) => importOutcomes(database.db, { organisation: 'cpam-83', programme: 'aidants', bytes, batchSize: 2 });

  beforeAll(async () => {
    database = await freshDatabase();
    for (const seed of ['a', 'b', 'c', 'd', 'e', 'f']) ids[seed] = await insertContact(database.db, { seed: `idem-${seed}` });
  });
  afterAll(async () => { await database?.drop(); });

  const fileA = csv([
    row('idem-a', '2026-11-20 09:00'), row('idem-a', '2026-11-21 09:00'), row('idem-b', '2026-11-20 10:00'), row('idem-c', '20/11/2026 11:00'),
  ]);

  it('records a file once; sent again, every row is « déjà enregistré » and nothing is written', async () => {
    const first = await run(fileA);
    if (!first.ok) throw new Error(first.erreur);
    expect(first.report).toMatchObject({ lignes: 4, enregistrees: 4, dejaEnregistrees: 0, rejetees: 0 });
    expect(await events()).toBe(4);
    // one audit record per batch (2 rows each), in the batch's transaction, with the import's identifier
    const records = await audits();
    expect(records).toEqual([
      { programme: 'aidants', import: first.report.import, lot: 1, lignes: 2, enregistrees: 2, dejaEnregistrees: 0, rejetees: 0 },
      { programme: 'aidants', import: first.report.import, lot: 2, lignes: 2, enregistrees: 2, dejaEnregistrees: 0, rejetees: 0 },
    ]);

    const again = await run(fileA);
    if (!again.ok) throw new Error(again.erreur);
    expect(again.report).toMatchObject({ lignes: 4, enregistrees: 0, dejaEnregistrees: 4, rejetees: 0 });
    expect(again.report.import).not.toBe(first.report.import);
    for (const r of again.report.rapport) {
      expect(r.resultat).toBe('deja_enregistree');
      expect(r.motif).toMatch(ALREADY);
    }
    expect(await events()).toBe(4);
    expect(JSON.stringify(again.report)).not.toContain(pseudo('idem-a'));
  });

  it('records only the new rows of an overlapping file', async () => {
    const overlap = csv([row('idem-a', '2026-11-21 09:00'), row('idem-b', '2026-11-22 10:00'), row('idem-c', '2026-11-20 11:00'), row('idem-d', '2026-11-20 12:00')]);
    const r = await run(overlap);
    if (!r.ok) throw new Error(r.erreur);
    expect(r.report).toMatchObject({ lignes: 4, enregistrees: 2, dejaEnregistrees: 2, rejetees: 0 });
    expect(r.report.rapport.map((x) => x.resultat)).toEqual(['deja_enregistree', 'enregistree', 'deja_enregistree', 'enregistree']);
    expect(await events()).toBe(6);
  });

  it('does not record again an outcome entered by hand (same event, same moment)', async () => {
    await recordEvent(database.db, { contactId: ids.e!, code: 'appel_non_joint', occurredAt: new Date('2026-11-23T08:30:00Z'), authorId: null, origin: 'agent' });
    const r = await run(csv([row('idem-e', '2026-11-23 09:30'), row('idem-e', '2026-11-23 09:31')]));
    if (!r.ok) throw new Error(r.erreur);
    expect(r.report.rapport.map((x) => x.resultat)).toEqual(['deja_enregistree', 'enregistree']);
  });

  it('an import cut half-way leaves each committed batch with its audit record; sent again, the file is recorded exactly once', async () => {
    const rows = [
      row('idem-f', '2026-11-24 09:00'), row('idem-f', '2026-11-24 10:00'),
      row('idem-f', '2026-11-24 11:00'), row('idem-f', '2026-11-24 12:00', 'appel_joint', 'panne'),
      row('idem-f', '2026-11-24 13:00', 'appel_non_joint'), row('idem-f', '2026-11-24 14:00'),
    ];
    // a database error in the second batch (a row the database refuses), as a crash would stop it
    await sql`CREATE FUNCTION test_panne() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.detail = 'panne' THEN RAISE EXCEPTION 'panne simulée'; END IF; RETURN NEW; END $$`.execute(database.db);
    await sql`CREATE TRIGGER test_panne BEFORE INSERT ON evenements FOR EACH ROW EXECUTE FUNCTION test_panne()`.execute(database.db);
    const before = await events();
    const auditsBefore = (await audits()).length;
    await expect(run(csv(rows))).rejects.toThrow(/panne simulée/);
    expect(await events()).toBe(before + 2);
    const cut = (await audits()).slice(auditsBefore);
    expect(cut).toHaveLength(1);
    expect(cut[0]).toMatchObject({ lot: 1, lignes: 2, enregistrees: 2 });
    await sql`DROP TRIGGER test_panne ON evenements`.execute(database.db);
    await sql`DROP FUNCTION test_panne()`.execute(database.db);

    // the first half of a file then the whole file (a crash between the two): the same
    const again = await run(csv(rows));
    if (!again.ok) throw new Error(again.erreur);
    expect(again.report).toMatchObject({ lignes: 6, enregistrees: 4, dejaEnregistrees: 2, rejetees: 0 });
    const f = await database.db.selectFrom('evenements').select(['code', 'survenu_le']).where('contact_id', '=', ids.f! as never).orderBy('survenu_le').execute();
    expect(f.map((e) => new Date(e.survenu_le).toISOString().slice(11, 16))).toEqual(['08:00', '09:00', '10:00', '11:00', '12:00', '13:00']);
    // every event of the import is covered by an audit record: the batches' counts add up
    const recorded = (await audits()).slice(auditsBefore).reduce((n, d) => n + Number(d.enregistrees), 0);
    expect(recorded).toBe(6);
  });
});

describe(`npx passerelle outcomes import killed after its first batch, then run again (${ENGINE})`, () => {
  let target: CliTarget;
  beforeAll(async () => { target = await cliTarget('passerelle-outcomes-kill-'); });
  afterAll(async () => { await target?.drop(); });

  it('the first batch is recorded with its audit record; the rerun records the rest, each outcome once', async () => {
    const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, target.dataDir, { ...target.env, ...env });
    expect((await cli(['init'])).code).toBe(0);
    let database = await target.open();
    const ids: string[] = [];
    try {
      for (const seed of ['k-0', 'k-1', 'k-2']) ids.push(await insertContact(database.db, { seed }));
    } finally { await database.close(); }
    // 600 outcomes: a first batch of 500, a second of 100 (the command's batches)
    const rows: string[] = [];
    for (let i = 0; i < 600; i++) {
      const at = new Date(Date.UTC(2026, 10, 2, 8, 0) + i * 60_000).toISOString().replace('.000Z', 'Z');
      rows.push(`${pseudo(`k-${i % 3}`)};${at};appel_non_joint;`);
    }
    const file = join(target.dataDir, 'appels.csv');
    writeFileSync(file, csv(rows));
    // a real process, killed at its crash point (the variable is read once per process)
    const killed = await spawnCli(['outcomes', 'import', '--organisation', 'cpam-83', '--programme', 'aidants', file], target.dataDir, { ...target.env, PASSERELLE_ARRET_APRES_EFFET: '1' });
    expect(killed.code).toBeNull(); // ended by SIGKILL
    const count = async () => {
      const db = await target.open();
      try {
        const n = Number((await db.db.selectFrom('evenements').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
        const audit = (await db.db.selectFrom('journal_audit').select('details').where('action', '=', 'resultats.import').orderBy('id').execute())
          .map((r) => r.details as { lot: number; enregistrees: number; dejaEnregistrees: number });
        return { n, audit };
      } finally { await db.close(); }
    };
    const afterKill = await count();
    expect(afterKill.n).toBe(500);
    expect(afterKill.audit).toMatchObject([{ lot: 1, enregistrees: 500 }]);

    const rerun = await cli(['outcomes', 'import', '--organisation', 'cpam-83', '--programme', 'aidants', file]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/100 résultat\(s\) enregistré\(s\), 0 ligne\(s\) rejetée\(s\) sur 600, 500 déjà enregistré\(s\) auparavant/);
    const end = await count();
    expect(end.n).toBe(600);
    expect(end.audit.reduce((s, a) => s + a.enregistrees, 0)).toBe(600);
    database = await target.open();
    try {
      const perContact = await database.db.selectFrom('evenements').select(['contact_id', sql<string>`count(DISTINCT survenu_le)`.as('n'), sql<string>`count(*)`.as('all')])
        .groupBy('contact_id').execute();
      expect(perContact.map((r) => [Number(r.n), Number(r.all)])).toEqual([[200, 200], [200, 200], [200, 200]]);
    } finally { await database.close(); }
  }, 300_000);
});
