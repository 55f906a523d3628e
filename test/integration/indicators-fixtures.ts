/**
 * Fixtures for the indicators tests: the three published funnels of SPEC §1 (IT 2025-098) rebuilt as contacts and
 * events in the real tables. People are inserted in bulk with SQL (generate_series), one profile at a time: a profile
 * is a number of people sharing the same events (a person may have several events of one kind: they count once).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/db/index.ts';

export interface Profile {
  n: number;
  appelable: boolean;
  /** Events of each person, in order; `days` after the first day of the cohort month. */
  events: { code: string; detail?: string; days: number }[];
  destroyed?: boolean;
}

export interface Cohort { organisation: string; programme: string; months: string[]; profiles: Profile[] }

/** Inserts the cohort; person i of a profile enters in month i mod months.length. Returns the number of people. */
export async function insertCohort(db: Kysely<DB>, cohort: Cohort): Promise<number> {
  let total = 0;
  for (const profile of cohort.profiles) {
    const months = cohort.months;
    const ids = await sql<{ id: string; periode: string }>`
      INSERT INTO contacts (organisation_code, programme, paquet_id, pseudonyme, champs, importe_le, echeance, periode, origine, appelable, detruit_le)
      SELECT ${cohort.organisation}, ${cohort.programme}, NULL,
        CASE WHEN ${profile.destroyed ?? false} THEN NULL ELSE md5(random()::text) || md5(random()::text) END,
        CASE WHEN ${profile.destroyed ?? false} THEN NULL ELSE '{"telephone":"0600000000"}'::jsonb END,
        (m.mois || '-02')::timestamptz, ((m.mois || '-02')::date + 120), m.mois, 'extrait', ${profile.appelable},
        CASE WHEN ${profile.destroyed ?? false} THEN now() ELSE NULL END
      FROM generate_series(0, ${profile.n - 1}) AS i
      CROSS JOIN LATERAL (SELECT (${months}::text[])[1 + (i % ${months.length})] AS mois) AS m
      RETURNING id, periode`.execute(db);
    total += ids.rows.length;
    if (profile.events.length === 0) continue;
    const contactIds = ids.rows.map((r) => String(r.id));
    await sql`
      INSERT INTO evenements (contact_id, organisation_code, programme, periode, code, detail, survenu_le, origine)
      SELECT c.id, c.organisation_code, c.programme, c.periode, ev.code, ev.detail,
        (c.periode || '-03')::timestamptz + make_interval(days => ev.days), 'import'
      FROM contacts c
      CROSS JOIN unnest(${profile.events.map((e) => e.code)}::text[], ${profile.events.map((e) => e.detail ?? null)}::text[],
        ${profile.events.map((e) => e.days)}::int[]) AS ev(code, detail, days)
      WHERE c.id = ANY(${contactIds}::bigint[])`.execute(db);
  }
  return total;
}

const months = (year: number, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${year}-${String(from + i).padStart(2, '0')}`);

const e = (code: string, days: number, detail?: string) => ({ code, days, ...(detail ? { detail } : {}) });
const MAIL = e('offre_email_envoyee', 0);

/**
 * Var 2023: 111 AJPA applicants targeted, offer e-mailed by the Caf; 79 outbound calls (valid contact and
 * authorisation); 46 calls reached; 18 EPS appointments taken; 15 honoured — 19 % (15 / 79).
 */
export const VAR_2023: Cohort = {
  organisation: 'cpam-83', programme: 'aidants', months: months(2023, 6, 12),
  profiles: [
    // 15 honoured: first call missed, second reached; the examination takes place up to three months later
    { n: 15, appelable: true, events: [MAIL, e('appel_non_joint', 5), e('appel_joint', 9), e('offre_acceptee', 9), e('rdv_pris', 9, '2023-09-15'), e('rdv_honore', 95)] },
    { n: 3, appelable: true, events: [MAIL, e('appel_joint', 6), e('offre_acceptee', 6), e('rdv_pris', 6), e('rdv_non_honore', 40)] },
    { n: 28, appelable: true, events: [MAIL, e('appel_joint', 7), e('offre_refusee', 7)] },
    { n: 30, appelable: true, events: [MAIL, e('appel_non_joint', 5), e('appel_non_joint', 12), e('appel_non_joint', 20)] },
    { n: 3, appelable: true, events: [MAIL, e('appel_faux_numero', 5)] },
    { n: 32, appelable: false, events: [MAIL] },
  ],
};

/**
 * Var 2024 (January–August): 175 identified; 122 with a valid e-mail received the offer; 78 phoned; 14 parcours done
 * (appointments honoured) — 18 % (14 / 78); then 2 MisAS accompaniments and 5 orientations to the social service.
 */
export const VAR_2024: Cohort = {
  organisation: 'cpam-83', programme: 'aidants', months: months(2024, 1, 8),
  profiles: [
    { n: 2, appelable: true, events: [MAIL, e('appel_joint', 4), e('offre_acceptee', 4), e('rdv_pris', 4), e('rdv_honore', 50), e('accompagnement_debute', 60, 'misas')] },
    { n: 5, appelable: true, events: [MAIL, e('appel_joint', 4), e('offre_acceptee', 4), e('rdv_pris', 4), e('rdv_honore', 45), e('orientation', 45, 'service_social')] },
    { n: 7, appelable: true, events: [MAIL, e('appel_non_joint', 2), e('appel_joint', 4), e('offre_acceptee', 4), e('rdv_pris', 4), e('rdv_honore', 40)] },
    { n: 30, appelable: true, events: [MAIL, e('appel_joint', 5), e('offre_refusee', 5)] },
    { n: 34, appelable: true, events: [MAIL, e('appel_non_joint', 5), e('appel_non_joint', 15)] },
    { n: 10, appelable: true, events: [MAIL] },
    { n: 34, appelable: false, events: [MAIL] },
    { n: 53, appelable: false, events: [e('offre_email_echec', 0)] },
  ],
};

/**
 * Flandres: 109 AJPA beneficiaries phoned; 61 reached; 42 accepted a rights-and-health review; 28 appointments
 * honoured — 45.9 % (28 / 61, published « 45 % »). Part of the cohort has since been destroyed (anonymised rows).
 */
export const FLANDRES: Cohort = {
  organisation: 'cpam-59-flandres', programme: 'aidants', months: months(2024, 3, 10),
  profiles: [
    { n: 20, appelable: true, events: [e('appel_joint', 3), e('offre_acceptee', 3), e('rdv_pris', 3), e('rdv_honore', 30)] },
    { n: 8, appelable: true, destroyed: true, events: [e('appel_joint', 3), e('offre_acceptee', 3), e('rdv_pris', 3), e('rdv_honore', 30)] },
    { n: 14, appelable: true, events: [e('appel_joint', 3), e('offre_acceptee', 3), e('rdv_pris', 3), e('rdv_non_honore', 30)] },
    { n: 19, appelable: true, events: [e('appel_non_joint', 1), e('appel_joint', 3), e('offre_refusee', 3)] },
    { n: 48, appelable: true, events: [e('appel_non_joint', 3), e('appel_non_joint', 10)] },
  ],
};
