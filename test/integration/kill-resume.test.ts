/**
 * Kill tests (issue 10): each batch command is killed (SIGKILL, as `kill -9` would) right after its
 * N-th durable effect — N chosen by seeds among the effects an uninterrupted run makes — and run
 * again; the final state must equal the uninterrupted run's: same contacts, events, packages,
 * e-mails, letters, no leftover partial file, and an audit chain that verifies.
 * The crash points are src/shared/crash-points.ts (PASSERELLE_ARRET_APRES_EFFET).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.ts';
import { runCli, spawnCli, TEST_MASTER_KEY, type CliResult } from '../helpers/cli.ts';
import { ENGINE, POSTGRES_URL, preparedPostgresDatabase } from '../helpers/database.ts';
import { copyTemplateDir } from '../helpers/global-setup.ts';

/** An instance to run commands on: its data folder (files, and on PGlite the database) and its environment. */
interface Instance { dataDir: string; env: Record<string, string>; databaseUrl?: string }

let work = '';
const dropped: (() => Promise<void>)[] = [];
const BASE_ENV = { PASSERELLE_DEMO: '0', PASSERELLE_CLE_MAITRE_PRECEDENTES: '', PASSERELLE_SMTP_URL: 'smtp://127.0.0.1:9', TZ: 'Europe/Paris' };

/** A new instance on a copy of the prepared database (migrated, reference data loaded). */
async function newInstance(name: string): Promise<Instance> {
  const dataDir = join(work, name);
  if (!POSTGRES_URL) {
    copyTemplateDir(dataDir);
    return { dataDir, env: { ...BASE_ENV, PASSERELLE_CLE_MAITRE: '' } };
  }
  const created = await preparedPostgresDatabase(POSTGRES_URL);
  dropped.push(created.drop);
  return { dataDir, env: { ...BASE_ENV, DATABASE_URL: created.url, PASSERELLE_CLE_MAITRE: TEST_MASTER_KEY }, databaseUrl: created.url };
}

/** A copy of an instance (files, and its database: the PGlite folder inside, or a PostgreSQL database made from it as a template). */
async function copyInstance(from: Instance, name: string): Promise<Instance> {
  const dataDir = join(work, name);
  cpSync(from.dataDir, dataDir, { recursive: true });
  if (!from.databaseUrl) return { ...from, dataDir };
  const database = `passerelle_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try { await admin.query(`CREATE DATABASE ${database} TEMPLATE ${new URL(from.databaseUrl).pathname.slice(1)}`); } finally { await admin.end(); }
  const url = new URL(from.databaseUrl);
  url.pathname = `/${database}`;
  dropped.push(async () => {
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    try { await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`); } finally { await c.end(); }
  });
  return { dataDir, env: { ...from.env, DATABASE_URL: url.toString() }, databaseUrl: url.toString() };
}

/**
 * A command in this process (src/cli/program.ts); `spawned` runs the binary as a child process, for the runs that
 * must be one: killed at a crash point, or journaling their effects (both variables are read once per process).
 */
const cli = (i: Instance, args: string[], env: Record<string, string> = {}) => runCli(args, i.dataDir, { ...i.env, ...env });
const spawned = (i: Instance, args: string[], env: Record<string, string> = {}) => spawnCli(args, i.dataDir, { ...i.env, ...env });
const ok = (r: CliResult) => { expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0); return r; };

/** What a run leaves behind, without what legitimately differs between two runs (ids, instants of the run itself). */
async function finalState(i: Instance, options: { eventTimes?: boolean } = {}) {
  const database = await openDatabase(i.databaseUrl ? { databaseUrl: i.databaseUrl } : { dataDir: i.dataDir });
  try {
    const db = database.db;
    // A person is known by a digest of her fields: the pseudonym of an in-house list depends on the
    // organisation's own key, created by each copy's first run (and the fields stay out of the test output).
    // Every column is in the ORDER BY: destroyed contacts have no fields left, and ties would compare rows in any order.
    const contacts = (await sql<Record<string, unknown>>`
      SELECT organisation_code, programme, periode, md5(champs::text) AS personne, statut, origine, appelable, detruit_le IS NOT NULL AS detruit
      FROM contacts ORDER BY 1, 2, 3, 4, 5, 6, 7, 8`.execute(db)).rows;
    const evenements = (await sql<Record<string, unknown>>`
      SELECT c.organisation_code, md5(c.champs::text) AS personne, e.code, e.detail, ${options.eventTimes ? sql`e.survenu_le::text` : sql`''`} AS survenu_le
      FROM evenements e JOIN contacts c ON c.id = e.contact_id ORDER BY 1, 2, 3, 4, 5`.execute(db)).rows;
    const paquets = (await sql<Record<string, unknown>>`
      SELECT detenteur, programme, expediteur, destinataire, periode, statut, nombre_enregistrements, nombre_importes
      FROM paquets ORDER BY 1, 2, 3, 4, 5, 6, 7, 8`.execute(db)).rows;
    const courriels = (await sql<Record<string, unknown>>`
      SELECT md5(c.champs::text) AS personne, m.modele, m.statut FROM courriels m JOIN contacts c ON c.id = m.contact_id ORDER BY 1, 2, 3`.execute(db)).rows;
    return { contacts, evenements, paquets, courriels };
  } finally {
    await database.close();
  }
}

/** Files a killed run may leave half-written: none may remain after the rerun. */
function partialFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.part'));
}

/** Deterministic kill points: every effect when there are few, else `count` of them drawn with the seed. */
function killPoints(total: number, seed: number, count = 2): number[] {
  if (total <= count + 2) return Array.from({ length: total }, (_, k) => k + 1);
  let x = seed >>> 0;
  const points = new Set<number>([1, total]);
  while (points.size < count + 2) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    points.add(1 + (x % total));
  }
  return [...points].sort((a, b) => a - b);
}

interface Scenario {
  name: string;
  /** The command, run on a copy of the prepared instance. */
  args: (i: Instance) => string[];
  eventTimes?: boolean;
}

/** Runs a scenario uninterrupted, then killed at each chosen effect and rerun; every final state must equal the uninterrupted one. */
async function killAndResume(prepared: Instance, s: Scenario, seed: number) {
  const reference = await copyInstance(prepared, `${s.name}-reference`);
  const journal = join(work, `${s.name}.effets`);
  const first = await spawned(reference, s.args(reference), { PASSERELLE_JOURNAL_EFFETS: journal });
  const effects = existsSync(journal) ? readFileSync(journal, 'utf8').trim().split('\n').filter(Boolean) : [];
  expect(effects.length, `${s.name} : aucun effet durable journalisé\n${first.stderr}`).toBeGreaterThan(0);
  const expected = await finalState(reference, s);
  ok(await cli(reference, ['audit', 'verify']));
  const points = killPoints(effects.length, seed);
  for (const n of points) {
    const copy = await copyInstance(prepared, `${s.name}-arret-${n}`);
    const killed = await spawned(copy, s.args(copy), { PASSERELLE_ARRET_APRES_EFFET: String(n) });
    expect(killed.code, `${s.name} : le processus devait être tué après l'effet ${n} (${effects[n - 1]})`).toBeNull();
    if (n === points[0]) {
      // the killed run is listed as interrupted, with what to do
      const runs = ok(await cli(copy, ['jobs', '--limite', '3']));
      expect(runs.stdout).toMatch(/interrompue[\s\S]*relancez la même commande/);
    }
    const rerun = await cli(copy, s.args(copy));
    expect(rerun.code, `${s.name}, tué après l'effet ${n} (${effects[n - 1]}) puis relancé :\n${rerun.stdout}\n${rerun.stderr}`).toBe(first.code);
    const state = await finalState(copy, s);
    expect(state, `${s.name}, tué après l'effet ${n} (${effects[n - 1]}) puis relancé`).toEqual(expected);
    expect(partialFiles(copy.dataDir)).toEqual([]);
    ok(await cli(copy, ['audit', 'verify'])); // the keyed chain, with the instance's own key
    rmSync(copy.dataDir, { recursive: true, force: true });
  }
  return { effects: effects.length, points };
}

describe(`kill -9 at any durable effect, then rerun: the same final state as an uninterrupted run (${ENGINE})`, () => {
  let prepared: Instance;
  let extracts: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'passerelle-arret-'));
    prepared = await newInstance('prepare');
    ok(await cli(prepared, ['init']));
    ok(await cli(prepared, ['exchange', 'setup']));
    extracts = join(work, 'extraits');
    ok(await cli(prepared, ['generate', '--departement', '83', '--mois', '2026-11', '--sortie', extracts, '--echelle', '0.02', '--graine', '5']));
    // the Caf du Var's drop folder for the monthly cycle
    const depot = join(prepared.dataDir, 'depot', 'caf-83', 'aidants', '2026-11');
    mkdirSync(depot, { recursive: true });
    cpSync(join(extracts, 'caf_allocataires.csv'), join(depot, 'caf_allocataires.csv'));
    cpSync(join(extracts, 'caf_ajpa_ajpp.csv'), join(depot, 'caf_ajpa_ajpp.csv'));
  }, 600_000);

  afterAll(async () => {
    for (const drop of dropped) await drop().catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('monthly cycle: extract → sealed package → delivered, imported and acknowledged', { timeout: 900_000 }, async () => {
    const r = await killAndResume(prepared, { name: 'cycle', args: () => ['jobs', 'run', 'cycle-mensuel', '--mois', '2026-11'] }, 1);
    expect(r.effects).toBeGreaterThanOrEqual(5);
  });

  it('signalements import: each row to the competent Carsat\'s list, nobody twice', { timeout: 900_000 }, async () => {
    const r = await killAndResume(prepared, {
      name: 'signalements', args: (i) => ['signalements', 'import', '--organisation', 'carsat-sud-est', join(extracts, 'etablissements_signalements_sortie.csv'), '--rapport', join(i.dataDir, 'rapport-signalements.csv')],
    }, 3);
    expect(r.effects).toBeGreaterThanOrEqual(2);
  });

  it('daily destruction after the cycle: each group destroyed once, with one proof', { timeout: 900_000 }, async () => {
    const afterCycle = await copyInstance(prepared, 'apres-cycle');
    await cli(afterCycle, ['jobs', 'run', 'cycle-mensuel', '--mois', '2026-11']);
    ok(await cli(afterCycle, ['campagne', 'separation', '--organisation', 'caf-83', '--mois', '2026-11', '--source', extracts, '--canal', 'courrier', '--sortie', join(afterCycle.dataDir, 'campagne')]));
    const r = await killAndResume(afterCycle, { name: 'destruction', args: () => ['jobs', 'run', 'destruction-quotidienne', '--date', '2028-01-31'] }, 4);
    expect(r.effects).toBeGreaterThanOrEqual(2);
  });

  it('separation campaign: the Caf\'s own list, e-mails queued, letters printed then recorded', { timeout: 900_000 }, async () => {
    const r = await killAndResume(prepared, {
      name: 'campagne', args: (i) => ['campagne', 'separation', '--organisation', 'caf-83', '--mois', '2026-11', '--source', extracts, '--canal', 'auto', '--sortie', join(i.dataDir, 'campagne')],
    }, 2);
    expect(r.effects).toBeGreaterThanOrEqual(3);
  });
});
