/**
 * Who delivers the outbox: the job queue's worker for `courriel.envoi` (pg-boss, retries with
 * exponential back-off), one per database. Without a queue (a CLI run, or before the queue is
 * started), messages stay `en_attente` in the outbox and are queued when a worker starts
 * (`startMailWorker` re-queues every waiting message, one job per message thanks to a singleton key).
 */
import type { Kysely } from 'kysely';
import type { Database, DB } from '../db/index.ts';
import type { JobQueue } from '../jobs/index.ts';
import { deliverOfferEmail, MAIL_QUEUE, RetryableMailError, type MailSettings } from './mail.ts';
import { pendingOutboxIds } from './repository.ts';

interface Dispatcher { queue: JobQueue; settings: MailSettings }
const dispatchers = new WeakMap<Kysely<DB>, Dispatcher>();

function jobOptions(settings: MailSettings, id: string) {
  return { retryLimit: Math.max(0, settings.maxAttempts - 1), retryDelay: settings.retryDelaySeconds, retryBackoff: true, singletonKey: id };
}

/**
 * How the worker takes the outbox: `batchSize` jobs per fetch (fetching again at once while the
 * queue holds more), `concurrency` messages handed to the SMTP server at the same time. Each
 * message keeps its own job: its own retries with back-off and its own outcome event.
 */
export interface MailWorkerOptions { batchSize?: number; concurrency?: number }

/** Defaults: a few hundred messages go out in seconds without opening more than 5 SMTP connections. */
export const MAIL_WORKER_DEFAULTS = { batchSize: 20, concurrency: 5 } as const;

/** Registers the worker of `courriel.envoi` on the queue and queues the messages left waiting. Returns how many were re-queued. */
export async function startMailWorker(database: Database, queue: JobQueue, settings: MailSettings, options: MailWorkerOptions = {}): Promise<number> {
  const db = database.db;
  const batchSize = options.batchSize ?? MAIL_WORKER_DEFAULTS.batchSize;
  const concurrency = options.concurrency ?? Math.min(batchSize, MAIL_WORKER_DEFAULTS.concurrency);
  await queue.work<{ id?: unknown }>(MAIL_QUEUE, async (data, job) => {
    if (typeof data.id !== 'string') return { resultat: 'ignore' };
    try {
      return { resultat: await deliverOfferEmail(db, settings, data.id, job.retryCount + 1) };
    } catch (error) {
      // The message (French, no address) is what pg-boss stores as the job's output.
      // eslint-disable-next-line preserve-caught-error -- on purpose: only the message goes to the job's output, not the cause
      if (error instanceof RetryableMailError) throw new Error(error.message);
      throw error;
    }
  }, { batchSize, concurrency });
  dispatchers.set(db, { queue, settings });
  let n = 0;
  for (const id of await pendingOutboxIds(db)) {
    if (await queue.send(MAIL_QUEUE, { id }, jobOptions(settings, id))) n++;
  }
  return n;
}

/** Queues the delivery of outbox messages; false when no worker runs yet (they wait in the outbox). */
export async function queueDelivery(db: Kysely<DB>, ids: readonly string[]): Promise<boolean> {
  const d = dispatchers.get(db);
  if (!d) return false;
  for (const id of ids) await d.queue.send(MAIL_QUEUE, { id }, jobOptions(d.settings, id));
  return true;
}

export function hasMailWorker(db: Kysely<DB>): boolean {
  return dispatchers.has(db);
}
