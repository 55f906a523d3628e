/**
 * The job queue: a thin wrapper over pg-boss 12, the same code on the embedded engine (PGlite) and
 * on PostgreSQL. pg-boss keeps its tables in its own schema `pgboss`, which it creates and migrates
 * itself on start (it is not part of the application's migrations). See docs/jobs.md.
 *
 * PGlite is ONE connection shared by the whole process. The application reaches it through Kysely,
 * whose PGlite driver serialises access: a transaction holds the connection from BEGIN to COMMIT.
 * pg-boss's own `fromPglite` adapter would talk to PGlite directly and could land its statements
 * (including its own `BEGIN … COMMIT` blocks) in the middle of an application transaction. So every
 * pg-boss statement first takes the Kysely connection (`db.connection().execute`), then runs through
 * `fromPglite` (which handles pg-boss's multi-statement SQL with `exec()`): pg-boss waits for the
 * application's transactions and the application waits for pg-boss's statements.
 * Consequence: a job handler must not call `send` from inside an open database transaction (on
 * PGlite that would wait for the connection its own transaction holds).
 */
import { PgBoss, fromPglite, type Db as IDatabase, type Job, type JobResult } from 'pg-boss';
import type { Database } from '../db/index.ts';

export const JOB_TIMEZONE = 'Europe/Paris';

export interface JobQueueOptions {
  /** Run the cron schedules (default true). A second process (CLI) can start a queue without them. */
  schedules?: boolean;
  /** Seconds between two polls of a worker for new jobs (default 2). */
  pollingIntervalSeconds?: number;
  /** Time zone of the cron expressions (default Europe/Paris). */
  timezone?: string;
  /** Where the queue reports its errors (never job data). Default: stderr. */
  log?: (message: string) => void;
}

export interface SendOptions {
  retryLimit?: number;
  /** Seconds before a retry. */
  retryDelay?: number;
  retryBackoff?: boolean;
  /** At most one queued-or-active job with this key (per queue). */
  singletonKey?: string;
  /** Seconds before the job is failed as expired (default 15 minutes). */
  expireInSeconds?: number;
  /**
   * Seconds (at least 10) within which the worker must show it is alive: the worker refreshes the
   * job by itself while its handler runs; a job whose worker died (process killed) is failed, and
   * retried, once this passes (checked at pg-boss's supervision, every minute).
   */
  heartbeatSeconds?: number;
}

export interface JobInfo {
  id: string;
  name: string;
  retryCount: number;
}

export type JobHandler<T = Record<string, unknown>> = (data: T, job: JobInfo) => Promise<unknown>;

/** How a worker takes its jobs. The default (one job per poll) suits rare, long jobs; a batch suits many short ones (e-mails). */
export interface WorkOptions {
  /**
   * Jobs fetched at each poll (default 1). Above 1, the worker fetches again at once while a
   * batch comes back full (no polling pause during a burst), and every job of a batch still
   * succeeds, fails and retries (with its own back-off) on its own: one failing job never fails
   * the others.
   */
  batchSize?: number;
  /** Handlers of a batch running at the same time (default: batchSize; 1 runs a batch in order). */
  concurrency?: number;
}

/**
 * pg-boss queue policies: `standard` (default: every send queues a job — a singletonKey alone does
 * NOT deduplicate), `exclusive` (at most one job queued-or-active per singletonKey; keyless jobs
 * share one key), `short` (at most one queued per key), `singleton` (one active per key), `stately`.
 */
export type QueuePolicy = 'standard' | 'short' | 'singleton' | 'stately' | 'exclusive';

export interface JobQueue {
  /** Creates the queue with a policy (before any send/work/schedule on it); default policy: standard. */
  declare(name: string, options: { policy: QueuePolicy }): Promise<void>;
  /** Queues a job; returns its id, or null when a job with the same singletonKey is already waiting. */
  send(name: string, data?: object | null, options?: SendOptions): Promise<string | null>;
  /**
   * Processes the jobs of this queue with `handler`: one at a time by default, or by batches of
   * `batchSize` with `concurrency` handlers at once; a thrown error fails (and retries) that job.
   */
  work<T = Record<string, unknown>>(name: string, handler: JobHandler<T>, options?: WorkOptions): Promise<void>;
  /** Sends a job on every occurrence of `cron` (five fields, in Europe/Paris time by default). */
  schedule(name: string, cron: string, data?: object | null, options?: SendOptions & {
    /** Occurrences missed while no instance ran (server down at 02:30): 'skip' (default) or 'once' (one job for the latest, at start). */
    missed?: 'skip' | 'once';
  }): Promise<void>;
  /** The state of one job (tests, CLI). */
  job(name: string, id: string): Promise<{ state: string; output: unknown } | null>;
  /** The jobs of a queue, optionally only those with a singletonKey (oldest first). */
  jobs(name: string, filter?: { key?: string }): Promise<Array<{ id: string; state: string; retryCount: number; retryLimit: number; singletonKey: string | null }>>;
  /** Fails jobs now (they are retried if their retryLimit allows it): for jobs left active by a dead process. */
  fail(name: string, ids: string[], reason: string): Promise<void>;
  /** The schedules recorded in the database. */
  schedules(): Promise<Array<{ name: string; cron: string; timezone: string }>>;
  /**
   * Stops the workers (waiting for the running jobs, at most `timeoutMs`) and the queue. With
   * `graceful: false` it does not wait: running jobs stay active in the database, as after a crash.
   */
  stop(timeoutMs?: number, options?: { graceful?: boolean }): Promise<void>;
  readonly boss: PgBoss;
}

/** pg-boss over the application's own PGlite connection, serialised with Kysely (see the header). */
function embeddedAdapter(database: Database): IDatabase {
  const pglite = database.pglite;
  if (!pglite) throw new Error('File de tâches : la base embarquée n’expose pas son moteur PGlite.');
  const inner = fromPglite(pglite);
  return {
    executeSql: (text, values) => database.db.connection().execute(() => inner.executeSql(text, values)),
    setSessionStatements: inner.setSessionStatements
      ? (statements: string[]) => database.db.connection().execute(() => inner.setSessionStatements!(statements))
      : undefined,
  };
}

export async function startJobQueue(database: Database, options: JobQueueOptions = {}): Promise<JobQueue> {
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const timezone = options.timezone ?? JOB_TIMEZONE;
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 2;
  const common = {
    schedule: options.schedules ?? true,
    // Quiet maintenance: no instance registry heartbeat, no vacuum/index checks (PGlite has no
    // autovacuum and would warn forever), no persisted warnings.
    registerInstance: false,
    monitorVacuum: false,
    reindex: false,
    persistWarnings: false,
  } as const;
  let boss: PgBoss;
  if (database.kind === 'pglite') {
    boss = new PgBoss({ db: embeddedAdapter(database), backend: 'pglite', ...common });
  } else {
    if (!database.url) throw new Error('File de tâches : adresse PostgreSQL inconnue.');
    boss = new PgBoss({ connectionString: database.url, max: 3, application_name: 'passerelle-taches', ...common });
  }
  boss.on('error', (error: Error) => log(`File de tâches : ${error.message}`));
  await boss.start();

  const queues = new Set<string>();
  const ensureQueue = async (name: string, policy: QueuePolicy = 'standard') => {
    if (queues.has(name)) return;
    const existing = await boss.getQueue(name);
    if (!existing) await boss.createQueue(name, { policy });
    else if (existing.policy !== policy && policy !== 'standard') {
      throw new Error(`File de tâches : la file « ${name} » existe déjà avec la politique ${existing.policy}, pas ${policy}.`);
    }
    queues.add(name);
  };
  const jobOptions = (o: SendOptions = {}) => ({
    ...(o.retryLimit !== undefined ? { retryLimit: o.retryLimit } : {}),
    ...(o.retryDelay !== undefined ? { retryDelay: o.retryDelay } : {}),
    ...(o.retryBackoff !== undefined ? { retryBackoff: o.retryBackoff } : {}),
    ...(o.singletonKey !== undefined ? { singletonKey: o.singletonKey } : {}),
    ...(o.expireInSeconds !== undefined ? { expireInSeconds: o.expireInSeconds } : {}),
    ...(o.heartbeatSeconds !== undefined ? { heartbeatSeconds: o.heartbeatSeconds } : {}),
  });

  return {
    boss,
    async declare(name, { policy }) {
      await ensureQueue(name, policy);
    },
    async send(name, data, options) {
      await ensureQueue(name);
      return boss.send(name, data ?? {}, jobOptions(options));
    },
    async work(name, handler, workOptions = {}) {
      await ensureQueue(name);
      const batchSize = Math.max(1, Math.floor(workOptions.batchSize ?? 1));
      const info = (job: Job<any>): JobInfo => ({ id: job.id, name: job.name, retryCount: job.retryCount });
      if (batchSize === 1) {
        await boss.work(name, { batchSize: 1, pollingIntervalSeconds }, async (jobs: Job<any>[]) => {
          const results = [];
          for (const job of jobs) results.push(await handler(job.data, info(job)));
          return results.length === 1 ? results[0] : results;
        });
        return;
      }
      const concurrency = Math.max(1, Math.min(batchSize, Math.floor(workOptions.concurrency ?? batchSize)));
      // perJobResults: pg-boss settles each job of the batch by itself (completed, or failed and
      // retried with its own retry count and back-off); burstWhenBatchFull: no pause while the
      // queue has more than a batch waiting.
      await boss.work(name, { batchSize, pollingIntervalSeconds, burstWhenBatchFull: true, perJobResults: true }, async (jobs: Job<any>[]) => {
        const results: JobResult[] = new Array(jobs.length);
        let next = 0;
        const lane = async () => {
          for (let i = next++; i < jobs.length; i = next++) {
            const job = jobs[i]!;
            try {
              results[i] = { id: job.id, status: 'completed', output: await handler(job.data, info(job)) };
            } catch (error) {
              results[i] = { id: job.id, status: 'failed', output: error };
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, lane));
        return results;
      });
    },
    async schedule(name, cron, data, options) {
      await ensureQueue(name);
      await boss.schedule(name, cron, data ?? {}, { ...jobOptions(options), tz: timezone, ...(options?.missed ? { missed: options.missed } : {}) });
    },
    async job(name, id) {
      const job = await boss.getJobById<any>(name, id);
      if (!job) return null;
      return { state: job.state, output: (job as unknown as { output?: unknown }).output ?? null };
    },
    async jobs(name, filter = {}) {
      await ensureQueue(name);
      const found = await boss.findJobs<unknown>(name, filter.key !== undefined ? { key: filter.key } : {});
      return found.map((j) => ({ id: j.id, state: j.state, retryCount: j.retryCount, retryLimit: j.retryLimit, singletonKey: j.singletonKey }));
    },
    async fail(name, ids, reason) {
      if (ids.length > 0) await boss.fail(name, ids, { message: reason });
    },
    async schedules() {
      return (await boss.getSchedules()).map((s) => ({ name: s.name, cron: s.cron, timezone: s.timezone }));
    },
    async stop(timeoutMs = 10_000, { graceful = true } = {}) {
      // close: pg-boss closes only a pool it opened itself (PostgreSQL); the PGlite connection stays ours.
      await boss.stop({ graceful, timeout: timeoutMs, close: true });
    },
  };
}
