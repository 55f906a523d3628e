/**
 * Citizen orientation (/orientation), the agent's interview mode and the administrator's catalogue, in a real
 * browser against a real server. Checks along the way: keyboard-only use, axe-core on every step and on the result,
 * 375 px screens, and that no answer ever reaches a URL or the browser's storage.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Download, Page } from 'playwright-core';
import {
  capture,
  demarrerServeur,
  expectCleanContext,
  largeurDocument,
  lancerNavigateur,
  nouveauContexte,
  seConnecter,
  violationsAxe,
  type Contexte,
  type Serveur,
} from './support.ts';

let serveur: Serveur;
let navigateur: Browser;
const contextes: Contexte[] = [];

beforeAll(async () => {
  serveur = await demarrerServeur();
  navigateur = await lancerNavigateur();
});

afterAll(async () => {
  for (const c of contextes) await c.context.close().catch(() => {});
  await navigateur?.close();
  await serveur?.arreter();
});

/** A browser context that also records every URL the page requested or showed. */
async function ouvrir(options?: { largeur?: number; hauteur?: number }): Promise<Contexte & { adresses: string[] }> {
  const contexte = await nouveauContexte(navigateur, serveur, options);
  contextes.push(contexte);
  const adresses: string[] = [];
  contexte.page.on('request', (requete) => adresses.push(requete.url()));
  contexte.page.on('framenavigated', (cadre) => adresses.push(cadre.url()));
  return { ...contexte, adresses };
}

async function fermer(contexte: Contexte) {
  await contexte.context.close();
  contextes.splice(contextes.indexOf(contexte), 1);
}

/**
 * No answer in any URL (address bar, requests), nor in localStorage, sessionStorage or the history state.
 * `valeurs`: what the person typed or chose (postal code, option values).
 */
async function verifierAucuneReponseStockee(page: Page, adresses: string[], valeurs: string[]) {
  const toutes = [...adresses, page.url()];
  for (const valeur of valeurs) {
    for (const adresse of toutes) expect(adresse, `« ${valeur} » dans une adresse`).not.toContain(valeur);
  }
  const stockage = await page.evaluate<string>(
    `JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, historique: history.state, cookies: document.cookie })`,
  );
  for (const valeur of valeurs) expect(stockage, `« ${valeur} » conservé dans le navigateur`).not.toContain(valeur);
}

interface Focus {
  balise: string;
  type: string;
  id: string;
  nom: string;
  texte: string;
  coche: boolean;
}

async function focus(page: Page): Promise<Focus> {
  return page.evaluate<Focus>(`(() => {
    const e = document.activeElement;
    return {
      balise: e?.tagName ?? '',
      type: e?.getAttribute('type') ?? '',
      id: e?.id ?? '',
      nom: e?.getAttribute('name') ?? '',
      texte: (e?.textContent ?? '').trim().replace(/\\s+/g, ' '),
      coche: e instanceof HTMLInputElement ? e.checked : false,
    };
  })()`);
}

/** Presses Tab until the focused element matches (keyboard-only navigation). */
async function tabulerJusqua(page: Page, condition: (f: Focus) => boolean, description: string, max = 60): Promise<Focus> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focus(page);
    if (condition(f)) return f;
  }
  throw new Error(`Tabulation : « ${description} » jamais atteint en ${max} appuis (focus sur ${JSON.stringify(await focus(page))})`);
}

async function titreEtape(page: Page): Promise<string> {
  return (await page.locator('.fr-stepper__title').innerText()).replace(/\s+/g, ' ').trim();
}

async function attendreEtape(page: Page, titre: string, numero: number, total: number) {
  await expect
    .poll(() => titreEtape(page), { timeout: 10_000 })
    .toBe(`${titre} Étape ${numero} sur ${total}`);
  // The focus moves to the step title, so the new question is read first.
  await expect.poll(async () => (await focus(page)).balise).toBe('H2');
}

/** Keyboard only: into the radio group, pick the n-th option with the arrow keys, then Tab to the submit button and Enter. */
async function choisirAuClavier(page: Page, rang: number, bouton = 'Suivant') {
  const premier = await tabulerJusqua(page, (f) => f.balise === 'INPUT' && f.type === 'radio', 'le premier bouton radio');
  expect(premier.coche).toBe(false);
  if (rang === 0) await page.keyboard.press('Space');
  for (let i = 0; i < rang; i++) await page.keyboard.press('ArrowDown');
  const choisi = await focus(page);
  expect(choisi.coche).toBe(true);
  expect(choisi.id).toMatch(new RegExp(`-${rang}$`));
  await tabulerJusqua(page, (f) => f.balise === 'BUTTON' && f.texte === bouton, `le bouton ${bouton}`, 5);
  await page.keyboard.press('Enter');
}

async function lirePdf(telechargement: Download): Promise<Buffer> {
  const chemin = await telechargement.path();
  return readFile(chemin);
}

function verifierPdf(pdf: Buffer) {
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(pdf.length).toBeGreaterThan(5_000);
  expect(pdf.length).toBeLessThan(5_000_000);
}

async function ouvrirTousLesDetails(page: Page) {
  await page.getByRole('button', { name: 'Déplier tous les détails' }).click();
  await expect.poll(() => page.locator('.fr-accordion__btn[aria-expanded="false"]').count()).toBe(0);
  // The DSFR's collapse animation.
  await page.waitForTimeout(400);
}

describe('orientation du citoyen', () => {
  test('« Je me sépare » entièrement au clavier sur un téléphone (375 px), jusqu\'à la liste PDF', async () => {
    const contexte = await ouvrir({ largeur: 375, hauteur: 812 });
    const { page, adresses } = contexte;
    await page.goto('/orientation');
    await page.getByRole('heading', { level: 1, name: 'Vos droits et démarches selon votre situation' }).waitFor();
    await page.locator('[data-parcours]').first().waitFor();
    expect(await page.locator('[data-parcours]').count()).toBe(3);
    expect(await page.locator('main').innerText()).toContain("J'attends ou je viens d'avoir un enfant");
    expect(await violationsAxe(page)).toEqual([]);
    expect(await largeurDocument(page)).toBeLessThanOrEqual(375);
    await capture(page, 'orientation-375-choix');

    // Skip link to the content, then Tab to the pathway.
    await page.keyboard.press('Tab');
    expect((await focus(page)).texte).toBe('Contenu');
    await page.keyboard.press('Enter');
    await tabulerJusqua(page, (f) => f.balise === 'A' && f.texte === 'Je me sépare', 'le lien « Je me sépare »');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Je me sépare' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/orientation/separation');
    await expect.poll(() => titreEtape(page)).toBe('Votre code postal Étape 1 sur 5');
    expect(await page.title()).toBe('Votre code postal (étape 1 sur 5) – Je me sépare – Passerelle');
    // The question is explained in plain French.
    expect(await page.locator('main').innerText()).toContain('Il sert seulement à trouver votre Caf');
    expect(await violationsAxe(page)).toEqual([]);
    expect(await largeurDocument(page)).toBeLessThanOrEqual(375);
    await capture(page, 'orientation-375-etape-code-postal');

    // An empty answer is refused with a message next to the field.
    await tabulerJusqua(page, (f) => f.balise === 'INPUT' && f.nom === 'codePostal', 'le champ code postal');
    await page.keyboard.press('Enter');
    await page.getByText('Indiquez votre code postal (5 chiffres, par exemple 83000).').waitFor();
    expect(await page.getByRole('textbox', { name: /Quel est votre code postal/ }).getAttribute('aria-invalid')).toBe('true');
    expect((await focus(page)).nom).toBe('codePostal');
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'orientation-375-etape-code-postal-erreur');
    await page.keyboard.type('83000');
    await page.keyboard.press('Enter');

    await attendreEtape(page, 'Vos enfants', 2, 5);
    expect(await page.locator('main').innerText()).toContain("L'endroit où ils vivent décide");
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'orientation-375-etape-enfants');
    await choisirAuClavier(page, 1); // « Oui, ils vivent principalement chez moi »

    await attendreEtape(page, 'La pension alimentaire', 3, 5);
    expect(await violationsAxe(page)).toEqual([]);
    await choisirAuClavier(page, 1); // « fixée mais pas payée »

    await attendreEtape(page, 'Vos revenus', 4, 5);
    expect(await violationsAxe(page)).toEqual([]);
    await choisirAuClavier(page, 0); // « pas de revenus du travail »

    await attendreEtape(page, 'Votre logement', 5, 5);
    expect(await violationsAxe(page)).toEqual([]);
    await choisirAuClavier(page, 1, 'Voir mes droits et démarches'); // « Je déménage »

    const h1 = page.getByRole('heading', { level: 1, name: 'Vos droits et démarches' });
    await h1.waitFor();
    await expect.poll(async () => (await focus(page)).balise).toBe('H1');
    expect(await page.title()).toBe('Vos droits et démarches – Je me sépare – Passerelle');
    const main = page.locator('main');
    expect(await main.innerText()).toContain('commune de Toulon (Var)');
    // Local Caf and CPAM from the postal code.
    expect(await page.locator('[data-contact="caf-83"]').innerText()).toContain('Caf du Var');
    expect(await page.locator('[data-contact="cpam-83"]').innerText()).toContain('CPAM du Var');
    // Both branches, each offer with its branch badge.
    expect(await page.locator('[data-branche="caf"]').count()).toBeGreaterThan(2);
    expect(await page.locator('[data-branche="assurance_maladie"]').count()).toBeGreaterThan(2);
    expect(await page.locator('[data-offre="caf-asf"]').count()).toBe(1);
    expect(await page.locator('[data-offre="aripa-recouvrement"]').count()).toBe(1);
    expect(await page.locator('[data-offre="misas-accompagnement"]').count()).toBe(1);
    expect(await page.locator('[data-offre="ces-examen-prevention"]').count()).toBe(1);
    expect(await page.locator('[data-groupe="maintenant"] h2').innerText()).toBe('Tout de suite');

    // An offer opens with the keyboard: why, what to do, official link, dated amount with its source.
    const asf = page.locator('[data-offre="caf-asf"]');
    await asf.locator('.fr-accordion__btn').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => asf.locator('.fr-accordion__btn').getAttribute('aria-expanded')).toBe('true');
    const contenuAsf = asf.locator('[data-offre-contenu="caf-asf"]');
    await contenuAsf.waitFor({ state: 'visible' });
    const texteAsf = await contenuAsf.innerText();
    expect(texteAsf).toContain('Pourquoi cela vous concerne');
    expect(texteAsf).toContain('Ce que vous devez faire');
    expect(texteAsf).toMatch(/Montant indicatif : \d/);
    expect(texteAsf).toMatch(/en vigueur depuis le \d/);
    expect(texteAsf).toContain('Source :');
    expect(await contenuAsf.locator('a[href^="https://"]').count()).toBeGreaterThanOrEqual(2);
    // The catalogue's amounts predate the 1 April 2026 revaluation: shown as such, never silently.
    if (new Date() >= new Date('2026-04-01')) expect(texteAsf).toMatch(/Montant non actualisé/i);

    await ouvrirTousLesDetails(page);
    expect(await violationsAxe(page)).toEqual([]);
    expect(await largeurDocument(page)).toBeLessThanOrEqual(375);
    await capture(page, 'orientation-375-resultat');
    await page.getByRole('button', { name: 'Replier tous les détails' }).click();
    await page.evaluate('window.scrollTo(0, 0)');
    await capture(page, 'orientation-375-resultat-haut', { pleinePage: false });

    // The check-list PDF: a POST, saved from a blob.
    const bouton = page.getByRole('button', { name: 'Télécharger la liste de mes démarches (PDF)' });
    await bouton.focus();
    const [telechargement] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(telechargement.suggestedFilename()).toBe('demarches-separation.pdf');
    verifierPdf(await lirePdf(telechargement));
    await page.getByText(/Document téléchargé : demarches-separation\.pdf \(PDF, \d+ ko\)/).waitFor();

    await verifierAucuneReponseStockee(page, adresses, ['83000', 'chez_moi', 'impayee', 'aucune', 'demenage', 'Toulon']);
    expect(adresses.some((a) => a.includes('/api/orientation/separation/checklist.pdf'))).toBe(true);
    expectCleanContext(contexte);
    await fermer(contexte);
  });

  test('sans enfant, la question de la pension alimentaire n\'est pas posée', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await page.goto('/orientation/separation');
    await page.getByRole('textbox', { name: /Quel est votre code postal/ }).fill('83000');
    await page.getByRole('button', { name: 'Suivant' }).click();
    await attendreEtape(page, 'Vos enfants', 2, 5);
    expect(await page.locator('.fr-stepper__details').innerText()).toContain('La pension alimentaire');
    await page.getByLabel("Je n'ai pas d'enfant à charge").check({ force: true });
    await expect.poll(() => titreEtape(page)).toBe('Vos enfants Étape 2 sur 4');
    expect(await page.locator('.fr-stepper__details').innerText()).toContain('Vos revenus');
    await page.getByRole('button', { name: 'Suivant' }).click();
    await attendreEtape(page, 'Vos revenus', 3, 4);
    await page.getByLabel('Mes revenus me permettent de faire face à mes dépenses').check({ force: true });
    await page.getByRole('button', { name: 'Suivant' }).click();
    await attendreEtape(page, 'Votre logement', 4, 4);
    await page.getByLabel('Je reste dans le même logement').check({ force: true });
    await page.getByRole('button', { name: 'Voir mes droits et démarches' }).click();
    await page.getByRole('heading', { level: 1, name: 'Vos droits et démarches' }).waitFor();
    expect(await page.locator('[data-offre="caf-asf"]').count()).toBe(0);
    expect(await page.locator('[data-offre="caf-declarer-separation"]').count()).toBe(1);
    expect(await page.locator('[data-offre="am-declarer-changement"]').count()).toBe(1);
    expectCleanContext(contexte);
    await fermer(contexte);
  });

  test("« J'aide un proche » : retour arrière du navigateur, service social de la Carsat, PDF", async () => {
    const contexte = await ouvrir();
    const { page, adresses } = contexte;
    await page.goto('/orientation');
    await page.getByRole('link', { name: "J'aide un proche" }).click();
    await page.getByRole('heading', { level: 1, name: "J'aide un proche" }).waitFor();
    await expect.poll(() => titreEtape(page)).toBe('Votre code postal Étape 1 sur 5');
    // Client-side navigation: the focus is on the page title.
    await expect.poll(async () => (await focus(page)).balise).toBe('H1');
    expect(await page.locator('main').innerText()).toContain('pas celui de la personne aidée');

    await page.getByRole('textbox', { name: /Quel est votre code postal/ }).fill('830');
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByText('Le code postal doit compter exactement 5 chiffres (par exemple 83000).').waitFor();
    await page.getByRole('textbox', { name: /Quel est votre code postal/ }).fill('83 000');
    await page.getByRole('button', { name: 'Suivant' }).click();

    await attendreEtape(page, 'La personne que vous aidez', 2, 5);
    expect(await violationsAxe(page)).toEqual([]);
    await page.getByLabel('Mon père, ma mère, ou un autre parent âgé').check({ force: true }); // DSFR draws the radio on the label
    await page.getByRole('button', { name: 'Suivant' }).click();

    await attendreEtape(page, 'Votre situation professionnelle', 3, 5);
    expect(await violationsAxe(page)).toEqual([]);
    // The browser's Back button goes to the previous question, with its answer kept.
    await page.goBack();
    await attendreEtape(page, 'La personne que vous aidez', 2, 5);
    expect(await page.getByLabel('Mon père, ma mère, ou un autre parent âgé').isChecked()).toBe(true);
    await page.goForward();
    await attendreEtape(page, 'Votre situation professionnelle', 3, 5);
    // The "Précédent" button too.
    await page.getByRole('button', { name: 'Précédent' }).click();
    await attendreEtape(page, 'La personne que vous aidez', 2, 5);
    await page.getByRole('button', { name: 'Suivant' }).click();
    await attendreEtape(page, 'Votre situation professionnelle', 3, 5);
    await page.getByLabel('Salarié(e) ou agent public').check({ force: true });
    await page.getByRole('button', { name: 'Suivant' }).click();

    await attendreEtape(page, 'Les allocations d’aidant', 4, 5);
    expect(await violationsAxe(page)).toEqual([]);
    await page.getByLabel("Oui, mais elle m'a été refusée").check({ force: true });
    await page.getByRole('button', { name: 'Suivant' }).click();

    await attendreEtape(page, 'Votre complémentaire santé', 5, 5);
    expect(await violationsAxe(page)).toEqual([]);
    await page.getByLabel("Non, je n'en ai pas").check({ force: true });
    await page.getByRole('button', { name: 'Voir mes droits et démarches' }).click();

    await page.getByRole('heading', { level: 1, name: 'Vos droits et démarches' }).waitFor();
    expect(await page.locator('[data-contact="caf-83"]').innerText()).toContain('Caf du Var');
    expect(await page.locator('[data-contact="cpam-83"]').innerText()).toContain('CPAM du Var');
    expect(await page.locator('[data-contact="carsat-sud-est"]').innerText()).toContain('Carsat Sud-Est');
    expect(await page.locator('[data-offre="caf-reexamen-aidant"]').count()).toBe(1);
    expect(await page.locator('[data-offre="carsat-service-social"]').count()).toBe(1);
    expect(await page.locator('[data-offre="am-c2s"]').count()).toBe(1);
    expect(await page.locator('[data-branche="carsat"]').count()).toBeGreaterThan(0);
    await ouvrirTousLesDetails(page);
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'orientation-aidant-resultat');

    // "Modifier mes réponses" goes back to the last question with the answers kept; nothing is lost.
    await page.getByRole('button', { name: 'Modifier mes réponses' }).click();
    await attendreEtape(page, 'Votre complémentaire santé', 5, 5);
    expect(await page.getByLabel("Non, je n'en ai pas").isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Voir mes droits et démarches' }).click();
    await page.getByRole('heading', { level: 1, name: 'Vos droits et démarches' }).waitFor();

    const [telechargement] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Télécharger la liste de mes démarches (PDF)' }).click(),
    ]);
    expect(telechargement.suggestedFilename()).toBe('demarches-aidant.pdf');
    verifierPdf(await lirePdf(telechargement));

    // After a reload nothing is remembered: back to the first question.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: "J'aide un proche" }).waitFor();
    await expect.poll(() => titreEtape(page)).toBe('Votre code postal Étape 1 sur 5');
    expect(await page.getByRole('textbox', { name: /Quel est votre code postal/ }).inputValue()).toBe('');

    await verifierAucuneReponseStockee(page, adresses, ['83000', '83 000', 'parent', 'salarie', 'refusee']);
    expectCleanContext(contexte);
    await fermer(contexte);
  });

  test("« J'attends ou je viens d'avoir un enfant » : code postal inconnu, puis partagé par plusieurs communes", async () => {
    // 59280 is shared by Armentières and Bois-Grenier (checked through the API first).
    const essai = await fetch(`${serveur.url}/api/orientation/naissance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reponses: { codePostal: '59280', etape: 'ne', enfantsACharge: 2, enCouple: false, ressources: 'modestes' } }),
    });
    expect(essai.status).toBe(400);
    const communes = ((await essai.json()) as { communes: { code: string; nom: string }[] }).communes;
    expect(communes.map((c) => c.nom)).toEqual(expect.arrayContaining(['Armentières', 'Bois-Grenier']));

    const contexte = await ouvrir({ largeur: 375, hauteur: 812 });
    const { page, adresses } = contexte;
    await page.goto('/orientation/naissance');
    await page.getByRole('heading', { level: 1, name: "J'attends ou je viens d'avoir un enfant" }).waitFor();
    const codePostal = page.getByRole('textbox', { name: /Quel est votre code postal/ });
    await codePostal.fill('00000');
    await page.getByRole('button', { name: 'Suivant' }).click();

    await attendreEtape(page, 'Grossesse ou naissance', 2, 5);
    await page.getByLabel('Mon enfant est né il y a peu').check({ force: true });
    await page.getByRole('button', { name: 'Suivant' }).click();

    await attendreEtape(page, 'Vos enfants à charge', 3, 5);
    const nombre = page.getByRole('textbox', { name: /Combien d'enfants/ });
    await nombre.fill('0');
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByText('Indiquez un nombre entier entre 1 et 15.').waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    await nombre.fill('2');
    await page.getByRole('button', { name: 'Suivant' }).click();

    await attendreEtape(page, 'Votre vie de couple', 4, 5);
    expect(await violationsAxe(page)).toEqual([]);
    await page.getByLabel('Non', { exact: true }).check({ force: true });
    await page.getByRole('button', { name: 'Suivant' }).click();

    await attendreEtape(page, 'Vos revenus', 5, 5);
    await page.getByLabel(/Des revenus du travail modestes/).check({ force: true });
    await page.getByRole('button', { name: 'Voir mes droits et démarches' }).click();

    // The API does not know 00000: back to the postal code, with its message, the focus on the field.
    await expect.poll(() => titreEtape(page)).toBe('Votre code postal Étape 1 sur 5');
    await page.getByText('Aucune commune ne correspond au code postal 00000.').waitFor();
    await expect.poll(async () => (await focus(page)).nom).toBe('codePostal');
    expect(await codePostal.getAttribute('aria-invalid')).toBe('true');
    expect(await page.title()).toMatch(/^Erreur – /);
    expect(await violationsAxe(page)).toEqual([]);
    await codePostal.fill('59280');
    for (const [titre, numero] of [['Grossesse ou naissance', 2], ['Vos enfants à charge', 3], ['Votre vie de couple', 4], ['Vos revenus', 5]] as const) {
      await page.getByRole('button', { name: 'Suivant' }).click();
      await attendreEtape(page, titre, numero, 5);
    }
    await page.getByRole('button', { name: 'Voir mes droits et démarches' }).click();

    // Several communes: one more question.
    await attendreEtape(page, 'Votre commune', 6, 6);
    const principal = page.locator('main');
    expect(await principal.innerText()).toContain('Plusieurs communes ont le code postal 59280');
    expect(await page.getByLabel('Armentières').count()).toBe(1);
    expect(await page.getByLabel('Bois-Grenier').count()).toBe(1);
    expect(await violationsAxe(page)).toEqual([]);
    expect(await largeurDocument(page)).toBeLessThanOrEqual(375);
    await capture(page, 'orientation-375-etape-commune');
    await page.getByRole('button', { name: 'Voir mes droits et démarches' }).click();
    await page.getByText('Choisissez votre commune dans la liste.').waitFor();
    await page.getByLabel('Armentières').check({ force: true });
    await page.getByRole('button', { name: 'Voir mes droits et démarches' }).click();

    await page.getByRole('heading', { level: 1, name: 'Vos droits et démarches' }).waitFor();
    expect(await principal.innerText()).toContain('commune de Armentières (Nord)');
    expect(await page.locator('[data-contact="caf-59"]').innerText()).toContain('Caf du Nord');
    expect(await page.locator('[data-contact="cpam-59-flandres"]').innerText()).toContain('CPAM des Flandres');
    expect(await page.locator('[data-offre="am-prado"]').count()).toBe(1);
    expect(await page.locator('[data-offre="caf-declarer-naissance"]').count()).toBe(1);
    expect(await page.locator('[data-branche="caf"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-branche="assurance_maladie"]').count()).toBeGreaterThan(0);
    await ouvrirTousLesDetails(page);
    expect(await violationsAxe(page)).toEqual([]);
    expect(await largeurDocument(page)).toBeLessThanOrEqual(375);

    const [telechargement] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Télécharger la liste de mes démarches (PDF)' }).click(),
    ]);
    expect(telechargement.suggestedFilename()).toBe('demarches-naissance.pdf');
    verifierPdf(await lirePdf(telechargement));

    await verifierAucuneReponseStockee(page, adresses, ['59280', '00000', '59017', 'Armentières', 'Armenti%C3%A8res', 'modestes']);
    expectCleanContext(contexte);
    await fermer(contexte);
  });
});

describe("mode entretien et catalogue", () => {
  test("un agent de la Caf prépare la check-list d'entretien et la télécharge en PDF", async () => {
    const contexte = await ouvrir();
    const { page, adresses } = contexte;
    await seConnecter(page, 'agent.caf83@passerelle.test');
    const carte = page.locator('[data-orientation="entretien"]');
    await carte.getByRole('link', { name: "Check-list d'entretien" }).click();
    await page.getByRole('heading', { level: 1, name: "Check-list d'entretien" }).waitFor();
    expect(await page.locator('header').getByRole('link', { name: "Check-list d'entretien" }).count()).toBeGreaterThan(0);

    await page.getByLabel('Je me sépare').check({ force: true });
    await page.getByRole('textbox', { name: /Quel est votre code postal/ }).fill('83000');
    await page.getByLabel('Oui, ils vivent principalement chez moi').check({ force: true });
    await page.getByLabel('Non, aucune pension n\'est fixée').check({ force: true });
    await page.getByLabel(/Je travaille, avec des revenus modestes/).check({ force: true });
    await page.getByLabel('Je reste dans le même logement').check({ force: true });
    expect(await violationsAxe(page)).toEqual([]);
    await page.getByRole('button', { name: 'Afficher les offres' }).click();

    const titre = page.getByRole('heading', { level: 2, name: 'Offres pour cette situation' });
    await titre.waitFor();
    await expect.poll(async () => (await focus(page)).texte).toBe('Offres pour cette situation');
    // The agent's own branch first, then the other branch's offers.
    const groupes = await page.locator('[data-groupe]').evaluateAll((elements) => elements.map((e) => e.getAttribute('data-groupe')));
    expect(groupes[0]).toBe('caf');
    expect(groupes).toContain('assurance_maladie');
    expect(await page.locator('[data-groupe="caf"] h3').innerText()).toBe('Offres de votre branche : Caf');
    expect(await page.locator('[data-groupe="assurance_maladie"] h3').innerText()).toBe("Offres de l'autre branche : Assurance Maladie");
    expect(await page.locator('[data-contact="cpam-83"]').innerText()).toContain('CPAM du Var');
    await ouvrirTousLesDetails(page);
    expect(await page.locator('main').innerText()).toContain('Pourquoi cela concerne la personne');
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'orientation-entretien');

    const [fiche] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: "Fiche d'entretien (PDF)" }).click(),
    ]);
    expect(fiche.suggestedFilename()).toBe('entretien-separation.pdf');
    verifierPdf(await lirePdf(fiche));
    const [liste] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Liste à remettre à la personne (PDF)' }).click(),
    ]);
    expect(liste.suggestedFilename()).toBe('demarches-separation.pdf');
    verifierPdf(await lirePdf(liste));

    // A postal code shared by several communes: the commune is asked next to it.
    await page.getByRole('textbox', { name: /Quel est votre code postal/ }).fill('59280');
    expect(await page.getByRole('heading', { name: 'Offres pour cette situation' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Afficher les offres' }).click();
    await page.getByText('Choisissez votre commune parmi les 2 communes du code postal 59280.').waitFor();
    await expect.poll(async () => (await focus(page)).type).toBe('radio');
    expect(await violationsAxe(page)).toEqual([]);
    await page.getByLabel('Armentières').check({ force: true });
    await page.getByRole('button', { name: 'Afficher les offres' }).click();
    await titre.waitFor();
    expect(await page.locator('[data-contact="caf-59"]').innerText()).toContain('Caf du Nord');
    expect(await page.locator('[data-contact="cpam-59-flandres"]').innerText()).toContain('CPAM des Flandres');

    await verifierAucuneReponseStockee(page, adresses, ['83000', '59280', '59017', 'chez_moi', 'modestes']);
    expectCleanContext(contexte);
    await fermer(contexte);
  });

  test("un compte sans le rôle agent n'a pas le mode entretien", async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'pilote.caf83@passerelle.test');
    expect(await page.getByRole('link', { name: "Check-list d'entretien" }).count()).toBe(0);
    await page.goto('/orientation/entretien');
    await page.getByRole('heading', { level: 1, name: 'Accès refusé' }).waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    expectCleanContext(contexte);
    await fermer(contexte);
  });

  test("un administrateur consulte le catalogue des offres et les parcours qui les utilisent", async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'admin.caf83@passerelle.test');
    await page.locator('[data-orientation="catalogue"]').getByRole('link', { name: "Catalogue des offres d'orientation" }).click();
    await page.getByRole('heading', { level: 1, name: "Catalogue des offres d'orientation" }).waitFor();
    const offres = page.locator('section[aria-labelledby="titre-offres"] table');
    await offres.waitFor();
    const api = (await (await page.request.get('/api/orientation/catalogue')).json()) as {
      offres: { id: string; parcours: { titre: string }[] }[];
    };
    expect(await offres.locator('tbody tr').count()).toBe(api.offres.length);
    const asf = offres.locator('tr').filter({ has: page.locator('[data-offre="caf-asf"]') });
    const texteAsf = await asf.innerText();
    expect(texteAsf).toContain('Je me sépare');
    expect(texteAsf).toContain("J'attends ou je viens d'avoir un enfant");
    expect(await page.locator('section[aria-labelledby="titre-montants"] table').innerText()).toContain('asf_par_enfant');
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'orientation-catalogue');

    await page.getByRole('combobox', { name: 'Afficher les offres de la situation' }).selectOption({ label: "J'aide un proche" });
    await expect.poll(() => offres.locator('tbody tr').count()).toBe(api.offres.filter((o) => o.parcours.some((p) => p.titre === "J'aide un proche")).length);
    expect(await offres.innerText()).not.toContain('Allocation de soutien familial (ASF)');
    expect(await page.locator('header').getByRole('link', { name: 'Catalogue des offres' }).count()).toBeGreaterThan(0);
    expectCleanContext(contexte);

    // Not for other roles.
    const autre = await ouvrir();
    await seConnecter(autre.page, 'agent.caf83@passerelle.test');
    await autre.page.goto('/administration/orientation');
    await autre.page.getByRole('heading', { level: 1, name: 'Accès refusé' }).waitFor();
    expect((await autre.page.request.get('/api/orientation/catalogue')).status()).toBe(403);
    await fermer(autre);
    await fermer(contexte);
  });
});
