/**
 * Web-started cycles go through the job queue, like the scheduled ones (docs/jobs.md, "Web-started
 * runs"). The exchange officer's page (POST /api/echanges/cycles) saves the cycle's state and its
 * extract under `<dataDir>/echanges/<organisation>/cycles/<id>/`, then queues one job
 * `cycle-televerse` (singletonKey = the cycle's id: never two runs of a cycle at once) and answers
 * at once. The worker of any server instance runs it, writes the state the page polls (progress,
 * then the result), records the run in `executions_taches` (trigger `web`) and deletes the extract
 * when the run ends for good (success, or a definitive failure), not before.
 *
 * A server restarted (or killed) mid-run loses nothing: the job is retried (pg-boss `retryLimit`;
 * the worker's heartbeat tells a dead process from a long run), and at start the server queues again
 * every cycle whose state says it is not finished while no job is waiting or running for it. On the
 * embedded database (one process at a time, src/db/lock.ts) a job left active is known to be dead
 * and is failed (so retried) at once. The page shows « reprise après redémarrage » while it reruns.
 * Rerunning is safe: the engine reuses the packages already sealed for the same programme, sender,
 * recipient and period, and in-house lists never take a person twice.
 *
 * Job data: organisation, cycle id, programme, period and the extract's folder (relative to the
 * data folder) — never personal data. Without a queue in the process (PASSERELLE_TACHES=0), the route
 * runs the cycle in the process, one at a time, and a restart interrupts it for good.
 */
import { rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { Database, DB } from '../db/index.ts';
import { CycleInputError, cycleCounts, runCycle } from '../exchange/index.ts';
import { EXTRACT_FORMATS, type ExtractKind } from '../extracts/index.ts';
import { jobsRepository, WEB_CYCLE_JOB, type JobQueue } from '../jobs/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { findProgramme, loadProgrammes, type Programme } from '../programmes/index.ts';
import { listOrganisations } from '../territories/index.ts';
import { ExchangeStore, type CycleState } from './routes/exchange-store.ts';

export { WEB_CYCLE_JOB };
/** Retries after the first attempt (a restart or a crash counts as a failed attempt). */
export const WEB_CYCLE_RETRIES = 3;
const MAX_ATTEMPTS = WEB_CYCLE_RETRIES + 1;
/**
 * The state of a web-started run after an internal error at `attempt` (a bug, the database gone): waiting for the
 * queue's next attempt with a message saying so, or failed for good after the last one. True when it will be retried.
 */
export function afterInternalError(
  state: { statut: string; reprise?: string | null; erreur: string | null }, attempt: number, maxAttempts: number,
  wording: { retrying: string; failed: string },
): boolean {
  const retry = attempt < maxAttempts;
  state.statut = retry ? 'en_attente' : 'echec';
  state.reprise = retry ? `${wording.retrying} : nouvel essai automatique dans quelques secondes (essai ${attempt + 1} sur ${maxAttempts}).` : null;
  if (!retry) state.erreur = `${wording.failed} Réessayez ; si l’erreur persiste, signalez-la à l’administrateur.`;
  return retry;
}

/** A worker that has not shown it is alive for this long is dead: its job is failed and retried. */
const HEARTBEAT_SECONDS = 120;
/** Backstop: the longest a cycle may run (a very large extract takes minutes, not hours). */
const EXPIRE_SECONDS = 6 * 3600;
const RETRY_DELAY_SECONDS = 5;
const PROGRESS_SAVE_MS = 1000;

/** The data of a `cycle-televerse` job: identifiers only. */
export interface WebCycleJob {
  organisation: string;
  cycle: string;
  programme: string;
  periode: string;
  /** The extract's folder, relative to the data folder. */
  dossier: string;
}

export interface WebCycleWorkerOptions {
  /**
   * Fail at once the jobs of this queue left active (their process is dead). Default: on the
   * embedded database, where only this process can run them; on PostgreSQL other instances may be
   * running them, and the heartbeat fails a dead one's jobs instead.
   */
  takeOverActive?: boolean;
  heartbeatSeconds?: number;
  retryDelaySeconds?: number;
  /** Tests: called once an attempt has started (state saved, run recorded); a promise that never settles stands for a process killed there. */
  onAttemptStarted?: (cycleId: string) => Promise<void>;
  /** Where internal errors are reported (no personal data). Default: stderr. */
  log?: (message: string) => void;
}

interface Worker { queue: JobQueue; options: WebCycleWorkerOptions }
const workers = new WeakMap<Kysely<DB>, Worker>();

/** Live states of the cycles running in this process (fresher than cycle.json between two saves). */
const live = new Map<string, CycleState>();

export function liveCycle(id: string): CycleState | undefined {
  return live.get(id);
}

const TERMINAL = ['termine', 'echec'];
export const isFinished = (state: CycleState) => TERMINAL.includes(state.statut);

export function sourceDirOf(store: ExchangeStore, org: string, id: string) {
  return join(store.cycleDir(org, id), 'source');
}

function jobData(store: ExchangeStore, dataDir: string, state: CycleState): WebCycleJob {
  const dossier = relative(dataDir, sourceDirOf(store, state.organisation, state.id));
  return { organisation: state.organisation, cycle: state.id, programme: state.programme, periode: state.periode, dossier };
}

function sendOptions(id: string, options: WebCycleWorkerOptions) {
  return {
    singletonKey: id, retryLimit: WEB_CYCLE_RETRIES, retryDelay: options.retryDelaySeconds ?? RETRY_DELAY_SECONDS,
    heartbeatSeconds: options.heartbeatSeconds ?? HEARTBEAT_SECONDS, expireInSeconds: EXPIRE_SECONDS,
  };
}

async function exists(path: string): Promise<boolean> {
  try { await stat(path); return true; } catch { return false; }
}

const resumeMessage = (attempt: number) =>
  `Reprise après redémarrage du serveur : le cycle est relancé depuis le début (essai ${attempt} sur ${MAX_ATTEMPTS}). Les paquets déjà scellés ne sont pas refaits et aucune personne n’est comptée deux fois.`;

/** Whether a queue runs web cycles for this database (in this process). */
export function hasWebCycleWorker(db: Kysely<DB>): boolean {
  return workers.has(db);
}

/** Queues the run of a saved cycle; false when no queue runs in this process (the caller runs it itself). */
export async function queueWebCycle(db: Kysely<DB>, store: ExchangeStore, dataDir: string, state: CycleState): Promise<boolean> {
  const worker = workers.get(db);
  if (!worker) return false;
  await worker.queue.send(WEB_CYCLE_JOB, jobData(store, dataDir, state), sendOptions(state.id, worker.options));
  return true;
}

/**
 * Whether a cycle saved as unfinished still has a job waiting or running (undefined when no queue
 * runs here). False means it stopped for good without its state being written (retries exhausted
 * by crashes): the next server start closes it.
 */
export async function webCycleAlive(db: Kysely<DB>, id: string): Promise<boolean | undefined> {
  const worker = workers.get(db);
  if (!worker) return undefined;
  const jobs = await worker.queue.jobs(WEB_CYCLE_JOB, { key: id });
  return jobs.some((j) => ['created', 'retry', 'active'].includes(j.state));
}

export interface WebCycleRunContext {
  db: Kysely<DB>;
  store: ExchangeStore;
  programmes: Programme[];
  /** Attempts allowed in all (1 without a queue). */
  maxAttempts: number;
  /** Queue job id, for the run's record. */
  jobId?: string | null;
  onAttemptStarted?: (cycleId: string) => Promise<void>;
  log: (message: string) => void;
}

/**
 * Runs one attempt of a saved cycle and writes its state. Returns the final state, or throws when
 * the attempt failed and another one is allowed (the extract is kept for it).
 */
export async function runWebCycle(context: WebCycleRunContext, org: string, id: string): Promise<CycleState | undefined> {
  const { db, store, programmes } = context;
  const state = await store.readCycle(org, id);
  if (!state || isFinished(state)) return state;
  const sourceDir = sourceDirOf(store, org, id);
  const outDir = join(store.cycleDir(org, id), 'sortie');

  // A previous attempt that never finished (restart, crash): its run is closed as interrupted.
  if (state.execution) {
    await jobsRepository.closeIfUnfinished(db, state.execution, {
      statut: 'echouee', message: 'Exécution interrompue (redémarrage ou arrêt du serveur) : le cycle est relancé.', resultat: { cycle: id, interrompue: true },
    });
  }
  state.essais = (state.essais ?? 0) + 1;
  state.reprise = state.essais > 1 ? resumeMessage(state.essais) : null;
  state.erreur = null;
  const params = { organisation: org, cycle: id, programme: state.programme, periode: state.periode };
  state.execution = await jobsRepository.startRun(db, { tache: WEB_CYCLE_JOB, declenchement: 'web', parametres: params, fileId: context.jobId ?? null });
  live.set(id, state);

  let saving: Promise<void> = Promise.resolve();
  let lastSave = 0;
  const save = () => {
    lastSave = Date.now();
    const snapshot = { ...state }; // as it is now: a write still pending at the end must not say « terminé » early
    saving = saving.then(() => store.saveCycle(snapshot)).catch(() => {});
    return saving;
  };
  let retry = false;
  try {
    const noms: Record<string, string> = {};
    for (const o of await listOrganisations(db)) noms[o.code] = o.nom;
    state.debuteLe = new Date().toISOString();
    if (!(await exists(sourceDir))) {
      throw new CycleInputError('L’extrait de ce cycle n’est plus sur le serveur : relancez le cycle en déposant à nouveau l’extrait.');
    }
    // An XLSX upload is read as it is (runCycle streams the first worksheet): the row report quotes the spreadsheet's own row numbers.
    const programme = findProgramme(programmes, state.programme)!;
    const mainKind = programme.source.fichier as ExtractKind;
    const csvName = EXTRACT_FORMATS[mainKind].fileName;
    const xlsxPath = join(sourceDir, csvName.replace(/\.csv$/, '.xlsx'));
    const mainPath = (await exists(xlsxPath)) ? xlsxPath : join(sourceDir, csvName);
    state.octetsTotal = (await stat(mainPath)).size;
    state.octetsLus = 0;
    state.lignes = 0;
    state.paquetsScelles = 0;
    state.statut = 'lecture';
    await save();
    await context.onAttemptStarted?.(id);
    const report = await runCycle(db, {
      programme: state.programme, periode: state.periode, source: mainPath, outDir, expediteur: org, programmes,
      onProgress: (p) => {
        state.octetsLus = p.octetsLus;
        state.octetsTotal = p.octetsTotal;
        state.lignes = p.lignes;
        if (p.octetsLus >= p.octetsTotal) state.statut = 'scellement';
        // Another instance may answer the page's polls: the progress is written every second.
        if (Date.now() - lastSave >= PROGRESS_SAVE_MS) void save();
      },
    });
    state.octetsLus = state.octetsTotal;
    state.lignes = report.lignesLues;
    state.paquetsScelles = report.paquets.length;
    state.resultat = {
      ...cycleCounts(report),
      paquets: report.paquets.map((p) => ({
        id: p.id, nom: p.nom, destinataire: p.destinataire, destinataireNom: noms[p.destinataire] ?? p.destinataire, convention: p.convention, nombre: p.nombre, champs: p.champs,
      })),
      refus: report.refus.map((r) => ({ destinataire: r.destinataire, destinataireNom: noms[r.destinataire] ?? r.destinataire, personnes: r.personnes, raison: r.raison })),
      listes: report.listes.map((l) => ({ organisation: l.organisation, organisationNom: noms[l.organisation] ?? l.organisation, ajoutes: l.ajoutes, dejaSuivis: l.dejaSuivis, opposes: l.opposes })),
      dureeMs: Math.round(report.durationMs), lignesParSeconde: Math.round(report.lignesParSeconde),
      rapport: report.rapport.split(/[\\/]/).at(-1) ?? null,
    };
    state.statut = 'termine';
    state.reprise = null;
  } catch (error) {
    if (error instanceof CycleInputError) {
      // Input messages name files and columns, never values; the server's own paths are not shown.
      state.statut = 'echec';
      state.erreur = error.message.replaceAll(sourceDir + '/', '').replaceAll(sourceDir, 'le dossier de l’extrait');
    } else {
      context.log(`Cycle ${id} : erreur interne à l'essai ${state.essais} : ${(error as Error).message}`);
      retry = afterInternalError(state, state.essais!, context.maxAttempts, {
        retrying: 'Le cycle a rencontré une erreur interne',
        failed: 'Le cycle a échoué sur une erreur interne : aucun paquet n’a été envoyé à la suite de cette erreur.',
      });
    }
  }
  // Until the final write below, the page reads the last saved phase: not « terminé » before the
  // extract is deleted and the run's record closed.
  live.delete(id);
  await saving;
  const finished = isFinished(state);
  // The extract holds every allocataire's data: it does not outlive the cycle's last attempt.
  if (finished) {
    await rm(sourceDir, { recursive: true, force: true });
    state.termineLe = new Date().toISOString();
  }
  const r = state.resultat;
  await jobsRepository.finishRun(db, state.execution!, {
    statut: state.statut === 'termine' ? 'reussie' : 'echouee',
    message: state.statut === 'termine'
      ? `Cycle ${state.programme} ${state.periode} de ${org} terminé : ${r!.lignesLues} ligne(s) lue(s), ${r!.paquets.length} paquet(s) scellé(s).`
      : (state.erreur ?? state.reprise ?? 'Échec du cycle.'),
    resultat: {
      ...params, essai: state.essais,
      ...(r ? { lignesLues: r.lignesLues, lignesRejetees: r.lignesRejetees, paquets: r.paquets.length, transmis: r.transmis, refus: r.refus.length } : {}),
    },
  }).catch(() => {});
  // The state the page polls is written last: once it says finished, the run's record is closed too.
  await store.saveCycle(state);
  if (finished) {
    await recordAudit(db, {
      action: state.statut === 'termine' ? 'echange.cycle_termine' : 'echange.cycle_echec',
      acteur: { compteId: state.compteId, organisation: org }, cible: { type: 'cycle', id },
      details: {
        programme: state.programme, periode: state.periode, ...(state.essais > 1 ? { essais: state.essais } : {}),
        ...(r ? { lignesLues: r.lignesLues, lignesRejetees: r.lignesRejetees, paquets: r.paquets.length, transmis: r.transmis, refus: r.refus.length } : {}),
      },
    }).catch(() => {});
  }
  if (retry) throw new Error(`Cycle ${id} : nouvel essai après une erreur interne.`);
  return state;
}

/** Closes a cycle that cannot run again: definitive failure, extract deleted. */
async function closeCycle(store: ExchangeStore, state: CycleState, erreur: string): Promise<void> {
  await rm(sourceDirOf(store, state.organisation, state.id), { recursive: true, force: true });
  Object.assign(state, { statut: 'echec', erreur, reprise: null, termineLe: new Date().toISOString() });
  await store.saveCycle(state);
}

/**
 * Registers the worker of `cycle-televerse` on the queue (server start, every instance), after
 * queuing again the cycles left unfinished by a restart. Returns how many were queued again.
 */
export async function startWebCycleWorker(database: Database, queue: JobQueue, config: Pick<Config, 'dataDir'>, options: WebCycleWorkerOptions = {}): Promise<{ resumed: number }> {
  const db = database.db;
  const store = new ExchangeStore(config.dataDir);
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  // exclusive: at most one job queued or running per singletonKey, the cycle's id
  await queue.declare(WEB_CYCLE_JOB, { policy: 'exclusive' });
  const takeOver = options.takeOverActive ?? database.kind === 'pglite';
  if (takeOver) {
    const stale = (await queue.jobs(WEB_CYCLE_JOB)).filter((j) => j.state === 'active').map((j) => j.id);
    await queue.fail(WEB_CYCLE_JOB, stale, 'interrompu par un redémarrage du serveur');
  }

  // Before the worker starts: cycles whose state says unfinished while no job waits or runs for them.
  let resumed = 0;
  for (const state of await store.listAllCycles()) {
    if (isFinished(state)) continue;
    const jobs = (await queue.jobs(WEB_CYCLE_JOB, { key: state.id })).filter((j) => ['created', 'retry', 'active'].includes(j.state));
    if (jobs.some((j) => j.state === 'active')) continue; // running in another instance
    if (!(await exists(sourceDirOf(store, state.organisation, state.id)))) {
      await closeCycle(store, state, 'Le cycle a été interrompu et son extrait n’est plus sur le serveur : relancez-le en déposant à nouveau l’extrait.');
      continue;
    }
    if ((state.essais ?? 0) >= MAX_ATTEMPTS) {
      await closeCycle(store, state, `Le cycle a été interrompu ${state.essais} fois sans aboutir : relancez-le avec le même extrait ; si cela se reproduit, signalez-le à l’administrateur.`);
      continue;
    }
    state.enFile = true;
    live.delete(state.id); // a worker of this process that stopped before (tests) left its state here
    if (state.debuteLe) {
      state.statut = 'en_attente';
      state.reprise = resumeMessage((state.essais ?? 0) + 1);
    }
    await store.saveCycle(state);
    if (jobs.length === 0) await queue.send(WEB_CYCLE_JOB, jobData(store, config.dataDir, state), sendOptions(state.id, options));
    resumed++;
  }

  const programmes = loadProgrammes();
  await queue.work<WebCycleJob>(WEB_CYCLE_JOB, async (data, job) => {
    if (typeof data.organisation !== 'string' || typeof data.cycle !== 'string') return { resultat: 'ignore' };
    const expected = relative(config.dataDir, sourceDirOf(store, data.organisation, data.cycle));
    if (data.dossier !== expected) return { resultat: 'ignore' };
    const state = await runWebCycle({ db, store, programmes, maxAttempts: MAX_ATTEMPTS, jobId: job.id, onAttemptStarted: options.onAttemptStarted, log }, data.organisation, data.cycle);
    return { cycle: data.cycle, statut: state?.statut ?? 'introuvable', essais: state?.essais ?? 0 };
  });
  workers.set(db, { queue, options });
  return { resumed };
}
