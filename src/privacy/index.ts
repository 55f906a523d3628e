export { recordAudit, verifyAuditChain, recentAudit, anchorAuditHead, currentAuditHead, rememberAuditKeys, AUDIT_ANCHOR_FILE, type AuditEvent, type AuditVerifyOptions } from './audit.ts';
export { canonicalJson, entryHash, keyedEntryHash, auditKeyOf, signHead, type AuditHead, verifyEntries, GENESIS_HASH, type ChainCheck } from './chain.ts';
export { destroyExpiredContacts, overdueContacts, pseudonymsDigest, type DestructionGroup, type DestructionReport } from './retention.ts';
export { destructionRecords, type DestructionRecord } from './records.ts';
export { registerEntries, registerCsv, csvCell, dataCategories, REGISTER_CSV_COLUMNS, type RegisterEntry, type RegisterOptions, type DataCategory } from './register.ts';
