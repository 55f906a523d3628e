/**
 * The exchange officer's pages and the DPO's register, in a real browser: the Caf du Var's officer
 * uploads a small generated extract, follows the cycle, downloads the row report and the package;
 * the CPAM du Var's officer imports it (then is refused a second time); the DPO views and downloads
 * the register. axe-core on every page; screenshots in /tmp/screens/.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { generateExtracts } from '../src/generate/index.ts';
import { demarrerServeur, lancerNavigateur, RACINE, nouveauContexte, seConnecter, violationsAxe, type Contexte, type Serveur } from './support.ts';

const SCREENS = '/tmp/screens';
// A month the demo instance does not seed (it seeds the recent months' cycles).
const MONTH = '2026-04';

let serveur: Serveur;
let navigateur: Browser;
let work: string;
const contextes: Contexte[] = [];
const packageFiles: string[] = [];
let sent = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'passerelle-e2e-echanges-'));
  await mkdir(SCREENS, { recursive: true });
  await generateExtracts({ departement: '83', month: MONTH, outDir: join(work, 'extrait'), scale: 0.005, seed: 11, people: { ajpa: 25, ajpp: 5 } });
  serveur = await demarrerServeur();
  navigateur = await lancerNavigateur();
});

afterAll(async () => {
  // The server's output, to read when a test fails.
  if (serveur) await writeFile(join(RACINE, 'test-results', 'exchange-server.log'), serveur.journal()).catch(() => {});
  for (const c of contextes) await c.context.close().catch(() => {});
  await navigateur?.close();
  await serveur?.arreter();
  if (work) await rm(work, { recursive: true, force: true });
});

async function ouvrir(): Promise<Contexte> {
  const contexte = await nouveauContexte(navigateur, serveur);
  contextes.push(contexte);
  return contexte;
}

async function screen(page: Page, name: string) {
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
}

function hygiene(contexte: Contexte) {
  expect(contexte.requetesExternes, 'requêtes vers Internet').toEqual([]);
  // A refused package is answered 422 on purpose (the page shows why): Chromium logs it as a failed resource.
  expect(contexte.erreursPage.filter((e) => !/status of 422/.test(e)), 'erreurs de la page').toEqual([]);
}

async function download(page: Page, click: () => Promise<void>, dir: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = join(dir, file.suggestedFilename());
  await file.saveAs(path);
  return path;
}

describe('échanges sécurisés et registre', () => {
  test('the Caf du Var’s officer uploads the extract, follows the cycle and downloads the report and the package', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'echanges.caf83@passerelle.test');
    await page.locator('[data-role="charge_echanges"]').getByRole('link', { name: 'Ouvrir les échanges sécurisés' }).click();
    await page.getByRole('heading', { level: 1, name: 'Échanges sécurisés' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Paquets' }).waitFor();
    await page.locator('main').getByText(/Chargement des paquets/).waitFor({ state: 'detached' });
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, '01-echanges-caf83');

    await page.getByRole('link', { name: 'Lancer le cycle du mois' }).click();
    await page.getByRole('heading', { level: 1, name: 'Lancer le cycle du mois' }).waitFor();
    // Submitting without a file says what is missing, next to the field.
    await page.getByRole('button', { name: 'Déposer et lancer le cycle' }).click();
    await page.getByText('Déposez le fichier « Allocataires de la Caf ».').first().waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, '02-cycle-formulaire-erreur');

    await page.getByLabel('Mois traité').fill(MONTH);
    await page.getByLabel('Allocataires de la Caf', { exact: false }).first().setInputFiles(join(work, 'extrait', 'caf_allocataires.csv'));
    await page.locator('input[name="caf_ajpa_ajpp"]').setInputFiles(join(work, 'extrait', 'caf_ajpa_ajpp.csv'));
    await page.getByRole('button', { name: 'Déposer et lancer le cycle' }).click();
    await page.waitForURL(/\/echanges\/cycles\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { level: 1, name: /^Cycle Aller vers les proches aidants, avril 2026$/ }).waitFor();
    await screen(page, '03-cycle-progression');
    const done = page.getByRole('heading', { level: 2, name: /^Cycle terminé : 1 paquet\(s\) scellé\(s\), \d+ personne\(s\) transmise\(s\)$/ });
    await done.waitFor({ timeout: 60_000 });
    sent = Number(/(\d+) personne/.exec(await done.innerText())![1]);
    expect(sent).toBeGreaterThan(0);
    expect(await page.locator('main').innerText()).toContain('CPAM du Var');
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, '04-cycle-resultat');

    const report = await download(page, () => page.getByRole('link', { name: /Télécharger le rapport des lignes/ }).click(), work);
    expect(report.endsWith(`rapport_aidants_${MONTH}.csv`)).toBe(true);
    expect((await readFile(report, 'utf8')).startsWith('\ufeffligne;raison')).toBe(true);
    for (const suffix of ['manifest.json', 'payload.age', 'sig']) {
      packageFiles.push(await download(page, () => page.getByRole('link', { name: new RegExp(`^aidants_caf-83_cpam-83_${MONTH}\\.${suffix.replace('.', '\\.')}$`) }).click(), work));
    }
    expect(JSON.parse(await readFile(packageFiles[0]!, 'utf8'))).toMatchObject({ expediteur: 'caf-83', destinataire: 'cpam-83', periode: MONTH, nombreEnregistrements: sent });

    await page.getByRole('link', { name: 'Voir tous les paquets' }).click();
    await page.getByRole('heading', { level: 1, name: 'Échanges sécurisés' }).waitFor();
    await page.locator('[data-statut="scelle"]').first().waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, '05-echanges-caf83-scelle');
    hygiene(contexte);
  });

  test('the CPAM du Var’s officer imports the package, and a second import is refused with the reason', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'echanges.cpam83@passerelle.test');
    await page.getByRole('navigation').getByRole('link', { name: 'Échanges sécurisés' }).first().click();
    await page.getByRole('link', { name: 'Importer un paquet reçu' }).click();
    await page.getByRole('heading', { level: 1, name: 'Importer un paquet reçu' }).waitFor();
    expect(await violationsAxe(page)).toEqual([]);

    // Two files only: the page says which one is missing.
    await page.locator('input[name="paquet"]').setInputFiles(packageFiles.slice(0, 2));
    await page.getByRole('button', { name: 'Vérifier et importer' }).click();
    await page.getByText(/Paquet incomplet : il manque NOM\.sig/).first().waitFor();

    await page.locator('input[name="paquet"]').setInputFiles(packageFiles);
    await page.getByRole('button', { name: 'Vérifier et importer' }).click();
    await page.getByRole('heading', { name: `Paquet importé : ${sent} personne(s) ajoutée(s) à la liste de travail de CPAM du Var` }).waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, '06-import-reussi');

    await page.locator('input[name="paquet"]').setInputFiles(packageFiles);
    await page.getByRole('button', { name: 'Vérifier et importer' }).click();
    await page.getByRole('heading', { name: 'Paquet refusé : rien n’a été importé' }).waitFor();
    expect(await page.locator('main').innerText()).toMatch(/déjà importé le \d{4}-\d{2}-\d{2} .* ce second import ne crée rien/);
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, '07-import-refuse');

    await page.getByRole('link', { name: 'Voir les paquets de mon organisme' }).click();
    await page.locator('[data-statut="importe"]').first().waitFor();
    expect(await page.locator('main').innerText()).toContain('Reçu de Caf du Var');
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, '08-echanges-cpam83');
    hygiene(contexte);
  });

  test('the sender sees the acknowledgement; another Caf sees none of it', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'echanges.caf83@passerelle.test');
    await page.goto('/echanges');
    await page.locator('[data-statut="acquitte"]').first().waitFor();
    expect(await page.locator('main').innerText()).toMatch(/Accusé de réception le \d{2}\/\d{2}\/\d{4}/);
    await screen(page, '09-echanges-caf83-accuse');
    await contexte.context.clearCookies();

    await seConnecter(page, 'echanges.caf59@passerelle.test');
    await page.goto('/echanges');
    await page.getByRole('heading', { level: 1, name: 'Échanges sécurisés' }).waitFor();
    const main = await page.locator('main').innerText();
    expect(main).not.toContain('aidants_caf-83_cpam-83');
    hygiene(contexte);
  });

  test('the DPO views and downloads the register, and the destruction records section', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'dpo.cpam83@passerelle.test');
    await page.locator('[data-role="dpo"]').getByRole('link', { name: 'Consulter le registre des traitements' }).click();
    await page.getByRole('heading', { level: 1, name: 'Registre des traitements' }).waitFor();
    const entry = page.getByRole('button', { name: /Aller vers les proches aidants — convention conv-aidants-caf-83-cpam-83/ });
    await entry.click();
    await page.getByText('Responsable du traitement').first().waitFor();
    expect(await page.locator('main').innerText()).toContain('Caf du Var (caf-83) (transmission)');
    await page.getByText(/Aucune destruction enregistrée pour l'instant/).waitFor();
    await page.getByRole('button', { name: 'Vérifier le chaînage du journal' }).click();
    await page.getByText(/^Journal intègre : \d+ entrée\(s\) vérifiée\(s\)/).waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, '10-registre-dpo');

    const csv = await download(page, () => page.getByRole('link', { name: /Télécharger le registre/ }).click(), work);
    const text = await readFile(csv, 'utf8');
    expect(text.startsWith('\ufeffRéférence;Programme;')).toBe(true);
    expect(text).toContain('aidants/conv-aidants-caf-83-cpam-83');
    expect(text).not.toContain('caf-59');
    hygiene(contexte);
  });

  test('an agent is refused the exchange and register pages', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'agent.ces83@passerelle.test');
    await page.goto('/echanges');
    await page.getByRole('heading', { level: 1, name: 'Accès refusé' }).waitFor();
    await page.goto('/registre');
    await page.getByRole('heading', { level: 1, name: 'Accès refusé' }).waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    hygiene(contexte);
  });
});
