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
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../db/index.ts';
import { cycleReference } from '../exchange/index.ts';
import { EXTRACT_FORMATS, type ExtractKind } from '../extracts/index.ts';
import { runMonthlyCycle } from '../jobs/index.ts';
import { loadProgrammes } from '../programmes/index.ts';
import { seedDemoOutreach } from '../outreach/index.ts';
import { ensureDemoSignalements } from '../signalements/index.ts';
import { organisationNames } from '../territories/index.ts';

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
  if (done) {
    await ensureDemoProgrammes(database, options);
    return { created: false, paquets: 0, contacts: 0, evenements: 0, durationMs: performance.now() - started };
  }
  const known = new Set((await organisationNames(db, DEMO_SENDERS.map((s) => s.caf))).keys());
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
        // Loaded here, not at the top: a server that starts on existing demo data never loads the
        // synthetic-data generator nor faker (test/unit/production-imports.test.ts).
        const { generateExtracts } = await import('../generate/index.ts');
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
  await ensureDemoProgrammes(database, options);
  const outreach = await seedDemoOutreach(db, { today: options.today });
  await db.insertInto('meta').values({ cle: MARKER, valeur: new Date().toISOString() })
    .onConflict((oc) => oc.column('cle').doNothing()).execute();
  const report = { created: true, paquets, contacts, evenements: outreach.evenements, durationMs: performance.now() - started };
  options.log?.(`Démonstration : ${paquets} paquet(s) aidants des Caf du Var et du Nord (${DEMO_MONTHS.join(', ')}) importé(s) et acquitté(s), `
    + `${contacts} contact(s) sur les listes de travail, ${outreach.evenements} événement(s), en ${(report.durationMs / 1000).toFixed(1)} s.`);
  return report;
}

/**
 * Every other programme at work on the demo instance, through the same monthly job: each holder
 * (the Cafs for the separation plan, the CPAMs for PRADO and for the Carsat programmes they send)
 * finds in its drop folder the extracts of October and November 2026; in-house lists are filled,
 * exchange programmes are sealed and imported by the competent Carsat when a convention is in force.
 * Idempotent (marker `demo_programmes`); hospital signalements come from the signalements demo.
 */
const PROGRAMMES_MARKER = 'demo_programmes';
const PROGRAMMES_MONTHS = ['2026-10', '2026-11'] as const;
const PROGRAMMES_PEOPLE = { naissance: 40, arret: 150, separation: 40, ajpa: 0, ajpp: 0 };
const HOLDERS: Record<string, { caf: string; cpams: string[] }> = {
  '83': { caf: 'caf-83', cpams: ['cpam-83'] },
  '59': { caf: 'caf-59', cpams: ['cpam-59-flandres', 'cpam-59-lille-douai', 'cpam-59-roubaix-tourcoing', 'cpam-59-hainaut'] },
};

export async function ensureDemoProgrammes(database: Database, options: DemoDataOptions): Promise<void> {
  const db = database.db;
  if (await db.selectFrom('meta').select('valeur').where('cle', '=', PROGRAMMES_MARKER).executeTakeFirst()) return;
  const programmes = loadProgrammes().filter((p) => p.forme !== 'signalement' && p.id !== PROGRAMME);
  const reference = cycleReference(db);
  const counts = new Map<string, number>();
  for (const [i, month] of PROGRAMMES_MONTHS.entries()) {
    const holders: string[] = [];
    for (const [j, [departement, h]] of Object.entries(HOLDERS).entries()) {
      const staging = join(options.depotDir, '_demo', departement, month);
      if (!(await exists(join(staging, EXTRACT_FORMATS.cpam_assures.fileName)))) {
        const { generateExtracts } = await import('../generate/index.ts');
        await generateExtracts({ departement, month, outDir: staging, scale: DEMO_SCALE, seed: 3026 + 10 * i + j, people: PROGRAMMES_PEOPLE });
      }
      for (const programme of programmes) {
        const owners = programme.expediteur.branche === 'caf' ? [h.caf] : h.cpams;
        const kinds = [programme.source.fichier, ...programme.source.jointures.map((x) => x.fichier)] as ExtractKind[];
        for (const owner of owners) {
          const dir = join(options.depotDir, owner, programme.id, month);
          await mkdir(dir, { recursive: true });
          for (const kind of kinds) {
            const file = EXTRACT_FORMATS[kind].fileName;
            if (await exists(join(staging, file))) await copyFile(join(staging, file), join(dir, file));
          }
          holders.push(owner);
        }
      }
    }
    for (const programme of programmes) {
      const report = await runMonthlyCycle(db, {
        periode: month, depotDir: options.depotDir, outboxDir: options.outboxDir, programme: programme.id,
        expediteurs: [...new Set(holders)], now: cycleDate(month, options.today), reference,
      });
      for (const e of report.expediteurs) counts.set(programme.id, (counts.get(programme.id) ?? 0) + (e.ajoutes ?? 0));
      for (const l of report.livraisons) if (l.statut === 'acquitte') counts.set(programme.id, (counts.get(programme.id) ?? 0) + (l.importes ?? 0));
      for (const problem of report.problemes) options.log?.(`Démonstration, ${programme.id} ${month} : ${problem}`);
    }
  }
  await db.insertInto('meta').values({ cle: PROGRAMMES_MARKER, valeur: new Date().toISOString() }).onConflict((oc) => oc.column('cle').doNothing()).execute();
  options.log?.(`Démonstration : ${[...counts].map(([p, n]) => `${p} ${n}`).join(', ')} personne(s) sur les listes de travail (${PROGRAMMES_MONTHS.join(', ')}).`);
}
