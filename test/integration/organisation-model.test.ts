/**
 * The two disagreements issue 11 found between copies of the organisation-type → branch mapping,
 * now answered by the one model of src/territories (docs/adr/0005-one-organisation-model-and-policy.md):
 * - a CSS agent (Mayotte) saw the Assurance Maladie's offers first on screen and the Caf's first in
 *   the interview PDF;
 * - a CGSS exchange officer was offered the Caf's programmes, for which territories says a CGSS is
 *   not competent (the Caf of La Réunion is a separate caisse);
 * and a third the same fix corrected: the partner organisation of an orientation (outreach).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/accounts/index.ts';
import { loadProgrammes } from '../../src/programmes/index.ts';
import { ENGINE } from '../helpers/database.ts';
import { loginThroughApi, startTestServer, type TestServer } from '../helpers/server.ts';
import { pdfText } from '../helpers/tools.ts';

const PASSWORD = 'un-mot-de-passe-assez-long';
const SEPARATION_MAYOTTE = { codePostal: '97600', commune: '97610', enfants: 'chez_moi', pension: 'impayee', ressources: 'aucune', logement: 'demenage' };


describe(`one organisation model: screen and PDF, exchange and territories agree (${ENGINE})`, () => {
  let server: TestServer;
  const headersOf = async (email: string, organisationCode: string, roles: ('agent' | 'charge_echanges' | 'dpo')[]) => {
    const created = await createAccount(server.database.db, null, { email, nom: 'Compte de test', organisationCode, roles, motDePasse: PASSWORD });
    expect(created.ok, JSON.stringify(created)).toBe(true);
    const login = await loginThroughApi(server.app, email, PASSWORD);
    expect(login.response.statusCode).toBe(200);
    return { body: login.response.json(), headers: { cookie: login.cookie!, 'x-csrf-token': login.csrf! } };
  };

  beforeAll(async () => { server = await startTestServer(); });
  afterAll(async () => { await server?.close(); });

  it('a CSS agent gets the same offer order on screen (the session API) and in the interview PDF', async () => {
    const agent = await headersOf('agent.css976@passerelle.test', 'css-976', ['agent']);
    expect(agent.body.brancheOffres).toBe('assurance_maladie'); // what the interview page orders the offers by
    const session = await server.app.inject({ method: 'GET', url: '/api/session', headers: agent.headers });
    expect(session.json().brancheOffres).toBe('assurance_maladie');

    const res = await server.app.inject({ method: 'POST', url: '/api/orientation/separation/entretien.pdf', payload: { reponses: SEPARATION_MAYOTTE }, headers: agent.headers });
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    const text = pdfText(res.rawPayload);
    expect(text).toContain('Caisse de sécurité sociale de Mayotte');
    const am = text.indexOf("Offres de l'Assurance Maladie");
    const caf = text.indexOf('Offres de la Caf');
    expect(am).toBeGreaterThan(-1);
    expect(caf).toBeGreaterThan(-1);
    expect(am).toBeLessThan(caf); // before: the PDF put the Caf first for a CSS agent (no branch known)
  });

  it('a CGSS exchange officer is offered only the programmes of the branches territories makes it competent for', async () => {
    const officer = await headersOf('echanges.cgss974@passerelle.test', 'cgss-974', ['charge_echanges']);
    const res = await server.app.inject({ method: 'GET', url: '/api/echanges/programmes', headers: officer.headers });
    expect(res.statusCode, res.body).toBe(200);
    const offered = (res.json().programmes as { id: string }[]).map((p) => p.id).sort();

    const competent = new Set((await server.database.db.selectFrom('competences').select('branche').distinct()
      .where('organisation_code', '=', 'cgss-974').execute()).map((r) => r.branche));
    expect([...competent].sort()).toEqual(['carsat', 'cpam']);
    const expected = loadProgrammes()
      .filter((p) => (p.forme === 'echange' || p.forme === 'interne') && competent.has(p.expediteur.branche))
      .map((p) => p.id).sort();
    expect(offered).toEqual(expected);
    expect(offered).not.toContain('aidants'); // sent by the Caf (caf-974), never by the CGSS
    expect(offered).not.toContain('separation');
    expect(offered).toContain('carsat-pdp');
  });

  it("a caisse commune's DPO sees in the register the programmes of its Caf and CPAM branches, not the Carsat's", async () => {
    const dpo = await headersOf('dpo.ccss48@passerelle.test', 'ccss-48', ['dpo']);
    const res = await server.app.inject({ method: 'GET', url: '/api/registre', headers: dpo.headers });
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    const listed = new Set((res.json().entrees as { programme: string }[]).map((e) => e.programme));
    expect(listed.has('aidants')).toBe(true); // Caf → CPAM: both of its branches
    expect(listed.has('separation')).toBe(true); // run by the Caf branch
    // before: a CCSS was also read as a Carsat and listed the Carsat's own processing of hospital signalements
    expect(listed.has('carsat-sortie-hospitalisation')).toBe(false);
  });

  it('names the partner of an orientation by the model: a CGSS runs the Carsat social service, the CSS is the Caf of Mayotte', async () => {
    const { partnerOrganisation } = await import('../../src/outreach/events.ts');
    const db = server.database.db;
    expect(await partnerOrganisation(db, 'cgss-974', 'service_social')).toBe('cgss-974'); // before: none found
    expect(await partnerOrganisation(db, 'css-976', 'caf_travailleur_social')).toBe('css-976'); // before: none found
    expect(await partnerOrganisation(db, 'cgss-974', 'misas')).toBe('cgss-974');
    expect(await partnerOrganisation(db, 'cpam-83', 'caf_travailleur_social')).toBe('caf-83');
    expect(await partnerOrganisation(db, 'ces-83', 'misas')).toBe('cpam-83'); // a CES is never the partner itself: its CPAM is
    expect(await partnerOrganisation(db, 'cpam-83', 'service_social')).toBeNull(); // a Carsat is regional: not guessed from the département
  });
});
