/**
 * The Caf's separation campaign started from the web page (POST /api/courriels/campagnes/separation)
 * goes through the job queue like the web-started cycle (src/server/web-cycles.ts, docs/jobs.md
 * "Web-started runs"): the route moves the two uploaded extracts to
 * `<dataDir>/echanges/<organisation>/campagnes/<id>/source/`, saves `campagne.json`, queues one job
 * `campagne-separation` (singletonKey = the campaign's id) and answers 202 at once; the page polls
 * GET /api/courriels/campagnes/separation/:id. The worker of any instance runs it, records each
 * attempt in executions_taches (trigger `web`) and deletes the extracts when the run ends for good.
 * A restart or a crash reruns it (the campaign is safe to rerun: a person already on the list is not
 * added twice, and e-mails not yet queued are queued). Job data: identifiers only.
 */
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Kysely } from 'kysely';
import { CampaignInputError, deliverOfferEmail, hasMailWorker, queueDelivery, runSeparationCampaign, type CampaignReport, type MailSettings } from '../channels/index.ts';
import type { Database, DB } from '../db/index.ts';
import { jobsRepository, WEB_CAMPAIGN_JOB, type JobQueue } from '../jobs/index.ts';
import { ExchangeStore, readJsonFile, UUID, writeJsonFile } from './routes/exchange-store.ts';
import { afterInternalError, type WebCycleWorkerOptions } from './web-cycles.ts';

export { WEB_CAMPAIGN_JOB };
const RETRIES = 3;
const MAX_ATTEMPTS = RETRIES + 1;

export type CampaignChannelChoice = 'courriel' | 'courrier' | 'auto';

export interface CampaignResult {
  /** The campaign's counts (its report without the identifiers and file paths). */
  campagne: Omit<CampaignReport, 'contactIds' | 'courrielIds' | 'rapport' | 'publipostage'>;
  rapport: { ligne: string; raison: string }[];
  rapportTronque: boolean;
}

export interface CampaignState {
  id: string;
  organisation: string;
  compteId: string;
  mois: string;
  canal: CampaignChannelChoice;
  statut: 'en_attente' | 'en_cours' | 'termine' | 'echec';
  creeLe: string;
  debuteLe: string | null;
  termineLe: string | null;
  erreur: string | null;
  reprise: string | null;
  essais: number;
  execution: string | null;
  resultat: CampaignResult | null;
}

const finished = (s: CampaignState) => s.statut === 'termine' || s.statut === 'echec';
const resumeMessage = (attempt: number) =>
  `Reprise après redémarrage du serveur : la campagne est relancée (essai ${attempt} sur ${MAX_ATTEMPTS}). Personne n’est ajouté deux fois à la liste et aucun courriel n’est envoyé deux fois.`;

/** Files of web-started campaigns, next to the exchange officer's files. */
export class CampaignStore {
  readonly exchange: ExchangeStore;
  constructor(exchange: ExchangeStore) { this.exchange = exchange; }
  dir(org: string, id: string) { return join(this.exchange.base(org), 'campagnes', id); }
  sourceDir(org: string, id: string) { return join(this.dir(org, id), 'source'); }
  async save(state: CampaignState): Promise<void> {
    await writeJsonFile(this.dir(state.organisation, state.id), 'campagne.json', state);
  }
  async read(org: string, id: string): Promise<CampaignState | undefined> {
    if (!UUID.test(id)) return undefined;
    return readJsonFile<CampaignState>(join(this.dir(org, id), 'campagne.json'));
  }
  async all(): Promise<CampaignState[]> {
    const out: CampaignState[] = [];
    let orgs: string[] = [];
    try { orgs = await readdir(this.exchange.root); } catch { return out; }
    for (const org of orgs) {
      if (!/^[a-z0-9][a-z0-9-]*$/i.test(org)) continue;
      let ids: string[] = [];
      try { ids = await readdir(join(this.exchange.base(org), 'campagnes')); } catch { continue; }
      for (const id of ids) { const s = await this.read(org, id); if (s) out.push(s); }
    }
    return out;
  }
}

interface Worker { queue: JobQueue; options: WebCycleWorkerOptions; dataDir: string }
const workers = new WeakMap<Kysely<DB>, Worker>();

export function hasWebCampaignWorker(db: Kysely<DB>): boolean {
  return workers.has(db);
}

function sendOptions(id: string, options: WebCycleWorkerOptions) {
  return { singletonKey: id, retryLimit: RETRIES, retryDelay: options.retryDelaySeconds ?? 5, heartbeatSeconds: options.heartbeatSeconds ?? 120, expireInSeconds: 6 * 3600 };
}

function jobData(store: CampaignStore, dataDir: string, s: CampaignState) {
  return { organisation: s.organisation, campagne: s.id, periode: s.mois, canal: s.canal, dossier: relative(dataDir, store.sourceDir(s.organisation, s.id)) };
}

/** Queues a saved campaign; false without a queue in this process. */
export async function queueWebCampaign(db: Kysely<DB>, store: CampaignStore, state: CampaignState): Promise<boolean> {
  const worker = workers.get(db);
  if (!worker) return false;
  await worker.queue.send(WEB_CAMPAIGN_JOB, jobData(store, worker.dataDir, state), sendOptions(state.id, worker.options));
  return true;
}

/** The state the page polls; an unfinished campaign with no job left is reported as stopped. */
export async function campaignState(db: Kysely<DB>, store: CampaignStore, org: string, id: string): Promise<CampaignState | undefined> {
  const saved = await store.read(org, id);
  if (!saved || finished(saved)) return saved;
  const worker = workers.get(db);
  const jobs = worker ? await worker.queue.jobs(WEB_CAMPAIGN_JOB, { key: id }) : [];
  if (!jobs.some((j) => ['created', 'retry', 'active'].includes(j.state))) {
    return { ...saved, statut: 'echec', reprise: null, erreur: 'La campagne s’est arrêtée sans pouvoir reprendre : relancez-la avec les mêmes fichiers (personne ne sera ajouté deux fois).' };
  }
  return saved;
}

/** The campaign's row report (line numbers and reasons only), at most 500 lines. */
async function readReport(path: string): Promise<{ rapport: CampaignResult['rapport']; rapportTronque: boolean }> {
  const lines = (await readFile(path, 'utf8')).replace(/^\ufeff/, '').split(/\r?\n/).slice(1).filter(Boolean);
  const rapport = lines.slice(0, 500).map((l) => {
    const i = l.indexOf(';');
    return { ligne: l.slice(0, i), raison: l.slice(i + 1).replace(/^"|"$/g, '').replaceAll('""', '"') };
  });
  return { rapport, rapportTronque: lines.length > 500 };
}

/** Runs the separation campaign now (the route without a queue, or the worker): counts and row report. */
export async function runCampaignNow(db: Kysely<DB>, settings: MailSettings, options: {
  organisation: string; periode: string; canal: CampaignChannelChoice; compteId: string; outDir: string; source: { separations: string; allocataires: string };
}): Promise<CampaignResult> {
  const report = await runSeparationCampaign(db, { ...options, letters: 'later', mail: settings });
  if (report.courrielIds.length > 0 && !hasMailWorker(db)) {
    for (const id of report.courrielIds) await deliverOfferEmail(db, settings, id, settings.maxAttempts);
  } else await queueDelivery(db, report.courrielIds);
  const { contactIds: _c, courrielIds: _m, rapport: _r, publipostage: _p, ...counts } = report;
  return { campagne: counts, ...(await readReport(report.rapport)) };
}

async function attempt(db: Kysely<DB>, store: CampaignStore, settings: MailSettings, org: string, id: string, jobId: string,
  options: WebCycleWorkerOptions, log: (m: string) => void): Promise<CampaignState | undefined> {
  const state = await store.read(org, id);
  if (!state || finished(state)) return state;
  if (state.execution) {
    await jobsRepository.closeIfUnfinished(db, state.execution, { statut: 'echouee', message: 'Exécution interrompue (redémarrage ou arrêt du serveur) : la campagne est relancée.', resultat: { campagne: id, interrompue: true } });
  }
  state.essais += 1;
  state.reprise = state.essais > 1 ? resumeMessage(state.essais) : null;
  const params = { organisation: org, campagne: id, periode: state.mois, canal: state.canal };
  state.execution = await jobsRepository.startRun(db, { tache: WEB_CAMPAIGN_JOB, declenchement: 'web', parametres: params, fileId: jobId });
  state.statut = 'en_cours';
  state.debuteLe = new Date().toISOString();
  await store.save(state);
  const source = store.sourceDir(org, id);
  const outDir = join(store.dir(org, id), 'sortie');
  let retry = false;
  try {
    await options.onAttemptStarted?.(id);
    await stat(source).catch(() => { throw new CampaignInputError('Les fichiers de cette campagne ne sont plus sur le serveur : relancez-la en les déposant à nouveau.'); });
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true, mode: 0o700 });
    state.resultat = await runCampaignNow(db, settings, {
      organisation: org, periode: state.mois, canal: state.canal, compteId: state.compteId, outDir,
      source: { separations: join(source, 'caf_separations.csv'), allocataires: join(source, 'caf_allocataires.csv') },
    });
    state.statut = 'termine';
    state.reprise = null;
  } catch (error) {
    if (error instanceof CampaignInputError) {
      state.statut = 'echec';
      state.erreur = error.message.replaceAll(source + '/', '').replaceAll(source, 'le dossier des fichiers');
    } else {
      log(`Campagne ${id} : erreur interne à l'essai ${state.essais} : ${(error as Error).message}`);
      retry = afterInternalError(state, state.essais, MAX_ATTEMPTS, {
        retrying: 'La campagne a rencontré une erreur interne', failed: 'La campagne a échoué sur une erreur interne.',
      });
    }
  }
  const done = finished(state);
  // The extracts hold NIRs: they go when the campaign ends for good, not before a rerun.
  if (done) {
    await rm(source, { recursive: true, force: true });
    await rm(outDir, { recursive: true, force: true });
    state.termineLe = new Date().toISOString();
  }
  await jobsRepository.finishRun(db, state.execution, {
    statut: state.statut === 'termine' ? 'reussie' : 'echouee',
    message: state.statut === 'termine'
      ? `Campagne séparation ${state.mois} de ${org} terminée : ${String(state.resultat?.campagne.ajoutes ?? 0)} personne(s) ajoutée(s).`
      : (state.erreur ?? state.reprise ?? 'Échec de la campagne.'),
    resultat: { ...params, essai: state.essais, ...(state.resultat ? { ajoutes: state.resultat.campagne.ajoutes, courrielsPrepares: state.resultat.campagne.courrielsPrepares } : {}) },
  }).catch(() => {});
  await store.save(state);
  if (retry) throw new Error(`Campagne ${id} : nouvel essai après une erreur interne.`);
  return state;
}

/** Registers the worker of `campagne-separation` after queuing again the campaigns left unfinished. */
export async function startWebCampaignWorker(database: Database, queue: JobQueue, dataDir: string, settings: MailSettings,
  options: WebCycleWorkerOptions = {}): Promise<{ resumed: number }> {
  const db = database.db;
  const store = new CampaignStore(new ExchangeStore(dataDir));
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  await queue.declare(WEB_CAMPAIGN_JOB, { policy: 'exclusive' });
  if (options.takeOverActive ?? database.kind === 'pglite') {
    await queue.fail(WEB_CAMPAIGN_JOB, (await queue.jobs(WEB_CAMPAIGN_JOB)).filter((j) => j.state === 'active').map((j) => j.id), 'interrompu par un redémarrage du serveur');
  }
  let resumed = 0;
  for (const state of await store.all()) {
    if (finished(state)) continue;
    const jobs = (await queue.jobs(WEB_CAMPAIGN_JOB, { key: state.id })).filter((j) => ['created', 'retry', 'active'].includes(j.state));
    if (jobs.some((j) => j.state === 'active')) continue;
    const close = async (erreur: string) => {
      await rm(store.sourceDir(state.organisation, state.id), { recursive: true, force: true });
      await store.save({ ...state, statut: 'echec', erreur, reprise: null, termineLe: new Date().toISOString() });
    };
    if (!(await stat(store.sourceDir(state.organisation, state.id)).then(() => true, () => false))) {
      await close('La campagne a été interrompue et ses fichiers ne sont plus sur le serveur : relancez-la en les déposant à nouveau.');
      continue;
    }
    if (state.essais >= MAX_ATTEMPTS) {
      await close(`La campagne a été interrompue ${state.essais} fois sans aboutir : relancez-la ; si cela se reproduit, signalez-le à l’administrateur.`);
      continue;
    }
    if (state.debuteLe) await store.save({ ...state, statut: 'en_attente', reprise: resumeMessage(state.essais + 1) });
    if (jobs.length === 0) await queue.send(WEB_CAMPAIGN_JOB, jobData(store, dataDir, state), sendOptions(state.id, options));
    resumed++;
  }
  await queue.work<{ organisation?: unknown; campagne?: unknown; dossier?: unknown }>(WEB_CAMPAIGN_JOB, async (data, job) => {
    if (typeof data.organisation !== 'string' || typeof data.campagne !== 'string') return { resultat: 'ignore' };
    if (data.dossier !== relative(dataDir, store.sourceDir(data.organisation, data.campagne))) return { resultat: 'ignore' };
    const state = await attempt(db, store, settings, data.organisation, data.campagne, job.id, options, log);
    return { campagne: data.campagne, statut: state?.statut ?? 'introuvable', essais: state?.essais ?? 0 };
  });
  workers.set(db, { queue, options, dataDir });
  return { resumed };
}
