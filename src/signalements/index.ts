/**
 * Front door of the `signalements` context (issue 9, programme shape « signalement »): a health
 * establishment signals a person leaving hospital to the competent Carsat social service, one by
 * one (form, `POST /api/signalements`) or in bulk (`npx passerelle signalements import`, or the
 * establishment's upload). Documentation: docs/signalements.md.
 *
 * - submitSignalement(db, actor, fields): a `signalant` account's signalement → the competent
 *   Carsat's worklist (cohort of the signalement's month), or « déjà suivi ».
 * - importSignalements(db, { path, destinataire, etablissement, reportPath, acteur }): a file,
 *   row by row, with a row report.
 * - listSignalements(db, actor): the establishment's own signalements and their status only.
 * - The repository (signalementsRepository.enterWorklist: THE insertion of a signalled person) stays
 *   inside the context; organisations and establishments are read through the territories front door.
 * - Pure: checkSignalementRow, assessSignalement, signalementStatus, worklistFields.
 */
export {
  assessSignalement, checkSignalementRow, coherenceProblems, initials, longDateFr, signalementStatus, worklistFields,
  ESTABLISHMENT_COLUMNS, NO_CRITERION, SIGNALEMENT_COLUMNS, SIGNALEMENT_FORMAT, SIGNALEMENT_PROGRAMME, SIGNALEMENT_STATUSES, SIGNALEMENT_STATUS_LABELS,
  type Assessment, type RowProblems, type SignalementStatus,
} from './domain.ts';
export {
  competentOrganisation, importSignalements, listSignalements, signalementProgramme, submitSignalement, SignalementInputError,
  type Failure as SignalementFailure, type ImportOptions, type ImportReport, type RowReport, type SignalementInput,
} from './service.ts';
export { type Establishment, type WorklistEntry, type WorklistEntryResult } from './repository.ts';
export { ensureDemoSignalements, DEMO_SIGNALEMENTS_MARKER } from './demo.ts';
