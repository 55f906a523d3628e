import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import type { Role } from './roles.ts';

export interface CompteRow {
  id: string;
  email: string;
  nom: string;
  roles: Role[];
  actif: boolean;
  version: number;
  organisation: { code: string; nom: string; type: string };
}

const selectCompte = (db: Kysely<DB>) => db.selectFrom('comptes as c')
  .innerJoin('organisations as o', 'o.code', 'c.organisation_code')
  .select(['c.id', 'c.email', 'c.nom', 'c.roles', 'c.actif', 'c.version', 'o.code as org_code', 'o.nom as org_nom', 'o.type as org_type']);

type Selected = Awaited<ReturnType<ReturnType<typeof selectCompte>['execute']>>[number];
const toCompte = (r: Selected): CompteRow => ({
  id: r.id, email: r.email, nom: r.nom, roles: r.roles as Role[], actif: r.actif, version: r.version,
  organisation: { code: r.org_code, nom: r.org_nom, type: r.org_type },
});

export const accountsRepository = {
  async list(db: Kysely<DB>, organisationCode?: string): Promise<CompteRow[]> {
    let q = selectCompte(db).orderBy('o.code').orderBy('c.email');
    if (organisationCode) q = q.where('c.organisation_code', '=', organisationCode);
    return (await q.execute()).map(toCompte);
  },

  async byId(db: Kysely<DB>, id: string): Promise<CompteRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const row = await selectCompte(db).where('c.id', '=', id).executeTakeFirst();
    return row && toCompte(row);
  },

  async credentialsByEmail(db: Kysely<DB>, email: string) {
    return db.selectFrom('comptes').select(['id', 'mot_de_passe_hash', 'actif', 'echecs_connexion', 'verrouille_jusqu_a', 'organisation_code'])
      .where(sql`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
  },

  async emailTaken(db: Kysely<DB>, email: string): Promise<boolean> {
    return !!(await db.selectFrom('comptes').select('id').where(sql`lower(email)`, '=', email.toLowerCase()).executeTakeFirst());
  },

  async insert(db: Kysely<DB>, values: { email: string; nom: string; organisationCode: string; roles: Role[]; hash: string }): Promise<string> {
    const row = await db.insertInto('comptes').values({
      email: values.email, nom: values.nom, organisation_code: values.organisationCode, roles: values.roles, mot_de_passe_hash: values.hash,
    }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  },

  /** Optimistic update: returns false when the version moved on since the caller read it. */
  async update(db: Kysely<DB>, id: string, version: number, changes: { nom?: string; roles?: Role[]; actif?: boolean; hash?: string }) {
    const result = await db.updateTable('comptes').set({
      ...(changes.nom !== undefined && { nom: changes.nom }),
      ...(changes.roles !== undefined && { roles: changes.roles }),
      ...(changes.actif !== undefined && { actif: changes.actif }),
      ...(changes.hash !== undefined && { mot_de_passe_hash: changes.hash, echecs_connexion: 0, verrouille_jusqu_a: null }),
      version: sql`version + 1`,
      modifie_le: sql`now()`,
    }).where('id', '=', id).where('version', '=', version).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  async loginLocked(db: Kysely<DB>, attempt: string, now: Date): Promise<boolean> {
    const row = await db.selectFrom('echecs_connexion').select('verrouille_jusqu_a').where('cle', '=', attempt).executeTakeFirst();
    return !!row?.verrouille_jusqu_a && new Date(row.verrouille_jusqu_a) > now;
  },

  /** Counts a failure of (e-mail, address); failures older than the lock duration start over. Returns whether the pair is now locked. */
  async recordLoginFailure(db: Kysely<DB>, attempt: string, now: Date, maxFailures: number, lockMinutes: number): Promise<boolean> {
    const row = await db.insertInto('echecs_connexion').values({ cle: attempt, echecs: 1, dernier_echec: now, verrouille_jusqu_a: maxFailures <= 1 ? new Date(now.getTime() + lockMinutes * 60_000) : null })
      .onConflict((oc) => oc.column('cle').doUpdateSet({
        echecs: sql`CASE WHEN echecs_connexion.dernier_echec < ${now}::timestamptz - make_interval(mins => ${lockMinutes}) THEN 1 ELSE echecs_connexion.echecs + 1 END`,
        dernier_echec: now,
        verrouille_jusqu_a: sql`CASE WHEN echecs_connexion.dernier_echec >= ${now}::timestamptz - make_interval(mins => ${lockMinutes}) AND echecs_connexion.echecs + 1 >= ${maxFailures}
          THEN ${now}::timestamptz + make_interval(mins => ${lockMinutes}) ELSE NULL END`,
      })).returning('echecs').executeTakeFirstOrThrow();
    // rows of attempts long gone are not kept
    await db.deleteFrom('echecs_connexion').where('dernier_echec', '<', new Date(now.getTime() - 24 * 3600_000)).execute();
    return row.echecs >= maxFailures;
  },

  async clearLoginFailures(db: Kysely<DB>, attempt: string) {
    await db.deleteFrom('echecs_connexion').where('cle', '=', attempt).execute();
  },

  async recordSuccess(db: Kysely<DB>, id: string) {
    await db.updateTable('comptes').set({ echecs_connexion: 0, verrouille_jusqu_a: null }).where('id', '=', id).execute();
  },

  async insertSession(db: Kysely<DB>, s: { tokenHash: string; compteId: string; csrf: string; expiresAt: Date }) {
    await db.insertInto('sessions').values({ jeton_hash: s.tokenHash, compte_id: s.compteId, csrf: s.csrf, expire_le: s.expiresAt }).execute();
  },

  async sessionByTokenHash(db: Kysely<DB>, tokenHash: string) {
    return db.selectFrom('sessions as s').innerJoin('comptes as c', 'c.id', 's.compte_id')
      .select(['s.compte_id', 's.csrf', 's.expire_le', 'c.actif'])
      .where('s.jeton_hash', '=', tokenHash).executeTakeFirst();
  },

  async deleteSession(db: Kysely<DB>, tokenHash: string) {
    await db.deleteFrom('sessions').where('jeton_hash', '=', tokenHash).execute();
  },

  async deleteSessionsOf(db: Kysely<DB>, compteId: string) {
    await db.deleteFrom('sessions').where('compte_id', '=', compteId).execute();
  },

  async deleteExpiredSessions(db: Kysely<DB>) {
    await db.deleteFrom('sessions').where('expire_le', '<', new Date()).execute();
  },

  async count(db: Kysely<DB>): Promise<number> {
    return Number((await db.selectFrom('comptes').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  },
};
