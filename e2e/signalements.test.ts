/**
 * Signalements in a real browser: the Toulon hospital's signalant signals a person leaving
 * hospital through the form (after an incomplete attempt), uploads a file with a bad row and
 * reads its row report, and sees the status of its signalements; the Carsat Sud-Est agent finds
 * the person on the hospital-discharge worklist with the criteria as fields. axe-core on every
 * page; screenshots in test-results/screenshots/.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { csvHeader, csvLine, type ExtractRow } from '../src/extracts/index.ts';
import { nirKey } from '../src/shared/nir.ts';
import { capture, demarrerServeur, expectCleanContext, lancerNavigateur, nouveauContexte, seConnecter, violationsAxe, type Contexte, type Serveur } from './support.ts';

let serveur: Serveur;
let navigateur: Browser;
const contextes: Contexte[] = [];
const nir = (body13: string) => `${body13}${nirKey(body13)}`;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  serveur = await demarrerServeur();
  navigateur = await lancerNavigateur();
}, 240_000);

afterAll(async () => {
  for (const c of contextes) await c.context.close().catch(() => {});
  await navigateur?.close();
  await serveur?.arreter();
});

async function open(): Promise<Contexte> {
  const c = await nouveauContexte(navigateur, serveur);
  contextes.push(c);
  return c;
}
async function axe(page: Page) { expect(await violationsAxe(page)).toEqual([]); }
const group = (page: Page, name: string | RegExp) => page.getByRole('group', { name });

describe('signalements de sortie d’hospitalisation', () => {
  test('the Toulon hospital signals a person; the Carsat Sud-Est agent sees her on the worklist', async () => {
    const hopital = await open();
    const { page } = hopital;
    await seConnecter(page, 'signalant.chtoulon@passerelle.test');
    await page.getByRole('link', { name: 'Faire un signalement' }).click();
    await page.getByRole('heading', { level: 1, name: "Signalements de sortie d'hospitalisation" }).waitFor();
    await page.getByText("Aucun signalement pour l'instant.").waitFor();
    await axe(page);
    await capture(page, 'signalements-formulaire');

    // An incomplete signalement: every missing field says what to do.
    await page.getByLabel('Nom de naissance').fill('MARTINEZ');
    await page.getByRole('button', { name: 'Transmettre le signalement' }).click();
    await page.getByText('Numéro de sécurité sociale : obligatoire.').first().waitFor();
    await axe(page);
    await capture(page, 'signalements-erreurs');

    await page.getByLabel('Numéro de sécurité sociale').fill(nir('2430583137021').replace(/^(\d)(\d{2})(\d{2})(\d{2})(\d{3})(\d{3})(\d{2})$/, '$1 $2 $3 $4 $5 $6 $7'));
    await page.getByLabel('Date de naissance').fill('1943-05-14');
    await page.getByLabel('Prénom').fill('Josette');
    await group(page, 'Sexe').getByLabel('Femme').check({ force: true });
    await page.getByLabel('Code postal du domicile').fill('83000');
    await expect.poll(() => page.getByLabel('Commune du domicile').inputValue()).toBe('83137');
    await page.getByLabel('Téléphone (facultatif)').fill('04 94 12 34 56');
    await page.getByLabel("Date d'entrée").fill(day(-5));
    await page.getByLabel('Date de sortie prévue').fill(day(3));
    await group(page, 'Affection de longue durée (ALD)').getByLabel('Non').check({ force: true });
    await group(page, /complémentaire santé solidaire/).getByLabel('Non').check({ force: true });
    await group(page, 'Sans complémentaire santé').getByLabel('Non').check({ force: true });
    await group(page, /Difficulté à financer/).getByLabel('Non').check({ force: true });
    await group(page, /Retraité du régime général/).getByLabel('Oui').check({ force: true });
    await page.getByLabel("GIR (degré d'autonomie)").selectOption('5');
    await page.getByRole('button', { name: 'Transmettre le signalement' }).click();
    await page.getByText('Signalement transmis à Carsat Sud-Est.').waitFor();
    const row = page.getByRole('row').filter({ hasText: 'J. M.' });
    await row.waitFor();
    await expect.poll(() => row.textContent()).toMatch(/Carsat Sud-Est.*Reçu/);
    await axe(page);
    await capture(page, 'signalements-transmis');

    // A file: one good row, one row with a wrong NIR key.
    const dir = await mkdtemp(join(tmpdir(), 'passerelle-e2e-signalements-'));
    const base: ExtractRow<'etablissements_signalements_sortie'> = {
      date_signalement: day(0), finess_etablissement: '830100566', etablissement: 'CHI Toulon', nir: nir('1650783137112'), nom: 'BENSAID', prenom: 'Karim',
      sexe: 'M', date_naissance: '1965-07-02', code_postal: '83000', code_commune: '83137', commune: 'Toulon', telephone: '0612345678', date_entree: day(-4),
      date_sortie_prevue: day(2), ald: 'en_cours', c2s: 'non', minimum_social: 'aucun', sans_complementaire: 'oui', difficulte_financement_soins: 'non', retraite: 'non', gir: '',
    };
    const file = join(dir, 'signalements.csv');
    await writeFile(file, csvHeader('etablissements_signalements_sortie') + csvLine('etablissements_signalements_sortie', base)
      + csvLine('etablissements_signalements_sortie', { ...base, nir: `${base.nir.slice(0, 13)}00`, nom: 'LEROY' }));
    await page.getByLabel('Fichier des signalements').setInputFiles(file);
    await page.getByRole('button', { name: 'Envoyer le fichier' }).click();
    await page.getByText(/2 ligne\(s\) lue\(s\) : 1 signalement\(s\) transmis, 0 personne\(s\) déjà suivie\(s\), 1 ligne\(s\) rejetée\(s\)/).waitFor();
    await page.getByRole('row').filter({ hasText: /^3Rejeté/ }).waitFor();
    await page.getByRole('link', { name: /Télécharger le rapport/ }).waitFor();
    await page.getByRole('row').filter({ hasText: 'K. B.' }).waitFor();
    await axe(page);
    await capture(page, 'signalements-fichier');
    await rm(dir, { recursive: true, force: true });
    expectCleanContext(hopital);

    // The Carsat Sud-Est agent: the hospital-discharge worklist.
    const carsat = await open();
    await seConnecter(carsat.page, 'agent.carsatsudest@passerelle.test');
    await carsat.page.goto('/listes');
    await carsat.page.getByRole('heading', { level: 1, name: 'Listes de travail' }).waitFor();
    await carsat.page.getByRole('link', { name: 'Josette MARTINEZ' }).waitFor();
    await axe(carsat.page);
    await capture(carsat.page, 'signalements-liste-carsat');
    await carsat.page.getByRole('link', { name: 'Josette MARTINEZ' }).click();
    await carsat.page.getByRole('heading', { level: 1, name: 'Josette MARTINEZ' }).waitFor();
    await carsat.page.getByText('Retraité du régime général', { exact: true }).waitFor();
    await carsat.page.getByText('GIR 5', { exact: true }).waitFor();
    await carsat.page.getByText(/aide au retour à domicile après hospitalisation \(ARDH\) possible/).waitFor();
    await carsat.page.getByText('Établissement de santé', { exact: true }).waitFor();
    await axe(carsat.page);
    await capture(carsat.page, 'signalements-fiche-carsat');
    expectCleanContext(carsat);
  }, 240_000);
});
