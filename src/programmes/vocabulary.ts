/**
 * The shared core of the outreach vocabularies (issue 9 §4). Every programme declares its own events in
 * `evenements` (data/programmes/*.json); each event maps to one of these core kinds, which drive the derived
 * status, the next actions and the funnel's stages. Pure data, no I/O. Documentation: docs/programmes.md.
 */

/** The core kinds, in the order a person usually goes through them. */
export const CORE_KINDS = [
  'offre_envoyee', 'tentative', 'joint', 'acceptation', 'refus', 'opposition', 'rendez_vous', 'honore', 'orientation', 'accompagnement', 'cloture',
] as const;
export type CoreKind = (typeof CORE_KINDS)[number];

export const CORE_KIND_LABELS: Record<CoreKind, string> = {
  offre_envoyee: 'offre envoyée',
  tentative: 'tentative de contact',
  joint: 'personne jointe',
  acceptation: 'offre acceptée',
  refus: 'offre refusée',
  opposition: 'opposition',
  rendez_vous: 'rendez-vous',
  honore: 'rendez-vous honoré',
  orientation: 'orientation',
  accompagnement: 'accompagnement',
  cloture: 'suivi clos',
};

/**
 * The variants some kinds have (the first is the default): an offer that could not be sent, a contact
 * attempt that found a wrong number, an appointment missed or cancelled.
 */
export const KIND_ISSUES = {
  offre_envoyee: ['envoyee', 'echec'],
  tentative: ['non_joint', 'faux_numero'],
  rendez_vous: ['pris', 'non_honore', 'annule'],
} as const satisfies Partial<Record<CoreKind, readonly string[]>>;
export const ISSUES = ['envoyee', 'echec', 'non_joint', 'faux_numero', 'pris', 'non_honore', 'annule'] as const;
export type Issue = (typeof ISSUES)[number];

/** What an event carries in its `detail`. */
export const DETAIL_KINDS = ['aucun', 'note', 'texte', 'date', 'date_heure', 'partenaire'] as const;
export type DetailKind = (typeof DETAIL_KINDS)[number];
export const DETAIL_KIND_LABELS: Record<DetailKind, string> = {
  aucun: 'aucun détail',
  note: 'une note courte facultative',
  texte: 'un texte court obligatoire',
  date: 'une date (AAAA-MM-JJ)',
  date_heure: 'une date, avec l’heure éventuellement (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)',
  partenaire: 'un partenaire parmi ceux de l’événement',
};

/** The channels through which an event reaches the person (rules: phone authorisation, safe channel). */
export const EVENT_CHANNELS = ['courriel', 'telephone', 'courrier', 'visite', 'rendez_vous', 'information_collective'] as const;
export type EventChannel = (typeof EVENT_CHANNELS)[number];

export const STATUSES = [
  'a_contacter', 'offre_envoyee', 'envoi_echoue', 'a_rappeler', 'faux_numero', 'joint', 'accepte', 'refus',
  'rdv_pris', 'rdv_honore', 'rdv_non_honore', 'rdv_annule', 'oriente', 'accompagne', 'opposition', 'clos',
] as const;
export type Status = (typeof STATUSES)[number];

export const ORIENTATION_PARTNERS = [
  'misas', 'service_social', 'c2s', 'ass', 'caf_travailleur_social', 'aripa', 'caf_correspondant', 'ces', 'tisf',
] as const;
export type OrientationPartner = (typeof ORIENTATION_PARTNERS)[number];

export const PARTNER_LABELS: Record<OrientationPartner, string> = {
  misas: 'Mission accompagnement santé (MisAS)',
  service_social: 'Service social (Carsat)',
  c2s: 'Complémentaire santé solidaire (C2S)',
  ass: "Aides de l'action sanitaire et sociale (ASS)",
  caf_travailleur_social: 'Travailleur social de la Caf',
  aripa: 'ARIPA (pensions alimentaires)',
  caf_correspondant: 'Correspondant local de la Caf',
  ces: "Centre d'examens de santé (CES)",
  tisf: 'Aide à domicile de la Caf (TISF)',
};

/** The branch (organisation type) that runs each partner service. */
export const PARTNER_BRANCH: Record<OrientationPartner, 'cpam' | 'carsat' | 'caf'> = {
  misas: 'cpam', service_social: 'carsat', c2s: 'cpam', ass: 'cpam', caf_travailleur_social: 'caf', aripa: 'caf',
  caf_correspondant: 'caf', ces: 'cpam', tisf: 'caf',
};

/**
 * Codes every programme's vocabulary must hold when it has the matching channel: the channels context and the
 * opposition register record these events themselves (src/channels, src/outreach/oppositions.ts).
 */
export const SYSTEM_EVENTS = {
  opposition: { genre: 'opposition', canal: null },
  offre_email_envoyee: { genre: 'offre_envoyee', canal: 'courriel' },
  offre_email_echec: { genre: 'offre_envoyee', canal: 'courriel' },
  offre_courrier_envoyee: { genre: 'offre_envoyee', canal: 'courrier' },
} as const satisfies Record<string, { genre: CoreKind; canal: EventChannel | null }>;
