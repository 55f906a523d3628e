/**
 * The source extracts, as data: one definition per file, one per column.
 *
 * These definitions are the contract between the generator and every later reader (targeting,
 * the monthly cycle, imports): same file names, same column order, same types and allowed values.
 * `docs/extract-formats.md` documents them in prose; a unit test checks that it lists every column.
 *
 * Conventions common to every file: UTF-8 without BOM, `;` separator, one header row, LF line
 * ends, fields quoted with `"` only when they contain `;`, `"` or a line break; dates YYYY-MM-DD;
 * decimals with a comma (`12,50`); booleans `oui` / `non`; an empty field means "unknown / none".
 */
import { csvQuote } from '../shared/csv.ts';
import { checkNir } from '../shared/nir.ts';
import { parseIsoDate } from '../shared/calendar.ts';

export const CSV_SEPARATOR = ';';
export const CSV_LINE_END = '\n';

export type ColumnType =
  | 'text'
  | 'integer'
  | 'decimal'
  | 'date'
  | 'enum'
  | 'boolean'
  | 'nir'
  | 'postalCode'
  | 'inseeCode'
  | 'departement'
  | 'allocataireNumber'
  | 'finess'
  | 'email'
  | 'phone';

export interface ColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  /** Never empty when true. */
  readonly required: boolean;
  /** Allowed values (enum and boolean columns). */
  readonly values?: readonly string[];
  /** As entered by the person, not validated at the source: a small documented share is malformed. */
  readonly raw?: boolean;
  /** Meaning, in French (the agents' language). */
  readonly description: string;
  /** Date columns: the plausible range (`birth`: 120 years back to the extraction day; `event`, the default: 20 years back to 2 years ahead). */
  readonly dateRange?: 'birth' | 'event';
}

export type Producer = 'caf' | 'cpam' | 'carsat' | 'etablissement';

export interface ExtractFormat {
  readonly kind: string;
  readonly fileName: string;
  readonly producer: Producer;
  readonly title: string;
  /** What one row is. */
  readonly row: string;
  /** Columns that identify a row (unique within one département's file). */
  readonly key: readonly string[];
  readonly columns: readonly ColumnDefinition[];
}

// ---- allowed values -------------------------------------------------------------------------

export const OUI_NON = ['oui', 'non'] as const;
export type OuiNon = (typeof OUI_NON)[number];
export const SEXES = ['F', 'M'] as const;
export type Sexe = (typeof SEXES)[number];
export const SITUATIONS_FAMILIALES = ['celibataire', 'marie', 'pacse', 'concubinage', 'separe', 'divorce', 'veuf'] as const;
export type SituationFamiliale = (typeof SITUATIONS_FAMILIALES)[number];
export const CONFIGURATIONS_FOYER = ['personne_seule', 'couple_sans_enfant', 'couple_avec_enfants', 'famille_monoparentale'] as const;
export type ConfigurationFoyer = (typeof CONFIGURATIONS_FOYER)[number];
export const CANAUX_SURS = ['email', 'telephone'] as const;
export type CanalSur = (typeof CANAUX_SURS)[number];
export const TYPES_UNION = ['mariage', 'pacs', 'concubinage'] as const;
export type TypeUnion = (typeof TYPES_UNION)[number];
export const MODES_GARDE = ['exclusive_declarant', 'alternee', 'autre_parent'] as const;
export type ModeGarde = (typeof MODES_GARDE)[number];
export const PRESTATIONS_AIDANT = ['ajpa', 'ajpp'] as const;
export type PrestationAidant = (typeof PRESTATIONS_AIDANT)[number];
export const DECISIONS = ['accordee', 'refusee', 'en_cours'] as const;
export type Decision = (typeof DECISIONS)[number];
export const LIENS_AIDE = ['parent', 'conjoint', 'enfant', 'frere_soeur', 'ami'] as const;
export type LienAide = (typeof LIENS_AIDE)[number];
export const COMPLEMENTAIRES = ['aucune', 'c2s', 'c2s_participation', 'privee'] as const;
export type Complementaire = (typeof COMPLEMENTAIRES)[number];
export const NATURES_ARRET = ['maladie', 'accident_travail', 'maladie_professionnelle'] as const;
export type NatureArret = (typeof NATURES_ARRET)[number];
export const MODES_ACCOUCHEMENT = ['voie_basse', 'cesarienne'] as const;
export type ModeAccouchement = (typeof MODES_ACCOUCHEMENT)[number];
export const MOTIFS_NON_ELIGIBILITE_PRADO = ['naissance_multiple', 'complication_medicale'] as const;
export type MotifNonEligibilitePrado = (typeof MOTIFS_NON_ELIGIBILITE_PRADO)[number];
export const ALD_SIGNALEMENT = ['oui', 'en_cours', 'non'] as const;
export type AldSignalement = (typeof ALD_SIGNALEMENT)[number];
export const MINIMA_SOCIAUX = ['aucun', 'aah', 'rsa', 'ass', 'asi', 'aspa'] as const;
export type MinimumSocial = (typeof MINIMA_SOCIAUX)[number];
export const GIRS = ['1', '2', '3', '4', '5', '6'] as const;
export const CATEGORIES_INVALIDITE = ['1', '2', '3'] as const;
export type CategorieInvalidite = (typeof CATEGORIES_INVALIDITE)[number];
export const MOUVEMENTS_SUIVI = ['droit_ouvert', 'indu', 'rappel', 'aucun'] as const;
export type MouvementSuivi = (typeof MOUVEMENTS_SUIVI)[number];
export const PRESTATIONS_SUIVI = [
  'aide_logement', 'rsa', 'prime_activite', 'asf', 'allocations_familiales', 'complement_familial', 'paje',
] as const;
export type PrestationSuivi = (typeof PRESTATIONS_SUIVI)[number];

// ---- column builders (keep the literal column names in the types) ----------------------------

type Opts = { required?: boolean; raw?: boolean; birth?: boolean };
function c<N extends string, T extends ColumnType>(name: N, type: T, description: string, opts: Opts = {}) {
  return { name, type, required: opts.required ?? true, ...(opts.raw ? { raw: true } : {}), ...(opts.birth ? { dateRange: 'birth' as const } : {}), description } as const;
}
function e<N extends string, V extends readonly string[]>(name: N, values: V, description: string, opts: Opts = {}) {
  return { name, type: 'enum', values, required: opts.required ?? true, description } as const;
}
function b<N extends string>(name: N, description: string, opts: { required?: boolean } = {}) {
  return { name, type: 'boolean', values: OUI_NON, required: opts.required ?? true, description } as const;
}
/**
 * Columns added at the end of a file after its first version are optional (`required: false`):
 * an extract written before them, or by a producer that does not have them yet, still loads,
 * its empty cells meaning "unknown". The generator always fills them.
 */
const ADDED = { required: false } as const;

// Groups of columns shared by several files.
const identite = [
  c('nir', 'nir', 'NIR (numéro de sécurité sociale) : 13 caractères + clé de 2 chiffres, sans espace'),
  c('nom', 'text', 'Nom de naissance, en majuscules'),
  c('prenom', 'text', 'Premier prénom'),
  e('sexe', SEXES, 'Sexe : F (femme) ou M (homme)'),
  c('date_naissance', 'date', 'Date de naissance', { birth: true }),
] as const;
const adresse = [
  c('adresse_ligne', 'text', 'Numéro et voie (ou lieu-dit)'),
  c('adresse_complement', 'text', 'Complément d’adresse (appartement, bâtiment, résidence)', { required: false }),
  c('code_postal', 'postalCode', 'Code postal (5 chiffres), l’un des codes postaux réels de la commune'),
  c('code_commune', 'inseeCode', 'Code INSEE de la commune de résidence (code officiel géographique)'),
  c('commune', 'text', 'Nom de la commune de résidence'),
] as const;
const email = c('email', 'email', 'Adresse électronique déclarée, vide si aucune ; saisie libre, une petite part est mal formée', { required: false, raw: true });
const telephone = c('telephone', 'phone', 'Téléphone déclaré (fixe ou mobile, formats variés), vide si aucun ; saisie libre, une petite part est mal formée', { required: false, raw: true });
const departementCaf = c('departement_caf', 'departement', 'Département de la Caf qui gère le dossier (une Caf par département)');
const numeroAllocataire = c('numero_allocataire', 'allocataireNumber', 'Numéro allocataire (7 chiffres), unique dans la Caf');
const etablissement = [
  c('finess_etablissement', 'finess', 'Numéro FINESS de l’établissement (9 caractères ; fictif, généré)'),
  c('etablissement', 'text', 'Nom de l’établissement'),
] as const;

export const EXTRACT_FORMATS = {
  caf_allocataires: {
    kind: 'caf_allocataires',
    fileName: 'caf_allocataires.csv',
    producer: 'caf',
    title: 'Allocataires de la Caf',
    row: 'un allocataire (responsable du dossier) au dernier jour du mois',
    key: ['departement_caf', 'numero_allocataire'],
    columns: [
      departementCaf,
      numeroAllocataire,
      ...identite,
      e('situation_familiale', SITUATIONS_FAMILIALES, 'Situation familiale déclarée à la Caf'),
      e('configuration_foyer', CONFIGURATIONS_FOYER, 'Composition du foyer'),
      c('nombre_enfants_a_charge', 'integer', 'Nombre d’enfants à charge au sens des prestations familiales (0 à 20 ans)'),
      c('age_plus_jeune_enfant', 'integer', 'Âge en années révolues du plus jeune enfant à charge, vide si aucun', { required: false }),
      ...adresse,
      email,
      telephone,
      b('autorisation_contact_email', 'L’allocataire accepte d’être contacté par courriel'),
      b('autorisation_contact_telephone', 'L’allocataire accepte d’être contacté par téléphone'),
      b('aide_logement', 'Droit ouvert à une aide personnelle au logement (APL, ALF, ALS)'),
      c('montant_aide_logement', 'decimal', 'Montant mensuel de l’aide au logement en euros, vide si pas de droit', { required: false }),
      b('rsa', 'Droit ouvert au revenu de solidarité active'),
      b('prime_activite', 'Droit ouvert à la prime d’activité'),
      b('asf', 'Droit ouvert à l’allocation de soutien familial'),
      b('aah', 'Droit ouvert à l’allocation aux adultes handicapés'),
      b('ajpa', 'Droit ouvert à l’allocation journalière du proche aidant'),
      b('ajpp', 'Droit ouvert à l’allocation journalière de présence parentale'),
      b('risque_violence', 'Personne signalée à risque de violences intrafamiliales : ne jamais utiliser un canal partagé du foyer'),
      e('canal_sur', CANAUX_SURS, 'Canal sûr désigné par une personne à risque (vide sinon, ou si elle n’en a désigné aucun : ne pas la contacter)', { required: false }),
      c('canal_sur_valeur', 'text', 'Adresse électronique ou téléphone sûr, distinct de ceux du foyer ; vide si pas de canal sûr', { required: false }),
    ],
  },
  caf_separations: {
    kind: 'caf_separations',
    fileName: 'caf_separations.csv',
    producer: 'caf',
    title: 'Séparations déclarées à la Caf dans le mois',
    row: 'une déclaration de séparation faite dans le mois par un allocataire',
    key: ['departement_caf', 'numero_allocataire'],
    columns: [
      departementCaf,
      numeroAllocataire,
      c('date_declaration', 'date', 'Date de la déclaration de séparation (dans le mois)'),
      c('date_separation', 'date', 'Date de la séparation déclarée'),
      e('type_union', TYPES_UNION, 'Union rompue'),
      b('enfant_a_charge', 'Au moins un enfant à charge au moment de la séparation'),
      c('nombre_enfants', 'integer', 'Nombre d’enfants concernés (0 si aucun)'),
      e('mode_garde', MODES_GARDE, 'Résidence des enfants : chez le déclarant, alternée, chez l’autre parent ; vide sans enfant', { required: false }),
      b('victime_violences', 'Séparation déclarée dans un contexte de violences intrafamiliales (victime ; pack nouveau départ, aide universelle d’urgence) : contacter seulement sur le canal sûr ; vide si non renseigné', ADDED),
    ],
  },
  caf_suivi_separations: {
    kind: 'caf_suivi_separations',
    fileName: 'caf_suivi_separations.csv',
    producer: 'caf',
    title: 'Suivi à M + 4 des séparations déclarées (droits ouverts et recalculés)',
    row: 'un mouvement de droit observé à M + 4 pour une personne ayant déclaré une séparation en M (une ligne « aucun » si rien n’a changé)',
    key: ['departement_caf', 'numero_allocataire', 'mouvement', 'prestation'],
    columns: [
      departementCaf,
      numeroAllocataire,
      c('date_declaration', 'date', 'Date de la déclaration de séparation (mois M, celle de caf_separations)'),
      b('enfant_a_charge', 'Au moins un enfant à charge au moment de la séparation'),
      c('date_observation', 'date', 'Dernier jour du mois M + 4, date à laquelle les droits sont observés'),
      e('mouvement', MOUVEMENTS_SUIVI, 'Droit ouvert depuis la déclaration, indu détecté, rappel versé, ou aucun changement'),
      e('prestation', PRESTATIONS_SUIVI, 'Prestation concernée ; vide pour « aucun »', { required: false }),
      c('date_effet', 'date', 'Date d’effet du droit ouvert ou du recalcul ; vide pour « aucun »', { required: false }),
      c('montant', 'decimal', 'Montant mensuel du droit ouvert, ou montant total de l’indu ou du rappel, en euros ; vide pour « aucun »', { required: false }),
    ],
  },
  caf_ajpa_ajpp: {
    kind: 'caf_ajpa_ajpp',
    fileName: 'caf_ajpa_ajpp.csv',
    producer: 'caf',
    title: 'Demandes d’AJPA et d’AJPP du mois',
    row: 'une demande d’AJPA ou d’AJPP déposée dans le mois, quelle que soit la décision',
    key: ['departement_caf', 'numero_allocataire', 'prestation', 'date_demande'],
    columns: [
      departementCaf,
      numeroAllocataire,
      e('prestation', PRESTATIONS_AIDANT, 'Allocation demandée : ajpa (proche aidant) ou ajpp (présence parentale)'),
      c('date_demande', 'date', 'Date de dépôt de la demande (dans le mois)'),
      e('decision', DECISIONS, 'État de la demande au dernier jour du mois'),
      c('date_decision', 'date', 'Date de la décision, vide si en cours', { required: false }),
      e('lien_aide', LIENS_AIDE, 'Qui est la personne aidée pour le demandeur : son parent, son conjoint, son enfant, son frère ou sa sœur, un ami'),
      c('age_aide', 'integer', 'Âge de la personne aidée (années révolues)'),
      c('nombre_jours_demandes', 'integer', 'Nombre de jours d’allocation demandés pour le mois (1 à 22)'),
    ],
  },
  cpam_assures: {
    kind: 'cpam_assures',
    fileName: 'cpam_assures.csv',
    producer: 'cpam',
    title: 'Assurés majeurs du régime général (CPAM)',
    row: 'un assuré majeur (ouvreur de droits) au dernier jour du mois',
    key: ['nir'],
    columns: [
      ...identite,
      ...adresse,
      email,
      telephone,
      e('complementaire', COMPLEMENTAIRES, 'Complémentaire santé : aucune, C2S sans participation, C2S avec participation, organisme privé'),
      b('medecin_traitant', 'Un médecin traitant est déclaré'),
      b('ald', 'Reconnu en affection de longue durée'),
      b('invalidite', 'Titulaire d’une pension d’invalidité'),
      c('nombre_ayants_droit', 'integer', 'Nombre d’ayants droit rattachés (enfants, conjoint)'),
      c('ressources_annuelles', 'decimal', 'Ressources annuelles du foyer au sens de la C2S (12 mois glissants, connues par le dispositif de ressources mensuelles ou la dernière demande de C2S), en euros ; vide si inconnues', { required: false }),
      c('coefficient_foyer_c2s', 'decimal', 'Coefficient du foyer pour les plafonds de la C2S : 1 pour une personne seule, 1,5 pour deux, 1,8 pour trois, 2,1 pour quatre, + 0,4 par personne au-delà ; plafond du foyer = plafond d’une personne seule × coefficient ; vide si inconnu', ADDED),
    ],
  },
  cpam_arrets_travail: {
    kind: 'cpam_arrets_travail',
    fileName: 'cpam_arrets_travail.csv',
    producer: 'cpam',
    title: 'Arrêts de travail indemnisés dans le mois',
    row: 'un arrêt de travail ayant donné lieu à au moins une indemnité journalière dans le mois',
    key: ['nir', 'date_debut_arret'],
    columns: [
      c('nir', 'nir', 'NIR de l’assuré (présent dans cpam_assures)'),
      c('date_debut_arret', 'date', 'Premier jour de l’arrêt'),
      c('date_debut_indemnisation', 'date', 'Premier jour indemnisé (après le délai de carence de 3 jours en maladie) ; le 91e jour indemnisé est cette date + 90 jours'),
      c('date_fin_arret', 'date', 'Dernier jour de l’arrêt s’il a pris fin dans le mois, vide s’il est en cours', { required: false }),
      e('nature', NATURES_ARRET, 'Risque : maladie, accident du travail, maladie professionnelle'),
      c('jours_indemnises', 'integer', 'Nombre de jours indemnisés depuis le début de l’arrêt, au dernier jour du mois ou à la fin de l’arrêt'),
      c('ij_journaliere', 'decimal', 'Montant brut de l’indemnité journalière en euros'),
      b('contrat_travail_en_cours', 'L’assuré a toujours un contrat de travail'),
    ],
  },
  cpam_invalidite: {
    kind: 'cpam_invalidite',
    fileName: 'cpam_invalidite.csv',
    producer: 'cpam',
    title: 'Titulaires d’une pension d’invalidité (CPAM)',
    row: 'un assuré titulaire d’une pension d’invalidité au dernier jour du mois',
    key: ['nir'],
    columns: [
      c('nir', 'nir', 'NIR de l’assuré (présent dans cpam_assures)'),
      e('categorie_invalidite', CATEGORIES_INVALIDITE, 'Catégorie : 1 (capable d’une activité rémunérée), 2 (incapable d’exercer une profession), 3 (besoin d’une tierce personne)'),
      c('date_debut_pension_invalidite', 'date', 'Date d’effet de la pension d’invalidité'),
      b('contrat_travail_maintenu', 'L’assuré a toujours un contrat de travail (emploi conservé, même suspendu)'),
      b('arret_travail_en_cours', 'Un arrêt de travail indemnisé est en cours au dernier jour du mois'),
    ],
  },
  cpam_sejours_maternite: {
    kind: 'cpam_sejours_maternite',
    fileName: 'cpam_sejours_maternite.csv',
    producer: 'cpam',
    title: 'Séjours en maternité (accouchements du mois)',
    row: 'un accouchement du mois en établissement',
    key: ['nir_mere', 'date_accouchement'],
    columns: [
      c('nir_mere', 'nir', 'NIR de la mère (présent dans cpam_assures)'),
      c('nom', 'text', 'Nom de naissance de la mère, en majuscules'),
      c('prenom', 'text', 'Prénom de la mère'),
      c('date_naissance_mere', 'date', 'Date de naissance de la mère', { birth: true }),
      c('code_postal', 'postalCode', 'Code postal du domicile (oriente vers le correspondant local de la Caf)'),
      c('code_commune', 'inseeCode', 'Code INSEE de la commune du domicile'),
      ...etablissement,
      c('date_entree', 'date', 'Date d’entrée à la maternité'),
      c('date_accouchement', 'date', 'Date de l’accouchement (dans le mois)'),
      c('date_sortie', 'date', 'Date de sortie, vide si la mère est encore hospitalisée le dernier jour du mois', { required: false }),
      e('mode_accouchement', MODES_ACCOUCHEMENT, 'Voie basse ou césarienne'),
      c('nombre_enfants', 'integer', 'Nombre d’enfants nés (1 ou 2)'),
      b('eligible_prado', 'Éligible au PRADO maternité (enfant unique, sans complication)'),
      e('motif_non_eligibilite', MOTIFS_NON_ELIGIBILITE_PRADO, 'Raison de la non-éligibilité, vide si éligible', { required: false }),
      { ...telephone, description: 'Téléphone de la mère (pour joindre la mère après la visite et organiser le suivi par la sage-femme), vide si aucun ; saisie libre, une petite part est mal formée' },
      c('chambre', 'text', 'Chambre de la mère dans le service de maternité (pour la visite du conseiller de l’Assurance Maladie)', ADDED),
      c('date_sortie_prevue', 'date', 'Date de sortie prévue par l’équipe médicale : la visite du conseiller a lieu avant', ADDED),
      b('refus_visite', 'La mère a refusé de recevoir le conseiller de l’Assurance Maladie (il n’entre pas dans sa chambre) ; vide si non renseigné', ADDED),
    ],
  },
  etablissements_signalements_sortie: {
    kind: 'etablissements_signalements_sortie',
    fileName: 'etablissements_signalements_sortie.csv',
    producer: 'etablissement',
    title: 'Signalements de sortie d’hospitalisation adressés au service social de la Carsat',
    row: 'un signalement fait dans le mois par un établissement de santé',
    key: ['nir', 'date_signalement'],
    columns: [
      c('date_signalement', 'date', 'Date du signalement (dans le mois)'),
      ...etablissement,
      ...identite,
      c('code_postal', 'postalCode', 'Code postal du domicile'),
      c('code_commune', 'inseeCode', 'Code INSEE de la commune du domicile'),
      c('commune', 'text', 'Commune du domicile'),
      telephone,
      c('date_entree', 'date', 'Date d’entrée en hospitalisation'),
      c('date_sortie_prevue', 'date', 'Date de sortie prévue'),
      e('ald', ALD_SIGNALEMENT, 'Affection de longue durée : reconnue, en cours de reconnaissance, non'),
      b('c2s', 'Bénéficiaire de la complémentaire santé solidaire (avec ou sans participation)'),
      e('minimum_social', MINIMA_SOCIAUX, 'Minimum social perçu (AAH, RSA, ASS, ASI, ASPA) ou aucun'),
      b('sans_complementaire', 'Aucune complémentaire santé'),
      b('difficulte_financement_soins', 'Difficultés à financer les soins, même avec une complémentaire'),
      b('retraite', 'Retraité du régime général'),
      e('gir', GIRS, 'GIR du retraité (1 = dépendance la plus forte, 6 = autonome) ; vide pour un non-retraité', { required: false }),
    ],
  },
  carsat_retraites: {
    kind: 'carsat_retraites',
    fileName: 'carsat_retraites.csv',
    producer: 'carsat',
    title: 'Retraités du régime général résidant dans le département',
    row: 'un retraité de droit direct du régime général',
    key: ['nir'],
    columns: [
      ...identite,
      ...adresse,
      telephone,
      email,
      e('gir', GIRS, 'GIR évalué (1 = dépendance la plus forte, 6 = autonome)'),
      b('aspa', 'Bénéficiaire de l’allocation de solidarité aux personnes âgées'),
      b('vit_seul', 'Vit seul à son domicile'),
    ],
  },
} as const satisfies Record<string, ExtractFormat>;

export type ExtractKind = keyof typeof EXTRACT_FORMATS;
export const EXTRACT_KINDS = Object.keys(EXTRACT_FORMATS) as ExtractKind[];
export type ExtractColumnName<K extends ExtractKind> = (typeof EXTRACT_FORMATS)[K]['columns'][number]['name'];
/** One row of an extract: every column, as the text written in the file ('' when empty). */
export type ExtractRow<K extends ExtractKind> = Record<ExtractColumnName<K>, string>;

export function extractFormat(kind: ExtractKind): ExtractFormat {
  return EXTRACT_FORMATS[kind];
}

// ---- CSV --------------------------------------------------------------------------------------

/** Quoting of data interchange files (extracts, package payloads): values kept as they are (src/shared/csv.ts). */
export const csvField = csvQuote;

export function csvHeader(kind: ExtractKind): string {
  return EXTRACT_FORMATS[kind].columns.map((col) => col.name).join(CSV_SEPARATOR) + CSV_LINE_END;
}

/** Column names, and whether a value may hold a character that needs quoting (free text only). */
const LAYOUTS = new Map<string, { names: string[]; free: boolean[] }>(
  Object.values(EXTRACT_FORMATS).map((f: ExtractFormat) => [f.kind, {
    names: f.columns.map((col) => col.name),
    free: f.columns.map((col) => col.type === 'text' || col.raw === true),
  }]),
);

/** One CSV line (with its line end) from a row, in the column order of the format. */
export function csvLine<K extends ExtractKind>(kind: K, row: ExtractRow<K>): string {
  const { names, free } = LAYOUTS.get(kind) as { names: string[]; free: boolean[] };
  const values = row as Record<string, string>;
  let line = '';
  for (let i = 0; i < names.length; i++) {
    const value = values[names[i] as string] ?? '';
    if (i > 0) line += CSV_SEPARATOR;
    line += free[i] ? csvField(value) : value;
  }
  return line + CSV_LINE_END;
}

/** Checks a header row against the format; returns a French reason, or null when it matches. */
export function checkHeader(kind: ExtractKind, header: readonly string[]): string | null {
  const expected = EXTRACT_FORMATS[kind].columns.map((col) => col.name);
  if (header.length !== expected.length || header.some((h, i) => h !== expected[i])) {
    return `en-tête inattendu pour ${EXTRACT_FORMATS[kind].fileName} : colonnes attendues ${expected.join(';')}`;
  }
  return null;
}

// ---- cell checks ------------------------------------------------------------------------------

const DEPARTEMENT = /^(0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-46])$/;
const INSEE = /^(\d{5}|2[AB]\d{3})$/;
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;

/** French phone number → national 10-digit form, or null when malformed. */
export function normalizeFrenchPhone(input: string): string | null {
  const compact = input.replace(/[\s.-]/g, '');
  if (/^0[1-9]\d{8}$/.test(compact)) return compact;
  const intl = /^\+(33|262|590|594|596)([1-9]\d{8})$/.exec(compact);
  if (intl) return `0${intl[2]}`;
  return null;
}

/** A leading `+` or `-` is refused too: a spreadsheet would read the address as a formula. */
export function isWellFormedEmail(input: string): boolean {
  const c = input.charCodeAt(0);
  return c !== 43 && c !== 45 && EMAIL.test(input) && !input.includes('..');
}

export function parseDecimal(text: string): number | null {
  return /^-?\d+(,\d+)?$/.test(text) ? Number(text.replace(',', '.')) : null;
}

/** Checks one cell against its column; returns a French reason, or null when the value is acceptable. */
export function checkCell(column: ColumnDefinition, value: string): string | null {
  if (value === '') return column.required ? `${column.name} : valeur obligatoire manquante` : null;
  const bad = (what: string) => `${column.name} : ${what} (« ${value} »)`;
  switch (column.type) {
    case 'text':
      return null;
    case 'integer':
      return /^\d+$/.test(value) ? null : bad('entier attendu');
    case 'decimal':
      return parseDecimal(value) === null ? bad('nombre décimal attendu, virgule décimale') : null;
    case 'date':
      return parseIsoDate(value) === null ? bad('date AAAA-MM-JJ attendue') : null;
    case 'enum':
    case 'boolean':
      return column.values?.includes(value) ? null : bad(`valeur hors liste (${column.values?.join(', ')})`);
    case 'nir': {
      const r = checkNir(value);
      return r.valide ? null : bad(r.raison);
    }
    case 'postalCode':
      return /^\d{5}$/.test(value) ? null : bad('code postal à 5 chiffres attendu');
    case 'inseeCode':
      return INSEE.test(value) ? null : bad('code INSEE attendu');
    case 'departement':
      return DEPARTEMENT.test(value) ? null : bad('code de département attendu');
    case 'allocataireNumber':
      return /^\d{7}$/.test(value) ? null : bad('numéro allocataire à 7 chiffres attendu');
    case 'finess':
      return /^(\d{9}|2[AB]\d{7})$/.test(value) ? null : bad('numéro FINESS à 9 caractères attendu');
    case 'email':
      return isWellFormedEmail(value) ? null : bad('adresse électronique mal formée');
    case 'phone':
      return normalizeFrenchPhone(value) ? null : bad('numéro de téléphone mal formé');
  }
}

// ---- semantic checks (docs/extract-formats.md, "Reading rules") ----------------------------------

/** Commune INSEE code → its postal codes (the territories reference), for the postal-code check. */
export type PostalCodes = ReadonlyMap<string, readonly string[]>;

/** What a reader checks rows against besides the format: the extraction day and the communes' postal codes. */
export interface ReadingContext {
  /** AAAA-MM-JJ: the last day the extract covers (dates of birth after it are refused). */
  asOf: string;
  /** When given, a postal code that is not one of the commune's rejects the row. */
  postalCodes?: PostalCodes;
}

/** The last day of a month AAAA-MM, as AAAA-MM-JJ. */
export function lastDayOfMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}

/** The plausible range of a date column, inclusive, as AAAA-MM-JJ strings (they compare as text). */
export function dateBounds(column: ColumnDefinition, asOf: string): { from: string; to: string } {
  const year = Number(asOf.slice(0, 4));
  const pad = (y: number) => String(y).padStart(4, '0');
  if (column.dateRange === 'birth') return { from: `${pad(year - 120)}-01-01`, to: asOf };
  return { from: `${pad(year - 20)}-01-01`, to: `${pad(year + 2)}-12-31` };
}

export function checkDateBounds(column: ColumnDefinition, value: string, asOf: string): string | null {
  const { from, to } = dateBounds(column, asOf);
  return value < from || value > to ? `${column.name} : date invraisemblable (attendue entre le ${from} et le ${to})` : null;
}

/**
 * Formula injection: the reason why a cell of a free-text column would be run by a spreadsheet
 * (`=`, `+`, `-`, `@` first, or a tab or carriage return before anything), or null. The cell is
 * given untrimmed. A leading `+` is kept when the whole cell is a French phone number in
 * international form (a safe channel `+33 6…`): digits cannot make a formula. Typed columns need no
 * such rule: their type refuses these characters (a phone's `+33`, a negative decimal are typed).
 */
export function formulaProblem(column: ColumnDefinition, raw: string): string | null {
  const c0 = raw.charCodeAt(0);
  if (c0 === 9) return `${column.name} : la cellule commence par une tabulation (formule de tableur refusée)`;
  if (c0 === 13) return `${column.name} : la cellule commence par un retour chariot (formule de tableur refusée)`;
  const value = raw.trim();
  const c = value.charCodeAt(0);
  if (c !== 61 && c !== 43 && c !== 45 && c !== 64) return null;
  if (c === 43 && normalizeFrenchPhone(value) !== null) return null;
  return `${column.name} : la cellule commence par « ${value[0]} » (formule de tableur refusée)`;
}

/** The postal code of a row against its commune: a reason when the commune is known and the code is not one of its own. */
export function checkPostalCode(postalCodes: PostalCodes, codeCommune: string, codePostal: string): string | null {
  const codes = postalCodes.get(codeCommune);
  if (!codes || codes.includes(codePostal)) return null;
  return "code_postal : ce n'est pas un code postal de la commune indiquée dans code_commune";
}
