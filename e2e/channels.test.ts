/**
 * Channels in a real browser, on a demo instance (its SMTP catcher received a few offer e-mails at
 * start): the administrator's sent-mail page (list, a message's body), then the public opposition
 * page reached from the link in that message, and the agent's mailing page. axe-core on every
 * page; screenshots in /tmp/screens/.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
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
  serveur = await demarrerServeur();
  navigateur = await lancerNavigateur();
});

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
    const link = /https?:\/\/[^/\s]+(\/opposition\/[0-9a-z]+\.[A-Za-z0-9_-]{22})/.exec(text);
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
    await page.goto('/opposition/1.AAAAAAAAAAAAAAAAAAAAAA');
    await page.getByText('Lien non reconnu').waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    expect(requetesExternes).toEqual([]);
    expect(erreursPage).toEqual([]);
  }, 60_000);

  test("the agent's mailing page says who gets no letter and why", async () => {
    const { page, requetesExternes, erreursPage } = await ouvrir();
    await seConnecter(page, 'agent.ces83@passerelle.test');
    await page.goto('/courriers/publipostage');
    await page.getByRole('heading', { level: 1, name: 'Publipostage du mois' }).waitFor();
    await page.getByLabel('Démarche').selectOption('aidants');
    await page.getByLabel(/Mois de la liste/).fill('2026-11');
    await page.getByRole('button', { name: 'Voir le publipostage' }).click();
    await page.getByRole('heading', { level: 2, name: /courrier\(s\) à produire/ }).waitFor();
    expect(await page.getByRole('table', { name: /Personnes sans courrier/ }).innerText()).toContain('adresse postale inconnue');
    expect(await violationsAxe(page)).toEqual([]);
    await screen(page, 'publipostage');
    expect(requetesExternes).toEqual([]);
    expect(erreursPage).toEqual([]);
  }, 60_000);
});
