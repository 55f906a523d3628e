/**
 * Front door of the `conventions` context: the registry of local conventions. The rules are pure
 * (convention.ts: status, coverage, fields; lifecycle.ts: propose, sign, amend, denounce;
 * document.ts: signed documents between instances); service.ts stores and audits each step.
 * A package of personal data may be sealed only under a convention in force between its two
 * organisations that covers its programme; it carries the fields both allow.
 * Documentation: docs/conventions.md, and docs/programmes.md, section "Conventions".
 */
export {
  conventionSchema, avenantSchema, signatureSchema, parseConvention, conventionStatus, termsAt, terminationEffectiveDate, missingSignatures,
  coveringConvention, allowedFields, fieldsNeverCrossing, DUREE_PERIODE_ANS, PREAVIS_MOIS, CONVENTIONS_PAGE,
  type Convention, type Avenant, type Signature, type ConventionStatut, type ConventionStatus, type CoverageQuery, type Coverage, type ConventionParse,
  type SignatureNeeded,
} from './convention.ts';
export {
  draftConvention, signConvention, proposeAmendment, denounceConvention, pendingSignature, conventionHistory, fieldPurposes, maximumFields,
  type DraftInput, type AmendmentInput, type Signer, type Step, type Pending, type HistoryEntry,
} from './lifecycle.ts';
export {
  signConventionDocument, verifyConventionDocument, remoteStepProblem, CONVENTION_DOCUMENT_FORMAT,
  type ConventionDocument, type SignedConventionDocument, type DocumentStep, type DocumentVerification,
} from './document.ts';
export {
  proposeConvention, signConventionStep, amendConvention, denounceConventionStep, exportConventionDocument, importConventionDocument,
  precheckCycle, conventionsOf, conventionOf, isOfBranch, ConventionError,
  type ConventionActor, type ProposalInput, type PrecheckRecipient,
} from './service.ts';
