import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  generateMasterKey, isProtected, loadMasterKeys, masterKeyFromBase64, masterKeyId, protectSecret, readSecret, unprotectSecret, MASTER_KEY_FILE,
  type MasterKeys,
} from '../../src/exchange/protection.ts';

const keys = (current = generateMasterKey(), ...previous: ReturnType<typeof generateMasterKey>[]): MasterKeys => ({ current, previous, source: 'test' });

describe('at-rest protection of secrets (AES-256-GCM envelope under a master key)', () => {
  const dirs: string[] = [];
  const folder = async () => { const d = await mkdtemp(join(tmpdir(), 'passerelle-cle-')); dirs.push(d); return d; };
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  it('round-trips, names its master key, and never shows the clear text', () => {
    const k = keys();
    const secret = 'AGE-SECRET-KEY-1QQQQ';
    const sealed = protectSecret(secret, 'trousseau:caf-83', k);
    expect(sealed).toMatch(new RegExp(`^pcm1\\.${k.current.id}\\.[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{22}$`));
    expect(sealed).not.toContain('SECRET');
    expect(isProtected(sealed)).toBe(true);
    expect(unprotectSecret(sealed, 'trousseau:caf-83', k)).toBe(secret);
    // a fresh IV each time
    expect(protectSecret(secret, 'trousseau:caf-83', k)).not.toBe(sealed);
    // clear values (written before the protection) pass through readSecret
    expect(readSecret('00ff', 'convention:x', k)).toBe('00ff');
  });

  it('refuses a value moved to another row, modified, or under an unknown master key, with a French message', () => {
    const k = keys();
    const sealed = protectSecret('cle', 'trousseau:caf-83', k);
    expect(() => unprotectSecret(sealed, 'trousseau:cpam-83', k)).toThrow(/ne se déchiffre pas avec la clé maîtresse .* valeur modifiée ou déplacée/);
    const parts = sealed.split('.');
    const data = Buffer.from(parts[3]!, 'base64url');
    data[0]! ^= 1;
    parts[3] = data.toString('base64url');
    expect(() => unprotectSecret(parts.join('.'), 'trousseau:caf-83', k)).toThrow(/valeur modifiée ou déplacée/);
    expect(() => unprotectSecret(sealed, 'trousseau:caf-83', keys())).toThrow(/chiffré par la clé maîtresse [0-9a-f]{16}, que cette instance ne connaît pas/);
    expect(() => unprotectSecret('pcm1.abc', 'trousseau:caf-83', k)).toThrow(/mal formé/);
  });

  it('reads values of a previous master key during a rotation, and encrypts only with the current one', () => {
    const old = generateMasterKey();
    const sealedOld = protectSecret('cle', 'convention:c', keys(old));
    const rotated = keys(generateMasterKey(), old);
    expect(unprotectSecret(sealedOld, 'convention:c', rotated)).toBe('cle');
    expect(protectSecret('cle', 'convention:c', rotated).split('.')[1]).toBe(rotated.current.id);
  });

  it('parses a base64 master key of exactly 32 bytes', () => {
    const raw = Buffer.alloc(32, 7);
    expect(masterKeyFromBase64(raw.toString('base64'), 'test')).toEqual({ id: masterKeyId(raw), key: raw });
    expect(masterKeyFromBase64(raw.toString('base64url'), 'test').key).toEqual(raw);
    expect(() => masterKeyFromBase64(Buffer.alloc(16).toString('base64'), 'PASSERELLE_CLE_MAITRE')).toThrow(/Clé maîtresse invalide \(PASSERELLE_CLE_MAITRE\) : 32 octets encodés en base64 attendus/);
    expect(() => masterKeyFromBase64('pas une clé', 'x')).toThrow(/32 octets/);
  });

  it('loads the key from PASSERELLE_CLE_MAITRE, else from the data folder file created mode 0600 on first start', async () => {
    const dir = await folder();
    const created = await loadMasterKeys({ dataDir: dir, demo: true });
    expect(created.source).toBe('fichier-cree');
    const file = join(dir, MASTER_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toContain(created.current.key.toString('base64'));
    const again = await loadMasterKeys({ dataDir: dir, demo: true });
    expect(again).toMatchObject({ source: 'fichier', current: { id: created.current.id } });

    const env = Buffer.alloc(32, 9).toString('base64');
    const fromEnv = await loadMasterKeys({ dataDir: dir, demo: true, masterKey: env, previousMasterKeys: [created.current.key.toString('base64')] });
    expect(fromEnv).toMatchObject({ source: 'environnement', current: { id: masterKeyId(Buffer.alloc(32, 9)) }, previous: [{ id: created.current.id }] });

    await chmod(file, 0o644);
    await expect(loadMasterKeys({ dataDir: dir, demo: true })).rejects.toThrow(/lisible par d'autres utilisateurs \(mode 0644\) : faites « chmod 600/);

    // a rotation in the file: first line current, next ones previous
    const second = await folder();
    const [a, b] = [generateMasterKey(), generateMasterKey()];
    await writeFile(join(second, MASTER_KEY_FILE), `# commentaire\n${a.key.toString('base64')}\n${b.key.toString('base64')}\n`, { mode: 0o600 });
    expect(await loadMasterKeys({ dataDir: second, demo: true })).toMatchObject({ current: { id: a.id }, previous: [{ id: b.id }] });
  });

  it('requires PASSERELLE_CLE_MAITRE with PostgreSQL outside demo mode', async () => {
    await expect(loadMasterKeys({ dataDir: await folder(), demo: false, databaseUrl: 'postgres://x' })).rejects.toThrow(/PASSERELLE_CLE_MAITRE est obligatoire avec une base PostgreSQL/);
  });
});
