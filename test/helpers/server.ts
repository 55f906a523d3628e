import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ensureDemoAccounts, openSession, DEMO_ACCOUNTS } from '../../src/accounts/index.ts';
import { readConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/index.ts';
import { buildServer, type Server } from '../../src/server/app.ts';
import { SESSION_COOKIE } from '../../src/server/access.ts';
import { freshDatabase } from './database.ts';

export interface TestServer extends Server { database: Database; close(): Promise<void> }

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const database = await freshDatabase();
  await ensureDemoAccounts(database.db);
  // Files the server writes (uploads, packages) go to a throwaway folder, never to the repository's var/.
  const dataDir = env.PASSERELLE_DOSSIER_DONNEES ? undefined : await mkdtemp(join(tmpdir(), 'passerelle-test-data-'));
  const server = await buildServer(database, readConfig({ PASSERELLE_CONNEXION_DEBIT: '1000', ...(dataDir ? { PASSERELLE_DOSSIER_DONNEES: dataDir } : {}), ...env }));
  await server.app.ready();
  return {
    ...server, database,
    close: async () => {
      await server.app.close();
      await database.drop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Credentials { cookie: string; csrf: string; headers: Record<string, string> }

/** Opens a session for a demo account without going through the password check (fast, for matrices). */
export async function sessionFor(database: Database, email: string): Promise<Credentials> {
  const account = DEMO_ACCOUNTS.find((a) => a.email === email);
  if (!account) throw new Error(`unknown demo account ${email}`);
  const row = await database.db.selectFrom('comptes').select('id').where('email', '=', email).executeTakeFirstOrThrow();
  const session = await openSession(database.db, row.id);
  const cookie = `${SESSION_COOKIE}=${session.token}`;
  return { cookie, csrf: session.csrf, headers: { cookie, 'x-csrf-token': session.csrf } };
}

export async function loginThroughApi(app: FastifyInstance, email: string, password: string) {
  const response = await app.inject({ method: 'POST', url: '/api/session', payload: { email, motDePasse: password } });
  const setCookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
  return { response, cookie: setCookie ? `${SESSION_COOKIE}=${setCookie.value}` : undefined, csrf: response.json().csrfToken as string | undefined };
}
