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
  signalant_chtoulon: 'signalant.chtoulon@passerelle.test',
} as const;
type Persona = keyof typeof PERSONAS;

interface Case {
  request: (ctx: { targetId: string; version: () => Promise<number>; n: number }) => { payload?: unknown; url?: string; contentType?: string };
  allowed: Persona[] | 'all';
  /** Statuses other than 403 for authenticated personas refused by organisation (a foreign account is "not found"). */
  refused?: Partial<Record<Persona, number>>;
  /** For allowed personas, the exact status expected when the request names an object that does not exist (404) or is incomplete (400): it passed the access check. */
  allowedStatus?: number;
}

const ANY_SIGNED_IN: Persona[] = ['agent_ces83', 'echanges_caf83', 'pilote_cpam83', 'pilote_national', 'dpo_cpam83', 'admin_caf83', 'admin_cpam83', 'admin_national', 'signalant_chtoulon'];

const ORIENTATION = { reponses: { codePostal: '83000', enfants: 'chez_moi', pension: 'impayee', ressources: 'aucune', logement: 'demenage' } };

/** One line per route; the test fails when a route exists without a line here. */
const MATRIX: Record<string, Case> = {
  'GET /api/health': { request: () => ({}), allowed: 'all' },
  'GET /api/libelles': { request: () => ({}), allowed: 'all' },
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
  // Channels (src/server/routes/mail.ts): offer by e-mail and letter for agents, the outbox for administrators, the opposition link for anyone.
  'POST /api/courriels/contacts/:id': { request: () => ({ url: '/api/courriels/contacts/999999999', payload: {} }), allowed: ['agent_ces83'], allowedStatus: 404 },
  'POST /api/courriers/contacts/:id': { request: () => ({ url: '/api/courriers/contacts/999999999', payload: {} }), allowed: ['agent_ces83'], allowedStatus: 404 },
  'GET /api/courriers/publipostage': { request: () => ({ url: '/api/courriers/publipostage?programme=aidants&mois=2026-11' }), allowed: ['agent_ces83'] },
  'POST /api/courriers/publipostage': { request: () => ({ payload: { programme: 'aidants', mois: '2026-11' } }), allowed: ['agent_ces83'], allowedStatus: 409 },
  'GET /api/courriels': { request: () => ({}), allowed: ['admin_caf83', 'admin_cpam83', 'admin_national'] },
  'GET /api/courriels/:id': { request: () => ({ url: '/api/courriels/00000000-0000-4000-8000-000000000000' }), allowed: ['admin_caf83', 'admin_cpam83', 'admin_national'], allowedStatus: 404 },
  'GET /api/opposition/:jeton': { request: () => ({ url: '/api/opposition/1-AAAAAAAAAAAAAAAAAAAAAA' }), allowed: 'all', allowedStatus: 404 },
  'POST /api/opposition/:jeton': { request: () => ({ url: '/api/opposition/1-AAAAAAAAAAAAAAAAAAAAAA' }), allowed: 'all', allowedStatus: 404 },
  'POST /api/courriels/campagnes/separation': {
    request: () => ({ payload: { mois: '2026-11', canal: 'auto', fichiers: { caf_separations: '00000000-0000-4000-8000-000000000000', caf_allocataires: '00000000-0000-4000-8000-000000000001' } } }),
    allowed: ['echanges_caf83'], allowedStatus: 400,
  },
  'GET /api/courriels/campagnes/separation/:id': {
    request: () => ({ url: '/api/courriels/campagnes/separation/00000000-0000-4000-8000-000000000000' }), allowed: ['echanges_caf83'], allowedStatus: 404,
  },
  // Inbox between instances (src/server/routes/inbox.ts): public, the caller is authenticated by the package's signature (test/integration/inbox.test.ts).
  'POST /api/boite/:organisation/paquets': {
    request: () => ({ url: '/api/boite/inconnu-99/paquets', payload: 'x', contentType: 'application/octet-stream' }), allowed: 'all', allowedStatus: 404,
  },
  // Exchange officer (src/server/routes/exchange.ts): actions for charge_echanges, reading for administrators too.
  'GET /api/echanges/programmes': { request: () => ({}), allowed: ['echanges_caf83', 'admin_caf83', 'admin_cpam83', 'admin_national'] },
  'POST /api/echanges/televersements': {
    request: () => ({ url: '/api/echanges/televersements?usage=extrait', payload: 'a;b\n1;2\n', contentType: 'application/octet-stream' }),
    allowed: ['echanges_caf83'],
  },
  'POST /api/echanges/cycles': { request: () => ({ payload: { programme: 'aidants', mois: '2026-11', fichiers: {} } }), allowed: ['echanges_caf83'], allowedStatus: 400 },
  'GET /api/echanges/cycles': { request: () => ({}), allowed: ['echanges_caf83', 'admin_caf83', 'admin_cpam83', 'admin_national'] },
  'GET /api/echanges/cycles/:id': { request: () => ({}), allowed: ['echanges_caf83', 'admin_caf83', 'admin_cpam83', 'admin_national'], allowedStatus: 404 },
  'GET /api/echanges/cycles/:id/rapport.csv': { request: () => ({}), allowed: ['echanges_caf83', 'admin_caf83', 'admin_cpam83', 'admin_national'], allowedStatus: 404 },
  'GET /api/echanges/paquets': { request: () => ({}), allowed: ['echanges_caf83', 'admin_caf83', 'admin_cpam83', 'admin_national'] },
  'GET /api/echanges/paquets/:id/fichiers/:fichier': {
    request: ({ targetId }) => ({ url: `/api/echanges/paquets/${targetId}/fichiers/manifeste` }),
    allowed: ['echanges_caf83', 'admin_caf83', 'admin_cpam83', 'admin_national'], allowedStatus: 404,
  },
  'POST /api/echanges/imports': { request: () => ({ payload: { televersements: ['00000000-0000-4000-8000-000000000000'] } }), allowed: ['echanges_caf83'], allowedStatus: 400 },
  'POST /api/echanges/accuses': { request: () => ({ payload: { televersement: '00000000-0000-4000-8000-000000000000' } }), allowed: ['echanges_caf83'], allowedStatus: 400 },
  // Processing register and destruction records (src/server/routes/register.ts): DPO and administrators.
  'GET /api/registre': { request: () => ({}), allowed: ['dpo_cpam83', 'admin_caf83', 'admin_cpam83', 'admin_national'] },
  'GET /api/registre.csv': { request: () => ({}), allowed: ['dpo_cpam83', 'admin_caf83', 'admin_cpam83', 'admin_national'] },
  'GET /api/registre/destructions': { request: () => ({}), allowed: ['dpo_cpam83', 'admin_caf83', 'admin_cpam83', 'admin_national'] },
  'GET /api/registre/destructions.csv': { request: () => ({}), allowed: ['dpo_cpam83', 'admin_caf83', 'admin_cpam83', 'admin_national'] },
  // Local conventions (src/server/routes/conventions.ts): read by the two parties' accounts, managed by their administrators.
  'GET /api/conventions': { request: () => ({}), allowed: ANY_SIGNED_IN },
  'GET /api/conventions/modeles': { request: () => ({}), allowed: ['admin_caf83', 'admin_cpam83', 'admin_national'] },
  'GET /api/conventions/verification': { request: () => ({ url: '/api/conventions/verification?programme=aidants' }), allowed: ['echanges_caf83', 'admin_caf83', 'admin_cpam83', 'admin_national'] },
  'GET /api/conventions/:id': { request: () => ({}), allowed: ANY_SIGNED_IN, allowedStatus: 404 },
  'POST /api/conventions': {
    request: () => ({ payload: { programme: 'aidants', expediteur: 'caf-83', destinataire: 'cpam-83', champs: ['email'], dateDebut: '2026-12-01' } }),
    allowed: ['admin_caf83', 'admin_cpam83'],
  },
  'POST /api/conventions/:id/signature': { request: () => ({ payload: {} }), allowed: ['admin_caf83', 'admin_cpam83', 'admin_national'], allowedStatus: 404 },
  'POST /api/conventions/:id/avenants': { request: () => ({ payload: { date: '2026-12-01', objet: 'test', champs: ['email'] } }), allowed: ['admin_caf83', 'admin_cpam83', 'admin_national'], allowedStatus: 404 },
  'POST /api/conventions/:id/denonciation': { request: () => ({ payload: {} }), allowed: ['admin_caf83', 'admin_cpam83', 'admin_national'], allowedStatus: 404 },
  // Outreach worklists (src/server/routes/outreach.ts): agents of the holding or an attached organisation only; pilots never read people.
  'GET /api/listes': { request: () => ({}), allowed: ['agent_ces83'] },
  'GET /api/listes/agents': { request: () => ({}), allowed: ['agent_ces83'] },
  'GET /api/listes/a-faire': { request: () => ({}), allowed: ['agent_ces83'] },
  'GET /api/listes/contacts/:id': { request: () => ({ url: '/api/listes/contacts/999999999' }), allowed: ['agent_ces83'], allowedStatus: 404 },
  'POST /api/listes/contacts/:id/evenements': {
    request: () => ({ url: '/api/listes/contacts/999999999/evenements', payload: { code: 'appel_joint', version: 0 } }), allowed: ['agent_ces83'], allowedStatus: 404,
  },
  'POST /api/listes/attributions': { request: () => ({ payload: { contacts: [], agent: null } }), allowed: ['agent_ces83'] },
  'PATCH /api/listes/orientations/:id': { request: () => ({ url: '/api/listes/orientations/999999999', payload: { statut: 'acceptee', version: 0 } }), allowed: ['agent_ces83'], allowedStatus: 404 },
  'POST /api/listes/cloture': { request: () => ({ payload: { organisation: 'cpam-83', programme: 'aidants', mois: '2026-11' } }), allowed: ['agent_ces83'] },
  'POST /api/listes/resultats': {
    request: () => ({ url: '/api/listes/resultats?organisation=cpam-83', payload: 'pseudonyme;date;evenement;detail\n', contentType: 'text/csv' }), allowed: ['agent_ces83'],
  },
  // indicators: pilots only (a local pilot sees their organisation by default, the national pilot the whole country)
  'GET /api/indicateurs/options': { request: () => ({}), allowed: ['pilote_cpam83', 'pilote_national'] },
  'GET /api/indicateurs/entonnoir': { request: () => ({ url: '/api/indicateurs/entonnoir?programme=aidants&mois=2026-11' }), allowed: ['pilote_cpam83', 'pilote_national'] },
  'GET /api/indicateurs/tendance': { request: () => ({ url: '/api/indicateurs/tendance?programme=aidants&mois=2026-01&au=2026-11' }), allowed: ['pilote_cpam83', 'pilote_national'] },
  'GET /api/indicateurs/entonnoir.csv': { request: () => ({ url: '/api/indicateurs/entonnoir.csv?programme=aidants&mois=2026-11' }), allowed: ['pilote_cpam83', 'pilote_national'] },
  'GET /api/indicateurs/entonnoir.xlsx': { request: () => ({ url: '/api/indicateurs/entonnoir.xlsx?programme=aidants&mois=2026-11' }), allowed: ['pilote_cpam83', 'pilote_national'] },
  // Signalements (src/server/routes/signalements.ts): a health establishment's signalant accounts only.
  'POST /api/signalements': { request: () => ({ payload: {} }), allowed: ['signalant_chtoulon'], allowedStatus: 400 },
  'GET /api/signalements': { request: () => ({}), allowed: ['signalant_chtoulon'] },
  'POST /api/signalements/fichier': { request: () => ({ payload: 'a;b\n1;2\n', contentType: 'application/octet-stream' }), allowed: ['signalant_chtoulon'], allowedStatus: 400 },
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
          if (spec.allowedStatus) expect(res.statusCode, res.body).toBe(spec.allowedStatus);
          else expect(res.statusCode, res.body).toBeLessThan(300);
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
