/**
 * The figures the synthetic population is calibrated on, each with its source. Figures marked
 * "hypothèse" are orders of magnitude chosen for realism where the seeds are silent; change them
 * here, the documentation (docs/extract-formats.md) quotes this file.
 */

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
} as const;

/** Daily sick-leave allowance ceiling for illness (euros). Source: ameli.fr, from 1 April 2025. */
export const IJ_MALADIE_MAX = 41.47;
