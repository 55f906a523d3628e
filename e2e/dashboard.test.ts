/**
 * The pilots' dashboard (/indicateurs) in a real browser against a real server whose database holds the published
 * Var 2024 and Flandres funnels and a cohort of the current month: the local pilot sees their funnel, switches to the
 * year 2024, downloads the CSV, meets the empty state; the national pilot sees suppressed counts. axe-core on every
 * view; screenshots in /tmp/screens/.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { migrateToLatest, openDatabase } from '../src/db/index.ts';
import { ensureReferenceData } from '../src/territories/index.ts';
import { FLANDRES, insertCohort, VAR_2024 } from '../test/integration/indicators-fixtures.ts';
import { demarrerServeur, lancerNavigateur, nouveauContexte, seConnecter, violationsAxe, type Contexte, type Serveur } from './support.ts';

const SCREENS = '/tmp/screens';
const now = new Date();
const CURRENT_MONTH = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;

let serveur: Serveur;
let navigateur: Browser;
const contextes: Contexte[] = [];

beforeAll(async () => {
  await mkdir(SCREENS, { recursive: true });
  serveur = await demarrerServeur({
    delaiMs: 180_000,
    preparer: async (dossier) => {
      const database = await openDatabase({ dataDir: dossier });
      await migrateToLatest(database.db);
      await ensureReferenceData(database.db);
      await insertCohort(database.db, VAR_2024);
      await insertCohort(database.db, FLANDRES);
      // this month's cohort of the Var: 40 people, 25 phoned, 15 reached, 8 appointments, 5 honoured
      await insertCohort(database.db, {
        organisation: 'cpam-83', programme: 'aidants', months: [CURRENT_MONTH],
        profiles: [
          { n: 5, appelable: true, events: [{ code: 'offre_email_envoyee', days: 0 }, { code: 'appel_joint', days: 1 }, { code: 'offre_acceptee', days: 1 }, { code: 'rdv_pris', days: 1 }, { code: 'rdv_honore', days: 8 }] },
          { n: 3, appelable: true, events: [{ code: 'offre_email_envoyee', days: 0 }, { code: 'appel_joint', days: 1 }, { code: 'offre_acceptee', days: 1 }, { code: 'rdv_pris', days: 2 }] },
          { n: 7, appelable: true, events: [{ code: 'offre_email_envoyee', days: 0 }, { code: 'appel_joint', days: 2 }, { code: 'offre_refusee', days: 2 }] },
          { n: 10, appelable: true, events: [{ code: 'offre_email_envoyee', days: 0 }, { code: 'appel_non_joint', days: 2 }] },
          { n: 15, appelable: false, events: [{ code: 'offre_email_envoyee', days: 0 }] },
        ],
      });
      await database.close();
    },
  });
  navigateur = await lancerNavigateur();
}, 300_000);

afterAll(async () => {
  for (const c of contextes) await c.context.close().catch(() => {});
  await navigateur?.close();
  await serveur?.arreter();
});

async function ouvrir(): Promise<Contexte> {
  const contexte = await nouveauContexte(navigateur, serveur);
  contextes.push(contexte);
  return contexte;
}

const cellule = (page: Page, tableau: string, ligne: string) =>
  page.getByRole('table', { name: tableau }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: ligne, exact: true }) }).getByRole('cell').first();

async function verifierAxe(page: Page) {
  expect(await violationsAxe(page)).toEqual([]);
}

describe('tableau de bord des pilotes', () => {
  test('le pilote local voit l’entonnoir de son organisme, change de période, télécharge le CSV', async () => {
    const { page, requetesExternes, erreursPage } = await ouvrir();
    await seConnecter(page, 'pilote.cpam83@passerelle.test');
    await page.getByRole('link', { name: 'Indicateurs' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Indicateurs des programmes' }).waitFor();

    // this month's funnel of the CPAM du Var (our 40 people plus the demo's), as a chart with its text description
    // and an accessible table that show what the API computes
    await page.getByRole('heading', { level: 2, name: /CPAM du Var/ }).waitFor();
    const api = await (await page.request.get(`/api/indicateurs/entonnoir?programme=aidants&mois=${CURRENT_MONTH}`)).json() as {
      stages: { code: string; libelle: string; count: number }[]; rates: { numerator: string; denominator: string; value: number }[];
    };
    const n = (code: string) => api.stages.find((s) => s.code === code)!.count;
    expect(n('cibles')).toBeGreaterThanOrEqual(40);
    expect(n('rdv_honores')).toBeGreaterThanOrEqual(5);
    await expect.poll(() => cellule(page, 'Personnes par étape', 'Aidants identifiés').textContent()).toBe(n('cibles').toLocaleString('fr-FR'));
    expect(await cellule(page, 'Personnes par étape', 'Appels sortants').textContent()).toBe(n('appeles').toLocaleString('fr-FR'));
    expect(await cellule(page, 'Personnes par étape', 'Parcours réalisés (rendez-vous honorés)').textContent()).toBe(n('rdv_honores').toLocaleString('fr-FR'));
    expect(await page.locator('[data-description="entonnoir"]').textContent())
      .toContain(`aidants identifiés ${n('cibles').toLocaleString('fr-FR')}, offre envoyée par la caf ${n('offre_envoyee').toLocaleString('fr-FR')}`);
    expect(await page.locator('.recharts-bar-rectangle').count()).toBeGreaterThanOrEqual(8);
    const taux = page.getByRole('table', { name: 'Taux (numérateur / dénominateur)' });
    expect(await taux.getByRole('row').nth(1).textContent())
      .toContain(`${n('rdv_honores').toLocaleString('fr-FR')} / ${n('appeles').toLocaleString('fr-FR')}`);
    await page.getByRole('heading', { level: 2, name: 'Évolution mensuelle' }).waitFor();
    await verifierAxe(page);
    await page.screenshot({ path: `${SCREENS}/dashboard-mois.png`, fullPage: true });

    // the year 2024: the published Var 2024 funnel (175 identified, 122 e-mailed, 78 phoned, 14 honoured → 17,9 %)
    await page.getByLabel('Période de la cohorte').selectOption('annee');
    await page.getByLabel('Année', { exact: true }).selectOption('2024');
    await page.getByRole('heading', { level: 2, name: /année 2024/ }).waitFor();
    await expect.poll(() => cellule(page, 'Personnes par étape', 'Aidants identifiés').textContent()).toBe('175');
    expect(await cellule(page, 'Personnes par étape', 'Offre envoyée par la Caf').textContent()).toBe('122');
    expect(await cellule(page, 'Personnes par étape', 'Appels sortants').textContent()).toBe('78');
    expect(await taux.getByRole('row').nth(1).textContent()).toMatch(/14 \/ 78.*17,9 %/);
    await verifierAxe(page);
    await page.screenshot({ path: `${SCREENS}/dashboard-annee-2024.png`, fullPage: true });

    // CSV export of the tables on screen
    const [telechargement] = await Promise.all([page.waitForEvent('download'), page.locator('[data-export="csv"]').click()]);
    expect(telechargement.suggestedFilename()).toBe('entonnoir-aidants-organisation-cpam-83-2024-01_2024-12.csv');
    const csv = await readFile((await telechargement.path())!, 'utf8');
    expect(csv).toContain('cibles;Aidants identifiés;175');
    expect(csv).toContain('rdv_honores;Parcours réalisés (rendez-vous honorés);14');
    expect(csv).toContain('transformation-appels;Taux de transformation (rendez-vous honorés / personnes appelées);rdv_honores;appeles;0.179487;17,9 %');

    // empty state: a month without anybody
    await page.getByLabel('Période de la cohorte').selectOption('mois');
    await page.getByRole('textbox', { name: "Mois d'entrée dans la liste" }).fill('2022-01');
    await page.getByRole('heading', { level: 3, name: 'Aucune personne pour cette cohorte' }).waitFor();
    await verifierAxe(page);
    await page.screenshot({ path: `${SCREENS}/dashboard-vide.png`, fullPage: true });

    expect(requetesExternes).toEqual([]);
    expect(erreursPage).toEqual([]);
  });

  test('le pilote national voit les agrégats avec les petits effectifs masqués', async () => {
    const { page, requetesExternes, erreursPage } = await ouvrir();
    await seConnecter(page, 'pilote.cnam@passerelle.test');
    await page.getByRole('link', { name: 'Indicateurs' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Indicateurs des programmes' }).waitFor();
    await page.screenshot({ path: `${SCREENS}/dashboard-national-debut.png`, fullPage: true });
    expect(erreursPage).toEqual([]);
    await page.getByLabel('Période de la cohorte').selectOption('annee');
    await page.getByLabel('Année', { exact: true }).selectOption('2024');
    await page.getByRole('heading', { level: 2, name: /France entière — année 2024/ }).waitFor();
    await expect.poll(() => cellule(page, 'Personnes par étape', 'Aidants identifiés').textContent()).toBe('284');
    expect(await cellule(page, 'Personnes par étape', 'Accompagnements MisAS').textContent()).toBe('< 11');
    await page.getByText('les effectifs inférieurs à 11 personnes sont masqués').waitFor();
    await page.getByRole('table', { name: 'Détail par région' }).waitFor();
    await verifierAxe(page);
    await page.screenshot({ path: `${SCREENS}/dashboard-national.png`, fullPage: true });
    expect(requetesExternes).toEqual([]);
    expect(erreursPage).toEqual([]);
  });
});
