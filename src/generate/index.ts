/**
 * Front door of the `generate` context: synthetic source extracts (Caf, CPAM, Carsat, health
 * establishments) for a département and a month, since no real data exists here.
 *
 * - generateExtracts(): writes the CSV files, streaming, deterministic for a seed.
 * The formats of those files are the `extracts` context's (src/extracts/).
 */
export { generateExtracts, listDepartements, planPeople, samplePeople, type GenerateOptions, type GenerateReport } from './run.ts';
export type { WrittenFile } from './files.ts';
export {
  validateGenerateOptions, normalizeDepartement, GenerateOptionsError, MAX_SCALE, ALL_DEPARTEMENTS,
  type RawGenerateOptions, type ValidGenerateOptions,
} from './options.ts';
export {
  NATIONAL, SPEC_RATES, DATA_QUALITY, VIOLENCE, IJ_MALADIE_MAX, C2S, INVALIDITE, PRADO, MONTANTS_CAF, SUIVI_SEPARATION,
} from './parameters.ts';
export { PERSON_KINDS, type Person, type PersonKind, type KindCounts } from './population.ts';
