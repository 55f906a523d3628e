/**
 * Outreach persistence: contacts as worklist rows, events, orientations. SQL only here.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/index.ts';

export interface ContactRow {
  id: string;
  organisation_code: string;
  programme: string;
  periode: string;
  pseudonyme: string | null;
  champs: Record<string, string> | null;
  importe_le: Date;
  traite_le: Date | null;
  echeance: string;
  detruit_le: Date | null;
  agent_id: string | null;
  version: number;
  statut: string;
  appelable: boolean;
  dernier_evenement_le: Date | null;
}

export interface EventRow {
  id: string;
  code: string;
  detail: string | null;
  survenu_le: Date;
  enregistre_le: Date;
  auteur_id: string | null;
  origine: string;
}

const CONTACT_COLUMNS = [
  'id', 'organisation_code', 'programme', 'periode', 'pseudonyme', 'champs', 'importe_le', 'traite_le', 'detruit_le',
  'agent_id', 'version', 'statut', 'appelable', 'dernier_evenement_le',
] as const;

const asContact = (r: Record<string, unknown>): ContactRow => ({
  ...(r as unknown as ContactRow),
  id: String(r.id),
  echeance: typeof r.echeance === 'string' ? r.echeance : (r.echeance as Date).toISOString().slice(0, 10),
  importe_le: new Date(r.importe_le as string),
  traite_le: r.traite_le ? new Date(r.traite_le as string) : null,
  detruit_le: r.detruit_le ? new Date(r.detruit_le as string) : null,
  dernier_evenement_le: r.dernier_evenement_le ? new Date(r.dernier_evenement_le as string) : null,
});

export const outreachRepository = {
  /** The contact, locked for update when inside a transaction. */
  async contactForUpdate(db: Kysely<DB>, id: string): Promise<ContactRow | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const r = await db.selectFrom('contacts').select([...CONTACT_COLUMNS, sql<string>`echeance::text`.as('echeance')])
      .where('id', '=', id).forUpdate().executeTakeFirst();
    return r ? asContact(r) : undefined;
  },

  async contact(db: Kysely<DB>, id: string): Promise<ContactRow | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const r = await db.selectFrom('contacts').select([...CONTACT_COLUMNS, sql<string>`echeance::text`.as('echeance')])
      .where('id', '=', id).executeTakeFirst();
    return r ? asContact(r) : undefined;
  },

  /** Earliest opposition of the person (same pseudonym, any cohort, or the opposition register) for that organisation's programme. */
  async oppositionAt(db: Kysely<DB>, contact: Pick<ContactRow, 'id' | 'organisation_code' | 'programme' | 'pseudonyme'>): Promise<Date | null> {
    let q = db.selectFrom('evenements as e').innerJoin('contacts as c', 'c.id', 'e.contact_id')
      .select(sql<Date | null>`min(e.survenu_le)`.as('le'))
      .where('e.code', '=', 'opposition')
      .where('c.organisation_code', '=', contact.organisation_code)
      .where('c.programme', '=', contact.programme);
    q = contact.pseudonyme
      ? q.where((eb) => eb.or([eb('c.id', '=', contact.id), eb('c.pseudonyme', '=', contact.pseudonyme)]))
      : q.where('c.id', '=', contact.id);
    const r = await q.executeTakeFirst();
    const fromEvents = r?.le ? new Date(r.le) : null;
    // the register (migration 0011) outlives the destruction of the contacts that carried the opposition
    const registered = contact.pseudonyme ? await db.selectFrom('oppositions').select('oppose_le')
      .where('organisation_code', '=', contact.organisation_code).where('programme', '=', contact.programme)
      .where('pseudonyme', '=', contact.pseudonyme).executeTakeFirst() : undefined;
    const fromRegister = registered ? new Date(registered.oppose_le) : null;
    if (fromEvents && fromRegister) return fromEvents < fromRegister ? fromEvents : fromRegister;
    return fromEvents ?? fromRegister;
  },

  async events(db: Kysely<DB>, contactId: string): Promise<EventRow[]> {
    const rows = await db.selectFrom('evenements').select(['id', 'code', 'detail', 'survenu_le', 'enregistre_le', 'auteur_id', 'origine'])
      .where('contact_id', '=', contactId).orderBy('survenu_le').orderBy(sql`id`).execute();
    return rows.map((r) => ({ ...r, id: String(r.id), survenu_le: new Date(r.survenu_le), enregistre_le: new Date(r.enregistre_le as unknown as string) }));
  },

  async insertEvent(db: Kysely<DB>, e: {
    contact: Pick<ContactRow, 'id' | 'organisation_code' | 'programme' | 'periode'>;
    code: string; detail: string | null; occurredAt: Date; authorId: string | null; origin: DB['evenements']['origine']; recordedAt: Date;
  }): Promise<string> {
    const r = await db.insertInto('evenements').values({
      contact_id: e.contact.id, organisation_code: e.contact.organisation_code, programme: e.contact.programme, periode: e.contact.periode,
      code: e.code, detail: e.detail, survenu_le: e.occurredAt, enregistre_le: e.recordedAt as never, auteur_id: e.authorId, origine: e.origin,
    }).returning('id').executeTakeFirstOrThrow();
    return String(r.id);
  },

  /** Compare-and-set on the version: 0 rows means someone else changed the person in between. */
  async updateContactState(db: Kysely<DB>, id: string, expectedVersion: number, set: {
    statut: string; traite_le: Date | null; echeance: string; dernier_evenement_le: Date | null;
  }): Promise<number | null> {
    const r = await db.updateTable('contacts').set({
      statut: set.statut, traite_le: set.traite_le, echeance: set.echeance, dernier_evenement_le: set.dernier_evenement_le,
      version: sql`version + 1`,
    }).where('id', '=', id).where('version', '=', expectedVersion).returning('version').executeTakeFirst();
    return r ? r.version : null;
  },

  async insertOrientation(db: Kysely<DB>, o: {
    contact: Pick<ContactRow, 'id' | 'organisation_code' | 'programme'>; eventId: string; partenaire: string; partenaireOrganisation: string | null; at: Date;
  }): Promise<string> {
    const r = await db.insertInto('orientations').values({
      contact_id: o.contact.id, evenement_id: o.eventId, organisation_code: o.contact.organisation_code, programme: o.contact.programme,
      partenaire: o.partenaire, partenaire_organisation: o.partenaireOrganisation, cree_le: o.at as never, modifie_le: o.at as never,
    }).returning('id').executeTakeFirstOrThrow();
    return String(r.id);
  },
};
