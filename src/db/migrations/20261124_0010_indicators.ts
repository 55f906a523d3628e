import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Indicators: the funnel query (src/indicators/repository.ts) reduces a cohort's events to one row per person and
 * joins them to the cohort's contacts. Both sides are read by (organisation_code, programme, periode); these covering
 * indexes carry the other columns the query needs, so a cohort of thousands of people and tens of thousands of
 * events is counted from the indexes alone (index-only scans) wherever the events were written over the months.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    CREATE INDEX evenements_entonnoir ON evenements (organisation_code, programme, periode) INCLUDE (contact_id, code);
    CREATE INDEX contacts_entonnoir ON contacts (organisation_code, programme, periode) INCLUDE (id, appelable)
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    DROP INDEX contacts_entonnoir;
    DROP INDEX evenements_entonnoir
  `);
}
