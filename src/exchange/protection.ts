/**
 * At-rest protection of the secrets kept in the database (organisations' keyrings, conventions'
 * pseudonym keys): envelope encryption with a master key that never enters the database.
 *
 * A protected value is one ASCII string, `pcm1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts):
 * AES-256-GCM with a random 96-bit IV, under the master key whose id is `keyId` (first 16 hex of
 * SHA-256("passerelle-cle-maitre/1\0" ‖ key)). The associated data names what the value is
 * (`trousseau:caf-83`, `convention:conv-…`), so a protected value moved to another row does not
 * open. The key id lets an instance hold a current key and previous ones while it re-encrypts
 * (rotation, see docs/security.md).
 *
 * Where the master key comes from is decided once per process by `configureMasterKeys`
 * (openInstance calls it with `loadMasterKeys`). A process that never configured one (tests on a
 * throwaway database) uses a random key that dies with it.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const PROTECTED_PREFIX = 'pcm1.';
const ID_CONTEXT = 'passerelle-cle-maitre/1\0';
/** Name of the master key file in the embedded database's data folder. */
export const MASTER_KEY_FILE = 'cle-maitre.key';

export interface MasterKey { id: string; key: Buffer }
export interface MasterKeys {
  /** Encrypts every new value. */
  current: MasterKey;
  /** Still open values during a rotation; never used to encrypt. */
  previous: MasterKey[];
  /** Where the current key came from (for messages). */
  source: 'environnement' | 'fichier' | 'fichier-cree' | 'ephemere' | 'test';
}

export class MasterKeyError extends Error {}

export function masterKeyId(key: Uint8Array): string {
  return createHash('sha256').update(ID_CONTEXT).update(key).digest('hex').slice(0, 16);
}

/** A master key from its base64 text (32 bytes); `where` names the source in the French message. */
export function masterKeyFromBase64(text: string, where: string): MasterKey {
  const trimmed = text.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new MasterKeyError(`Clé maîtresse invalide (${where}) : 32 octets encodés en base64 attendus (par exemple la sortie de « openssl rand -base64 32 »).`);
  }
  return { id: masterKeyId(key), key };
}

export function generateMasterKey(): MasterKey {
  const key = randomBytes(32);
  return { id: masterKeyId(key), key };
}

let configured: MasterKeys | undefined;

/** Sets the process's master keys (openInstance does it at start; tests may too). */
export function configureMasterKeys(keys: MasterKeys): void {
  configured = keys;
}

/** The configured master keys; a random throwaway key when the process never configured any. */
export function activeMasterKeys(): MasterKeys {
  configured ??= { current: generateMasterKey(), previous: [], source: 'ephemere' };
  return configured;
}

export function isProtected(value: string): boolean {
  return value.startsWith(PROTECTED_PREFIX);
}

/** The master key id a protected value was encrypted with (undefined for a clear value). */
export function protectedKeyId(value: string): string | undefined {
  return isProtected(value) ? value.split('.')[1] : undefined;
}

/** Encrypts `plaintext` under the current master key, bound to `context` (what the value is). */
export function protectSecret(plaintext: string, context: string, keys: MasterKeys = activeMasterKeys()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.current.key, iv);
  cipher.setAAD(Buffer.from(`${PROTECTED_PREFIX}${keys.current.id}:${context}`, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const b64 = (b: Buffer) => b.toString('base64url');
  return `${PROTECTED_PREFIX}${keys.current.id}.${b64(iv)}.${b64(data)}.${b64(cipher.getAuthTag())}`;
}

/** Decrypts a value written by {@link protectSecret}; throws MasterKeyError (French) when it cannot. */
export function unprotectSecret(value: string, context: string, keys: MasterKeys = activeMasterKeys()): string {
  const parts = value.split('.');
  if (parts.length !== 5 || `${parts[0]}.` !== PROTECTED_PREFIX) throw new MasterKeyError(`Secret protégé mal formé (${context}).`);
  const [, id, iv, data, tag] = parts as [string, string, string, string, string];
  const master = [keys.current, ...keys.previous].find((k) => k.id === id);
  if (!master) {
    throw new MasterKeyError(`Le secret « ${context} » est chiffré par la clé maîtresse ${id}, que cette instance ne connaît pas `
      + `(clé actuelle ${keys.current.id}) : fournissez-la dans PASSERELLE_CLE_MAITRE, ou dans PASSERELLE_CLE_MAITRE_PRECEDENTES pendant une rotation.`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', master.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${PROTECTED_PREFIX}${id}:${context}`, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new MasterKeyError(`Le secret « ${context} » ne se déchiffre pas avec la clé maîtresse ${id} : valeur modifiée ou déplacée.`);
  }
}

/** Clear values pass through (rows written before the protection, converted at the next start). */
export function readSecret(value: string, context: string, keys?: MasterKeys): string {
  return isProtected(value) ? unprotectSecret(value, context, keys) : value;
}

export interface MasterKeySettings {
  /** PASSERELLE_CLE_MAITRE: base64 of 32 bytes. */
  masterKey?: string | undefined;
  /** PASSERELLE_CLE_MAITRE_PRECEDENTES: base64 keys separated by commas, still accepted for reading. */
  previousMasterKeys?: string[] | undefined;
  dataDir: string;
  databaseUrl?: string | undefined;
  demo: boolean;
}

async function readKeyFile(path: string): Promise<MasterKey[] | undefined> {
  let text: string;
  try { text = await readFile(path, 'utf8'); } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  if (process.platform !== 'win32') {
    const mode = (await stat(path)).mode & 0o777;
    if (mode & 0o077) {
      throw new MasterKeyError(`La clé maîtresse ${path} est lisible par d'autres utilisateurs (mode ${mode.toString(8).padStart(4, '0')}) : faites « chmod 600 ${path} ».`);
    }
  }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) throw new MasterKeyError(`Le fichier de clé maîtresse ${path} est vide.`);
  return lines.map((l, i) => masterKeyFromBase64(l, `${path}, ligne de clé ${i + 1}`));
}

/** Writes the key file atomically, mode 0600: the first key is current, the others previous ones. */
export async function writeMasterKeyFile(dataDir: string, keys: MasterKey[]): Promise<string> {
  const path = join(dataDir, MASTER_KEY_FILE);
  const body = '# Clé maîtresse de Passerelle (AES-256, base64). SECRÈTE : ne jamais la copier à côté des sauvegardes de la base.\n'
    + '# La première clé chiffre ; les suivantes ne servent qu\'à relire pendant une rotation.\n'
    + keys.map((k) => `${k.key.toString('base64')}\n`).join('');
  await mkdir(dataDir, { recursive: true });
  const temporary = `${path}.${randomBytes(4).toString('hex')}.part`;
  await writeFile(temporary, body, { mode: 0o600, flag: 'wx' });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
  return path;
}

/**
 * The master keys of an instance: PASSERELLE_CLE_MAITRE when set (required with PostgreSQL outside
 * demo mode); otherwise the file `cle-maitre.key` of the data folder, created (mode 0600) on first
 * start. Production supplies the key from a secret store, never from a file next to the data.
 */
export async function loadMasterKeys(settings: MasterKeySettings): Promise<MasterKeys> {
  const previousFromEnv = (settings.previousMasterKeys ?? []).filter((k) => k.trim())
    .map((k, i) => masterKeyFromBase64(k, `PASSERELLE_CLE_MAITRE_PRECEDENTES, clé ${i + 1}`));
  if (settings.masterKey) {
    const current = masterKeyFromBase64(settings.masterKey, 'PASSERELLE_CLE_MAITRE');
    return { current, previous: previousFromEnv.filter((k) => k.id !== current.id), source: 'environnement' };
  }
  if (settings.databaseUrl && !settings.demo) {
    throw new MasterKeyError('PASSERELLE_CLE_MAITRE est obligatoire avec une base PostgreSQL (DATABASE_URL) hors démonstration : '
      + 'fournissez 32 octets en base64 depuis votre coffre de secrets (par exemple « openssl rand -base64 32 »).');
  }
  const path = join(settings.dataDir, MASTER_KEY_FILE);
  const fromFile = await readKeyFile(path);
  if (fromFile) {
    const [current, ...previous] = fromFile as [MasterKey, ...MasterKey[]];
    return { current, previous: [...previous, ...previousFromEnv], source: 'fichier' };
  }
  const current = generateMasterKey();
  try {
    await writeMasterKeyFile(settings.dataDir, [current]);
  } catch (error) {
    throw new MasterKeyError(`Impossible de créer la clé maîtresse ${path} : ${(error as Error).message}`);
  }
  return { current, previous: previousFromEnv, source: 'fichier-cree' };
}
