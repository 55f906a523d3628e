/**
 * The person's side of the opposition link: what the public page shows (the programme and the
 * organisation, nothing personal) and recording the opposition (an `opposition` event through
 * the outreach front door; the messages still waiting in the outbox are cancelled).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { OutreachRuleError, recordEvent } from '../outreach/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { wordingFor } from './content.ts';
import { programmeById } from './mail.ts';
import { cancelWaitingMail, channelContact, oppositionSecret } from './repository.ts';
import { verifyOppositionToken } from './token.ts';

export interface OppositionView {
  programme: string;
  programmeTitre: string;
  organisation: string;
  /** Already recorded: nothing more will be sent. */
  dejaEnregistree: boolean;
  /**
   * The contact's data were destroyed (retention): the objection can no longer be tied to the
   * person, and the page says so plainly instead of pretending it was recorded.
   */
  donneesDetruites: boolean;
}

export type OppositionLookup = { ok: true; contactId: string; view: OppositionView } | { ok: false };

export async function lookupOpposition(db: Kysely<DB>, token: string): Promise<OppositionLookup> {
  const contactId = verifyOppositionToken(await oppositionSecret(db), token);
  if (!contactId) return { ok: false };
  const contact = await channelContact(db, contactId);
  if (!contact) return { ok: false };
  const programme = programmeById(contact.programme);
  return {
    ok: true, contactId,
    view: { programme: programme.id, programmeTitre: wordingFor(programme).subject, organisation: contact.organisation.nom, dejaEnregistree: contact.opposed, donneesDetruites: contact.detruit && !contact.opposed },
  };
}

/** Records the opposition of the token's person; idempotent. */
export async function recordOpposition(db: Kysely<DB>, token: string, now = new Date()): Promise<OppositionLookup & { nouvelle?: boolean }> {
  const found = await lookupOpposition(db, token);
  if (!found.ok) return found;
  if (found.view.dejaEnregistree || found.view.donneesDetruites) return { ...found, nouvelle: false };
  try {
    await recordEvent(db, { contactId: found.contactId, code: 'opposition', detail: null, occurredAt: now, authorId: null, origin: 'courriel' });
  } catch (e) {
    if (!(e instanceof OutreachRuleError)) throw e;
    // Already recorded meanwhile, or the data were destroyed: either way nothing more will be sent.
    return { ...found, view: { ...found.view, dejaEnregistree: true }, nouvelle: false };
  }
  const cancelled = await cancelWaitingMail(db, found.contactId, "Opposition enregistrée avant l'envoi : courriel annulé.");
  const contact = await channelContact(db, found.contactId);
  await recordAudit(db, {
    action: 'opposition.lien', acteur: { compteId: null, organisation: contact?.organisationCode ?? null },
    cible: { type: 'contact', id: found.contactId }, details: { programme: found.view.programme, courrielsAnnules: cancelled },
  });
  return { ...found, view: { ...found.view, dejaEnregistree: true }, nouvelle: true };
}
