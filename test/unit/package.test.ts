import { execFile } from 'node:child_process';
import { createHash, randomUUID, sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ageIdentityFile, canonicalJson, createKeyring, currentGeneration, currentRecipientKey, generateSigningKey, openPayload,
  openPayloadStream, PackageOpenError, publicKeyring, sealPackage, signingKeyId, trustedSigningKeys, verifyPackage,
  type Keyring, type Manifest, type SealInput, type VerificationResult, type VerifyOptions,
} from '../../src/exchange/index.ts';

const AGE = '/usr/bin/age';
const run = promisify(execFile);

let root: string;
let caf: Keyring;
let cpam: Keyring;
let seq = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'passerelle-paquet-'));
  caf = await createKeyring('caf-83');
  cpam = await createKeyring('cpam-83');
});
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

const CSV = new TextEncoder().encode('nir,nom,prenom\n1850383123456,Dupont,Jeanne\n2900659123456,Martin,Léa\n');

async function newDir(): Promise<string> {
  return mkdtemp(join(root, `d${++seq}-`));
}

function sealInput(dir: string, overrides: Partial<SealInput> = {}): SealInput {
  return {
    programme: 'bilan-sante-precarite',
    convention: 'conv-caf83-cpam83-2026',
    expediteur: 'caf-83',
    destinataire: 'cpam-83',
    periode: '2026-03',
    versionSchema: '1',
    champs: ['nir', 'nom', 'prenom'],
    nombreEnregistrements: 2,
    payloadCsv: CSV,
    recipientKey: currentRecipientKey(publicKeyring(cpam)),
    senderSigningKey: currentGeneration(caf).signature,
    outDir: dir,
    name: 'caf-83_cpam-83_2026-03',
    ...overrides,
  };
}

function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    self: 'cpam-83',
    trustedSenders: (org) => (org === 'caf-83' ? trustedSigningKeys(publicKeyring(caf)) : undefined),
    knownPackageIds: new Set<string>(),
    conventionActive: () => true,
    ...overrides,
  };
}

function expectCode(result: VerificationResult, code: string): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.code).toBe(code);
  // French, and no personal data from the payload.
  expect(result.erreur.length).toBeGreaterThan(20);
  for (const secret of ['1850383123456', 'Dupont', 'Jeanne', 'Martin']) expect(result.erreur).not.toContain(secret);
}

async function sealed(overrides: Partial<SealInput> = {}) {
  const dir = await newDir();
  return sealPackage(sealInput(dir, overrides));
}

/** Rewrites the manifest (as the canonical JSON the sealer writes) after `change`, without re-signing. */
async function editManifest(path: string, change: (m: Record<string, any>) => void): Promise<void> {
  const m = JSON.parse(await readFile(path, 'utf8'));
  change(m);
  await writeFile(path, canonicalJson(m));
}

describe('sealing and opening a package', () => {
  it('writes three files: a canonical signed manifest, an age payload and a signature, and nothing else', async () => {
    const p = await sealed();
    expect((await readdir(p.dir)).sort()).toEqual(['caf-83_cpam-83_2026-03.manifest.json', 'caf-83_cpam-83_2026-03.payload.age', 'caf-83_cpam-83_2026-03.sig']);
    const text = await readFile(p.files.manifest, 'utf8');
    expect(text).toBe(canonicalJson(p.manifest));
    const m = JSON.parse(text) as Manifest;
    expect(m).toMatchObject({
      format: 'passerelle-paquet/1', programme: 'bilan-sante-precarite', convention: 'conv-caf83-cpam83-2026', expediteur: 'caf-83',
      destinataire: 'cpam-83', periode: '2026-03', versionSchema: '1', champs: ['nir', 'nom', 'prenom'], nombreEnregistrements: 2,
      payload: { fichier: 'caf-83_cpam-83_2026-03.payload.age', format: 'csv' },
      cles: { destinataire: currentGeneration(cpam).chiffrement.keyId, expediteur: currentGeneration(caf).signature.keyId },
    });
    expect(m.id).toMatch(/^[0-9a-f-]{36}$/);
    const encrypted = await readFile(p.files.payload);
    expect(m.payload.sha256).toBe(createHash('sha256').update(encrypted).digest('hex'));
    expect(m.payload.octets).toBe(encrypted.length);
    expect(encrypted.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
    expect(encrypted.includes(Buffer.from('Dupont'))).toBe(false);
    expect((await readFile(p.files.signature, 'utf8'))).toMatch(/^[A-Za-z0-9+/]{86}==\n$/);
    // The manifest holds no personal data.
    expect(text).not.toContain('Dupont');
  });

  it('verifies then opens the payload to the exact bytes, in memory and as a stream', async () => {
    const p = await sealed();
    const v = await verifyPackage(p.files.manifest, options());
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.manifest).toEqual(p.manifest);
    expect(Buffer.from(await openPayload(v.manifest, v.dir, cpam))).toEqual(Buffer.from(CSV));
    expect(Buffer.from(await openPayload(v.manifest, v.dir, currentGeneration(cpam).chiffrement.identity))).toEqual(Buffer.from(CSV));
    const chunks: Uint8Array[] = [];
    for await (const c of await openPayloadStream(v.manifest, v.dir, cpam)) chunks.push(c);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(CSV));
  });

  it('seals from an async iterable and from a file path, across age chunk boundaries', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 12345);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) % 251;
    async function* pieces() { for (let i = 0; i < big.length; i += 70_001) yield big.subarray(i, i + 70_001); }
    const fromIterable = await sealed({ payloadCsv: pieces(), name: 'iterable' });
    const src = join(await newDir(), 'clair.csv');
    await writeFile(src, big);
    const fromFile = await sealed({ payloadCsv: { path: src }, name: 'fichier' });
    for (const p of [fromIterable, fromFile]) {
      const v = await verifyPackage(p.files.manifest, options());
      expect(v.ok).toBe(true);
      if (!v.ok) continue;
      expect(Buffer.from(await openPayload(v.manifest, v.dir, cpam)).equals(big)).toBe(true);
    }
  });

  it('seals an empty payload', async () => {
    const p = await sealed({ payloadCsv: new Uint8Array(0), nombreEnregistrements: 0 });
    const v = await verifyPackage(p.files.manifest, options());
    expect(v.ok).toBe(true);
    if (v.ok) expect((await openPayload(v.manifest, v.dir, cpam)).length).toBe(0);
  });

  it('never overwrites a package, and leaves nothing behind when sealing fails', async () => {
    const dir = await newDir();
    await sealPackage(sealInput(dir));
    await expect(sealPackage(sealInput(dir))).rejects.toThrow(/existe déjà/);
    const empty = await newDir();
    await expect(sealPackage(sealInput(empty, { payloadCsv: { path: join(empty, 'absent.csv') } }))).rejects.toThrow();
    expect(await readdir(empty)).toEqual([]);
    await expect(sealPackage(sealInput(empty, { periode: '2026-13' }))).rejects.toThrow(/Manifeste invalide : periode/);
    await expect(sealPackage(sealInput(empty, { name: '../evasion' }))).rejects.toThrow();
    await expect(sealPackage(sealInput(empty, { senderSigningKey: { ...currentGeneration(caf).signature, keyId: '0123456789abcdef' } }))).rejects.toThrow(/ne correspond pas/);
    await expect(sealPackage(sealInput(empty, { recipientKey: { ...currentRecipientKey(publicKeyring(cpam)), keyId: '0123456789abcdef' } }))).rejects.toThrow(/ne correspond pas/);
    expect(await readdir(empty)).toEqual([]);
  });
});

describe('the real age command-line tool', () => {
  it('is installed (apt-get install age; .ci/run installs it): a missing tool fails the suite', () => {
    expect(existsSync(AGE), `${AGE} absent : installez age (apt-get install age)`).toBe(true);
  });

  it('opens the payload with the recipient identity file', async () => {
    const big = Buffer.from(`nir,nom\n${Array.from({ length: 40_000 }, (_, i) => `${1_850_383_000_000 + i},Nom${i}`).join('\n')}\n`);
    for (const payload of [CSV, big]) {
      const p = await sealed({ payloadCsv: payload });
      const identityFile = join(p.dir, 'identity.txt');
      await writeFile(identityFile, ageIdentityFile(currentGeneration(cpam).chiffrement), { mode: 0o600 });
      const { stdout } = await run(AGE, ['--decrypt', '-i', identityFile, p.files.payload], { encoding: 'buffer', maxBuffer: 64 << 20 });
      expect(Buffer.compare(stdout, Buffer.from(payload))).toBe(0);
    }
  });

  it('refuses to open it with another organisation\'s identity', async () => {
    const p = await sealed();
    const identityFile = join(p.dir, 'caf-identity.txt');
    await writeFile(identityFile, ageIdentityFile(currentGeneration(caf).chiffrement), { mode: 0o600 });
    await expect(run(AGE, ['--decrypt', '-i', identityFile, p.files.payload])).rejects.toThrow(/no identity matched/);
  });
});

describe('verification refuses', () => {
  it('a payload with one byte changed, or truncated (empreinte_incorrecte)', async () => {
    const p = await sealed();
    const bytes = await readFile(p.files.payload);
    bytes[bytes.length - 5]! ^= 0x01;
    await writeFile(p.files.payload, bytes);
    expectCode(await verifyPackage(p.files.manifest, options()), 'empreinte_incorrecte');
    await writeFile(p.files.payload, bytes.subarray(0, bytes.length - 1));
    expectCode(await verifyPackage(p.files.manifest, options()), 'empreinte_incorrecte');
  });

  it('a manifest with a field changed (signature_invalide)', async () => {
    for (const change of [
      (m: Record<string, any>) => { m.nombreEnregistrements = 3; },
      (m: Record<string, any>) => { m.champs = ['nir', 'nom']; },
      (m: Record<string, any>) => { m.periode = '2026-04'; },
      (m: Record<string, any>) => { m.payload.sha256 = 'f'.repeat(64); },
    ]) {
      const p = await sealed();
      await editManifest(p.files.manifest, change);
      expectCode(await verifyPackage(p.files.manifest, options()), 'signature_invalide');
    }
  });

  it('a pretty-printed but unchanged manifest is still accepted (the signature covers the canonical form)', async () => {
    const p = await sealed();
    await writeFile(p.files.manifest, JSON.stringify(JSON.parse(await readFile(p.files.manifest, 'utf8')), null, 2));
    expect((await verifyPackage(p.files.manifest, options())).ok).toBe(true);
  });

  it('a damaged signature file (signature_invalide)', async () => {
    const p = await sealed();
    const sig = Buffer.from((await readFile(p.files.signature, 'utf8')).trim(), 'base64');
    sig[0]! ^= 0x80;
    await writeFile(p.files.signature, sig.toString('base64'));
    expectCode(await verifyPackage(p.files.manifest, options()), 'signature_invalide');
    await writeFile(p.files.signature, 'pas une signature');
    expectCode(await verifyPackage(p.files.manifest, options()), 'signature_invalide');
  });

  it('a package signed by a key the sender never published (expediteur_inconnu), or by an impostor naming the real key (signature_invalide)', async () => {
    const impostor = generateSigningKey();
    const p = await sealed({ senderSigningKey: impostor });
    expectCode(await verifyPackage(p.files.manifest, options()), 'expediteur_inconnu');
    // The impostor names caf-83's real keyId but can only sign with its own key.
    await editManifest(p.files.manifest, (m) => { m.cles.expediteur = currentGeneration(caf).signature.keyId; });
    const m = JSON.parse(await readFile(p.files.manifest, 'utf8'));
    await writeFile(p.files.signature, sign(null, Buffer.from(canonicalJson(m)), impostor.privateKeyPem).toString('base64'));
    expectCode(await verifyPackage(p.files.manifest, options()), 'signature_invalide');
  });

  it('a package from an organisation with no trusted key (expediteur_inconnu)', async () => {
    const p = await sealed();
    expectCode(await verifyPackage(p.files.manifest, options({ trustedSenders: () => undefined })), 'expediteur_inconnu');
    expectCode(await verifyPackage(p.files.manifest, options({ trustedSenders: async () => ({}) })), 'expediteur_inconnu');
  });

  it('a package addressed to another organisation (destinataire_incorrect)', async () => {
    const p = await sealed();
    const r = await verifyPackage(p.files.manifest, options({ self: 'caf-59' }));
    expectCode(r, 'destinataire_incorrect');
    if (!r.ok) expect(r.erreur).toContain('cpam-83');
  });

  it('a package whose convention is not active on the import date (convention_inactive)', async () => {
    const p = await sealed();
    const now = new Date('2027-01-15T10:00:00Z');
    const calls: unknown[][] = [];
    const r = await verifyPackage(p.files.manifest, options({ now, conventionActive: async (...args) => { calls.push(args); return false; } }));
    expectCode(r, 'convention_inactive');
    expect(calls).toEqual([['conv-caf83-cpam83-2026', 'caf-83', 'cpam-83', 'bilan-sante-precarite', now]]);
  });

  it('a package already received (rejeu), known from a set or a callback', async () => {
    const p = await sealed();
    expectCode(await verifyPackage(p.files.manifest, options({ knownPackageIds: new Set([p.manifest.id]) })), 'rejeu');
    expectCode(await verifyPackage(p.files.manifest, options({ knownPackageIds: async (id) => id === p.manifest.id })), 'rejeu');
    expect((await verifyPackage(p.files.manifest, options({ knownPackageIds: new Set([randomUUID()]) }))).ok).toBe(true);
  });

  it('a package with a missing file (fichier_manquant)', async () => {
    for (const which of ['manifest', 'payload', 'signature'] as const) {
      const p = await sealed();
      await unlink(p.files[which]);
      const r = await verifyPackage(p.files.manifest, options());
      expectCode(r, 'fichier_manquant');
      if (!r.ok) expect(r.erreur).toContain(p.files[which].split('/').at(-1));
    }
  });

  it('a malformed manifest (manifeste_invalide)', async () => {
    const cases: Array<(path: string) => Promise<void>> = [
      (path) => writeFile(path, '{ pas du json'),
      (path) => editManifest(path, (m) => { m.format = 'passerelle-paquet/9'; }),
      (path) => editManifest(path, (m) => { m.periode = '2026-3'; }),
      (path) => editManifest(path, (m) => { m.payload.fichier = '../../etc/passwd.payload.age'; }),
      (path) => editManifest(path, (m) => { m.commentaire = 'champ en trop'; }),
      (path) => editManifest(path, (m) => { delete m.cles; }),
    ];
    for (const damage of cases) {
      const p = await sealed();
      await damage(p.files.manifest);
      expectCode(await verifyPackage(p.files.manifest, options()), 'manifeste_invalide');
    }
    const p = await sealed();
    expectCode(await verifyPackage(p.files.payload, options()), 'manifeste_invalide');
  });
});

describe('opening after verification', () => {
  it('refuses a payload swapped after verification, in memory and as a stream', async () => {
    const p = await sealed({ payloadCsv: Buffer.alloc(300_000, 0x41) });
    const v = await verifyPackage(p.files.manifest, options());
    if (!v.ok) throw new Error(v.erreur);
    // Anyone holding cpam-83's public key can encrypt a different payload to it: age alone does not authenticate.
    const other = await sealed({ payloadCsv: Buffer.alloc(300_000, 0x42) });
    await writeFile(p.files.payload, await readFile(other.files.payload));
    await expect(openPayload(v.manifest, v.dir, cpam)).rejects.toMatchObject({ code: 'empreinte_incorrecte' });
    const stream = await openPayloadStream(v.manifest, v.dir, cpam);
    await expect((async () => { for await (const _ of stream) { /* drain */ } })()).rejects.toMatchObject({ code: 'empreinte_incorrecte' });
  });

  it('refuses an identity that is not the one the package names', async () => {
    const p = await sealed();
    const v = await verifyPackage(p.files.manifest, options());
    if (!v.ok) throw new Error(v.erreur);
    const err = await openPayload(v.manifest, v.dir, currentGeneration(caf).chiffrement.identity).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackageOpenError);
    expect(err).toMatchObject({ code: 'cle_absente' });
    await expect(openPayload(v.manifest, v.dir, caf)).rejects.toMatchObject({ code: 'cle_absente' });
  });

  it('accepts only verified manifests (type level)', async () => {
    const p = await sealed();
    // @ts-expect-error a manifest that did not go through verifyPackage cannot be opened
    await openPayload(p.manifest, p.dir, cpam);
    expect(signingKeyId(currentGeneration(caf).signature.publicKeyPem)).toBe(currentGeneration(caf).signature.keyId);
  });
});
