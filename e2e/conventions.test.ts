/**
 * Conventions in a real browser: the CPAM du Var's administrator proposes a day-91 convention to
 * the Carsat Sud-Est, whose administrator signs it; it becomes active and is the newest covering
 * convention; the CPAM du Var's exchange officer then runs the day-91 cycle from the web, sees the
 * convention check before uploading, and gets the sealed package under the new convention.
 * axe-core on every page; screenshots in /tmp/screens/.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { generateExtracts } from '../src/generate/index.ts';
import { demarrerServeur, lancerNavigateur, RACINE, nouveauContexte, seConnecter, violationsAxe, type Contexte, type Serveur } from './support.ts';

const SCREENS = '/tmp/screens';
// A month the demo instance does not seed.
const MONTH = '2026-04';
const ARRET_91 = 'Service social Carsat — Prévenir la précarisation des assurés en arrêt de travail (91e jour)';

let serveur: Serveur;
let navigateur: Browser;
let work: string;
let conventionUrl = '';
let conventionId = '';
const contextes: Contexte[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'passerelle-e2e-conventions-'));
  await mkdir(SCREENS, { recursive: true });
  await generateExtracts({ departement: '83', month: MONTH, outDir: join(work, 'extrait'), scale: 0.002, seed: 13, people: { arret: 400 } });
  // The first start loads the reference data: slow on a busy machine.
  serveur = await demarrerServeur({ delaiMs: 360_000 });
  navigateur = await lancerNavigateur();
}, 420_000);

afterAll(async () => {
  if (serveur) await writeFile(join(RACINE, 'test-results', 'conventions-server.log'), serveur.journal()).catch(() => {});
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

const screen = (page: Page, name: string) => page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });

function hygiene(contexte: Contexte) {
  expect(contexte.requetesExternes, 'requêtes vers Internet').toEqual([]);
  expect(contexte.erreursPage, 'erreurs de la page').toEqual([]);
}

describe('conventions', () => {
  test('the CPAM du Var’s administrator proposes a day-91 convention to the Carsat Sud-Est', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'admin.cpam83@passerelle.test');
    await page.getByRole('navigation').getByRole('link', { name: 'Conventions' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Conventions locales' }).waitFor();
    await page.getByRole('table').waitFor();
    const main = await page.locator('main').innerText();
    expect(main).toContain('Convention locale CPAM du Var – Carsat Sud-Est : service social');
    expect(await page.locator('main [data-statut="projet"]').count()).toBe(1);
    expect(await page.locator('main [data-statut="active"]').count()).toBe(2);
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, 'conv-01-liste-cpam83');

    await page.getByRole('link', { name: 'Proposer une convention' }).click();
    await page.getByRole('heading', { level: 1, name: 'Proposer une convention' }).waitFor();
    await page.getByLabel('Programme', { exact: true }).selectOption({ label: ARRET_91 });
    // Submitting without a recipient says what is missing.
    await page.getByRole('button', { name: 'Signer et proposer la convention' }).click();
    await page.getByText("Choisissez l'organisme destinataire.").first().waitFor();
    await page.getByLabel('Organisme destinataire').selectOption({ label: 'Carsat Sud-Est' });
    await page.getByRole('checkbox', { name: /^Adresse électronique/ }).setChecked(false, { force: true }); // not needed for this convention
    await page.getByLabel('Votre qualité (facultatif)').fill('Directeur');
    expect(await page.locator('main').innerText()).toContain('Canal téléphone');
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, 'conv-02-formulaire');
    await page.getByRole('button', { name: 'Signer et proposer la convention' }).click();
    await page.waitForURL(/\/conventions\/conv-carsat-arret-91-cpam-83-carsat-sud-est-\d{8}$/);
    conventionUrl = new URL(page.url()).pathname;
    conventionId = decodeURIComponent(conventionUrl.split('/').at(-1)!);
    await page.locator('[data-statut="projet"]').first().waitFor();
    const detail = await page.locator('main').innerText();
    expect(detail).toContain('Carsat Sud-Est : en attente de signature');
    expect(detail).toMatch(/CPAM du Var : signée le \d{1,2}(er)? \S+ 20\d\d par Alain Administrateur \(CPAM du Var\), Directeur/);
    expect(detail).not.toContain('Adresse électronique');
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, 'conv-03-projet');
    hygiene(contexte);
  });

  test('the Carsat Sud-Est’s administrator signs it: it is active', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'admin.carsatsudest@passerelle.test');
    await page.goto('/conventions');
    await page.getByRole('heading', { name: /^1 document\(s\) attendent la signature de Carsat Sud-Est$/ }).waitFor();
    await page.getByRole('link', { name: /Prévenir la précarisation des assurés en arrêt de travail/ }).click();
    await page.waitForURL(new RegExp(`${conventionUrl}$`));
    await page.getByRole('button', { name: 'Signer la convention' }).waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    await page.getByRole('button', { name: 'Signer la convention' }).click();
    await page.getByText('Vous avez signé la convention.').waitFor();
    await page.locator('[data-statut="active"]').first().waitFor();
    const detail = await page.locator('main').innerText();
    expect(detail).toMatch(/active \(1re année\)/);
    expect(detail).toContain('Convention signée pour Carsat Sud-Est');
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, 'conv-04-active');
    hygiene(contexte);
  });

  test('the CPAM du Var’s exchange officer runs the day-91 cycle from the web, under the new convention', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'echanges.cpam83@passerelle.test');
    await page.goto('/echanges/cycle');
    await page.getByRole('heading', { level: 1, name: 'Lancer le cycle du mois' }).waitFor();
    await page.getByLabel('Programme', { exact: true }).selectOption({ label: ARRET_91 });
    await page.getByTestId('conventions-ok').waitFor();
    expect(await page.getByTestId('conventions-ok').innerText()).toBe('Conventions actives avec Carsat Sud-Est.');
    await page.getByLabel('Mois traité').fill(MONTH);
    await page.locator('input[name="cpam_arrets_travail"]').setInputFiles(join(work, 'extrait', 'cpam_arrets_travail.csv'));
    await page.locator('input[name="cpam_assures"]').setInputFiles(join(work, 'extrait', 'cpam_assures.csv'));
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, 'conv-05-cycle-formulaire');
    await page.getByRole('button', { name: 'Déposer et lancer le cycle' }).click();
    await page.waitForURL(/\/echanges\/cycles\/[0-9a-f-]{36}$/);
    const done = page.getByRole('heading', { level: 2, name: /^Cycle terminé : 1 paquet\(s\) scellé\(s\), \d+ personne\(s\) transmise\(s\)$/ });
    await done.waitFor({ timeout: 120_000 });
    const main = await page.locator('main').innerText();
    expect(main).toContain('Carsat Sud-Est');
    expect(conventionId).toMatch(/^conv-carsat-arret-91-cpam-83-carsat-sud-est-\d{8}$/);
    expect(main).toContain(conventionId);
    expect(main).not.toContain('Destinataires refusés');
    expect(await page.getByRole('link', { name: new RegExp(`^carsat-arret-91_cpam-83_carsat-sud-est_${MONTH}\\.manifest\\.json$`) }).count()).toBe(1);
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, 'conv-06-cycle-scelle');
    hygiene(contexte);
  });

  test('an agent reads nothing of another organisation and cannot draft', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'agent.caf59@passerelle.test');
    await page.goto('/conventions');
    await page.getByRole('heading', { level: 1, name: 'Conventions locales' }).waitFor();
    await page.getByRole('table').waitFor();
    const main = await page.locator('main').innerText();
    expect(main).toContain('Seuls les administrateurs des deux organismes');
    expect(main).not.toContain('Carsat Sud-Est');
    await page.goto('/conventions/nouvelle');
    await page.getByRole('heading', { level: 1, name: 'Accès refusé' }).waitFor();
    hygiene(contexte);
  });
});
