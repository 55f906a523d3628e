import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ageKeyId, canonicalJson, createKeyring, currentGeneration, currentRecipientKey, destroyGeneration, findAgeIdentity, KeyringSchema,
  openPayload, publicKeyring, PublicKeyringSchema, rotateKeyring, sealPackage, signingKeyId, trustedSigningKeys, verifyPackage,
  type Keyring, type VerifyOptions,
} from '../../src/exchange/index.ts';

let root: string;
beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'passerelle-cles-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

const CSV = new TextEncoder().encode('nir,nom\n1850383123456,Dupont\n');

async function seal(sender: Keyring, recipient: Keyring, name: string) {
  return sealPackage({
    programme: 'p', convention: 'c', expediteur: sender.organisation, destinataire: recipient.organisation, periode: '2026-01',
    versionSchema: '1', champs: ['nir', 'nom'], nombreEnregistrements: 1, payloadCsv: CSV,
    recipientKey: currentRecipientKey(publicKeyring(recipient)), senderSigningKey: currentGeneration(sender).signature,
    outDir: await mkdtemp(join(root, 'p-')), name,
  });
}

function options(sender: Keyring): VerifyOptions {
  return {
    self: 'cpam-83',
    trustedSenders: (org) => (org === sender.organisation ? trustedSigningKeys(publicKeyring(sender)) : undefined),
    knownPackageIds: new Set(), conventionActive: () => true,
  };
}

describe('organisation keys', () => {
  it('derives short key ids from the public keys', async () => {
    const k = await createKeyring('caf-83', new Date('2026-01-02T03:04:05Z'));
    const g = currentGeneration(k);
    expect(g.creeLe).toBe('2026-01-02T03:04:05.000Z');
    expect(g.chiffrement.recipient).toMatch(/^age1[a-z0-9]{58}$/);
    expect(g.chiffrement.identity).toMatch(/^AGE-SECRET-KEY-1[A-Z0-9]{58}$/);
    expect(g.chiffrement.keyId).toBe(ageKeyId(g.chiffrement.recipient));
    expect(g.signature.keyId).toBe(signingKeyId(g.signature.publicKeyPem));
    expect(g.chiffrement.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(g.signature.keyId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('round-trips a keyring through JSON, and publishes no secret', async () => {
    const k = await rotateKeyring(await createKeyring('caf-83'));
    expect(KeyringSchema.parse(JSON.parse(JSON.stringify(k)))).toEqual(k);
    const pub = publicKeyring(k);
    expect(PublicKeyringSchema.parse(JSON.parse(JSON.stringify(pub)))).toEqual(pub);
    const text = JSON.stringify(pub);
    expect(text).not.toContain('AGE-SECRET-KEY');
    expect(text).not.toContain('PRIVATE KEY');
    expect(pub.chiffrement.map((c) => c.keyId)).toEqual(k.generations.map((g) => g.chiffrement.keyId));
  });
});

describe('key rotation', () => {
  it('keeps packages sealed with generation 1 readable after generation 2 is created', async () => {
    let caf = await createKeyring('caf-83', new Date('2026-01-01T00:00:00Z'));
    let cpam = await createKeyring('cpam-83', new Date('2026-01-01T00:00:00Z'));
    const old = await seal(caf, cpam, 'ancien');
    const gen1 = { caf: currentGeneration(caf), cpam: currentGeneration(cpam) };

    caf = await rotateKeyring(caf, new Date('2026-06-01T00:00:00Z'));
    cpam = await rotateKeyring(cpam, new Date('2026-06-01T00:00:00Z'));
    expect(caf.generations).toHaveLength(2);
    const recent = await seal(caf, cpam, 'recent');
    expect(recent.manifest.cles.destinataire).toBe(currentGeneration(cpam).chiffrement.keyId);
    expect(recent.manifest.cles.destinataire).not.toBe(gen1.cpam.chiffrement.keyId);
    expect(recent.manifest.cles.expediteur).not.toBe(gen1.caf.signature.keyId);

    for (const p of [old, recent]) {
      const v = await verifyPackage(p.files.manifest, options(caf));
      if (!v.ok) throw new Error(v.erreur);
      expect(Buffer.from(await openPayload(v.manifest, v.dir, cpam))).toEqual(Buffer.from(CSV));
    }

    // Once generation 1 is destroyed (its packages destroyed), an old package can no longer be opened…
    const pruned = destroyGeneration(cpam, gen1.cpam.chiffrement.keyId);
    expect(findAgeIdentity(pruned, gen1.cpam.chiffrement.keyId)).toBeUndefined();
    const v = await verifyPackage(old.files.manifest, options(caf));
    if (!v.ok) throw new Error(v.erreur);
    await expect(openPayload(v.manifest, v.dir, pruned)).rejects.toMatchObject({ code: 'cle_absente' });
    // …and once the sender withdraws its generation-1 signing key, its old signatures are no longer trusted.
    const cafPruned = destroyGeneration(caf, gen1.caf.signature.keyId);
    const r = await verifyPackage(old.files.manifest, options(cafPruned));
    expect(r).toMatchObject({ ok: false, code: 'expediteur_inconnu' });
  });

  it('refuses to destroy the current generation or an unknown key', async () => {
    const k = await createKeyring('caf-83');
    expect(() => destroyGeneration(k, currentGeneration(k).chiffrement.keyId)).toThrow(/courante/);
    expect(() => destroyGeneration(k, '0000000000000000')).toThrow(/absente/);
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 'é' }], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[2,{"y":"é","z":1}]},"b":1}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
  });
});
