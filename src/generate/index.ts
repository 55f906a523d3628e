/**
 * Front door of the `generate` context: synthetic source extracts (Caf, CPAM, Carsat, health
 * establishments) for a département and a month, since no real data exists here.
 *
 * - generateExtracts(): writes the CSV files, streaming, deterministic for a seed.
 * - EXTRACT_FORMATS: the definition of every file and column, for the code that reads them.
 * - checkCell / checkHeader: validate a file against those definitions.
 */
export { generateExtracts, listDepartements, planPeople, samplePeople, type GenerateOptions, type GenerateReport } from './run.ts';
export type { WrittenFile } from './files.ts';
export {
  EXTRACT_FORMATS, EXTRACT_KINDS, CSV_SEPARATOR, CSV_LINE_END,
  checkCell, checkHeader, csvField, extractFormat, isWellFormedEmail, normalizeFrenchPhone, parseDecimal,
  OUI_NON, SEXES, SITUATIONS_FAMILIALES, CONFIGURATIONS_FOYER, CANAUX_SURS, TYPES_UNION, MODES_GARDE, PRESTATIONS_AIDANT,
  DECISIONS, LIENS_AIDE, COMPLEMENTAIRES, NATURES_ARRET, MODES_ACCOUCHEMENT, MOTIFS_NON_ELIGIBILITE_PRADO, ALD_SIGNALEMENT,
  MINIMA_SOCIAUX, GIRS,
  type ColumnDefinition, type ColumnType, type ExtractFormat, type ExtractKind, type ExtractRow, type ExtractColumnName, type Producer,
} from './formats.ts';
export {
  validateGenerateOptions, normalizeDepartement, GenerateOptionsError, MAX_SCALE, ALL_DEPARTEMENTS,
  type RawGenerateOptions, type ValidGenerateOptions,
} from './options.ts';
export { NATIONAL, SPEC_RATES, DATA_QUALITY, VIOLENCE, IJ_MALADIE_MAX } from './parameters.ts';
export { PERSON_KINDS, type Person, type PersonKind, type KindCounts } from './population.ts';
export { parseIsoDate } from './calendar.ts';
