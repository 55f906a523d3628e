/**
 * Receiving: verify a package (files, manifest, sender, signature, recipient, convention, replay,
 * digest), then, and only then, decrypt its payload. Messages are in French and never contain
 * personal data: only file names, organisation codes, convention and package identifiers.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline, Readable, Transform } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Decrypter, identityToRecipient } from 'age-encryption';
import { canonicalBytes } from '../shared/canonical-json.ts';
import { ageKeyId, findAgeIdentity, type Keyring } from './keys.ts';
import { MANIFEST_FORMAT, ManifestSchema, packageNameFromManifestPath, signatureFileName, type Manifest } from './manifest.ts';
import { lookupTrustedKey, verifyBytes, type TrustedKeys } from './signature.ts';

export const VERIFICATION_CODES = [
  'manifeste_invalide', 'fichier_manquant', 'expediteur_inconnu', 'signature_invalide',
  'destinataire_incorrect', 'convention_inactive', 'rejeu', 'empreinte_incorrecte',
] as const;
export type VerificationCode = (typeof VERIFICATION_CODES)[number];

declare const verified: unique symbol;
/** A manifest that went through {@link verifyPackage}: the only kind {@link openPayload} accepts. */
export type VerifiedManifest = Manifest & { readonly [verified]: true };

type MaybePromise<T> = T | Promise<T>;

export interface VerifyOptions {
  /** The organisation importing the package. */
  self: string;
  /** Public signing keys trusted for a sender organisation (all generations still accepted), or undefined if unknown. */
  trustedSenders: (expediteur: string) => MaybePromise<TrustedKeys | undefined>;
  /** Package ids already received (replay detection). */
  knownPackageIds: ReadonlySet<string> | ((id: string) => MaybePromise<boolean>);
  /** Whether the convention allows this flow on this date (the import date, see `now`). */
  conventionActive: (convention: string, expediteur: string, destinataire: string, programme: string, date: Date) => MaybePromise<boolean>;
  /** Date of the import, passed to `conventionActive`; defaults to now. */
  now?: Date;
}

export interface PackageFiles { manifest: string; payload: string; signature: string }

export type VerificationResult =
  | { ok: true; manifest: VerifiedManifest; name: string; dir: string; files: PackageFiles }
  | { ok: false; code: VerificationCode; erreur: string; /** The package id, once the manifest could be read. */ paquet?: string };

function fail(code: VerificationCode, erreur: string, paquet?: string): VerificationResult {
  return paquet === undefined ? { ok: false, code, erreur } : { ok: false, code, erreur, paquet };
}

async function exists(path: string): Promise<boolean> {
  try { await access(path); return true; } catch { return false; }
}

/** Streams a file through SHA-256. */
export async function sha256File(path: string): Promise<{ sha256: string; octets: number }> {
  const hash = createHash('sha256');
  let octets = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    octets += chunk.length;
  }
  return { sha256: hash.digest('hex'), octets };
}

/**
 * Checks a package, in this order (cheap checks first, the payload digest last):
 * files present and manifest well-formed → sender known → signature → recipient → convention
 * → replay → payload size and SHA-256.
 */
export async function verifyPackage(manifestPath: string, options: VerifyOptions): Promise<VerificationResult> {
  const path = resolve(manifestPath);
  const dir = dirname(path);
  const name = packageNameFromManifestPath(path);
  if (name === undefined) {
    return fail('manifeste_invalide', `Nom de fichier inattendu « ${basename(path)} » : un manifeste s'appelle NOM.manifest.json.`);
  }
  if (!(await exists(path))) {
    return fail('fichier_manquant', `Fichier manquant : ${basename(path)}. Un paquet comprend trois fichiers : NOM.manifest.json, NOM.payload.age et NOM.sig.`);
  }

  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return fail('manifeste_invalide', `Manifeste illisible : ${basename(path)} n'est pas un document JSON.`);
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== MANIFEST_FORMAT) {
    return fail('manifeste_invalide', `Format de paquet non pris en charge : « ${MANIFEST_FORMAT} » attendu.`);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(racine)'))].join(', ');
    const id = (raw as { id?: unknown }).id;
    return fail('manifeste_invalide', `Manifeste invalide : champ(s) ${fields} absent(s) ou mal formé(s).`, typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? id : undefined);
  }
  const manifest = parsed.data;
  const id = manifest.id;
  const files: PackageFiles = { manifest: path, payload: join(dir, manifest.payload.fichier), signature: join(dir, signatureFileName(name)) };
  for (const f of [files.signature, files.payload]) {
    if (!(await exists(f))) {
      return fail('fichier_manquant', `Fichier manquant : ${basename(f)}. Un paquet comprend trois fichiers : NOM.manifest.json, NOM.payload.age et NOM.sig.`, id);
    }
  }

  const keys = await options.trustedSenders(manifest.expediteur);
  if (!keys) {
    return fail('expediteur_inconnu', `Expéditeur inconnu : aucune clé de signature de confiance pour l'organisation « ${manifest.expediteur} ».`, id);
  }
  const publicKeyPem = lookupTrustedKey(keys, manifest.cles.expediteur);
  if (!publicKeyPem) {
    return fail('expediteur_inconnu', `Clé de signature inconnue : la clé ${manifest.cles.expediteur} n'est pas une clé de confiance de « ${manifest.expediteur} » (clé retirée, non encore publiée ou paquet contrefait).`, id);
  }

  const signature = await readFile(files.signature, 'utf8');
  if (!verifyBytes(canonicalBytes(raw), signature, publicKeyPem)) {
    return fail('signature_invalide', `Signature invalide : le manifeste a été modifié, ou n'a pas été signé par « ${manifest.expediteur} » avec la clé ${manifest.cles.expediteur}.`, id);
  }

  if (manifest.destinataire !== options.self) {
    return fail('destinataire_incorrect', `Destinataire incorrect : ce paquet est adressé à « ${manifest.destinataire} », pas à « ${options.self} ».`, id);
  }

  const now = options.now ?? new Date();
  if (!(await options.conventionActive(manifest.convention, manifest.expediteur, manifest.destinataire, manifest.programme, now))) {
    return fail('convention_inactive', `Convention inactive : la convention « ${manifest.convention} » n'autorise pas le ${now.toISOString().slice(0, 10)} l'envoi de « ${manifest.expediteur} » à « ${manifest.destinataire} » pour le programme « ${manifest.programme} ».`, id);
  }

  const known = options.knownPackageIds;
  const replayed = typeof known === 'function' ? await known(id) : known.has(id);
  if (replayed) {
    return fail('rejeu', `Rejeu refusé : le paquet ${id} a déjà été reçu.`, id);
  }

  const size = (await stat(files.payload)).size;
  if (size !== manifest.payload.octets) {
    return fail('empreinte_incorrecte', `Empreinte incorrecte : ${manifest.payload.fichier} fait ${size} octets au lieu de ${manifest.payload.octets} (fichier tronqué ou modifié).`, id);
  }
  const { sha256 } = await sha256File(files.payload);
  if (sha256 !== manifest.payload.sha256) {
    return fail('empreinte_incorrecte', `Empreinte incorrecte : le SHA-256 de ${manifest.payload.fichier} ne correspond pas au manifeste (fichier modifié).`, id);
  }

  return { ok: true, manifest: manifest as VerifiedManifest, name, dir, files };
}

export type OpenErrorCode = 'cle_absente' | 'empreinte_incorrecte' | 'dechiffrement_impossible';

export class PackageOpenError extends Error {
  readonly code: OpenErrorCode;
  constructor(code: OpenErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PackageOpenError';
    this.code = code;
  }
}

/** The age identity to use: the one the manifest names (from a keyring), or a given one after checking it is that one. */
async function identityFor(manifest: Manifest, identity: string | Keyring): Promise<string> {
  const wanted = manifest.cles.destinataire;
  if (typeof identity !== 'string') {
    const found = findAgeIdentity(identity, wanted);
    if (!found) {
      throw new PackageOpenError('cle_absente', `Clé de déchiffrement ${wanted} absente du trousseau de « ${identity.organisation} » (génération détruite, ou paquet chiffré pour une autre clé).`);
    }
    return found;
  }
  let keyId: string;
  try {
    keyId = ageKeyId(await identityToRecipient(identity.trim()));
  } catch (cause) {
    throw new PackageOpenError('cle_absente', 'Identité age invalide : AGE-SECRET-KEY-1… attendue.', { cause });
  }
  if (keyId !== wanted) {
    throw new PackageOpenError('cle_absente', `L'identité fournie (clé ${keyId}) n'est pas celle pour laquelle le paquet est chiffré (clé ${wanted}).`);
  }
  return identity.trim();
}

function digestMismatch(manifest: Manifest): PackageOpenError {
  return new PackageOpenError('empreinte_incorrecte', `Empreinte incorrecte : ${manifest.payload.fichier} a changé depuis sa vérification.`);
}

/**
 * Decrypts a verified package's payload into memory (ciphertext and plaintext both held: for
 * large payloads use {@link openPayloadStream}). The digest is checked again on the bytes actually
 * decrypted, since age alone does not authenticate the sender and the file could be swapped after
 * verification.
 */
export async function openPayload(manifest: VerifiedManifest, dir: string, identity: string | Keyring): Promise<Uint8Array> {
  const key = await identityFor(manifest, identity);
  const ciphertext = await readFile(join(dir, manifest.payload.fichier));
  if (createHash('sha256').update(ciphertext).digest('hex') !== manifest.payload.sha256) throw digestMismatch(manifest);
  const decrypter = new Decrypter();
  decrypter.addIdentity(key);
  try {
    return await decrypter.decrypt(ciphertext);
  } catch (cause) {
    throw new PackageOpenError('dechiffrement_impossible', `Déchiffrement impossible de ${manifest.payload.fichier}.`, { cause });
  }
}

/**
 * Decrypts a verified package's payload as a stream (bounded memory). The ciphertext is hashed as
 * it is read; if it no longer matches the manifest, the stream ends with an error instead of its
 * last chunk, so an import must only commit once the stream has ended cleanly.
 */
export async function openPayloadStream(manifest: VerifiedManifest, dir: string, identity: string | Keyring): Promise<Readable> {
  const key = await identityFor(manifest, identity);
  // Hash the encrypted bytes as the decrypter reads them (the file may be swapped after verification).
  const hash = createHash('sha256');
  const hashing = new Transform({ transform(chunk, _encoding, done) { hash.update(chunk); done(null, chunk); } });
  const digestChecked = new Promise<void>((resolveDigest, rejectDigest) => {
    hashing.once('end', () => (hash.digest('hex') === manifest.payload.sha256 ? resolveDigest() : rejectDigest(digestMismatch(manifest))));
    hashing.once('error', rejectDigest);
  });
  digestChecked.catch(() => {}); // surfaced to the reader by the guard below
  const source = createReadStream(join(dir, manifest.payload.fichier), { highWaterMark: 1 << 20 });
  source.on('error', (error) => hashing.destroy(error));
  source.pipe(hashing);
  const decrypter = new Decrypter();
  decrypter.addIdentity(key);
  let clear: ReadableStream<Uint8Array>;
  try {
    clear = await decrypter.decrypt(Readable.toWeb(hashing) as unknown as ReadableStream<Uint8Array>);
  } catch (cause) {
    throw new PackageOpenError('dechiffrement_impossible', `Déchiffrement impossible de ${manifest.payload.fichier}.`, { cause });
  }
  // The reader sees the end of the stream only once the digest of what was decrypted is known to be right.
  const guard = new Transform({
    transform(chunk, _encoding, done) { done(null, chunk); },
    flush(done) { digestChecked.then(() => done(), done); },
  });
  pipeline(Readable.fromWeb(clear as unknown as NodeReadableStream<Uint8Array>), guard, () => {});
  return guard;
}
