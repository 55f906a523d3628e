/**
 * node bench/demo-data.ts [TEMPLATE.tar] — the demo data (`ensureDemoData`) on a fresh PGlite database, with the
 * competence table loaded once for the six cycles (what the demo does) against once per cycle (as before the shared
 * `cycleReference`), alternately, ROUNDS times (BENCH_ROUNDS, default 2). Prints wall and CPU time of each run.
 * TEMPLATE: a PGlite dump with migrations and reference data (the integration tests' template in the temp folder);
 * without one the database is built first (≈ 20 s).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDemoAccounts } from '../src/accounts/index.ts';
import { migrateToLatest, openDatabase } from '../src/db/index.ts';
import { DEMO_MONTHS, DEMO_SENDERS, ensureDemoData } from '../src/demo/index.ts';
import { ensureExchangeSetup, cycleOrganisations, exchangeRepository, type CycleReference } from '../src/exchange/index.ts';
import { generateExtracts } from '../src/generate/index.ts';
import { runMonthlyCycle } from '../src/jobs/index.ts';
import { seedDemoOutreach } from '../src/outreach/index.ts';
import { ensureReferenceData } from '../src/territories/index.ts';

const TODAY = new Date('2026-11-24T09:00:00.000Z');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const template = process.argv[2];

async function fresh() {
  const database = template ? await openDatabase({ fromDump: new Blob([readFileSync(template)]) }) : await openDatabase({});
  if (!template) { await migrateToLatest(database.db); await ensureReferenceData(database.db); }
  await ensureDemoAccounts(database.db);
  await ensureExchangeSetup(database.db, TODAY);
  return database;
}

/** The demo's loop as it was: every runCycle loads the reference data again. */
async function demoReloadingEachRun(database: Awaited<ReturnType<typeof fresh>>, depotDir: string, outboxDir: string) {
  const db = database.db;
  const uncached: CycleReference = {
    competences: (b) => exchangeRepository.competenceLookup(db, b),
    organisations: () => cycleOrganisations(db),
  };
  for (const [i, month] of DEMO_MONTHS.entries()) {
    for (const [j, s] of DEMO_SENDERS.entries()) {
      await generateExtracts({ departement: s.departement, month, outDir: join(depotDir, s.caf, 'aidants', month), scale: 0.0005, seed: 2026 + 10 * i + j, people: { ajpa: 220, ajpp: 50 } });
    }
    const [y, m] = month.split('-').map(Number) as [number, number];
    const at = new Date(Date.UTC(m === 12 ? y + 1 : y, m === 12 ? 0 : m, 5, 5, 0, 0));
    const r = await runMonthlyCycle(db, { periode: month, depotDir, outboxDir, programme: 'aidants', expediteurs: DEMO_SENDERS.map((s) => s.caf), now: at < TODAY ? at : TODAY, reference: uncached });
    if (r.problemes.length) throw new Error(r.problemes.join(' ; '));
  }
  await seedDemoOutreach(db, { today: TODAY });
}

async function measure(label: string, run: (depotDir: string, outboxDir: string, database: Awaited<ReturnType<typeof fresh>>) => Promise<unknown>) {
  const database = await fresh();
  const work = await mkdtemp(join(tmpdir(), 'passerelle-bench-demo-'));
  const cpu = process.cpuUsage();
  const t = performance.now();
  await run(join(work, 'depot'), join(work, 'sortie'), database);
  const wall = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${label}: wall ${wall.toFixed(1)} s, CPU ${((used.user + used.system) / 1e6).toFixed(1)} s\n`);
  await database.close();
  await rm(work, { recursive: true, force: true });
}

for (let round = 0; round < ROUNDS; round++) {
  await measure('reference reloaded by every cycle (before)', (d, o, db) => demoReloadingEachRun(db, d, o));
  await measure('reference loaded once (ensureDemoData)   ', (d, o, db) => ensureDemoData(db, { today: TODAY, depotDir: d, outboxDir: o }));
}
