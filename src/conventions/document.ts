/**
 * A convention step travelling between two instances: the complete definition after the step
 * (proposal, signature, amendment, notice), signed with the acting organisation's Ed25519 key like
 * an acknowledgement (src/exchange/ack.ts). No secret and no personal data: the pseudonym key
 * never travels (only the sender's matters, each instance keeps its own).
 * The receiving side accepts a document only when it adds the signer's own acts to what it holds.
 */
import { z } from 'zod';
import { canonicalBytes, canonicalJson } from '../shared/canonical-json.ts';
import { KeyIdSchema, lookupTrustedKey, OrganisationCodeSchema, signBytes, verifyBytes, type SenderSigningKey, type TrustedKeys } from '../exchange/index.ts';
import { missingSignatures, parseConvention, type Convention } from './convention.ts';

export const CONVENTION_DOCUMENT_FORMAT = 'passerelle-convention/1';
export const STEPS = ['proposition', 'signature', 'avenant', 'denonciation'] as const;
export type DocumentStep = (typeof STEPS)[number];

const DocumentSchema = z.strictObject({
  format: z.literal(CONVENTION_DOCUMENT_FORMAT),
  etape: z.enum(STEPS),
  /** The organisation whose administrator acted, and who signs the document. */
  organisation: OrganisationCodeSchema,
  convention: z.unknown(),
  date: z.iso.datetime({ offset: true }),
  cle: KeyIdSchema,
});

export interface ConventionDocument { format: typeof CONVENTION_DOCUMENT_FORMAT; etape: DocumentStep; organisation: string; convention: Convention; date: string; cle: string }
export interface SignedConventionDocument { document: ConventionDocument; signature: string }

export function signConventionDocument(input: { etape: DocumentStep; organisation: string; convention: Convention; date?: Date }, key: SenderSigningKey): SignedConventionDocument {
  const document: ConventionDocument = {
    format: CONVENTION_DOCUMENT_FORMAT, etape: input.etape, organisation: input.organisation, convention: input.convention,
    date: (input.date ?? new Date()).toISOString(), cle: key.keyId,
  };
  return { document, signature: signBytes(canonicalBytes(document), key.privateKeyPem) };
}

export type DocumentVerification = { ok: true; document: ConventionDocument } | { ok: false; erreur: string };

/** Checks the form, the signer's key (trusted for that organisation) and the signature. */
export async function verifyConventionDocument(raw: unknown, trusted: (organisation: string) => Promise<TrustedKeys | undefined>): Promise<DocumentVerification> {
  const envelope = z.strictObject({ document: z.unknown(), signature: z.string() }).safeParse(raw);
  const parsed = envelope.success ? DocumentSchema.safeParse(envelope.data.document) : undefined;
  if (!envelope.success || !parsed?.success) return { ok: false, erreur: 'Document de convention invalide : document mal formé.' };
  const convention = parseConvention(parsed.data.convention, 'convention du document');
  if (!convention.ok) return { ok: false, erreur: `Document de convention invalide : ${convention.erreurs.join(' ; ')}` };
  const d = parsed.data;
  const keys = await trusted(d.organisation);
  const pem = keys && lookupTrustedKey(keys, d.cle);
  if (!pem) return { ok: false, erreur: `Signataire inconnu : la clé ${d.cle} n'est pas une clé de confiance de « ${d.organisation} » (enregistrez d'abord le partenaire).` };
  if (!verifyBytes(canonicalBytes(envelope.data.document), envelope.data.signature, pem)) {
    return { ok: false, erreur: `Signature invalide : le document a été modifié ou n'a pas été signé par « ${d.organisation} ».` };
  }
  return { ok: true, document: { ...d, convention: convention.convention } };
}

const terms = (c: Convention) => canonicalJson({ id: c.id, intitule: c.intitule, parties: c.parties, programmes: c.programmes, champs: c.champs, baseLegale: c.baseLegale, dateDebut: c.dateDebut });
const amendmentTerms = (a: Convention['avenants'][number]) => canonicalJson({ ...a, signatures: undefined });
const sigOf = (list: Convention['signatures'], org: string) => canonicalJson(list?.find((s) => s.organisation === org) ?? null);

/**
 * Whether `incoming` (signed by `signer`) may replace what this instance holds for `self`: same
 * terms, amendments only appended, `self`'s signatures untouched (nobody signs for us), nothing
 * removed, and a notice only given by the signer. Returns a French reason when not.
 */
export function remoteStepProblem(local: Convention | undefined, incoming: Convention, signer: string, self: string): string | null {
  const parties = [incoming.parties.expediteur, incoming.parties.destinataire];
  if (!parties.includes(signer) || !parties.includes(self) || signer === self) {
    return `ce document ne concerne pas une convention entre « ${signer} » et « ${self} »`;
  }
  if (!local) {
    if (incoming.signatures === undefined || missingSignatures(incoming.parties, incoming.signatures).join() !== self) {
      return 'une proposition reçue doit porter la seule signature de l’organisme qui la propose';
    }
    if (incoming.avenants.length > 0 || incoming.resiliation) return 'une proposition reçue ne porte ni avenant ni dénonciation';
    return null;
  }
  if (terms(local) !== terms(incoming)) return `les termes de la convention ${incoming.id} diffèrent de ceux qu’a cette instance`;
  if ((local.signatures === undefined) !== (incoming.signatures === undefined)) return 'les signatures ne correspondent pas';
  if (sigOf(local.signatures, self) !== sigOf(incoming.signatures, self)) return 'le document modifie la signature de votre organisme';
  if (local.signatures?.some((s) => s.organisation === signer) && sigOf(local.signatures, signer) !== sigOf(incoming.signatures, signer)) return 'le document modifie une signature déjà reçue';
  if (incoming.avenants.length < local.avenants.length) return 'le document retire un avenant';
  for (const [i, a] of incoming.avenants.entries()) {
    const mine = local.avenants[i];
    if (!mine) {
      if (a.signatures?.some((s) => s.organisation === self)) return 'le document porte une signature de votre organisme que vous n’avez pas donnée';
      continue;
    }
    if (amendmentTerms(mine) !== amendmentTerms(a)) return `l’avenant n° ${a.numero ?? i + 1} diffère de celui qu’a cette instance`;
    if (sigOf(mine.signatures, self) !== sigOf(a.signatures, self)) return 'le document modifie la signature de votre organisme sur un avenant';
    if (mine.signatures?.some((s) => s.organisation === signer) && sigOf(mine.signatures, signer) !== sigOf(a.signatures, signer)) return 'le document modifie une signature déjà reçue';
  }
  if (local.resiliation) {
    if (canonicalJson(local.resiliation) !== canonicalJson(incoming.resiliation)) return 'le document modifie la dénonciation';
  } else if (incoming.resiliation && incoming.resiliation.par !== signer) return 'une dénonciation reçue est donnée par l’organisme qui signe le document';
  return null;
}
