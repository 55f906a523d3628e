/**
 * Minimisation and pseudonymisation: what a package may carry about a person.
 */
import { createHmac } from 'node:crypto';
import type { Row } from './schema.ts';

/**
 * Keeps only the allowed fields of a row, in the order of `allowedFields` (normally
 * `allowedFields(programme, convention, date)`: the programme's maximum ∩ the convention's list).
 * A field allowed but absent from the row is written empty, so every package row has the same columns.
 */
export function minimise(row: Row, allowedFields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of allowedFields) out[field] = row[field] ?? '';
  return out;
}

/** Minimum key length: 32 bytes (256 bits), the HMAC-SHA-256 block security level. */
export const PSEUDONYM_KEY_MIN_BYTES = 32;

/**
 * Keyed pseudonym of a NIR: HMAC-SHA-256(key, NIR) in lower-case hexadecimal (64 characters).
 * The NIR is normalised first (spaces removed, upper case: "2A"/"2B" for Corsica), so the same
 * person gets the same pseudonym every month under the same key, and a different one under
 * another convention's key: pseudonyms cannot be linked across conventions.
 * `key`: the convention's secret, at least 32 bytes (a string is taken as its UTF-8 bytes).
 */
export function pseudonym(key: Uint8Array | string, nir: string): string {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (bytes.length < PSEUDONYM_KEY_MIN_BYTES) {
    throw new RangeError(`clé de pseudonymisation trop courte : ${PSEUDONYM_KEY_MIN_BYTES} octets au moins`);
  }
  const normalised = nir.replace(/\s+/g, '').toUpperCase();
  if (normalised === '') throw new RangeError('NIR vide : pas de pseudonyme possible');
  return createHmac('sha256', bytes).update(normalised, 'utf8').digest('hex');
}
