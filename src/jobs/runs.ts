/**
 * A batch command's run, recorded like a job's (table executions_taches, trigger `commande` or
 * `web`): a row when it starts — so a run killed half-way shows as interrupted — and its end with
 * counts only (never personal data). The effects themselves are idempotent (docs/reliability.md):
 * the rerun of an interrupted run resumes it.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { jobsRepository } from './repository.ts';

export interface RecordedOutcome<T> {
  value: T;
  ok: boolean;
  /** French, for an operator; never personal data. */
  message: string;
  resultat: Record<string, unknown>;
}

export async function recordedRun<T>(db: Kysely<DB>, run: { tache: string; declenchement: 'commande' | 'web'; parametres: Record<string, unknown> },
  body: () => Promise<RecordedOutcome<T>>): Promise<T> {
  const id = await jobsRepository.startRun(db, run);
  let outcome: RecordedOutcome<T>;
  try {
    outcome = await body();
  } catch (error) {
    await jobsRepository.finishRun(db, id, { statut: 'echouee', message: `Échec : ${(error as Error).message}`.slice(0, 500), resultat: {} });
    throw error;
  }
  await jobsRepository.finishRun(db, id, { statut: outcome.ok ? 'reussie' : 'echouee', message: outcome.message, resultat: outcome.resultat });
  return outcome.value;
}
