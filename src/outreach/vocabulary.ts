/**
 * The outreach event vocabulary (issue 4, issue 9 §4): each programme declares its own events in its
 * definition (`evenements`, data/programmes/*.json), on the shared core of src/programmes/vocabulary.ts; the
 * web app, the API and the CSV import all read it from there. This module answers questions about one
 * programme's events (is this code known, what does it carry, which channel) with French reasons. Pure, no I/O.
 */
import {
  DETAIL_KIND_LABELS, ORIENTATION_PARTNERS, PARTNER_BRANCH, PARTNER_LABELS, type CoreKind, type Issue, type OrientationPartner, type Programme,
} from '../programmes/index.ts';

export { ORIENTATION_PARTNERS, PARTNER_BRANCH, PARTNER_LABELS, type OrientationPartner };

/** One event of a programme's vocabulary. */
export type EventDefinition = Programme['evenements'][number];
/** A programme's vocabulary: what the outreach rules need of the programme. */
export type Vocabulary = Pick<Programme, 'id' | 'evenements'>;

/** The caregivers' codes (the first vocabulary, still used by the channels, the demo data and the tests). */
export const EVENT_CODES = [
  'offre_email_envoyee', 'offre_email_echec', 'offre_courrier_envoyee',
  'appel_non_joint', 'appel_faux_numero', 'appel_joint',
  'offre_acceptee', 'offre_refusee', 'opposition',
  'rdv_pris', 'rdv_honore', 'rdv_non_honore', 'rdv_annule',
  'orientation', 'accompagnement_debute',
] as const;
/** An event code of some programme's vocabulary. */
export type EventCode = string;

export const ORIGINS = ['agent', 'import', 'courriel', 'courrier', 'systeme'] as const;
export type EventOrigin = (typeof ORIGINS)[number];

export const ORIENTATION_STATUSES = ['envoyee', 'acceptee', 'realisee'] as const;
export type OrientationStatus = (typeof ORIENTATION_STATUSES)[number];
export const ORIENTATION_STATUS_LABELS: Record<OrientationStatus, string> = { envoyee: 'Envoyée', acceptee: 'Acceptée', realisee: 'Réalisée' };

/** The programme's event of that code, or undefined. */
export const eventOf = (programme: Vocabulary, code: string): EventDefinition | undefined => programme.evenements.find((e) => e.code === code);

/** The event of that code, or a French reason naming the programme's codes. */
export function findEvent(programme: Vocabulary, code: string): { ok: true; event: EventDefinition } | { ok: false; raison: string } {
  const event = eventOf(programme, code);
  if (event) return { ok: true, event };
  const shown = code.length > 40 ? `${code.slice(0, 40)}…` : code;
  return { ok: false, raison: `événement inconnu « ${shown} » pour le programme ${programme.id} (événements possibles : ${programme.evenements.map((e) => e.code).join(', ')})` };
}

/** The label of an event code in a programme (the code itself when the programme no longer knows it). */
/** Events the system writes whatever the programme, outside its vocabulary (they do not change the status). */
export const SYSTEM_EVENT_LABELS: Readonly<Record<string, string>> = {
  coordonnees_modifiees: 'Coordonnées mises à jour par un nouvel envoi',
};
export const eventLabel = (programme: Vocabulary, code: string): string => eventOf(programme, code)?.libelle ?? SYSTEM_EVENT_LABELS[code] ?? code;

/** The core kind of an event and its variant (the kind's first variant by default). */
export function kindOf(event: EventDefinition): { genre: CoreKind; issue: Issue | null } {
  const defaults: Partial<Record<CoreKind, Issue>> = { offre_envoyee: 'envoyee', tentative: 'non_joint', rendez_vous: 'pris' };
  return { genre: event.genre, issue: event.issue ?? defaults[event.genre] ?? null };
}

/** The channel an event uses to reach the person through a contact detail (null: none of e-mail, phone, letter). */
export function channelOf(event: EventDefinition | undefined): 'email' | 'telephone' | 'courrier' | null {
  if (event?.canal === 'courriel') return 'email';
  if (event?.canal === 'telephone') return 'telephone';
  if (event?.canal === 'courrier') return 'courrier';
  return null;
}

/** The partners of an orientation or accompaniment event (those of the programme's vocabulary). */
export const partnersOf = (event: EventDefinition): readonly OrientationPartner[] => event.partenaires ?? [];

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/;

/** A calendar-valid appointment date, YYYY-MM-DD or YYYY-MM-DDTHH:MM. */
export function isAppointmentDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59)) return false;
  return y >= 2000 && y <= 2100;
}

/**
 * Checks and normalises an event's detail as the programme's vocabulary says (`detail`): returns the detail to
 * store (null when none), or a French reason.
 */
export function checkEventDetail(event: EventDefinition, detail: string | null | undefined): { ok: true; detail: string | null } | { ok: false; raison: string } {
  const value = (detail ?? '').trim();
  switch (event.detail) {
    case 'date':
    case 'date_heure': {
      const withTime = event.detail === 'date_heure';
      const format = withTime ? 'AAAA-MM-JJ ou AAAA-MM-JJTHH:MM' : 'AAAA-MM-JJ';
      const what = event.genre === 'rendez_vous' ? 'date du rendez-vous' : 'date';
      if (value === '') return { ok: false, raison: `la ${what} est obligatoire (détail au format ${withTime ? 'AAAA-MM-JJ' : format})` };
      if (!isAppointmentDate(value) || (!withTime && value.length > 10)) return { ok: false, raison: `${what} invalide « ${value.slice(0, 20)} » (attendu ${format})` };
      return { ok: true, detail: value.replace(' ', 'T') };
    }
    case 'partenaire': {
      const partners = partnersOf(event);
      if (!(partners as readonly string[]).includes(value)) {
        const what = event.genre === 'accompagnement' ? "service d'accompagnement" : event.genre === 'orientation' ? "partenaire d'orientation" : 'partenaire';
        return { ok: false, raison: `${what} ${value === '' ? 'absent' : `inconnu « ${value.slice(0, 30)} »`} (attendu : ${partners.join(', ')})` };
      }
      return { ok: true, detail: value };
    }
    case 'aucun':
      if (value !== '') return { ok: false, raison: `cet événement ne porte pas de détail (${DETAIL_KIND_LABELS.aucun})` };
      return { ok: true, detail: null };
    case 'texte':
      if (value === '') return { ok: false, raison: 'un texte court est obligatoire' };
      if (value.length > 200) return { ok: false, raison: 'le détail dépasse 200 caractères' };
      return { ok: true, detail: value };
    case 'note':
      if (value.length > 200) return { ok: false, raison: 'le détail dépasse 200 caractères' };
      return { ok: true, detail: value === '' ? null : value };
  }
}

/** Checks an event of a programme: its code, then its detail. */
export function checkDetail(programme: Vocabulary, code: string, detail: string | null | undefined): { ok: true; detail: string | null } | { ok: false; raison: string } {
  const found = findEvent(programme, code);
  if (!found.ok) return found;
  return checkEventDetail(found.event, detail);
}

/** The label of a detail as shown to an agent (a partner's name, the date as stored otherwise). */
export function detailLabel(programme: Vocabulary, code: string, detail: string | null): string | null {
  if (!detail) return null;
  if (eventOf(programme, code)?.detail === 'partenaire') return PARTNER_LABELS[detail as OrientationPartner] ?? detail;
  return detail;
}

export const isOrientationPartner = (value: string): value is OrientationPartner => (ORIENTATION_PARTNERS as readonly string[]).includes(value);
