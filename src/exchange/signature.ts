/** Ed25519 detached signatures over canonical JSON bytes, encoded as base64 text. */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';

export function signBytes(data: Uint8Array, privateKeyPem: string): string {
  return sign(null, data, createPrivateKey(privateKeyPem)).toString('base64');
}

/** False for a malformed signature or key as well as for a wrong one: never throws. */
export function verifyBytes(data: Uint8Array, signatureBase64: string, publicKeyPem: string): boolean {
  const text = signatureBase64.trim();
  if (!/^[A-Za-z0-9+/]{86}==$/.test(text)) return false; // 64 bytes
  try {
    const key = createPublicKey(publicKeyPem);
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, data, key, Buffer.from(text, 'base64'));
  } catch {
    return false;
  }
}

/** An organisation's trusted Ed25519 public keys: keyId → SPKI PEM (every generation still accepted). */
export type TrustedKeys = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

export function lookupTrustedKey(keys: TrustedKeys, keyId: string): string | undefined {
  if (keys instanceof Map) return keys.get(keyId);
  return Object.hasOwn(keys, keyId) ? (keys as Readonly<Record<string, string>>)[keyId] : undefined;
}
