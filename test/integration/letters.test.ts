import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE } from '../helpers/database.ts';
import { requireTool } from '../helpers/tools.ts';
import { sessionFor, startTestServer, type Credentials, type TestServer } from '../helpers/server.ts';
import { insertContact } from './mail-support.ts';

const work = mkdtempSync(join(tmpdir(), 'passerelle-courriers-'));
const SCREENS = '/tmp/screens';

/** The text of a PDF, read back with poppler's pdftotext (layout kept). */
function pdfText(pdf: Buffer, name: string): string {
  const file = join(work, name);
  writeFileSync(file, pdf);
  requireTool('pdftotext', ['-v']);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}
const pages = (pdf: Buffer, name: string) => {
  const file = join(work, name);
  writeFileSync(file, pdf);
  return Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
};

describe(`letter channel: one PDF per person and the month's mailing (${ENGINE})`, () => {
  let server: TestServer;
  let caf: Credentials;
  const ids: Record<string, string> = {};
  const events = async (id: string) => (await server.database.db.selectFrom('evenements').select(['code', 'origine'])
    .where(sql<boolean>`contact_id = ${id}::bigint`).orderBy('id').execute());

  beforeAll(async () => {
    server = await startTestServer({ PASSERELLE_URL_PUBLIQUE: 'https://passerelle.test' });
    caf = await sessionFor(server.database, 'agent.caf83@passerelle.test');
    const db = server.database.db;
    const address = { adresse_ligne: '12 rue des Lilas', adresse_complement: 'Bâtiment B', code_postal: '83000', commune: 'Toulon' };
    ids.anne = await insertContact(db, { organisation: 'caf-83', programme: 'separation', champs: { nom: 'Lefebvre', prenom: 'Anne', email: '', telephone: '', ...address, risque_violence: 'non', marqueurs: 'residence-alternee' } });
    ids.bruno = await insertContact(db, { organisation: 'caf-83', programme: 'separation', champs: { nom: 'Garnier', prenom: 'Bruno', email: '', telephone: '', adresse_ligne: '3 place de la Liberté', code_postal: '83200', commune: 'Toulon', risque_violence: 'non', marqueurs: '' } });
    ids.chloe = await insertContact(db, { organisation: 'caf-83', programme: 'separation', champs: { nom: 'Roux', prenom: 'Chloé', email: '', telephone: '', ...address, risque_violence: 'oui', canal_sur: 'telephone', canal_sur_valeur: '0611223344', marqueurs: 'risque-violence' } });
    ids.denis = await insertContact(db, { organisation: 'caf-83', programme: 'separation', champs: { nom: 'Petit', prenom: 'Denis', email: '', telephone: '', adresse_ligne: '', code_postal: '83000', commune: 'Toulon', risque_violence: 'non', marqueurs: '' } });
    ids.emile = await insertContact(db, { organisation: 'caf-83', programme: 'separation', champs: { nom: 'Blanc', prenom: 'Émile', email: '', telephone: '', adresse_ligne: '8 avenue Foch', code_postal: '83100', commune: 'Toulon', risque_violence: 'non', marqueurs: '' } });
    ids.aidant = await insertContact(db, { organisation: 'cpam-83', programme: 'aidants', champs: { email: 'a@exemple.fr', telephone: '', code_postal: '83000', nom: 'N', prenom: 'P' } });
    mkdirSync(SCREENS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const letter = (id: string, creds = caf) => server.app.inject({ method: 'POST', url: `/api/courriers/contacts/${id}`, headers: creds.headers, payload: {} });

  it("produces the person's letter: letterhead, address block, the joint offer, the opposition information", async () => {
    const res = await letter(ids.anne!);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const pdf = res.rawPayload;
    const text = pdfText(pdf, 'anne.pdf');
    expect(text).toContain('Caf du Var');
    expect(text).toMatch(/Anne LEFEBVRE\s*\n\s*12 rue des Lilas\s*\n\s*Bâtiment B\s*\n\s*83000 TOULON/);
    expect(text).toContain('Objet : Votre séparation : les aides et services de la Caf et de l’Assurance Maladie');
    for (const item of ['Allocation de soutien familial (ASF)', 'ARIPA', 'Complémentaire santé solidaire (C2S)', 'carte Vitale', 'Examen de prévention en santé']) expect(text).toContain(item);
    expect(text).toContain('Partage des allocations familiales en résidence alternée'); // her marker's offer
    expect(text).not.toContain('Pack nouveau départ'); // not hers
    expect(text).toMatch(/Vous ne souhaitez plus être contacté\(e\) \?/);
    expect(text).toMatch(new RegExp(`https://passerelle\\.test/opposition/${BigInt(ids.anne!).toString(36)}-[A-Za-z0-9_-]{22}`));
    expect(text).not.toMatch(/Garnier|Roux|Petit/);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', join(work, 'anne.pdf'), join(SCREENS, 'courrier-separation')]);
    expect(await events(ids.anne!)).toEqual([{ code: 'offre_courrier_envoyee', origine: 'courrier' }]);
    // downloading it again does not count a second letter
    expect((await letter(ids.anne!)).statusCode).toBe(200);
    expect(await events(ids.anne!)).toHaveLength(1);
  });

  it('never writes to the household address of a person at risk of violence, nor without a full address', async () => {
    const risk = await letter(ids.chloe!);
    expect(risk.statusCode).toBe(409);
    expect(risk.json().erreur).toMatch(/risque de violences : aucun courrier au domicile/);
    const noAddress = await letter(ids.denis!);
    expect(noAddress.statusCode).toBe(409);
    expect(noAddress.json().erreur).toMatch(/adresse postale inconnue ou incomplète/);
    const ces = await sessionFor(server.database, 'agent.ces83@passerelle.test');
    const aidant = await letter(ids.aidant!, ces);
    expect(aidant.statusCode).toBe(409); // the caregivers' data carry no postal address
    expect(await events(ids.chloe!)).toEqual([]);
    // another organisation's agent does not see the person
    expect((await letter(ids.anne!, ces)).statusCode).toBe(404);
  });

  it("merges the month's mailing: one letter per person still to write to, each on its own pages, then records them", async () => {
    const preview = await server.app.inject({ method: 'GET', url: '/api/courriers/publipostage?programme=separation&mois=2026-11', headers: caf.headers });
    expect(preview.statusCode, preview.body).toBe(200);
    const report = preview.json().publipostage;
    expect(report).toMatchObject({ organisation: 'caf-83', programme: 'separation', periode: '2026-11', personnes: 5, courriers: 2 });
    expect(report.exclus).toEqual(expect.arrayContaining([
      { raison: 'offre déjà envoyée ou courriel en cours d’envoi', nombre: 1 },
      { raison: 'personne signalée à risque de violences : aucun courrier au domicile du foyer (canal partagé)', nombre: 1 },
    ]));
    const res = await server.app.inject({ method: 'POST', url: '/api/courriers/publipostage', headers: caf.headers, payload: { programme: 'separation', mois: '2026-11' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['x-passerelle-courriers']).toBe('2');
    const pdf = res.rawPayload;
    const text = pdfText(pdf, 'publipostage.pdf');
    expect(text).toMatch(/Bruno GARNIER/);
    expect(text).toMatch(/Émile BLANC/);
    expect(text).not.toMatch(/LEFEBVRE|ROUX|PETIT/);
    expect(pages(pdf, 'publipostage.pdf')).toBeGreaterThanOrEqual(2);
    expect(text.match(/^\s*Madame, Monsieur,\s*$/gm)).toHaveLength(2);
    // each letter starts on a new page: the second salutation is on a page of its own start
    expect(text.split('\f').filter((p) => /Madame, Monsieur,\s*$/m.test(p) && /Objet :/.test(p))).toHaveLength(2);
    execFileSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', join(work, 'publipostage.pdf'), join(SCREENS, 'publipostage-separation')]);
    expect(await events(ids.bruno!)).toEqual([{ code: 'offre_courrier_envoyee', origine: 'courrier' }]);
    // nothing left to print
    const again = await server.app.inject({ method: 'POST', url: '/api/courriers/publipostage', headers: caf.headers, payload: { programme: 'separation', mois: '2026-11' } });
    expect(again.statusCode).toBe(409);
    const audit = await server.database.db.selectFrom('journal_audit').select(['action', 'details']).where('action', '=', 'courrier.publipostage').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.details)).not.toMatch(/Garnier|Toulon|Foch/i);
  });

  it('refuses a bad month with a French message naming the field', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/courriers/publipostage?programme=separation&mois=2026-13', headers: caf.headers });
    expect(res.statusCode).toBe(400);
    expect(res.json().champs.mois).toMatch(/AAAA-MM/);
  });
});
