/**
 * Passerelle's scheduled jobs and how a run is recorded. A job is a function of the database, the
 * configuration and the time; `runJob` records every run in `executions_taches` (started, succeeded
 * or failed with a French reason, counts only), whether the queue or an operator started it.
 */
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { DB } from '../db/index.ts';
import { anchorAuditHead, destroyExpiredContacts } from '../privacy/index.ts';
import { isIsoMonth } from '../programmes/index.ts';
import { runMonthlyCycle } from './monthly-cycle.ts';
import { jobsRepository, type RunTrigger } from './repository.ts';
import { JOB_TIMEZONE } from './queue.ts';

export type JobConfig = Pick<Config, 'depotDir' | 'outboxDir'> & Partial<Pick<Config, 'sendTimeoutMs' | 'dataDir'>>;

export interface JobOutcome {
  ok: boolean;
  /** French, for an operator; never personal data. */
  message: string;
  /** Counts and identifiers only. */
  resultat: Record<string, unknown>;
}

export interface JobContext {
  db: Kysely<DB>;
  config: JobConfig;
  now: Date;
  params: Record<string, unknown>;
}

export interface JobDefinition {
  name: string;
  title: string;
  /** Five-field cron, Europe/Paris. */
  cron: string;
  when: string;
  retryLimit: number;
  retryDelaySeconds: number;
  /** Validates the parameters given by hand (`jobs run NAME --mois …`); throws a French message. */
  params(raw: { month?: string; date?: string }): Record<string, unknown>;
  run(context: JobContext): Promise<JobOutcome>;
}

/** A job that ran to its end but failed (missing extract…): the queue marks it failed, the run is recorded. */
export class JobFailed extends Error {
  readonly runId: string;
  readonly resultat: Record<string, unknown>;
  constructor(message: string, runId: string, resultat: Record<string, unknown>) {
    super(message);
    this.runId = runId;
    this.resultat = resultat;
  }
}

/** Calendar date and month in Paris of an instant. */
export function parisDay(at: Date): { date: string; month: string; previousMonth: string } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: JOB_TIMEZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  const y = Number(get('year'));
  const m = Number(get('month'));
  const previous = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, month: `${get('year')}-${get('month')}`, previousMonth: previous };
}

export const DESTRUCTION_JOB = 'destruction-quotidienne';
export const MONTHLY_CYCLE_JOB = 'cycle-mensuel';

/**
 * Runs started from the web pages, queued by the server (not scheduled): their runs are recorded
 * in executions_taches with the trigger `web` (src/server/web-cycles.ts).
 */
export const WEB_CYCLE_JOB = 'cycle-televerse';
export const WEB_CAMPAIGN_JOB = 'campagne-separation';
export const WEB_JOBS: readonly { name: string; title: string }[] = [
  { name: WEB_CYCLE_JOB, title: 'Cycle lancé depuis la page « Échanges » sur un extrait téléversé (repris après un redémarrage du serveur)' },
  { name: WEB_CAMPAIGN_JOB, title: 'Campagne « séparation » lancée depuis la page de la Caf (reprise après un redémarrage du serveur)' },
];

const destruction: JobDefinition = {
  name: DESTRUCTION_JOB,
  title: 'Destruction des données arrivées à échéance',
  // hourly, and once at server start (catchUpDestruction): what passed its deadline while the server was down goes within the hour
  cron: '30 * * * *',
  when: 'toutes les heures (à la demie) et au démarrage du serveur',
  retryLimit: 3,
  retryDelaySeconds: 15 * 60,
  params(raw) {
    if (raw.month) throw new Error('La destruction quotidienne prend une date (--date AAAA-MM-JJ), pas un mois.');
    if (raw.date && !/^\d{4}-\d{2}-\d{2}$/.test(raw.date)) throw new Error(`Date invalide : « ${raw.date} » ; AAAA-MM-JJ attendue.`);
    return raw.date ? { date: raw.date } : {};
  },
  async run({ db, config, now, params }) {
    const date = typeof params.date === 'string' ? params.date : parisDay(now).date;
    const r = await destroyExpiredContacts(db, { today: date });
    // each run also anchors the audit trail's signed head (table and data folder file)
    const ancre = await anchorAuditHead(db, { source: 'destruction', ...(config.dataDir ? { dataDir: config.dataDir } : {}) });
    const paquets = r.groupes.filter((g) => g.paquet !== null).length;
    return {
      ok: true,
      message: r.total === 0
        ? `Aucune donnée à détruire au ${date}.`
        : `${r.total} contact(s) détruit(s) au ${date} dans ${r.groupes.length} groupe(s) (${paquets} paquet(s)) ; preuves de destruction écrites au journal d'audit.`,
      resultat: {
        date, total: r.total, ...(ancre ? { ancre: { nombre: ancre.tete.nombre, dernierId: ancre.tete.dernierId } } : {}),
        groupes: r.groupes.map((g) => ({ organisation: g.organisation, programme: g.programme, paquet: g.paquet, nombre: g.nombre })),
      },
    };
  },
};

const monthlyCycle: JobDefinition = {
  name: MONTHLY_CYCLE_JOB,
  title: 'Cycle mensuel des échanges (extraits déposés → paquets → organismes destinataires)',
  cron: '0 6 5 * *',
  when: 'le 5 de chaque mois à 06:00 (heure de Paris), pour le mois précédent',
  retryLimit: 0,
  retryDelaySeconds: 0,
  params(raw) {
    if (raw.date) throw new Error('Le cycle mensuel prend un mois (--mois AAAA-MM), pas une date.');
    if (raw.month && !isIsoMonth(raw.month)) throw new Error(`Mois invalide : « ${raw.month} » ; AAAA-MM attendu (ex. 2026-11).`);
    return raw.month ? { month: raw.month } : {};
  },
  async run({ db, config, now, params }) {
    const periode = typeof params.month === 'string' ? params.month : parisDay(now).previousMonth;
    const r = await runMonthlyCycle(db, {
      periode, depotDir: config.depotDir, outboxDir: config.outboxDir, now, sendTimeoutMs: config.sendTimeoutMs,
      programme: typeof params.programme === 'string' ? params.programme : undefined,
    });
    const acquittes = r.livraisons.filter((l) => l.statut === 'acquitte').length;
    const lines = [
      ...r.expediteurs.map((e) => e.message),
      r.livraisons.length ? `${acquittes} paquet(s) livré(s) et acquitté(s) sur ${r.livraisons.length}.` : '',
      ...r.problemes.filter((p) => !r.expediteurs.some((e) => e.message === p)),
    ].filter(Boolean);
    return {
      ok: r.problemes.length === 0,
      message: `Cycle mensuel ${periode} : ${lines.join(' ')}`,
      resultat: {
        periode,
        expediteurs: r.expediteurs.map(({ message: _m, rapport: _r, ...counts }) => counts),
        livraisons: r.livraisons.map(({ message: _m, ...rest }) => rest),
        problemes: r.problemes.length,
      },
    };
  },
};

export const JOBS: readonly JobDefinition[] = [destruction, monthlyCycle];

export function findJob(name: string): JobDefinition | undefined {
  return JOBS.find((j) => j.name === name);
}

/**
 * Runs a job now and records the run. Returns the outcome; a failed outcome or an unexpected error
 * is recorded as `echouee` with its reason (an unexpected error is rethrown after being recorded).
 */
export async function runJob(db: Kysely<DB>, config: JobConfig, name: string,
  options: { trigger: RunTrigger; params?: Record<string, unknown>; fileId?: string | null; now?: Date }): Promise<JobOutcome & { runId: string }> {
  const job = findJob(name);
  if (!job) throw new Error(`Tâche inconnue : « ${name} » ; tâches : ${JOBS.map((j) => j.name).join(', ')}.`);
  const now = options.now ?? new Date();
  const params = options.params ?? {};
  const runId = await jobsRepository.startRun(db, { tache: name, declenchement: options.trigger, parametres: params, fileId: options.fileId ?? null });
  let outcome: JobOutcome;
  try {
    outcome = await job.run({ db, config, now, params });
  } catch (error) {
    await jobsRepository.finishRun(db, runId, { statut: 'echouee', message: `Erreur inattendue : ${(error as Error).message}`, resultat: {} });
    throw error;
  }
  await jobsRepository.finishRun(db, runId, { statut: outcome.ok ? 'reussie' : 'echouee', message: outcome.message, resultat: outcome.resultat });
  return { ...outcome, runId };
}
