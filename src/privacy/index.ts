export { recordAudit, verifyAuditChain, recentAudit, type AuditEvent } from './audit.ts';
export { canonicalJson, entryHash, verifyEntries, GENESIS_HASH, type ChainCheck } from './chain.ts';
