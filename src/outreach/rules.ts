/**
 * The contact rules of issue 4, pure (no I/O): phone authorisation and valid number, the safe
 * channel of a person at risk of violence, and the blocking effect of an opposition.
 */
import { isValidPhoneNumber } from 'libphonenumber-js/max';
import { SYSTEM_EVENTS, type Programme } from '../programmes/index.ts';
import { channelOf, eventOf, type EventCode } from './vocabulary.ts';

export class OutreachRuleError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'OutreachRuleError';
    this.code = code;
  }
}

/** Someone else changed the person since it was read: reload, nothing was lost. */
export class VersionConflict extends Error {
  readonly current: number;
  constructor(current: number, message = 'Cette personne a été modifiée par un autre agent pendant que vous la consultiez : rechargez sa fiche pour voir ce qui a changé, puis recommencez. Rien n’a été enregistré.') {
    super(message);
    this.name = 'VersionConflict';
    this.current = current;
  }
}

type Fields = Readonly<Record<string, string>>;
type ContactRules = Pick<Programme, 'canaux' | 'personnesARisque'>;
type ProgrammeRules = Pick<Programme, 'id' | 'canaux' | 'personnesARisque' | 'evenements'>;

/** The channel of an event code of the programme (the system's own codes keep theirs even where the programme lacks them). */
export function eventChannel(programme: Pick<Programme, 'id' | 'evenements'>, code: EventCode): 'email' | 'telephone' | 'courrier' | null {
  const event = eventOf(programme, code);
  if (event) return channelOf(event);
  const system = (SYSTEM_EVENTS as Record<string, { canal: string | null }>)[code];
  return system?.canal === 'courriel' ? 'email' : system?.canal === 'courrier' ? 'courrier' : null;
}

export interface RiskProfile {
  atRisk: boolean;
  /** The designated safe channel ('email' | 'telephone'), null when none is known (no contact at all). */
  safeChannel: 'email' | 'telephone' | null;
  /** The safe contact value when it is held apart from the household's (extract), else the channel column. */
  safeValue: string | null;
}

/** Whether the person is flagged at risk of violence, and their safe channel. */
export function riskProfile(programme: ContactRules, champs: Fields): RiskProfile {
  const risk = programme.personnesARisque;
  if (!risk || (champs[risk.champRisque] ?? '') !== 'oui') return { atRisk: false, safeChannel: null, safeValue: null };
  const named = champs[risk.champCanalSur] ?? '';
  const namedValue = champs[risk.champValeurCanalSur] ?? '';
  if ((named === 'email' || named === 'telephone') && namedValue !== '') return { atRisk: true, safeChannel: named, safeValue: namedValue };
  if (risk.champCanalSur in champs && risk.champValeurCanalSur in champs) return { atRisk: true, safeChannel: null, safeValue: null };
  // A package applies the rule at the sender (src/programmes applyContactRules): the safe value
  // replaced its column and every other contact column was emptied.
  const filled = (['email', 'telephone'] as const).filter((c) => {
    const column = risk.canaux[c];
    return column !== undefined && (champs[column] ?? '') !== '';
  });
  if (filled.length === 1) {
    const c = filled[0]!;
    return { atRisk: true, safeChannel: c, safeValue: champs[risk.canaux[c]!] ?? null };
  }
  return { atRisk: true, safeChannel: null, safeValue: null };
}

function phoneChannel(programme: ContactRules) {
  return programme.canaux.find((c) => c.canal === 'telephone' && c.champ);
}

/** A French phone number that libphonenumber accepts as valid. */
export function isValidFrenchPhone(value: string): boolean {
  const v = value.trim();
  if (v === '') return false;
  try { return isValidPhoneNumber(v, 'FR'); } catch { return false; }
}

/**
 * Why the person cannot be phoned, or null when they can: the programme must have a phone channel,
 * the number must be valid and authorised (an explicit « oui » when the authorisation column is
 * held; a number transmitted in a package was only transmitted because it was authorised), and a
 * person at risk is phoned only when the phone is their safe channel, on the safe number.
 */
export function callRefusal(programme: ContactRules, champs: Fields): string | null {
  const channel = phoneChannel(programme);
  if (!channel?.champ) return "ce programme ne prévoit pas d'appel téléphonique";
  const risk = riskProfile(programme, champs);
  let number = champs[channel.champ] ?? '';
  if (risk.atRisk) {
    if (risk.safeChannel !== 'telephone') return "personne signalée à risque de violences : le téléphone n'est pas son canal sûr, elle ne doit pas être appelée";
    number = risk.safeValue ?? '';
  } else if (channel.autorisation && channel.autorisation in champs && champs[channel.autorisation] !== 'oui') {
    return "la personne n'a pas autorisé le contact par téléphone";
  }
  if (number.trim() === '') return 'aucun numéro de téléphone connu';
  if (!isValidFrenchPhone(number)) return 'le numéro de téléphone n’est pas valide';
  return null;
}

/** Valid phone number and authorisation to phone (contacts.appelable, decided at import). */
export function isCallable(programme: ContactRules, champs: Fields): boolean {
  return callRefusal(programme, champs) === null;
}

/** Why a contact through the event's channel is refused for a person at risk, or null. */
export function riskRefusal(programme: ProgrammeRules, champs: Fields, code: EventCode): string | null {
  const channel = eventChannel(programme, code);
  if (!channel) return null;
  const risk = riskProfile(programme, champs);
  if (!risk.atRisk) return null;
  if (channel === 'courrier') return 'personne signalée à risque de violences : aucun courrier au domicile du foyer (canal partagé)';
  if (risk.safeChannel === null) return "personne signalée à risque de violences sans canal sûr : elle ne doit pas être contactée";
  if (risk.safeChannel !== channel) {
    return `personne signalée à risque de violences : seul son canal sûr (${risk.safeChannel === 'email' ? 'courriel' : 'téléphone'}) peut être utilisé`;
  }
  return null;
}

/**
 * The checks of one event against the person's situation, pure. `oppositionAt` is the earliest
 * opposition of the person for this programme (any cohort). An event that happened before it
 * may still be recorded (history); nothing after it.
 */
export function checkEvent(input: {
  programme: ProgrammeRules;
  champs: Fields | null;
  code: EventCode;
  occurredAt: Date;
  oppositionAt: Date | null;
}): void {
  if (input.champs === null) throw new OutreachRuleError('detruit', 'Les données de cette personne ont été détruites : aucun événement ne peut plus être enregistré.');
  if (input.oppositionAt && input.occurredAt.getTime() >= input.oppositionAt.getTime()) {
    if (input.code === 'opposition') throw new OutreachRuleError('opposition', "L'opposition de cette personne est déjà enregistrée.");
    throw new OutreachRuleError('opposition', `Cette personne s'est opposée à tout nouveau contact pour ce programme le ${input.oppositionAt.toISOString().slice(0, 10)} : aucun contact ne peut plus être enregistré après cette date.`);
  }
  const risk = riskRefusal(input.programme, input.champs, input.code);
  if (risk) throw new OutreachRuleError('risque_violence', `Contact refusé : ${risk}.`);
  if (eventChannel(input.programme, input.code) === 'telephone') {
    const refusal = callRefusal(input.programme, input.champs);
    if (refusal) throw new OutreachRuleError('appel_interdit', `Appel impossible : ${refusal}.`);
  }
}
