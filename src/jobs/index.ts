/**
 * Jobs context, front door: the job queue (pg-boss on PGlite or PostgreSQL), Passerelle's scheduled
 * jobs (daily destruction, monthly cycle) and the record of their runs. See docs/jobs.md.
 */
export {
  startJobQueue, JOB_TIMEZONE,
  type JobQueue, type JobQueueOptions, type QueuePolicy, type JobHandler, type JobInfo, type SendOptions, type WorkOptions,
} from './queue.ts';
export {
  JOBS, DESTRUCTION_JOB, MONTHLY_CYCLE_JOB, WEB_CYCLE_JOB, WEB_CAMPAIGN_JOB, WEB_JOBS, JobFailed, findJob, parisDay, runJob,
  type JobConfig, type JobContext, type JobDefinition, type JobOutcome,
} from './definitions.ts';
export { runMonthlyCycle, cycleSenders, type MonthlyCycleOptions, type MonthlyCycleReport, type SenderReport, type DeliveryReport } from './monthly-cycle.ts';
export { startScheduledJobs, catchUpDestruction, type RunningJobs } from './scheduled.ts';
export { jobsRepository, type JobRun, type RunStatus, type RunTrigger } from './repository.ts';
export { recordedRun, type RecordedOutcome } from './runs.ts';
