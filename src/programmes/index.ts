/**
 * Front door of the `programmes` context: the programme model (pure domain, no database).
 *
 * - programmeSchema, loadProgrammes(): the definitions in data/programmes/*.json, validated with
 *   French messages naming the file and the path.
 * - rules: the one rule language and evaluator live in src/rules/ (ADR 0006); compileSelection
 *   compiles a programme's targeting, exclusions and markers once per month processed.
 * - joinSource / selectPerson / applyContactRules / resolveRecipient: pure steps of the monthly cycle.
 * - CORE_KINDS…: the shared core of the programmes' event vocabularies (`evenements`, vocabulary.ts).
 * - minimise(row, allowedFields), pseudonym(key, nir): what a package may carry.
 * - retentionDeadline(): the destruction deadline of an imported record.
 * Documentation: docs/programmes.md.
 */
export {
  programmeSchema, ruleSchema, STAGE_CODES, STAGE_LABELS, CHANNELS, PROGRAMME_BRANCHES, OFFER_BRANCHES, OFFER_CATEGORIES, SOURCE_TYPES,
  PROGRAMME_SHAPES, PROGRAMME_SHAPE_LABELS, type ProgrammeShape,
  type Programme, type ProgrammeInput, type ProgrammeBranche, type StageCode, type Channel, type ProgrammeParametres, type Row,
} from './schema.ts';
export {
  loadProgrammes, loadProgrammeFile, parseProgramme, findProgramme, sourceColumns, formatPath, frenchIssue,
  ProgrammeDefinitionError, PROGRAMMES_DIR, MARKERS_FIELD, MARKER_LABELS_FIELD, type ProgrammeParse,
} from './loader.ts';
export {
  targetingContext, joinSource, selectPerson, compileSelection, withMarkers, offerFor, applyContactRules, resolveRecipient, resolveHolder, worklistLine,
  type Candidate, type Selection, type Selector, type TargetingContext, type ContactCheck, type CompetenceLookup, type RecipientResolution, type WorklistLine,
} from './targeting.ts';
export {
  CORE_KINDS, CORE_KIND_LABELS, KIND_ISSUES, ISSUES, DETAIL_KINDS, DETAIL_KIND_LABELS, EVENT_CHANNELS, STATUSES, ORIENTATION_PARTNERS,
  PARTNER_LABELS, PARTNER_BRANCH, SYSTEM_EVENTS,
  type CoreKind, type Issue, type DetailKind, type EventChannel, type Status, type OrientationPartner,
} from './vocabulary.ts';
export { minimise, pseudonym, PSEUDONYM_KEY_MIN_BYTES } from './minimise.ts';
export { retentionDeadline, isPastRetention, describeRetention, type RetentionInput, type RetentionRule } from './retention.ts';
export { addDays, addMonths, addYears, dateFr, isIsoDate, isIsoMonth, toIsoDate } from './dates.ts';
