/**
 * A person's status, derived from their events (never set by hand), and what can be done next.
 * Pure: no I/O.
 */
import type { EventCode } from './vocabulary.ts';

export const STATUSES = [
  'a_contacter', 'offre_envoyee', 'envoi_echoue', 'a_rappeler', 'faux_numero', 'joint', 'accepte', 'refus',
  'rdv_pris', 'rdv_honore', 'rdv_non_honore', 'rdv_annule', 'oriente', 'accompagne', 'opposition',
] as const;
export type Status = (typeof STATUSES)[number];

export const STATUS_LABELS: Record<Status, string> = {
  a_contacter: 'À contacter',
  offre_envoyee: 'Offre envoyée',
  envoi_echoue: 'Envoi en échec',
  a_rappeler: 'Appel à refaire',
  faux_numero: 'Faux numéro',
  joint: 'Joint',
  accepte: 'Offre acceptée',
  refus: 'Offre refusée',
  rdv_pris: 'Rendez-vous pris',
  rdv_honore: 'Rendez-vous honoré',
  rdv_non_honore: 'Rendez-vous non honoré',
  rdv_annule: 'Rendez-vous annulé',
  oriente: 'Orienté',
  accompagne: 'Accompagnement débuté',
  opposition: 'Opposition',
};

/**
 * Terminal statuses: the outreach is over for this person (processed: destruction one month later).
 * Follow-up events (an orientation after an honoured appointment…) can still be recorded.
 */
export const TERMINAL_STATUSES: readonly Status[] = ['faux_numero', 'refus', 'rdv_honore', 'oriente', 'accompagne', 'opposition'];
export const isTerminal = (status: Status) => TERMINAL_STATUSES.includes(status);
export const isStatus = (value: string): value is Status => (STATUSES as readonly string[]).includes(value);

/** Statuses before anyone was reached: an offer or a failed call does not undo a later stage. */
const BEFORE_REACHED: readonly Status[] = ['a_contacter', 'offre_envoyee', 'envoi_echoue', 'a_rappeler'];

/** One step of the derivation: the status after an event. */
export function nextStatus(current: Status, code: EventCode): Status {
  if (current === 'opposition') return 'opposition';
  switch (code) {
    case 'opposition': return 'opposition';
    case 'offre_email_envoyee':
    case 'offre_courrier_envoyee':
      return current === 'a_contacter' || current === 'envoi_echoue' ? 'offre_envoyee' : current;
    case 'offre_email_echec': return current === 'a_contacter' ? 'envoi_echoue' : current;
    case 'appel_non_joint': return BEFORE_REACHED.includes(current) ? 'a_rappeler' : current;
    case 'appel_faux_numero': return BEFORE_REACHED.includes(current) ? 'faux_numero' : current;
    case 'appel_joint': return BEFORE_REACHED.includes(current) || current === 'faux_numero' ? 'joint' : current;
    case 'offre_acceptee': return current === 'accompagne' || current === 'oriente' ? current : 'accepte';
    case 'offre_refusee': return 'refus';
    case 'rdv_pris': return 'rdv_pris';
    case 'rdv_honore': return 'rdv_honore';
    case 'rdv_non_honore': return 'rdv_non_honore';
    case 'rdv_annule': return 'rdv_annule';
    case 'orientation': return current === 'accompagne' ? current : 'oriente';
    case 'accompagnement_debute': return 'accompagne';
    case 'coordonnees_modifiees': return current;
  }
}

/** The status from the events in the order they happened (survenu_le, then recording order). */
export function deriveStatus(events: readonly { code: EventCode }[]): Status {
  return events.reduce<Status>((s, e) => nextStatus(s, e.code), 'a_contacter');
}

/** What an agent may record next, most likely first (the person page's buttons). */
export function nextActions(status: Status, options: { callable: boolean; channels?: { email: boolean; courrier: boolean } }): EventCode[] {
  if (status === 'opposition') return [];
  const calls: EventCode[] = options.callable ? ['appel_joint', 'appel_non_joint', 'appel_faux_numero'] : [];
  const offers: EventCode[] = [
    ...(options.channels?.email ? ['offre_email_envoyee' as const] : []),
    ...(options.channels?.courrier ? ['offre_courrier_envoyee' as const] : []),
  ];
  switch (status) {
    case 'a_contacter':
    case 'offre_envoyee':
    case 'envoi_echoue':
    case 'a_rappeler':
      return [...calls, ...offers, 'offre_acceptee', 'offre_refusee', 'opposition'];
    case 'faux_numero': return [...offers, 'opposition'];
    case 'joint': return ['offre_acceptee', 'offre_refusee', 'rdv_pris', 'opposition'];
    case 'accepte': return ['rdv_pris', 'orientation', ...calls, 'offre_refusee', 'opposition'];
    case 'refus': return ['offre_acceptee', 'opposition'];
    case 'rdv_pris': return ['rdv_honore', 'rdv_non_honore', 'rdv_annule', 'opposition'];
    case 'rdv_honore': return ['orientation', 'accompagnement_debute', 'opposition'];
    case 'rdv_non_honore':
    case 'rdv_annule':
      return ['rdv_pris', ...calls, 'offre_refusee', 'opposition'];
    case 'oriente': return ['orientation', 'accompagnement_debute', 'opposition'];
    case 'accompagne': return ['orientation', 'opposition'];
  }
}
