/**
 * Sealing: encrypt a CSV payload with age for the recipient organisation, describe it in a
 * manifest that pins the encrypted bytes by SHA-256, and sign the manifest with the sender's
 * Ed25519 key. Writes NAME.payload.age, NAME.sig and NAME.manifest.json.
 *
 * Streaming: the payload goes through age-encryption's STREAM encryption (64 KiB chunks) and
 * straight to disk, hashed on the way, with back-pressure; memory stays bounded whatever the
 * payload size when the source is a file path or an async iterable. A Uint8Array source is
 * already in memory (fine for tests and small extracts, not for a national one).
 *
 * No half package: every file is written under a temporary name in the target folder, flushed,
 * then renamed; the manifest is renamed last, so a reader that looks for *.manifest.json never
 * sees a package whose payload or signature is still being written.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Encrypter } from 'age-encryption';
import { ageKeyId, signingKeyId, type RecipientKey, type SenderSigningKey } from './keys.ts';
import {
  canonicalManifest, MANIFEST_FORMAT, ManifestSchema, manifestFileName, PackageNameSchema, payloadFileName, signatureFileName,
  type Manifest,
} from './manifest.ts';
import { signBytes } from './signature.ts';

/** The clear CSV: bytes in memory, a stream of chunks, or a file to read. */
export type PayloadSource = Uint8Array | AsyncIterable<Uint8Array> | { path: string };

export interface SealInput {
  /** Defaults to a random UUID. */
  id?: string;
  programme: string;
  convention: string;
  expediteur: string;
  destinataire: string;
  /** AAAA-MM */
  periode: string;
  versionSchema: string;
  champs: string[];
  nombreEnregistrements: number;
  /** Defaults to now. */
  creeLe?: Date;
  /** The id of the package this one replaces (a corrected package for the same programme, recipient and period). */
  remplace?: string;
  payloadCsv: PayloadSource;
  /** The recipient organisation's current public age key. */
  recipientKey: RecipientKey;
  /** The sender organisation's current private Ed25519 key. */
  senderSigningKey: SenderSigningKey;
  outDir: string;
  /** Stem of the three file names. */
  name: string;
}

export interface SealedPackage {
  manifest: Manifest;
  name: string;
  dir: string;
  files: { manifest: string; payload: string; signature: string };
}

/** Largest chunk handed to the encrypter, so a big in-memory chunk is not encrypted in one go (which would queue all its ciphertext). */
const MAX_CHUNK = 1 << 20;

async function* chunked(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    for (let i = 0; i < chunk.length; i += MAX_CHUNK) yield chunk.subarray(i, Math.min(chunk.length, i + MAX_CHUNK));
  }
}

function sourceChunks(source: PayloadSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) return chunked([source]);
  if (Symbol.asyncIterator in source) return chunked(source);
  return chunked(createReadStream(source.path, { highWaterMark: MAX_CHUNK }) as AsyncIterable<Uint8Array>);
}

/** A pull-based web stream over an async iterable: the next chunk is read only when the encrypter wants it. */
function toWebStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel(reason) { await iterator.return?.(reason); },
  });
}

/**
 * Encrypts `source` with age for `recipient` into `file` (created, must not exist), returning the
 * SHA-256 and size of the bytes written. This is the streaming seam: everything flows chunk by chunk.
 */
export async function encryptPayloadToFile(source: PayloadSource, recipient: string, file: string): Promise<{ sha256: string; octets: number }> {
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  const input = toWebStream(sourceChunks(source));
  const encrypted = await encrypter.encrypt(input);
  const hash = createHash('sha256');
  let octets = 0;
  await pipeline(
    Readable.fromWeb(encrypted as unknown as NodeReadableStream<Uint8Array>),
    async function* (chunks: AsyncIterable<Uint8Array>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        octets += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(file, { flags: 'wx', mode: 0o640, flush: true }),
  );
  return { sha256: hash.digest('hex'), octets };
}

async function exists(path: string): Promise<boolean> {
  try { await access(path); return true; } catch { return false; }
}

export async function sealPackage(input: SealInput): Promise<SealedPackage> {
  const name = PackageNameSchema.parse(input.name);
  const dir = resolve(input.outDir);
  const files = {
    manifest: join(dir, manifestFileName(name)),
    payload: join(dir, payloadFileName(name)),
    signature: join(dir, signatureFileName(name)),
  };
  if (ageKeyId(input.recipientKey.recipient) !== input.recipientKey.keyId) {
    throw new Error(`La clé de chiffrement du destinataire ne correspond pas à son identifiant ${input.recipientKey.keyId}`);
  }
  const senderKeyId = signingKeyId(createPublicKey(createPrivateKey(input.senderSigningKey.privateKeyPem)));
  if (senderKeyId !== input.senderSigningKey.keyId) {
    throw new Error(`La clé de signature de l'expéditeur ne correspond pas à son identifiant ${input.senderSigningKey.keyId}`);
  }
  const draft: Manifest = {
    format: MANIFEST_FORMAT,
    id: input.id ?? randomUUID(),
    programme: input.programme,
    convention: input.convention,
    expediteur: input.expediteur,
    destinataire: input.destinataire,
    periode: input.periode,
    versionSchema: input.versionSchema,
    champs: [...input.champs],
    nombreEnregistrements: input.nombreEnregistrements,
    creeLe: (input.creeLe ?? new Date()).toISOString(),
    // only when set: a package that replaces nothing keeps the manifest (and signed bytes) of before
    ...(input.remplace === undefined ? {} : { remplace: input.remplace }),
    payload: { fichier: payloadFileName(name), sha256: '0'.repeat(64), octets: 0, format: 'csv' },
    cles: { destinataire: input.recipientKey.keyId, expediteur: input.senderSigningKey.keyId },
  };
  // Fail before encrypting anything if a field is malformed.
  const checked = ManifestSchema.safeParse(draft);
  if (!checked.success) {
    throw new Error(`Manifeste invalide : ${checked.error.issues.map((i) => i.path.join('.') || '(racine)').join(', ')}`);
  }
  for (const f of Object.values(files)) {
    if (await exists(f)) throw new Error(`Le fichier ${f} existe déjà : un paquet n'est jamais écrasé`);
  }

  const tag = randomBytes(6).toString('hex');
  const temp = {
    payload: join(dir, `.${name}.${tag}.payload.age.part`),
    signature: join(dir, `.${name}.${tag}.sig.part`),
    manifest: join(dir, `.${name}.${tag}.manifest.json.part`),
  };
  const renamed: string[] = [];
  try {
    const { sha256, octets } = await encryptPayloadToFile(input.payloadCsv, input.recipientKey.recipient, temp.payload);
    const manifest: Manifest = { ...draft, payload: { ...draft.payload, sha256, octets } };
    const canonical = canonicalManifest(manifest);
    const signature = signBytes(Buffer.from(canonical, 'utf8'), input.senderSigningKey.privateKeyPem);
    await writeFile(temp.signature, `${signature}\n`, { flag: 'wx', mode: 0o644, flush: true });
    // The manifest file is the canonical JSON itself: the signature covers its exact bytes.
    await writeFile(temp.manifest, canonical, { flag: 'wx', mode: 0o644, flush: true });
    for (const key of ['payload', 'signature', 'manifest'] as const) {
      await rename(temp[key], files[key]);
      renamed.push(files[key]);
    }
    return { manifest, name, dir, files };
  } catch (error) {
    await Promise.all([...Object.values(temp), ...renamed].map((f) => rm(f, { force: true })));
    throw error;
  }
}
