/**
 * Managed conventions through the API: an administrator of the CPAM du Var proposes a day-91
 * convention to the Carsat Sud-Est, whose administrator signs it; an amendment and a notice; the
 * audit trail and the processing register; the exchange officer's pre-check; isolation and roles.
 * Then two instances (two databases, one hosting each party) exchange the proposal and the
 * signature as signed documents.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  conventionStatus, exportConventionDocument, importConventionDocument, proposeConvention, signConventionStep, ConventionError,
} from '../../src/conventions/index.ts';
import { ensureExchangeSetup, exchangeRepository, runCycle } from '../../src/exchange/index.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import { addMonths, loadProgrammes, toIsoDate } from '../../src/programmes/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';
import { sessionFor, startTestServer, type Credentials, type TestServer } from '../helpers/server.ts';

const TODAY = toIsoDate(new Date());
let server: TestServer;
const who: Record<string, Credentials> = {};

const get = (c: Credentials, url: string) => server.app.inject({ method: 'GET', url, headers: c.headers });
const post = (c: Credentials, url: string, payload: unknown) => server.app.inject({ method: 'POST', url, headers: c.headers, payload: payload as object });

describe(`conventions through the API (${ENGINE})`, () => {
  let id = '';

  beforeAll(async () => {
    server = await startTestServer();
    await ensureExchangeSetup(server.database.db);
    for (const email of ['admin.cpam83', 'admin.carsatsudest', 'admin.caf83', 'pilote.cpam83', 'echanges.cpam83', 'echanges.caf59', 'dpo.cpam83', 'admin.national']) {
      who[email] = await sessionFor(server.database, `${email}@passerelle.test`);
    }
  }, 120_000);
  afterAll(async () => { await server?.close(); });

  it('lists the demo conventions of the organisation, the draft waiting for its signature first', async () => {
    const res = await get(who['admin.cpam83']!, '/api/conventions');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.administrateur).toBe(true);
    expect(body.conventions[0]).toMatchObject({
      id: 'conv-carsat-cpam-83-carsat-sud-est-2027', statut: 'projet', aSignerParMonOrganisme: true,
      enAttente: { objet: 'convention', organisations: [{ code: 'cpam-83', nom: 'CPAM du Var' }] },
    });
    const ids = body.conventions.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['conv-aidants-caf-83-cpam-83', 'conv-carsat-cpam-83-carsat-sud-est']));
    expect(ids.some((x: string) => x.includes('caf-59'))).toBe(false);
    expect(body.conventions.find((c: { id: string }) => c.id === 'conv-carsat-cpam-83-carsat-sud-est').statut).toBe('active');
    // Another organisation's convention is not readable; a national organisation reads them all.
    expect((await get(who['admin.caf83']!, '/api/conventions/conv-carsat-cpam-83-carsat-sud-est')).statusCode).toBe(404);
    expect((await get(who['admin.national']!, '/api/conventions')).json().conventions.length).toBe(11);
  });

  it('offers the draft form the exchange programmes of the organisation, each field with why it is needed', async () => {
    const body = (await get(who['admin.cpam83']!, '/api/conventions/modeles')).json();
    const arret = body.programmes.find((p: { id: string }) => p.id === 'carsat-arret-91');
    expect(arret.role).toBe('expediteur');
    expect(arret.partenaires.map((o: { code: string }) => o.code)).toContain('carsat-sud-est');
    expect(arret.champs.find((f: { champ: string }) => f.champ === 'telephone')).toMatchObject({ libelle: 'Téléphone', pourquoi: expect.stringMatching(/^Canal téléphone/) });
    expect(body.programmes.find((p: { id: string }) => p.id === 'aidants').role).toBe('destinataire');
    expect(body.programmes.some((p: { id: string }) => p.id === 'prado')).toBe(false);
    expect((await get(who['pilote.cpam83']!, '/api/conventions/modeles')).statusCode).toBe(403);
  });

  it('refuses a bad draft, field by field, and a draft in another organisation’s name', async () => {
    const base = { programme: 'carsat-arret-91', expediteur: 'cpam-83', destinataire: 'carsat-sud-est', champs: ['nom', 'telephone'], dateDebut: TODAY };
    const nir = await post(who['admin.cpam83']!, '/api/conventions', { ...base, champs: ['nom', 'nir'] });
    expect(nir.statusCode).toBe(400);
    expect(nir.json().champs.champs).toContain('ne laisse jamais passer : nir');
    const wrongBranch = await post(who['admin.cpam83']!, '/api/conventions', { ...base, destinataire: 'caf-83' });
    expect(wrongBranch.statusCode).toBe(400);
    expect(wrongBranch.json().champs.destinataire).toContain('branche carsat');
    expect((await post(who['admin.cpam83']!, '/api/conventions', { ...base, programme: 'prado' })).json().erreur).toMatch(/ne transmet aucune donnée personnelle/);
    expect((await post(who['admin.caf83']!, '/api/conventions', base)).statusCode).toBe(403);
    expect((await post(who['pilote.cpam83']!, '/api/conventions', base)).statusCode).toBe(403);
    expect((await post(who['admin.cpam83']!, '/api/conventions', { ...base, dateDebut: '2026-13-01' })).statusCode).toBe(400);
  });

  it('a draft proposed by the CPAM becomes active once the Carsat has signed; the newest convention is the one used', async () => {
    const created = await post(who['admin.cpam83']!, '/api/conventions', {
      programme: 'carsat-arret-91', expediteur: 'cpam-83', destinataire: 'carsat-sud-est', champs: ['nom', 'prenom', 'telephone', 'marqueurs'], dateDebut: TODAY, qualite: 'Directeur',
    });
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json().convention;
    id = c.id;
    expect(c).toMatchObject({ statut: 'projet', aSignerParMonOrganisme: false, actions: { signer: false, amender: false, denoncer: false } });
    expect(c.signatures).toEqual([{ organisation: 'cpam-83', par: 'Alain Administrateur (CPAM du Var)', qualite: 'Directeur', date: TODAY }]);
    expect(c.champs.map((f: { champ: string }) => f.champ)).toEqual(['nom', 'prenom', 'telephone', 'marqueurs']);

    // While it is a draft, the exchange officer's pre-check names the older demo convention.
    const before = (await get(who['echanges.cpam83']!, '/api/conventions/verification?programme=carsat-arret-91')).json();
    expect(before.destinataires).toEqual([{ organisation: 'carsat-sud-est', nom: 'Carsat Sud-Est', ok: true, convention: 'conv-carsat-cpam-83-carsat-sud-est', raison: null }]);

    const twice = await post(who['admin.cpam83']!, `/api/conventions/${id}/signature`, {});
    expect(twice.statusCode).toBe(400);
    expect(twice.json().erreur).toMatch(/déjà signé ce projet : il attend la signature de carsat-sud-est/);
    const seen = (await get(who['admin.carsatsudest']!, `/api/conventions/${id}`)).json().convention;
    expect(seen).toMatchObject({ aSignerParMonOrganisme: true, actions: { signer: true } });
    const signed = await post(who['admin.carsatsudest']!, `/api/conventions/${id}/signature`, {});
    expect(signed.statusCode, signed.body).toBe(200);
    expect(signed.json().convention).toMatchObject({ statut: 'active', enAttente: null });
    expect(signed.json().convention.historique.map((h: { evenement: string }) => h.evenement)).toEqual([
      'Projet proposé et signé pour CPAM du Var', 'Convention signée pour Carsat Sud-Est',
    ]);
    const after = (await get(who['echanges.cpam83']!, '/api/conventions/verification?programme=carsat-arret-91')).json();
    expect(after.destinataires[0].convention).toBe(id);
    expect(after.pret).toBe(true);
  });

  it('an amendment waits for the other party; the notice ends the convention two months later', async () => {
    const proposed = await post(who['admin.carsatsudest']!, `/api/conventions/${id}/avenants`, { date: TODAY, objet: 'Ajout de l’adresse postale', champs: ['nom', 'prenom', 'adresse_ligne', 'code_postal', 'commune', 'telephone', 'marqueurs'] });
    expect(proposed.statusCode, proposed.body).toBe(200);
    expect(proposed.json().convention.avenants[0]).toMatchObject({ numero: 1, enAttenteDe: [{ code: 'cpam-83' }] });
    expect(proposed.json().convention.champs.map((f: { champ: string }) => f.champ)).not.toContain('adresse_ligne');
    const agreed = await post(who['admin.cpam83']!, `/api/conventions/${id}/signature`, {});
    expect(agreed.json().convention.champs.map((f: { champ: string }) => f.champ)).toContain('adresse_ligne');
    const bad = await post(who['admin.cpam83']!, `/api/conventions/${id}/avenants`, { date: TODAY, objet: 'x', champs: ['nir'] });
    expect(bad.statusCode).toBe(400);

    const denounced = await post(who['admin.cpam83']!, `/api/conventions/${id}/denonciation`, { motif: 'nouvelle convention régionale' });
    expect(denounced.statusCode).toBe(200);
    expect(denounced.json().convention).toMatchObject({ statut: 'en_preavis', resiliation: { notifieeLe: TODAY, par: { code: 'cpam-83' }, finEffet: addMonths(TODAY, 2) } });
    expect((await post(who['admin.carsatsudest']!, `/api/conventions/${id}/denonciation`, {})).json().erreur).toMatch(/déjà été dénoncée/);
  });

  it('every step is in the audit trail, with the acting account and organisation and no names', async () => {
    const rows = await server.database.db.selectFrom('journal_audit').select(['action', 'acteur_organisation', 'details'])
      .where('cible_type', '=', 'convention').where('cible_id', '=', id).orderBy('id').execute();
    expect(rows.map((r) => `${r.action}:${r.acteur_organisation}`)).toEqual([
      'convention.proposee:cpam-83', 'convention.consultee:carsat-sud-est', 'convention.signee:carsat-sud-est',
      'convention.avenant_propose:carsat-sud-est', 'convention.avenant_signe:cpam-83', 'convention.denoncee:cpam-83',
    ]);
    expect(JSON.stringify(rows)).not.toContain('Administrateur');
  });

  it('the processing register shows the draft as awaiting a signature, with nothing transmitted', async () => {
    const body = (await get(who['dpo.cpam83']!, '/api/registre')).json();
    const draft = body.entrees.find((e: { reference: string }) => e.reference === 'carsat-arret-91/conv-carsat-cpam-83-carsat-sud-est-2027');
    expect(draft.statutConvention).toBe('projet en attente de la signature de cpam-83');
    expect(draft.champsTransmis).toEqual([]);
    const active = body.entrees.find((e: { reference: string }) => e.reference === 'carsat-arret-91/conv-carsat-cpam-83-carsat-sud-est');
    expect(active.champsTransmis.length).toBeGreaterThan(5);
  });

  it('the pre-check names the recipient that lacks a convention, and what to sign', async () => {
    await server.database.db.deleteFrom('conventions').where('id', '=', 'conv-aidants-caf-59-cpam-59-hainaut').execute();
    const body = (await get(who['echanges.caf59']!, '/api/conventions/verification?programme=aidants')).json();
    expect(body.destinataires.map((d: { organisation: string; ok: boolean }) => `${d.organisation}:${d.ok}`)).toEqual([
      'cpam-59-flandres:true', 'cpam-59-hainaut:false', 'cpam-59-lille-douai:true', 'cpam-59-roubaix-tourcoing:true',
    ]);
    const missing = body.destinataires.find((d: { ok: boolean }) => !d.ok);
    expect(missing.raison).toContain('À signer : l\'administrateur de Caf du Nord (caf-59) ou de CPAM du Hainaut (cpam-59-hainaut) propose une convention');
    expect(missing.raison).toContain('/conventions');
    expect(body.pret).toBe(false);
    expect((await get(who['pilote.cpam83']!, '/api/conventions/verification?programme=aidants')).statusCode).toBe(403);
  });
});

describe(`two instances: the proposal and the signature travel as signed documents (${ENGINE})`, () => {
  let cpam: Awaited<ReturnType<typeof freshDatabase>>;
  let carsat: Awaited<ReturnType<typeof freshDatabase>>;
  let work: string;
  const roundTrip = <T>(v: T): unknown => JSON.parse(JSON.stringify(v));

  beforeAll(async () => {
    [cpam, carsat] = await Promise.all([freshDatabase(), freshDatabase()]);
    await ensureExchangeSetup(cpam.db);
    await ensureExchangeSetup(carsat.db);
    // Each instance hosts one party and knows the other as a partner (its public keyring).
    const { publicKeyring } = await import('../../src/exchange/index.ts');
    await exchangeRepository.savePartner(cpam.db, { organisation: 'carsat-sud-est', url: null, keyring: publicKeyring((await exchangeRepository.keyring(carsat.db, 'carsat-sud-est'))!) });
    await exchangeRepository.savePartner(carsat.db, { organisation: 'cpam-83', url: null, keyring: publicKeyring((await exchangeRepository.keyring(cpam.db, 'cpam-83'))!) });
    work = await mkdtemp(join(tmpdir(), 'passerelle-conventions-'));
  }, 120_000);
  afterAll(async () => {
    await cpam?.drop();
    await carsat?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('proposal on one side, signature on the other: both instances hold the same active convention', { timeout: 180_000 }, async () => {
    const programmes = loadProgrammes();
    const actor = { compteId: null, organisation: 'cpam-83', par: 'A. Administrateur' };
    const draft = await proposeConvention(cpam.db, actor, {
      programme: 'carsat-pdp', expediteur: 'cpam-83', destinataire: 'carsat-sud-est', champs: ['nom', 'prenom', 'telephone'], dateDebut: TODAY, id: 'conv-pdp-deux-instances',
    }, programmes);
    const proposal = roundTrip(await exportConventionDocument(cpam.db, draft.id, 'cpam-83'));

    // A tampered document is refused; so is one signed by an organisation the instance does not trust.
    const tampered = roundTrip(proposal) as { document: { convention: { champs: string[] } } };
    tampered.document.convention.champs.push('email');
    await expect(importConventionDocument(carsat.db, tampered)).rejects.toThrow(/Signature invalide/);

    const received = await importConventionDocument(carsat.db, proposal);
    expect(received).toMatchObject({ etape: 'proposition', organisation: 'cpam-83', nouvelle: true });
    expect(conventionStatus((await exchangeRepository.convention(carsat.db, draft.id))!.convention, TODAY).statut).toBe('projet');

    await signConventionStep(carsat.db, { compteId: null, organisation: 'carsat-sud-est', par: 'S. Administrateur' }, draft.id);
    const signature = roundTrip(await exportConventionDocument(carsat.db, draft.id, 'carsat-sud-est'));
    expect((signature as { document: { etape: string } }).document.etape).toBe('signature');
    const back = await importConventionDocument(cpam.db, signature);
    expect(back).toMatchObject({ etape: 'signature', nouvelle: false });
    const onCpam = (await exchangeRepository.convention(cpam.db, draft.id))!.convention;
    const onCarsat = (await exchangeRepository.convention(carsat.db, draft.id))!.convention;
    expect(onCpam).toEqual(onCarsat);
    expect(conventionStatus(onCpam, TODAY).statut).toBe('active');

    // The old proposal, replayed, would erase the Carsat's signature: refused.
    const replay = await importConventionDocument(carsat.db, proposal).catch((e: unknown) => e);
    expect(replay).toBeInstanceOf(ConventionError);
    expect((replay as Error).message).toMatch(/modifie la signature de votre organisme/);
    const audit = await carsat.db.selectFrom('journal_audit').select('action').where('cible_id', '=', draft.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['convention.document_importe', 'convention.signee', 'convention.document_exporte']);

    // The CPAM's cycle now seals the PDP package under this convention, with its fields only.
    await exchangeRepository.updateConventionDefinition(cpam.db, { ...(await exchangeRepository.convention(cpam.db, 'conv-carsat-cpam-83-carsat-sud-est'))!.convention, resiliation: { notifieeLe: '2026-01-02' } });
    const month = TODAY.slice(0, 7);
    await generateExtracts({ departement: '83', month, outDir: join(work, 'src'), scale: 0.002, seed: 5 });
    const cycle = await runCycle(cpam.db, { programme: 'carsat-pdp', periode: month, source: join(work, 'src'), outDir: join(work, 'out'), expediteur: 'cpam-83' });
    expect(cycle.paquets.map((p) => p.destinataire)).toEqual(['carsat-sud-est']);
    for (const p of cycle.paquets) {
      expect(p.convention).toBe(draft.id);
      expect(p.champs.filter((f) => f !== 'pseudonyme')).toEqual(['nom', 'prenom', 'telephone']);
    }
    expect(cycle.refus).toEqual([]);
  });
});
