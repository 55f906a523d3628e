/**
 * Front door of the `conventions` context: the registry of local conventions, as pure domain
 * (no database here). A package of personal data may be sealed only under a convention in force
 * between its two organisations that covers its programme; it carries the fields both allow.
 * Documentation: docs/programmes.md, section "Conventions".
 */
export {
  conventionSchema, avenantSchema, parseConvention, conventionStatus, termsAt, terminationEffectiveDate,
  coveringConvention, allowedFields, fieldsNeverCrossing, DUREE_PERIODE_ANS, PREAVIS_MOIS,
  type Convention, type Avenant, type ConventionStatut, type ConventionStatus, type CoverageQuery, type Coverage, type ConventionParse,
} from './convention.ts';
