/** The pilots' indicator API: funnel, trend, CSV and XLSX exports, suppression by viewer, French errors. */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE } from '../helpers/database.ts';
import { sessionFor, startTestServer, type Credentials, type TestServer } from '../helpers/server.ts';
import { FLANDRES, insertCohort, VAR_2024 } from './indicators-fixtures.ts';

let server: TestServer;
let cpam83: Credentials;
let caf83: Credentials;
let cnam: Credentials;
let agent: Credentials;

beforeAll(async () => {
  server = await startTestServer();
  await insertCohort(server.database.db, VAR_2024);
  await insertCohort(server.database.db, FLANDRES);
  cpam83 = await sessionFor(server.database, 'pilote.cpam83@passerelle.test');
  caf83 = await sessionFor(server.database, 'pilote.caf83@passerelle.test');
  cnam = await sessionFor(server.database, 'pilote.cnam@passerelle.test');
  agent = await sessionFor(server.database, 'agent.ces83@passerelle.test');
});
afterAll(async () => { await server.close(); });

const get = (url: string, who: Credentials) => server.app.inject({ method: 'GET', url, headers: who.headers });
type Stage = { code: string; count: number | null; libelle: string };

describe(`GET /api/indicateurs (${ENGINE})`, () => {
  it('gives the local pilot their own funnel in full, labelled with the programme’s stages', async () => {
    const res = await get('/api/indicateurs/entonnoir?programme=aidants&mois=2024-01&au=2024-08', cpam83);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.perimetre).toEqual({ level: 'organisation', code: 'cpam-83', nom: 'CPAM du Var' });
    expect(body.masque).toBe(false);
    const stages = Object.fromEntries(body.stages.map((s: Stage) => [s.code, s.count]));
    expect(stages).toMatchObject({ cibles: 175, offre_envoyee: 122, appeles: 78, rdv_honores: 14, accompagnements: 2, orientations: 5 });
    expect(body.stages[0].libelle).toBe('Aidants identifiés');
    expect(body.rates[0]).toMatchObject({ numerator: 'rdv_honores', denominator: 'appeles', value: 0.179487 });
  });

  it('suppresses small counts for another organisation’s pilot and for the national pilot', async () => {
    const other = (await get('/api/indicateurs/entonnoir?programme=aidants&mois=2024-01&au=2024-12&organisation=cpam-83', caf83)).json();
    expect(other.masque).toBe(true);
    expect(other.stages.find((s: Stage) => s.code === 'accompagnements').count).toBeNull();
    expect(other.stages.find((s: Stage) => s.code === 'cibles').count).toBe(175);
    const national = (await get('/api/indicateurs/entonnoir?programme=aidants&mois=2024-01&au=2024-12', cnam)).json();
    expect(national.perimetre.level).toBe('national');
    expect(national.stages.find((s: Stage) => s.code === 'cibles').count).toBe(175 + 109);
    expect(national.detail.map((d: { perimetre: { code: string } }) => d.perimetre.code).sort()).toEqual(['32', '93']);
    const overlap = await get('/api/indicateurs/entonnoir?programme=aidants&mois=2024-01&au=2024-08&organisation=cpam-83', cnam);
    expect(overlap.statusCode).toBe(400);
    expect(overlap.json().erreur).toMatch(/par mois ou par année civile entière/);
  });

  it('gives the monthly trend', async () => {
    const res = await get('/api/indicateurs/tendance?programme=aidants&mois=2024-01&au=2024-12', cpam83);
    const body = res.json();
    expect(body.mois).toHaveLength(12);
    expect(body.mois.slice(0, 8).reduce((n: number, m: { stages: Stage[] }) => n + m.stages[0]!.count!, 0)).toBe(175);
    expect(body.mois[8].stages[0].count).toBe(0);
  });

  it('exports the tables as CSV and XLSX, with the same suppression, and audits the export', async () => {
    const csv = await get('/api/indicateurs/entonnoir.csv?programme=aidants&mois=2024-01&au=2024-08', cpam83);
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="entonnoir-aidants-organisation-cpam-83-2024-01_2024-08.csv"');
    expect(csv.body).toMatch(/^\ufeffProgramme;/);
    expect(csv.body).toContain('rdv_honores;Parcours réalisés (rendez-vous honorés);14');
    expect(csv.body).toContain('transformation-appels;Taux de transformation (rendez-vous honorés / personnes appelées);rdv_honores;appeles;0.179487;17,9 %');

    const masked = await get('/api/indicateurs/entonnoir.csv?programme=aidants&mois=2024-01&au=2024-12&organisation=cpam-83', caf83);
    expect(masked.body).toContain('accompagnements;Accompagnements MisAS;< 11');

    const xlsx = await get('/api/indicateurs/entonnoir.xlsx?programme=aidants&mois=2024-01&au=2024-08', cpam83);
    expect(xlsx.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((w) => w.name)).toEqual(['Entonnoir', 'Taux', 'Évolution mensuelle']);
    const rows = workbook.getWorksheet('Entonnoir')!.getSheetValues().filter(Boolean).map((r) => (r as unknown[]).slice(1));
    expect(rows).toContainEqual(['cibles', 'Aidants identifiés', 175]);
    const rates = workbook.getWorksheet('Taux')!.getSheetValues().filter(Boolean).map((r) => (r as unknown[]).slice(1));
    expect(rates).toContainEqual(['transformation-joints', 'Taux de transformation (rendez-vous honorés / personnes jointes)', 'rdv_honores', 'joints', 0.318182]);

    const audit = await server.database.db.selectFrom('journal_audit').select(['action', 'details']).where('action', '=', 'indicateurs_exportes').execute();
    expect(audit.map((a) => a.details.format)).toEqual(['csv', 'csv', 'xlsx']);
  });

  it('refuses agents, and says in French what is wrong with a request', async () => {
    expect((await get('/api/indicateurs/entonnoir?programme=aidants&mois=2024-01', agent)).statusCode).toBe(403);
    const month = await get('/api/indicateurs/entonnoir?programme=aidants&mois=2024-1', cpam83);
    expect(month.statusCode).toBe(400);
    expect(month.json().champs.mois).toMatch(/AAAA-MM/);
    const programme = await get('/api/indicateurs/entonnoir?programme=nimporte&mois=2024-01', cpam83);
    expect(programme.statusCode).toBe(400);
    expect(programme.json()).toMatchObject({ champs: { programme: expect.stringMatching(/Programme inconnu « nimporte »/) } });
    const two = await get('/api/indicateurs/entonnoir?programme=aidants&mois=2024-01&departement=83&region=93', cpam83);
    expect(two.json().erreur).toMatch(/un seul périmètre/);
    const unknown = await get('/api/indicateurs/entonnoir?programme=aidants&mois=2024-01&organisation=nulle-part', cpam83);
    expect(unknown.statusCode).toBe(404);
  });

  it('lists the programmes with their stages for the dashboard filters', async () => {
    const body = (await get('/api/indicateurs/options', cpam83)).json();
    expect(body.organisation).toEqual({ code: 'cpam-83', nom: 'CPAM du Var' });
    expect(body.programmes.find((p: { id: string }) => p.id === 'aidants').etapes[0]).toEqual({ code: 'cibles', libelle: 'Aidants identifiés' });
    expect(body.departements.find((d: { code: string }) => d.code === '83')).toEqual({ code: '83', nom: 'Var', region: '93' });
    expect((await get('/api/indicateurs/options', cnam)).json().organisation).toBeNull();
  });
});
