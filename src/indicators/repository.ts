/**
 * The SQL of the indicators. One query counts people per stage: events are reduced to one row per person
 * (bool_or per stage), joined to the cohort's contacts, then counted with count(*) FILTER. The stage definitions
 * are those of funnel.ts (STAGE_DEFINITIONS) and docs/indicators.md.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { STAGE_CODES, type StageCounts } from './funnel.ts';

export interface CohortFilter {
  programme: string;
  /** First and last cohort months, YYYY-MM, inclusive. */
  from: string;
  to: string;
  /** Only these organisations; every organisation when absent. */
  organisations?: string[];
}

export interface CountRow { organisation: string | null; periode: string | null; counts: StageCounts }

export interface OrganisationInfo {
  code: string;
  nom: string;
  type: string;
  rattachement: string | null;
  departement: { code: string; nom: string } | null;
  region: { code: string; nom: string } | null;
}

type Grouping = 'none' | 'organisation' | 'periode' | 'organisation_periode';

export const indicatorsRepository = {
  /**
   * Stage counts of the cohorts selected by `filter`, summed or grouped by organisation and/or cohort month.
   * Events are filtered on their own (organisation_code, programme, periode) columns — copies of their contact's —
   * so that both sides of the join are read through the cohort indexes.
   */
  async count(db: Kysely<DB>, filter: CohortFilter, grouping: Grouping = 'none'): Promise<CountRow[]> {
    const orgs = filter.organisations;
    const onContacts = orgs ? sql`AND c.organisation_code = ANY(${orgs}::text[])` : sql``;
    const onEvents = orgs ? sql`AND e.organisation_code = ANY(${orgs}::text[])` : sql``;
    const byOrganisation = grouping === 'organisation' || grouping === 'organisation_periode';
    const byPeriode = grouping === 'periode' || grouping === 'organisation_periode';
    const keys = [byOrganisation ? sql`c.organisation_code` : sql`NULL::text`, byPeriode ? sql`c.periode` : sql`NULL::text`];
    const groupBy = byOrganisation || byPeriode
      ? sql`GROUP BY ${sql.join([...(byOrganisation ? [sql`c.organisation_code`] : []), ...(byPeriode ? [sql`c.periode`] : [])])}`
      : sql``;
    const result = await sql<Record<string, string | number | null>>`
      WITH personnes AS (
        SELECT e.contact_id,
          bool_or(e.code IN ('offre_email_envoyee', 'offre_courrier_envoyee')) AS offre,
          bool_or(e.code IN ('appel_non_joint', 'appel_faux_numero', 'appel_joint')) AS appel,
          bool_or(e.code = 'appel_joint') AS joint,
          bool_or(e.code = 'offre_acceptee') AS acceptation,
          bool_or(e.code = 'rdv_pris') AS rdv_pris,
          bool_or(e.code = 'rdv_honore') AS rdv_honore,
          bool_or(e.code = 'orientation') AS orientation,
          bool_or(e.code = 'accompagnement_debute') AS accompagnement
        FROM evenements e
        WHERE e.programme = ${filter.programme} AND e.periode BETWEEN ${filter.from} AND ${filter.to} ${onEvents}
        GROUP BY e.contact_id
      )
      SELECT ${keys[0]} AS organisation, ${keys[1]} AS periode,
        count(*)::int AS cibles,
        count(*) FILTER (WHERE p.offre)::int AS offre_envoyee,
        count(*) FILTER (WHERE c.appelable OR p.appel)::int AS appelables,
        count(*) FILTER (WHERE p.appel)::int AS appeles,
        count(*) FILTER (WHERE p.joint)::int AS joints,
        count(*) FILTER (WHERE p.acceptation)::int AS acceptants,
        count(*) FILTER (WHERE p.rdv_pris)::int AS rdv_pris,
        count(*) FILTER (WHERE p.rdv_honore)::int AS rdv_honores,
        count(*) FILTER (WHERE p.orientation)::int AS orientations,
        count(*) FILTER (WHERE p.accompagnement)::int AS accompagnements
      FROM contacts c LEFT JOIN personnes p ON p.contact_id = c.id
      WHERE c.programme = ${filter.programme} AND c.periode BETWEEN ${filter.from} AND ${filter.to} ${onContacts}
      ${groupBy}`.execute(db);
    return result.rows.map((r) => ({
        organisation: (r.organisation as string | null) ?? null,
        periode: (r.periode as string | null) ?? null,
        counts: Object.fromEntries(STAGE_CODES.map((c) => [c, Number(r[c] ?? 0)])) as StageCounts,
      }));
  },

  /** Every organisation with its département and région (about 400 rows; the service caches them). */
  async organisations(db: Kysely<DB>): Promise<OrganisationInfo[]> {
    const rows = await db.selectFrom('organisations as o')
      .leftJoin('departements as d', 'd.code', 'o.departement_code')
      .leftJoin('regions as r', 'r.code', 'd.region_code')
      .select(['o.code', 'o.nom', 'o.type', 'o.rattachement', 'd.code as dcode', 'd.nom as dnom', 'r.code as rcode', 'r.nom as rnom'])
      .orderBy('o.code')
      .execute();
    return rows.map((r) => ({
      code: r.code, nom: r.nom, type: r.type, rattachement: r.rattachement,
      departement: r.dcode ? { code: r.dcode, nom: r.dnom! } : null,
      region: r.rcode ? { code: r.rcode, nom: r.rnom! } : null,
    }));
  },

  async departements(db: Kysely<DB>) {
    return db.selectFrom('departements').select(['code', 'nom', 'region_code']).orderBy('code').execute();
  },

  async regions(db: Kysely<DB>) {
    return db.selectFrom('regions').select(['code', 'nom']).orderBy('code').execute();
  },
};
