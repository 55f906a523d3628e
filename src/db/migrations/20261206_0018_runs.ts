import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Runs of every batch (issue 10): besides the scheduled jobs and those started by hand, the batch
 * commands (`commande`: cycle, import, outcomes, campaign, signalements) and the runs started from
 * the web app (`web`) have their row. `processus` (host and pid) lets a reader tell a run still
 * going from one whose process died (shown as interrupted; its rerun resumes it).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    ALTER TABLE executions_taches DROP CONSTRAINT IF EXISTS executions_taches_declenchement_check;
    ALTER TABLE executions_taches ADD CONSTRAINT executions_taches_declenchement_check
      CHECK (declenchement IN ('planifie', 'manuel', 'commande', 'web'));
    ALTER TABLE executions_taches ADD COLUMN processus text CHECK (processus IS NULL OR length(processus) <= 300);
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    ALTER TABLE executions_taches DROP COLUMN processus;
    DELETE FROM executions_taches WHERE declenchement IN ('commande', 'web');
    ALTER TABLE executions_taches DROP CONSTRAINT executions_taches_declenchement_check;
    ALTER TABLE executions_taches ADD CONSTRAINT executions_taches_declenchement_check CHECK (declenchement IN ('planifie', 'manuel'));
  `);
}
