import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportWorklist, importOutcomes } from '../../src/outreach/index.ts';
import { sessionFor, startTestServer, type Credentials, type TestServer } from '../helpers/server.ts';
import { insertContact, pseudo } from './outreach-support.ts';

let server: TestServer;
let ces: Credentials;
let cafAgent: Credentials;
let pilot: Credentials;
const ids: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'outreach-api-'));

beforeAll(async () => {
  server = await startTestServer();
  ces = await sessionFor(server.database, 'agent.ces83@passerelle.test');
  cafAgent = await sessionFor(server.database, 'agent.caf83@passerelle.test');
  pilot = await sessionFor(server.database, 'pilote.cpam83@passerelle.test');
  for (let i = 0; i < 30; i++) {
    ids.push(await insertContact(server.database.db, {
      seed: `api-${i}`, champs: { nom: `Nom${i}`, prenom: 'Camille', email: `p${i}@example.org`, telephone: i % 5 === 4 ? '' : '0612345678', code_postal: '83000' },
      appelable: i % 5 !== 4,
    }));
  }
  await insertContact(server.database.db, { seed: 'api-october', periode: '2026-10' });
  await insertContact(server.database.db, { seed: 'api-caf', organisation: 'caf-83', programme: 'separation', origine: 'extrait' });
});
afterAll(async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); });

const get = (url: string, who: Credentials) => server.app.inject({ method: 'GET', url, headers: who.headers });
const post = (url: string, who: Credentials, payload: unknown) => server.app.inject({ method: 'POST', url, headers: who.headers, payload: payload as object });
const auditCount = async (action: string) => (await server.database.db.selectFrom('journal_audit').select('details').where('action', '=', action).execute());

describe('worklist API', () => {
  it('lists the cohort of the attached organisation for agent.ces83 (ces-83 works cpam-83), paginated with counts, audited once per page', async () => {
    const before = (await auditCount('liste.consultation')).length;
    const res = await get('/api/listes?programme=aidants&mois=2026-11&taille=10&page=2', ces);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.organisation).toBe('cpam-83');
    expect(body.organisations).toEqual(['cpam-83', 'ces-83']);
    expect(body.mois).toEqual(['2026-11', '2026-10']);
    expect(body.total).toBe(30);
    expect(body.restants).toBe(30);
    expect(body.parStatut).toEqual({ a_contacter: 30 });
    expect(body.lignes).toHaveLength(10);
    expect(body.lignes[0].id).toBe(ids[10]);
    expect(Object.keys(body.lignes[0].champs).sort()).toEqual(['code_postal', 'nom', 'prenom']);
    const audits = await auditCount('liste.consultation');
    expect(audits.length).toBe(before + 1);
    expect(JSON.stringify(audits.at(-1))).not.toMatch(/Nom1|Camille|example/);
  });

  it('refuses pilots and agents of another organisation', async () => {
    expect((await get('/api/listes', pilot)).statusCode).toBe(403);
    const other = await get('/api/listes?organisation=cpam-83', cafAgent);
    expect(other.statusCode).toBe(403);
    expect((await get(`/api/listes/contacts/${ids[0]}`, cafAgent)).statusCode).toBe(404);
    const own = await get('/api/listes', cafAgent);
    expect(own.json()).toMatchObject({ organisation: 'caf-83', programme: 'separation', total: 1 });
  });

  it('shows a person page with allowed fields, history, next actions and the call script; audited without personal data', async () => {
    const res = await get(`/api/listes/contacts/${ids[0]}`, ces);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.contact).toMatchObject({ statut: 'a_contacter', version: 0, appelable: true, programme: 'aidants' });
    expect(body.contact.champs).toMatchObject({ nom: 'Nom0', telephone: '0612345678' });
    expect(body.actions.map((a: { code: string }) => a.code)).toContain('appel_joint');
    expect(body.script.titre).toMatch(/aidants/);
    const audit = (await server.database.db.selectFrom('journal_audit').select(['cible_id', 'details']).where('action', '=', 'contact.consultation').orderBy('id', 'desc').executeTakeFirstOrThrow());
    expect(audit.cible_id).toBe(ids[0]);
    expect(JSON.stringify(audit.details)).not.toMatch(/Nom0|0612345678|example/);
  });

  it('records events with the version; a stale version is a 409 with a clear message; a rule breach a 422', async () => {
    const url = `/api/listes/contacts/${ids[1]}/evenements`;
    const first = await post(url, ces, { code: 'appel_joint', version: 0 });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ statut: 'joint', version: 1 });
    const stale = await post(url, ces, { code: 'appel_non_joint', version: 0 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().erreur).toMatch(/modifiée par un autre agent/);
    const noPhone = await post(`/api/listes/contacts/${ids[4]}/evenements`, ces, { code: 'appel_joint', version: 0 });
    expect(noPhone.statusCode).toBe(422);
    expect(noPhone.json().erreur).toMatch(/Appel impossible/);
    const badDetail = await post(url, ces, { code: 'rdv_pris', version: 1 });
    expect(badDetail.statusCode).toBe(422);
    expect(badDetail.json().erreur).toMatch(/date du rendez-vous/);
    const list = (await get('/api/listes?programme=aidants&mois=2026-11&statut=joint', ces)).json();
    expect(list.total).toBe(1);
    expect(list.parStatut).toMatchObject({ joint: 1, a_contacter: 29 });
  });

  it('assigns in bulk to an agent of the organisation, filters « mine », and unassigns', async () => {
    const agents = (await get('/api/listes/agents', ces)).json().agents as { id: string; nom: string }[];
    const me = agents.find((a) => a.nom.includes('CES du Var'))!;
    expect(me).toBeDefined();
    const res = await post('/api/listes/attributions', ces, { contacts: ids.slice(0, 5), agent: me.id });
    expect(res.json()).toEqual({ attribues: 5, ignores: 0, conflits: 0 });
    const mine = (await get('/api/listes?programme=aidants&mois=2026-11&agent=moi', ces)).json();
    expect(mine.total).toBe(5);
    expect(mine.lignes[0].agent.nom).toMatch(/CES du Var/);
    const foreignAgent = (await server.database.db.selectFrom('comptes').select('id').where('email', '=', 'agent.caf83@passerelle.test').executeTakeFirstOrThrow()).id;
    expect((await post('/api/listes/attributions', ces, { contacts: ids.slice(0, 2), agent: foreignAgent })).statusCode).toBe(400);
    expect((await post('/api/listes/attributions', ces, { contacts: ids.slice(0, 5), agent: null })).json().attribues).toBe(5);
    expect((await get('/api/listes?programme=aidants&mois=2026-11&agent=aucun', ces)).json().total).toBe(30);
  });

  it('moves an orientation forward with a version check', async () => {
    const version = (await get(`/api/listes/contacts/${ids[2]}`, ces)).json().contact.version;
    const ev = await post(`/api/listes/contacts/${ids[2]}/evenements`, ces, { code: 'orientation', detail: 'service_social', version });
    expect(ev.statusCode, ev.body).toBe(201);
    const page = (await get(`/api/listes/contacts/${ids[2]}`, ces)).json();
    const o = page.orientations[0];
    expect(o).toMatchObject({ partenaire: 'service_social', statut: 'envoyee', version: 0 });
    const patch = (payload: object) => server.app.inject({ method: 'PATCH', url: `/api/listes/orientations/${o.id}`, headers: ces.headers, payload });
    expect((await patch({ statut: 'acceptee', version: 0 })).json()).toEqual({ statut: 'acceptee', version: 1 });
    expect((await patch({ statut: 'realisee', version: 0 })).statusCode).toBe(409);
    expect((await patch({ statut: 'envoyee', version: 1 })).statusCode).toBe(422);
    expect((await patch({ statut: 'realisee', version: 1 })).statusCode).toBe(200);
  });

  it('imports outcomes over HTTP: Windows-1252, commas, bad rows reported by line, valid rows kept', async () => {
    const lines = [
      'pseudonyme,date,evenement,detail',
      `${pseudo('api-10')},24/11/2026 09:15,appel_joint,`,
      `${pseudo('api-10')},2026-11-24 09:20,offre_acceptee,Très intéressée`,
      `${pseudo('api-11')},2026-11-31,appel_joint,`,
      `${pseudo('inconnu')},2026-11-20,appel_joint,`,
      `${pseudo('api-12')},2026-11-20,rappel,`,
      `${pseudo('api-14')},2026-11-20,appel_joint,`,
      `${pseudo('api-13')},2026-11-20,rdv_pris,`,
      'abc,2026-11-20,appel_joint,',
    ];
    const bytes = Buffer.from(lines.join('\r\n'), 'latin1');
    const res = await server.app.inject({ method: 'POST', url: '/api/listes/resultats?organisation=cpam-83', headers: { ...ces.headers, 'content-type': 'application/octet-stream' }, payload: bytes });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ lignes: 8, enregistrees: 2, rejetees: 6 });
    const reasons = Object.fromEntries(report.rapport.filter((r: { resultat: string }) => r.resultat === 'rejetee').map((r: { ligne: number; motif: string }) => [r.ligne, r.motif]));
    expect(reasons[4]).toMatch(/date invalide/);
    expect(reasons[5]).toMatch(/absente des listes/);
    expect(reasons[6]).toMatch(/événement inconnu « rappel » pour le programme aidants/i);
    expect(reasons[7]).toMatch(/aucun numéro/);
    expect(reasons[8]).toMatch(/date du rendez-vous est obligatoire/);
    expect(reasons[9]).toMatch(/pseudonyme mal formé/);
    expect(JSON.stringify(report)).not.toMatch(new RegExp(pseudo('api-10')));
    const events = await server.database.db.selectFrom('evenements').select(['code', 'detail', 'origine', 'survenu_le']).where('contact_id', '=', ids[10]!).orderBy('survenu_le').execute();
    expect(events.map((e) => e.code)).toEqual(['appel_joint', 'offre_acceptee']);
    expect(events[1]!.detail).toBe('Très intéressée');
    expect(new Date(events[0]!.survenu_le).toISOString()).toBe('2026-11-24T08:15:00.000Z');
    const header = await server.app.inject({ method: 'POST', url: '/api/listes/resultats', headers: { ...ces.headers, 'content-type': 'text/csv' }, payload: 'nir;date\n1;2\n' });
    expect(header.statusCode).toBe(400);
    expect(header.json().erreur).toMatch(/En-tête invalide à la ligne 1/);
  });

  it('closes the month: unprocessed people get traite_le and a deadline one month later', async () => {
    const res = await post('/api/listes/cloture', ces, { organisation: 'cpam-83', programme: 'aidants', mois: '2026-10' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().traites).toBe(1);
    const c = await server.database.db.selectFrom('contacts').select(['traite_le']).where('periode', '=', '2026-10').where('organisation_code', '=', 'cpam-83').executeTakeFirstOrThrow();
    expect(c.traite_le).not.toBeNull();
    expect((await post('/api/listes/cloture', cafAgent, { organisation: 'cpam-83', programme: 'aidants', mois: '2026-10' })).statusCode).toBe(403);
  });

  it('exports the worklist with the pseudonym column and allowed fields, audited', async () => {
    let text = '';
    const r = await exportWorklist(server.database.db, { organisation: 'cpam-83', programme: 'aidants', mois: '2026-11', write: (c) => { text += c; } });
    expect(r).toMatchObject({ ok: true, lignes: 30 });
    const lines = text.replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toBe('pseudonyme;statut;appelable;email;telephone;code_postal;nom;prenom');
    expect(lines).toHaveLength(31);
    expect(lines[1]).toBe(`${pseudo('api-0')};À contacter;oui;p0@example.org;0612345678;83000;Nom0;Camille`);
    const audit = await auditCount('liste.export');
    expect(audit.at(-1)!.details).toEqual({ lignes: 30, colonnes: 8 });
  });

  it('imports outcomes through the library as the CLI does (semicolons, BOM)', async () => {
    const csv = `\uFEFFpseudonyme;date;evenement;detail\n${pseudo('api-20')};2026-11-20;appel_non_joint;\n${pseudo('api-20')};2026-11-21;appel_faux_numero;\n`;
    const r = await importOutcomes(server.database.db, { organisation: 'cpam-83', programme: 'aidants', bytes: Buffer.from(csv) });
    expect(r.ok && r.report).toMatchObject({ lignes: 2, enregistrees: 2, rejetees: 0 });
    const c = await server.database.db.selectFrom('contacts').select(['statut', 'traite_le']).where('id', '=', ids[20]!).executeTakeFirstOrThrow();
    expect(c.statut).toBe('faux_numero');
    expect(c.traite_le).not.toBeNull();
  });
});
