import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, MAX_LOGIN_FAILURES } from '../../src/accounts/index.ts';
import { verifyAuditChain } from '../../src/privacy/index.ts';
import { ENGINE } from '../helpers/database.ts';
import { loginThroughApi, sessionFor, startTestServer, type TestServer } from '../helpers/server.ts';

describe(`API (${ENGINE})`, () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer(); });
  afterAll(async () => { await server.close(); });
  const inject = (options: import('fastify').InjectOptions) => server.app.inject(options);

  it('reports health with the database kind and schema version', async () => {
    const res = await inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', database: ENGINE, schemaVersion: expect.stringMatching(/^\d{8}_\d{4}_/) });
  });

  it('gives the labels of the roles and of a person\'s fields (GET /api/libelles, public)', async () => {
    const res = await inject({ method: 'GET', url: '/api/libelles' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { roles: { code: string; libelle: string }[]; champs: Record<string, string> };
    expect(body.roles.map((r) => r.code)).toEqual(['agent', 'charge_echanges', 'pilote_local', 'pilote_national', 'dpo', 'administrateur', 'signalant']);
    expect(body.roles[0]).toEqual({ code: 'agent', libelle: "Agent d'accompagnement" });
    expect(body.champs.code_postal).toBe('Code postal');
  });

  describe('postal-code lookup', () => {
    it('gives Dunkerque and the CPAM des Flandres for 59140', async () => {
      const res = await inject({ method: 'GET', url: '/api/territoires/code-postal/59140' });
      expect(res.statusCode).toBe(200);
      expect(res.json().communes).toEqual([expect.objectContaining({
        code: '59183', nom: 'Dunkerque',
        caf: { code: 'caf-59', nom: 'Caf du Nord' },
        cpam: { code: 'cpam-59-flandres', nom: 'CPAM des Flandres' },
        carsat: { code: 'carsat-hauts-de-france', nom: 'Carsat Hauts-de-France' },
      })]);
    });

    it('gives Toulon, the Caf du Var and the CPAM du Var for 83000', async () => {
      const body = (await inject({ method: 'GET', url: '/api/territoires/code-postal/83000' })).json();
      expect(body.communes).toEqual([expect.objectContaining({
        nom: 'Toulon', caf: { code: 'caf-83', nom: 'Caf du Var' }, cpam: { code: 'cpam-83', nom: 'CPAM du Var' },
        carsat: { code: 'carsat-sud-est', nom: 'Carsat Sud-Est' },
      })]);
    });

    it('lists every commune of a shared postal code, each with its own CPAM when Nord splits them', async () => {
      const body = (await inject({ method: 'GET', url: '/api/territoires/code-postal/59100' })).json();
      expect(body.communes.map((c: { nom: string }) => c.nom)).toContain('Roubaix');
      expect(body.communes.find((c: { nom: string }) => c.nom === 'Roubaix').cpam.code).toBe('cpam-59-roubaix-tourcoing');
      const lens = (await inject({ method: 'GET', url: '/api/territoires/code-postal/62300' })).json();
      expect(lens.communes.find((c: { nom: string }) => c.nom === 'Lens').cpam.code).toBe('cpam-62-artois');
      const ajaccio = (await inject({ method: 'GET', url: '/api/territoires/code-postal/20000' })).json();
      expect(ajaccio.communes[0]).toMatchObject({ nom: 'Ajaccio', caf: { code: 'caf-2A' }, carsat: { code: 'carsat-sud-est' } });
      const mende = (await inject({ method: 'GET', url: '/api/territoires/code-postal/48000' })).json();
      expect(mende.communes.find((c: { nom: string }) => c.nom === 'Mende')).toMatchObject({ caf: { code: 'ccss-48' }, cpam: { code: 'ccss-48' } });
      const fdf = (await inject({ method: 'GET', url: '/api/territoires/code-postal/97200' })).json();
      expect(fdf.communes[0]).toMatchObject({ caf: { code: 'caf-972' }, cpam: { code: 'cgss-972' }, carsat: { code: 'cgss-972' } });
    });

    it('answers 400 for a malformed code and 404 for an unknown one, in French', async () => {
      const bad = await inject({ method: 'GET', url: '/api/territoires/code-postal/83A00' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().erreur).toMatch(/5 chiffres/);
      const unknown = await inject({ method: 'GET', url: '/api/territoires/code-postal/00000' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().erreur).toMatch(/Aucune commune/);
    });
  });

  describe('sessions', () => {
    it('logs in with a demo account, returns the account and a CSRF token, and logs out', async () => {
      const { response, cookie, csrf } = await loginThroughApi(server.app, 'agent.ces83@passerelle.test', DEMO_PASSWORD);
      expect(response.statusCode).toBe(200);
      expect(response.json().compte).toMatchObject({ roles: ['agent'], organisation: { code: 'ces-83' } });
      const setCookie = String(response.headers['set-cookie']);
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/Secure/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      const me = await inject({ method: 'GET', url: '/api/session', headers: { cookie: cookie! } });
      expect(me.json()).toMatchObject({ compte: { email: 'agent.ces83@passerelle.test' }, csrfToken: csrf });
      expect((await inject({ method: 'DELETE', url: '/api/session', headers: { cookie: cookie! } })).statusCode).toBe(403);
      expect((await inject({ method: 'DELETE', url: '/api/session', headers: { cookie: cookie!, 'x-csrf-token': csrf! } })).statusCode).toBe(204);
      expect((await inject({ method: 'GET', url: '/api/session', headers: { cookie: cookie! } })).statusCode).toBe(401);
    });

    it('refuses a wrong password with the same message as an unknown account', async () => {
      const wrong = await loginThroughApi(server.app, 'pilote.caf83@passerelle.test', 'pas-le-bon-mot-de-passe');
      const unknown = await loginThroughApi(server.app, 'personne@passerelle.test', 'pas-le-bon-mot-de-passe');
      expect(wrong.response.statusCode).toBe(401);
      expect(unknown.response.statusCode).toBe(401);
      expect(wrong.response.json().erreur).toBe(unknown.response.json().erreur);
      expect(wrong.cookie).toBeUndefined();
    });

    it(`locks an e-mail from one address after ${MAX_LOGIN_FAILURES} failures, the same way for a real and an unknown account, and not from another address`, async () => {
      const from = (email: string, password: string, remoteAddress: string) =>
        server.app.inject({ method: 'POST', url: '/api/session', payload: { email, motDePasse: password }, remoteAddress });
      for (const email of ['agent.caf59@passerelle.test', 'inconnu.caf59@passerelle.test']) {
        for (let i = 0; i < MAX_LOGIN_FAILURES; i++) expect((await from(email, 'mauvais-mot-de-passe', '198.51.100.7')).statusCode).toBe(401);
      }
      const real = await from('agent.caf59@passerelle.test', DEMO_PASSWORD, '198.51.100.7');
      const unknown = await from('inconnu.caf59@passerelle.test', DEMO_PASSWORD, '198.51.100.7');
      expect(real.statusCode).toBe(429);
      expect(unknown.statusCode).toBe(429);
      expect(real.json()).toEqual(unknown.json());
      expect(real.json().erreur).toMatch(/bloquée pendant 15 minutes/);
      // a client cannot pretend to come from elsewhere: X-Forwarded-For is believed only from a configured proxy
      const forged = await server.app.inject({
        method: 'POST', url: '/api/session', payload: { email: 'agent.caf59@passerelle.test', motDePasse: DEMO_PASSWORD }, remoteAddress: '198.51.100.7',
        headers: { 'x-forwarded-for': '10.9.8.7' },
      });
      expect(forged.statusCode).toBe(429);
      // the owner, from their own address, is not locked out by someone else's attempts
      expect((await from('agent.caf59@passerelle.test', DEMO_PASSWORD, '203.0.113.9')).statusCode).toBe(200);
    });

    it('believes X-Forwarded-For from a configured reverse proxy only (PASSERELLE_PROXY_CONFIANCE)', async () => {
      const proxied = await startTestServer({ PASSERELLE_PROXY_CONFIANCE: '127.0.0.1' });
      try {
        const viaProxy = (client: string, password: string) => proxied.app.inject({
          method: 'POST', url: '/api/session', payload: { email: 'agent.caf59@passerelle.test', motDePasse: password }, remoteAddress: '127.0.0.1',
          headers: { 'x-forwarded-for': client },
        });
        for (let i = 0; i < MAX_LOGIN_FAILURES; i++) expect((await viaProxy('198.51.100.30', 'mauvais-mot-de-passe')).statusCode).toBe(401);
        // the client the proxy names is locked out; another client behind the same proxy is not
        expect((await viaProxy('198.51.100.30', DEMO_PASSWORD)).statusCode).toBe(429);
        expect((await viaProxy('203.0.113.60', DEMO_PASSWORD)).statusCode).toBe(200);
      } finally {
        await proxied.close();
      }
    });

    it('throttles login attempts per address', async () => {
      const throttled = await startTestServer({ PASSERELLE_CONNEXION_DEBIT: '3' });
      try {
        const codes = [];
        for (let i = 0; i < 5; i++) codes.push((await loginThroughApi(throttled.app, 'x@passerelle.test', 'y')).response.statusCode);
        expect(codes).toEqual([401, 401, 401, 429, 429]);
      } finally {
        await throttled.close();
      }
    });
  });

  describe('account administration', () => {
    it('lets an administrator create an account in their organisation, then edit it with optimistic locking', async () => {
      const admin = await sessionFor(server.database, 'admin.caf83@passerelle.test');
      const created = await inject({
        method: 'POST', url: '/api/comptes', headers: admin.headers,
        payload: { email: 'nouvel.agent@passerelle.test', nom: 'Nouvel Agent', organisationCode: 'caf-83', roles: ['agent'], motDePasse: 'un-mot-de-passe-long' },
      });
      expect(created.statusCode).toBe(201);
      const compte = created.json().compte;
      expect(compte).toMatchObject({ organisation: { code: 'caf-83' }, roles: ['agent'], version: 1 });
      const hash = await server.database.db.selectFrom('comptes').select('mot_de_passe_hash').where('id', '=', compte.id).executeTakeFirstOrThrow();
      expect(hash.mot_de_passe_hash).toMatch(/^\$argon2id\$/);

      const first = await inject({ method: 'PATCH', url: `/api/comptes/${compte.id}`, headers: admin.headers, payload: { version: 1, roles: ['agent', 'pilote_local'] } });
      expect(first.statusCode).toBe(200);
      expect(first.json().compte).toMatchObject({ roles: ['agent', 'pilote_local'], version: 2 });
      const stale = await inject({ method: 'PATCH', url: `/api/comptes/${compte.id}`, headers: admin.headers, payload: { version: 1, actif: false } });
      expect(stale.statusCode).toBe(409);
      expect(stale.json().erreur).toMatch(/modifié par quelqu’un d’autre/);

      const login = await loginThroughApi(server.app, 'nouvel.agent@passerelle.test', 'un-mot-de-passe-long');
      expect(login.response.statusCode).toBe(200);
    });

    it('reports each invalid field in French and refuses a duplicate e-mail', async () => {
      const admin = await sessionFor(server.database, 'admin.caf83@passerelle.test');
      const invalid = await inject({ method: 'POST', url: '/api/comptes', headers: admin.headers, payload: { email: 'pas-un-email', nom: '', organisationCode: 'caf-83', roles: [], motDePasse: 'court' } });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json().champs).toMatchObject({ email: 'Adresse e-mail invalide.', nom: 'Le nom est obligatoire.', roles: 'Choisissez au moins un rôle.' });
      const shortPassword = await inject({ method: 'POST', url: '/api/comptes', headers: admin.headers, payload: { email: 'a.b@passerelle.test', nom: 'A B', organisationCode: 'caf-83', roles: ['agent'], motDePasse: 'court' } });
      expect(shortPassword.json().champs.motDePasse).toMatch(/12 caractères/);
      const duplicate = await inject({ method: 'POST', url: '/api/comptes', headers: admin.headers, payload: { email: 'AGENT.CAF83@passerelle.test', nom: 'Doublon', organisationCode: 'caf-83', roles: ['agent'], motDePasse: 'un-mot-de-passe-long' } });
      expect(duplicate.statusCode).toBe(409);
      const nationalRole = await inject({ method: 'POST', url: '/api/comptes', headers: admin.headers, payload: { email: 'c.d@passerelle.test', nom: 'C D', organisationCode: 'caf-83', roles: ['pilote_national'], motDePasse: 'un-mot-de-passe-long' } });
      expect(nationalRole.json().champs.roles).toMatch(/non autorisé/);
    });

    it('keeps a local administrator inside their organisation; a national administrator sees all', async () => {
      const local = await sessionFor(server.database, 'admin.caf83@passerelle.test');
      const other = await inject({ method: 'POST', url: '/api/comptes', headers: local.headers, payload: { email: 'intrus@passerelle.test', nom: 'Intrus', organisationCode: 'cpam-83', roles: ['agent'], motDePasse: 'un-mot-de-passe-long' } });
      expect(other.statusCode).toBe(403);
      const list = (await inject({ method: 'GET', url: '/api/comptes', headers: local.headers })).json().comptes;
      expect(new Set(list.map((c: { organisation: { code: string } }) => c.organisation.code))).toEqual(new Set(['caf-83']));
      const cpamAccount = await server.database.db.selectFrom('comptes').select(['id', 'version']).where('email', '=', 'agent.ces83@passerelle.test').executeTakeFirstOrThrow();
      const patch = await inject({ method: 'PATCH', url: `/api/comptes/${cpamAccount.id}`, headers: local.headers, payload: { version: cpamAccount.version, actif: false } });
      expect(patch.statusCode).toBe(404);

      const national = await sessionFor(server.database, 'admin.national@passerelle.test');
      const all = (await inject({ method: 'GET', url: '/api/comptes', headers: national.headers })).json().comptes;
      expect(new Set(all.map((c: { organisation: { code: string } }) => c.organisation.code)).size).toBeGreaterThan(5);
      const orgs = (await inject({ method: 'GET', url: '/api/organisations', headers: national.headers })).json().organisations;
      expect(orgs.length).toBeGreaterThan(200);
    });
  });

  describe('competence corrections', () => {
    it('applies the valid rows of a CSV, reports each bad row with its line, and keeps corrections across reference reloads', async () => {
      const national = await sessionFor(server.database, 'admin.national@passerelle.test');
      const csv = 'commune;branche;organisation\n59183;cpam;cpam-59-lille-douai\n99999;cpam;cpam-83\n83137;cpam;caf-83\n83137;foo;cpam-83\n';
      const res = await inject({ method: 'POST', url: '/api/territoires/competences', headers: { ...national.headers, 'content-type': 'text/csv' }, payload: csv });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        appliquees: 1,
        rejetees: [
          { ligne: 3, raison: 'commune inconnue : « 99999 » (code INSEE attendu)' },
          { ligne: 4, raison: "l'organisation caf-83 (caf) ne peut pas être compétente pour la branche cpam" },
          { ligne: 5, raison: 'branche inconnue : « foo » (caf, cpam ou carsat)' },
        ],
        doublons: [],
      });
      const dunkerque = (await inject({ method: 'GET', url: '/api/territoires/code-postal/59140' })).json();
      expect(dunkerque.communes[0].cpam.code).toBe('cpam-59-lille-douai');
      const local = await sessionFor(server.database, 'admin.caf83@passerelle.test');
      const refused = await inject({ method: 'POST', url: '/api/territoires/competences', headers: { ...local.headers, 'content-type': 'text/csv' }, payload: csv });
      expect(refused.statusCode).toBe(403);
    });
  });

  describe('audit trail', () => {
    it('records logins and administrative changes without personal data, and the chain verifies', async () => {
      const rows = await server.database.db.selectFrom('journal_audit').select(['action', 'details', 'cible_type']).execute();
      const actions = new Set(rows.map((r) => r.action));
      for (const a of ['connexion', 'connexion_refusee', 'compte_cree', 'compte_modifie', 'deconnexion', 'competences_importees']) expect(actions).toContain(a);
      const text = JSON.stringify(rows);
      expect(text).not.toMatch(/@passerelle\.test/);
      expect(text).not.toMatch(/Nouvel Agent|mot-de-passe/);
      const check = await verifyAuditChain(server.database.db);
      expect(check).toMatchObject({ ok: true });
    });

    it('refuses updates and deletes, and verification finds a tampered entry', async () => {
      await expect(sql`UPDATE journal_audit SET action = 'x' WHERE id = 2`.execute(server.database.db)).rejects.toThrow(/ajout seul/);
      await expect(sql`DELETE FROM journal_audit WHERE id = 2`.execute(server.database.db)).rejects.toThrow(/ajout seul/);
      // an attacker with the owner's rights disables the trigger and edits an entry: the chain shows it
      await sql`ALTER TABLE journal_audit DISABLE TRIGGER journal_audit_no_update`.execute(server.database.db);
      await sql`UPDATE journal_audit SET details = '{"organisation":"cpam-83"}' WHERE id = 3`.execute(server.database.db);
      await sql`ALTER TABLE journal_audit ENABLE TRIGGER journal_audit_no_update`.execute(server.database.db);
      const check = await verifyAuditChain(server.database.db);
      expect(check).toMatchObject({ ok: false, brokenAt: '3' });
    });
  });
});
