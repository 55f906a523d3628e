/**
 * Organisation keys: an age X25519 key pair (confidentiality: partners encrypt to it) and an
 * Ed25519 key pair (authenticity: the organisation signs what it sends). Keys are plain data
 * (strings), so the caller decides where they live; this module does no I/O.
 *
 * A keyring holds several generations, oldest first; the last one is current. Sealing uses the
 * recipient's current age key; opening picks the identity named by the manifest, so a package
 * sealed before a rotation stays readable as long as its generation is kept.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { z } from 'zod';

/** 16 lowercase hexadecimal characters: the first 64 bits of a SHA-256 over the public key. */
export const KeyIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'identifiant de clé attendu (16 caractères hexadécimaux)');
export const OrganisationCodeSchema = z.string().regex(/^[a-z0-9][a-zA-Z0-9-]{0,62}$/, "code d'organisation attendu");

const IsoDate = z.iso.datetime({ offset: true });

export const AgeKeySchema = z.strictObject({
  keyId: KeyIdSchema,
  /** `age1…`, public: partners encrypt to it. */
  recipient: z.string().regex(/^age1[02-9ac-hj-np-z]{58}$/),
  /** `AGE-SECRET-KEY-1…`, secret: opens the packages sent to this organisation. */
  identity: z.string().regex(/^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/),
  creeLe: IsoDate,
});
export const SigningKeySchema = z.strictObject({
  keyId: KeyIdSchema,
  /** SPKI PEM, public: partners verify this organisation's signatures with it. */
  publicKeyPem: z.string().startsWith('-----BEGIN PUBLIC KEY-----'),
  /** PKCS#8 PEM, secret. */
  privateKeyPem: z.string().startsWith('-----BEGIN PRIVATE KEY-----'),
  creeLe: IsoDate,
});
export const KeyGenerationSchema = z.strictObject({
  organisation: OrganisationCodeSchema,
  creeLe: IsoDate,
  chiffrement: AgeKeySchema,
  signature: SigningKeySchema,
});
/** What an organisation keeps secret. Generations oldest first; the last one is current. */
export const KeyringSchema = z.strictObject({
  organisation: OrganisationCodeSchema,
  generations: z.array(KeyGenerationSchema).min(1),
});

export const PublicAgeKeySchema = AgeKeySchema.omit({ identity: true });
export const PublicSigningKeySchema = SigningKeySchema.omit({ privateKeyPem: true });
/** What an organisation publishes to its partners (no secret): every kept generation, oldest first. */
export const PublicKeyringSchema = z.strictObject({
  organisation: OrganisationCodeSchema,
  chiffrement: z.array(PublicAgeKeySchema).min(1),
  signature: z.array(PublicSigningKeySchema).min(1),
});

export type AgeKey = z.infer<typeof AgeKeySchema>;
export type SigningKey = z.infer<typeof SigningKeySchema>;
export type KeyGeneration = z.infer<typeof KeyGenerationSchema>;
export type Keyring = z.infer<typeof KeyringSchema>;
export type PublicAgeKey = z.infer<typeof PublicAgeKeySchema>;
export type PublicSigningKey = z.infer<typeof PublicSigningKeySchema>;
export type PublicKeyring = z.infer<typeof PublicKeyringSchema>;

/** What sealing needs from the recipient: its current public age key. */
export type RecipientKey = Pick<PublicAgeKey, 'keyId' | 'recipient'>;
/** What signing needs: a private Ed25519 key and its id. */
export type SenderSigningKey = Pick<SigningKey, 'keyId' | 'privateKeyPem'>;

function shortSha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

/** keyId of an age recipient: SHA-256 of its ASCII `age1…` string (`printf %s age1… | sha256sum | cut -c1-16`). */
export function ageKeyId(recipient: string): string {
  return shortSha256(recipient.trim());
}

/** keyId of an Ed25519 public key: SHA-256 of its DER SubjectPublicKeyInfo (`openssl pkey -pubin -outform DER | sha256sum | cut -c1-16`). */
export function signingKeyId(publicKey: string | KeyObject): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return shortSha256(key.export({ type: 'spki', format: 'der' }));
}

export async function generateAgeKey(now: Date = new Date()): Promise<AgeKey> {
  // Explicitly X25519: age-encryption's generateIdentity() may switch to post-quantum hybrid
  // keys, which age command-line tools older than 1.3 (Debian 12/13 ship 1.1) cannot open.
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  return { keyId: ageKeyId(recipient), recipient, identity, creeLe: now.toISOString() };
}

export function generateSigningKey(now: Date = new Date()): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    keyId: signingKeyId(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    creeLe: now.toISOString(),
  };
}

export async function generateKeyGeneration(organisation: string, now: Date = new Date()): Promise<KeyGeneration> {
  OrganisationCodeSchema.parse(organisation);
  return { organisation, creeLe: now.toISOString(), chiffrement: await generateAgeKey(now), signature: generateSigningKey(now) };
}

export async function createKeyring(organisation: string, now: Date = new Date()): Promise<Keyring> {
  return { organisation, generations: [await generateKeyGeneration(organisation, now)] };
}

/** Adds a new current generation; older ones stay, so packages sealed to them stay readable. */
export async function rotateKeyring(keyring: Keyring, now: Date = new Date()): Promise<Keyring> {
  return { organisation: keyring.organisation, generations: [...keyring.generations, await generateKeyGeneration(keyring.organisation, now)] };
}

export function currentGeneration(keyring: Keyring): KeyGeneration {
  const current = keyring.generations.at(-1);
  if (!current) throw new Error(`Trousseau vide pour ${keyring.organisation}`);
  return current;
}

/**
 * Removes a past generation (named by either of its keyIds). Packages sealed to it can no longer
 * be opened: do it once those packages are destroyed. The current generation cannot be removed.
 */
export function destroyGeneration(keyring: Keyring, keyId: string): Keyring {
  const index = keyring.generations.findIndex((g) => g.chiffrement.keyId === keyId || g.signature.keyId === keyId);
  if (index < 0) throw new Error(`Clé ${keyId} absente du trousseau de ${keyring.organisation}`);
  if (index === keyring.generations.length - 1) throw new Error('La génération de clés courante ne peut pas être détruite : faire d’abord une rotation');
  return { organisation: keyring.organisation, generations: keyring.generations.filter((_, i) => i !== index) };
}

/** The age identity (secret) with this keyId, if the keyring still holds it. */
export function findAgeIdentity(keyring: Keyring, keyId: string): string | undefined {
  return keyring.generations.find((g) => g.chiffrement.keyId === keyId)?.chiffrement.identity;
}

/** The public half of a keyring, to hand to partners. */
export function publicKeyring(keyring: Keyring): PublicKeyring {
  return {
    organisation: keyring.organisation,
    chiffrement: keyring.generations.map(({ chiffrement: { identity: _secret, ...pub } }) => pub),
    signature: keyring.generations.map(({ signature: { privateKeyPem: _secret, ...pub } }) => pub),
  };
}

/** The key to seal to: the partner's most recent age key. */
export function currentRecipientKey(partner: PublicKeyring): PublicAgeKey {
  const key = partner.chiffrement.at(-1);
  if (!key) throw new Error(`Aucune clé de chiffrement publiée par ${partner.organisation}`);
  return key;
}

/** keyId → public PEM, every generation a partner still publishes (for `trustedSenders`). */
export function trustedSigningKeys(partner: PublicKeyring): Map<string, string> {
  return new Map(partner.signature.map((k) => [k.keyId, k.publicKeyPem]));
}

/** An identity file in the format `age-keygen` writes, for `age --decrypt -i FILE`. Secret: write it mode 0600. */
export function ageIdentityFile(key: Pick<AgeKey, 'identity' | 'recipient' | 'creeLe'>): string {
  return `# created: ${key.creeLe}\n# public key: ${key.recipient}\n${key.identity}\n`;
}
