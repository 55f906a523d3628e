import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/accounts/passwords.ts';
import { organisationPseudonymKey } from '../../src/exchange/index.ts';
import { csvHeader, csvLine, type ExtractRow } from '../../src/extracts/index.ts';
import { pseudonym } from '../../src/programmes/index.ts';
import { nirKey } from '../../src/shared/nir.ts';
import { ensureDemoSignalements, importSignalements, listSignalements } from '../../src/signalements/index.ts';
import { ensureDemoAccounts } from '../../src/accounts/index.ts';
import { freshDatabase } from '../helpers/database.ts';
import { cliTarget, runCli, type CliTarget } from '../helpers/cli.ts';
import { ENGINE } from '../helpers/database.ts';
import { sessionFor, startTestServer, type Credentials, type TestServer } from '../helpers/server.ts';
import { SESSION_COOKIE } from '../../src/server/access.ts';
import { openSession } from '../../src/accounts/index.ts';

const PROGRAMME = 'carsat-sortie-hospitalisation';
const nir = (body13: string) => `${body13}${nirKey(body13)}`;
const today = new Date().toISOString().slice(0, 10);
const month = today.slice(0, 7);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/** A form body meeting one criterion (ALD) for a person living in Toulon. */
const person = (over: Record<string, string> = {}) => ({
  nir: nir('2430583137021'), nom: 'MARTINEZ', prenom: 'Josette', sexe: 'F', date_naissance: '1943-05-14', code_postal: '83000', code_commune: '83137',
  commune: 'Toulon', telephone: '04 94 12 34 56', date_signalement: today, date_entree: daysAgo(5), date_sortie_prevue: daysAgo(-3), ald: 'oui', c2s: 'non',
  minimum_social: 'aucun', sans_complementaire: 'non', difficulte_financement_soins: 'non', retraite: 'non', gir: '', ...over,
});

type FileRow = ExtractRow<'etablissements_signalements_sortie'>;
const fileRow = (over: Partial<FileRow> = {}): FileRow => {
  const { date_signalement, ...p } = person();
  return { date_signalement, finess_etablissement: '830100566', etablissement: 'CHI Toulon', ...p, ...over } as FileRow;
};
const csv = (rows: string[]) => csvHeader('etablissements_signalements_sortie') + rows.join('');

describe(`signalements: establishment → competent Carsat (${ENGINE})`, () => {
  let server: TestServer;
  let toulon: Credentials;
  let hyeres: Credentials;
  let carsatSudEst: Credentials;
  let carsatHdf: Credentials;
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-signalements-'));

  const post = (c: Credentials, body: unknown) => server.app.inject({ method: 'POST', url: '/api/signalements', headers: c.headers, payload: body as object });
  const list = (c: Credentials) => server.app.inject({ method: 'GET', url: '/api/signalements', headers: c.headers });

  beforeAll(async () => {
    server = await startTestServer();
    const db = server.database.db;
    toulon = await sessionFor(server.database, 'signalant.chtoulon@passerelle.test');
    hyeres = await sessionFor(server.database, 'signalant.chhyeres@passerelle.test');
    carsatSudEst = await sessionFor(server.database, 'agent.carsatsudest@passerelle.test');
    // an agent of another region's Carsat
    const hash = await hashPassword('Un-mot-de-passe-2026');
    const { id } = await db.insertInto('comptes').values({ email: 'agent.hdf.test@passerelle.test', nom: 'Agent HDF', organisation_code: 'carsat-hauts-de-france', roles: ['agent'], mot_de_passe_hash: hash, verrouille_jusqu_a: null })
      .returning('id').executeTakeFirstOrThrow();
    const s = await openSession(db, id);
    carsatHdf = { cookie: `${SESSION_COOKIE}=${s.token}`, csrf: s.csrf, headers: { cookie: `${SESSION_COOKIE}=${s.token}`, 'x-csrf-token': s.csrf } };
  });
  afterAll(async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); });

  it('declares the establishments as organisations with a FINESS number and a commune', async () => {
    const e = await server.database.db.selectFrom('organisations').select(['code', 'type', 'finess', 'commune_code', 'departement_code']).where('type', '=', 'etablissement').orderBy('code').execute();
    expect(e.map((x) => x.code)).toEqual(expect.arrayContaining(['ch-toulon', 'ch-hyeres', 'chu-lille', 'ch-dunkerque']));
    expect(e.find((x) => x.code === 'ch-toulon')).toMatchObject({ finess: '830100566', commune_code: '83137', departement_code: '83' });
  });

  it('puts a signalled person on the competent Carsat worklist, in the cohort of the month, and says « déjà suivi » the second time', async () => {
    const created = await post(toulon, person());
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ resultat: 'ajoute', organisme: { code: 'carsat-sud-est', nom: 'Carsat Sud-Est' }, periode: month, statut: 'recu', statutLibelle: 'Reçu' });
    const db = server.database.db;
    const contacts = await db.selectFrom('contacts').select(['id', 'organisation_code', 'periode', 'origine', 'pseudonyme', 'champs', 'appelable', 'echeance', 'statut'])
      .where('programme', '=', PROGRAMME).execute();
    expect(contacts).toHaveLength(1);
    const c = contacts[0]!;
    expect(c).toMatchObject({ organisation_code: 'carsat-sud-est', periode: month, origine: 'signalement', appelable: true, statut: 'a_contacter' });
    const key = await organisationPseudonymKey(db, 'carsat-sud-est');
    expect(c.pseudonyme).toBe(pseudonym(key, person().nir));
    expect(JSON.stringify(c.champs)).not.toContain(person().nir);
    expect(c.champs).toMatchObject({ ald: 'Oui, reconnue', marqueurs: 'non-retraite', telephone: '0494123456', etablissement: expect.stringMatching(/Toulon/) });

    // the same person signalled by another hospital: not added twice
    const again = await post(hyeres, person({ nom: 'MARTINEZ', prenom: 'Josette', ald: 'non', retraite: 'oui', gir: '5' }));
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json()).toMatchObject({ resultat: 'deja_suivi' });
    expect(again.json().message).toMatch(/déjà suivi/);
    expect(await db.selectFrom('contacts').select('id').where('programme', '=', PROGRAMME).execute()).toHaveLength(1);
  });

  it('validates each field in French and refuses a signalement without any indicative criterion', async () => {
    const bad = await post(toulon, person({ nir: '2430583137021 00', code_postal: '83', ald: 'peut-etre', gir: '5' }));
    expect(bad.statusCode).toBe(400);
    const champs = bad.json().champs as Record<string, string>;
    expect(champs.code_postal).toMatch(/5 chiffres/);
    expect(champs.ald).toMatch(/Affection de longue durée/);
    const key = await post(toulon, person({ nir: '243058313702100' }));
    expect(key.statusCode).toBe(400);
    expect(key.json().champs.nir).toMatch(/clé/i);
    expect(key.body).not.toContain('243058313702100');
    const gir = await post(toulon, person({ nir: nir('1650783137112'), gir: '5' }));
    expect(gir.json().champs.gir).toMatch(/non retraité/);
    const none = await post(toulon, person({ nir: nir('1650783137112'), ald: 'non' }));
    expect(none.statusCode).toBe(422);
    expect(none.json().erreur).toMatch(/aucun critère indicatif/);
    const missing = await post(toulon, { nom: 'X' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().champs.nir).toMatch(/obligatoire/);
  });

  it('sends a person of the Nord to the Carsat Hauts-de-France', async () => {
    const r = await post(toulon, person({ nir: nir('1490959350017'), nom: 'DUBOIS', prenom: 'Jean', sexe: 'M', code_postal: '59000', code_commune: '59350', commune: 'Lille', retraite: 'oui', gir: '6', ald: 'non' }));
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().organisme.code).toBe('carsat-hauts-de-france');
  });

  it("shows the Carsat Sud-Est agent the person with the criteria as fields; another region's Carsat never sees her", async () => {
    const lists = await server.app.inject({ method: 'GET', url: `/api/listes?programme=${PROGRAMME}`, headers: carsatSudEst.headers });
    expect(lists.statusCode, lists.body).toBe(200);
    const body = lists.json();
    expect(body.lignes).toHaveLength(1);
    expect(body.lignes[0].champs).toMatchObject({ nom: 'MARTINEZ', prenom: 'Josette', code_postal: '83000' });
    const page = await server.app.inject({ method: 'GET', url: `/api/listes/contacts/${body.lignes[0].id}`, headers: carsatSudEst.headers });
    // signalled again by Hyères while followed: not a second row, her details are the latest signalement's (src/outreach/enrolment.ts)
    expect(page.json().contact.champs).toMatchObject({ etablissement: 'Centre hospitalier de Hyères', ald: 'Non', c2s: 'Non', retraite: 'Oui', gir: 'GIR 5', date_signalement: expect.stringMatching(/\d{4}$/) });
    expect(page.json().evenements.map((e: { code: string }) => e.code)).toContain('coordonnees_modifiees');
    expect(page.json().contact.champs).not.toHaveProperty('nir');

    const foreign = await server.app.inject({ method: 'GET', url: `/api/listes?organisation=carsat-sud-est&programme=${PROGRAMME}`, headers: carsatHdf.headers });
    expect(foreign.statusCode).toBe(403);
    const foreignPage = await server.app.inject({ method: 'GET', url: `/api/listes/contacts/${body.lignes[0].id}`, headers: carsatHdf.headers });
    expect(foreignPage.statusCode).toBe(404);
    const own = await server.app.inject({ method: 'GET', url: `/api/listes?programme=${PROGRAMME}`, headers: carsatHdf.headers });
    expect(own.json().lignes.map((l: { champs: { nom: string } }) => l.champs.nom)).toEqual(['DUBOIS']);
    // an agent is not a signalant
    expect((await list(carsatSudEst)).statusCode).toBe(403);
  });

  it("gives the establishment the status of its own signalements only, never the Carsat's events or notes", async () => {
    const lists = await server.app.inject({ method: 'GET', url: `/api/listes?programme=${PROGRAMME}`, headers: carsatSudEst.headers });
    const { id, version } = lists.json().lignes[0];
    const joint = await server.app.inject({ method: 'POST', url: `/api/listes/contacts/${id}/evenements`, headers: carsatSudEst.headers, payload: { code: 'appel_joint', version } });
    expect(joint.statusCode, joint.body).toBe(201);
    const accepted = await server.app.inject({ method: 'POST', url: `/api/listes/contacts/${id}/evenements`, headers: carsatSudEst.headers, payload: { code: 'offre_acceptee', version: joint.json().version, detail: 'Note interne : fille aidante, appeler après 18 h' } });
    expect(accepted.statusCode, accepted.body).toBe(201);

    const mine = await list(toulon);
    expect(mine.statusCode, mine.body).toBe(200);
    const rows = mine.json().signalements as { personne: string; statut: string; organisme: { code: string }; dejaSuivi: boolean }[];
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.organisme.code === 'carsat-sud-est')).toMatchObject({ personne: 'J. M.', statut: 'pris_en_charge', dejaSuivi: false });
    expect(rows.find((r) => r.organisme.code === 'carsat-hauts-de-france')).toMatchObject({ personne: 'J. D.', statut: 'recu' });
    for (const forbidden of ['Note interne', 'offre_acceptee', 'appel_joint', 'MARTINEZ', 'Josette', 'evenements', '0494123456']) expect(mine.body).not.toContain(forbidden);

    const theirs = await list(hyeres);
    const hRows = theirs.json().signalements;
    expect(hRows).toHaveLength(1);
    expect(hRows[0]).toMatchObject({ dejaSuivi: true, statut: 'pris_en_charge' });
  });

  it('honours the opposition register: the person is listed as opposed at once and the establishment sees « refusé »', async () => {
    const db = server.database.db;
    const key = await organisationPseudonymKey(db, 'carsat-sud-est');
    const who = nir('1380283137210');
    await db.insertInto('oppositions').values({ organisation_code: 'carsat-sud-est', programme: PROGRAMME, pseudonyme: pseudonym(key, who), oppose_le: new Date('2026-06-01T10:00:00Z'), conserver_jusqu_au: '2027-12-31' }).execute();
    const r = await post(toulon, person({ nir: who, nom: 'FABRE', prenom: 'Henri', sexe: 'M' }));
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ resultat: 'ajoute', statut: 'refuse' });
    const contact = await db.selectFrom('contacts').select('statut').where('pseudonyme', '=', pseudonym(key, who)).executeTakeFirstOrThrow();
    expect(contact.statut).toBe('opposition');
  });

  it('imports a file sent to the Carsat: each row to the month of its date, bad rows reported with their line, « déjà suivis » counted apart', async () => {
    const path = join(dir, 'signalements.csv');
    const lastMonth = daysAgo(40);
    writeFileSync(path, csv([
      csvLine('etablissements_signalements_sortie', fileRow({ nir: nir('2581283126045'), nom: 'LEROY', prenom: 'Martine', code_postal: '83500', code_commune: '83126', commune: 'La Seyne-sur-Mer', c2s: 'oui', ald: 'non' })), // 2: added
      csvLine('etablissements_signalements_sortie', fileRow()), // 3: déjà suivi (the form's person is followed)
      csvLine('etablissements_signalements_sortie', fileRow({ nir: '243058313702100' })), // 4: bad key
      'trop;peu;de;colonnes\n', // 5
      csvLine('etablissements_signalements_sortie', fileRow({ nir: nir('1490959350017'), code_postal: '59000', code_commune: '59350', commune: 'Lille' })), // 6: another Carsat
      csvLine('etablissements_signalements_sortie', fileRow({ nir: nir('2710483137305'), ald: 'non' })), // 7: no criterion
      csvLine('etablissements_signalements_sortie', fileRow({ nir: nir('2710483137305'), date_signalement: lastMonth, date_entree: daysAgo(45), date_sortie_prevue: daysAgo(38), telephone: '12', finess_etablissement: '830100061', etablissement: 'CH Hyères' })), // 8: added last month, phone dropped
    ]));
    const report = await importSignalements(server.database.db, {
      path, destinataire: 'carsat-sud-est', etablissement: null, reportPath: `${path}.rapport.csv`, acteur: { compteId: null, organisation: 'carsat-sud-est' },
    });
    expect(report).toMatchObject({ lignes: 7, ajoutes: 2, dejaSuivis: 1, rejetees: 4, valeursIgnorees: 1 });
    const reasons = Object.fromEntries(report.rapport.filter((r) => r.resultat === 'rejete').map((r) => [r.ligne, r.raison]));
    expect(reasons[4]).toMatch(/nir/);
    expect(reasons[5]).toMatch(/colonne/);
    expect(reasons[6]).toMatch(/Carsat Hauts-de-France/);
    expect(reasons[7]).toMatch(/aucun critère indicatif/);
    const text = readFileSync(`${path}.rapport.csv`, 'utf8');
    expect(text).toMatch(/^\uFEFFligne;resultat;raison\r\n2;ajoute;ajouté à la liste de \p{L}+ \d{4} de Carsat Sud-Est\r\n/u);
    expect(text).toMatch(/\r\n3;deja_suivi;déjà suivi/);
    expect(text).not.toContain('MARTINEZ');
    const db = server.database.db;
    const cohorts = await db.selectFrom('contacts').select(['periode']).where('organisation_code', '=', 'carsat-sud-est').where('programme', '=', PROGRAMME).execute();
    expect(cohorts.filter((c) => c.periode === lastMonth.slice(0, 7))).toHaveLength(month === lastMonth.slice(0, 7) ? 4 : 1);
    const fromHyeres = await db.selectFrom('signalements').select(['etablissement_code', 'origine']).where('date_signalement', '=', lastMonth).executeTakeFirstOrThrow();
    expect(fromHyeres).toEqual({ etablissement_code: 'ch-hyeres', origine: 'fichier' });
  });

  it('imports the same file again (after a crash, by mistake): nothing recorded twice, every row « déjà suivi » or rejected as before', async () => {
    const db = server.database.db;
    const path = join(dir, 'signalements.csv');
    const count = async (table: 'contacts' | 'signalements' | 'evenements') => Number((await db.selectFrom(table).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    const audits = async () => (await db.selectFrom('journal_audit').select('details').where('action', '=', 'signalement.cree').execute()).length;
    const before = { contacts: await count('contacts'), signalements: await count('signalements'), evenements: await count('evenements'), audits: await audits() };
    const report = await importSignalements(db, {
      path, destinataire: 'carsat-sud-est', etablissement: null, reportPath: `${path}.rapport2.csv`, acteur: { compteId: null, organisation: 'carsat-sud-est' },
    });
    expect(report).toMatchObject({ lignes: 7, ajoutes: 0, dejaSuivis: 3, rejetees: 4 });
    for (const r of report.rapport.filter((x) => x.resultat === 'deja_suivi')) {
      expect(r.raison).toMatch(/^déjà suivi : signalement déjà reçu le \d{2}\/\d{2}\/\d{4} \(même établissement, même personne, même date de signalement\) : rien de nouveau$/);
    }
    expect({ contacts: await count('contacts'), signalements: await count('signalements'), evenements: await count('evenements'), audits: await audits() }).toEqual(before);
  });

  it("lets an establishment upload its file; rows of another establishment are refused", async () => {
    const body = csv([
      csvLine('etablissements_signalements_sortie', fileRow({ nir: nir('1650783137112'), nom: 'BENSAID', prenom: 'Karim', sexe: 'M', sans_complementaire: 'oui', ald: 'non' })),
      csvLine('etablissements_signalements_sortie', fileRow({ nir: nir('1490983069017'), finess_etablissement: '830100061' })),
    ]);
    const r = await server.app.inject({ method: 'POST', url: '/api/signalements/fichier', headers: { ...toulon.headers, 'content-type': 'application/octet-stream' }, payload: Buffer.from(body) });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ lignes: 2, ajoutes: 1, rejetees: 1 });
    expect(r.json().rapport.find((x: { ligne: number }) => x.ligne === 3).raison).toMatch(/autre établissement/);
    const header = await server.app.inject({ method: 'POST', url: '/api/signalements/fichier', headers: { ...toulon.headers, 'content-type': 'application/octet-stream' }, payload: Buffer.from('nir;nom\n1;2\n') });
    expect(header.statusCode).toBe(400);
    expect(header.json().erreur).toMatch(/en-tête/);
  });

  it('audits every signalement, import and consultation without personal data', async () => {
    const rows = await server.database.db.selectFrom('journal_audit').select(['action', 'acteur_organisation', 'details'])
      .where('action', 'in', ['signalement.cree', 'signalements.import', 'signalements.consultation']).execute();
    const count = (a: string) => rows.filter((r) => r.action === a).length;
    // 4 by the form; by file: 2 of the Carsat's import (its line 3 is the form's signalement again: nothing written), none of its rerun, 1 uploaded
    expect(count('signalement.cree')).toBe(7);
    expect(count('signalements.import')).toBe(3);
    // each row's record carries its import's identifier, as the import's summary does
    const imports = new Set(rows.filter((r) => r.action === 'signalements.import').map((r) => (r.details as { import: string }).import));
    const fromFiles = rows.filter((r) => r.action === 'signalement.cree' && (r.details as { origine: string }).origine === 'fichier');
    expect(fromFiles).toHaveLength(3);
    for (const r of fromFiles) expect(imports.has((r.details as { import: string }).import)).toBe(true);
    expect(count('signalements.consultation')).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(rows);
    for (const p of ['MARTINEZ', 'Josette', person().nir, 'LEROY', 'J. M.']) expect(text).not.toContain(p);
    expect(rows.find((r) => r.action === 'signalement.cree')).toMatchObject({ acteur_organisation: 'ch-toulon' });
  });

  it("wipes the initials kept for the establishment when the Carsat's contact is destroyed", async () => {
    const db = server.database.db;
    const c = await db.selectFrom('contacts').select('id').where('organisation_code', '=', 'carsat-hauts-de-france').executeTakeFirstOrThrow();
    await db.updateTable('contacts').set({ detruit_le: new Date(), champs: null, pseudonyme: null }).where('id', '=', c.id).execute();
    const rows = (await list(toulon)).json().signalements as { personne: string; organisme: { code: string } }[];
    expect(rows.find((r) => r.organisme.code === 'carsat-hauts-de-france')?.personne).toBe('données détruites');
    expect(rows.filter((r) => r.personne === 'données détruites')).toHaveLength(1);
  });
});

describe(`demo signalements (${ENGINE})`, () => {
  it('gives the Toulon hospital signalements at the Carsat Sud-Est in each status, once', async () => {
    const database = await freshDatabase();
    try {
      const db = database.db;
      await ensureDemoAccounts(db);
      const today = new Date('2026-12-05T10:00:00Z');
      expect(await ensureDemoSignalements(db, { today })).toBe(6);
      expect(await ensureDemoSignalements(db, { today })).toBe(0);
      const account = await db.selectFrom('comptes').select(['id', 'roles']).where('email', '=', 'signalant.chtoulon@passerelle.test').executeTakeFirstOrThrow();
      const r = await listSignalements(db, { compteId: account.id, organisation: { code: 'ch-toulon', nom: 'CHI Toulon', type: 'etablissement' }, roles: ['signalant'] }, {});
      if (!r.ok) throw new Error(r.erreur);
      expect(r.signalements.map((x) => x.statut).sort()).toEqual(['pris_en_charge', 'recu', 'recu', 'recu', 'refuse']);
      expect(new Set(r.signalements.map((x) => x.organisme.code))).toEqual(new Set(['carsat-sud-est']));
      const cohorts = await db.selectFrom('contacts').select('periode').distinct().where('programme', '=', PROGRAMME).orderBy('periode').execute();
      expect(cohorts.map((c) => c.periode)).toEqual(['2026-11', '2026-12']);
    } finally { await database.drop(); }
  });
});

describe(`npx passerelle signalements import (${ENGINE})`, () => {
  let target: CliTarget;
  const cli = (args: string[]) => runCli(args, target.dataDir, target.env);
  beforeAll(async () => { target = await cliTarget('passerelle-signalements-cli-'); });
  afterAll(async () => { await target?.drop(); });

  it('reports bad rows (exit 3), writes FILE.rapport.csv, counts « déjà suivis » in --json, and refuses a wrong header (exit 2)', async () => {
    expect((await cli(['init'])).code).toBe(0);
    const file = join(target.dataDir, 'envoi.csv');
    writeFileSync(file, csv([
      csvLine('etablissements_signalements_sortie', fileRow()),
      csvLine('etablissements_signalements_sortie', fileRow({ nom: 'MARTINEZ' })), // same person: déjà suivi
      csvLine('etablissements_signalements_sortie', fileRow({ nir: nir('1650783137112'), ald: 'non' })), // no criterion
    ]));
    const r = await cli(['signalements', 'import', '--organisation', 'carsat-sud-est', file, '--json']);
    expect(r.code, r.stderr).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ lignes: 3, ajoutes: 1, dejaSuivis: 1, rejetees: 1 });
    expect(readFileSync(`${file}.rapport.csv`, 'utf8')).toMatch(/\r\n4;rejete;signalement non retenu : aucun critère indicatif/);
    const human = await cli(['signalements', 'import', '--organisation', 'carsat-sud-est', file]);
    expect(human.stdout).toMatch(/ligne 4 : signalement non retenu/);
    expect(human.stdout).toMatch(/déjà suivis : 2/);
    expect(human.stdout).not.toContain('MARTINEZ');

    writeFileSync(file, 'nir;nom\n1;2\n');
    const header = await cli(['signalements', 'import', '--organisation', 'carsat-sud-est', file]);
    expect(header.code).toBe(2);
    expect(header.stderr).toMatch(/en-tête inattendu/);
    const unknown = await cli(['signalements', 'import', '--organisation', 'caf-83', file]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/ne reçoit pas de signalements/);

    const database = await target.open();
    try {
      const n = await database.db.selectFrom('contacts').select('id').where('programme', '=', PROGRAMME).execute();
      expect(n).toHaveLength(1);
    } finally { await database.close(); }
  }, 300_000);
});
