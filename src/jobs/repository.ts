/** SQL of the jobs context: the runs of Passerelle jobs (table executions_taches, migration 0008). */
import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';

export type RunTrigger = 'planifie' | 'manuel' | 'commande' | 'web';
/** `interrompue`: never ended, and its process is gone (killed, or the machine stopped); derived when read. */
export type RunStatus = 'en_cours' | 'reussie' | 'echouee' | 'interrompue';

/** This process, as recorded on the runs it starts. */
export const THIS_PROCESS = `${hostname()}:${process.pid}`;

/** Whether the process recorded on a run that never ended is gone: on this host, its pid is dead; elsewhere, it started more than a day ago. */
export function processGone(processus: string | null, debut: Date, now = new Date()): boolean {
  const [host, pid] = (processus ?? '').split(':');
  if (host !== hostname() || !pid) return now.getTime() - debut.getTime() > 24 * 3600 * 1000;
  try { process.kill(Number(pid), 0); return false; } catch (e) { return (e as NodeJS.ErrnoException).code === 'ESRCH'; }
}

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
      tache: run.tache, declenchement: run.declenchement, parametres: JSON.stringify(run.parametres), file_id: run.fileId ?? null, processus: THIS_PROCESS,
      ...(run.debut ? { debut: run.debut } : {}),
    }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  },

  async finishRun(db: Kysely<DB>, id: string, end: { statut: 'reussie' | 'echouee'; message: string; resultat: Record<string, unknown> }): Promise<void> {
    await db.updateTable('executions_taches').set({
      statut: end.statut, fin: sql<Date>`now()`, message: end.message.slice(0, 2000), resultat: JSON.stringify(end.resultat),
    }).where('id', '=', id).execute();
  },

  /** Closes a run that never ended (its process died), as `finishRun` would; a run already closed is left as it is. */
  async closeIfUnfinished(db: Kysely<DB>, id: string, end: { statut: 'reussie' | 'echouee'; message: string; resultat: Record<string, unknown> }): Promise<void> {
    await db.updateTable('executions_taches').set({
      statut: end.statut, fin: sql<Date>`now()`, message: end.message.slice(0, 2000), resultat: JSON.stringify(end.resultat),
    }).where('id', '=', id).where('statut', '=', 'en_cours').execute();
  },

  async recentRuns(db: Kysely<DB>, filter: { tache?: string; limit?: number } = {}): Promise<JobRun[]> {
    let query = db.selectFrom('executions_taches').selectAll().orderBy('debut', 'desc').orderBy('id').limit(Math.max(1, Math.min(filter.limit ?? 20, 500)));
    if (filter.tache) query = query.where('tache', '=', filter.tache);
    return (await query.execute()).map((r) => ({
      id: r.id, tache: r.tache, declenchement: r.declenchement, parametres: asObject(r.parametres),
      statut: r.statut === 'en_cours' && processGone(r.processus, new Date(r.debut)) ? 'interrompue' : r.statut,
      debut: new Date(r.debut), fin: r.fin ? new Date(r.fin) : null, message: r.message, resultat: asObject(r.resultat), fileId: r.file_id,
    }));
  },
};
