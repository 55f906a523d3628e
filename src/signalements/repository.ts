/**
 * Signalements persistence: establishments, the competence lookup of one person, THE insertion of
 * a signalled person on the receiving organisation's worklist (`enterWorklist`, one place, so it
 * can be swapped for the shared "never add a followed person twice" insertion), and the
 * establishment's list.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { enrolContacts, markRegisteredOppositions } from '../outreach/index.ts';
import { retentionDeadline, type CompetenceLookup, type Programme } from '../programmes/index.ts';
import { organisationNames } from '../territories/index.ts';

export interface Establishment { code: string; nom: string; finess: string; commune: string | null }

export interface WorklistEntry {
  organisation: string;
  programme: Pick<Programme, 'id' | 'conservation' | 'delaiNouveauCiblageMois'>;
  periode: string;
  pseudonyme: string;
  champs: Record<string, string>;
  appelable: boolean;
  now: Date;
  signalement: {
    etablissement: string | null;
    finess: string;
    initiales: string;
    dateSignalement: string;
    origine: 'formulaire' | 'fichier';
    compteId: string | null;
  };
}

export interface WorklistEntryResult {
  resultat: 'ajoute' | 'deja_suivi';
  signalementId: string;
  contactId: string | null;
  /** The person is on the opposition register: put on the list and marked as opposed at once (never contacted). */
  oppose: boolean;
  /**
   * The same signalement was already received (same establishment, same person, same signalement
   * date: a file sent again, a form sent twice): when it was; nothing was written this time.
   */
  dejaRecuLe: Date | null;
}

export const signalementsRepository = {
  /** The competence of one branch for one commune and one postal code (a single signalement: two small queries, not the whole table). */
  async competenceFor(db: Kysely<DB>, branche: string, commune: string, codePostal: string): Promise<CompetenceLookup> {
    const byCommune = await db.selectFrom('competences').select('organisation_code').where('branche', '=', branche).where('commune_code', '=', commune).executeTakeFirst();
    const byPostal = await db.selectFrom('communes_codes_postaux as p').innerJoin('competences as k', 'k.commune_code', 'p.commune_code')
      .select('k.organisation_code').distinct().where('k.branche', '=', branche).where('p.code_postal', '=', codePostal).execute();
    return {
      parCommune: (code, b) => (b === branche && code === commune ? byCommune?.organisation_code ?? null : null),
      parCodePostal: (cp, b) => (b === branche && cp === codePostal ? byPostal.map((r) => r.organisation_code) : []),
    };
  },

  /**
   * Puts a signalled person on the receiving organisation's worklist, once: when the same person
   * (pseudonym) is already followed in the programme by that organisation with an open follow-up
   * (a live contact whose status is not terminal), no contact is added and the signalement is
   * linked to the existing one (« déjà suivi »). Otherwise a contact (origine 'signalement') in
   * the cohort `periode`, with the programme's retention; a person on the opposition register is
   * marked as opposed at once. The same signalement received again (same establishment's FINESS,
   * same person, same signalement date) writes nothing and answers « déjà suivi » with the first
   * one's id and date (`dejaRecuLe`). The caller owns the transaction.
   */
  async enterWorklist(trx: Kysely<DB>, e: WorklistEntry): Promise<WorklistEntryResult> {
    // Two signalements of the same person at the same time: the second waits and finds the first.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`signalement|${e.organisation}|${e.programme.id}|${e.pseudonyme}`}))`.execute(trx);
    const s = e.signalement;
    // The same signalement again (a file imported twice, a crash then a rerun, a form sent twice):
    // nothing new — no second signalement row, no update of the contact, no event.
    const again = await trx.selectFrom('signalements as s').innerJoin('contacts as c', 'c.id', 's.contact_id')
      .select([sql<string>`s.id::text`.as('id'), sql<string>`c.id::text`.as('contact_id'), sql<Date>`s.cree_le`.as('cree_le')])
      .where('c.organisation_code', '=', e.organisation).where('c.programme', '=', e.programme.id).where('c.pseudonyme', '=', e.pseudonyme)
      .where('c.detruit_le', 'is', null).where('s.finess', '=', s.finess).where(sql<boolean>`s.date_signalement = ${s.dateSignalement}::date`)
      .orderBy('s.id').limit(1).executeTakeFirst();
    if (again) return { resultat: 'deja_suivi', signalementId: again.id, contactId: again.contact_id, oppose: false, dejaRecuLe: new Date(again.cree_le) };
    const echeance = retentionDeadline({ importedAt: e.now, processedAt: null }, e.programme.conservation);
    // the one rule of every worklist (src/outreach/enrolment.ts): an open follow-up, or one ended
    // less than the programme's delay ago, is not added twice; changed details update the contact
    const enrolled = await enrolContacts(trx, {
      organisation: e.organisation, programme: e.programme, periode: e.periode, origine: 'signalement', paquet: null,
      people: [{ pseudonyme: e.pseudonyme, champs: e.champs, appelable: e.appelable }], now: e.now, echeance,
    });
    let contactId: string | null = enrolled.ajoutes.get(e.pseudonyme) ?? null;
    const resultat: 'ajoute' | 'deja_suivi' = contactId ? 'ajoute' : 'deja_suivi';
    let oppose = false;
    if (contactId) {
      const marked = await markRegisteredOppositions(trx, { organisation: e.organisation, programme: e.programme, target: { contactIds: [contactId] }, now: e.now });
      oppose = marked.contactIds.length > 0;
    } else {
      const live = await trx.selectFrom('contacts').select(sql<string>`id::text`.as('id'))
        .where('organisation_code', '=', e.organisation).where('programme', '=', e.programme.id).where('pseudonyme', '=', e.pseudonyme)
        .where('detruit_le', 'is', null).orderBy('id', 'desc').limit(1).executeTakeFirst();
      contactId = live?.id ?? null;
    }
    const row = await trx.insertInto('signalements').values({
      etablissement_code: s.etablissement, finess: s.finess, organisation_code: e.organisation, programme: e.programme.id, periode: e.periode,
      date_signalement: s.dateSignalement, initiales: s.initiales, contact_id: contactId, resultat, origine: s.origine, cree_le: e.now,
      cree_par: s.compteId, conserver_jusqu_au: echeance,
    }).returning(sql<string>`id::text`.as('id')).executeTakeFirstOrThrow();
    return { resultat, signalementId: row.id, contactId, oppose, dejaRecuLe: null };
  },

  /** An establishment's signalements, newest first: the receiving organisation and the contact's derived status, nothing of the follow-up. */
  async listForEstablishment(db: Kysely<DB>, etablissement: string, limit: number, offset: number) {
    const base = db.selectFrom('signalements as s').where('s.etablissement_code', '=', etablissement);
    const total = await base.select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
    const found = await base.leftJoin('contacts as c', 'c.id', 's.contact_id')
      .select([
        sql<string>`s.id::text`.as('id'), sql<string>`s.date_signalement::text`.as('date_signalement'), 's.initiales', 's.resultat', 's.origine',
        's.cree_le', 's.organisation_code', 'c.statut',
      ])
      .orderBy('s.cree_le', 'desc').orderBy('s.id', 'desc').limit(limit).offset(offset).execute();
    // the receiving organisations' names through the territories front door (it owns the table)
    const names = await organisationNames(db, [...new Set(found.map((r) => r.organisation_code))]);
    const rows = found.map((r) => ({ ...r, organisation_nom: names.get(r.organisation_code) ?? r.organisation_code }));
    return { total: Number(total.n), rows };
  },
};
