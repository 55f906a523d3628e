/** Test support for the channels: a real SMTP server (smtp-server) on 127.0.0.1:0 and contacts on worklists. */
import type { AddressInfo } from 'node:net';
import { sql, type Kysely } from 'kysely';
import { SMTPServer } from 'smtp-server';
import type { DB } from '../../src/db/index.ts';

export interface ReceivedMail { from: string; to: string[]; raw: string }

export interface TestSmtp {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** RCPT TO answers by recipient: a code (550 permanent, 451 temporary) to refuse it. */
  refuse: Map<string, number>;
  close(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const refuse = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = refuse.get(address.address.toLowerCase());
      if (code) {
        const error = new Error(code >= 500 ? 'Mailbox unavailable' : 'Try again later') as Error & { responseCode: number };
        error.responseCode = code;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, port, received, refuse, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Decodes a quoted-printable or base64 MIME part body enough to search it. */
export function decodedText(raw: string): string {
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/);
  return parts.map((part) => {
    const [head, ...rest] = part.split(/\r?\n\r?\n/);
    const body = rest.join('\n\n');
    if (/content-transfer-encoding:\s*base64/i.test(head ?? '')) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (/content-transfer-encoding:\s*quoted-printable/i.test(head ?? '')) {
      return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
    }
    return part;
  }).join('\n');
}

export function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(unfolded);
  return m?.[1];
}

/** RFC 2047 encoded-word decoding (subject). */
export function decodeWords(value: string): string {
  return value.replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) => enc.toUpperCase() === 'B'
    ? Buffer.from(text, 'base64').toString('utf8')
    : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}

export async function insertContact(db: Kysely<DB>, c: { organisation: string; programme: string; periode?: string; champs: Record<string, string>; pseudonyme?: string }): Promise<string> {
  const pseudonyme = c.pseudonyme ?? Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
  const row = await db.insertInto('contacts').values({
    organisation_code: c.organisation, programme: c.programme, paquet_id: null, pseudonyme, champs: JSON.stringify(c.champs),
    importe_le: new Date(), echeance: '2027-06-30', periode: c.periode ?? '2026-11', origine: 'extrait',
  }).returning(sql<string>`id::text`.as('id')).executeTakeFirstOrThrow();
  return row.id;
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
