/** Channels persistence: the outbox, the demo catcher's mail and the contact as the channels see it. */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { findOrganisation } from '../territories/index.ts';

export type OutboxStatus = 'en_attente' | 'envoye' | 'echec' | 'rejete' | 'annule';

export interface ChannelContact {
  id: string;
  organisationCode: string;
  programme: string;
  periode: string;
  pseudonyme: string | null;
  champs: Record<string, string> | null;
  detruit: boolean;
  version: number;
  organisation: { code: string; nom: string; type: string };
  /** An opposition was recorded for this person and programme (this contact, the same person in another month, or the opposition register). */
  opposed: boolean;
}

const parseChamps = (v: unknown): Record<string, string> | null => (v == null ? null : typeof v === 'string' ? JSON.parse(v) : v as Record<string, string>);

/** The secret of opposition tokens, created on first use (meta, never shown). */
export async function oppositionSecret(db: Kysely<DB>): Promise<Buffer> {
  const key = 'cle_jetons_opposition';
  await db.insertInto('meta').values({ cle: key, valeur: randomBytes(32).toString('hex') }).onConflict((oc) => oc.column('cle').doNothing()).execute();
  const row = await db.selectFrom('meta').select('valeur').where('cle', '=', key).executeTakeFirstOrThrow();
  return Buffer.from(row.valeur, 'hex');
}


export async function channelContact(db: Kysely<DB>, contactId: string): Promise<ChannelContact | null> {
  if (!/^\d{1,18}$/.test(contactId)) return null;
  const row = await db.selectFrom('contacts as c')
    .select([
      sql<string>`c.id::text`.as('id'), 'c.organisation_code', 'c.programme', 'c.periode', 'c.pseudonyme', 'c.champs', 'c.detruit_le', 'c.version',
      sql<boolean>`EXISTS (
        SELECT 1 FROM evenements e JOIN contacts c2 ON c2.id = e.contact_id
        WHERE e.code = 'opposition' AND c2.organisation_code = c.organisation_code AND c2.programme = c.programme
          AND (c2.id = c.id OR (c.pseudonyme IS NOT NULL AND c2.pseudonyme = c.pseudonyme)))
        OR (c.pseudonyme IS NOT NULL AND EXISTS (SELECT 1 FROM oppositions o
          WHERE o.organisation_code = c.organisation_code AND o.programme = c.programme AND o.pseudonyme = c.pseudonyme))`.as('opposed'),
    ])
    .where(sql<boolean>`c.id = ${contactId}::bigint`)
    .executeTakeFirst();
  if (!row) return null;
  // its organisation through the territories front door (territories owns the table)
  const organisation = await findOrganisation(db, row.organisation_code);
  if (!organisation) return null;
  return {
    id: row.id, organisationCode: row.organisation_code, programme: row.programme, periode: row.periode, pseudonyme: row.pseudonyme,
    champs: parseChamps(row.champs), detruit: row.detruit_le !== null, version: Number(row.version),
    organisation: { code: organisation.code, nom: organisation.nom, type: organisation.type }, opposed: Boolean(row.opposed),
  };
}

export interface OutboxInsert {
  messageId: string;
  contactId: string;
  organisation: string;
  programme: string;
  template: string;
  subject: string;
  text: string;
  html: string;
  requestedBy: string | null;
}

export async function insertOutbox(db: Kysely<DB>, m: OutboxInsert): Promise<string> {
  const row = await db.insertInto('courriels').values({
    message_id: m.messageId, contact_id: m.contactId, organisation_code: m.organisation, programme: m.programme, modele: m.template,
    objet: m.subject, corps_texte: m.text, corps_html: m.html, demande_par: m.requestedBy, statut: 'en_attente',
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function outboxRow(db: Kysely<DB>, id: string) {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  return db.selectFrom('courriels').selectAll().select(sql<string>`contact_id::text`.as('contact_id')).where('id', '=', id).executeTakeFirst();
}

export async function markAttempt(db: Kysely<DB>, id: string, change: { statut: OutboxStatus; erreur?: string | null; envoye?: boolean; evenementId?: string | null }) {
  await db.updateTable('courriels').set({
    statut: change.statut,
    tentatives: sql`tentatives + 1`,
    derniere_erreur: change.erreur ?? null,
    modifie_le: new Date(),
    ...(change.envoye ? { envoye_le: new Date() } : {}),
    ...(change.evenementId !== undefined ? { evenement_id: change.evenementId } : {}),
  }).where('id', '=', id).execute();
}

export async function setStatus(db: Kysely<DB>, id: string, statut: OutboxStatus, erreur: string | null, evenementId?: string | null) {
  await db.updateTable('courriels').set({ statut, derniere_erreur: erreur, modifie_le: new Date(), ...(evenementId !== undefined ? { evenement_id: evenementId } : {}) })
    .where('id', '=', id).execute();
}

/** Cancels a contact's mail still waiting in the outbox; returns how many. */
export async function cancelWaitingMail(db: Kysely<DB>, contactId: string, reason: string, now = new Date()): Promise<number> {
  const r = await db.updateTable('courriels').set({ statut: 'annule', derniere_erreur: reason, modifie_le: now })
    .where('contact_id', '=', contactId).where('statut', '=', 'en_attente').executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0);
}

export async function pendingOutboxIds(db: Kysely<DB>): Promise<string[]> {
  return (await db.selectFrom('courriels').select('id').where('statut', '=', 'en_attente').orderBy('cree_le').execute()).map((r) => r.id);
}

/** Stores a message caught by the demo SMTP server, when it is one of the outbox's (other mail is dropped). */
export async function storeCaught(db: Kysely<DB>, messageId: string, raw: string): Promise<boolean> {
  const result = await sql`INSERT INTO courriels_demo (message_id, taille, brut)
    SELECT ${messageId}, ${Buffer.byteLength(raw)}, ${raw} WHERE EXISTS (SELECT 1 FROM courriels WHERE message_id = ${messageId})`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

export interface SentMailRow {
  id: string;
  contactId: string;
  organisation: string;
  programme: string;
  periode: string;
  modele: string;
  objet: string;
  statut: OutboxStatus;
  tentatives: number;
  derniereErreur: string | null;
  creeLe: string;
  envoyeLe: string | null;
  recuLe: string | null;
  corpsDisponible: boolean;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The outbox of organisations (newest first), with what the demo server caught; no body, no address. */
export async function listSent(db: Kysely<DB>, filter: { organisations: string[] | 'all'; statut?: OutboxStatus; limit: number; offset: number }): Promise<{ total: number; lignes: SentMailRow[] }> {
  let base = db.selectFrom('courriels as m').innerJoin('contacts as c', 'c.id', 'm.contact_id');
  if (filter.organisations !== 'all') base = base.where('m.organisation_code', 'in', filter.organisations.length ? filter.organisations : ['-']);
  if (filter.statut) base = base.where('m.statut', '=', filter.statut);
  const total = await base.select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
  const rows = await base.select([
    'm.id', sql<string>`m.contact_id::text`.as('contact_id'), 'm.organisation_code', 'm.programme', 'c.periode', 'm.modele', 'm.objet', 'm.statut',
    'm.tentatives', 'm.derniere_erreur', 'm.cree_le', 'm.envoye_le', sql<boolean>`m.corps_texte IS NOT NULL`.as('corps'),
    sql<Date | null>`(SELECT max(d.recu_le) FROM courriels_demo d WHERE d.message_id = m.message_id)`.as('recu_le'),
  ]).orderBy('m.cree_le', 'desc').orderBy('m.id').limit(filter.limit).offset(filter.offset).execute();
  return {
    total: Number(total.n),
    lignes: rows.map((r) => ({
      id: r.id, contactId: r.contact_id, organisation: r.organisation_code, programme: r.programme, periode: r.periode, modele: r.modele, objet: r.objet,
      statut: r.statut, tentatives: Number(r.tentatives), derniereErreur: r.derniere_erreur, creeLe: iso(r.cree_le)!, envoyeLe: iso(r.envoye_le),
      recuLe: iso(r.recu_le), corpsDisponible: Boolean(r.corps),
    })),
  };
}

/** One message with its body and, in demo, the raw message the catcher received (personal data: audited by the caller). */
export async function mailBody(db: Kysely<DB>, id: string) {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const row = await db.selectFrom('courriels as m')
    .select(['m.id', 'm.organisation_code', 'm.programme', 'm.objet', 'm.corps_texte', 'm.corps_html', 'm.statut', 'm.message_id', sql<string>`m.contact_id::text`.as('contact_id')])
    .where('m.id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const caught = await db.selectFrom('courriels_demo').select(['brut', 'recu_le']).where('message_id', '=', row.message_id).orderBy('id', 'desc').limit(1).executeTakeFirst();
  return { ...row, brut: caught?.brut ?? null, recuLe: caught ? iso(caught.recu_le) : null };
}

/**
 * The people of the month's list who never received the offer: no e-mail in the outbox (sent,
 * waiting or failed), no letter, no opposition — newcomers, and those an interrupted run left.
 */
export async function contactsWithoutOffer(db: Kysely<DB>, organisation: string, programme: string, periode: string) {
  const rows = await db.selectFrom('contacts as c').select([sql<string>`c.id::text`.as('id'), 'c.champs'])
    .where('c.organisation_code', '=', organisation).where('c.programme', '=', programme).where('c.periode', '=', periode)
    .where('c.origine', '=', 'extrait').where('c.detruit_le', 'is', null).where('c.statut', '=', 'a_contacter')
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('courriels as m').select('m.id').whereRef('m.contact_id', '=', 'c.id'))))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('evenements as e').select('e.id').whereRef('e.contact_id', '=', 'c.id'))))
    .orderBy('c.id').execute();
  return rows.map((r) => ({ id: r.id, champs: (typeof r.champs === 'string' ? JSON.parse(r.champs) : r.champs) as Record<string, string> }));
}

/** Whether a letter offer was already recorded for this contact (a letter is recorded once). */
export async function alreadySentByLetter(db: Kysely<DB>, contactId: string): Promise<boolean> {
  const row = await db.selectFrom('evenements').select('id').where(sql<boolean>`contact_id = ${contactId}::bigint`).where('code', '=', 'offre_courrier_envoyee').limit(1).executeTakeFirst();
  return row !== undefined;
}

/** The month's list of an organisation and programme as the mailing sees it: each contact, opposed, already sent, mail queued. */
export async function mailingCandidates(db: Kysely<DB>, input: { organisation: string; programme: string; periode: string; contactIds?: readonly string[] }) {
  let q = db.selectFrom('contacts as c')
    .select([
      sql<string>`c.id::text`.as('id'), 'c.champs', 'c.periode',
      sql<boolean>`EXISTS (SELECT 1 FROM evenements e JOIN contacts c2 ON c2.id = e.contact_id WHERE e.code = 'opposition'
        AND c2.organisation_code = c.organisation_code AND c2.programme = c.programme AND (c2.id = c.id OR c2.pseudonyme = c.pseudonyme))
        OR EXISTS (SELECT 1 FROM oppositions o WHERE o.organisation_code = c.organisation_code AND o.programme = c.programme AND o.pseudonyme = c.pseudonyme)`.as('opposed'),
      sql<boolean>`EXISTS (SELECT 1 FROM evenements e WHERE e.contact_id = c.id AND e.code IN ('offre_email_envoyee', 'offre_courrier_envoyee'))`.as('sent'),
      sql<boolean>`EXISTS (SELECT 1 FROM courriels m WHERE m.contact_id = c.id AND m.statut IN ('en_attente', 'envoye'))`.as('queued'),
    ])
    .where('c.organisation_code', '=', input.organisation).where('c.programme', '=', input.programme).where('c.periode', '=', input.periode)
    .where('c.detruit_le', 'is', null).orderBy('c.id');
  if (input.contactIds) q = q.where(sql<boolean>`c.id = ANY(${input.contactIds.map(String)}::bigint[])`);
  return q.execute();
}
