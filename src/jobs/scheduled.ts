/**
 * Starts the job queue with Passerelle's scheduled jobs (src/jobs/definitions.ts): a worker and a
 * cron schedule (Europe/Paris) for each. The server calls it after `openInstance` and stops it
 * before closing the database.
 */
import type { Database } from '../db/index.ts';
import { DESTRUCTION_JOB, JOBS, JobFailed, runJob, type JobConfig } from './definitions.ts';
import { startJobQueue, type JobQueue, type JobQueueOptions } from './queue.ts';

export interface RunningJobs {
  queue: JobQueue;
  stop(): Promise<void>;
}

export async function startScheduledJobs(database: Database, config: JobConfig, options: JobQueueOptions = {}): Promise<RunningJobs> {
  const queue = await startJobQueue(database, options);
  try {
    for (const job of JOBS) {
      // exclusive: at most one run of a job queued or running at a time
      await queue.declare(job.name, { policy: 'exclusive' });
      await queue.work(job.name, async (data, info) => {
        const outcome = await runJob(database.db, config, job.name, { trigger: 'planifie', params: data, fileId: info.id });
        if (!outcome.ok) throw new JobFailed(outcome.message, outcome.runId, outcome.resultat);
        return { execution: outcome.runId, ...outcome.resultat };
      });
      // missed 'once': a server that was down at the scheduled time runs the job once when it starts again
      await queue.schedule(job.name, job.cron, {}, { retryLimit: job.retryLimit, retryDelay: job.retryDelaySeconds, missed: 'once' });
    }
  } catch (error) {
    await queue.stop();
    throw error;
  }
  return { queue, stop: () => queue.stop() };
}

/** Queues one destruction run now (server start): catches up what passed its deadline while the server was down. Null when one is already queued. */
export async function catchUpDestruction(jobs: RunningJobs): Promise<string | null> {
  return jobs.queue.send(DESTRUCTION_JOB, {});
}
