/** Pure domain: the audit trail's hash chain. Each entry's hash covers its content and the previous hash. */
import { createHash } from 'node:crypto';
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

export interface ChainedEntry { id: string; hashPrecedent: string; hash: string; content: AuditContent }

export type ChainCheck =
  | { ok: true; entries: number }
  | { ok: false; entries: number; brokenAt: string; reason: string };

/** Checks entries given in id order; reports the first broken link. */
export function verifyEntries(entries: Iterable<ChainedEntry>, startHash = GENESIS_HASH): ChainCheck {
  let previous = startHash;
  let count = 0;
  for (const e of entries) {
    count++;
    if (e.hashPrecedent !== previous) {
      return { ok: false, entries: count, brokenAt: e.id, reason: `l'entrée ${e.id} ne pointe pas vers l'entrée précédente (maillon manquant ou inséré)` };
    }
    if (entryHash(previous, e.content) !== e.hash) {
      return { ok: false, entries: count, brokenAt: e.id, reason: `le contenu de l'entrée ${e.id} a été modifié (empreinte différente)` };
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
