export { recordAudit, verifyAuditChain, recentAudit, type AuditEvent } from './audit.ts';
export { canonicalJson, entryHash, verifyEntries, GENESIS_HASH, type ChainCheck } from './chain.ts';
export { destroyExpiredContacts, pseudonymsDigest, type DestructionGroup, type DestructionReport } from './retention.ts';
export { destructionRecords, type DestructionRecord } from './records.ts';
export { registerEntries, registerCsv, csvCell, dataCategories, REGISTER_CSV_COLUMNS, type RegisterEntry, type RegisterOptions, type DataCategory } from './register.ts';
