/**
 * Recording an event: the rules (pure, rules.ts), then the event, the derived status, the
 * orientation and the retention deadline in one transaction with a version check.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { findProgramme, loadProgrammes, retentionDeadline, type Programme } from '../programmes/index.ts';
import { findOrganisation, mayBeCompetentFor, organisationsOfType } from '../territories/index.ts';
import { outreachRepository, type ContactRow } from './repository.ts';
import { checkEvent, OutreachRuleError, VersionConflict } from './rules.ts';
import { registerOpposition } from './oppositions.ts';
import { deriveStatus, isTerminal, type Status } from './status.ts';
import { checkEventDetail, findEvent, PARTNER_BRANCH, type EventCode, type EventOrigin, type OrientationPartner } from './vocabulary.ts';

let cachedProgrammes: Programme[] | null = null;
/** The instance's programmes, loaded once. */
export function programmes(): Programme[] {
  cachedProgrammes ??= loadProgrammes();
  return cachedProgrammes;
}

export function programmeOf(id: string): Programme {
  const p = findProgramme(programmes(), id);
  if (!p) throw new OutreachRuleError('programme_inconnu', `Programme « ${id} » inconnu de cette instance.`);
  return p;
}

export interface RecordEventInput {
  contactId: string;
  code: EventCode | string;
  detail?: string | null;
  occurredAt: Date;
  authorId: string | null;
  origin: EventOrigin;
  /** The version the caller read; a different current version raises VersionConflict. */
  expectedVersion?: number;
  /** Recording time (tests, demo); now by default. */
  now?: Date;
  /** Instance maximum retention after import, in days (programme default otherwise). */
  maxDays?: number | null;
}

export interface RecordedEvent { eventId: string; status: Status; version: number; orientationId?: string }


/** The organisation running the partner service: the holder itself when it is of that branch, else the one of its département when unique. */
export async function partnerOrganisation(db: Kysely<DB>, holderCode: string, partner: OrientationPartner): Promise<string | null> {
  const holder = await findOrganisation(db, holderCode);
  if (!holder) return null;
  const branch = PARTNER_BRANCH[partner];
  if (mayBeCompetentFor(holder.type, branch)) return holder.code;
  if (!holder.departement_code || branch === 'carsat') return null;
  const found = await organisationsOfType(db, branch, holder.departement_code);
  return found.length === 1 ? found[0]!.code : null;
}

/** Applies an event inside a transaction (the caller owns the transaction). */
export async function applyEvent(trx: Kysely<DB>, input: RecordEventInput): Promise<RecordedEvent & { contact: ContactRow }> {
  const code: EventCode = String(input.code);
  if (!(input.occurredAt instanceof Date) || Number.isNaN(input.occurredAt.getTime())) {
    throw new OutreachRuleError('date_invalide', "La date de l'événement est invalide.");
  }
  const now = input.now ?? new Date();
  if (input.occurredAt.getTime() > now.getTime() + 5 * 60_000) {
    throw new OutreachRuleError('date_future', "La date de l'événement est dans le futur : un événement s'enregistre une fois survenu.");
  }
  const contact = await outreachRepository.contactForUpdate(trx, input.contactId);
  if (!contact) throw new OutreachRuleError('introuvable', 'Personne introuvable sur les listes de travail.');
  if (input.expectedVersion !== undefined && input.expectedVersion !== contact.version) throw new VersionConflict(contact.version);
  const programme = programmeOf(contact.programme);
  const found = findEvent(programme, code);
  if (!found.ok) throw new OutreachRuleError('evenement_inconnu', `É${found.raison.slice(1)}.`);
  const event = found.event;
  const detail = checkEventDetail(event, input.detail);
  if (!detail.ok) throw new OutreachRuleError('detail_invalide', `Détail invalide pour « ${event.libelle} » : ${detail.raison}.`);
  checkEvent({ programme, champs: contact.champs, code, occurredAt: input.occurredAt, oppositionAt: await outreachRepository.oppositionAt(trx, contact) });

  const eventId = await outreachRepository.insertEvent(trx, {
    contact, code, detail: detail.detail, occurredAt: input.occurredAt, authorId: input.authorId, origin: input.origin, recordedAt: now,
  });
  if (event.genre === 'opposition' && contact.pseudonyme) {
    // art. 21 RGPD: the objection must outlive the destruction of this contact (src/outreach/oppositions.ts)
    await registerOpposition(trx, { organisation: contact.organisation_code, programme, pseudonyme: contact.pseudonyme, opposedAt: input.occurredAt, now });
  }
  let orientationId: string | undefined;
  if (event.genre === 'orientation') {
    const partner = detail.detail as OrientationPartner;
    orientationId = await outreachRepository.insertOrientation(trx, {
      contact, eventId, partenaire: partner, partenaireOrganisation: await partnerOrganisation(trx, contact.organisation_code, partner), at: now,
    });
  }
  const events = await outreachRepository.events(trx, contact.id);
  const status = deriveStatus(programme, events);
  const traiteLe = contact.traite_le ?? (isTerminal(status) ? now : null);
  const echeance = traiteLe && !contact.traite_le
    ? retentionDeadline({ importedAt: contact.importe_le, processedAt: traiteLe, maxDays: input.maxDays ?? null }, programme.conservation)
    : contact.echeance;
  const last = contact.dernier_evenement_le && contact.dernier_evenement_le > input.occurredAt ? contact.dernier_evenement_le : input.occurredAt;
  const version = await outreachRepository.updateContactState(trx, contact.id, contact.version, {
    statut: status, traite_le: traiteLe, echeance: echeance < contact.echeance ? echeance : contact.echeance, dernier_evenement_le: last,
  });
  if (version === null) throw new VersionConflict(contact.version + 1);
  return { eventId, status, version, contact, ...(orientationId ? { orientationId } : {}) };
}

/**
 * Records one event for a person (front door): checks the rules (opposition, violence flag,
 * phone authorisation, detail) and the version, stores the event, recomputes the status, and on
 * a terminal status sets `traite_le` and brings the destruction deadline forward. Throws
 * OutreachRuleError (French message) or VersionConflict; nothing is written then.
 */
export async function recordEvent(db: Kysely<DB>, input: RecordEventInput): Promise<RecordedEvent> {
  const run = async (trx: Kysely<DB>) => {
    const { contact: _contact, ...result } = await applyEvent(trx, input);
    return result;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}
