/**
 * The outreach event vocabulary (issue 4), identical in the web app, the API and the CSV import,
 * with French labels and the rules on each event's `detail`. Pure data, no I/O.
 */
export const EVENT_CODES = [
  'offre_email_envoyee', 'offre_email_echec', 'offre_courrier_envoyee',
  'appel_non_joint', 'appel_faux_numero', 'appel_joint',
  'offre_acceptee', 'offre_refusee', 'opposition',
  'rdv_pris', 'rdv_honore', 'rdv_non_honore', 'rdv_annule',
  'orientation', 'accompagnement_debute', 'coordonnees_modifiees',
] as const;
export type EventCode = (typeof EVENT_CODES)[number];

export const EVENT_LABELS: Record<EventCode, string> = {
  offre_email_envoyee: 'Offre envoyée par courriel',
  offre_email_echec: "Échec de l'envoi du courriel",
  offre_courrier_envoyee: 'Offre envoyée par courrier',
  appel_non_joint: 'Appel : personne non jointe',
  appel_faux_numero: 'Appel : faux numéro',
  appel_joint: 'Appel : personne jointe',
  offre_acceptee: 'Offre acceptée',
  offre_refusee: 'Offre refusée',
  opposition: 'Opposition à tout nouveau contact',
  rdv_pris: 'Rendez-vous pris',
  rdv_honore: 'Rendez-vous honoré',
  rdv_non_honore: 'Rendez-vous non honoré',
  rdv_annule: 'Rendez-vous annulé',
  orientation: 'Orientation vers un partenaire',
  accompagnement_debute: 'Accompagnement débuté',
  coordonnees_modifiees: 'Coordonnées mises à jour par un nouvel envoi',
};

export const ORIGINS = ['agent', 'import', 'courriel', 'courrier', 'systeme'] as const;
export type EventOrigin = (typeof ORIGINS)[number];

export const ORIENTATION_PARTNERS = ['misas', 'service_social', 'c2s', 'ass', 'caf_travailleur_social', 'aripa'] as const;
export type OrientationPartner = (typeof ORIENTATION_PARTNERS)[number];
export const ACCOMPANIMENT_PARTNERS = ['misas', 'service_social'] as const satisfies readonly OrientationPartner[];

export const PARTNER_LABELS: Record<OrientationPartner, string> = {
  misas: 'Mission accompagnement santé (MisAS)',
  service_social: 'Service social (Carsat)',
  c2s: 'Complémentaire santé solidaire (C2S)',
  ass: "Aides de l'action sanitaire et sociale (ASS)",
  caf_travailleur_social: 'Travailleur social de la Caf',
  aripa: 'ARIPA (pensions alimentaires)',
};

/** The branch (organisation type) that runs each partner service. */
export const PARTNER_BRANCH: Record<OrientationPartner, 'cpam' | 'carsat' | 'caf'> = {
  misas: 'cpam', service_social: 'carsat', c2s: 'cpam', ass: 'cpam', caf_travailleur_social: 'caf', aripa: 'caf',
};

export const ORIENTATION_STATUSES = ['envoyee', 'acceptee', 'realisee'] as const;
export type OrientationStatus = (typeof ORIENTATION_STATUSES)[number];
export const ORIENTATION_STATUS_LABELS: Record<OrientationStatus, string> = { envoyee: 'Envoyée', acceptee: 'Acceptée', realisee: 'Réalisée' };

/** Phone-call events: need a valid number and the person's authorisation. */
export const CALL_CODES: readonly EventCode[] = ['appel_non_joint', 'appel_faux_numero', 'appel_joint'];

/** The channel an event uses to reach the person (null: the event is not a contact through a channel). */
export function channelOf(code: EventCode): 'email' | 'telephone' | 'courrier' | null {
  if (code === 'offre_email_envoyee' || code === 'offre_email_echec') return 'email';
  if (code === 'offre_courrier_envoyee') return 'courrier';
  if (CALL_CODES.includes(code)) return 'telephone';
  return null;
}

export const isEventCode = (value: string): value is EventCode => (EVENT_CODES as readonly string[]).includes(value);

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
 * Checks and normalises an event's detail: returns the detail to store (null when none), or a
 * French reason. rdv_pris needs the appointment date; orientation and accompagnement_debute a
 * partner code; other events accept an optional short note (never personal data).
 */
export function checkDetail(code: EventCode, detail: string | null | undefined): { ok: true; detail: string | null } | { ok: false; raison: string } {
  const value = (detail ?? '').trim();
  if (code === 'rdv_pris') {
    if (value === '') return { ok: false, raison: 'la date du rendez-vous est obligatoire (détail au format AAAA-MM-JJ)' };
    if (!isAppointmentDate(value)) return { ok: false, raison: `date du rendez-vous invalide « ${value.slice(0, 20)} » (attendu AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)` };
    return { ok: true, detail: value.replace(' ', 'T') };
  }
  if (code === 'orientation') {
    if (!(ORIENTATION_PARTNERS as readonly string[]).includes(value)) {
      return { ok: false, raison: `partenaire d'orientation ${value === '' ? 'absent' : `inconnu « ${value.slice(0, 30)} »`} (attendu : ${ORIENTATION_PARTNERS.join(', ')})` };
    }
    return { ok: true, detail: value };
  }
  if (code === 'accompagnement_debute') {
    if (!(ACCOMPANIMENT_PARTNERS as readonly string[]).includes(value)) {
      return { ok: false, raison: `service d'accompagnement ${value === '' ? 'absent' : `inconnu « ${value.slice(0, 30)} »`} (attendu : ${ACCOMPANIMENT_PARTNERS.join(', ')})` };
    }
    return { ok: true, detail: value };
  }
  if (value.length > 200) return { ok: false, raison: 'le détail dépasse 200 caractères' };
  return { ok: true, detail: value === '' ? null : value };
}
