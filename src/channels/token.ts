/**
 * Opposition tokens: the link every offer carries to object to further contact. A token names a
 * contact (its internal row number, not personal data) and is signed with the instance's secret
 * (HMAC-SHA-256, 128 bits kept): it cannot be guessed or forged, and it carries nothing personal.
 *   token = base36(contact id) "-" base64url(HMAC(secret, "opposition:" contact id)[0..16])
 * No dot: the web server treats a path ending in ".xyz" as a static file.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'opposition:';

export function signOppositionToken(secret: Buffer, contactId: string): string {
  const id = BigInt(contactId);
  if (id <= 0n) throw new RangeError('identifiant de contact invalide');
  const mac = createHmac('sha256', secret).update(PREFIX + id.toString()).digest().subarray(0, 16);
  return `${id.toString(36)}-${mac.toString('base64url')}`;
}

/** The contact id of a well-signed token, or null (malformed, forged, or signed with another secret). */
export function verifyOppositionToken(secret: Buffer, token: string): string | null {
  const m = /^([0-9a-z]{1,13})-([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return null;
  let id = 0n;
  for (const ch of m[1]!) id = id * 36n + BigInt(parseInt(ch, 36));
  if (id <= 0n || id > 9_223_372_036_854_775_807n) return null;
  const expected = createHmac('sha256', secret).update(PREFIX + id.toString()).digest().subarray(0, 16);
  const given = Buffer.from(m[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return id.toString();
}
