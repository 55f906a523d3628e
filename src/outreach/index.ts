/**
 * Front door of the `outreach` context (issue 4): worklists, events, derived statuses, contact
 * rules, orientations, bulk outcomes. Documentation: docs/outreach.md.
 *
 * - The event vocabulary is the programme's (`evenements` of its definition, on the shared core of
 *   src/programmes/vocabulary.ts): findEvent / checkDetail / eventLabel / nextActions(programme, …) read it;
 *   the same in the web app, the API and the CSV import. EVENT_CODES: the caregivers' codes.
 * - recordEvent(db, { contactId, code, detail?, occurredAt, authorId, origin, expectedVersion? })
 *   → { eventId, status, version }; throws OutreachRuleError (French message) or VersionConflict.
 * - isCallable(programme, champs): valid phone + authorisation (contacts.appelable, at import).
 * - seedDemoOutreach(db, { today }): realistic, deterministic, idempotent demo events.
 * - markRegisteredOppositions / registerOpposition: the long-lived opposition register (art. 21
 *   RGPD), which outlives the destruction of the contacts (expired rows: src/privacy/retention.ts).
 */
export {
  EVENT_CODES, ORIGINS, ORIENTATION_PARTNERS, PARTNER_LABELS, PARTNER_BRANCH, ORIENTATION_STATUSES, ORIENTATION_STATUS_LABELS,
  channelOf, checkDetail, checkEventDetail, eventOf, eventLabel, findEvent, kindOf, detailLabel, isAppointmentDate,
  type EventCode, type EventDefinition, type Vocabulary, type EventOrigin, type OrientationPartner, type OrientationStatus,
} from './vocabulary.ts';
export { STATUSES, STATUS_LABELS, TERMINAL_STATUSES, NEXT_KINDS, deriveStatus, nextStatus, nextActions, isTerminal, isStatus, type Status } from './status.ts';
export {
  OutreachRuleError, VersionConflict, isCallable, eventChannel, callRefusal, riskProfile, riskRefusal, checkEvent, isValidFrenchPhone, type RiskProfile,
} from './rules.ts';
export { recordEvent, applyEvent, programmes as outreachProgrammes, type RecordEventInput, type RecordedEvent } from './events.ts';
export { seedDemoOutreach, type DemoOutreachReport } from './demo.ts';
export {
  markRegisteredOppositions, registerOpposition, registeredOppositionAt, oppositionKeepUntil,
  OPPOSITION_PERIOD_MONTHS, REGISTER_EVENT_DETAIL, type RegisteredOppositions,
} from './oppositions.ts';
export { visibleFields, FIELD_LABELS, LIST_FIELDS } from './fields.ts';
export { enrolContacts, retargetableFrom, CONTACT_DETAILS_CHANGED, type EnrolmentInput, type EnrolmentPerson, type EnrolmentResult, type AlreadyFollowed } from './enrolment.ts';
export { callScript, type CallScript } from './scripts.ts';
export {
  listWorklist, agentToDo, personPage, recordEventAs, assignContacts, assignableAgents, updateOrientation, closeWorklist, actorWorklists,
  type WorklistQuery, type Failure as OutreachFailure,
} from './worklist.ts';
export { importOutcomes, parseOutcomes, parseOutcomeDate, decodeText, reportCsv, exportWorklist, type OutcomesReport, type RowReport } from './outcomes.ts';
