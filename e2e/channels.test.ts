/**
 * Channels in a real browser, on a demo instance with a caregivers' worklist (cpam-83) and a
 * separation worklist (caf-83) prepared before start: the demo SMTP catcher receives a few offer
 * e-mails at start; the administrator's sent-mail page (list, a message's body), then the public
 * opposition page reached from the link in that message, and the Caf agent's mailing page (PDF).
 * axe-core on every page; screenshots in /tmp/screens/.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readConfig } from '../src/config.ts';
import { openInstance } from '../src/instance.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { demarrerServeur, lancerNavigateur, nouveauContexte, seConnecter, violationsAxe, type Contexte, type Serveur } from './support.ts';

const SCREENS = '/tmp/screens';
let serveur: Serveur;
let navigateur: Browser;
const contextes: Contexte[] = [];
let oppositionPath = '';

beforeAll(async () => {
  await mkdir(SCREENS, { recursive: true });
  serveur = await demarrerServeur({ preparer: prepareWorklists });
  navigateur = await lancerNavigateur();
});

afterAll(async () => {
  for (const c of contextes) await c.context.close().catch(() => {});
  await navigateur?.close();
  await serveur?.arreter();
});

const pseudo = (s: string) => createHash('sha256').update(s).digest('hex');

/** Worklists the server opens: caregivers with an e-mail (cpam-83), separations with a postal address (caf-83). */
async function prepareWorklists(dataDir: string): Promise<void> {
  const env = { ...process.env, PASSERELLE_DOSSIER_DONNEES: dataDir, DATABASE_URL: '', NODE_ENV: 'test' } as Record<string, string>;
  const { database } = await openInstance(readConfig(env));
  try {
    const names = ['Martin', 'Bernard', 'Thomas', 'Petit', 'Robert', 'Richard'];
    await database.db.insertInto('contacts').values([
      ...names.map((nom, i) => ({
        organisation_code: 'cpam-83', programme: 'aidants', paquet_id: null, periode: '2026-11', pseudonyme: pseudo(`canaux-a-${i}`), importe_le: new Date(), echeance: '2027-02-28',
        champs: JSON.stringify({ nom, prenom: 'Camille', email: `camille.${nom.toLowerCase()}@example.org`, telephone: '06 12 34 56 7' + i, code_postal: '83000' }),
      })),
      ...names.slice(0, 3).map((nom, i) => ({
        organisation_code: 'caf-83', programme: 'separation', paquet_id: null, periode: '2026-11', origine: 'extrait' as const, pseudonyme: pseudo(`canaux-s-${i}`), importe_le: new Date(), echeance: '2027-05-31',
        champs: JSON.stringify({ nom, prenom: 'Dominique', email: '', telephone: '', adresse_ligne: `${i + 2} rue de la République`, code_postal: '83000', commune: 'Toulon', risque_violence: 'non', marqueurs: '' }),
      })),
    ]).execute();
  } finally {
    await database.close();
  }
}

async function ouvrir(): Promise<Contexte> {
  const contexte = await nouveauContexte(navigateur, serveur);
  contextes.push(contexte);
  return contexte;
}
const screen = (page: Page, name: string) => page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });

describe('e-mail and letter channels in the browser', () => {
  test("the administrator sees the mail caught by the demo SMTP server and opens one message", async () => {
    const { page, requetesExternes, erreursPage } = await ouvrir();
    await seConnecter(page, 'admin.cpam83@passerelle.test');
    await page.getByRole('link', { name: /Courriels envoyés/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Courriels envoyés' }).waitFor();
    // the demo's e-mails go out one by one through the job queue
    for (let i = 0; i < 60; i++) {
      if (await page.getByText('Reçu le', { exact: false }).count() > 0) break;
      await page.waitForTimeout(1000);
      await page.reload();
    }
    await page.getByText(/instance de démonstration/i).first().waitFor();
    const firstSent = page.getByRole('row').filter({ hasText: 'Reçu le' }).first();
    expect(await firstSent.innerText()).toContain('Proche aidant : vos droits');
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, 'courriels-envoyes');
    await firstSent.getByRole('button', { name: /Voir le message/ }).click();
    const message = page.getByRole('region', { name: /Message : Proche aidant/ });
    await message.getByLabel('Contenu du message').waitFor();
    const text = await message.getByLabel('Contenu du message').innerText();
    expect(text).toMatch(/^Bonjour,/);
    const link = /https?:\/\/[^/\s]+(\/opposition\/[0-9a-z]+-[A-Za-z0-9_-]{22})/.exec(text);
    expect(link).not.toBeNull();
    oppositionPath = link![1]!;
    await message.getByRole('button', { name: 'Afficher le message tel que reçu par le serveur' }).click();
    await message.getByText(/Message-ID:/).waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, 'courriel-contenu');
    expect(requetesExternes).toEqual([]);
    expect(erreursPage).toEqual([]);
  }, 180_000);

  test('the person follows the opposition link: plain French, one button, and it is recorded', async () => {
    expect(oppositionPath).not.toBe('');
    const { page, requetesExternes, erreursPage } = await ouvrir();
    await page.goto(oppositionPath);
    await page.getByRole('heading', { level: 1, name: 'Ne plus être contacté(e)' }).waitFor();
    await page.getByText(/Vous avez reçu un message de CPAM du Var/).waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, 'opposition');
    await page.getByRole('button', { name: 'Je ne souhaite plus être contacté(e)' }).click();
    await page.getByText('Votre demande est enregistrée').waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, 'opposition-enregistree');
    // a second visit says it is already recorded
    await page.reload();
    await page.getByText('Votre demande est enregistrée').waitFor();
    // a broken link says so
    await page.goto('/opposition/1-AAAAAAAAAAAAAAAAAAAAAA');
    await page.getByText('Lien non reconnu').waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    expect(requetesExternes).toEqual([]);
    expect(erreursPage).toEqual([]);
  }, 60_000);

  test("the Caf agent's mailing page: who gets a letter, then the merged PDF", async () => {
    const { page, requetesExternes, erreursPage } = await ouvrir();
    await seConnecter(page, 'agent.caf83@passerelle.test');
    await page.goto('/courriers/publipostage');
    await page.getByRole('heading', { level: 1, name: 'Publipostage du mois' }).waitFor();
    await page.getByLabel('Démarche').selectOption('separation');
    await page.getByLabel(/Mois de la liste/).fill('2026-11');
    await page.getByRole('button', { name: 'Voir le publipostage' }).click();
    await page.getByRole('heading', { level: 2, name: '3 courrier(s) à produire sur 3 personne(s) de la liste' }).waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, 'publipostage');
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Télécharger le publipostage (PDF)' }).click()]);
    expect(file.suggestedFilename()).toBe('publipostage-separation-caf-83-2026-11.pdf');
    await page.getByText(/Publipostage téléchargé : publipostage-separation-caf-83-2026-11\.pdf \(3 courrier\(s\)\)/).waitFor();
    await page.getByRole('heading', { level: 2, name: '0 courrier(s) à produire sur 3 personne(s) de la liste' }).waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, 'publipostage-produit');
    expect(requetesExternes).toEqual([]);
    expect(erreursPage).toEqual([]);
  }, 60_000);
});
