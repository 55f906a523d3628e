/**
 * Acknowledgements: after an import (or a refusal), the recipient tells the sender what became of
 * a package, signed with its Ed25519 key so the sender can rely on it. Counts and codes only, no
 * personal data.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { canonicalBytes } from '../shared/canonical-json.ts';
import { KeyIdSchema, OrganisationCodeSchema, signingKeyId, type SenderSigningKey } from './keys.ts';
import { lookupTrustedKey, signBytes, verifyBytes, type TrustedKeys } from './signature.ts';

export const ACK_FORMAT = 'passerelle-accuse/1';

export const AcknowledgementSchema = z.strictObject({
  format: z.literal(ACK_FORMAT),
  /** The acknowledged package's id. */
  paquet: z.uuid(),
  /** The package's sender, to whom the acknowledgement goes back. */
  expediteur: OrganisationCodeSchema,
  /** The package's recipient, who signs the acknowledgement. */
  destinataire: OrganisationCodeSchema,
  /** Records found in the payload (0 when the package was refused before opening). */
  recus: z.int().nonnegative(),
  /** Records imported. */
  importes: z.int().nonnegative(),
  statut: z.enum(['importe', 'rejete']),
  /** Why it was refused: a verification code (`signature_invalide`, `rejeu`…) or an import code. */
  motif: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/).optional(),
  date: z.iso.datetime({ offset: true }),
  /** keyId of the Ed25519 key that signed. */
  cle: KeyIdSchema,
}).refine((a) => a.importes <= a.recus, { message: 'plus d’enregistrements importés que reçus', path: ['importes'] })
  .refine((a) => a.statut === 'importe' || (a.motif !== undefined && a.importes === 0), { message: 'un rejet porte un motif et aucun import', path: ['motif'] });

export type Acknowledgement = z.infer<typeof AcknowledgementSchema>;

/** The document exchanged (e.g. as NAME.accuse.json): the acknowledgement and a base64 Ed25519 signature over its canonical JSON. */
export const SignedAcknowledgementSchema = z.strictObject({ accuse: z.unknown(), signature: z.string() });
export interface SignedAcknowledgement { accuse: Acknowledgement; signature: string }

export interface AcknowledgementInput {
  paquet: string;
  expediteur: string;
  destinataire: string;
  recus: number;
  importes: number;
  statut: 'importe' | 'rejete';
  motif?: string;
  /** Defaults to now. */
  date?: Date;
}

export function signAcknowledgement(input: AcknowledgementInput, signingKey: SenderSigningKey): SignedAcknowledgement {
  if (signingKeyId(createPublicKey(createPrivateKey(signingKey.privateKeyPem))) !== signingKey.keyId) {
    throw new Error(`La clé de signature ne correspond pas à son identifiant ${signingKey.keyId}`);
  }
  const draft = {
    format: ACK_FORMAT,
    paquet: input.paquet,
    expediteur: input.expediteur,
    destinataire: input.destinataire,
    recus: input.recus,
    importes: input.importes,
    statut: input.statut,
    ...(input.motif === undefined ? {} : { motif: input.motif }),
    date: (input.date ?? new Date()).toISOString(),
    cle: signingKey.keyId,
  };
  const checked = AcknowledgementSchema.safeParse(draft);
  if (!checked.success) {
    throw new Error(`Accusé de réception invalide : ${checked.error.issues.map((i) => i.path.join('.') || '(racine)').join(', ')}`);
  }
  return { accuse: checked.data, signature: signBytes(canonicalBytes(checked.data), signingKey.privateKeyPem) };
}

export type AcknowledgementCode = 'accuse_invalide' | 'signataire_inconnu' | 'signature_invalide' | 'accuse_inattendu';

export interface VerifyAcknowledgementOptions {
  /** Trusted public signing keys of the organisation that acknowledges (the package's recipient). */
  trustedRecipients: (destinataire: string) => TrustedKeys | undefined | Promise<TrustedKeys | undefined>;
  /** What the sender expects: its own code, and optionally the package id and its recipient. */
  expected: { expediteur: string; paquet?: string; destinataire?: string };
}

export type AcknowledgementVerification =
  | { ok: true; accuse: Acknowledgement }
  | { ok: false; code: AcknowledgementCode; erreur: string };

/** Verifies a signed acknowledgement received by the package's sender. `document` is the parsed JSON. */
export async function verifyAcknowledgement(document: unknown, options: VerifyAcknowledgementOptions): Promise<AcknowledgementVerification> {
  const envelope = SignedAcknowledgementSchema.safeParse(document);
  const parsed = envelope.success ? AcknowledgementSchema.safeParse(envelope.data.accuse) : undefined;
  if (!envelope.success || !parsed?.success) {
    return { ok: false, code: 'accuse_invalide', erreur: 'Accusé de réception invalide : document mal formé.' };
  }
  const accuse = parsed.data;
  const keys = await options.trustedRecipients(accuse.destinataire);
  const publicKeyPem = keys && lookupTrustedKey(keys, accuse.cle);
  if (!publicKeyPem) {
    return { ok: false, code: 'signataire_inconnu', erreur: `Signataire inconnu : la clé ${accuse.cle} n'est pas une clé de confiance de « ${accuse.destinataire} ».` };
  }
  if (!verifyBytes(canonicalBytes(envelope.data.accuse), envelope.data.signature, publicKeyPem)) {
    return { ok: false, code: 'signature_invalide', erreur: `Signature invalide : l'accusé de réception du paquet ${accuse.paquet} a été modifié ou n'a pas été signé par « ${accuse.destinataire} ».` };
  }
  const { expected } = options;
  if (accuse.expediteur !== expected.expediteur || (expected.paquet !== undefined && accuse.paquet !== expected.paquet)
    || (expected.destinataire !== undefined && accuse.destinataire !== expected.destinataire)) {
    return { ok: false, code: 'accuse_inattendu', erreur: `Accusé de réception inattendu : il concerne le paquet ${accuse.paquet} envoyé par « ${accuse.expediteur} » à « ${accuse.destinataire} ».` };
  }
  return { ok: true, accuse };
}
