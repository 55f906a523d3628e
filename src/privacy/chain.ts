/**
 * Pure domain: the audit trail's hash chain. Each entry's hash covers its content and the previous
 * hash. Since migration 0015 the hash is an HMAC-SHA-256 under a key derived from the master key
 * (which the database never holds): whoever can write to the table cannot recompute the chain
 * (docs/adr/0002-keyed-audit-chain.md). Entries up to the switch point keep the old unkeyed rule.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.ts';

/** Sorted-key JSON, so that jsonb's reordering never changes a hash (the same form that signs packages). */
export { canonicalJson };

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditContent {
  horodatage: string; // ISO 8601, millisecond precision
  acteurCompteId: string | null;
  acteurOrganisation: string | null;
  action: string;
  cibleType: string | null;
  cibleId: string | null;
  details: Record<string, unknown>;
}

export function entryHash(previousHash: string, content: AuditContent): string {
  return createHash('sha256').update(previousHash).update('\n').update(canonicalJson(content)).digest('hex');
}

const AUDIT_KEY_CONTEXT = 'passerelle-journal-audit/1';

/** The audit HMAC key of a master key: HMAC-SHA-256(master, "passerelle-journal-audit/1"). */
export function auditKeyOf(masterKey: Uint8Array): Buffer {
  return createHmac('sha256', masterKey).update(AUDIT_KEY_CONTEXT).digest();
}

/** The keyed hash of an entry (entries after the switch point). */
export function keyedEntryHash(key: Uint8Array, previousHash: string, content: AuditContent): string {
  return createHmac('sha256', key).update(previousHash).update('\n').update(canonicalJson(content)).digest('hex');
}

/** The head of the trail at one moment: what an anchor certifies. */
export interface AuditHead {
  /** Entries in the trail (all of them, unkeyed prefix included). */
  nombre: number;
  dernierId: string;
  dernierHash: string;
  /** Hash of the first entry: says which chain the anchor belongs to. */
  premierHash: string;
  /** Last entry under the old unkeyed rule. */
  bascule: string;
  horodatage: string;
  /** Master key id of the signing key. */
  cle: string;
}

export function signHead(key: Uint8Array, head: AuditHead): string {
  return createHmac('sha256', key).update('tete\n').update(canonicalJson(head)).digest('hex');
}

export function headSignatureValid(key: Uint8Array, head: AuditHead, signature: string): boolean {
  const expected = Buffer.from(signHead(key, head), 'hex');
  const given = Buffer.from(/^[0-9a-f]{64}$/.test(signature) ? signature : '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface ChainedEntry { id: string; hashPrecedent: string; hash: string; content: AuditContent; cle?: string | null }

/** What the verifier knows of the keyed era: the switch point and the HMAC keys by master key id. */
export interface ChainKeys { bascule: bigint; keys: ReadonlyMap<string, Uint8Array> }

export type ChainCheck =
  | { ok: true; entries: number }
  | { ok: false; entries: number; brokenAt: string; reason: string };

/** Checks entries given in id order; reports the first broken link. Without `keyed`, every entry is under the unkeyed rule. */
export function verifyEntries(entries: Iterable<ChainedEntry>, startHash = GENESIS_HASH, keyed?: ChainKeys): ChainCheck {
  let previous = startHash;
  let count = 0;
  for (const e of entries) {
    count++;
    if (e.hashPrecedent !== previous) {
      return { ok: false, entries: count, brokenAt: e.id, reason: `l'entrée ${e.id} ne pointe pas vers l'entrée précédente (maillon manquant ou inséré)` };
    }
    let expected: string;
    if (keyed && e.cle) {
      const key = keyed.keys.get(e.cle);
      if (!key) return { ok: false, entries: count, brokenAt: e.id, reason: `l'entrée ${e.id} est scellée par la clé maîtresse ${e.cle}, que cette instance ne connaît pas (fournissez-la dans PASSERELLE_CLE_MAITRE_PRECEDENTES)` };
      expected = keyedEntryHash(key, previous, e.content);
    } else {
      if (keyed && BigInt(e.id) > keyed.bascule) {
        return { ok: false, entries: count, brokenAt: e.id, reason: `l'entrée ${e.id} n'est pas scellée par la clé alors qu'elle suit la bascule (entrée ${keyed.bascule}) : chaîne recalculée sans la clé` };
      }
      expected = entryHash(previous, e.content);
    }
    if (expected !== e.hash) {
      return { ok: false, entries: count, brokenAt: e.id, reason: `le contenu de l'entrée ${e.id} a été modifié (empreinte différente${keyed && e.cle ? ' : contenu changé ou chaîne recalculée sans la clé' : ''})` };
    }
    previous = e.hash;
  }
  return { ok: true, entries: count };
}

/** Keys that must never appear in an audit payload: the trail records who did what to which record, never personal data. */
const FORBIDDEN_DETAIL_KEYS = /^(email|e-mail|mail|nom|prenom|prénom|nir|telephone|téléphone|adresse|mot_?de_?passe|password|date_?naissance)$/i;

export function assertNoPersonalData(details: Record<string, unknown>): void {
  for (const key of Object.keys(details)) {
    if (FORBIDDEN_DETAIL_KEYS.test(key)) throw new Error(`Donnée personnelle interdite dans le journal d'audit : ${key}`);
  }
}
