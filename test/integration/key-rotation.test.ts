import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  currentGeneration, ensureExchangeSetup, exchangeRepository, importPackage, KeyManagementError, retireOrganisationKey, rotateOrganisationKeys, runCycle,
} from '../../src/exchange/index.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import { destroyExpiredContacts, verifyAuditChain } from '../../src/privacy/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';

const NOW = new Date('2026-11-28T09:00:00.000Z');
const later = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KeyManagementError) return error.message;
    throw error;
  }
  throw new Error('opération acceptée alors qu’elle devait être refusée');
}

describe(`key rotation and retirement (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let work: string;

  beforeAll(async () => {
    database = await freshDatabase();
    await ensureExchangeSetup(database.db, NOW);
    work = await mkdtemp(join(tmpdir(), 'passerelle-rotation-'));
    await generateExtracts({ departement: '83', month: '2026-11', outDir: join(work, 'extrait'), scale: 0.01, seed: 5, people: { ajpa: 20, ajpp: 5 } });
  }, 120_000);

  afterAll(async () => {
    await database?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const cycle = (outDir: string, now: Date, remplacer = false) => runCycle(database.db, {
    programme: 'aidants', periode: '2026-11', source: join(work, 'extrait'), outDir: join(work, outDir), expediteur: 'caf-83', now, remplacer,
  });
  const recipientKey = async (manifest: string) => (JSON.parse(await readFile(manifest, 'utf8')) as { cles: { destinataire: string } }).cles.destinataire;

  it('seals new packages to the new key, still opens the ones sealed before, retires the old key only once they are destroyed', async () => {
    const before = await cycle('a', NOW);
    const oldKey = currentGeneration((await exchangeRepository.keyring(database.db, 'cpam-83'))!).chiffrement.keyId;
    expect(await recipientKey(before.paquets[0]!.manifeste)).toBe(oldKey);

    const rotated = await rotateOrganisationKeys(database.db, 'cpam-83', later(1));
    expect(rotated.generations).toBe(2);
    expect(rotated.chiffrement).not.toBe(oldKey);

    const after = await cycle('b', later(2), true); // sealed again for the month: a declared replacement
    expect(await recipientKey(after.paquets[0]!.manifeste)).toBe(rotated.chiffrement);

    // The package sealed to the old key is still readable after the rotation.
    const imported = await importPackage(database.db, before.paquets[0]!.manifeste, { organisation: 'cpam-83', now: later(3) });
    expect(imported.importes).toBe(before.paquets[0]!.nombre);
    // the same month again: imported as the declared replacement of the first (one package per period otherwise)
    expect((await importPackage(database.db, after.paquets[0]!.manifeste, { organisation: 'cpam-83', now: later(3) })).recus).toBe(after.paquets[0]!.nombre);

    expect(await refusal(retireOrganisationKey(database.db, 'cpam-83', oldKey))).toMatch(/pas encore détruits/);
    expect(await refusal(retireOrganisationKey(database.db, 'cpam-83', rotated.signature))).toMatch(/génération de clés courante/);
    expect(await refusal(retireOrganisationKey(database.db, 'cpam-83', 'age-inconnue'))).toMatch(/n'est pas dans le trousseau/);
    expect(await refusal(rotateOrganisationKeys(database.db, 'org-inconnue'))).toMatch(/Aucun trousseau/);

    await destroyExpiredContacts(database.db, { today: '2027-12-31' });
    expect(await retireOrganisationKey(database.db, 'cpam-83', oldKey)).toEqual({ generations: 1 });
    const ring = (await exchangeRepository.keyring(database.db, 'cpam-83'))!;
    expect(ring.generations.map((g) => g.chiffrement.keyId)).toEqual([rotated.chiffrement]);

    const audit = await database.db.selectFrom('journal_audit').select(['action', 'details']).where('action', 'in', ['cles.rotation', 'cles.retrait']).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['cles.rotation', 'cles.retrait']);
    expect(JSON.stringify(audit)).not.toMatch(/AGE-SECRET-KEY/);
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  }, 120_000);
});
