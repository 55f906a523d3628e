import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded engine can be opened by one process at a time, server and command line alike:
 * whoever opens it first leaves a lock file with its pid in the data folder (created exclusively,
 * so two processes starting together cannot both win). A lock left by a dead process is taken over.
 */
export const LOCK_FILE = 'passerelle.pid';
const lockFile = (dataDir: string) => join(dataDir, LOCK_FILE);

export interface EmbeddedHolder {
  pid: number;
  /** The server's port; absent for a command. */
  port?: number;
  /** The command that holds it (`cycle run`…); absent for the server. */
  commande?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(dataDir: string): EmbeddedHolder | null | 'illisible' {
  let text: string;
  try { text = readFileSync(lockFile(dataDir), 'utf8'); } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const holder = JSON.parse(text) as EmbeddedHolder;
    return Number.isInteger(holder.pid) && holder.pid > 0 ? holder : 'illisible';
  } catch {
    return 'illisible';
  }
}

/** The live process holding the folder (other than this one), or null. */
export function embeddedHolder(dataDir: string): EmbeddedHolder | null {
  const holder = readHolder(dataDir);
  return holder && holder !== 'illisible' && holder.pid !== process.pid && alive(holder.pid) ? holder : null;
}

export function embeddedBusyMessage(dataDir: string, holder: EmbeddedHolder): string {
  const who = holder.commande
    ? `la commande « passerelle ${holder.commande} » (processus ${holder.pid})`
    : `le serveur Passerelle (processus ${holder.pid}${holder.port !== undefined ? `, port ${holder.port}` : ''})`;
  return `La base embarquée du dossier ${dataDir} est utilisée par ${who}. `
    + `Attendez la fin de ce processus (ou arrêtez-le) avant d'ouvrir ce dossier, ou utilisez une base PostgreSQL avec DATABASE_URL.`;
}

export class EmbeddedLockBusy extends Error {
  readonly holder: EmbeddedHolder;
  constructor(message: string, holder: EmbeddedHolder) {
    super(message);
    this.holder = holder;
  }
}

/**
 * Takes the folder's lock for this process, or throws EmbeddedLockBusy (French message naming the
 * holder's pid). A lock whose process is dead (or unreadable) is taken over; `previous` then says
 * whose it was. Returns the release function.
 */
export function acquireEmbedded(dataDir: string, who: Omit<EmbeddedHolder, 'pid'>): { release: () => void; previous: EmbeddedHolder | 'illisible' | null } {
  const file = lockFile(dataDir);
  const body = JSON.stringify({ pid: process.pid, ...who });
  let previous: EmbeddedHolder | 'illisible' | null = null;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, body, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
    }
    const holder = readHolder(dataDir);
    if (holder && holder !== 'illisible' && (holder.pid === process.pid || alive(holder.pid))) {
      if (holder.pid === process.pid) return { release: () => {}, previous: null }; // this process already holds it
      throw new EmbeddedLockBusy(embeddedBusyMessage(dataDir, holder), holder);
    }
    // dead holder: remove its lock and try again (exclusive creation settles a race between two takers)
    previous = holder;
    rmSync(file, { force: true });
  }
  let released = false;
  return {
    previous,
    release: () => {
      if (released) return;
      released = true;
      const holder = readHolder(dataDir);
      if (holder && holder !== 'illisible' && holder.pid === process.pid) rmSync(file, { force: true });
    },
  };
}

/** Message when a stale lock was taken over. */
export function takeOverMessage(dataDir: string, previous: EmbeddedHolder | 'illisible'): string {
  return previous === 'illisible'
    ? `Verrou illisible de la base embarquée du dossier ${dataDir} remplacé.`
    : `La base embarquée du dossier ${dataDir} était verrouillée par le processus ${previous.pid}, qui n'existe plus : verrou repris.`;
}

/** Compatibility for callers that only mark the folder (tests): takes the lock, returns its release. */
export function holdEmbedded(dataDir: string, port: number): () => void {
  return acquireEmbedded(dataDir, { port }).release;
}
