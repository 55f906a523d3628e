/**
 * The e-mail channel: prepare an offer e-mail into the outbox, then deliver it over SMTP
 * (nodemailer) from a worker of the job queue (`courriel.envoi`, retries with back-off).
 *
 * - prepareOfferEmail checks the contact rules first (opposition, violence flag: a person at risk
 *   is written to only on their safe e-mail; an e-mail address and its authorisation), renders the
 *   programme's template and stores the message (no recipient address in the outbox).
 * - deliverOfferEmail is the worker's function: it re-reads the contact (an opposition or a
 *   destruction since queuing cancels the message), sends, and records `offre_email_envoyee`
 *   through the outreach front door; a permanent refusal (5xx) is a bounce, recorded at once as
 *   `offre_email_echec`; a transient failure (server down, 4xx) throws so the queue retries, and
 *   the last attempt records `offre_email_echec`. Errors stored are French and name no address.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { DB } from '../db/index.ts';
import { catalogue } from '../orientation/index.ts';
import { OutreachRuleError, outreachProgrammes, recordEvent, riskProfile } from '../outreach/index.ts';
import { findProgramme, type Programme } from '../programmes/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { offerEmail, offerItems } from './content.ts';
import {
  channelContact, insertOutbox, markAttempt, oppositionSecret, outboxRow, setStatus, type ChannelContact,
} from './repository.ts';
import { signOppositionToken } from './token.ts';

export const MAIL_QUEUE = 'courriel.envoi';

export interface MailSettings {
  /** smtp://user:password@host:port (or smtps://); null: sending is not configured. */
  smtpUrl: string | null;
  /** The From header, e.g. "Caf du Var <ne-pas-repondre@caf83.passerelle.test>"; the organisation's name is used as display name. */
  fromAddress: string;
  /** Public base URL of the web app, for the opposition link (e.g. https://passerelle.example.fr). */
  publicUrl: string;
  /** Attempts before giving up on a transient failure (first try included). */
  maxAttempts: number;
  /** Seconds before the first retry (then doubled by the queue's back-off). */
  retryDelaySeconds: number;
}

/** A request refused before anything is queued: HTTP status and a French message. */
export class ChannelRefusal extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ChannelRefusal';
    this.status = status;
    this.code = code;
  }
}

/** Who asks: the account (null for the system, e.g. a campaign), its own organisation (audit), and the worklists it may work. */
export interface ChannelActor { compteId: string | null; organisation: string; organisations: readonly string[] }

export function programmeById(id: string): Programme {
  const p = findProgramme(outreachProgrammes(), id);
  if (!p) throw new ChannelRefusal(409, 'programme_inconnu', `Programme « ${id} » inconnu de cette instance.`);
  return p;
}

export function oppositionUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/opposition/${token}`;
}

/** The person's e-mail address for the offer, or a French reason why none may be used. */
export function emailAddressOf(programme: Programme, champs: Record<string, string>): { ok: true; address: string } | { ok: false; reason: string } {
  const channel = programme.canaux.find((c) => c.canal === 'courriel' && c.champ);
  if (!channel?.champ) return { ok: false, reason: 'ce programme ne prévoit pas de courriel' };
  const risk = riskProfile(programme, champs);
  let address = champs[channel.champ] ?? '';
  if (risk.atRisk) {
    if (risk.safeChannel !== 'email') {
      return { ok: false, reason: risk.safeChannel === null
        ? 'personne signalée à risque de violences sans canal sûr : elle ne doit pas être contactée'
        : 'personne signalée à risque de violences : son canal sûr est le téléphone, jamais un courriel' };
    }
    address = risk.safeValue ?? '';
  } else if (channel.autorisation && channel.autorisation in champs && champs[channel.autorisation] !== 'oui') {
    return { ok: false, reason: "la personne n'a pas accepté d'être contactée par courriel" };
  }
  address = address.trim();
  if (address === '') return { ok: false, reason: 'aucune adresse électronique connue' };
  if (!/^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/.test(address)) return { ok: false, reason: "l'adresse électronique n'est pas valide" };
  return { ok: true, address };
}

function checkContactForChannel(contact: ChannelContact | null, actor: ChannelActor | null): asserts contact is ChannelContact & { champs: Record<string, string> } {
  // A contact of another organisation is "not found": its existence is not revealed.
  if (!contact || (actor && !actor.organisations.includes(contact.organisationCode))) throw new ChannelRefusal(404, 'introuvable', 'Personne introuvable sur vos listes de travail.');
  if (contact.detruit || contact.champs === null) throw new ChannelRefusal(409, 'detruit', 'Les données de cette personne ont été détruites : plus aucun envoi possible.');
  if (contact.opposed) throw new ChannelRefusal(409, 'opposition', "Cette personne s'est opposée à tout nouveau contact pour ce programme : aucun envoi.");
}

/** Renders and stores the offer e-mail of a contact; returns the outbox id. Throws ChannelRefusal. */
export async function prepareOfferEmail(db: Kysely<DB>, settings: MailSettings, input: { contactId: string; actor: ChannelActor | null; expectedVersion?: number }): Promise<{ id: string; messageId: string }> {
  const contact = await channelContact(db, input.contactId);
  checkContactForChannel(contact, input.actor);
  if (!settings.smtpUrl) throw new ChannelRefusal(503, 'smtp_absent', "L'envoi de courriels n'est pas configuré sur cette instance (PASSERELLE_SMTP_URL).");
  if (input.expectedVersion !== undefined && input.expectedVersion !== contact.version) {
    throw new ChannelRefusal(409, 'conflit', 'Cette personne a été modifiée par un autre agent pendant que vous la consultiez : rechargez sa fiche, puis recommencez. Rien n’a été envoyé.');
  }
  const programme = programmeById(contact.programme);
  const address = emailAddressOf(programme, contact.champs);
  if (!address.ok) throw new ChannelRefusal(409, 'courriel_impossible', `Courriel impossible : ${address.reason}.`);
  const markers = (contact.champs.marqueurs ?? '').split(',').filter(Boolean);
  const token = signOppositionToken(await oppositionSecret(db), contact.id);
  const message = offerEmail({
    programme, organisation: contact.organisation, items: offerItems(programme, catalogue(), markers), oppositionUrl: oppositionUrl(settings.publicUrl, token),
  });
  const messageId = `<${randomUUID()}@passerelle.invalid>`;
  const id = await insertOutbox(db, {
    messageId, contactId: contact.id, organisation: contact.organisationCode, programme: programme.id, template: message.template,
    subject: message.subject, text: message.text, html: message.html, requestedBy: input.actor?.compteId ?? null,
  });
  return { id, messageId };
}

/** A transient failure: the queue retries the job. */
export class RetryableMailError extends Error {}

interface SmtpError { code?: string; responseCode?: number; command?: string }

/** A French description of an SMTP failure, without the server's text (it may quote the address). */
export function describeSmtpError(error: unknown): { permanent: boolean; message: string } {
  const e = (error ?? {}) as SmtpError;
  const command = e.command ? ` à l'étape ${e.command.split(' ').slice(0, 2).join(' ').replace(/[^A-Z ]/g, '')}` : '';
  if (typeof e.responseCode === 'number') {
    if (e.responseCode >= 500) return { permanent: true, message: `Refus définitif du serveur de messagerie (code ${e.responseCode}${command}) : adresse refusée ou inexistante.` };
    if (e.responseCode >= 400) return { permanent: false, message: `Refus temporaire du serveur de messagerie (code ${e.responseCode}${command}).` };
  }
  const code = typeof e.code === 'string' && /^[A-Z_]{2,20}$/.test(e.code) ? e.code : 'inconnue';
  if (code === 'ECONNECTION' || code === 'ECONNREFUSED' || code === 'ESOCKET' || code === 'EDNS') return { permanent: false, message: `Serveur de messagerie injoignable (${code}).` };
  if (code === 'ETIMEDOUT') return { permanent: false, message: 'Serveur de messagerie : délai dépassé.' };
  if (code === 'EAUTH') return { permanent: false, message: "Serveur de messagerie : l'authentification a échoué (vérifiez PASSERELLE_SMTP_URL)." };
  return { permanent: false, message: `Échec de l'envoi (erreur ${code}).` };
}

const transports = new Map<string, Transporter>();
function transportFor(smtpUrl: string): Transporter {
  let t = transports.get(smtpUrl);
  if (!t) {
    t = nodemailer.createTransport(smtpUrl, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as never);
    transports.set(smtpUrl, t);
  }
  return t;
}

const displayName = (name: string) => `"${name.replace(/["\\\r\n]/g, '')}"`;

export type DeliveryOutcome = 'envoye' | 'rejete' | 'echec' | 'annule' | 'deja_traite';

/**
 * Delivers one outbox message (the worker's function). `attempt` is 1 for the first try.
 * Returns the outcome, or throws RetryableMailError when the queue should try again.
 */
export async function deliverOfferEmail(db: Kysely<DB>, settings: MailSettings, id: string, attempt: number): Promise<DeliveryOutcome> {
  const row = await outboxRow(db, id);
  if (!row || row.statut !== 'en_attente') return 'deja_traite';
  const contact = await channelContact(db, row.contact_id);
  const cancel = async (reason: string) => { await setStatus(db, id, 'annule', reason); return 'annule' as const; };
  if (!contact || contact.detruit || contact.champs === null) return cancel("Données de la personne détruites avant l'envoi : courriel annulé.");
  if (contact.opposed) return cancel("Opposition enregistrée avant l'envoi : courriel annulé.");
  const programme = programmeById(contact.programme);
  const address = emailAddressOf(programme, contact.champs);
  if (!address.ok) return cancel(`Courriel annulé : ${address.reason}.`);
  if (!settings.smtpUrl || row.corps_texte === null) return cancel("Courriel annulé : envoi non configuré ou message effacé.");

  const token = signOppositionToken(await oppositionSecret(db), contact.id);
  const from = settings.fromAddress.includes('<') ? settings.fromAddress : `${displayName(contact.organisation.nom)} <${settings.fromAddress}>`;
  try {
    await transportFor(settings.smtpUrl).sendMail({
      from, to: address.address, subject: row.objet, text: row.corps_texte, html: row.corps_html ?? undefined, messageId: row.message_id,
      headers: { 'List-Unsubscribe': `<${oppositionUrl(settings.publicUrl, token)}>`, 'Auto-Submitted': 'auto-generated' },
    });
  } catch (error) {
    const failure = describeSmtpError(error);
    const last = failure.permanent || attempt >= settings.maxAttempts;
    if (!last) {
      await markAttempt(db, id, { statut: 'en_attente', erreur: `${failure.message} Nouvel essai prévu (tentative ${attempt} sur ${settings.maxAttempts}).` });
      throw new RetryableMailError(failure.message);
    }
    const statut = failure.permanent ? 'rejete' : 'echec';
    const detail = failure.permanent ? `rejet définitif (code ${(error as SmtpError).responseCode})` : `échec après ${attempt} tentative(s)`;
    let eventId: string | null = null;
    try {
      eventId = (await recordEvent(db, { contactId: contact.id, code: 'offre_email_echec', detail, occurredAt: new Date(), authorId: row.demande_par, origin: 'courriel' })).eventId;
    } catch (e) {
      if (!(e instanceof OutreachRuleError)) throw e;
    }
    await markAttempt(db, id, { statut, erreur: failure.message, evenementId: eventId });
    return statut;
  }
  let eventId: string | null = null;
  let note: string | null = null;
  try {
    eventId = (await recordEvent(db, { contactId: contact.id, code: 'offre_email_envoyee', occurredAt: new Date(), authorId: row.demande_par, origin: 'courriel' })).eventId;
  } catch (e) {
    if (!(e instanceof OutreachRuleError)) throw e;
    note = `Envoyé, mais l'événement n'a pas pu être enregistré : ${e.message}`.slice(0, 300);
  }
  await markAttempt(db, id, { statut: 'envoye', erreur: note, envoye: true, evenementId: eventId });
  await recordAudit(db, {
    action: 'courriel.envoi', acteur: { compteId: row.demande_par, organisation: row.organisation_code },
    cible: { type: 'contact', id: contact.id }, details: { courriel: id, programme: row.programme, modele: row.modele, tentative: attempt },
  });
  return 'envoye';
}
