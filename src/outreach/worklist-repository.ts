/**
 * Worklist queries (SQL only here). Every query stays on the indexed columns of one cohort
 * (organisation_code, programme, periode[, statut][, agent_id], id) of live contacts.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';

export interface WorklistFilter {
  organisation: string;
  programme: string;
  periode: string;
  statuts?: string[];
  /** An account id, or null for « not assigned ». */
  agent?: string | null;
}

export type WorklistSort = 'id' | '-id' | 'statut' | '-statut' | 'dernier_evenement' | '-dernier_evenement';

function filtered(db: Kysely<DB>, f: WorklistFilter) {
  let q = db.selectFrom('contacts as c')
    .where('c.organisation_code', '=', f.organisation).where('c.programme', '=', f.programme).where('c.periode', '=', f.periode)
    .where('c.detruit_le', 'is', null);
  if (f.statuts && f.statuts.length > 0) q = q.where('c.statut', 'in', f.statuts);
  if (f.agent === null) q = q.where('c.agent_id', 'is', null);
  else if (f.agent !== undefined) q = q.where('c.agent_id', '=', f.agent);
  return q;
}

export const worklistRepository = {
  async page(db: Kysely<DB>, f: WorklistFilter, sort: WorklistSort, offset: number, limit: number) {
    let q = filtered(db, f).leftJoin('comptes as a', 'a.id', 'c.agent_id')
      .select(['c.id', 'c.statut', 'c.version', 'c.appelable', 'c.champs', 'c.origine', 'c.agent_id', 'a.nom as agent_nom', 'c.dernier_evenement_le', 'c.traite_le']);
    const desc = sort.startsWith('-');
    const key = sort.replace(/^-/, '');
    // Orders that follow an index (contacts_liste_page / _ordre / _recents): PostgreSQL's default NULLS
    // placement (never contacted last in ascending order, first in descending order) keeps the scan ordered.
    const direction = desc ? 'desc' : 'asc';
    if (key === 'statut') q = q.orderBy('c.statut', direction);
    else if (key === 'dernier_evenement') q = q.orderBy('c.dernier_evenement_le', direction);
    q = q.orderBy('c.id', key === 'statut' ? 'asc' : direction);
    return q.offset(offset).limit(limit).execute();
  },

  async count(db: Kysely<DB>, f: WorklistFilter): Promise<number> {
    const r = await filtered(db, f).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  },

  /** Live contacts of the cohort by status (what is left to do), with the agent filter if any. */
  async countsByStatus(db: Kysely<DB>, f: WorklistFilter): Promise<Record<string, number>> {
    const rows = await filtered(db, { ...f, statuts: undefined }).select(['c.statut', sql<string>`count(*)`.as('n')]).groupBy('c.statut').execute();
    return Object.fromEntries(rows.map((r) => [r.statut, Number(r.n)]));
  },

  /** The programmes and months that have live contacts for an organisation (loose index scan: cheap at 1M rows). */
  async cohorts(db: Kysely<DB>, organisation: string): Promise<{ programme: string; periode: string }[]> {
    const r = await sql<{ programme: string; periode: string }>`
      WITH RECURSIVE t AS (
        (SELECT programme, periode FROM contacts WHERE organisation_code = ${organisation} AND detruit_le IS NULL ORDER BY programme, periode LIMIT 1)
        UNION ALL
        SELECT n.programme, n.periode FROM t, LATERAL (
          SELECT programme, periode FROM contacts
          WHERE organisation_code = ${organisation} AND detruit_le IS NULL AND (programme, periode) > (t.programme, t.periode)
          ORDER BY programme, periode LIMIT 1) n
      ) SELECT programme, periode FROM t`.execute(db);
    return r.rows;
  },

  /** Live people still to be worked (no terminal status) per list, most recent months first. */
  async toDo(db: Kysely<DB>, organisations: string[], limit: number): Promise<{ organisation: string; programme: string; periode: string; a_traiter: number; total: number }[]> {
    if (organisations.length === 0) return [];
    const r = await sql<{ organisation: string; programme: string; periode: string; a_traiter: string; total: string }>`
      SELECT organisation_code AS organisation, programme, periode, count(*) FILTER (WHERE traite_le IS NULL) AS a_traiter, count(*) AS total
      FROM contacts WHERE organisation_code = ANY(${`{${organisations.join(',')}}`}::text[]) AND detruit_le IS NULL
      GROUP BY organisation_code, programme, periode ORDER BY periode DESC, programme, organisation_code LIMIT ${limit}`.execute(db);
    return r.rows.map((x) => ({ ...x, a_traiter: Number(x.a_traiter), total: Number(x.total) }));
  },

  async agents(db: Kysely<DB>, organisations: string[]) {
    if (organisations.length === 0) return [];
    return db.selectFrom('comptes').select(['id', 'nom', 'organisation_code']).where('organisation_code', 'in', organisations)
      .where('actif', '=', true).where(sql<boolean>`'agent' = ANY(roles)`).orderBy('nom').execute();
  },

  /**
   * Assigns contacts only from the assignment the caller saw: `seen` (agent id or null) when given,
   * otherwise « not assigned, or already this agent's ». The row lock makes a concurrent second
   * assignment re-read the row and find it taken. Returns the ids updated.
   */
  async assign(db: Kysely<DB>, ids: string[], organisations: string[], agentId: string | null, seen?: string | null): Promise<string[]> {
    if (ids.length === 0) return [];
    let q = db.updateTable('contacts').set({ agent_id: agentId, version: sql`version + 1` })
      .where('id', 'in', ids).where('organisation_code', 'in', organisations).where('detruit_le', 'is', null);
    if (seen !== undefined) q = q.where(sql<boolean>`agent_id IS NOT DISTINCT FROM ${seen}::uuid`);
    else if (agentId !== null) q = q.where((eb) => eb.or([eb('agent_id', 'is', null), eb('agent_id', '=', agentId)]));
    return (await q.returning(sql<string>`id::text`.as('id')).execute()).map((r) => r.id);
  },

  /** Of these contacts (live, in these organisations), those not assigned to `agentId`. */
  async assignedElsewhere(db: Kysely<DB>, ids: string[], organisations: string[], agentId: string | null): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await db.selectFrom('contacts').select(sql<string>`count(*)`.as('n'))
      .where('id', 'in', ids).where('organisation_code', 'in', organisations).where('detruit_le', 'is', null)
      .where(sql<boolean>`agent_id IS DISTINCT FROM ${agentId}::uuid`).executeTakeFirstOrThrow();
    return Number(r.n);
  },

  async orientations(db: Kysely<DB>, contactId: string) {
    return db.selectFrom('orientations').select(['id', 'partenaire', 'partenaire_organisation', 'statut', 'cree_le', 'modifie_le', 'version'])
      .where('contact_id', '=', contactId).orderBy('id').execute();
  },

  async orientation(db: Kysely<DB>, id: string) {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    return db.selectFrom('orientations').select(['id', 'contact_id', 'organisation_code', 'programme', 'partenaire', 'statut', 'version'])
      .where('id', '=', id).forUpdate().executeTakeFirst();
  },

  async updateOrientation(db: Kysely<DB>, id: string, version: number, statut: 'envoyee' | 'acceptee' | 'realisee', at: Date): Promise<number | null> {
    const r = await db.updateTable('orientations').set({ statut, version: sql`version + 1`, modifie_le: at as never })
      .where('id', '=', id).where('version', '=', version).returning('version').executeTakeFirst();
    return r ? r.version : null;
  },

  /**
   * Closes a cohort: every live contact not yet processed is processed now; its deadline becomes
   * the earlier of its current deadline and `deadlineAfterProcessing`.
   */
  async close(db: Kysely<DB>, f: Pick<WorklistFilter, 'organisation' | 'programme' | 'periode'>, now: Date, deadlineAfterProcessing: string): Promise<number> {
    const r = await db.updateTable('contacts').set({
      traite_le: now, version: sql`version + 1`,
      echeance: sql`least(echeance, ${deadlineAfterProcessing}::date)` as never,
    }).where('organisation_code', '=', f.organisation).where('programme', '=', f.programme).where('periode', '=', f.periode)
      .where('detruit_le', 'is', null).where('traite_le', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  /** How the contact came (package, in-house extract, signalement). */
  async origin(db: Kysely<DB>, contactId: string) {
    return (await db.selectFrom('contacts').select('origine').where('id', '=', contactId).executeTakeFirstOrThrow()).origine;
  },

  async accountNames(db: Kysely<DB>, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('comptes').select(['id', 'nom']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.nom]));
  },

  /** Live contacts of an organisation's programme by pseudonym (CSV outcomes). */
  async byPseudonyms(db: Kysely<DB>, organisation: string, programme: string | null, pseudonyms: string[]) {
    if (pseudonyms.length === 0) return [];
    let q = db.selectFrom('contacts').select(['id', 'pseudonyme', 'programme', 'periode', 'version'])
      .where('organisation_code', '=', organisation).where('pseudonyme', 'in', pseudonyms).where('detruit_le', 'is', null);
    if (programme) q = q.where('programme', '=', programme);
    return q.orderBy('periode', 'desc').orderBy('id', 'desc').execute();
  },

  async exportRows(db: Kysely<DB>, f: Pick<WorklistFilter, 'organisation' | 'programme' | 'periode'>, afterId: string, limit: number) {
    return db.selectFrom('contacts').select(['id', 'pseudonyme', 'champs', 'origine', 'statut', 'appelable'])
      .where('organisation_code', '=', f.organisation).where('programme', '=', f.programme).where('periode', '=', f.periode)
      .where('detruit_le', 'is', null).where(sql`id`, '>', sql`${afterId}::bigint`).orderBy('id').limit(limit).execute();
  },
};
