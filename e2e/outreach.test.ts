/**
 * Outreach in a real browser: agent.ces83 (ces-83, attached to cpam-83) opens the CPAM du Var's
 * caregivers' worklist, takes a person through call (joint), acceptance, appointment and
 * honoured appointment; a stale page gets the conflict message; the bulk outcomes upload shows
 * its row report. axe-core on every page; screenshots in /tmp/screens/.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readConfig } from '../src/config.ts';
import { openInstance } from '../src/instance.ts';
import { demarrerServeur, lancerNavigateur, nouveauContexte, seConnecter, violationsAxe, type Contexte, type Serveur } from './support.ts';

const SCREENS = '/tmp/screens';
const pseudo = (s: string) => createHash('sha256').update(s).digest('hex');
let dataDir: string;
let serveur: Serveur;
let navigateur: Browser;
const contextes: Contexte[] = [];

/** A worklist in the fresh data folder (the server then opens it); the folder is kept for the upload test. */
async function prepareWorklist(folder: string): Promise<void> {
  dataDir = folder;
  const env = { ...process.env, PASSERELLE_DOSSIER_DONNEES: dataDir, DATABASE_URL: '', NODE_ENV: 'test' } as Record<string, string>;
  const { database } = await openInstance(readConfig(env));
  try {
    const rows = Array.from({ length: 12 }, (_, i) => ({
      organisation_code: 'cpam-83', programme: 'aidants', paquet_id: null, periode: '2026-11', pseudonyme: pseudo(`e2e-${i}`), appelable: i !== 11,
      champs: JSON.stringify({ nom: ['Martin', 'Bernard', 'Thomas', 'Petit', 'Robert', 'Richard', 'Durand', 'Dubois', 'Moreau', 'Laurent', 'Simon', 'Michel'][i], prenom: 'Camille', email: `camille${i}@example.org`, telephone: i === 11 ? '' : '06 12 34 56 7' + (i % 10), code_postal: '83000' }),
      importe_le: new Date(), echeance: '2027-02-28',
    }));
    await database.db.insertInto('contacts').values(rows).execute();
  } finally { await database.close(); }
}

beforeAll(async () => {
  await mkdir(SCREENS, { recursive: true });
  serveur = await demarrerServeur({ preparer: prepareWorklist });
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
const screen = (page: Page, name: string) => page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
async function axe(page: Page) { expect(await violationsAxe(page)).toEqual([]); }

describe('outreach workbench', () => {
  test('agent.ces83 takes a person from the worklist through call, acceptance, appointment and honoured appointment', async () => {
    const { page, erreursPage, requetesExternes } = await open();
    await seConnecter(page, 'agent.ces83@passerelle.test');
    await page.getByRole('link', { name: 'Ouvrir les listes de travail' }).click();
    await page.getByRole('heading', { level: 1, name: 'Listes de travail' }).waitFor();
    await page.getByRole('heading', { name: /Reste à faire : 12 personne\(s\) sur 12/ }).waitFor();
    expect(await page.getByRole('row').count()).toBe(13);
    await axe(page);
    await screen(page, 'outreach-worklist');

    await page.getByRole('link', { name: 'Camille Martin' }).click();
    await page.getByRole('heading', { level: 1, name: 'Camille Martin' }).waitFor();
    await page.getByText("Script d'appel — proches aidants").waitFor();
    await axe(page);
    await screen(page, 'outreach-person-new');

    // Phone outcome: one click on « Joint ».
    await page.getByRole('button', { name: 'Joint', exact: true }).click();
    await page.getByText('Nouveau statut : Joint.').waitFor();
    await page.getByRole('button', { name: 'Offre acceptée' }).click();
    await page.getByText('Nouveau statut : Offre acceptée.').waitFor();
    await page.getByLabel('Date du rendez-vous').fill('2026-12-03');
    await page.getByRole('button', { name: 'Noter le rendez-vous pris' }).click();
    await page.getByText('Nouveau statut : Rendez-vous pris.').waitFor();
    await page.getByText(/Rendez-vous pris — le 03\/12\/2026/).waitFor();
    await axe(page);
    await screen(page, 'outreach-person-rdv');
    await page.getByRole('button', { name: 'Rendez-vous honoré' }).click();
    await page.getByText('Nouveau statut : Rendez-vous honoré.').waitFor();
    await page.getByLabel('Orienter vers').selectOption('service_social');
    await page.getByRole('button', { name: "Enregistrer l'orientation" }).click();
    await page.getByText('Nouveau statut : Orienté.').waitFor();
    await page.getByRole('listitem').filter({ hasText: 'Service social (Carsat) — Envoyée' }).waitFor();
    await axe(page);
    await screen(page, 'outreach-person-done');

    await page.getByRole('link', { name: 'Listes de travail' }).first().click();
    await page.getByRole('heading', { name: /Reste à faire : 11 personne\(s\) sur 12/ }).waitFor();
    expect(erreursPage).toEqual([]);
    expect(requetesExternes).toEqual([]);
  }, 120_000);

  test('a stale page gets the conflict message, nothing is lost', async () => {
    const a = await open();
    const b = await open();
    for (const c of [a, b]) {
      await seConnecter(c.page, 'agent.ces83@passerelle.test');
      await c.page.goto('/listes');
      await c.page.getByRole('link', { name: 'Camille Bernard' }).click();
      await c.page.getByRole('heading', { level: 1, name: 'Camille Bernard' }).waitFor();
    }
    await a.page.getByRole('button', { name: 'Non joint' }).click();
    await a.page.getByText('Nouveau statut : Contact à refaire.').waitFor();
    await b.page.getByRole('button', { name: 'Joint', exact: true }).click();
    await b.page.getByText(/modifiée par un autre agent/).waitFor();
    await axe(b.page);
    await screen(b.page, 'outreach-conflict');
    await b.page.getByRole('button', { name: 'Recharger la fiche' }).click();
    await b.page.getByText('Appel : personne non jointe').waitFor();
  }, 120_000);

  test('bulk outcomes upload shows the row report', async () => {
    const { page } = await open();
    await seConnecter(page, 'agent.ces83@passerelle.test');
    await page.goto('/listes/resultats');
    await page.getByRole('heading', { level: 1, name: "Importer des résultats d'appels" }).waitFor();
    const file = join(dataDir, 'resultats.csv');
    await writeFile(file, Buffer.from(`pseudonyme;date;evenement;detail\n${pseudo('e2e-3')};24/11/2026 10:00;appel_joint;\n${pseudo('e2e-4')};2026-11-24;rdv_pris;\n`, 'latin1'));
    await page.getByLabel('Fichier des résultats').setInputFiles(file);
    await page.getByRole('button', { name: 'Importer les résultats' }).click();
    await page.getByRole('heading', { name: /1 résultat\(s\) enregistré\(s\), 1 ligne\(s\) rejetée\(s\) sur 2/ }).waitFor();
    await page.getByRole('cell', { name: /date du rendez-vous est obligatoire/ }).waitFor();
    await axe(page);
    await screen(page, 'outreach-upload');
  }, 120_000);
});
