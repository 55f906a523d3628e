/**
 * Key rotation for an organisation hosted here: a new current generation is added (new packages are
 * sealed to it and signed with it), older ones stay so packages sealed to them remain readable;
 * a past generation is retired once its packages are destroyed. Both are audited, with key ids only.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { currentGeneration, destroyGeneration, rotateKeyring, type Keyring } from './keys.ts';
import { exchangeRepository } from './repository.ts';

export class KeyManagementError extends Error {}

async function hostedKeyring(trx: Kysely<DB>, organisation: string): Promise<Keyring> {
  const ring = await exchangeRepository.keyring(trx, organisation);
  if (!ring) throw new KeyManagementError(`Aucun trousseau de clés pour « ${organisation} » sur cette instance.`);
  return ring;
}

/** Adds a new current key generation; returns the new key ids. Partners must re-import the public keyring. */
export async function rotateOrganisationKeys(db: Kysely<DB>, organisation: string, now: Date = new Date()) {
  return db.transaction().execute(async (trx) => {
    const rotated = await rotateKeyring(await hostedKeyring(trx, organisation), now);
    await exchangeRepository.saveKeyring(trx, rotated);
    const current = currentGeneration(rotated);
    const ids = { chiffrement: current.chiffrement.keyId, signature: current.signature.keyId, generations: rotated.generations.length };
    await recordAudit(trx, {
      action: 'cles.rotation', acteur: { compteId: null, organisation }, cible: { type: 'trousseau', id: organisation }, details: ids,
    });
    return ids;
  });
}

/**
 * Removes a past generation (named by one of its key ids). Refused while a package received by the
 * organisation before the next generation existed (so possibly sealed to that key) is not destroyed.
 */
export async function retireOrganisationKey(db: Kysely<DB>, organisation: string, keyId: string) {
  return db.transaction().execute(async (trx) => {
    const ring = await hostedKeyring(trx, organisation);
    const generation = ring.generations.find((g) => g.chiffrement.keyId === keyId || g.signature.keyId === keyId);
    if (!generation) throw new KeyManagementError(`La clé ${keyId} n'est pas dans le trousseau de « ${organisation} ».`);
    if (generation === currentGeneration(ring)) {
      throw new KeyManagementError('La génération de clés courante ne peut pas être retirée : faites d’abord une rotation.');
    }
    const next = ring.generations[ring.generations.indexOf(generation) + 1]!;
    const pending = await exchangeRepository.countReceivedPackagesNotDestroyed(trx, organisation, new Date(next.creeLe));
    if (pending > 0) {
      throw new KeyManagementError(`${pending} paquet(s) reçu(s) avant la rotation ne sont pas encore détruits : la clé doit rester pour pouvoir les ouvrir.`);
    }
    await exchangeRepository.saveKeyring(trx, destroyGeneration(ring, keyId));
    await recordAudit(trx, {
      action: 'cles.retrait', acteur: { compteId: null, organisation }, cible: { type: 'trousseau', id: organisation },
      details: { chiffrement: generation.chiffrement.keyId, signature: generation.signature.keyId },
    });
    return { generations: ring.generations.length - 1 };
  });
}
