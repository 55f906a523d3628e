import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE } from '../helpers/database.ts';
import { pdfText } from '../helpers/tools.ts';
import { sessionFor, startTestServer, type Credentials, type TestServer } from '../helpers/server.ts';

const SEPARATION = { codePostal: '83000', enfants: 'chez_moi', pension: 'impayee', ressources: 'aucune', logement: 'demenage' };
const AIDANT = { codePostal: '83000', personneAidee: 'parent', activite: 'salarie', allocation: 'non', complementaire: 'oui' };


describe(`orientation API (${ENGINE})`, () => {
  let server: TestServer;
  let agent: Credentials;
  beforeAll(async () => {
    server = await startTestServer();
    agent = await sessionFor(server.database, 'agent.caf83@passerelle.test');
  });
  afterAll(async () => { await server.close(); });
  const post = (url: string, reponses: unknown, headers: Record<string, string> = {}) =>
    server.app.inject({ method: 'POST', url, payload: { reponses }, headers });

  it('lists the three pathways and their questions', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/orientation' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.parcours.map((p: { id: string }) => p.id)).toEqual(['separation', 'aidant', 'naissance']);
    for (const p of body.parcours) {
      expect(p.titre).toMatch(/\w/);
      expect(p.questions.length).toBeLessThanOrEqual(5);
      expect(p.questions.filter((q: { type: string }) => q.type === 'code_postal')).toHaveLength(1);
      for (const q of p.questions) {
        expect(q).toEqual(expect.objectContaining({ id: expect.any(String), libelle: expect.any(String), aide: expect.any(String), type: expect.any(String), options: expect.any(Array) }));
        expect(['code_postal', 'choix', 'oui_non', 'nombre']).toContain(q.type);
        if (q.type === 'choix') for (const o of q.options) expect(o).toEqual({ valeur: expect.any(String), libelle: expect.any(String) });
      }
    }
    expect(body.parcours[2].questions.find((q: { id: string }) => q.id === 'enCouple').options).toEqual([{ valeur: true, libelle: 'Oui' }, { valeur: false, libelle: 'Non' }]);
  });

  it('evaluates 83000: offers of both branches and the Caf du Var and CPAM du Var as contacts', async () => {
    const res = await post('/api/orientation/separation', SEPARATION);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.commune).toMatchObject({ code: '83137', nom: 'Toulon', departement: { code: '83' } });
    expect(body.contacts).toEqual([
      expect.objectContaining({ code: 'caf-83', nom: 'Caf du Var', branches: ['caf'] }),
      expect.objectContaining({ code: 'cpam-83', nom: 'CPAM du Var', branches: ['assurance_maladie'] }),
    ]);
    const ids = body.offres.map((o: { id: string }) => o.id);
    expect(ids).toEqual(expect.arrayContaining(['caf-asf', 'aripa-recouvrement', 'caf-rsa-majore', 'am-c2s', 'misas-accompagnement', 'ces-examen-prevention']));
    const asf = body.offres.find((o: { id: string }) => o.id === 'caf-asf');
    expect(asf).toMatchObject({ branche: 'caf', titre: 'Allocation de soutien familial (ASF)', pourquoi: expect.any(String), lien: { url: 'https://www.pension-alimentaire.caf.fr' } });
    expect(asf.montants[0]).toMatchObject({ valeur: 199.19, dateEffet: '2025-04-01', source: { url: 'https://www.service-public.fr/particuliers/vosdroits/F815' } });
    if (asf.montants[0].statut === 'non_actualise') expect(asf.montants[0].avertissement).toMatch(/^Montant non actualisé/);
    // the answers are not echoed back
    expect(res.body).not.toContain('impayee');
  });

  it('adds the Carsat as a contact when one of its offers applies', async () => {
    const body = (await post('/api/orientation/aidant', AIDANT)).json();
    expect(body.offres.map((o: { branche: string }) => o.branche)).toContain('carsat');
    expect(body.contacts.map((c: { code: string }) => c.code)).toEqual(['caf-83', 'cpam-83', 'carsat-sud-est']);
  });

  it('asks which commune when a postal code has several, then accepts the chosen one', async () => {
    const reponses = { codePostal: '59280', etape: 'ne', enfantsACharge: 2, enCouple: false, ressources: 'modestes' };
    const first = await post('/api/orientation/naissance', reponses);
    expect(first.statusCode).toBe(400);
    const body = first.json();
    expect(body.erreur).toMatch(/Plusieurs communes ont le code postal 59280/);
    expect(body.champs).toEqual({ commune: expect.stringMatching(/Choisissez votre commune/) });
    expect(body.communes).toEqual(expect.arrayContaining([{ code: '59017', nom: 'Armentières' }, { code: '59088', nom: 'Bois-Grenier' }]));
    expect(body.communes.length).toBeGreaterThan(1);

    const chosen = await post('/api/orientation/naissance', { ...reponses, commune: '59017' });
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(chosen.json().commune).toMatchObject({ code: '59017', nom: 'Armentières' });
    expect(chosen.json().contacts.map((c: { code: string }) => c.code)).toEqual(['caf-59', 'cpam-59-flandres']);

    const wrong = await post('/api/orientation/naissance', { ...reponses, commune: '83137' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().champs.commune).toMatch(/ne correspond pas au code postal 59280/);
    expect(wrong.json().communes.length).toBe(body.communes.length);
  });

  it('answers 400 with a French message per field', async () => {
    const res = await post('/api/orientation/separation', { codePostal: '83A00', enfants: 'peut-etre', logement: 'chateau', age: 40 });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      erreur: 'Certaines réponses sont invalides : corrigez les champs signalés.',
      champs: {
        codePostal: 'Le code postal doit compter exactement 5 chiffres (par exemple 83000).',
        enfants: 'Choisissez une des réponses proposées.',
        ressources: 'Répondez à cette question.',
        logement: 'Choisissez une des réponses proposées.',
        age: "Cette question n'existe pas dans le parcours « Je me sépare ».",
      },
    });
    const unknownCp = await post('/api/orientation/separation', { ...SEPARATION, codePostal: '00000' });
    expect(unknownCp.statusCode).toBe(400);
    expect(unknownCp.json().champs).toEqual({ codePostal: 'Aucune commune ne correspond au code postal 00000.' });
    const noBody = await server.app.inject({ method: 'POST', url: '/api/orientation/separation', payload: { autre: 1 } });
    expect(noBody.statusCode).toBe(400);
    expect(noBody.json().champs.reponses).toMatch(/reponses/);
    const unknown = await post('/api/orientation/demenagement', SEPARATION);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().erreur).toMatch(/Parcours inconnu/);
  });

  it('refuses answers sent in the URL: only POST bodies are read', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/orientation/separation?codePostal=83000&enfants=chez_moi' });
    expect(res.statusCode).toBe(404);
  });

  it('returns the check-list as a PDF that reads back in French, in the order to act, without the violence help', async () => {
    const res = await post('/api/orientation/separation/checklist.pdf', SEPARATION);
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe('attachment; filename="demarches-separation.pdf"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(res.rawPayload);
    expect(text).toContain('Mes démarches : Je me sépare');
    expect(text).toContain('Vos contacts pour Toulon');
    expect(text).toContain('Caf du Var');
    expect(text).toContain('CPAM du Var');
    expect(text).toContain('1. Tout de suite');
    expect(text.indexOf('Déclarer votre séparation à la Caf')).toBeLessThan(text.indexOf('Allocation de soutien familial (ASF)'));
    expect(text.indexOf('Allocation de soutien familial (ASF)')).toBeLessThan(text.indexOf('Faire un examen de prévention en santé'));
    expect(text).toMatch(/199,19\s€ par mois et par enfant/);
    expect(text).toContain('en vigueur depuis le 1er avril 2025');
    expect(text).not.toContain('3919');
  });

  it('gives a signed-in agent the interview check-list, with the other branch, and audits it without the answers', async () => {
    const anonymous = await post('/api/orientation/separation/entretien.pdf', SEPARATION);
    expect(anonymous.statusCode).toBe(401);
    const res = await post('/api/orientation/separation/entretien.pdf', SEPARATION, agent.headers);
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const entry = await server.database.db.selectFrom('journal_audit').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(entry.action).toBe('orientation_checklist_entretien');
    expect(entry.acteur_organisation).toBe('caf-83');
    const details = typeof entry.details === 'string' ? JSON.parse(entry.details) : entry.details;
    expect(Object.keys(details).sort()).toEqual(['catalogue', 'offres', 'parcours']);
    expect(details.parcours).toBe('separation');
    expect(JSON.stringify(entry)).not.toMatch(/83000|chez_moi|impayee|demenage|Toulon|83137/);
    const text = pdfText(res.rawPayload);
    expect(text).toContain('Entretien « Je me sépare » : pense-bête des démarches');
    expect(text).toContain('par Caf du Var');
    expect(text.indexOf('Offres de la Caf')).toBeLessThan(text.indexOf("Offres de l'Assurance Maladie"));
    expect(text).toContain("Orientations vers l'autre branche");
    expect(text).toContain('Autres sujets du pense-bête');
  });

  it('shows the administrator the catalogue and which pathway uses each offer', async () => {
    const admin = await sessionFor(server.database, 'admin.caf83@passerelle.test');
    const res = await server.app.inject({ method: 'GET', url: '/api/orientation/catalogue', headers: admin.headers });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.version).toMatch(/\d/);
    const c2s = body.offres.find((o: { id: string }) => o.id === 'am-c2s');
    expect(c2s.parcours.map((p: { id: string }) => p.id)).toEqual(['separation', 'aidant', 'naissance']);
    expect(c2s.parcours[1]).toMatchObject({ titre: "J'aide un proche", condition: expect.stringContaining('Avez-vous une complémentaire santé') });
    expect(body.parcours.find((p: { id: string }) => p.id === 'aidant').offres).toContain('caf-ajpa');
    expect(body.parametres.find((p: { id: string }) => p.id === 'asf_par_enfant')).toMatchObject({ offres: ['caf-asf', 'caf-asf-complement'], actuel: { valeur: 199.19 } });
    const forbidden = await server.app.inject({ method: 'GET', url: '/api/orientation/catalogue', headers: agent.headers });
    expect(forbidden.statusCode).toBe(403);
  });
});

describe('privacy of the logs', () => {
  it('never writes the answers to the server logs', () => {
    // A child process runs the real server with its production logger (pino to stdout) and sends answers through
    // every orientation route, including a multi-commune postal code, a refused answer and a PDF.
    const root = pathToFileURL(join(import.meta.dirname, '..', '..') + '/').href;
    const dir = mkdtempSync(join(tmpdir(), 'passerelle-logs-'));
    const script = join(dir, 'run.mjs');
    writeFileSync(script, `
      import { freshDatabase } from '${root}test/helpers/database.ts';
      import { readConfig } from '${root}src/config.ts';
      import { buildServer } from '${root}src/server/app.ts';
      const database = await freshDatabase();
      const { app } = await buildServer(database, readConfig({}), { logger: true });
      const send = (url, reponses) => app.inject({ method: 'POST', url, payload: { reponses } });
      const statuses = [];
      statuses.push((await send('/api/orientation/naissance', { codePostal: '59280', etape: 'ne', enfantsACharge: 7, enCouple: false, ressources: 'modestes' })).statusCode);
      statuses.push((await send('/api/orientation/naissance', { codePostal: '59280', etape: 'ne', enfantsACharge: 7, enCouple: false, ressources: 'modestes', commune: '59017' })).statusCode);
      statuses.push((await send('/api/orientation/separation', { codePostal: '83000', enfants: 'zzqqvaleurrefusee', ressources: 'aucune', logement: 'heberge' })).statusCode);
      statuses.push((await send('/api/orientation/separation/checklist.pdf', { codePostal: '83000', enfants: 'autre_parent', pension: 'je_verse', ressources: 'aucune', logement: 'heberge' })).statusCode);
      await app.close();
      await database.drop();
      process.stderr.write(JSON.stringify(statuses));
    `);
    try {
      const run = spawnSync(process.execPath, [script], { encoding: 'utf8', env: process.env, timeout: 120_000 });
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stderr.trim().split('\n').at(-1)!)).toEqual([400, 200, 400, 200]);
      const logs = run.stdout;
      expect(logs).toContain('incoming request'); // the logger did run
      expect(logs).toContain('/api/orientation/naissance');
      for (const secret of ['59280', '59017', 'Armentières', 'Bois-Grenier', '83000', 'Toulon', 'zzqqvaleurrefusee', 'autre_parent', 'je_verse', 'heberge', 'enfantsACharge']) {
        expect(logs, secret).not.toContain(secret);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
