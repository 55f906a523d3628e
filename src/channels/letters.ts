/**
 * Letters for people on a worklist: one letter (download from the person's page) or the mailing of
 * a month's list (one merged PDF). Producing the letter for posting records
 * `offre_courrier_envoyee` (once per person) through the outreach front door. Never for a person
 * at risk of violence (the household address is a shared channel), after an opposition, or
 * without a full postal address. Every generation is audited (the PDF holds names and addresses).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { aujourdhuiIso, catalogue } from '../orientation/index.ts';
import { OutreachRuleError, recordEvent, riskRefusal } from '../outreach/index.ts';
import { isIsoMonth } from '../programmes/index.ts';
import { findOrganisation } from '../territories/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { offerItems } from './content.ts';
import { buildLetterPdf, buildMailingPdf, recipientOf, type LetterInput } from './letter.ts';
import { ChannelRefusal, oppositionUrl, programmeById, type ChannelActor } from './mail.ts';
import { alreadySentByLetter, channelContact, mailingCandidates, oppositionSecret } from './repository.ts';
import { signOppositionToken } from './token.ts';

export interface LetterOptions { publicUrl: string; today?: string }

/** Why no letter may be sent to this person (French), or null. */
export function letterRefusal(programme: ReturnType<typeof programmeById>, champs: Record<string, string>): string | null {
  const risk = riskRefusal(programme, champs, 'offre_courrier_envoyee');
  if (risk) return risk;
  if (!recipientOf(champs)) return 'adresse postale inconnue ou incomplète (ce programme ne transmet pas d’adresse, ou elle manque)';
  return null;
}

async function recordLetter(db: Kysely<DB>, contactId: string, actor: ChannelActor | null): Promise<string | null> {
  if (await alreadySentByLetter(db, contactId)) return null;
  try {
    return (await recordEvent(db, { contactId, code: 'offre_courrier_envoyee', occurredAt: new Date(), authorId: actor?.compteId ?? null, origin: 'courrier' })).eventId;
  } catch (e) {
    if (e instanceof OutreachRuleError) throw new ChannelRefusal(409, e.code, e.message);
    throw e;
  }
}

/** The letter of one person (PDF), recorded as sent. Throws ChannelRefusal. */
export async function personLetter(db: Kysely<DB>, options: LetterOptions, input: { contactId: string; actor: ChannelActor | null; expectedVersion?: number }): Promise<{ pdf: Buffer; fileName: string }> {
  const contact = await channelContact(db, input.contactId);
  if (!contact || (input.actor && !input.actor.organisations.includes(contact.organisationCode))) throw new ChannelRefusal(404, 'introuvable', 'Personne introuvable sur vos listes de travail.');
  if (contact.detruit || contact.champs === null) throw new ChannelRefusal(409, 'detruit', 'Les données de cette personne ont été détruites : plus aucun courrier possible.');
  if (contact.opposed) throw new ChannelRefusal(409, 'opposition', "Cette personne s'est opposée à tout nouveau contact pour ce programme : aucun courrier.");
  if (input.expectedVersion !== undefined && input.expectedVersion !== contact.version) {
    throw new ChannelRefusal(409, 'conflit', 'Cette personne a été modifiée par un autre agent pendant que vous la consultiez : rechargez sa fiche, puis recommencez.');
  }
  const programme = programmeById(contact.programme);
  const refusal = letterRefusal(programme, contact.champs);
  if (refusal) throw new ChannelRefusal(409, 'courrier_impossible', `Courrier impossible : ${refusal}.`);
  const secret = await oppositionSecret(db);
  const markers = (contact.champs.marqueurs ?? '').split(',').filter(Boolean);
  const pdf = await buildLetterPdf({
    programme, organisation: contact.organisation, items: offerItems(programme, catalogue(), markers), recipient: recipientOf(contact.champs)!,
    reference: `${programme.id}-${contact.periode}-${contact.id}`, oppositionUrl: oppositionUrl(options.publicUrl, signOppositionToken(secret, contact.id)),
    date: options.today ?? aujourdhuiIso(),
  });
  const eventId = await recordLetter(db, contact.id, input.actor);
  await recordAudit(db, {
    action: 'courrier.generation', acteur: input.actor ? { compteId: input.actor.compteId, organisation: input.actor.organisation } : null,
    cible: { type: 'contact', id: contact.id }, details: { programme: programme.id, periode: contact.periode, nombre: 1, evenementEnregistre: eventId !== null },
  });
  return { pdf, fileName: `courrier-${programme.id}-${contact.periode}-${contact.id}.pdf` };
}

export interface MailingReport {
  organisation: string;
  programme: string;
  periode: string;
  /** People on the month's list, destroyed ones excluded. */
  personnes: number;
  courriers: number;
  /** People left out, by French reason. */
  exclus: { raison: string; nombre: number }[];
}

export interface MailingSelection { report: MailingReport; letters: (LetterInput & { contactId: string })[] }

/**
 * The month's mailing: every person of the list to whom no offer was sent yet (no e-mail sent or
 * waiting, no letter), who may receive a letter. `contactIds` restricts it (a campaign's new contacts).
 */
export async function selectMailing(db: Kysely<DB>, options: LetterOptions, input: { organisation: string; programme: string; periode: string; contactIds?: readonly string[] }): Promise<MailingSelection> {
  if (!isIsoMonth(input.periode)) throw new ChannelRefusal(400, 'mois_invalide', `Mois invalide : « ${input.periode.slice(0, 20)} » ; AAAA-MM attendu.`);
  const programme = programmeById(input.programme);
  const org = await findOrganisation(db, input.organisation);
  if (!org) throw new ChannelRefusal(404, 'organisation_inconnue', `Organisme inconnu : ${input.organisation.slice(0, 40)}.`);
  const rows = await mailingCandidates(db, input);
  const exclus = new Map<string, number>();
  const exclude = (r: string) => exclus.set(r, (exclus.get(r) ?? 0) + 1);
  const secret = await oppositionSecret(db);
  const today = options.today ?? aujourdhuiIso();
  const items = new Map<string, ReturnType<typeof offerItems>>();
  const letters: MailingSelection['letters'] = [];
  for (const r of rows) {
    const champs = (typeof r.champs === 'string' ? JSON.parse(r.champs) : r.champs) as Record<string, string>;
    if (r.opposed) { exclude('opposition à tout nouveau contact'); continue; }
    if (r.sent || r.queued) { exclude('offre déjà envoyée ou courriel en cours d’envoi'); continue; }
    const refusal = letterRefusal(programme, champs);
    if (refusal) { exclude(refusal); continue; }
    const markers = champs.marqueurs ?? '';
    if (!items.has(markers)) items.set(markers, offerItems(programme, catalogue(), markers.split(',').filter(Boolean)));
    letters.push({
      contactId: r.id, programme, organisation: org, items: items.get(markers)!, recipient: recipientOf(champs)!,
      reference: `${programme.id}-${r.periode}-${r.id}`, oppositionUrl: oppositionUrl(options.publicUrl, signOppositionToken(secret, r.id)), date: today,
    });
  }
  return {
    report: {
      organisation: input.organisation, programme: input.programme, periode: input.periode, personnes: rows.length, courriers: letters.length,
      exclus: [...exclus].map(([raison, nombre]) => ({ raison, nombre })).sort((a, b) => b.nombre - a.nombre),
    },
    letters,
  };
}

/**
 * Builds the merged PDF of a selection and records each letter as sent; audited.
 *
 * With `deliver` (a batch that writes the PDF itself), the PDF is delivered BEFORE the letters are
 * recorded: a run killed in between leaves letters printed but not recorded (the rerun prints them
 * again), never letters recorded as sent that no PDF holds. When a letter is refused at recording
 * time (an opposition made meanwhile), the PDF is built and delivered again without it.
 */
export async function produceMailing(db: Kysely<DB>, selection: MailingSelection, actor: ChannelActor | null, options: {
  deliver?: (pdf: Buffer, fileName: string) => Promise<void>;
} = {}): Promise<{ pdf: Buffer | null; report: MailingReport; fileName: string }> {
  const { report, letters } = selection;
  const fileName = `publipostage-${report.programme}-${report.organisation}-${report.periode}.pdf`;
  const title = `Publipostage ${report.programme} ${report.periode} (${report.organisation})`;
  let delivered: Buffer | null = null;
  if (options.deliver && letters.length > 0) {
    delivered = await buildMailingPdf(letters, title);
    await options.deliver(delivered, fileName);
  }
  // Record, then print (or print again): a letter the rules refuse at recording time (an opposition
  // made meanwhile, say) must not end up in the PDF that is posted.
  const printable: typeof letters = [];
  let recorded = 0;
  for (const l of letters) {
    try {
      if (await recordLetter(db, l.contactId, actor)) recorded++;
      printable.push(l);
    } catch (e) {
      if (!(e instanceof ChannelRefusal)) throw e;
    }
  }
  if (printable.length === 0) return { pdf: null, report: { ...report, courriers: 0 }, fileName };
  const pdf = delivered && printable.length === letters.length ? delivered : await buildMailingPdf(printable, title);
  if (options.deliver && pdf !== delivered) await options.deliver(pdf, fileName);
  await recordAudit(db, {
    action: 'courrier.publipostage', acteur: actor ? { compteId: actor.compteId, organisation: actor.organisation } : { compteId: null, organisation: report.organisation },
    cible: { type: 'liste', id: `${report.organisation}/${report.programme}/${report.periode}` },
    details: { programme: report.programme, periode: report.periode, nombre: printable.length, evenements: recorded },
  });
  return { pdf, report: { ...report, courriers: printable.length }, fileName };
}
