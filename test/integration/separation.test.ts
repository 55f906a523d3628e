import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonym } from '../../src/programmes/index.ts';
import { runSeparationCampaign, mailSettings, CampaignInputError } from '../../src/channels/index.ts';
import { organisationPseudonymKey } from '../../src/exchange/index.ts';
import { readConfig } from '../../src/config.ts';
import { EXTRACT_FORMATS } from '../../src/extracts/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';
import { cliTarget, runCli, type CliTarget } from '../helpers/cli.ts';
import { requireTool } from '../helpers/tools.ts';

const work = mkdtempSync(join(tmpdir(), 'passerelle-separation-'));

/** A valid NIR from 13 digits: key = 97 − (number mod 97). */
const nir = (base: string) => `${base}${String(97n - (BigInt(base) % 97n)).padStart(2, '0')}`;

const ALLOCATAIRE_DEFAULTS: Record<string, string> = {
  departement_caf: '83', sexe: 'F', date_naissance: '1988-05-04', situation_familiale: 'separe', configuration_foyer: 'famille_monoparentale',
  nombre_enfants_a_charge: '2', age_plus_jeune_enfant: '4', adresse_ligne: '5 rue Victor Hugo', adresse_complement: '', code_postal: '83000',
  code_commune: '83137', commune: 'Toulon', email: '', telephone: '', autorisation_contact_email: 'non', autorisation_contact_telephone: 'non',
  aide_logement: 'oui', montant_aide_logement: '250', rsa: 'non', prime_activite: 'oui', asf: 'non', aah: 'non', ajpa: 'non', ajpp: 'non',
  risque_violence: 'non', canal_sur: '', canal_sur_valeur: '',
};
const SEPARATION_DEFAULTS: Record<string, string> = {
  departement_caf: '83', date_declaration: '2026-11-05', date_separation: '2026-10-01', type_union: 'pacs', enfant_a_charge: 'oui', nombre_enfants: '2', mode_garde: 'exclusive_declarant',
};
const csv = (kind: 'caf_allocataires' | 'caf_separations', rows: Record<string, string>[], defaults: Record<string, string>) => {
  const columns = EXTRACT_FORMATS[kind].columns.map((c) => c.name);
  return [columns.join(';'), ...rows.map((r) => columns.map((c) => r[c] ?? defaults[c] ?? '').join(';'))].join('\n') + '\n';
};

/**
 * The month's extract: 9 separations.
 *   line 2  Alice    child, e-mail authorised                 → e-mail
 *   line 3  Bernard  child, no e-mail, full address           → letter
 *   line 4  Céline   child, at risk, safe e-mail              → e-mail to the safe address only
 *   line 5  Diane    child, at risk, no safe channel          → not on the list, never contacted
 *   line 6  Éric     no child                                 → not targeted
 *   line 7  (bad)    impossible date                          → rejected with its line
 *   line 8  Fanny    another Caf's file (13)                  → ignored
 *   line 9  Gaël     no allocataire record                    → ignored
 *   line 10 Hélène   child, at risk, safe phone               → on the list, no e-mail and no letter
 * caf_allocataires: a row with a broken NIR (line 10) is rejected; Alice has alternate residence.
 */
function writeExtract(dir: string) {
  mkdirSync(dir, { recursive: true });
  const people: Record<string, string>[] = [
    { numero_allocataire: '1000001', nir: nir('2880583137001'), nom: 'ARNAUD', prenom: 'Alice', email: 'alice.arnaud@exemple.fr', autorisation_contact_email: 'oui' },
    { numero_allocataire: '1000002', nir: nir('1790583137002'), nom: 'BERGER', prenom: 'Bernard', adresse_ligne: '14 boulevard de Strasbourg', code_postal: '83000' },
    { numero_allocataire: '1000003', nir: nir('2900583137003'), nom: 'COLIN', prenom: 'Céline', email: 'foyer.colin@exemple.fr', autorisation_contact_email: 'oui', risque_violence: 'oui', canal_sur: 'email', canal_sur_valeur: 'celine.sure@exemple.fr' },
    { numero_allocataire: '1000004', nir: nir('2910583137004'), nom: 'DUMAS', prenom: 'Diane', email: 'foyer.dumas@exemple.fr', autorisation_contact_email: 'oui', risque_violence: 'oui' },
    { numero_allocataire: '1000005', nir: nir('1850583137005'), nom: 'ETIENNE', prenom: 'Éric' },
    { numero_allocataire: '1000006', nir: nir('2870583137006'), nom: 'FAURE', prenom: 'Fanny', departement_caf: '13' },
    { numero_allocataire: '1000008', nir: nir('2920583137008'), nom: 'HENRY', prenom: 'Hélène', email: 'foyer.henry@exemple.fr', autorisation_contact_email: 'oui', risque_violence: 'oui', canal_sur: 'telephone', canal_sur_valeur: '06 12 34 56 78' },
    { numero_allocataire: '1000009', nir: '2990583137009', nom: 'IBERT', prenom: 'Inès' },
  ];
  writeFileSync(join(dir, 'caf_allocataires.csv'), csv('caf_allocataires', people, ALLOCATAIRE_DEFAULTS));
  writeFileSync(join(dir, 'caf_separations.csv'), csv('caf_separations', [
    { numero_allocataire: '1000001', mode_garde: 'alternee' },
    { numero_allocataire: '1000002' },
    { numero_allocataire: '1000003' },
    { numero_allocataire: '1000004' },
    { numero_allocataire: '1000005', enfant_a_charge: 'non', nombre_enfants: '0', mode_garde: '' },
    { numero_allocataire: '1000010', date_declaration: '2026-11-31' },
    { numero_allocataire: '1000006', departement_caf: '13' },
    { numero_allocataire: '1000007' },
    { numero_allocataire: '1000008' },
  ], SEPARATION_DEFAULTS));
}

const SETTINGS = { ...mailSettings(readConfig({ PASSERELLE_URL_PUBLIQUE: 'https://passerelle.test' })), smtpUrl: 'smtp://127.0.0.1:1' };

describe(`separation contact plan on the Caf's side (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  const source = join(work, 'extrait');
  beforeAll(async () => {
    database = await freshDatabase();
    writeExtract(source);
  }, 60_000);
  afterAll(async () => { await database?.drop(); });

  it("targets the month's separations with a child, puts them on the Caf's own list, and sends the joint offer", async () => {
    const out = join(work, 'sortie');
    const report = await runSeparationCampaign(database.db, { organisation: 'caf-83', periode: '2026-11', source, canal: 'auto', outDir: out, mail: SETTINGS, now: new Date('2026-12-02T09:00:00Z') });
    expect(report).toMatchObject({
      lignesLues: 9, lignesRejetees: 2, nonCibles: 1, horsPerimetre: 1, sansCorrespondance: 1, nonContactables: 1,
      retenus: 4, ajoutes: 4, dejaSuivis: 0, courrielsPrepares: 2, courriers: 1, sansCanal: 1, opposes: 0,
    });
    const lines = readFileSync(report.rapport, 'utf8');
    // lines of the main file (caf_separations.csv) are bare numbers, those of the joined file are prefixed by its name
    expect(lines).toMatch(/\n7;.*date_declaration/);
    expect(lines).toMatch(/caf_allocataires\.csv:9;.*nir/);
    expect(lines).toMatch(/\n8;dossier géré par caf-13, pas par caf-83/);
    expect(lines).toMatch(/\n9;aucune ligne correspondante dans caf_allocataires\.csv/);
    expect(lines).toMatch(/\n5;personne signalée à risque de violences sans canal sûr/);
    expect(lines).toMatch(/\n10;"?personne inscrite sur la liste mais offre non envoyée/);
    expect(lines).not.toMatch(/ARNAUD|Alice|exemple\.fr|\d{15}/); // the row report names lines, never people

    const contacts = await database.db.selectFrom('contacts').select(['organisation_code', 'programme', 'periode', 'origine', 'paquet_id', 'pseudonyme', 'champs', 'echeance', 'appelable'])
      .orderBy('id').execute();
    expect(contacts).toHaveLength(4);
    for (const c of contacts) expect(c).toMatchObject({ organisation_code: 'caf-83', programme: 'separation', periode: '2026-11', origine: 'extrait', paquet_id: null, echeance: expect.anything() });
    expect(String(contacts[0]!.echeance).slice(0, 10) === '2027-06-03' || new Date(contacts[0]!.echeance).toISOString().slice(0, 10) === '2027-06-03').toBe(true);
    // the pseudonym is keyed by the Caf's own key, not a convention's
    const key = await organisationPseudonymKey(database.db, 'caf-83');
    expect(contacts[0]!.pseudonyme).toBe(pseudonym(key, nir('2880583137001')));
    const champs = contacts.map((c) => c.champs as Record<string, string>);
    expect(champs[0]).toMatchObject({ nom: 'ARNAUD', email: 'alice.arnaud@exemple.fr', marqueurs: 'aide-logement,residence-alternee' });
    // a person at risk keeps only their safe channel: no household e-mail, phone or address
    expect(champs[2]).toMatchObject({ risque_violence: 'oui', canal_sur: 'email', canal_sur_valeur: 'celine.sure@exemple.fr', email: '' });
    expect(champs[2]).not.toHaveProperty('adresse_ligne');
    expect(JSON.stringify(champs)).not.toContain('foyer.colin');
    expect(contacts[3]!.appelable).toBe(true); // Hélène's safe phone
    // no personal data left the Caf: no package, nothing for another organisation
    expect(await database.db.selectFrom('paquets').select('id').execute()).toEqual([]);

    const outbox = await database.db.selectFrom('courriels').select(['statut', 'objet', 'corps_texte']).execute();
    expect(outbox).toHaveLength(2);
    expect(outbox.every((m) => m.statut === 'en_attente' && /Votre séparation/.test(m.objet))).toBe(true);
    expect(outbox[0]!.corps_texte).toContain('Aucune information vous concernant n’a été transmise à l’Assurance Maladie');
    expect(report.publipostage).not.toBeNull();
    requireTool('pdftotext', ['-v']);
    const text = execFileSync('pdftotext', ['-layout', report.publipostage!, '-'], { encoding: 'utf8' });
    expect(text).toMatch(/Bernard BERGER\s*\n\s*14 boulevard de Strasbourg\s*\n\s*83000 TOULON/);
    expect(text).not.toMatch(/COLIN|HENRY|ARNAUD/);
    const letters = await database.db.selectFrom('evenements').select(['code', 'origine']).execute();
    expect(letters).toEqual([{ code: 'offre_courrier_envoyee', origine: 'courrier' }]);
  });

  it('run again for the same month: nobody is added or written to twice', async () => {
    const report = await runSeparationCampaign(database.db, { organisation: 'caf-83', periode: '2026-11', source, canal: 'auto', outDir: join(work, 'sortie2'), mail: SETTINGS });
    expect(report).toMatchObject({ retenus: 4, ajoutes: 0, dejaSuivis: 4, courrielsPrepares: 0, courriers: 0 });
    expect(Number((await database.db.selectFrom('contacts').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n)).toBe(4);
  });

  it('an opposition made in an earlier month is honoured the next month', async () => {
    const alice = await database.db.selectFrom('contacts').select(sql<string>`id::text`.as('id')).orderBy('id').limit(1).executeTakeFirstOrThrow();
    await database.db.insertInto('evenements').values({ contact_id: alice.id, organisation_code: 'caf-83', programme: 'separation', periode: '2026-11', code: 'opposition', survenu_le: new Date(), origine: 'courriel' }).execute();
    const next = join(work, 'decembre');
    mkdirSync(next, { recursive: true });
    writeFileSync(join(next, 'caf_allocataires.csv'), readFileSync(join(source, 'caf_allocataires.csv')));
    writeFileSync(join(next, 'caf_separations.csv'), csv('caf_separations', [{ numero_allocataire: '1000001', date_declaration: '2026-12-03' }], SEPARATION_DEFAULTS));
    const report = await runSeparationCampaign(database.db, { organisation: 'caf-83', periode: '2026-12', source: next, canal: 'courriel', outDir: join(work, 'sortie3'), mail: SETTINGS });
    // she is still followed (November's list): not added again, and never written to
    expect(report).toMatchObject({ ajoutes: 0, dejaSuivis: 1, courrielsPrepares: 0 });
  });

  it('refuses input that cannot be a campaign as a whole, in French', async () => {
    const base = { periode: '2026-11', source, canal: 'auto' as const, outDir: join(work, 'x'), mail: SETTINGS };
    await expect(runSeparationCampaign(database.db, { ...base, organisation: 'cpam-83' })).rejects.toThrow(/n'est pas une Caf/);
    await expect(runSeparationCampaign(database.db, { ...base, organisation: 'caf-83', periode: '2026-13' })).rejects.toBeInstanceOf(CampaignInputError);
    await expect(runSeparationCampaign(database.db, { ...base, organisation: 'caf-83', source: join(work, 'absent') })).rejects.toThrow(/Fichier introuvable/);
  });
});

let target: CliTarget;
const cli = (args: string[], dataDir: string) => runCli(args, dataDir, target.env);

describe(`npx passerelle campagne separation (${ENGINE})`, () => {
  let dataDir = '';
  beforeAll(async () => { target = await cliTarget('passerelle-separation-cli-'); dataDir = target.dataDir; });
  afterAll(async () => { await target?.drop(); rmSync(work, { recursive: true, force: true }); });

  it('runs the plan from the command line: row report, mailing PDF, exit 3 when rows were rejected', async () => {
    const source = join(work, 'extrait-cli');
    writeExtract(source);
    const out = join(work, 'sortie-cli');
    const result = await cli(['campagne', 'separation', '--organisation', 'caf-83', '--mois', '2026-11', '--source', source, '--canal', 'courrier', '--sortie', out], dataDir);
    expect(result.stdout, result.stderr).toMatch(/4 personne\(s\) retenue\(s\).*4 ajoutée\(s\) à la liste de travail de caf-83/);
    expect(result.stdout).toMatch(/0 courriel\(s\).*2 courrier\(s\) dans le publipostage/);
    expect(result.stdout).toMatch(/Aucune donnée personnelle ne quitte la Caf/);
    expect(result.stderr).toMatch(/Campagne séparation 2026-11 : 100 %/);
    expect(result.code).toBe(3);
    expect(existsSync(join(out, 'publipostage-separation-caf-83-2026-11.pdf'))).toBe(true);
    expect(readFileSync(join(out, 'rapport_separation_2026-11.csv'), 'utf8')).toMatch(/\n7;/);

    const bad = await cli(['campagne', 'separation', '--organisation', 'cpam-83', '--mois', '2026-11', '--source', source], dataDir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/n'est pas une Caf/);
    const badChannel = await cli(['campagne', 'separation', '--organisation', 'caf-83', '--mois', '2026-11', '--source', source, '--canal', 'pigeon'], dataDir);
    expect(badChannel.code).toBe(2);
    expect(badChannel.stderr).toMatch(/Canal invalide/);
  }, 180_000);
});
