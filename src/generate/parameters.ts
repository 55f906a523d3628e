/**
 * The figures the synthetic population is calibrated on, each with its source. Figures marked
 * "hypothèse" are orders of magnitude chosen for realism where the seeds are silent; change them
 * here, the documentation (docs/extract-formats.md) quotes this file.
 */
import type { CategorieInvalidite } from '../extracts/index.ts';
import { Weighted } from './random.ts';

/** National volumes (metropole + DROM). */
export const NATIONAL = {
  /** Caf allocataires. Source: brief of the generator (≈ 14 M, Cnaf order of magnitude). */
  allocataires: 14_000_000,
  /** Direct-right retirees of the régime général. Hypothèse (Cnav order of magnitude). */
  retraitesRegimeGeneral: 14_500_000,
  /** Separations recorded by the Caf each year, and those with at least one child. SPEC §2 (LR 2023-175). */
  separationsParAn: 356_000,
  separationsAvecEnfantParAn: 300_000,
  /**
   * AJPA applications per year. Derived from SPEC §1: the Var (1.6 % of the population) identified
   * 175 applicants in eight months of 2024, i.e. ≈ 262 a year, ≈ 16 500 nationally.
   */
  demandesAjpaParAn: 16_500,
  /** AJPP applications per year. Hypothèse. */
  demandesAjppParAn: 12_000,
  /** Births per year. INSEE order of magnitude (≈ 660 000). */
  naissancesParAn: 660_000,
  /** Sick-leave episodes with at least one daily allowance paid in a month. Hypothèse. */
  arretsIndemnisesParMois: 1_700_000,
  /** Hospital-discharge signalements to the Carsat social service per year. Hypothèse. */
  signalementsSortieParAn: 60_000,
  /**
   * Adult insured people of the régime général who are neither allocataire nor retired nor in
   * another file, per inhabitant. Hypothèse: with the others the CPAM file holds ≈ 0.68 adult
   * insured people per inhabitant (régime général ≈ 88 % of the population, 80 % adults).
   */
  autresAssuresParHabitant: 0.28,
} as const;

/** Shares taken from the seeds (SPEC.md); the tests check the generated files against them. */
export const SPEC_RATES = {
  /** SPEC §1: only 39.8 % of AJPA applications led to opened rights. */
  ajpaAccordee: 0.398,
  /** SPEC §1: AJPA carers care for a parent (~60 %), a spouse (~30 %), a child, sibling or friend (~10 %). */
  ajpaLienParent: 0.6,
  ajpaLienConjoint: 0.3,
  /** SPEC §1 (Flandres): 84 % women; "most AJPA carers are women over 45". */
  ajpaFemmes: 0.84,
  /** SPEC §2: 300 000 of the 356 000 separations concern at least one child. */
  separationAvecEnfant: 300_000 / 356_000,
  /** SPEC §2: 68 % of single-parent families receive housing aid. */
  monoparentalAideLogement: 0.68,
  /** SPEC §2: 30 % of single-parent families are on the C2S. */
  monoparentalC2s: 0.3,
  /** Seed 000: 85 % of single parents are women. */
  monoparentFemmes: 0.85,
  /** SPEC §1 (Flandres): 11 % of carers had no complementary health. */
  aidantSansComplementaire: 0.11,
} as const;

/** Contact data quality: what validators must cope with. */
export const DATA_QUALITY = {
  emailPresent: 0.85,
  emailPresent60to74: 0.7,
  emailPresentOver75: 0.45,
  /** Share of the e-mails present that are malformed (no @, no domain, space, double @, comma). */
  emailMalformed: 0.03,
  phonePresent: 0.92,
  /** Share of the phones present that are malformed (digit missing or extra, letter, cut short). */
  phoneMalformed: 0.02,
  autorisationEmail: 0.72,
  autorisationTelephone: 0.65,
} as const;

/** Intra-family violence flag and safe channel. */
export const VIOLENCE = {
  /** Share of allocataires flagged at risk (single-parent families: ×3; separation of the month: 6 %). */
  risque: 0.004,
  risqueSeparation: 0.06,
  /** Safe channel designated: phone 60 %, e-mail 30 %, none 10 % (then: never contact). */
  canalTelephone: 0.6,
  canalEmail: 0.3,
  /** Among the month's separations flagged at risk, share declared as victims of violence (caf_separations.victime_violences). Hypothèse. */
  victimeParmiSeparationsARisque: 0.75,
} as const;

/**
 * C2S ceilings and the resources known to the CPAM (cpam_assures.ressources_annuelles).
 * Ceilings: one person, metropole, from 1 April 2025 to 31 March 2026 (+ 1.7 %; arrêté of
 * March 2025; service-public.fr, efl.fr): 10 339 € without contribution, 13 957 € with
 * contribution; the household's ceiling is this times the household coefficient (1, 1.5, 1.8,
 * 2.1, + 0.4 per further person). Resource medians and spreads (per one-person share, euros a
 * year, log-normal) are hypothèses chosen so that few people without the C2S fall under the
 * ceiling (non-take-up) and a few per cent just above it.
 */
export const C2S = {
  plafondSansParticipation: 10_339,
  plafondAvecParticipation: 13_957,
  /** Share of insured people whose resources the CPAM does not know. Hypothèse. */
  ressourcesInconnues: 0.06,
  revenusMinimaSociaux: [11_500, 0.25],
  revenusModestes: [19_000, 0.35],
  revenusRetraites: [25_000, 0.38],
  revenusGeneral: [29_000, 0.42],
} as const;

/** Invalidity pensions (cpam_invalidite). */
export const INVALIDITE = {
  /**
   * Share of the stock whose pension starts in the month: ≈ 75 000 new pensions a year for
   * ≈ 850 000 pensioners of the régime général (Cnam orders of magnitude), 1/136 a month.
   */
  nouvellesParMois: 75_000 / 850_000 / 12,
  /** Category 1 25 %, 2 72 %, 3 3 % (Cnam order of magnitude). */
  categories: new Weighted<CategorieInvalidite>([['1', 25], ['2', 72], ['3', 3]]),
  /** Still holding an employment contract, by category. Hypothèse (category 1 often works part-time). */
  contratMaintenu: { '1': 0.6, '2': 0.3, '3': 0.05 } as Record<CategorieInvalidite, number>,
} as const;

/** PRADO maternité: mothers who refuse the adviser's visit (seed 003: "n'ayant pas exprimé leur refus"). Hypothèse. */
export const PRADO = { refusVisite: 0.04 } as const;

/**
 * Caf amounts (euros a month) from 1 April 2025: ASF per child and RSA for one person as
 * published (caf.fr, service-public.fr; + 1.7 %); the others are orders of magnitude.
 */
export const MONTANTS_CAF = {
  asfParEnfant: 199.19,
  rsaPersonneSeule: 646.52,
  allocationsFamiliales2Enfants: 151.05,
  allocationsFamilialesParEnfantSuivant: 193.77,
  complementFamilial: 199.63,
  pajeAllocationBase: 198.16,
} as const;

/**
 * What the Caf observes four months after a separation is declared (caf_suivi_separations,
 * indicators of annex 5 of LR 2023-175). The seeds give no figure: all hypothèses, each the
 * probability that the right is opened when the person did not hold it before.
 */
export const SUIVI_SEPARATION = {
  ouvertureAsf: 0.45,
  ouvertureAideLogement: 0.2,
  ouvertureAideLogementParent: 0.35,
  ouvertureRsa: 0.06,
  ouvertureRsaParent: 0.12,
  ouverturePrimeActivite: 0.15,
  ouvertureAllocationsFamiliales: 0.15,
  ouvertureComplementFamilial: 0.2,
  ouverturePaje: 0.1,
  rappelAvecEnfant: 0.25,
  rappelSansEnfant: 0.12,
  induAvecEnfant: 0.1,
  induSansEnfant: 0.08,
  /** Median amounts (euros, log-normal, spread 0.7). */
  rappelMedian: 420,
  induMedian: 380,
} as const;

/** Daily sick-leave allowance ceiling for illness (euros). Source: ameli.fr, from 1 April 2025. */
export const IJ_MALADIE_MAX = 41.47;
