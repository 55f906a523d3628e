/**
 * Transport between two instances: the sender posts a sealed package to the recipient's inbox
 * (`POST <inbox>/paquets`, src/server/routes/inbox.ts) and records the signed acknowledgement
 * it gets back; partners trust each other by exchanging their public keyrings (export/import).
 *
 * Wire format of a post (docs/exchange.md, "Inbox"): the body is the encrypted payload
 * (`application/octet-stream`, exactly `payload.octets` bytes); the manifest's bytes and the
 * signature travel in headers (`x-passerelle-manifeste`: base64 of NAME.manifest.json,
 * `x-passerelle-signature`: the content of NAME.sig), so the recipient authenticates the sender
 * before reading the body. The answer is JSON: `{ statut, accuse, rejeu?, message }` or
 * `{ erreur, code, accuse? }`.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/index.ts';
import { recordAudit } from '../privacy/index.ts';
import type { Acknowledgement, SignedAcknowledgement } from './ack.ts';
import { AcknowledgementRefused, recordAcknowledgement } from './import.ts';
import { canonicalBytes } from '../shared/canonical-json.ts';
import { ageKeyId, publicKeyring, PublicKeyringSchema, signingKeyId, trustedSigningKeys, type Keyring, type PublicKeyring } from './keys.ts';
import { ManifestSchema, packageNameFromManifestPath, signatureFileName, type Manifest } from './manifest.ts';
import { verifyBytes } from './signature.ts';
import { exchangeRepository } from './repository.ts';

export const PUBLIC_KEYRING_FORMAT = 'passerelle-trousseau-public/1';
export const MANIFEST_HEADER = 'x-passerelle-manifeste';
export const SIGNATURE_HEADER = 'x-passerelle-signature';

const InboxUrlSchema = z.url({ protocol: /^https?$/ });

export const PublicKeyringExportSchema = z.strictObject({
  format: z.literal(PUBLIC_KEYRING_FORMAT),
  trousseau: PublicKeyringSchema,
  /** The organisation's inbox URL, where partners post packages (`…/api/boite/<code>/paquets`). */
  boite: InboxUrlSchema.optional(),
  exporteLe: z.iso.datetime({ offset: true }),
});
export type PublicKeyringExport = z.infer<typeof PublicKeyringExportSchema>;

export type TransportErrorCode =
  | 'paquet_invalide' | 'paquet_inconnu' | 'adresse_inconnue' | 'adresse_invalide' | 'reseau' | 'delai_depasse' | 'reponse_http' | 'accuse_invalide'
  | 'trousseau_invalide';

/** A send that did not get a valid acknowledgement (French message; the package can be re-sent). */
export class TransportError extends Error {
  readonly code: TransportErrorCode;
  /** HTTP status of the answer, when there was one. */
  readonly status: number | undefined;
  constructor(code: TransportErrorCode, message: string, status?: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** What an organisation hands to its partners: its public keyring (every kept generation) and, optionally, its inbox URL. */
export function exportPublicKeyring(ring: Keyring, inboxUrl?: string, now: Date = new Date()): PublicKeyringExport {
  if (inboxUrl !== undefined && !InboxUrlSchema.safeParse(inboxUrl).success) {
    throw new TransportError('adresse_invalide', `Adresse de boîte aux lettres invalide : « ${inboxUrl} » (https://… attendu).`);
  }
  return { format: PUBLIC_KEYRING_FORMAT, trousseau: publicKeyring(ring), ...(inboxUrl ? { boite: inboxUrl } : {}), exporteLe: now.toISOString() };
}

/**
 * Checks a partner's exported keyring: format, and every keyId recomputed from its public key
 * (a keyring naming a key by another key's id would let a forged signature pass for a trusted one).
 */
export function parsePublicKeyringExport(document: unknown): PublicKeyringExport {
  const parsed = PublicKeyringExportSchema.safeParse(document);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(racine)'))].join(', ');
    throw new TransportError('trousseau_invalide', `Trousseau public invalide : champ(s) ${fields} absent(s) ou mal formé(s) (format « ${PUBLIC_KEYRING_FORMAT} » attendu).`);
  }
  const ring: PublicKeyring = parsed.data.trousseau;
  for (const k of ring.chiffrement) {
    if (ageKeyId(k.recipient) !== k.keyId) throw new TransportError('trousseau_invalide', `Trousseau public invalide : la clé de chiffrement ${k.keyId} ne correspond pas à son identifiant.`);
  }
  for (const k of ring.signature) {
    let id: string | undefined;
    try { id = signingKeyId(k.publicKeyPem); } catch { id = undefined; }
    if (id !== k.keyId) throw new TransportError('trousseau_invalide', `Trousseau public invalide : la clé de signature ${k.keyId} ne correspond pas à son identifiant.`);
  }
  return parsed.data;
}

export interface SendOptions {
  /** The inbox URL (`…/api/boite/<recipient>/paquets`); the partner registry's by default. */
  url?: string;
  /** Default 120 s (config.sendTimeoutMs). */
  timeoutMs?: number;
  now?: Date;
  /** Who asked (an account of the web app), for the audit trail. */
  compteId?: string | null;
}

export interface SendReport {
  paquet: string;
  destinataire: string;
  url: string;
  statut: 'acquitte' | 'refuse';
  /** True when the recipient had already imported it (its answer is the first import's acknowledgement). */
  rejeu: boolean;
  accuse: Acknowledgement;
  document: SignedAcknowledgement;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function errorCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connexion refusée', ENOTFOUND: 'nom de serveur inconnu', ECONNRESET: 'connexion interrompue', EAI_AGAIN: 'résolution DNS impossible',
    UND_ERR_SOCKET: 'connexion interrompue', CERT_HAS_EXPIRED: 'certificat expiré', DEPTH_ZERO_SELF_SIGNED_CERT: 'certificat auto-signé',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificat non vérifiable', ERR_TLS_CERT_ALTNAME_INVALID: 'certificat émis pour un autre nom', EHOSTUNREACH: 'hôte injoignable',
  };
  return code ? (known[code] ?? code) : 'erreur réseau';
}

/**
 * Posts a sealed package (its three files, found from NAME.manifest.json) to the recipient's
 * inbox, then verifies and records the signed acknowledgement: status `envoye` once the inbox
 * answered, then `acquitte` or `refuse`. Network errors, timeouts and answers without a valid
 * acknowledgement throw TransportError; the package then keeps its status and can be re-sent.
 */
export async function sendPackage(db: Kysely<DB>, manifestPath: string, options: SendOptions = {}): Promise<SendReport> {
  const name = packageNameFromManifestPath(manifestPath);
  let manifestBytes: Buffer;
  try {
    if (!name) throw new Error('nom');
    manifestBytes = await readFile(manifestPath);
  } catch {
    throw new TransportError('paquet_invalide', `Manifeste introuvable ou mal nommé : ${basename(manifestPath)} (NOM.manifest.json attendu).`);
  }
  let parsed;
  try { parsed = ManifestSchema.safeParse(JSON.parse(manifestBytes.toString('utf8'))); } catch { parsed = undefined; }
  if (!parsed?.success) throw new TransportError('paquet_invalide', `Manifeste illisible ou invalide : ${basename(manifestPath)}.`);
  const manifest = parsed.data;
  const dir = dirname(manifestPath);
  const payloadPath = join(dir, manifest.payload.fichier);
  let signature: string;
  let size: number;
  try {
    signature = (await readFile(join(dir, signatureFileName(name!)), 'utf8')).trim();
    size = (await stat(payloadPath)).size;
  } catch {
    throw new TransportError('paquet_invalide', `Paquet incomplet : ${signatureFileName(name!)} ou ${manifest.payload.fichier} manque à côté du manifeste.`);
  }
  if (size !== manifest.payload.octets) {
    throw new TransportError('paquet_invalide', `Paquet abîmé : ${manifest.payload.fichier} fait ${size} octets au lieu de ${manifest.payload.octets}.`);
  }
  const sent = await exchangeRepository.packageOf(db, manifest.id, manifest.expediteur);
  if (!sent) {
    throw new TransportError('paquet_inconnu', `Paquet ${manifest.id} inconnu : il n'a pas été scellé par « ${manifest.expediteur} » sur cette instance.`);
  }

  const partner = await exchangeRepository.partner(db, manifest.destinataire);
  const url = options.url ?? partner?.url ?? undefined;
  if (!url) {
    throw new TransportError('adresse_inconnue', `Aucune adresse de boîte aux lettres connue pour « ${manifest.destinataire} » : `
      + 'enregistrez-la avec « passerelle exchange partenaire ajouter … --url https://… » ou passez --boite.');
  }
  let target: URL;
  try { target = new URL(url); } catch { throw new TransportError('adresse_invalide', `Adresse de boîte aux lettres invalide : « ${url} ».`); }
  if (target.protocol !== 'https:' && !(target.protocol === 'http:' && LOOPBACK.has(target.hostname))) {
    throw new TransportError('adresse_invalide', `Adresse de boîte aux lettres refusée : « ${target.origin} ». HTTPS est obligatoire (http:// n'est accepté que vers la machine locale).`);
  }
  const where = `la boîte aux lettres de « ${manifest.destinataire} » (${target.origin})`;
  const resend = sent.statut === 'scelle' ? 'Le paquet reste scellé : renvoyez-le plus tard.' : `Le paquet garde son statut (${sent.statut}) : renvoyez-le plus tard.`;

  let response: Response;
  try {
    response = await fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(size),
        accept: 'application/json',
        [MANIFEST_HEADER]: manifestBytes.toString('base64'),
        [SIGNATURE_HEADER]: signature,
      },
      body: Readable.toWeb(createReadStream(payloadPath, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>,
      duplex: 'half',
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
    } as RequestInit & { duplex: 'half' });
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new TransportError('delai_depasse', `Envoi interrompu : ${where} n'a pas répondu dans le délai de ${Math.round((options.timeoutMs ?? 120_000) / 1000)} s. ${resend}`);
    }
    throw new TransportError('reseau', `Envoi impossible : ${where} est injoignable (${errorCause(error)}). ${resend}`);
  }

  let text = '';
  try { text = await response.text(); } catch (error) {
    throw new TransportError('reseau', `Réponse de ${where} interrompue (${errorCause(error)}). ${resend}`, response.status);
  }
  let answer: { accuse?: unknown; rejeu?: unknown; erreur?: unknown } | undefined;
  try { answer = JSON.parse(text); } catch { answer = undefined; }
  const now = options.now ?? new Date();
  const audit = async (resultat: string) => recordAudit(db, {
    action: 'echange.envoi', acteur: { compteId: options.compteId ?? null, organisation: manifest.expediteur }, cible: { type: 'paquet', id: manifest.id },
    details: { destinataire: manifest.destinataire, boite: target.origin, http: response.status, resultat },
  });

  if (answer?.accuse === undefined) {
    const detail = typeof answer?.erreur === 'string' ? answer.erreur.slice(0, 500) : `réponse inattendue (${response.headers.get('content-type') ?? 'sans type'})`;
    await audit('sans_accuse');
    if (response.ok) {
      await exchangeRepository.markSent(db, manifest.id, manifest.expediteur, now);
      throw new TransportError('accuse_invalide', `${where} a reçu le paquet sans renvoyer d'accusé de réception : ${detail}`, response.status);
    }
    throw new TransportError('reponse_http', `Paquet non accepté par ${where} (HTTP ${response.status}) : ${detail} ${resend}`, response.status);
  }
  await exchangeRepository.markSent(db, manifest.id, manifest.expediteur, now);
  const claimed = (answer.accuse as { accuse?: { paquet?: unknown } } | null)?.accuse?.paquet;
  if (claimed !== manifest.id) {
    await audit('accuse_invalide');
    throw new TransportError('accuse_invalide', `${where} a renvoyé un accusé de réception qui ne concerne pas le paquet ${manifest.id}.`, response.status);
  }
  let accuse: Acknowledgement;
  try {
    accuse = await recordAcknowledgement(db, answer.accuse);
  } catch (error) {
    if (!(error instanceof AcknowledgementRefused)) throw error;
    await audit('accuse_invalide');
    throw new TransportError('accuse_invalide', `Paquet remis à ${where}, mais son accusé de réception est refusé : ${error.message}`, response.status);
  }
  await audit(accuse.statut);
  return {
    paquet: manifest.id, destinataire: manifest.destinataire, url: target.toString(), statut: accuse.statut === 'importe' ? 'acquitte' : 'refuse',
    rejeu: answer.rejeu === true, accuse, document: answer.accuse as SignedAcknowledgement,
  };
}

export type InboxCheck =
  | { ok: true; manifest: Manifest; manifestBytes: Buffer; signature: string }
  | { ok: false; status: number; code: string; erreur: string };

/**
 * The inbox's first checks, before any body byte is read or any row written: headers present,
 * manifest well-formed, sender trusted (partner registry first), Ed25519 signature over the
 * canonical manifest, recipient = the inbox's organisation.
 */
export async function authenticateInboxPost(db: Kysely<DB>, organisation: string, headers: { manifest: unknown; signature: unknown }): Promise<InboxCheck> {
  const { manifest: manifestHeader, signature } = headers;
  if (typeof manifestHeader !== 'string' || typeof signature !== 'string' || manifestHeader.length > 24 * 1024) {
    return { ok: false, status: 400, code: 'manifeste_invalide', erreur: `En-têtes ${MANIFEST_HEADER} (manifeste en base64, 16 Kio au plus) et ${SIGNATURE_HEADER} (signature) attendus.` };
  }
  const manifestBytes = Buffer.from(manifestHeader, 'base64');
  let raw: unknown;
  try { raw = JSON.parse(manifestBytes.toString('utf8')); } catch { raw = undefined; }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = raw === undefined ? 'document JSON' : [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(racine)'))].join(', ');
    return { ok: false, status: 400, code: 'manifeste_invalide', erreur: `Manifeste invalide : ${fields} absent(s) ou mal formé(s).` };
  }
  const manifest = parsed.data;
  const senderRing = await exchangeRepository.trustedPublicKeyring(db, manifest.expediteur);
  const publicKeyPem = senderRing ? trustedSigningKeys(senderRing).get(manifest.cles.expediteur) : undefined;
  if (!publicKeyPem) {
    return { ok: false, status: 403, code: 'expediteur_inconnu', erreur: `Expéditeur inconnu : la clé ${manifest.cles.expediteur} n'est pas une clé de confiance de « ${manifest.expediteur} » sur cette instance (partenaire à enregistrer).` };
  }
  if (!verifyBytes(canonicalBytes(raw), signature, publicKeyPem)) {
    return { ok: false, status: 403, code: 'signature_invalide', erreur: `Signature invalide : le manifeste du paquet ${manifest.id} a été modifié ou n'a pas été signé par « ${manifest.expediteur} ».` };
  }
  if (manifest.destinataire !== organisation) {
    return { ok: false, status: 400, code: 'destinataire_incorrect', erreur: `Destinataire incorrect : le paquet ${manifest.id} est adressé à « ${manifest.destinataire} », pas à « ${organisation} ».` };
  }
  return { ok: true, manifest, manifestBytes, signature: signature.trim() };
}
