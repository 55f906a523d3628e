import type { Migration } from 'kysely';
import * as territories from './20261124_0001_territories.ts';
import * as accounts from './20261124_0002_accounts.ts';
import * as audit from './20261124_0003_audit.ts';
import * as exchange from './20261124_0004_exchange.ts';
import * as outreach from './20261124_0005_outreach.ts';
import * as transport from './20261124_0006_transport.ts';
import * as mail from './20261124_0007_mail.ts';
import * as jobs from './20261124_0008_jobs.ts';
import * as outreachWorklists from './20261124_0009_outreach_worklists.ts';
import * as indicators from './20261124_0010_indicators.ts';
import * as oppositions from './20261124_0011_oppositions.ts';
import * as signalements from './20261205_0013_signalements.ts';
import * as cohorts from './20261205_0014_cohorts.ts';
import * as auditKeyed from './20261205_0015_audit_keyed.ts';
import * as vocabulaires from './20261205_0017_vocabulaires.ts';
import * as webRuns from './20261206_0021_web_runs.ts';

/** Every migration, in order. Names are timestamped; the last applied name is the schema version. */
export const migrations: Record<string, Migration> = {
  '20261124_0001_territories': territories,
  '20261124_0002_accounts': accounts,
  '20261124_0003_audit': audit,
  '20261124_0004_exchange': exchange,
  '20261124_0005_outreach': outreach,
  '20261124_0006_transport': transport,
  '20261124_0007_mail': mail,
  '20261124_0008_jobs': jobs,
  '20261124_0009_outreach_worklists': outreachWorklists,
  '20261124_0010_indicators': indicators,
  '20261124_0011_oppositions': oppositions,
  '20261205_0013_signalements': signalements,
  '20261205_0014_cohorts': cohorts,
  '20261205_0015_audit_keyed': auditKeyed,
  '20261205_0017_vocabulaires': vocabulaires,
  '20261206_0021_web_runs': webRuns,
};
