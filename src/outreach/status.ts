/**
 * A person's status, derived from their events (never set by hand), and what can be done next. The derivation
 * reads only the core kind of each event (src/programmes/vocabulary.ts), so that every programme's vocabulary
 * shares it. Pure: no I/O.
 */
import { STATUSES, type CoreKind, type Issue, type Status } from '../programmes/index.ts';
import { channelOf, eventOf, kindOf, type EventDefinition, type Vocabulary } from './vocabulary.ts';

export { STATUSES, type Status };

export const STATUS_LABELS: Record<Status, string> = {
  a_contacter: 'À contacter',
  offre_envoyee: 'Offre envoyée',
  envoi_echoue: 'Envoi en échec',
  a_rappeler: 'Contact à refaire',
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
  clos: 'Suivi terminé',
};

/**
 * Terminal statuses: the outreach is over for this person (processed: destruction one month later).
 * Follow-up events (an orientation after an honoured appointment…) can still be recorded.
 */
export const TERMINAL_STATUSES: readonly Status[] = ['faux_numero', 'refus', 'rdv_honore', 'oriente', 'accompagne', 'opposition', 'clos'];
export const isTerminal = (status: Status) => TERMINAL_STATUSES.includes(status);
export const isStatus = (value: string): value is Status => (STATUSES as readonly string[]).includes(value);

/** Statuses before anyone was reached: an offer or a failed attempt does not undo a later stage. */
const BEFORE_REACHED: readonly Status[] = ['a_contacter', 'offre_envoyee', 'envoi_echoue', 'a_rappeler'];

/** One step of the derivation: the status after an event of that core kind (and variant). */
export function nextStatus(current: Status, kind: { genre: CoreKind; issue: Issue | null }): Status {
  if (current === 'opposition') return 'opposition';
  switch (kind.genre) {
    case 'opposition': return 'opposition';
    case 'offre_envoyee':
      if (kind.issue === 'echec') return current === 'a_contacter' ? 'envoi_echoue' : current;
      return current === 'a_contacter' || current === 'envoi_echoue' ? 'offre_envoyee' : current;
    case 'tentative':
      if (!BEFORE_REACHED.includes(current)) return current;
      return kind.issue === 'faux_numero' ? 'faux_numero' : 'a_rappeler';
    case 'joint': return BEFORE_REACHED.includes(current) || current === 'faux_numero' ? 'joint' : current;
    case 'acceptation': return current === 'accompagne' || current === 'oriente' || current === 'clos' ? current : 'accepte';
    case 'refus': return 'refus';
    case 'rendez_vous': return kind.issue === 'non_honore' ? 'rdv_non_honore' : kind.issue === 'annule' ? 'rdv_annule' : 'rdv_pris';
    case 'honore': return 'rdv_honore';
    case 'orientation': return current === 'accompagne' || current === 'clos' ? current : 'oriente';
    case 'accompagnement': return current === 'clos' ? current : 'accompagne';
    case 'cloture': return 'clos';
  }
}

/**
 * The status from the events in the order they happened (survenu_le, then recording order). A code the
 * programme no longer knows leaves the status as it was.
 */
export function deriveStatus(programme: Vocabulary, events: readonly { code: string }[]): Status {
  return events.reduce<Status>((s, e) => {
    const event = eventOf(programme, e.code);
    return event ? nextStatus(s, kindOf(event)) : s;
  }, 'a_contacter');
}

type Move = CoreKind | `${CoreKind}:${Issue}`;

/** The core's rule for the next actions: per status, the kinds an agent may record, most likely first. */
export const NEXT_KINDS: Record<Status, readonly Move[]> = {
  a_contacter: ['joint', 'tentative', 'offre_envoyee', 'acceptation', 'refus', 'opposition'],
  offre_envoyee: ['joint', 'tentative', 'offre_envoyee', 'acceptation', 'refus', 'opposition'],
  envoi_echoue: ['joint', 'tentative', 'offre_envoyee', 'acceptation', 'refus', 'opposition'],
  a_rappeler: ['joint', 'tentative', 'offre_envoyee', 'acceptation', 'refus', 'opposition'],
  faux_numero: ['offre_envoyee', 'opposition'],
  joint: ['acceptation', 'refus', 'rendez_vous:pris', 'opposition'],
  accepte: ['rendez_vous:pris', 'orientation', 'joint', 'tentative', 'refus', 'opposition'],
  refus: ['acceptation', 'opposition'],
  rdv_pris: ['honore', 'rendez_vous:non_honore', 'rendez_vous:annule', 'opposition'],
  rdv_honore: ['orientation', 'accompagnement', 'opposition'],
  rdv_non_honore: ['rendez_vous:pris', 'joint', 'tentative', 'refus', 'opposition'],
  rdv_annule: ['rendez_vous:pris', 'joint', 'tentative', 'refus', 'opposition'],
  oriente: ['orientation', 'accompagnement', 'opposition'],
  accompagne: ['orientation', 'cloture', 'opposition'],
  clos: ['opposition'],
  opposition: [],
};

const matchesMove = (event: EventDefinition, move: Move): boolean => {
  const [genre, issue] = move.split(':') as [CoreKind, Issue | undefined];
  const kind = kindOf(event);
  return kind.genre === genre && (issue === undefined || kind.issue === issue);
};

/**
 * What an agent may record next, most likely first (the person page's buttons): the programme's events of the
 * kinds the core allows in this status, or those whose `apres` names the status. Phone events only when the
 * person may be phoned, e-mail and letter events only when that channel may be used; events the system records
 * (`propose: false`) never.
 */
export function nextActions(programme: Vocabulary, status: Status, options: { callable: boolean; channels?: { email: boolean; courrier: boolean } }): string[] {
  if (status === 'opposition') return [];
  const usable = (e: EventDefinition) => {
    if (e.propose === false) return false;
    const channel = channelOf(e);
    if (channel === 'telephone') return options.callable;
    if (channel === 'email') return options.channels?.email ?? false;
    if (channel === 'courrier') return options.channels?.courrier ?? false;
    return true;
  };
  const out: string[] = [];
  const allowedHere = (e: EventDefinition) => (e.apres ? e.apres.includes(status) : true);
  for (const move of NEXT_KINDS[status]) {
    for (const e of programme.evenements) {
      if (matchesMove(e, move) && allowedHere(e) && usable(e) && !out.includes(e.code)) out.push(e.code);
    }
  }
  // events whose own rule names this status though the core's does not name their kind, before the opposition
  const own = programme.evenements.filter((e) => e.apres?.includes(status) && usable(e) && !out.includes(e.code)).map((e) => e.code);
  const opposition = out.findIndex((c) => eventOf(programme, c)?.genre === 'opposition');
  if (opposition === -1) out.push(...own);
  else out.splice(opposition, 0, ...own);
  return out;
}
