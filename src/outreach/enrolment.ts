/**
 * Putting people on an organisation's worklist for a programme, the one way every shape of
 * programme does it (a package imported, an in-house extract, a signalement): cohorts never repeat
 * a person.
 *
 * - A person (by pseudonym) whose follow-up in the programme is still open at this organisation is
 *   not added again: she is counted as « déjà suivie ». If her contact details changed, her contact
 *   is updated and an event `coordonnees_modifiees` records it — never a second row.
 * - A person whose follow-up ended (terminal status, or destroyed after retention) comes back only
 *   `delaiNouveauCiblageMois` months after that end; the cohort register `suivis_termines` keeps
 *   that date once her contact is destroyed.
 * - The opposition register keeps applying (the caller marks newcomers with markRegisteredOppositions).
 *
 * Set-based SQL, in batches: a package of 100 000 people is a few statements per batch. The caller
 * owns the transaction.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { addMonths, dateFr, type Programme } from '../programmes/index.ts';
import { monthLabel } from '../shared/calendar.ts';

export const CONTACT_DETAILS_CHANGED = 'coordonnees_modifiees';

export interface EnrolmentPerson {
  pseudonyme: string;
  champs: Record<string, string>;
  appelable: boolean;
}

export interface EnrolmentInput {
  organisation: string;
  programme: Pick<Programme, 'id' | 'delaiNouveauCiblageMois'>;
  /** Cohort month (YYYY-MM) of the newcomers. */
  periode: string;
  origine: 'paquet' | 'extrait' | 'signalement';
  paquet: string | null;
  people: readonly EnrolmentPerson[];
  now: Date;
  /** Retention deadline of the newcomers (YYYY-MM-DD). */
  echeance: string;
  /** Origin of the `coordonnees_modifiees` events. */
  evenementOrigine?: 'import' | 'systeme';
  batchSize?: number;
}

export interface AlreadyFollowed { pseudonyme: string; raison: string; misAJour: boolean }

export interface EnrolmentResult {
  /** Newcomers, in input order: pseudonym → contact id. */
  ajoutes: Map<string, string>;
  dejaSuivis: AlreadyFollowed[];
  /** Already-followed people whose contact details were updated. */
  misAJour: number;
}

interface Existing { id: string; pseudonyme: string; champs: Record<string, string> | null; traite_le: Date | null; periode: string }

const parseChamps = (v: unknown): Record<string, string> | null => (v == null ? null : typeof v === 'string' ? JSON.parse(v) as Record<string, string> : v as Record<string, string>);
const sameFields = (a: Record<string, string>, b: Record<string, string>) => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? '') !== (b[k] ?? '')) return false;
  return true;
};
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const textArray = (values: readonly string[]) => sql`${`{${values.join(',')}}`}::text[]`;

/** The date from which a person whose follow-up ended on `end` may be targeted again. */
export function retargetableFrom(end: Date | string, delayMonths: number): string {
  return addMonths(typeof end === 'string' ? end : isoDay(end), delayMonths);
}

export async function enrolContacts(trx: Kysely<DB>, input: EnrolmentInput): Promise<EnrolmentResult> {
  const result: EnrolmentResult = { ajoutes: new Map(), dejaSuivis: [], misAJour: 0 };
  const today = isoDay(input.now);
  const size = input.batchSize ?? 1000;
  for (let i = 0; i < input.people.length; i += size) {
    const batch = input.people.slice(i, i + size).filter((p) => /^[0-9a-f]{64}$/.test(p.pseudonyme));
    if (batch.length === 0) continue;
    const pseudonymes = batch.map((p) => p.pseudonyme);
    const live = await sql<Existing>`
      SELECT DISTINCT ON (pseudonyme) id::text AS id, pseudonyme, champs, traite_le, periode
      FROM contacts
      WHERE organisation_code = ${input.organisation} AND programme = ${input.programme.id}
        AND pseudonyme = ANY(${textArray(pseudonymes)}) AND detruit_le IS NULL
      ORDER BY pseudonyme, importe_le DESC, id DESC`.execute(trx);
    const liveBy = new Map(live.rows.map((r) => [r.pseudonyme, { ...r, champs: parseChamps(r.champs) }]));
    const ended = await trx.selectFrom('suivis_termines').select(['pseudonyme', sql<string>`termine_le::text`.as('termine_le'), sql<string>`reciblable_le::text`.as('reciblable_le')])
      .where('organisation_code', '=', input.organisation).where('programme', '=', input.programme.id)
      .where(sql<boolean>`pseudonyme = ANY(${textArray(pseudonymes)})`).where(sql<boolean>`reciblable_le > ${today}::date`).execute();
    const endedBy = new Map(ended.map((r) => [r.pseudonyme, r]));

    const newcomers: EnrolmentPerson[] = [];
    const updates: { id: string; person: EnrolmentPerson }[] = [];
    const seen = new Set<string>();
    for (const person of batch) {
      if (seen.has(person.pseudonyme)) continue;
      seen.add(person.pseudonyme);
      const current = liveBy.get(person.pseudonyme);
      if (current && current.traite_le === null) {
        const changed = current.champs !== null && !sameFields(current.champs, person.champs);
        if (changed) updates.push({ id: current.id, person });
        result.dejaSuivis.push({
          pseudonyme: person.pseudonyme, misAJour: changed,
          raison: `personne déjà suivie (liste de ${monthLabel(current.periode)})${changed ? ' : coordonnées mises à jour' : ''}`,
        });
        continue;
      }
      if (current && current.traite_le !== null) {
        const from = retargetableFrom(current.traite_le, input.programme.delaiNouveauCiblageMois);
        if (from > today) {
          result.dejaSuivis.push({ pseudonyme: person.pseudonyme, misAJour: false, raison: `suivi terminé le ${dateFr(isoDay(current.traite_le))} : nouveau ciblage possible à partir du ${dateFr(from)}` });
          continue;
        }
      }
      const past = endedBy.get(person.pseudonyme);
      if (past) {
        result.dejaSuivis.push({ pseudonyme: person.pseudonyme, misAJour: false, raison: `suivi terminé le ${dateFr(past.termine_le)} : nouveau ciblage possible à partir du ${dateFr(past.reciblable_le)}` });
        continue;
      }
      newcomers.push(person);
    }

    for (const { id, person } of updates) {
      await trx.updateTable('contacts').set({ champs: JSON.stringify(person.champs), appelable: person.appelable, version: sql`version + 1` })
        .where(sql<boolean>`id = ${id}::bigint`).execute();
      await sql`
        INSERT INTO evenements (contact_id, organisation_code, programme, periode, code, detail, survenu_le, enregistre_le, auteur_id, origine)
        SELECT c.id, c.organisation_code, c.programme, c.periode, ${CONTACT_DETAILS_CHANGED}, NULL, ${input.now}::timestamptz, ${input.now}::timestamptz, NULL, ${input.evenementOrigine ?? 'systeme'}
        FROM contacts c WHERE c.id = ${id}::bigint`.execute(trx);
    }
    result.misAJour += updates.length;

    if (newcomers.length > 0) {
      const rows = await trx.insertInto('contacts').values(newcomers.map((p) => ({
        organisation_code: input.organisation, programme: input.programme.id, paquet_id: input.paquet, periode: input.periode,
        pseudonyme: p.pseudonyme, champs: JSON.stringify(p.champs), importe_le: input.now, echeance: input.echeance,
        origine: input.origine, appelable: p.appelable,
      }))).onConflict((oc) => oc.doNothing()).returning(['id', 'pseudonyme']).execute();
      for (const r of rows) result.ajoutes.set(r.pseudonyme!, String(r.id));
      // a row refused by a unique index (the same person in the same package or month) is already there
      for (const p of newcomers) {
        if (!result.ajoutes.has(p.pseudonyme)) result.dejaSuivis.push({ pseudonyme: p.pseudonyme, misAJour: false, raison: 'personne déjà sur cette liste' });
      }
    }
  }
  return result;
}
