/**
 * The SQL of the indicators. One query counts people per stage: the cohort's contacts are reduced to one row per
 * person (organisation, pseudonym) — counted in the month they first entered the list, with the events of all their
 * contacts — then counted with count(*) FILTER per stage. The stages are the programme's (funnel.ts stageRules,
 * docs/indicators.md).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import type { StageCounts, StageRule } from './funnel.ts';

export interface CohortFilter {
  programme: string;
  /** First and last cohort months, YYYY-MM, inclusive. */
  from: string;
  to: string;
  /** Only these organisations; every organisation when absent. */
  organisations?: string[];
  /** What each stage counts (the programme's `etapes`). */
  stages: StageRule[];
}

export interface CountRow { organisation: string | null; periode: string | null; counts: StageCounts }

type Grouping = 'none' | 'organisation' | 'periode' | 'organisation_periode';

export const indicatorsRepository = {
  /**
   * Stage counts of the cohorts selected by `filter`, summed or grouped by organisation and/or cohort month.
   *
   * A person is one pseudonym within an organisation and the programme (a destroyed contact, whose pseudonym is
   * gone, stays one person through its cached `appelable` and its events). They count once, in the cohort of the
   * month they first entered the list: a person already on an earlier month's list is left out, and the events
   * of their later contacts count in their first cohort — so months add up and a range never counts anyone twice.
   * Events are filtered on their own (organisation_code, programme, periode) columns — copies of their contact's —
   * so that both sides of the join are read through the cohort indexes.
   */
  async count(db: Kysely<DB>, filter: CohortFilter, grouping: Grouping = 'none'): Promise<CountRow[]> {
    const orgs = filter.organisations;
    const onContacts = orgs ? sql`AND c.organisation_code = ANY(${orgs}::text[])` : sql``;
    const onEvents = orgs ? sql`AND e.organisation_code = ANY(${orgs}::text[])` : sql``;
    const byOrganisation = grouping === 'organisation' || grouping === 'organisation_periode';
    const byPeriode = grouping === 'periode' || grouping === 'organisation_periode';
    const keys = [byOrganisation ? sql`p.organisation_code` : sql`NULL::text`, byPeriode ? sql`p.periode` : sql`NULL::text`];
    const groupBy = byOrganisation || byPeriode
      ? sql`GROUP BY ${sql.join([...(byOrganisation ? [sql`p.organisation_code`] : []), ...(byPeriode ? [sql`p.periode`] : [])])}`
      : sql``;
    const stages = filter.stages;
    const flag = (i: number) => sql.ref(`s${i}`);
    const eventFlags = stages.map((s, i) => sql`bool_or(e.code = ANY(${s.codes}::text[])) AS ${flag(i)}`);
    const personFlags = stages.map((_s, i) => sql`bool_or(coalesce(v.${flag(i)}, false)) AS ${flag(i)}`);
    const counts = stages.map((s, i) => {
      if (s.cohorte) return sql`count(*)::int AS ${flag(i)}`;
      if (s.appelables) return sql`count(*) FILTER (WHERE p.appelable OR p.${flag(i)})::int AS ${flag(i)}`;
      return sql`count(*) FILTER (WHERE p.${flag(i)})::int AS ${flag(i)}`;
    });
    const result = await sql<Record<string, string | number | null>>`
      WITH dans AS (
        SELECT c.id, c.organisation_code, c.pseudonyme, c.periode, c.appelable
        FROM contacts c
        WHERE c.programme = ${filter.programme} AND c.periode BETWEEN ${filter.from} AND ${filter.to} ${onContacts}
      ),
      suivis AS (SELECT DISTINCT organisation_code, pseudonyme FROM dans WHERE pseudonyme IS NOT NULL),
      anterieurs AS (
        SELECT DISTINCT c.organisation_code, c.pseudonyme
        FROM contacts c JOIN suivis s ON s.organisation_code = c.organisation_code AND s.pseudonyme = c.pseudonyme
        WHERE c.programme = ${filter.programme} AND c.periode < ${filter.from}
      ),
      posterieurs AS (
        SELECT c.id, c.organisation_code, c.pseudonyme, c.periode, c.appelable
        FROM contacts c JOIN suivis s ON s.organisation_code = c.organisation_code AND s.pseudonyme = c.pseudonyme
        WHERE c.programme = ${filter.programme} AND c.periode > ${filter.to}
      ),
      retenus AS (
        SELECT t.* FROM (SELECT * FROM dans UNION ALL SELECT * FROM posterieurs) t
        WHERE NOT EXISTS (SELECT 1 FROM anterieurs a WHERE a.organisation_code = t.organisation_code AND a.pseudonyme = t.pseudonyme)
      ),
      evenements_retenus AS (
        SELECT e.contact_id ${stages.length > 0 ? sql`, ${sql.join(eventFlags)}` : sql``}
        FROM (
          SELECT e.contact_id, e.code FROM evenements e
          WHERE e.programme = ${filter.programme} AND e.periode BETWEEN ${filter.from} AND ${filter.to} ${onEvents}
          UNION ALL
          SELECT e.contact_id, e.code FROM evenements e JOIN posterieurs q ON q.id = e.contact_id
        ) e
        GROUP BY e.contact_id
      ),
      personnes AS (
        SELECT r.organisation_code, min(r.periode) AS periode, bool_or(r.appelable) AS appelable
          ${stages.length > 0 ? sql`, ${sql.join(personFlags)}` : sql``}
        FROM retenus r LEFT JOIN evenements_retenus v ON v.contact_id = r.id
        GROUP BY r.organisation_code, coalesce(r.pseudonyme, 'contact:' || r.id::text)
      )
      SELECT ${keys[0]} AS organisation, ${keys[1]} AS periode ${counts.length > 0 ? sql`, ${sql.join(counts)}` : sql``}
      FROM personnes p
      ${groupBy}`.execute(db);
    return result.rows.map((r) => ({
        organisation: (r.organisation as string | null) ?? null,
        periode: (r.periode as string | null) ?? null,
        counts: Object.fromEntries(stages.map((s, i) => [s.code, Number(r[`s${i}`] ?? 0)])),
      }));
  },

  async departements(db: Kysely<DB>) {
    return db.selectFrom('departements').select(['code', 'nom', 'region_code']).orderBy('code').execute();
  },

  async regions(db: Kysely<DB>) {
    return db.selectFrom('regions').select(['code', 'nom']).orderBy('code').execute();
  },
};
