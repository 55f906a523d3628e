/**
 * Programme vocabularies at work (issue 9 §4): a PRADO maternity visit and a Carsat social-service follow-up
 * recorded through the API (the person page's actions come from the programme) and through the bulk outcomes
 * import (API and command line); an event of another programme is refused with a French reason.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOutcomes } from '../../src/outreach/index.ts';
import { ENGINE } from '../helpers/database.ts';
import { cliTarget, runCli, type CliTarget } from '../helpers/cli.ts';
import { sessionFor, startTestServer, type Credentials, type TestServer } from '../helpers/server.ts';
import { insertContact, pseudo } from './outreach-support.ts';

let server: TestServer;
let ces: Credentials;
let carsat: Credentials;
const prado: string[] = [];
const arret91: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  ces = await sessionFor(server.database, 'agent.ces83@passerelle.test');
  carsat = await sessionFor(server.database, 'agent.carsatsudest@passerelle.test');
  for (let i = 0; i < 3; i++) {
    prado.push(await insertContact(server.database.db, {
      seed: `prado-${i}`, programme: 'prado', origine: 'extrait', appelable: false, champs: { nom: `Mère${i}`, prenom: 'Lina', maternite: 'Hôpital Sainte-Musse' },
    }));
  }
  for (let i = 0; i < 4; i++) {
    arret91.push(await insertContact(server.database.db, {
      seed: `a91-${i}`, organisation: 'carsat-sud-est', programme: 'carsat-arret-91', champs: { nom: `Assuré${i}`, prenom: 'Sam', telephone: '0612345678', code_postal: '83000' },
    }));
  }
});
afterAll(async () => { await server.close(); });

const get = (url: string, who: Credentials) => server.app.inject({ method: 'GET', url, headers: who.headers });
const post = (url: string, who: Credentials, payload: unknown) => server.app.inject({ method: 'POST', url, headers: who.headers, payload: payload as object });

/** Records an event as the person page does (reading the version first); returns the response. */
async function record(who: Credentials, id: string, code: string, detail?: string) {
  const page = (await get(`/api/listes/contacts/${id}`, who)).json();
  return post(`/api/listes/contacts/${id}/evenements`, who, { code, detail: detail ?? null, version: page.contact.version });
}
const actions = async (who: Credentials, id: string) => ((await get(`/api/listes/contacts/${id}`, who)).json().actions as { code: string }[]).map((a) => a.code);

describe(`PRADO: the maternity adviser's visit (${ENGINE})`, () => {
  it('proposes the visit’s events with the visit guide, never a phone call', async () => {
    const res = await get(`/api/listes/contacts/${prado[0]}`, ces);
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json();
    expect(page.script.titre).toMatch(/^Guide de visite — PRADO maternité/);
    expect(page.actions.map((a: { code: string }) => a.code)).toEqual(['prado_presente', 'visite_impossible', 'prado_adhesion', 'prado_refus', 'opposition']);
    expect(page.actions[0]).toMatchObject({ libelle: 'PRADO présenté lors de la visite en maternité', bouton: 'PRADO présenté', genre: 'joint', canal: 'visite', detail: 'note' });
  });

  it('records presentation, adhesion, TISF proposed, guide handed over and the orientation to the Caf correspondent', async () => {
    const id = prado[0]!;
    expect((await record(ces, id, 'prado_presente')).json()).toMatchObject({ statut: 'joint', statutLibelle: 'Joint' });
    expect(await actions(ces, id)).toEqual(['prado_adhesion', 'prado_refus', 'tisf_proposee', 'guide_caf_remis', 'orientation_caf', 'aide_domicile_debutee', 'opposition']);
    expect((await record(ces, id, 'prado_adhesion')).json().statut).toBe('accepte');
    expect((await record(ces, id, 'tisf_proposee')).json().statut).toBe('accepte');
    expect((await record(ces, id, 'guide_caf_remis')).json().statut).toBe('accepte');
    const oriented = await record(ces, id, 'orientation_caf', 'caf_correspondant');
    expect(oriented.statusCode, oriented.body).toBe(201);
    expect(oriented.json()).toMatchObject({ statut: 'oriente', statutLibelle: 'Orienté' });
    const page = (await get(`/api/listes/contacts/${id}`, ces)).json();
    expect(page.orientations).toEqual([expect.objectContaining({ partenaire: 'caf_correspondant', partenaireLibelle: 'Correspondant local de la Caf', partenaireOrganisation: 'caf-83', statut: 'envoyee' })]);
    expect(page.evenements.map((e: { libelle: string }) => e.libelle)).toEqual([
      'PRADO présenté lors de la visite en maternité', 'Adhésion au PRADO', 'Aide à domicile de la Caf (TISF) proposée', 'Guide des aides à domicile de la Caf remis',
      'Orientation vers le correspondant local de la Caf',
    ]);
  });

  it('refuses a phone event, a detail the event does not carry, and a partner the event does not name — in French', async () => {
    const id = prado[1]!;
    const call = await record(ces, id, 'appel_joint');
    expect(call.statusCode).toBe(422);
    expect(call.json().erreur).toMatch(/^Événement inconnu « appel_joint » pour le programme prado \(événements possibles : prado_presente, /);
    await record(ces, id, 'prado_presente');
    const detail = await record(ces, id, 'tisf_proposee', 'oui');
    expect(detail.statusCode).toBe(422);
    expect(detail.json().erreur).toBe('Détail invalide pour « Aide à domicile de la Caf (TISF) proposée » : cet événement ne porte pas de détail (aucun détail).');
    const partner = await record(ces, id, 'orientation_caf', 'misas');
    expect(partner.json().erreur).toMatch(/partenaire d'orientation inconnu « misas » \(attendu : caf_correspondant\)/);
  });
});

describe(`Carsat day 91: the social service's follow-up (${ENGINE})`, () => {
  it('calls, records the acceptance, a collective session attended, then the accompaniment until it closes', async () => {
    const id = arret91[0]!;
    expect(await actions(carsat, id)).toEqual(['appel_joint', 'appel_non_joint', 'appel_faux_numero', 'offre_courrier_envoyee', 'offre_acceptee', 'offre_refusee', 'opposition']);
    expect((await record(carsat, id, 'appel_joint')).json().statut).toBe('joint');
    expect(await actions(carsat, id)).toEqual([
      'offre_acceptee', 'offre_refusee', 'info_collective_inscrit', 'entretien_fixe', 'information_individuelle', 'accompagnement_debute', 'opposition',
    ]);
    expect((await record(carsat, id, 'offre_acceptee')).json().statut).toBe('accepte');
    const missing = await record(carsat, id, 'info_collective_inscrit');
    expect(missing.json().erreur).toMatch(/la date du rendez-vous est obligatoire \(détail au format AAAA-MM-JJ\)/);
    const withTime = await record(carsat, id, 'info_collective_inscrit', '2026-12-10T14:00');
    expect(withTime.json().erreur).toMatch(/date du rendez-vous invalide « 2026-12-10T14:00 » \(attendu AAAA-MM-JJ\)/);
    expect((await record(carsat, id, 'info_collective_inscrit', '2026-12-10')).json()).toMatchObject({ statut: 'rdv_pris', statutLibelle: 'Rendez-vous pris' });
    expect(await actions(carsat, id)).toEqual([
      'info_collective_suivie', 'information_individuelle', 'evaluation_sociale', 'info_collective_absent', 'rdv_non_honore', 'rdv_annule', 'opposition',
    ]);
    expect((await record(carsat, id, 'info_collective_suivie')).json().statut).toBe('rdv_honore');
    expect((await record(carsat, id, 'accompagnement_debute', 'service_social')).json().statut).toBe('accompagne');
    expect(await actions(carsat, id)).toEqual(['orientation', 'accompagnement_clos', 'opposition']);
    expect((await record(carsat, id, 'accompagnement_clos')).json()).toMatchObject({ statut: 'clos', statutLibelle: 'Suivi terminé' });
    const contact = await server.database.db.selectFrom('contacts').select(['statut', 'traite_le']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(contact.statut).toBe('clos');
    expect(contact.traite_le).not.toBeNull();
  });

  it('imports outcomes in the Carsat vocabulary through the web upload; a PRADO code is refused with its line', async () => {
    const csv = [
      'pseudonyme;date;evenement;detail',
      `${pseudo('a91-1')};2026-11-20 10:00;appel_joint;`,
      `${pseudo('a91-1')};2026-11-20 10:05;entretien_fixe;2026-12-02T09:30`,
      `${pseudo('a91-1')};2026-11-20 10:06;prado_adhesion;`,
      `${pseudo('a91-1')};2026-11-20 10:07;APPEL JOINT;`,
    ].join('\n');
    const res = await server.app.inject({
      method: 'POST', url: '/api/listes/resultats?organisation=carsat-sud-est&programme=carsat-arret-91',
      headers: { ...carsat.headers, 'content-type': 'application/octet-stream' }, payload: Buffer.from(csv),
    });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ lignes: 4, enregistrees: 2, rejetees: 2 });
    expect(report.rapport).toEqual([
      { ligne: 2, resultat: 'enregistree', motif: 'statut : Joint' },
      { ligne: 3, resultat: 'enregistree', motif: 'statut : Rendez-vous pris' },
      { ligne: 4, resultat: 'rejetee', motif: expect.stringMatching(/^événement inconnu « prado_adhesion » pour le programme carsat-arret-91 \(événements possibles : offre_courrier_envoyee, /) },
      { ligne: 5, resultat: 'rejetee', motif: 'événement mal formé « appel joint » (un code d\'événement du programme est attendu)' },
    ]);
  });

  it('checks each row against the person’s own programme when the file names none', async () => {
    const both = [
      'pseudonyme;date;evenement;detail',
      `${pseudo('a91-2')};2026-11-21;evaluation_sociale;`,
      `${pseudo('prado-2')};2026-11-21;prado_presente;`,
      `${pseudo('a91-3')};2026-11-21;prado_presente;`,
    ].join('\n');
    const carsatSide = await importOutcomes(server.database.db, { organisation: 'carsat-sud-est', bytes: new TextEncoder().encode(both) });
    expect(carsatSide.ok && carsatSide.report.rapport.map((r) => [r.ligne, r.resultat])).toEqual([[2, 'enregistree'], [3, 'rejetee'], [4, 'rejetee']]);
    const cpamSide = await importOutcomes(server.database.db, { organisation: 'cpam-83', bytes: new TextEncoder().encode(both) });
    expect(cpamSide.ok && cpamSide.report.rapport.map((r) => [r.ligne, r.resultat, r.motif])).toEqual([
      [2, 'rejetee', expect.stringMatching(/absente des listes de travail de cpam-83/)],
      [3, 'enregistree', 'statut : Joint'],
      [4, 'rejetee', expect.stringMatching(/absente des listes de travail/)],
    ]);
    if (carsatSide.ok) expect(carsatSide.report.rapport[2]!.motif).toMatch(/^Événement inconnu « prado_presente » pour le programme carsat-arret-91/);
  });
});

describe(`the outcomes import command reads the programme’s vocabulary (${ENGINE})`, () => {
  let target: CliTarget;
  const cli = (args: string[]) => runCli(args, target.dataDir, target.env);
  beforeAll(async () => { target = await cliTarget('passerelle-vocabulaires-cli-'); });
  afterAll(async () => { await target?.drop(); });

  it('records PRADO visits from a file, refuses a code of another programme with its line, exit 3', async () => {
    expect((await cli(['init'])).code).toBe(0);
    const database = await target.open();
    try {
      for (let i = 0; i < 2; i++) await insertContact(database.db, { seed: `cli-prado-${i}`, programme: 'prado', origine: 'extrait', appelable: false, champs: { nom: `M${i}`, prenom: 'Lou' } });
    } finally { await database.close(); }
    const file = join(target.dataDir, 'visites.csv');
    writeFileSync(file, [
      'pseudonyme;date;evenement;detail',
      `${pseudo('cli-prado-0')};2026-11-20 10:00;prado_presente;`,
      `${pseudo('cli-prado-0')};2026-11-20 10:05;prado_adhesion;`,
      `${pseudo('cli-prado-0')};2026-11-20 10:06;orientation_caf;caf_correspondant`,
      `${pseudo('cli-prado-1')};2026-11-20 11:00;appel_joint;`,
      `${pseudo('cli-prado-1')};2026-11-20 11:05;visite_impossible;mère déjà sortie`,
    ].join('\r\n'));
    const imported = await cli(['outcomes', 'import', '--organisation', 'cpam-83', '--programme', 'prado', file]);
    expect(imported.stdout).toMatch(/4 résultat\(s\) enregistré\(s\), 1 ligne\(s\) rejetée\(s\) sur 5/);
    expect(imported.stdout).toMatch(/ligne 5 : événement inconnu « appel_joint » pour le programme prado/);
    expect(imported.code).toBe(3);
    const report = readFileSync(join(target.dataDir, 'visites.rapport.csv'), 'utf8');
    expect(report).toMatch(/\n4;enregistree;statut : Orienté\n/);
    expect(report).toMatch(/\n6;enregistree;statut : Contact à refaire\n/);
  }, 240_000);
});
