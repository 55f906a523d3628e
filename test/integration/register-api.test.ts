/**
 * The DPO's API: the processing register of the organisation (JSON and CSV) and the destruction
 * records of the audit trail, scoped to the caller's organisation.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureExchangeSetup, importPackage, runCycle } from '../../src/exchange/index.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import { destroyExpiredContacts, pseudonymsDigest } from '../../src/privacy/index.ts';
import { ENGINE } from '../helpers/database.ts';
import { sessionFor, startTestServer, type Credentials, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let work: string;
let dpo: Credentials;
let digest: string;
let destroyed: number;
let packageId: string;

const get = (who: Credentials, url: string) => server.app.inject({ method: 'GET', url, headers: who.headers });

describe(`processing register and destruction records (${ENGINE})`, () => {
  beforeAll(async () => {
    server = await startTestServer();
    const db = server.database.db;
    await ensureExchangeSetup(db);
    dpo = await sessionFor(server.database, 'dpo.cpam83@passerelle.test');
    work = await mkdtemp(join(tmpdir(), 'passerelle-register-api-'));
    await generateExtracts({ departement: '83', month: '2026-11', outDir: join(work, 'src'), scale: 0.01, seed: 7, people: { ajpa: 20, ajpp: 4 } });
    const now = new Date('2026-11-28T09:00:00Z');
    const cycle = await runCycle(db, { programme: 'aidants', periode: '2026-11', source: join(work, 'src'), outDir: join(work, 'out'), expediteur: 'caf-83', now });
    packageId = cycle.paquets[0]!.id;
    await importPackage(db, cycle.paquets[0]!.manifeste, { organisation: 'cpam-83', now });
    const pseudos = (await db.selectFrom('contacts').select('pseudonyme').where('paquet_id', '=', packageId).execute()).map((r) => r.pseudonyme!);
    digest = pseudonymsDigest(pseudos);
    destroyed = pseudos.length;
    const report = await destroyExpiredContacts(db, { today: '2027-06-01' });
    expect(report.total).toBe(destroyed);
  });

  afterAll(async () => {
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('shows the register entries of the DPO’s organisation, every required heading filled', async () => {
    const res = await get(dpo, '/api/registre');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.organisation).toEqual({ code: 'cpam-83', nom: 'CPAM du Var' });
    const refs: string[] = body.entrees.map((e: { reference: string }) => e.reference);
    expect(refs).toContain('aidants/conv-aidants-caf-83-cpam-83');
    // Another organisation's conventions are not in this register; programmes of other branches only are left out.
    expect(refs.some((r) => r.includes('caf-59'))).toBe(false);
    expect(refs).not.toContain('separation/modele');
    expect(refs).toContain('prado/modele');
    const aidants = body.entrees.find((e: { reference: string }) => e.reference === 'aidants/conv-aidants-caf-83-cpam-83');
    for (const key of ['responsableTraitement', 'finalite', 'categoriesPersonnes', 'conservation']) expect(aidants[key], key).toMatch(/\w/);
    expect(aidants.baseLegale.length).toBeGreaterThan(0);
    expect(aidants.categoriesDonnees.length).toBeGreaterThan(0);
    expect(aidants.destinataires.join(' ')).toMatch(/CPAM du Var \(cpam-83\)/);
    expect(aidants.mesuresSecurite.length).toBeGreaterThan(0);
    expect(aidants.champsTransmis).toEqual(['email', 'telephone', 'code_postal', 'nom', 'prenom', 'prestation']);

    const national = await sessionFor(server.database, 'admin.national@passerelle.test');
    const all = (await get(national, '/api/registre')).json().entrees.map((e: { reference: string }) => e.reference);
    expect(all).toContain('aidants/conv-aidants-caf-59-cpam-59-flandres');
    expect(all).toContain('separation/modele');
  });

  it('downloads the register as CSV (BOM, « ; », French headings)', async () => {
    const res = await get(dpo, '/api/registre.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="registre-traitements_cpam-83_\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.body.startsWith('\ufeffRéférence;Programme;Document source;Convention;')).toBe(true);
    const lines = res.body.trim().split('\r\n');
    const json = (await get(dpo, '/api/registre')).json();
    expect(lines.length).toBe(json.entrees.length + 1);
    expect(res.body).toContain('aidants/conv-aidants-caf-83-cpam-83;');
  });

  it('lists the destruction records of the organisation with the digest of the pseudonyms, never the data', async () => {
    const res = await get(dpo, '/api/registre/destructions');
    expect(res.statusCode).toBe(200);
    const { destructions } = res.json();
    expect(destructions).toEqual([expect.objectContaining({ organisation: 'cpam-83', programme: 'aidants', paquet: packageId, nombre: destroyed, empreinteSha256: digest })]);
    expect(destructions[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(destructions)).not.toMatch(/@/);

    const csv = await get(dpo, '/api/registre/destructions.csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.body.startsWith('\ufeffDate de destruction;Organisme;Programme;Paquet;Nombre de personnes;')).toBe(true);
    expect(csv.body).toContain(`;cpam-83;aidants;${packageId};${destroyed};`);
    expect(csv.body).toContain(digest);

    // The Caf's administrator sees no destruction: it destroyed nothing.
    const admin = await sessionFor(server.database, 'admin.caf83@passerelle.test');
    expect((await get(admin, '/api/registre/destructions')).json().destructions).toEqual([]);
  });

  it('audits the DPO’s views and downloads', async () => {
    const rows = await server.database.db.selectFrom('journal_audit').select(['action', 'acteur_organisation']).where('action', 'like', 'registre.%').execute();
    const actions = rows.map((r) => r.action);
    for (const a of ['registre.consultation', 'registre.telechargement', 'registre.destructions_consultees', 'registre.destructions_telechargees']) expect(actions).toContain(a);
  });
});
