/** SQL of the jobs context: the runs of Passerelle jobs (table executions_taches, migration 0008). */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';

export type RunTrigger = 'planifie' | 'manuel' | 'web';
export type RunStatus = 'en_cours' | 'reussie' | 'echouee';

export interface JobRun {
  id: string;
  tache: string;
  declenchement: RunTrigger;
  parametres: Record<string, unknown>;
  statut: RunStatus;
  debut: Date;
  fin: Date | null;
  message: string | null;
  resultat: Record<string, unknown>;
  fileId: string | null;
}

const asObject = (v: unknown): Record<string, unknown> => (typeof v === 'string' ? JSON.parse(v) : (v ?? {})) as Record<string, unknown>;

export const jobsRepository = {
  async startRun(db: Kysely<DB>, run: { tache: string; declenchement: RunTrigger; parametres: Record<string, unknown>; fileId?: string | null; debut?: Date }): Promise<string> {
    const row = await db.insertInto('executions_taches').values({
      tache: run.tache, declenchement: run.declenchement, parametres: JSON.stringify(run.parametres), file_id: run.fileId ?? null,
      ...(run.debut ? { debut: run.debut } : {}),
    }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  },

  async finishRun(db: Kysely<DB>, id: string, end: { statut: 'reussie' | 'echouee'; message: string; resultat: Record<string, unknown> }): Promise<void> {
    await db.updateTable('executions_taches').set({
      statut: end.statut, fin: sql<Date>`now()`, message: end.message.slice(0, 2000), resultat: JSON.stringify(end.resultat),
    }).where('id', '=', id).execute();
  },

  async recentRuns(db: Kysely<DB>, filter: { tache?: string; limit?: number } = {}): Promise<JobRun[]> {
    let query = db.selectFrom('executions_taches').selectAll().orderBy('debut', 'desc').orderBy('id').limit(Math.max(1, Math.min(filter.limit ?? 20, 500)));
    if (filter.tache) query = query.where('tache', '=', filter.tache);
    return (await query.execute()).map((r) => ({
      id: r.id, tache: r.tache, declenchement: r.declenchement, parametres: asObject(r.parametres), statut: r.statut,
      debut: new Date(r.debut), fin: r.fin ? new Date(r.fin) : null, message: r.message, resultat: asObject(r.resultat), fileId: r.file_id,
    }));
  },
};
