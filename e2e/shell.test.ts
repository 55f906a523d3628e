import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  capture,
  demarrerServeur,
  elementActif,
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

async function ouvrir(options?: { largeur?: number; hauteur?: number }): Promise<Contexte> {
  const contexte = await nouveauContexte(navigateur, serveur, options);
  contextes.push(contexte);
  return contexte;
}

async function fermer(contexte: Contexte) {
  await contexte.context.close();
  contextes.splice(contextes.indexOf(contexte), 1);
}

function entete(page: Page) {
  return page.locator('header[role="banner"], header.fr-header').first();
}

/** One account per role (and several kinds of organisation), from the demo-account contract (organisation codes). */
const COMPTES_PAR_ROLE = [
  { email: 'agent.caf83@passerelle.test', role: 'agent', libelle: "Agent d'accompagnement", organisation: 'caf-83' },
  { email: 'agent.ces83@passerelle.test', role: 'agent', libelle: "Agent d'accompagnement", organisation: 'ces-83' },
  { email: 'agent.carsatsudest@passerelle.test', role: 'agent', libelle: "Agent d'accompagnement", organisation: 'carsat-sud-est' },
  { email: 'echanges.cpamflandres@passerelle.test', role: 'charge_echanges', libelle: 'Chargé des échanges', organisation: 'cpam-59-flandres' },
  { email: 'pilote.caf83@passerelle.test', role: 'pilote_local', libelle: 'Pilote local', organisation: 'caf-83' },
  { email: 'pilote.cnam@passerelle.test', role: 'pilote_national', libelle: 'Pilote national', organisation: 'cnam' },
  { email: 'dpo.cpam83@passerelle.test', role: 'dpo', libelle: 'Délégué à la protection des données', organisation: 'cpam-83' },
  { email: 'admin.caf83@passerelle.test', role: 'administrateur', libelle: 'Administrateur', organisation: 'caf-83' },
] as const;

describe('connexion', () => {
  test('la page de connexion est accessible et signale clairement un échec', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await page.goto('/connexion');
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    expect(await page.locator('h1:visible').count()).toBe(1);
    expect(await page.locator('main h1').count()).toBe(1);
    expect(await page.locator('main h1').innerText()).toBe('Se connecter à Passerelle');
    expect(await page.title()).toBe('Se connecter à Passerelle – Passerelle');
    // The DSFR skip links come first.
    await page.keyboard.press('Tab');
    expect((await elementActif(page)).texte).toBe('Contenu');
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'connexion');

    await page.getByLabel('Adresse électronique').fill('agent.caf83@passerelle.test');
    await page.getByLabel('Mot de passe', { exact: true }).fill('pas-le-bon-mot-de-passe');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    const alerte = page.getByRole('alert').filter({ hasText: 'Connexion impossible' });
    await alerte.waitFor();
    expect(await alerte.innerText()).toMatch(/\w/);
    expect(page.url()).toContain('/connexion');
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'connexion-echec');

    // An empty form gets the API's field messages next to the fields.
    await page.getByLabel('Adresse électronique').fill('');
    await page.getByLabel('Mot de passe', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByText("L'adresse e-mail est obligatoire.").waitFor();
    expectCleanContext(contexte);
    await fermer(contexte);
  });

  test('une page protégée renvoie vers la connexion, puis y revient après connexion', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await page.goto('/administration/comptes');
    await page.waitForURL('**/connexion');
    await page.getByText('Connectez-vous pour accéder à cette page.').waitFor();
    await page.getByLabel('Adresse électronique').fill('admin.cpam83@passerelle.test');
    await page.getByLabel('Mot de passe', { exact: true }).fill('Passerelle-demo-2026');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL('**/administration/comptes');
    await page.getByRole('heading', { level: 1, name: 'Gestion des comptes' }).waitFor();
    expectCleanContext(contexte);
    await fermer(contexte);
  });
});

describe("page d'accueil par rôle", () => {
  for (const compte of COMPTES_PAR_ROLE) {
    test(`${compte.email} (${compte.role}) voit ses tuiles et son organisme dans l'en-tête`, async () => {
      const contexte = await ouvrir();
      const { page } = contexte;
      await seConnecter(page, compte.email);
      expect(new URL(page.url()).pathname).toBe('/');

      const session = (await (await page.request.get('/api/session')).json()) as {
        compte: { nom: string; roles: string[]; organisation: { code: string; nom: string; type: string } };
      };
      expect(session.compte.organisation.code).toBe(compte.organisation);
      const nomOrganisation = session.compte.organisation.nom;

      // Header: service title and the user's organisation.
      await expect.poll(() => entete(page).innerText()).toContain('Passerelle');
      expect(await entete(page).locator('.fr-header__service-tagline').innerText()).toBe(nomOrganisation);
      // Home: greeting, organisation, one tile per role.
      expect(await page.locator('h1:visible').count()).toBe(1);
      expect(await page.locator('main h1').count()).toBe(1);
      expect(await page.locator('main').innerText()).toContain(nomOrganisation);
      const tuile = page.locator(`[data-role="${compte.role}"]`);
      expect(await tuile.getByRole('heading', { level: 3 }).innerText()).toBe(compte.libelle);
      for (const role of session.compte.roles) expect(await page.locator(`[data-role="${role}"]`).count()).toBe(1);
      if (compte.role === 'pilote_national') expect(await tuile.innerText()).toMatch(/anonyme/);
      if (compte.role === 'administrateur') {
        expect(await tuile.getByRole('link', { name: 'Gérer les comptes' }).count()).toBe(1);
        expect(await entete(page).getByRole('link', { name: 'Gestion des comptes' }).count()).toBeGreaterThan(0);
      } else {
        // Every role's tile leads to its pages (issues 3 and 4); only administrators manage accounts.
        expect(await tuile.textContent()).toContain('Disponible');
        expect(await tuile.getByRole('link').count()).toBe(1);
        expect(await page.getByRole('link', { name: 'Gestion des comptes' }).count()).toBe(0);
      }
      await page.getByRole('button', { name: 'Se déconnecter' }).first().waitFor();
      expect(await violationsAxe(page)).toEqual([]);
      await capture(page, `accueil-${compte.role}-${compte.email.split('@')[0]!.replace(/\./g, '-')}`);
      expectCleanContext(contexte);
      await fermer(contexte);
    });
  }
});

describe('navigation et déconnexion', () => {
  test("le focus va sur le titre de la nouvelle page, la 404 s'affiche, la déconnexion ferme la session", async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'agent.caf59@passerelle.test');
    await entete(page).getByRole('link', { name: 'Organismes par code postal' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Trouver les organismes compétents' }).waitFor();
    await expect.poll(async () => (await elementActif(page)).balise).toBe('H1');
    expect(await page.title()).toBe('Trouver les organismes compétents – Passerelle');

    await page.getByRole('link', { name: /Accessibilité : non conforme/ }).click();
    await page.getByRole('heading', { level: 1, name: "Déclaration d'accessibilité" }).waitFor();

    await page.goto('/cette-page-n-existe-pas');
    await page.getByRole('heading', { level: 1, name: 'Page non trouvée' }).waitFor();
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'page-non-trouvee');

    await page.goto('/');
    await page.getByRole('button', { name: 'Se déconnecter' }).first().click();
    await page.waitForURL('**/connexion');
    await page.getByText('Vous êtes déconnecté').waitFor();
    expect((await page.request.get('/api/session')).status()).toBe(401);
    await page.goto('/');
    await page.waitForURL('**/connexion');
    expectCleanContext(contexte);
    await fermer(contexte);
  });
});

describe('territoires', () => {
  test('recherche par code postal sans connexion, sur un écran de téléphone (375 px)', async () => {
    const contexte = await ouvrir({ largeur: 375, hauteur: 812 });
    const { page } = contexte;
    await page.goto('/territoires');
    await page.getByRole('heading', { level: 1, name: 'Trouver les organismes compétents' }).waitFor();
    // Empty state says what to type.
    expect(await page.locator('main').innerText()).toMatch(/Saisissez le code postal/);
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'territoires-375-vide');

    await page.getByRole('textbox', { name: /^Code postal/ }).fill('83000');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.getByRole('heading', { level: 2, name: '1 commune pour le code postal 83000' }).waitFor();
    const toulon = page.locator('li').filter({ has: page.getByRole('heading', { level: 3, name: 'Toulon' }) });
    const texte = await toulon.innerText();
    expect(texte).toContain('Caf du Var');
    expect(texte).toContain('CPAM du Var');
    expect(texte).toContain('Carsat Sud-Est');
    expect(new URL(page.url()).searchParams.get('codePostal')).toBe('83000');
    await expect.poll(async () => (await elementActif(page)).texte).toBe('1 commune pour le code postal 83000');
    expect(await violationsAxe(page)).toEqual([]);
    // No horizontal scrolling on a phone.
    expect(await largeurDocument(page)).toBeLessThanOrEqual(375);
    await capture(page, 'territoires-375');

    await page.getByRole('textbox', { name: /^Code postal/ }).fill('123');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.getByText('Le code postal doit compter exactement 5 chiffres').waitFor();
    expect(await page.getByRole('textbox', { name: /^Code postal/ }).getAttribute('aria-invalid')).toBe('true');

    await page.getByRole('textbox', { name: /^Code postal/ }).fill('00000');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.getByText('Code postal 00000 introuvable').waitFor();
    expect(await page.locator('main').innerText()).toContain('Aucune commune ne correspond au code postal 00000');
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'territoires-375-inconnu');
    expectCleanContext(contexte);
    await fermer(contexte);
  });
});

describe('administration des comptes', () => {
  test("un non-administrateur n'a pas de lien et reçoit un refus clair", async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'echanges.caf83@passerelle.test');
    expect(await page.getByRole('link', { name: /Gestion des comptes|Gérer les comptes/ }).count()).toBe(0);
    await page.goto('/administration/comptes');
    await page.getByRole('heading', { level: 1, name: 'Accès refusé' }).waitFor();
    expect(await page.locator('main').innerText()).toContain('Cette page est réservée aux administrateurs');
    expect((await page.request.get('/api/comptes')).status()).toBe(403);
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'administration-refus');
    expectCleanContext(contexte);
    await fermer(contexte);
  });

  test('un administrateur crée un compte, voit les erreurs par champ, modifie et gère un conflit', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'admin.caf83@passerelle.test');
    await page.locator('[data-role="administrateur"]').getByRole('link', { name: 'Gérer les comptes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Gestion des comptes' }).waitFor();
    const tableau = page.locator('.fr-table table');
    await tableau.waitFor();
    expect(await tableau.innerText()).toContain('agent.caf83@passerelle.test');
    // A local administrator sees only their organisation's accounts.
    expect(await tableau.innerText()).not.toContain('cpam83');
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'administration-comptes');

    const creation = page.locator('form[aria-labelledby="titre-creation"]');
    // Empty form: the API's per-field messages appear next to the fields.
    await creation.getByRole('button', { name: 'Créer le compte' }).click();
    await page.getByRole('alert').filter({ hasText: "Le compte n'a pas été créé" }).waitFor();
    expect(await creation.locator('[aria-invalid="true"]').count()).toBeGreaterThan(0);
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'administration-creation-erreurs');

    await creation.getByLabel('Nom et prénom').fill('Nina Nouvelle');
    await creation.getByLabel('Adresse électronique professionnelle').fill('nina.nouvelle@passerelle.test');
    await creation.getByLabel('Mot de passe provisoire').fill('Un-mot-de-passe-provisoire-2026');
    await creation.getByLabel("Agent d'accompagnement").check({ force: true }); // DSFR draws the box on the label, over the input
    await creation.getByRole('button', { name: 'Créer le compte' }).click();
    await page.getByText('Le compte de Nina Nouvelle (nina.nouvelle@passerelle.test) a été créé.').waitFor();
    await tableau.getByRole('cell', { name: 'nina.nouvelle@passerelle.test' }).waitFor();

    // The same e-mail again: conflict message on the form.
    await creation.getByLabel('Nom et prénom').fill('Nina Doublon');
    await creation.getByLabel('Adresse électronique professionnelle').fill('nina.nouvelle@passerelle.test');
    await creation.getByLabel('Mot de passe provisoire').fill('Un-mot-de-passe-provisoire-2026');
    await creation.getByLabel('Pilote local').check({ force: true }); // DSFR draws the box on the label, over the input
    await creation.getByRole('button', { name: 'Créer le compte' }).click();
    await page.getByRole('alert').filter({ hasText: "Le compte n'a pas été créé" }).waitFor();
    expect(await creation.getByLabel('Adresse électronique professionnelle').getAttribute('aria-invalid')).toBe('true');

    // The new account can sign in.
    const autre = await ouvrir();
    await seConnecter(autre.page, 'nina.nouvelle@passerelle.test', 'Un-mot-de-passe-provisoire-2026');
    expect(await autre.page.locator('[data-role="agent"]').count()).toBe(1);
    await fermer(autre);

    // Edit: add a role.
    await page.getByRole('button', { name: 'Modifier le compte de Nina Nouvelle' }).click();
    const edition = page.locator('section').filter({ has: page.getByRole('heading', { level: 2, name: 'Modifier le compte de Nina Nouvelle' }) });
    await expect.poll(async () => (await elementActif(page)).texte).toBe('Modifier le compte de Nina Nouvelle');
    await edition.getByLabel('Pilote local').check({ force: true }); // DSFR draws the box on the label, over the input
    await edition.getByRole('button', { name: 'Enregistrer les modifications' }).click();
    await page.getByText('Le compte de Nina Nouvelle a été mis à jour.').waitFor();
    const ligne = tableau.locator('tr').filter({ hasText: 'nina.nouvelle@passerelle.test' });
    await expect.poll(() => ligne.textContent()).toContain('Pilote local');

    // Conflict: someone else changes the account while the form is open.
    await page.getByRole('button', { name: 'Modifier le compte de Nina Nouvelle' }).click();
    await edition.getByLabel('Compte actif').uncheck({ force: true });
    const session = (await (await page.request.get('/api/session')).json()) as { csrfToken: string };
    const liste = (await (await page.request.get('/api/comptes')).json()) as {
      comptes: { id: string; email: string; version: number }[];
    };
    const nina = liste.comptes.find((c) => c.email === 'nina.nouvelle@passerelle.test')!;
    const concurrent = await page.request.patch(`/api/comptes/${nina.id}`, {
      headers: { 'x-csrf-token': session.csrfToken },
      data: { version: nina.version, nom: 'Nina Renommée' },
    });
    expect(concurrent.status()).toBe(200);
    await edition.getByRole('button', { name: 'Enregistrer les modifications' }).click();
    const conflit = page.getByRole('alert').filter({ hasText: "Ce compte a été modifié par quelqu'un d'autre" });
    await conflit.waitFor();
    // The form now shows the up-to-date account.
    await expect.poll(() => page.getByLabel('Nom et prénom').first().inputValue()).toBe('Nina Renommée');
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'administration-conflit');

    // Deactivate for real this time.
    await page.locator('section').filter({ has: page.getByRole('heading', { name: 'Modifier le compte de Nina Renommée' }) })
      .getByLabel('Compte actif').uncheck({ force: true });
    await page.getByRole('button', { name: 'Enregistrer les modifications' }).click();
    await page.getByText('Le compte de Nina Renommée a été mis à jour.').waitFor();
    await expect.poll(() => tableau.locator('tr').filter({ hasText: 'nina.nouvelle@passerelle.test' }).textContent()).toContain('Désactivé');
    expectCleanContext(contexte);
    await fermer(contexte);
  });

  test('un administrateur national voit les comptes de tous les organismes', async () => {
    const contexte = await ouvrir();
    const { page } = contexte;
    await seConnecter(page, 'admin.national@passerelle.test');
    await page.goto('/administration/comptes');
    const tableau = page.locator('.fr-table table');
    await tableau.waitFor();
    const texte = await tableau.innerText();
    expect(texte).toContain('agent.caf83@passerelle.test');
    expect(texte).toContain('agent.cpamflandres@passerelle.test');
    const organismes = page.getByRole('combobox', { name: 'Organisme' });
    await organismes.waitFor();
    expect(await organismes.locator('option').count()).toBeGreaterThan(5);
    await page.getByRole('combobox', { name: 'Afficher les comptes de' }).selectOption({ label: 'CPAM des Flandres' });
    await expect.poll(() => tableau.innerText()).not.toContain('agent.caf83@passerelle.test');
    expect(await tableau.innerText()).toContain('agent.cpamflandres@passerelle.test');
    await page.getByRole('combobox', { name: 'Afficher les comptes de' }).selectOption({ label: 'Tous les organismes' });
    expect(await violationsAxe(page)).toEqual([]);
    await capture(page, 'administration-comptes-national');
    expectCleanContext(contexte);
    await fermer(contexte);
  });
});
