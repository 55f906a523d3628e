import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Web-started runs: a cycle started from the exchange officer's page goes through the job queue
 * (`cycle-televerse`) and has its row in `executions_taches` like the scheduled jobs, with the
 * trigger `web` (besides `planifie` and `manuel`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    ALTER TABLE executions_taches DROP CONSTRAINT IF EXISTS executions_taches_declenchement_check;
    ALTER TABLE executions_taches ADD CONSTRAINT executions_taches_declenchement_check
      CHECK (declenchement IN ('planifie', 'manuel', 'web'));
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    DELETE FROM executions_taches WHERE declenchement = 'web';
    ALTER TABLE executions_taches DROP CONSTRAINT IF EXISTS executions_taches_declenchement_check;
    ALTER TABLE executions_taches ADD CONSTRAINT executions_taches_declenchement_check
      CHECK (declenchement IN ('planifie', 'manuel'));
  `);
}
