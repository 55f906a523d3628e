/**
 * The long-lived opposition register (migration 0011, art. 21 RGPD). Keeping the list of people
 * who objected is what lets the objection be honoured once their contact has been destroyed: a
 * later package or extract brings the same pseudonym back, and the person must not be contacted
 * again. One row per (organisation, programme, pseudonym): the date of the objection and how long
 * the row is kept — nothing else (no name, no contact id).
 *
 * Duration: 12 months (the convention's yearly period, tacitly renewed) + the programme's maximum
 * retention after import, counted from the objection and pushed back each time the person comes
 * back in a package or extract. An opposition therefore lives as long as the convention keeps
 * bringing the person back, and ends one period + one retention after the last time they were seen.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { addDays, addMonths, retentionDeadline, toIsoDate, type Programme } from '../programmes/index.ts';

/** Months of the convention's period counted in the register's duration. */
export const OPPOSITION_PERIOD_MONTHS = 12;
/** Detail of the event recorded when a person on the register comes back (no personal data). */
export const REGISTER_EVENT_DETAIL = "registre des oppositions : opposition d'un mois précédent";

/** Until when a register row seen (or written) at `at` is kept. */
export function oppositionKeepUntil(at: Date | string, programme: Pick<Programme, 'conservation'>): string {
  return addDays(addMonths(toIsoDate(at), OPPOSITION_PERIOD_MONTHS), programme.conservation.maximumApresImportJours);
}

/** Writes (or keeps the earliest date of, and extends) the person's row on the register. */
export async function registerOpposition(db: Kysely<DB>, row: {
  organisation: string; programme: Pick<Programme, 'id' | 'conservation'>; pseudonyme: string; opposedAt: Date; now: Date;
}): Promise<void> {
  const keepUntil = oppositionKeepUntil(row.now > row.opposedAt ? row.now : row.opposedAt, row.programme);
  await db.insertInto('oppositions').values({
    organisation_code: row.organisation, programme: row.programme.id, pseudonyme: row.pseudonyme, oppose_le: row.opposedAt,
    enregistre_le: row.now, conserver_jusqu_au: keepUntil,
  }).onConflict((oc) => oc.columns(['organisation_code', 'programme', 'pseudonyme']).doUpdateSet({
    oppose_le: sql`least(oppositions.oppose_le, excluded.oppose_le)`,
    conserver_jusqu_au: sql`greatest(oppositions.conserver_jusqu_au, excluded.conserver_jusqu_au)`,
  })).execute();
}

/** The person's registered opposition date (same organisation, programme and pseudonym), or null. */
export async function registeredOppositionAt(db: Kysely<DB>, organisation: string, programme: string, pseudonyme: string | null): Promise<Date | null> {
  if (!pseudonyme) return null;
  const r = await db.selectFrom('oppositions').select('oppose_le').where('organisation_code', '=', organisation)
    .where('programme', '=', programme).where('pseudonyme', '=', pseudonyme).executeTakeFirst();
  return r ? new Date(r.oppose_le) : null;
}

export interface RegisteredOppositions {
  /** Contacts marked as opposed (an `opposition` event, origin `systeme`, dated `now`). */
  contactIds: string[];
  pseudonymes: string[];
}

/**
 * Marks at once as opposed the live contacts just put on a worklist (a package's, or a list of
 * ids) whose person is on the register — or objected on another live contact not yet registered.
 * For each: an `opposition` event (origin `systeme`, dated `now`, detail REGISTER_EVENT_DETAIL),
 * status `opposition` (terminal: `traite_le` = now, deadline brought forward like any processing),
 * version + 1; the register row is extended. Set-based SQL (a package of 100 000 people is one
 * statement per step). The caller owns the transaction.
 */
export async function markRegisteredOppositions(trx: Kysely<DB>, input: {
  organisation: string;
  programme: Pick<Programme, 'id' | 'conservation'>;
  target: { paquet: string } | { contactIds: readonly string[] };
  now: Date;
  maxDays?: number | null;
}): Promise<RegisteredOppositions> {
  const ids = 'contactIds' in input.target ? input.target.contactIds.filter((id) => /^\d{1,18}$/.test(id)) : null;
  if (ids !== null && ids.length === 0) return { contactIds: [], pseudonymes: [] };
  const targetFilter = ids !== null
    ? sql`c.id = ANY(${`{${ids.join(',')}}`}::bigint[])`
    : sql`c.paquet_id = ${(input.target as { paquet: string }).paquet}`;
  const found = await sql<{ id: string; pseudonyme: string; oppose_le: Date | null }>`
    SELECT c.id::text AS id, c.pseudonyme,
      (SELECT o.oppose_le FROM oppositions o WHERE o.organisation_code = c.organisation_code AND o.programme = c.programme AND o.pseudonyme = c.pseudonyme) AS oppose_le
    FROM contacts c
    WHERE c.organisation_code = ${input.organisation} AND c.programme = ${input.programme.id} AND ${targetFilter}
      AND c.detruit_le IS NULL AND c.pseudonyme IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM evenements e0 WHERE e0.contact_id = c.id AND e0.code = 'opposition')
      AND (EXISTS (SELECT 1 FROM oppositions o WHERE o.organisation_code = c.organisation_code AND o.programme = c.programme AND o.pseudonyme = c.pseudonyme)
        OR EXISTS (SELECT 1 FROM evenements e JOIN contacts c2 ON c2.id = e.contact_id
          WHERE e.code = 'opposition' AND c2.organisation_code = c.organisation_code AND c2.programme = c.programme AND c2.pseudonyme = c.pseudonyme))
  `.execute(trx);
  if (found.rows.length === 0) return { contactIds: [], pseudonymes: [] };
  const now = input.now;
  const marked = found.rows.map((r) => r.id);
  const list = sql`${`{${marked.join(',')}}`}::bigint[]`;
  await sql`
    INSERT INTO evenements (contact_id, organisation_code, programme, periode, code, detail, survenu_le, enregistre_le, auteur_id, origine)
    SELECT c.id, c.organisation_code, c.programme, c.periode, 'opposition', ${REGISTER_EVENT_DETAIL}::text, ${now}::timestamptz, ${now}::timestamptz, NULL, 'systeme'
    FROM contacts c WHERE c.id = ANY(${list})`.execute(trx);
  // processed now: the deadline comes forward exactly as for any terminal status (src/outreach/events.ts)
  const deadlines = new Map<string, string>();
  const rows = await trx.selectFrom('contacts').select([sql<string>`id::text`.as('id'), 'importe_le', sql<string>`echeance::text`.as('echeance')])
    .where(sql<boolean>`id = ANY(${list})`).execute();
  for (const r of rows) {
    const processed = retentionDeadline({ importedAt: r.importe_le, processedAt: now, maxDays: input.maxDays ?? null }, input.programme.conservation);
    deadlines.set(r.id, processed < r.echeance ? processed : r.echeance);
  }
  for (const [deadline, group] of groupBy(deadlines)) {
    await sql`UPDATE contacts SET statut = 'opposition', traite_le = coalesce(traite_le, ${now}::timestamptz), echeance = ${deadline}::date,
        dernier_evenement_le = greatest(dernier_evenement_le, ${now}::timestamptz), version = version + 1
      WHERE id = ANY(${`{${group.join(',')}}`}::bigint[])`.execute(trx);
  }
  // the person is still brought back by the convention: the register row lives on
  const keepUntil = oppositionKeepUntil(now, input.programme);
  await sql`
    INSERT INTO oppositions (organisation_code, programme, pseudonyme, oppose_le, enregistre_le, conserver_jusqu_au)
    SELECT c.organisation_code, c.programme, c.pseudonyme,
      coalesce((SELECT min(e.survenu_le) FROM evenements e JOIN contacts c2 ON c2.id = e.contact_id
        WHERE e.code = 'opposition' AND e.origine <> 'systeme' AND c2.organisation_code = c.organisation_code AND c2.programme = c.programme AND c2.pseudonyme = c.pseudonyme), ${now}::timestamptz),
      ${now}::timestamptz, ${keepUntil}::date
    FROM contacts c WHERE c.id = ANY(${list})
    ON CONFLICT (organisation_code, programme, pseudonyme) DO UPDATE SET conserver_jusqu_au = greatest(oppositions.conserver_jusqu_au, excluded.conserver_jusqu_au)`.execute(trx);
  return { contactIds: marked, pseudonymes: found.rows.map((r) => r.pseudonyme) };
}

function groupBy(m: Map<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [id, v] of m) (out.get(v) ?? out.set(v, []).get(v)!).push(id);
  return out;
}
