/**
 * The exchange officer's web API, through HTTP: upload → cycle in the background with progress →
 * row report and package files → the recipient imports → both sides see the package's life;
 * organisation scoping; bad files (empty, PDF, wrong header, too big, XLSX) with French messages.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureExchangeSetup, exchangeRepository } from '../../src/exchange/index.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import { verifyAuditChain } from '../../src/privacy/index.ts';
import { ENGINE } from '../helpers/database.ts';
import { sessionFor, startTestServer, type Credentials, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let small: TestServer;
let work: string;
let caf: Credentials;
let cpam: Credentials;
let adminCaf: Credentials;
let allocataires: Buffer;
let demandes: Buffer;

async function upload(s: TestServer, who: Credentials, usage: 'extrait' | 'paquet', name: string, body: Buffer | string) {
  return s.app.inject({
    method: 'POST', url: `/api/echanges/televersements?usage=${usage}`,
    headers: { ...who.headers, 'content-type': 'application/octet-stream', 'x-nom-fichier': encodeURIComponent(name) },
    payload: body,
  });
}

async function uploadId(s: TestServer, who: Credentials, usage: 'extrait' | 'paquet', name: string, body: Buffer | string): Promise<string> {
  const res = await upload(s, who, usage, name, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().televersement.id as string;
}

async function startCycle(who: Credentials, mois: string, fichiers: Record<string, string>) {
  return server.app.inject({ method: 'POST', url: '/api/echanges/cycles', headers: who.headers, payload: { programme: 'aidants', mois, fichiers } });
}

/** Polls the cycle until it ends; returns every state seen. */
async function waitForCycle(who: Credentials, id: string) {
  const seen: { statut: string; lignes: number; paquetsScelles: number }[] = [];
  for (let i = 0; i < 600; i++) {
    const res = await server.app.inject({ method: 'GET', url: `/api/echanges/cycles/${id}`, headers: who.headers });
    expect(res.statusCode, res.body).toBe(200);
    const cycle = res.json().cycle;
    seen.push({ statut: cycle.statut, lignes: cycle.lignes, paquetsScelles: cycle.paquetsScelles });
    if (cycle.statut === 'termine' || cycle.statut === 'echec') return { cycle, seen };
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error('le cycle ne se termine pas');
}

const get = (who: Credentials, url: string) => server.app.inject({ method: 'GET', url, headers: who.headers });

describe(`exchange officer's web API (${ENGINE})`, () => {
  beforeAll(async () => {
    server = await startTestServer();
    small = await startTestServer({ PASSERELLE_TELEVERSEMENT_MAX_MO: '0.01' }); // 10 KiB
    await ensureExchangeSetup(server.database.db);
    await ensureExchangeSetup(small.database.db);
    caf = await sessionFor(server.database, 'echanges.caf83@passerelle.test');
    cpam = await sessionFor(server.database, 'echanges.cpam83@passerelle.test');
    adminCaf = await sessionFor(server.database, 'admin.caf83@passerelle.test');
    work = await mkdtemp(join(tmpdir(), 'passerelle-exchange-api-'));
    await generateExtracts({ departement: '83', month: '2026-11', outDir: work, scale: 0.01, seed: 5, people: { ajpa: 40, ajpp: 8 } });
    allocataires = await readFile(join(work, 'caf_allocataires.csv'));
    demandes = await readFile(join(work, 'caf_ajpa_ajpp.csv'));
  });

  afterAll(async () => {
    await server?.close();
    await small?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  let cycleId: string;
  let packageId: string;
  let packageName: string;
  let sent: number;

  it('lists the programmes the organisation sends, with their files and the upload limit', async () => {
    const res = await get(caf, '/api/echanges/programmes');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.programmes.map((p: { id: string }) => p.id)).toContain('aidants');
    const aidants = body.programmes.find((p: { id: string }) => p.id === 'aidants');
    expect(aidants.fichiers).toEqual([
      expect.objectContaining({ cle: 'caf_allocataires', nom: 'caf_allocataires.csv', obligatoire: true }),
      expect.objectContaining({ cle: 'caf_ajpa_ajpp', nom: 'caf_ajpa_ajpp.csv', obligatoire: false }),
    ]);
    expect(body.tailleMaximale).toBeGreaterThan(1_000_000);
    // A CPAM does not send the caregivers' packages.
    const cpamProgrammes = (await get(cpam, '/api/echanges/programmes')).json().programmes.map((p: { id: string }) => p.id);
    expect(cpamProgrammes).not.toContain('aidants');
  });

  it('runs the cycle in the background with progress, then gives the result, the row report and the package files', async () => {
    const main = await uploadId(server, caf, 'extrait', 'caf_allocataires.csv', allocataires);
    const join_ = await uploadId(server, caf, 'extrait', 'demandes AJPA novembre.csv', demandes);
    const res = await startCycle(caf, '2026-11', { caf_allocataires: main, caf_ajpa_ajpp: join_ });
    expect(res.statusCode, res.body).toBe(202);
    cycleId = res.json().cycle.id;
    expect(res.json().cycle.statut).toBe('en_attente');

    // A second cycle while this one runs (or once it has sealed the month) is refused.
    const again = await startCycle(caf, '2026-11', { caf_allocataires: await uploadId(server, caf, 'extrait', 'x.csv', allocataires) });
    expect(again.statusCode).toBe(409);
    expect(again.json().erreur).toMatch(/déjà en cours|déjà produit/);

    const { cycle, seen } = await waitForCycle(caf, cycleId);
    expect(cycle.statut, cycle.erreur).toBe('termine');
    expect(seen.at(-1)!.lignes).toBe(cycle.resultat.lignesLues);
    const r = cycle.resultat;
    expect(r.lignesLues).toBe(allocataires.toString('utf8').trim().split('\n').length - 1);
    expect(r.paquets).toHaveLength(1);
    expect(r.paquets[0]).toMatchObject({ destinataire: 'cpam-83', destinataireNom: 'CPAM du Var', convention: 'conv-aidants-caf-83-cpam-83' });
    expect(r.paquets[0].nombre).toBeGreaterThanOrEqual(40);
    expect(cycle.paquetsScelles).toBe(1);
    packageId = r.paquets[0].id;
    packageName = r.paquets[0].nom;
    sent = r.paquets[0].nombre;

    const report = await get(caf, `/api/echanges/cycles/${cycleId}/rapport.csv`);
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toMatch(/text\/csv/);
    expect(report.headers['content-disposition']).toBe('attachment; filename="rapport_aidants_2026-11.csv"');
    expect(report.body.startsWith('\ufeffligne;raison\r\n')).toBe(true);

    // The extract does not outlive the cycle.
    const cycles = (await get(caf, '/api/echanges/cycles')).json().cycles;
    expect(cycles.map((c: { id: string }) => c.id)).toContain(cycleId);

    const list = (await get(caf, '/api/echanges/paquets')).json().paquets;
    expect(list).toEqual([expect.objectContaining({ id: packageId, sens: 'envoi', statut: 'scelle', destinataireNom: 'CPAM du Var', nombreEnregistrements: sent, fichiers: ['manifeste', 'contenu', 'signature'] })]);

    const manifest = await get(caf, `/api/echanges/paquets/${packageId}/fichiers/manifeste`);
    expect(manifest.statusCode).toBe(200);
    expect(manifest.json()).toMatchObject({ id: packageId, expediteur: 'caf-83', destinataire: 'cpam-83', nombreEnregistrements: sent });
    expect(manifest.headers['content-disposition']).toBe(`attachment; filename="${packageName}.manifest.json"`);
    // Administrators of the organisation may read the list and files too, not act.
    expect((await get(adminCaf, '/api/echanges/paquets')).json().paquets).toHaveLength(1);
    expect((await upload(server, adminCaf, 'extrait', 'a.csv', 'a;b\n')).statusCode).toBe(403);
  });

  it('scopes everything to the caller’s organisation', async () => {
    expect((await get(cpam, `/api/echanges/cycles/${cycleId}`)).statusCode).toBe(404);
    expect((await get(cpam, `/api/echanges/cycles/${cycleId}/rapport.csv`)).statusCode).toBe(404);
    expect((await get(cpam, '/api/echanges/cycles')).json().cycles).toEqual([]);
    expect((await get(cpam, '/api/echanges/paquets')).json().paquets).toEqual([]);
    const file = await get(cpam, `/api/echanges/paquets/${packageId}/fichiers/contenu`);
    expect(file.statusCode).toBe(404);
    expect(file.json().erreur).toBe('Ce paquet est introuvable pour votre organisme.');
    const other = await sessionFor(server.database, 'echanges.caf59@passerelle.test');
    expect((await get(other, '/api/echanges/paquets')).json().paquets).toEqual([]);
    // A CPAM cannot run the Caf's programme.
    const id = await uploadId(server, cpam, 'extrait', 'x.csv', allocataires);
    const refused = await startCycle(cpam, '2026-11', { caf_allocataires: id });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().champs.programme).toMatch(/^votre organisme \(CPAM du Var\) n’envoie pas les paquets du programme « Aller vers les proches aidants »/);
    // Nor use another organisation's upload.
    const mine = await uploadId(server, caf, 'extrait', 'x.csv', allocataires);
    const stolen = await server.app.inject({ method: 'POST', url: '/api/echanges/imports', headers: cpam.headers, payload: { televersements: [mine] } });
    expect(stolen.statusCode).toBe(400);
  });

  it('the recipient imports the package from its three files; the sender sees it acknowledged; a second import creates nothing', async () => {
    const files: string[] = [];
    for (const [fichier, suffix] of [['manifeste', 'manifest.json'], ['contenu', 'payload.age'], ['signature', 'sig']] as const) {
      const res = await get(caf, `/api/echanges/paquets/${packageId}/fichiers/${fichier}`);
      expect(res.statusCode).toBe(200);
      files.push(await uploadId(server, cpam, 'paquet', `${packageName}.${suffix}`, res.rawPayload));
    }
    // Two files only: a French message says what is missing.
    const partial = await server.app.inject({ method: 'POST', url: '/api/echanges/imports', headers: cpam.headers, payload: { televersements: files.slice(0, 2) } });
    expect(partial.statusCode).toBe(400);
    expect(partial.json().erreur).toBe('Paquet incomplet : il manque NOM.sig. Déposez ensemble les trois fichiers du paquet.');

    const res = await server.app.inject({ method: 'POST', url: '/api/echanges/imports', headers: cpam.headers, payload: { televersements: files } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().import).toMatchObject({ statut: 'importe', paquet: packageId, expediteur: 'caf-83', recus: sent, importes: sent, accuseEnregistre: true });
    expect(await exchangeRepository.countContacts(server.database.db, { organisation: 'cpam-83', paquet: packageId })).toBe(sent);

    const theirs = (await get(cpam, '/api/echanges/paquets')).json().paquets;
    expect(theirs).toEqual([expect.objectContaining({ id: packageId, sens: 'reception', statut: 'importe', nombreImportes: sent, expediteurNom: 'Caf du Var' })]);
    expect(theirs[0].fichiers).toEqual(['manifeste', 'signature', 'accuse']); // the payload is not kept
    const payload = await get(cpam, `/api/echanges/paquets/${packageId}/fichiers/contenu`);
    expect(payload.statusCode).toBe(404);
    expect(payload.json().erreur).toMatch(/effacé dès son import/);
    const ack = await get(cpam, `/api/echanges/paquets/${packageId}/fichiers/accuse`);
    expect(ack.json().accuse).toMatchObject({ paquet: packageId, statut: 'importe', importes: sent });

    const mine = (await get(caf, '/api/echanges/paquets')).json().paquets;
    expect(mine[0]).toMatchObject({ statut: 'acquitte', nombreImportes: sent });
    expect(mine[0].accuseLe).toMatch(/^\d{4}-/);

    // Replay: the same three files again.
    const again: string[] = [];
    for (const [fichier, suffix] of [['manifeste', 'manifest.json'], ['contenu', 'payload.age'], ['signature', 'sig']] as const) {
      again.push(await uploadId(server, cpam, 'paquet', `${packageName}.${suffix}`, (await get(caf, `/api/echanges/paquets/${packageId}/fichiers/${fichier}`)).rawPayload));
    }
    const replay = await server.app.inject({ method: 'POST', url: '/api/echanges/imports', headers: cpam.headers, payload: { televersements: again } });
    expect(replay.statusCode).toBe(422);
    expect(replay.json().erreur).toMatch(/^Paquet .* déjà importé le \d{4}-\d{2}-\d{2} \(\d+ contact\(s\)\) : ce second import ne crée rien\.$/);
    expect(replay.json().code).toBe('rejeu');
    expect(await exchangeRepository.countContacts(server.database.db, { organisation: 'cpam-83' })).toBe(sent);
  });

  it('refuses a package meant for another organisation, and a tampered one, with the French reason', async () => {
    const other = await sessionFor(server.database, 'echanges.cpamflandres@passerelle.test');
    const ids: string[] = [];
    const bodies: Record<string, Buffer> = {};
    for (const [fichier, suffix] of [['manifeste', 'manifest.json'], ['contenu', 'payload.age'], ['signature', 'sig']] as const) {
      bodies[suffix] = (await get(caf, `/api/echanges/paquets/${packageId}/fichiers/${fichier}`)).rawPayload;
      ids.push(await uploadId(server, other, 'paquet', `${packageName}.${suffix}`, bodies[suffix]!));
    }
    const wrong = await server.app.inject({ method: 'POST', url: '/api/echanges/imports', headers: other.headers, payload: { televersements: ids } });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().code).toBe('destinataire_incorrect');
    expect(wrong.json().erreur).toMatch(/^Paquet refusé : /);

    const tampered = Buffer.from(bodies['manifest.json']!.toString('utf8').replace(/"nombreEnregistrements":\s*\d+/, '"nombreEnregistrements": 1'));
    const t = [
      await uploadId(server, cpam, 'paquet', `${packageName}.manifest.json`, tampered),
      await uploadId(server, cpam, 'paquet', `${packageName}.payload.age`, bodies['payload.age']!),
      await uploadId(server, cpam, 'paquet', `${packageName}.sig`, bodies.sig!),
    ];
    const res = await server.app.inject({ method: 'POST', url: '/api/echanges/imports', headers: cpam.headers, payload: { televersements: t } });
    expect(res.statusCode).toBe(422);
    expect(res.json().erreur).toMatch(/^Paquet refusé : /);
    // A renamed file is refused at upload.
    const renamed = await upload(server, cpam, 'paquet', 'paquet.zip', 'x');
    expect(renamed.statusCode).toBe(400);
    expect(renamed.json().erreur).toMatch(/un paquet se compose de trois fichiers NOM\.manifest\.json, NOM\.payload\.age et NOM\.sig/);
  });

  it('refuses bad extracts with French messages: empty, PDF, old Excel, binary, wrong header', async () => {
    const empty = await upload(server, caf, 'extrait', 'vide.csv', '');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().erreur).toBe('Le fichier est vide (0 octet) : déposez l’extrait complet, avec sa ligne d’en-tête.');
    const pdf = await upload(server, caf, 'extrait', 'extrait.pdf', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'));
    expect(pdf.json().erreur).toMatch(/^Ce fichier est un document PDF/);
    const xls = await upload(server, caf, 'extrait', 'extrait.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]));
    expect(xls.json().erreur).toMatch(/Excel 97-2003 \(\.xls\), non pris en charge/);
    const binary = await upload(server, caf, 'extrait', 'image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]));
    expect(binary.json().erreur).toMatch(/^Ce fichier n’est ni un CSV ni un classeur XLSX/);
    const wrongType = await server.app.inject({ method: 'POST', url: '/api/echanges/televersements?usage=extrait', headers: { ...caf.headers, 'content-type': 'text/csv' }, payload: 'a;b\n' });
    expect(wrongType.statusCode).toBe(415);

    const noFile = await startCycle(caf, '2026-10', {});
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json().champs['fichiers.caf_allocataires']).toBe('déposez le fichier « Allocataires de la Caf » (caf_allocataires.csv)');

    const header = await uploadId(server, caf, 'extrait', 'autre.csv', 'nom;prenom;telephone\nDupont;Jean;0600000000\n');
    const res = await startCycle(caf, '2026-10', { caf_allocataires: header });
    expect(res.statusCode).toBe(202);
    const { cycle } = await waitForCycle(caf, res.json().cycle.id);
    expect(cycle.statut).toBe('echec');
    expect(cycle.erreur).toMatch(/^caf_allocataires\.csv refusé : /);
    expect(cycle.erreur).not.toMatch(/Dupont|0600000000/);
    expect((await get(caf, `/api/echanges/cycles/${cycle.id}/rapport.csv`)).statusCode).toBe(404);
  });

  it('refuses a file larger than the limit, announced or streamed, with a French message', async () => {
    const who = await sessionFor(small.database, 'echanges.caf83@passerelle.test');
    const big = Buffer.alloc(20 * 1024, 'a');
    const announced = await upload(small, who, 'extrait', 'gros.csv', big);
    expect(announced.statusCode).toBe(413);
    expect(announced.json().erreur).toMatch(/^Fichier trop volumineux : 0,0 Mo au plus|^Fichier trop volumineux : /);
    // Chunked (no content-length): the limit holds while streaming.
    const { Readable } = await import('node:stream');
    const streamed = await small.app.inject({
      method: 'POST', url: '/api/echanges/televersements?usage=extrait',
      headers: { ...who.headers, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
      payload: Readable.from([big.subarray(0, 8000), big.subarray(8000)]),
    });
    expect(streamed.statusCode).toBe(413);
    expect(streamed.json().erreur).toMatch(/^Fichier trop volumineux/);
    const ok = await upload(small, who, 'extrait', 'petit.csv', 'a;b\n1;2\n');
    expect(ok.statusCode).toBe(201);
  });

  it('reads an XLSX extract as it is: a bad row is reported with its spreadsheet row number', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Extrait');
    const lines = allocataires.toString('utf8').trim().split('\n').slice(0, 400);
    const header = lines[0]!.split(';');
    // Rows 5 to 8 of the sheet are left empty (an officer's blank lines): the rows after them keep their numbers.
    const rowOf = (i: number) => (i < 4 ? i + 1 : i + 5);
    lines.forEach((line, i) => {
      const cells: unknown[] = line.split(';');
      // Sheet row 10 (line 6 of the data): a formula in a text cell (rejected); sheet row 11: a real date cell (kept, as AAAA-MM-JJ).
      if (i === 5) cells[header.indexOf('nom')] = { formula: 'CONCATENATE("a";"b")', result: 'ab' };
      if (i === 6) cells[header.indexOf('date_naissance')] = new Date(`${cells[header.indexOf('date_naissance')] as string}T00:00:00Z`);
      sheet.getRow(rowOf(i)).values = cells as ExcelJS.CellValue[];
    });
    const last = rowOf(lines.length - 1);
    // The sheet's last row: a malformed postal code (rejected, with that row number).
    const lastCells = lines.at(-1)!.split(';');
    lastCells[header.indexOf('code_postal')] = '83A00';
    sheet.getRow(last).values = lastCells;
    const xlsx = Buffer.from(await book.xlsx.writeBuffer());
    const id = await uploadId(server, caf, 'extrait', 'Extrait allocataires Var.xlsx', xlsx);
    const res = await startCycle(caf, '2026-10', { caf_allocataires: id, caf_ajpa_ajpp: await uploadId(server, caf, 'extrait', 'demandes.csv', demandes) });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().cycle.formats).toEqual(['xlsx', 'csv']);
    const { cycle, seen } = await waitForCycle(caf, res.json().cycle.id);
    expect(cycle.statut, cycle.erreur).toBe('termine');
    expect(cycle.resultat.lignesLues).toBe(lines.length - 1);
    expect(cycle.resultat.lignesRejetees).toBe(2);
    expect(seen.map((s) => s.statut)).toContain('termine');
    expect(seen.map((s) => s.statut)).not.toContain('conversion');
    const report = (await get(caf, `/api/echanges/cycles/${cycle.id}/rapport.csv`)).body;
    expect(report).toMatch(/\r\n10;nom : la cellule commence par « = » \(formule de tableur refusée\)\r\n/);
    expect(report).toMatch(new RegExp(`\\r\\n${last};code_postal : `));
    expect(report).not.toMatch(/\r\n(6|11);/);
  });

  it('audits every action with counts only, and the chain holds', async () => {
    const rows = await server.database.db.selectFrom('journal_audit').select(['action', 'details', 'acteur_compte_id']).where('action', 'like', 'echange.%').execute();
    const actions = new Set(rows.map((r) => r.action));
    for (const a of ['echange.televersement', 'echange.cycle_lance', 'echange.cycle', 'echange.cycle_termine', 'echange.cycle_echec', 'echange.rapport_telecharge', 'echange.paquet_telecharge', 'echange.import', 'echange.import_web', 'echange.accuse', 'echange.import_refuse']) {
      expect(actions, a).toContain(a);
    }
    const text = JSON.stringify(rows.map((r) => r.details));
    expect(text).not.toMatch(/@|\b[12]\d{14}\b|Dupont|Extrait allocataires Var|demandes AJPA/);
    expect(rows.filter((r) => r.action === 'echange.import_web').every((r) => r.acteur_compte_id !== null)).toBe(true);
    expect((await verifyAuditChain(server.database.db)).ok).toBe(true);
  });
});
