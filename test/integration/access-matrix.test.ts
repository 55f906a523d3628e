import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/accounts/index.ts';
import { ENGINE } from '../helpers/database.ts';
import { sessionFor, startTestServer, type Credentials, type TestServer } from '../helpers/server.ts';

/** Who calls: anonymous, one demo account per role, administrators of two organisations and a national one. */
const PERSONAS = {
  anonyme: null,
  agent_ces83: 'agent.ces83@passerelle.test',
  echanges_caf83: 'echanges.caf83@passerelle.test',
  pilote_cpam83: 'pilote.cpam83@passerelle.test',
  pilote_national: 'pilote.cnam@passerelle.test',
  dpo_cpam83: 'dpo.cpam83@passerelle.test',
  admin_caf83: 'admin.caf83@passerelle.test',
  admin_cpam83: 'admin.cpam83@passerelle.test',
  admin_national: 'admin.national@passerelle.test',
} as const;
type Persona = keyof typeof PERSONAS;

interface Case {
  request: (ctx: { targetId: string; version: () => Promise<number>; n: number }) => { payload?: unknown; url?: string; contentType?: string };
  allowed: Persona[] | 'all';
  /** Statuses other than 403 for authenticated personas refused by organisation (a foreign account is "not found"). */
  refused?: Partial<Record<Persona, number>>;
}

const ANY_SIGNED_IN: Persona[] = ['agent_ces83', 'echanges_caf83', 'pilote_cpam83', 'pilote_national', 'dpo_cpam83', 'admin_caf83', 'admin_cpam83', 'admin_national'];

const ORIENTATION = { reponses: { codePostal: '83000', enfants: 'chez_moi', pension: 'impayee', ressources: 'aucune', logement: 'demenage' } };

/** One line per route; the test fails when a route exists without a line here. */
const MATRIX: Record<string, Case> = {
  'GET /api/health': { request: () => ({}), allowed: 'all' },
  'GET /api/territoires/code-postal/:cp': { request: () => ({ url: '/api/territoires/code-postal/83000' }), allowed: 'all' },
  'POST /api/session': { request: () => ({ payload: { email: 'agent.carsatsudest@passerelle.test', motDePasse: DEMO_PASSWORD } }), allowed: 'all' },
  'GET /api/session': { request: () => ({}), allowed: ANY_SIGNED_IN },
  'DELETE /api/session': { request: () => ({}), allowed: ANY_SIGNED_IN },
  'GET /api/comptes': { request: () => ({}), allowed: ['admin_caf83', 'admin_cpam83', 'admin_national'] },
  'GET /api/organisations': { request: () => ({}), allowed: ['admin_caf83', 'admin_cpam83', 'admin_national'] },
  'POST /api/comptes': {
    request: ({ n }) => ({ payload: { email: `matrice.${n}@passerelle.test`, nom: 'Compte de test', organisationCode: 'caf-83', roles: ['agent'], motDePasse: 'un-mot-de-passe-long' } }),
    allowed: ['admin_caf83', 'admin_national'],
  },
  'PATCH /api/comptes/:id': {
    request: () => ({}), // built in the test: needs the account's current version
    allowed: ['admin_caf83', 'admin_national'],
    refused: { admin_cpam83: 404 },
  },
  'POST /api/territoires/competences': {
    request: () => ({ payload: 'commune;branche;organisation\n83137;cpam;cpam-83\n', contentType: 'text/csv' }),
    allowed: ['admin_national'],
  },
  'GET /api/audit/verification': { request: () => ({}), allowed: ['dpo_cpam83', 'admin_caf83', 'admin_cpam83', 'admin_national'] },
  'GET /api/orientation': { request: () => ({}), allowed: 'all' },
  'GET /api/orientation/catalogue': { request: () => ({}), allowed: ['admin_caf83', 'admin_cpam83', 'admin_national'] },
  'POST /api/orientation/:parcours': { request: () => ({ url: '/api/orientation/separation', payload: ORIENTATION }), allowed: 'all' },
  'POST /api/orientation/:parcours/checklist.pdf': { request: () => ({ url: '/api/orientation/separation/checklist.pdf', payload: ORIENTATION }), allowed: 'all' },
  'POST /api/orientation/:parcours/entretien.pdf': { request: () => ({ url: '/api/orientation/separation/entretien.pdf', payload: ORIENTATION }), allowed: ['agent_ces83'] },
};

describe(`access matrix over every route (${ENGINE})`, () => {
  let server: TestServer;
  const credentials = new Map<Persona, Credentials | null>();
  let targetId: string;

  beforeAll(async () => {
    server = await startTestServer();
    for (const [persona, email] of Object.entries(PERSONAS)) credentials.set(persona as Persona, email ? await sessionFor(server.database, email) : null);
    targetId = (await server.database.db.selectFrom('comptes').select('id').where('email', '=', 'pilote.caf83@passerelle.test').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => { await server.close(); });

  it('has a line for every registered route', () => {
    const registered = server.routes.map((r) => `${r.method} ${r.url}`).sort();
    expect(registered).toEqual(Object.keys(MATRIX).sort());
  });

  let n = 0;
  for (const [route, spec] of Object.entries(MATRIX)) {
    for (const persona of Object.keys(PERSONAS) as Persona[]) {
      const allowed = spec.allowed === 'all' || spec.allowed.includes(persona);
      const expected = allowed ? 'allowed' : persona === 'anonyme' ? 401 : (spec.refused?.[persona] ?? 403);
      it(`${route} as ${persona} → ${expected}`, async () => {
        const [method, template] = route.split(' ') as [string, string];
        const url = template.replace(':id', targetId);
        let req: { payload?: unknown; url?: string; contentType?: string };
        if (route === 'PATCH /api/comptes/:id') {
          const current = await server.database.db.selectFrom('comptes').select('version').where('id', '=', targetId).executeTakeFirstOrThrow();
          req = { payload: { version: current.version, nom: 'Paule Pilote' } };
        } else {
          req = spec.request({ targetId, version: async () => 0, n: n++ });
        }
        const creds = credentials.get(persona);
        // logging out would end the persona's session for the other lines: use a throwaway session
        const session = route === 'DELETE /api/session' && creds ? await sessionFor(server.database, PERSONAS[persona]!) : creds;
        const res = await server.app.inject({
          method: method as 'GET',
          url: req.url ?? url,
          headers: { ...(session?.headers ?? {}), ...(req.contentType ? { 'content-type': req.contentType } : {}) },
          ...(req.payload !== undefined ? { payload: req.payload as string } : {}),
        });
        if (expected === 'allowed') {
          expect([401, 403], `${res.statusCode} ${res.body}`).not.toContain(res.statusCode);
          expect(res.statusCode, res.body).toBeLessThan(300);
        } else {
          expect(res.statusCode, res.body).toBe(expected);
          expect(res.json().erreur).toMatch(/\w/);
        }
      });
    }
  }

  it('refuses a state-changing request without the CSRF token, whatever the role', async () => {
    const admin = credentials.get('admin_national')!;
    const res = await server.app.inject({ method: 'POST', url: '/api/comptes', headers: { cookie: admin.cookie }, payload: {} });
    expect(res.statusCode).toBe(403);
    expect(res.json().erreur).toMatch(/CSRF/);
  });
});
