import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The embedded engine can be opened by one process at a time: the server leaves a pid file in the data folder. */
const lockFile = (dataDir: string) => join(dataDir, 'serveur.pid');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function embeddedHolder(dataDir: string): { pid: number; port: number } | null {
  const file = lockFile(dataDir);
  if (!existsSync(file)) return null;
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; port: number };
    return holder.pid !== process.pid && alive(holder.pid) ? holder : null;
  } catch {
    return null;
  }
}

export function embeddedBusyMessage(dataDir: string, holder: { pid: number; port: number }): string {
  return `La base embarquée du dossier ${dataDir} est utilisée par le serveur Passerelle (processus ${holder.pid}, port ${holder.port}). ` +
    `Arrêtez le serveur avant d'utiliser la ligne de commande sur ce dossier, ou utilisez une base PostgreSQL avec DATABASE_URL.`;
}

export function holdEmbedded(dataDir: string, port: number): () => void {
  const file = lockFile(dataDir);
  writeFileSync(file, JSON.stringify({ pid: process.pid, port }));
  return () => rmSync(file, { force: true });
}
