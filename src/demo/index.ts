/**
 * Demo context, front door: `ensureDemoData(database, { today })` gives a demo instance completed
 * caregivers' cycles for the Var and the Nord over three months (2026-09, 2026-10, 2026-11), so
 * the exchange officers see sealed, sent, acknowledged and imported packages, and the CPAMs'
 * worklists are ready (with outreach events on top, `seedDemoOutreach`).
 *
 * It goes through the real path, the monthly cycle job (src/jobs/monthly-cycle.ts): small
 * deterministic synthetic extracts (`generateExtracts`, a few hundred caregivers per département)
 * are dropped into the drop folder, the cycle seals one package per CPAM, and each package is
 * imported by its CPAM (hosted on this instance) and acknowledged.
 *
 * Idempotent: a marker in `meta` (cle `demo_echanges`) is written at the end; a second call does
 * nothing. A call interrupted half-way resumes (existing extracts are kept, sealed packages are
 * only delivered).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../db/index.ts';
import { cycleReference } from '../exchange/index.ts';
import { generateExtracts } from '../generate/index.ts';
import { runMonthlyCycle } from '../jobs/index.ts';
import { seedDemoOutreach } from '../outreach/index.ts';
import { ensureDemoSignalements } from '../signalements/index.ts';

export const DEMO_MONTHS = ['2026-09', '2026-10', '2026-11'] as const;
export const DEMO_SENDERS = [
  { departement: '83', caf: 'caf-83' },
  { departement: '59', caf: 'caf-59' },
] as const;
const MARKER = 'demo_echanges';
const PROGRAMME = 'aidants';
/** Caregivers (AJPA / AJPP applicants) per département and month: a few hundred people, about one second to generate. */
const DEMO_PEOPLE = { ajpa: 220, ajpp: 50 };
/** Almost nobody else: the extracts stay small (the allocataires file still holds a few hundred beneficiaries). */
const DEMO_SCALE = 0.0005;

export interface DemoDataReport {
  /** False when the demo data was already there. */
  created: boolean;
  paquets: number;
  contacts: number;
  evenements: number;
  durationMs: number;
}

export interface DemoDataOptions {
  today: Date;
  /** Drop folder and outbox of the monthly cycle (config.depotDir / config.outboxDir). */
  depotDir: string;
  outboxDir: string;
  log?: (message: string) => void;
}

async function exists(path: string): Promise<boolean> {
  try { await stat(path); return true; } catch { return false; }
}

/** When the monthly job would have run for a month: the 5th of the next month, 06:00 Paris (04:00 or 05:00 UTC), never after today. */
function cycleDate(month: string, today: Date): Date {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const at = new Date(Date.UTC(m === 12 ? y + 1 : y, m === 12 ? 0 : m, 5, 5, 0, 0));
  return at < today ? at : today;
}

export async function ensureDemoData(database: Database, options: DemoDataOptions): Promise<DemoDataReport> {
  const started = performance.now();
  const db = database.db;
  // hospital-discharge signalements to the Carsat Sud-Est (src/signalements): their own marker
  await ensureDemoSignalements(db, { today: options.today, log: options.log });
  const done = await db.selectFrom('meta').select('valeur').where('cle', '=', MARKER).executeTakeFirst();
  if (done) return { created: false, paquets: 0, contacts: 0, evenements: 0, durationMs: performance.now() - started };
  const known = new Set((await db.selectFrom('organisations').select('code').where('code', 'in', DEMO_SENDERS.map((s) => s.caf)).execute()).map((r) => r.code));
  const senders = DEMO_SENDERS.filter((s) => known.has(s.caf));

  let paquets = 0;
  let contacts = 0;
  const problems: string[] = [];
  // The competence table (≈ 35 000 communes) is loaded once for the six cycles, not at every run.
  const reference = cycleReference(db);
  for (const [i, month] of DEMO_MONTHS.entries()) {
    for (const [j, s] of senders.entries()) {
      const dir = join(options.depotDir, s.caf, PROGRAMME, month);
      if (!(await exists(join(dir, 'caf_allocataires.csv')))) {
        await generateExtracts({ departement: s.departement, month, outDir: dir, scale: DEMO_SCALE, seed: 2026 + 10 * i + j, people: DEMO_PEOPLE });
      }
    }
    const report = await runMonthlyCycle(db, {
      periode: month, depotDir: options.depotDir, outboxDir: options.outboxDir, programme: PROGRAMME,
      expediteurs: senders.map((s) => s.caf), now: cycleDate(month, options.today), reference,
    });
    problems.push(...report.problemes);
    for (const l of report.livraisons) {
      if (l.statut === 'acquitte') { paquets++; contacts += l.importes ?? 0; }
    }
  }
  if (problems.length) throw new Error(`Données de démonstration incomplètes : ${problems.join(' ; ')}`);
  const outreach = await seedDemoOutreach(db, { today: options.today });
  await db.insertInto('meta').values({ cle: MARKER, valeur: new Date().toISOString() })
    .onConflict((oc) => oc.column('cle').doNothing()).execute();
  const report = { created: true, paquets, contacts, evenements: outreach.evenements, durationMs: performance.now() - started };
  options.log?.(`Démonstration : ${paquets} paquet(s) aidants des Caf du Var et du Nord (${DEMO_MONTHS.join(', ')}) importé(s) et acquitté(s), `
    + `${contacts} contact(s) sur les listes de travail, ${outreach.evenements} événement(s), en ${(report.durationMs / 1000).toFixed(1)} s.`);
  return report;
}
