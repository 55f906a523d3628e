/**
 * The manifest: the clear-text, signed description of a package. It names who sends what to whom
 * under which convention, and pins the encrypted payload by its SHA-256. It never holds personal
 * data (field names and counts only).
 */
import { z } from 'zod';
import { canonicalJson } from '../shared/canonical-json.ts';
import { KeyIdSchema, OrganisationCodeSchema } from './keys.ts';

export const MANIFEST_FORMAT = 'passerelle-paquet/1';

/** A package name: the common stem of its three files. ASCII, no path separator. */
export const PackageNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$/, 'nom de paquet attendu (lettres, chiffres, « . », « _ », « - »)')
  .refine((n) => !n.includes('..'), 'nom de paquet attendu');

const Code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/);

export const ManifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  id: z.uuid(),
  programme: Code,
  convention: Code,
  expediteur: OrganisationCodeSchema,
  destinataire: OrganisationCodeSchema,
  periode: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'période AAAA-MM attendue'),
  versionSchema: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.-]{0,31}$/),
  champs: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/)).min(1)
    .refine((c) => new Set(c).size === c.length, 'champs en double'),
  nombreEnregistrements: z.int().nonnegative(),
  creeLe: z.iso.datetime({ offset: true }),
  /**
   * Optional: the id of the package this one replaces (same programme, sender, recipient and
   * period). The recipient accepts a second package for a period it already imported only when it
   * declares the replacement of the one imported last. Absent from manifests sealed before it existed.
   */
  remplace: z.uuid().optional(),
  payload: z.strictObject({
    /** Base name of the encrypted file, next to the manifest. */
    fichier: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.payload\.age$/).refine((n) => !n.includes('..')),
    /** SHA-256 (hex) of the encrypted file's bytes, exactly as written. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** Size of the encrypted file. */
    octets: z.int().nonnegative(),
    format: z.literal('csv'),
  }),
  cles: z.strictObject({
    /** keyId of the recipient's age key the payload is encrypted to. */
    destinataire: KeyIdSchema,
    /** keyId of the sender's Ed25519 key that signed the manifest. */
    expediteur: KeyIdSchema,
  }),
});

export type Manifest = z.infer<typeof ManifestSchema>;

/** Exactly the bytes signed in NAME.sig (and written as NAME.manifest.json). */
export function canonicalManifest(manifest: Manifest): string {
  return canonicalJson(manifest);
}

export function manifestFileName(name: string): string { return `${name}.manifest.json`; }
export function payloadFileName(name: string): string { return `${name}.payload.age`; }
export function signatureFileName(name: string): string { return `${name}.sig`; }

/** NAME from `…/NAME.manifest.json`, or undefined if the path does not end that way. */
export function packageNameFromManifestPath(path: string): string | undefined {
  const base = path.split(/[\\/]/).at(-1) ?? '';
  const m = /^(.+)\.manifest\.json$/.exec(base);
  return m?.[1];
}
