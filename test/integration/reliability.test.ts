/**
 * Issue 10 on a real server and database: HTTP input hygiene, two agents assigning the same
 * person, ordered acknowledgements, formula neutralisation in the exports, and the destruction
 * that catches up (with the DPO's view of overdue records).
 */
import { createHash, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession } from '../../src/accounts/index.ts';
import { readConfig } from '../../src/config.ts';
import {
  currentGeneration, ensureExchangeSetup, exchangeRepository, recordAcknowledgement, signAcknowledgement,
} from '../../src/exchange/index.ts';
import { catchUpDestruction, DESTRUCTION_JOB, jobsRepository, startScheduledJobs } from '../../src/jobs/index.ts';
import { exportWorklist } from '../../src/outreach/index.ts';
import { recordAudit, verifyAuditChain } from '../../src/privacy/index.ts';
import { buildServer } from '../../src/server/app.ts';
import { SESSION_COOKIE } from '../../src/server/access.ts';
import { ENGINE } from '../helpers/database.ts';
import { until } from '../helpers/until.ts';
import { sessionFor, startTestServer, type Credentials, type TestServer } from '../helpers/server.ts';

const pseudo = (s: string) => createHash('sha256').update(s).digest('hex');
const SECRET = 'valeur-secrete-a-ne-pas-renvoyer';


describe(`reliability of the HTTP side, assignment, acknowledgements, exports and destruction (${ENGINE})`, () => {
  let server: TestServer;
  let agent: Credentials;
  beforeAll(async () => {
    server = await startTestServer();
    agent = await sessionFor(server.database, 'agent.ces83@passerelle.test');
  }, 120_000);
  afterAll(async () => { await server.close(); });

  describe('input hygiene', () => {
    const noEcho = (body: string) => {
      expect(body).not.toContain(SECRET);
      expect(body).not.toMatch(/\\u0000|\u0000/);
    };

    it('refuses a NUL byte in an anonymous login with 400 in French, never echoing the value', async () => {
      for (const payload of [{ email: `${SECRET}\u0000@x.fr`, motDePasse: 'abcdefghijkl' }, { email: 'agent.ces83@passerelle.test', motDePasse: `${SECRET}\u0000` }]) {
        const res = await server.app.inject({ method: 'POST', url: '/api/session', payload });
        expect(res.statusCode).toBe(400);
        expect(res.json().erreur).toMatch(/caractère interdit/);
        noEcho(res.body);
      }
    });

    it('refuses NUL, control characters and lone surrogates in a JSON body, the query and the path', async () => {
      const tries = [
        { method: 'POST' as const, url: '/api/listes/attributions', payload: `{"contacts":["1"],"agent":null,"vus":{"1\\u0007":null}}` },
        { method: 'POST' as const, url: '/api/listes/contacts/1/evenements', payload: `{"code":"appel_joint","detail":"${SECRET}\\u0000","version":1}` },
        { method: 'POST' as const, url: '/api/listes/contacts/1/evenements', payload: `{"code":"appel_joint","detail":"${SECRET}\\ud800","version":1}` },
        { method: 'GET' as const, url: `/api/listes?programme=${SECRET}%00` },
        { method: 'GET' as const, url: `/api/listes/contacts/1%00${SECRET}` },
        { method: 'GET' as const, url: `/api/listes?periode=%1B${SECRET}` },
      ];
      for (const t of tries) {
        const res = await server.app.inject({ ...t, headers: { ...agent.headers, ...(t.payload ? { 'content-type': 'application/json' } : {}) } });
        expect(res.statusCode, t.url).toBe(400);
        expect(res.json().erreur).toMatch(/caractère interdit/);
        noEcho(res.body);
      }
    });

    it('answers Fastify\'s own errors in French without echoing the URL or the body', async () => {
      const cases: [InjectOptions, number, RegExp][] = [
        [{ method: 'POST', url: '/api/session', headers: { 'content-type': 'application/json' }, payload: `{"email": "${SECRET}` }, 400, /JSON mal formé/],
        [{ method: 'POST', url: '/api/session', headers: { 'content-type': 'application/json' }, payload: '' }, 400, /vide/],
        [{ method: 'POST', url: '/api/session', headers: { 'content-type': 'application/xml' }, payload: `<a>${SECRET}</a>` }, 415, /Type de contenu non pris en charge/],
        [{ method: 'GET', url: `/api/listes/%E0%A4%A${SECRET}` }, 400, /Adresse invalide/],
        [{ method: 'POST', url: '/api/session', headers: { 'content-type': 'application/json' }, payload: `{"email":"${'a'.repeat(21 * 1024 * 1024)}"}` }, 413, /trop volumineuse/],
        [{ method: 'GET', url: `/api/inexistant/${SECRET}` }, 404, /n'existe pas/],
      ];
      for (const [request, status, message] of cases) {
        const res = await server.app.inject(request);
        expect(res.statusCode, String(request.url)).toBe(status);
        expect(res.json().erreur).toMatch(message);
        noEcho(res.body);
      }
    });

    it('answers a header too large (431) in French over a real socket', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'passerelle-431-'));
      const real = await buildServer(server.database, readConfig({ PASSERELLE_DOSSIER_DONNEES: dataDir }));
      await real.app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const port = (real.app.server.address() as { port: number }).port;
        const answer = await new Promise<string>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write(`GET /api/sante?${SECRET} HTTP/1.1\r\nHost: x\r\nX-Grand: ${'a'.repeat(40_000)}\r\n\r\n`);
          });
          let data = '';
          socket.on('data', (d) => { data += d; });
          socket.on('end', () => resolve(data));
          socket.on('error', reject);
        });
        expect(answer).toMatch(/^HTTP\/1\.1 431 /);
        expect(answer).toContain('En-têtes de requête trop volumineux.');
        expect(answer).not.toContain(SECRET);
      } finally {
        await real.app.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe('two agents assigning the same person', () => {
    let ids: string[];
    let other: Credentials;
    let me: string;
    let colleague: string;
    beforeAll(async () => {
      const db = server.database.db;
      me = (await db.selectFrom('comptes').select('id').where('email', '=', 'agent.ces83@passerelle.test').executeTakeFirstOrThrow()).id;
      colleague = (await sql<{ id: string }>`INSERT INTO comptes (email, nom, organisation_code, roles, mot_de_passe_hash)
        SELECT 'agent2.ces83@passerelle.test', 'Collègue (CES du Var)', organisation_code, roles, mot_de_passe_hash FROM comptes WHERE id = ${me} RETURNING id`.execute(db)).rows[0]!.id;
      const session = await openSession(db, colleague);
      const cookie = `${SESSION_COOKIE}=${session.token}`;
      other = { cookie, csrf: session.csrf, headers: { cookie, 'x-csrf-token': session.csrf } };
      const rows = Array.from({ length: 40 }, (_, i) => ({
        organisation_code: 'cpam-83', programme: 'aidants', paquet_id: null, periode: '2026-11', pseudonyme: pseudo(`attribution-${i}`), appelable: true,
        champs: JSON.stringify({ nom: 'Martin', prenom: 'Camille', code_postal: '83000' }), importe_le: new Date(), echeance: '2099-02-28',
      }));
      ids = (await db.insertInto('contacts').values(rows).returning(sql<string>`id::text`.as('id')).execute()).map((r) => r.id);
    });

    it('gives one person to only one of two concurrent agents; the other gets a French conflict', async () => {
      for (const id of ids.slice(0, 20)) {
        const [a, b] = await Promise.all([
          server.app.inject({ method: 'POST', url: '/api/listes/attributions', headers: agent.headers, payload: { contacts: [id], agent: me, vus: { [id]: null } } }),
          server.app.inject({ method: 'POST', url: '/api/listes/attributions', headers: other.headers, payload: { contacts: [id], agent: colleague, vus: { [id]: null } } }),
        ]);
        const statuses = [a.statusCode, b.statusCode].sort();
        expect(statuses).toEqual([200, 409]);
        const loser = a.statusCode === 409 ? a : b;
        expect(loser.json().erreur).toBe('Cette personne vient d’être attribuée à un autre agent : rechargez la liste pour voir qui la suit.');
        const winner = a.statusCode === 200 ? a : b;
        expect(winner.json()).toEqual({ attribues: 1, ignores: 0, conflits: 0 });
        const row = await server.database.db.selectFrom('contacts').select('agent_id').where('id', '=', id).executeTakeFirstOrThrow();
        expect(row.agent_id).toBe(a.statusCode === 200 ? me : colleague);
      }
    });

    it('in bulk, without saying what they saw: each person goes to exactly one agent, the rest are counted as conflicts', async () => {
      const batch = ids.slice(20);
      const [a, b] = await Promise.all([
        server.app.inject({ method: 'POST', url: '/api/listes/attributions', headers: agent.headers, payload: { contacts: batch, agent: me } }),
        server.app.inject({ method: 'POST', url: '/api/listes/attributions', headers: other.headers, payload: { contacts: batch, agent: colleague } }),
      ]);
      const assigned = [a, b].map((r) => (r.statusCode === 200 ? r.json().attribues as number : 0));
      expect(assigned[0]! + assigned[1]!).toBe(batch.length);
      for (const r of [a, b]) if (r.statusCode === 200) expect(r.json().attribues + r.json().conflits).toBe(batch.length);
      // a deliberate reassignment, from what the agent saw, still works
      const seen = (await server.database.db.selectFrom('contacts').select([sql<string>`id::text`.as('id'), 'agent_id']).where('id', '=', batch[0]!).executeTakeFirstOrThrow());
      const reassign = await server.app.inject({ method: 'POST', url: '/api/listes/attributions', headers: agent.headers, payload: { contacts: [batch[0]], agent: me, vus: { [batch[0]!]: seen.agent_id } } });
      expect(reassign.json()).toMatchObject({ attribues: 1 });
    });
  });

  describe('acknowledgements in order', () => {
    it('never lets a stale or replayed rejection flip an acknowledged package back to refused', async () => {
      const db = server.database.db;
      await ensureExchangeSetup(db);
      const convention = (await exchangeRepository.conventions(db, { expediteur: 'caf-83' }))[0]!.convention;
      const ring = (await exchangeRepository.keyring(db, convention.parties.destinataire))!;
      const pkg = async () => {
        const id = randomUUID();
        await db.insertInto('paquets').values({
          id, detenteur: 'caf-83', programme: convention.programmes[0] ?? 'aidants', convention: convention.id, expediteur: 'caf-83', destinataire: convention.parties.destinataire,
          periode: '2026-11', nom: `test_${id}`, statut: 'envoye', nombre_enregistrements: 10, nombre_importes: null, cree_le: new Date(), envoye_le: new Date(),
          accuse_le: null, importe_le: null, detruit_le: null, accuse: null, motif: null,
        } as never).execute();
        return id;
      };
      const ack = (paquet: string, statut: 'importe' | 'rejete', date: string) => signAcknowledgement({
        paquet, expediteur: 'caf-83', destinataire: convention.parties.destinataire, recus: 10, importes: statut === 'importe' ? 10 : 0, statut,
        ...(statut === 'rejete' ? { motif: 'rejeu' } : {}), date: new Date(date),
      }, currentGeneration(ring).signature);
      const status = async (id: string) => (await db.selectFrom('paquets').select(['statut', 'nombre_importes']).where('id', '=', id).executeTakeFirstOrThrow());

      const first = await pkg();
      const stale = ack(first, 'rejete', '2026-11-28T09:00:00Z');
      expect((await recordAcknowledgement(db, ack(first, 'importe', '2026-11-28T10:00:00Z'))).perime).toBe(false);
      expect(await status(first)).toEqual({ statut: 'acquitte', nombre_importes: 10 });
      expect((await recordAcknowledgement(db, stale)).perime).toBe(true); // older: ignored, and said so
      expect((await status(first)).statut).toBe('acquitte');
      await recordAcknowledgement(db, ack(first, 'rejete', '2026-11-29T10:00:00Z')); // later rejection of an imported package: a replay
      expect(await status(first)).toEqual({ statut: 'acquitte', nombre_importes: 10 });

      const second = await pkg();
      const refusal = ack(second, 'rejete', '2026-11-28T09:00:00Z');
      await recordAcknowledgement(db, refusal);
      expect((await status(second)).statut).toBe('refuse');
      await recordAcknowledgement(db, ack(second, 'importe', '2026-11-30T09:00:00Z')); // resent and imported later
      await recordAcknowledgement(db, refusal); // the old refusal comes again
      expect(await status(second)).toEqual({ statut: 'acquitte', nombre_importes: 10 });
      const ignored = await db.selectFrom('journal_audit').select('details').where('action', '=', 'echange.accuse').where('cible_id', 'in', [first, second]).execute();
      expect(ignored.filter((r) => (typeof r.details === 'string' ? JSON.parse(r.details) : r.details).ignore === 'accuse_perime')).toHaveLength(3);
    });
  });

  describe('formula injection neutralised in the exports', () => {
    it('in the worklist export (the recipient\'s CSV of the people received)', async () => {
      const db = server.database.db;
      await db.insertInto('contacts').values({
        organisation_code: 'cpam-83', programme: 'aidants', paquet_id: null, periode: '2026-10', pseudonyme: pseudo('formule'), appelable: true,
        champs: JSON.stringify({ nom: '=HYPERLINK("http://x")', prenom: '+33 6 12', email: '@SUM(A1)', telephone: '-1', code_postal: '\t83000' }),
        importe_le: new Date(), echeance: '2099-01-31',
      }).execute();
      let out = '';
      const r = await exportWorklist(db, { organisation: 'cpam-83', programme: 'aidants', mois: '2026-10', write: (c) => { out += c; } });
      expect(r.ok).toBe(true);
      const line = out.split('\n')[1]!;
      expect(line).toContain(`"'=HYPERLINK(""http://x"")"`);
      expect(line).toContain(`'+33 6 12`);
      expect(line).not.toMatch(/(^|;)[=+\-@\t]/);
    });

    it('in the destruction records CSV of the DPO', async () => {
      await recordAudit(server.database.db, {
        action: 'conservation.destruction', acteur: { compteId: null, organisation: 'cpam-83' }, cible: { type: 'liste', id: 'cpam-83/x' },
        details: { programme: '-2+3', paquet: null, nombre: 1, empreinteSha256: '@x', echeance: '2026-01-01', date: '2026-01-02' },
      });
      const dpo = await sessionFor(server.database, 'dpo.cpam83@passerelle.test');
      const res = await server.app.inject({ method: 'GET', url: '/api/registre/destructions.csv', headers: dpo.headers });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(";'-2+3;");
      expect(res.body).toContain(";'@x;");
    });
  });

  describe('destruction catches up', () => {
    it('shows the DPO the overdue records, destroys them at start, then shows the last run', async () => {
      const db = server.database.db;
      const past = Array.from({ length: 12 }, (_, i) => ({
        organisation_code: 'cpam-83', programme: 'aidants', paquet_id: null, periode: '2026-09', pseudonyme: pseudo(`echu-${i}`), appelable: true,
        champs: JSON.stringify({ nom: 'Durand' }), importe_le: new Date('2026-09-10'), echeance: i < 4 ? '2026-10-01' : '2026-11-15',
      }));
      await db.insertInto('contacts').values(past).execute();
      const dpo = await sessionFor(server.database, 'dpo.cpam83@passerelle.test');
      const before = (await server.app.inject({ method: 'GET', url: '/api/registre/destructions', headers: dpo.headers })).json();
      expect(before.retard).toEqual({ nombre: 12, plusAncienneEcheance: '2026-10-01' });
      expect(before.derniereExecution).toBeNull();

      const dataDir = await mkdtemp(join(tmpdir(), 'passerelle-destruction-'));
      const jobs = await startScheduledJobs(server.database, { depotDir: join(dataDir, 'depot'), outboxDir: join(dataDir, 'sortie'), dataDir }, { pollingIntervalSeconds: 0.5 });
      try {
        const id = await catchUpDestruction(jobs);
        expect(id).not.toBeNull();
        const run = await until(async () => (await jobsRepository.recentRuns(db, { tache: DESTRUCTION_JOB })).find((r) => r.fileId === id && r.statut !== 'en_cours'));
        expect(run.statut).toBe('reussie');
        expect(run.message).toMatch(/^12 contact\(s\) détruit\(s\)/);
      } finally {
        await jobs.stop();
      }
      const after = (await server.app.inject({ method: 'GET', url: '/api/registre/destructions', headers: dpo.headers })).json();
      expect(after.retard).toEqual({ nombre: 0, plusAncienneEcheance: null });
      expect(after.derniereExecution).toMatchObject({ statut: 'reussie', message: expect.stringMatching(/12 contact/) });
      // the destruction record carries the signed head; the run anchored it in the table and the data folder
      const record = await db.selectFrom('journal_audit').select('details').where('action', '=', 'conservation.destruction').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      expect((typeof record.details === 'string' ? JSON.parse(record.details) : record.details).ancre).toMatchObject({ tete: { nombre: expect.any(Number) }, signature: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(await db.selectFrom('journal_audit_ancres').select('source').where('source', '=', 'destruction').execute()).toHaveLength(1);
      expect(await verifyAuditChain(db, { dataDir })).toMatchObject({ ok: true });
      await rm(dataDir, { recursive: true, force: true });
    });
  });

});
