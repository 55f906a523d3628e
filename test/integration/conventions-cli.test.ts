/**
 * `passerelle conventions …` as an administrator would type it, on an embedded instance: propose,
 * list (--json), sign for the other party, amend, denounce, bad input; then the signed document
 * exported by the command line is imported by a second instance (another database) that hosts
 * the other party.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conventionStatus, importConventionDocument } from '../../src/conventions/index.ts';
import { configureMasterKeys, ensureExchangeSetup, exchangeRepository, loadMasterKeys, publicKeyring } from '../../src/exchange/index.ts';
import { addMonths, toIsoDate } from '../../src/programmes/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';
import { cliTarget, runCli, type CliTarget } from '../helpers/cli.ts';

const TODAY = toIsoDate(new Date());
let work = '';
let target: CliTarget;
const cli = (args: string[]) => runCli(args, target.dataDir, { PASSERELLE_DEMO: '0', PASSERELLE_CLE_MAITRE: '', PASSERELLE_CLE_MAITRE_PRECEDENTES: '', ...target.env });

describe(`conventions from the command line (${ENGINE})`, () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'passerelle-cli-conventions-'));
    target = await cliTarget('passerelle-cli-conventions-donnees-');
  });
  afterAll(async () => {
    await target?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('proposes, signs, amends and denounces, with --json output', { timeout: 480_000 }, async () => {
    expect((await cli(['exchange', 'setup'])).code).toBe(0);
    const proposed = await cli(['conventions', 'proposer', '--programme', 'carsat-arret-91', '--expediteur', 'cpam-83', '--destinataire', 'carsat-sud-est',
      '--champs', 'nom,prenom,telephone,marqueurs', '--debut', TODAY, '--organisation', 'cpam-83', '--signataire', 'Alain Administrateur', '--qualite', 'Directeur', '--id', 'conv-cli', '--json']);
    expect(proposed.code, proposed.stderr).toBe(0);
    expect(JSON.parse(proposed.stdout)).toMatchObject({ id: 'conv-cli', statut: 'projet', enAttente: { objet: 'convention', enAttenteDe: ['carsat-sud-est'] }, champs: ['nom', 'prenom', 'telephone', 'marqueurs'] });

    const bad = await cli(['conventions', 'proposer', '--programme', 'carsat-arret-91', '--expediteur', 'cpam-83', '--destinataire', 'carsat-sud-est',
      '--champs', 'nom,nir', '--debut', TODAY, '--organisation', 'cpam-83', '--signataire', 'A']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/ne laisse jamais passer : nir/);

    const listed = await cli(['conventions', 'lister', '--organisation', 'carsat-sud-est', '--json']);
    const list = JSON.parse(listed.stdout) as { id: string; statut: string }[];
    expect(list.map((c) => `${c.id}:${c.statut}`)).toEqual(expect.arrayContaining(['conv-cli:projet', 'conv-carsat-cpam-83-carsat-sud-est:active', 'conv-carsat-cpam-83-carsat-sud-est-2027:projet']));
    expect(list.every((c) => !c.id.includes('caf-'))).toBe(true);

    const signed = await cli(['conventions', 'signer', 'conv-cli', '--organisation', 'carsat-sud-est', '--signataire', 'Serge Administrateur']);
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.stdout).toMatch(/^Convention conv-cli signée pour carsat-sud-est : active \(1re année\)/);

    const amended = await cli(['conventions', 'avenant', 'conv-cli', '--date', TODAY, '--objet', 'Adresse postale', '--champs', 'nom,prenom,adresse_ligne,code_postal,commune',
      '--organisation', 'carsat-sud-est', '--signataire', 'Serge Administrateur']);
    expect(amended.stdout).toMatch(/Avenant n° 1 .* En attente de la signature de cpam-83\./);
    await cli(['conventions', 'signer', 'conv-cli', '--organisation', 'cpam-83', '--signataire', 'Alain Administrateur']);
    const denounced = await cli(['conventions', 'denoncer', 'conv-cli', '--organisation', 'cpam-83', '--signataire', 'Alain Administrateur', '--motif', 'test', '--json']);
    const after = JSON.parse(denounced.stdout);
    expect(after).toMatchObject({ statut: 'en_preavis', champs: ['nom', 'prenom', 'adresse_ligne', 'code_postal', 'commune'], avenants: 1 });
    expect(after.historique.map((h: { evenement: string }) => h.evenement)).toEqual([
      'Projet proposé et signé pour cpam-83', 'Convention signée pour carsat-sud-est',
      'Avenant n° 1 proposé et signé pour carsat-sud-est : Adresse postale, prend effet le ' + TODAY.split('-').reverse().join('/'),
      'Avenant n° 1 signé pour cpam-83', `Dénonciation notifiée par cpam-83 (test) : fin d'effet le ${addMonths(TODAY, 2).split('-').reverse().join('/')}`,
    ]);

    const database = await target.open();
    try {
      const audit = await database.db.selectFrom('journal_audit').select(['action', 'acteur_organisation', 'acteur_compte_id']).where('cible_id', '=', 'conv-cli').orderBy('id').execute();
      expect(audit.map((a) => `${a.action}:${a.acteur_organisation}`)).toEqual([
        'convention.proposee:cpam-83', 'convention.signee:carsat-sud-est', 'convention.avenant_propose:carsat-sud-est', 'convention.avenant_signe:cpam-83', 'convention.denoncee:cpam-83',
      ]);
    } finally {
      await database.close();
    }
  });

  it('exports a signed proposal that a second instance, hosting the other party, imports', { timeout: 300_000 }, async () => {
    // This process reads the command-line instance's keyrings: it uses that instance's master key.
    configureMasterKeys(await loadMasterKeys({ dataDir: target.dataDir, demo: true, masterKey: target.env.PASSERELLE_CLE_MAITRE }));
    const other = await freshDatabase();
    try {
      await ensureExchangeSetup(other.db);
      const database = await target.open();
      try {
        // Each side trusts the other's public keyring (as `exchange partenaire ajouter` records it).
        await exchangeRepository.savePartner(other.db, { organisation: 'cpam-83', url: null, keyring: publicKeyring((await exchangeRepository.keyring(database.db, 'cpam-83'))!) });
        await exchangeRepository.savePartner(database.db, { organisation: 'carsat-sud-est', url: null, keyring: publicKeyring((await exchangeRepository.keyring(other.db, 'carsat-sud-est'))!) });
      } finally {
        await database.close();
      }
      const proposed = await cli(['conventions', 'proposer', '--programme', 'carsat-parcours-prevention', '--expediteur', 'cpam-83', '--destinataire', 'carsat-sud-est',
        '--champs', 'nom,prenom,telephone', '--debut', TODAY, '--organisation', 'cpam-83', '--signataire', 'Alain Administrateur', '--id', 'conv-export']);
      expect(proposed.code, proposed.stderr).toBe(0);
      const file = join(work, 'conv-export.json');
      const exported = await cli(['conventions', 'exporter', 'conv-export', '--organisation', 'cpam-83', '--sortie', file]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stderr).toMatch(/Document « proposition » de la convention conv-export, signé par cpam-83/);
      const r = await importConventionDocument(other.db, JSON.parse(await readFile(file, 'utf8')));
      expect(r).toMatchObject({ etape: 'proposition', organisation: 'cpam-83', nouvelle: true });
      expect(conventionStatus(r.convention, TODAY).libelle).toBe('projet en attente de la signature de carsat-sud-est');
      // The carsat-sud-est is no longer hosted by the command-line instance: it cannot sign for it there.
      const refused = await cli(['conventions', 'exporter', 'conv-export', '--organisation', 'carsat-sud-est']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/n’est pas hébergé par cette instance/);
    } finally {
      await other.drop();
    }
  });
});
