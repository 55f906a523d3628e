/**
 * The DPO's view of destruction in a real browser: records past their deadline are shown as
 * overdue while the job queue is off, and a server started with its jobs destroys them at start
 * (catch-up) and shows the last run. axe-core on the page; screenshots in /tmp/screens/.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readConfig } from '../src/config.ts';
import { openInstance } from '../src/instance.ts';
import { demarrerServeur, lancerNavigateur, nouveauContexte, seConnecter, violationsAxe, expectCleanContext, type Serveur } from './support.ts';

const SCREENS = '/tmp/screens';
const pseudo = (s: string) => createHash('sha256').update(s).digest('hex');
let navigateur: Browser;

/** 12 contacts of the CPAM du Var past their deadline (the oldest on 1 October 2026). */
async function overdue(folder: string): Promise<void> {
  const env = { ...process.env, PASSERELLE_DOSSIER_DONNEES: folder, DATABASE_URL: '', NODE_ENV: 'test' } as Record<string, string>;
  const { database } = await openInstance(readConfig(env));
  try {
    await database.db.insertInto('contacts').values(Array.from({ length: 12 }, (_, i) => ({
      organisation_code: 'cpam-83', programme: 'aidants', paquet_id: null, periode: '2026-09', pseudonyme: pseudo(`echu-${i}`), appelable: true,
      champs: JSON.stringify({ nom: 'Durand', prenom: 'Camille' }), importe_le: new Date('2026-09-10'), echeance: i < 4 ? '2026-10-01' : '2026-11-15',
    }))).execute();
  } finally { await database.close(); }
}

async function dpoPage(serveur: Serveur, name: string): Promise<{ page: Page; text: string }> {
  const contexte = await nouveauContexte(navigateur, serveur);
  const { page } = contexte;
  await seConnecter(page, 'dpo.cpam83@passerelle.test');
  await page.goto('/registre');
  await page.getByRole('heading', { level: 2, name: 'Preuves de destruction' }).waitFor();
  await page.locator('[data-etat="destruction"]').waitFor();
  const text = await page.locator('[data-etat="destruction"]').innerText();
  expect(await violationsAxe(page)).toEqual([]);
  await page.locator('#destructions').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENS, `${name}.png`) });
  expectCleanContext(contexte);
  await contexte.context.close();
  return { page, text };
}

beforeAll(async () => {
  await mkdir(SCREENS, { recursive: true });
  navigateur = await lancerNavigateur();
}, 60_000);
afterAll(async () => { await navigateur?.close(); });

describe('destruction that catches up, seen by the DPO', () => {
  test('without the job queue: the overdue records are shown with their oldest deadline', async () => {
    const serveur = await demarrerServeur({ preparer: overdue, env: { PASSERELLE_TACHES: '0' } });
    try {
      const { text } = await dpoPage(serveur, '30-dpo-retard');
      expect(text).toContain('12 personne(s) dont l’échéance de conservation est dépassée');
      expect(text).toContain('échéance la plus ancienne : 1 octobre 2026');
      expect(text).toContain('La destruction automatique ne s’est encore jamais exécutée sur cette instance.');
    } finally { await serveur.arreter(); }
  }, 240_000);

  test('with the job queue: destroyed at start, nothing overdue, the last run shown', async () => {
    const serveur = await demarrerServeur({ preparer: overdue });
    try {
      let text = '';
      for (let i = 0; i < 60; i++) {
        ({ text } = await dpoPage(serveur, '31-dpo-rattrapage'));
        if (/Dernière exécution/.test(text)) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(text).toContain('Aucune donnée conservée au-delà de son échéance.');
      expect(text).toMatch(/Dernière exécution de la destruction automatique : le \d{1,2} [a-zéû]+ 2026 à \d{2}:\d{2}, réussie — 12 contact\(s\) détruit\(s\)/);
    } finally { await serveur.arreter(); }
  }, 240_000);
});
