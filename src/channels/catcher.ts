/**
 * The demo SMTP server (smtp-server), in the Passerelle process: it accepts mail on 127.0.0.1
 * only, and stores each message of the outbox it receives (matched by its Message-ID) in
 * `courriels_demo`, so the administrator's page shows what was really delivered over SMTP.
 * Mail that is not from the outbox is accepted and dropped. Nothing leaves the machine.
 */
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { SMTPServer } from 'smtp-server';
import type { DB } from '../db/index.ts';
import { storeCaught } from './repository.ts';

export interface DemoCatcher { url: string; port: number; received: () => number; close(): Promise<void> }

const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

export async function startDemoCatcher(db: Kysely<DB>, options: { port?: number; log?: (m: string) => void } = {}): Promise<DemoCatcher> {
  let count = 0;
  const server = new SMTPServer({
    name: 'passerelle-demo',
    banner: 'Serveur de messagerie de démonstration Passerelle',
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => { size += c.length; if (size <= MAX_MESSAGE_BYTES) chunks.push(c); });
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const headerEnd = raw.search(/\r?\n\r?\n/);
        const headers = headerEnd >= 0 ? raw.slice(0, headerEnd) : raw;
        const messageId = /^message-id:\s*(<[^>\r\n]+>)/im.exec(headers)?.[1];
        if (!messageId) { callback(); return; }
        storeCaught(db, messageId, raw).then((stored) => { if (stored) count++; callback(); }, (error: Error) => {
          options.log?.(`Serveur de messagerie de démonstration : message non enregistré (${error.message.slice(0, 80)}).`);
          callback(new Error('Enregistrement impossible, réessayez'));
        });
      });
    },
  });
  server.on('error', (error) => options.log?.(`Serveur de messagerie de démonstration : ${error.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
