/**
 * The programme model: one declarative definition per coordinated offer (data/programmes/*.json).
 * `programmeSchema` checks the shape; the loader (loader.ts) adds the checks that need the source
 * formats (every column named exists, parameters are declared, stages are known…).
 * Field by field documentation: docs/programmes.md.
 */
import { z } from 'zod';
import type { Branche, OfferBranch } from '../territories/index.ts';
import { EXTRACT_KINDS, type ExtractKind } from '../extracts/index.ts';
import { isIsoDate } from './dates.ts';
import { exemplesSchema, ruleSchema, type Valeur } from '../rules/index.ts';
import { CORE_KINDS, DETAIL_KINDS, EVENT_CHANNELS, ISSUES, ORIENTATION_PARTNERS, STATUSES } from './vocabulary.ts';

export const PROGRAMME_BRANCHES = ['caf', 'cpam', 'carsat'] as const satisfies readonly Branche[];
export type ProgrammeBranche = (typeof PROGRAMME_BRANCHES)[number];

/**
 * The stage codes of the phone-outreach funnel (the caregivers' programme and the published funnels). A programme
 * may name its stages freely (`etapes[].code`); these names only keep the historical meaning.
 */
export const STAGE_CODES = [
  'cibles', 'offre_envoyee', 'appelables', 'appeles', 'joints', 'acceptants', 'rdv_pris', 'rdv_honores', 'orientations', 'accompagnements',
] as const;
/** A stage code: one of the programme's `etapes`. */
export type StageCode = string;
export const STAGE_LABELS: Record<(typeof STAGE_CODES)[number], string> = {
  cibles: 'Personnes ciblées',
  offre_envoyee: 'Offre envoyée',
  appelables: 'Personnes appelables (coordonnées valides et autorisation)',
  appeles: 'Personnes appelées',
  joints: 'Personnes jointes',
  acceptants: 'Personnes ayant accepté l’offre',
  rdv_pris: 'Rendez-vous pris',
  rdv_honores: 'Rendez-vous honorés',
  orientations: 'Orientations',
  accompagnements: 'Accompagnements',
};

export const CHANNELS = ['courriel', 'telephone', 'sms', 'courrier', 'rendez_vous', 'visite', 'information_collective'] as const;
export type Channel = (typeof CHANNELS)[number];
export const OFFER_BRANCHES = ['caf', 'assurance_maladie', 'carsat'] as const satisfies readonly OfferBranch[];
export const OFFER_CATEGORIES = ['droits', 'soins', 'prevention', 'accompagnement', 'aide_financiere', 'repit', 'information', 'orientation'] as const;
export const SOURCE_TYPES = ['requete_mensuelle', 'signalements', 'evenement_de_vie'] as const;
/**
 * The three shapes of programme, one engine: `echange` (the holder seals a package per competent
 * recipient, who works the list), `interne` (the holder works its own list, nothing personal
 * leaves it), `signalement` (a third party, e.g. a health establishment, signals a person to the
 * competent organisation, which works the list).
 */
export const PROGRAMME_SHAPES = ['echange', 'interne', 'signalement'] as const;
export type ProgrammeShape = (typeof PROGRAMME_SHAPES)[number];
export const PROGRAMME_SHAPE_LABELS: Record<ProgrammeShape, string> = {
  echange: 'Échange entre organismes',
  interne: 'Programme interne',
  signalement: 'Signalements par des tiers',
};

const missingOr = (what: string) => (iss: { input?: unknown }) => (iss.input === undefined ? 'valeur obligatoire manquante' : what);
const texte = z.string({ error: missingOr('texte attendu') }).trim().min(1, 'texte non vide attendu');
const code = z.string({ error: missingOr('code attendu') }).regex(/^[a-z0-9][a-z0-9_-]*$/, 'code en minuscules attendu (lettres, chiffres, - et _)');
const colonne = z.string({ error: missingOr('nom de colonne attendu') }).regex(/^[a-z][a-z0-9_]*$/, 'nom de colonne attendu (minuscules, chiffres et _)');
const isoDate = z.string({ error: missingOr('date attendue') }).refine(isIsoDate, 'date AAAA-MM-JJ attendue');
const enumeration = <const T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z.enum(values, { error: (iss) => `${what} : « ${String(iss.input)} » n'est pas admis ; valeurs possibles : ${values.join(', ')}` });

/** A rule of the one rule language (src/rules/), validated with French messages that point inside the rule. */
export { ruleSchema };

const extractKind = z.string({ error: missingOr('nom de fichier source attendu') }).refine(
  (v) => (EXTRACT_KINDS as readonly string[]).includes(v),
  { error: (iss) => `fichier source inconnu « ${String(iss.input)} » ; fichiers possibles : ${EXTRACT_KINDS.join(', ')}` },
).transform((v) => v as ExtractKind);

const jointureSchema = z.object({
  fichier: extractKind,
  /** Columns with the same name in both files that identify the joined rows. */
  cle: z.array(colonne).min(1, 'au moins une colonne de jointure'),
  /** false: the main row is kept (joined columns empty) when no row matches (left join). */
  obligatoire: z.boolean({ error: 'true ou false attendu' }),
  description: texte.optional(),
}).strict();

const parametreSchema = z.object({
  valeur: z.union([z.number(), z.string()], { error: 'nombre ou texte attendu' }),
  unite: texte.optional(),
  /** Date from which the value applies (a ceiling revalued every year), YYYY-MM-DD. */
  dateEffet: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date AAAA-MM-JJ attendue').optional(),
  libelle: texte,
  source: texte,
}).strict();

const canalSchema = z.object({
  canal: enumeration(CHANNELS, 'canal'),
  /** Who uses the channel: the organisation holding the source data, or the recipient. */
  par: enumeration(['expediteur', 'destinataire'] as const, 'par'),
  service: texte.optional(),
  /** Column holding the contact (e-mail, phone…), if the channel uses one. */
  champ: colonne.optional(),
  /** Column saying "oui" when the person accepts this channel; without "oui" the contact is not used nor sent. */
  autorisation: colonne.optional(),
  description: texte,
}).strict();

const offreSchema = z.object({
  code,
  libelle: texte,
  branche: enumeration(OFFER_BRANCHES, 'branche'),
  categorie: enumeration(OFFER_CATEGORIES, 'catégorie'),
  /** Offered only to people with at least one of these markers (differentiated offer); everyone otherwise. */
  siMarqueur: z.array(code).min(1).optional(),
  /** Id of the matching offer in data/offres.json, when there is one. */
  catalogue: z.string().optional(),
}).strict();

/** One event of the programme's vocabulary (docs/programmes.md, « evenements »). */
const evenementSchema = z.object({
  code,
  libelle: texte,
  /** The core kind it maps to: drives the derived status, the next actions and the stages. */
  genre: enumeration(CORE_KINDS, 'genre'),
  /** The kind's variant (offer not sent, wrong number, appointment missed…); the kind's first variant by default. */
  issue: enumeration(ISSUES, 'issue').optional(),
  /** The channel through which it reaches the person: phone events need the authorisation, a person at risk only her safe channel. */
  canal: enumeration(EVENT_CHANNELS, 'canal').optional(),
  detail: enumeration(DETAIL_KINDS, 'détail'),
  /** For `detail: partenaire`: the partners allowed. */
  partenaires: z.array(enumeration(ORIENTATION_PARTNERS, 'partenaire')).min(1, 'au moins un partenaire').optional(),
  /** The statuses in which the event is proposed to the agent; the core's rule for its kind when absent. */
  apres: z.array(enumeration(STATUSES, 'statut')).min(1, 'au moins un statut').optional(),
  /** false: recorded by the system or the import only, never proposed as an action. */
  propose: z.boolean({ error: 'true ou false attendu' }).optional(),
  /** Short text of the action button (the label otherwise). */
  action: texte.optional(),
}).strict();

/** One stage of the funnel: the people of the cohort, the callable ones, or those with one of the listed events. */
const etapeSchema = z.object({
  code,
  libelle: texte,
  definition: texte,
  /** Counts every person of the cohort. */
  cohorte: z.literal(true, { error: 'true attendu' }).optional(),
  /** Counts the people callable at import (valid number and authorisation), plus those with one of the events. */
  appelables: z.literal(true, { error: 'true attendu' }).optional(),
  /** Counts the people with at least one event of these codes… */
  evenements: z.array(code).min(1, 'au moins un événement').optional(),
  /** …or of these core kinds. */
  genres: z.array(enumeration(CORE_KINDS, 'genre')).min(1, 'au moins un genre').optional(),
}).strict();

/** A call script (French), shown on the person page. */
const scriptSchema = z.object({
  titre: texte,
  introduction: texte,
  etapes: z.array(z.object({ titre: texte, texte }).strict()).min(1, 'au moins une étape'),
  refus: texte,
}).strict();

/** The organisation of a branch competent for the person's commune (or, failing it, her postal code). */
const competenceResolution = z.object({
  methode: z.literal('organisme_competent_commune', { error: 'méthode « organisme_competent_commune » attendue' }),
  champCommune: colonne,
  champCodePostal: colonne,
}).strict();

export const programmeSchema = z.object({
  id: code,
  titre: texte,
  description: texte,
  forme: enumeration(PROGRAMME_SHAPES, 'forme'),
  /**
   * Months after the end of a person's follow-up (terminal status, or destroyed) before the
   * programme may target them again; while the follow-up is open they are never added twice.
   */
  delaiNouveauCiblageMois: z.number({ error: 'nombre de mois attendu' }).int().min(0).max(120),
  document: z.object({
    reference: texte,
    titre: texte,
    /** Date of the document; null when the source copy is undated. */
    date: isoDate.nullable(),
    emetteur: texte,
    seed: z.string().regex(/^\d{3}_[0-9a-f]+\.txt$/, 'nom de fichier de seeds/ attendu (ex. 001_1051cd3d4d228450.txt)'),
    complements: z.array(z.string().regex(/^\d{3}_[0-9a-f]+\.txt$/, 'nom de fichier de seeds/ attendu')).optional(),
  }).strict(),
  /** The organisation type that holds the source data, runs the targeting and (if any) sends the package. */
  expediteur: z.object({
    branche: enumeration(PROGRAMME_BRANCHES, 'branche'),
    description: texte,
    /**
     * How the holding organisation of a row is found when the extract covers several: the
     * organisation of the branch competent for the person's commune. Without it, the Caf of the
     * row's `departement_caf`, or the organisation given to the cycle.
     */
    resolution: competenceResolution.optional(),
  }).strict(),
  /** Who receives the package, resolved per person; null when no personal data crosses. */
  destinataire: z.object({
    branche: enumeration(PROGRAMME_BRANCHES, 'branche'),
    description: texte,
    resolution: competenceResolution,
  }).strict().nullable(),
  source: z.object({
    type: enumeration(SOURCE_TYPES, 'type de source'),
    fichier: extractKind,
    jointures: z.array(jointureSchema),
    description: texte,
  }).strict(),
  /** `exemples`: facts → expected result, stored next to the rule and run by test/unit/rules-examples.test.ts. */
  ciblage: z.object({ description: texte, regle: ruleSchema, exemples: exemplesSchema.optional() }).strict(),
  /** People selected by the targeting but never transmitted nor contacted, with the reason. */
  exclusions: z.array(z.object({ code, motif: texte, regle: ruleSchema, exemples: exemplesSchema.optional() }).strict()),
  /** Markers computed on each selected person (precarity…): they select the differentiated offer. */
  marqueurs: z.array(z.object({ code, libelle: texte, regle: ruleSchema, exemples: exemplesSchema.optional() }).strict()),
  /** Default values of the "$name" operands of the rules; a territory may override them. */
  parametres: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'nom de paramètre attendu'), parametreSchema),
  /** People flagged at risk of domestic violence: only a safe channel may be used, never the household's. */
  personnesARisque: z.object({
    champRisque: colonne,
    champCanalSur: colonne,
    champValeurCanalSur: colonne,
    /** Value of champCanalSur → contact column it replaces. */
    canaux: z.record(z.string(), colonne),
    /** Columns shared with the household (postal address…): never kept on a worklist for a person at risk. */
    champsFoyer: z.array(colonne).optional(),
  }).strict().nullable(),
  donnees: z.object({
    transmission: enumeration(['nominative', 'aucune'] as const, 'transmission'),
    /** The most that may cross; a package carries the intersection with the convention's list. */
    champsMaximum: z.array(colonne),
    /**
     * In-house and signalement programmes: the columns the holder keeps on its own worklist (nothing
     * crosses). Empty for an exchange programme, whose recipient's list holds the package's fields.
     */
    champsListe: z.array(colonne).optional(),
    /** Column identifying the person; it never crosses, only its keyed pseudonym does. */
    identifiant: z.object({ champ: colonne, pseudonyme: z.literal('hmac-sha256', { error: 'pseudonyme « hmac-sha256 » attendu' }) }).strict().nullable(),
    /** What goes to the partner when no personal data crosses (anonymous aggregates). */
    agregatsAnonymes: z.object({ vers: enumeration(PROGRAMME_BRANCHES, 'branche'), contenu: texte }).strict().nullable(),
    description: texte,
  }).strict(),
  personnesConcernees: texte,
  baseLegale: z.array(z.object({ texte, reference: texte.optional() }).strict()).min(1, 'au moins une base légale'),
  finalite: texte,
  usagesInterdits: texte,
  conservation: z.object({
    /** Months after the record is processed (outreach terminal or worklist closed). */
    apresTraitementMois: z.number().int().min(0).max(120),
    /** Default maximum after import, in days (the instance may configure another). */
    maximumApresImportJours: z.number().int().min(1).max(3650),
    description: texte,
  }).strict(),
  canaux: z.array(canalSchema).min(1, 'au moins un canal'),
  offre: z.array(offreSchema).min(1, 'au moins un élément d’offre'),
  /** The programme's vocabulary of events, on the shared core (vocabulary.ts). */
  evenements: z.array(evenementSchema).min(1, 'au moins un événement'),
  /** The call script (or visit guide) shown to the agent; a generic one when absent. */
  script: scriptSchema.optional(),
  etapes: z.array(etapeSchema).min(1, 'au moins une étape'),
  /** Rates published for the programme: every rate names its numerator and its denominator. */
  indicateurs: z.array(z.object({
    code,
    libelle: texte,
    numerateur: code,
    denominateur: code,
    reference: texte.optional(),
  }).strict()),
}).strict();

export type ProgrammeInput = z.input<typeof programmeSchema>;
export type Programme = z.output<typeof programmeSchema>;
export type ProgrammeParametres = Record<string, Valeur>;

/** A row of an extract (or of several joined extracts): column → cell text ('' when empty). The facts of a targeting rule. */
export type Row = Readonly<Record<string, string | undefined>>;
