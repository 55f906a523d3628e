import type { Kysely } from 'kysely';
import { runScript } from '../script.ts';

/**
 * Jobs: one row per run of a Passerelle job (scheduled by the queue, or started by hand with
 * `npx passerelle jobs run`), so that runs stay visible whatever the queue keeps. The message is
 * French, for an operator, and never carries personal data; the result holds counts only.
 * pg-boss's own tables live in the `pgboss` schema, which pg-boss creates and migrates itself.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
    CREATE TABLE executions_taches (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tache text NOT NULL,
      declenchement text NOT NULL CHECK (declenchement IN ('planifie', 'manuel')),
      parametres jsonb NOT NULL DEFAULT '{}',
      statut text NOT NULL DEFAULT 'en_cours' CHECK (statut IN ('en_cours', 'reussie', 'echouee')),
      debut timestamptz NOT NULL DEFAULT now(),
      fin timestamptz,
      message text CHECK (message IS NULL OR length(message) <= 2000),
      resultat jsonb NOT NULL DEFAULT '{}',
      file_id text
    );
    CREATE INDEX executions_taches_debut ON executions_taches (debut DESC);
    CREATE INDEX executions_taches_tache ON executions_taches (tache, debut DESC);
  `);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `DROP TABLE executions_taches;`);
}
