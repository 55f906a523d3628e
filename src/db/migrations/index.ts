import type { Migration } from 'kysely';
import * as territories from './20261124_0001_territories.ts';
import * as accounts from './20261124_0002_accounts.ts';
import * as audit from './20261124_0003_audit.ts';
import * as exchange from './20261124_0004_exchange.ts';
import * as outreach from './20261124_0005_outreach.ts';

/** Every migration, in order. Names are timestamped; the last applied name is the schema version. */
export const migrations: Record<string, Migration> = {
  '20261124_0001_territories': territories,
  '20261124_0002_accounts': accounts,
  '20261124_0003_audit': audit,
  '20261124_0004_exchange': exchange,
  '20261124_0005_outreach': outreach,
};
