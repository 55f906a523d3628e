/**
 * A sealed package re-signed as the replacement of another one (manifest field `remplace`), for
 * tests that send a second package for a period the recipient already imported. The encrypted
 * payload is copied unchanged (the manifest pins it by SHA-256); the manifest gets a new id and
 * `remplace`, and is signed again with the sender's current key. The cycle seals such packages
 * itself (`remplacer`, src/exchange/cycle.ts); this builds one from any package, with any `remplace`.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/index.ts';
import { canonicalManifest, currentGeneration, exchangeRepository, ManifestSchema, type Manifest } from '../../src/exchange/index.ts';
import { signBytes } from '../../src/exchange/signature.ts';

export async function resealAsReplacement(db: Kysely<DB>, manifestPath: string, remplace: string, outDir: string,
  options: { recordForSender?: boolean } = {}): Promise<{ manifest: Manifest; manifeste: string }> {
  const original = ManifestSchema.parse(JSON.parse(await readFile(manifestPath, 'utf8')));
  const name = original.payload.fichier.replace(/\.payload\.age$/, '');
  const ring = (await exchangeRepository.keyring(db, original.expediteur))!;
  const signing = currentGeneration(ring).signature;
  const manifest: Manifest = { ...original, id: randomUUID(), remplace, cles: { ...original.cles, expediteur: signing.keyId } };
  const canonical = canonicalManifest(manifest);
  await mkdir(outDir, { recursive: true });
  await copyFile(join(dirname(manifestPath), original.payload.fichier), join(outDir, original.payload.fichier));
  await writeFile(join(outDir, `${name}.sig`), `${signBytes(Buffer.from(canonical, 'utf8'), signing.privateKeyPem)}\n`);
  await writeFile(join(outDir, `${name}.manifest.json`), canonical);
  if (options.recordForSender) {
    await exchangeRepository.insertPackage(db, {
      id: manifest.id, detenteur: manifest.expediteur, programme: manifest.programme, convention: manifest.convention, expediteur: manifest.expediteur,
      destinataire: manifest.destinataire, periode: manifest.periode, nom: name, statut: 'scelle', nombreEnregistrements: manifest.nombreEnregistrements,
      creeLe: new Date(manifest.creeLe),
    });
  }
  return { manifest, manifeste: join(outDir, `${name}.manifest.json`) };
}
