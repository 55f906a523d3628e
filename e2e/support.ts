/**
 * End-to-end test support: a real Passerelle server on a fresh embedded database, Debian's
 * Chromium driven by playwright-core, axe-core checks and screenshots.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { copyTemplateDir } from '../test/helpers/global-setup.ts';

export const RACINE = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const DOSSIER_CAPTURES = join(RACINE, 'test-results', 'screenshots');
export const MOT_DE_PASSE_DEMO = 'Passerelle-demo-2026';

async function portLibre(): Promise<number> {
  return new Promise((ok, ko) => {
    const serveur = createServer();
    serveur.unref();
    serveur.on('error', ko);
    serveur.listen(0, '127.0.0.1', () => {
      const adresse = serveur.address();
      const port = typeof adresse === 'object' && adresse ? adresse.port : 0;
      serveur.close(() => ok(port));
    });
  });
}

export interface Serveur {
  url: string;
  journal(): string;
  arreter(): Promise<void>;
}

/**
 * Starts `node src/server/main.ts` on a free port and a fresh data folder (a copy of the prepared
 * database), and waits for GET /api/health.
 */
export async function demarrerServeur(
  options: {
    delaiMs?: number; /** Prepares the fresh data folder before the server starts (e.g. inserts test data). */ preparer?: (dossierDonnees: string) => Promise<void>;
    /** More environment for the server (e.g. PASSERELLE_TACHES=0). */ env?: Record<string, string>;
  } = {},
): Promise<Serveur> {
  if (!existsSync(join(RACINE, 'web', 'dist', 'index.html'))) {
    throw new Error("web/dist/index.html est absent : lancez « npm run build:web » (npm run test:e2e le fait).");
  }
  const port = await portLibre();
  const dossierDonnees = await mkdtemp(join(tmpdir(), 'passerelle-e2e-'));
  // a copy of the prepared database (migrated, communes loaded: test/helpers/global-setup.ts), so the server's first start has only its accounts and keys to create
  copyTemplateDir(dossierDonnees);
  if (options.preparer) await options.preparer(dossierDonnees);
  const url = `http://127.0.0.1:${port}`;
  const sorties: string[] = [];
  const enfant: ChildProcess = spawn(join(RACINE, 'node_modules', '.bin', 'node'), ['src/server/main.ts'], {
    cwd: RACINE,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PASSERELLE_DOSSIER_DONNEES: dossierDonnees,
      NODE_ENV: 'test',
      // The tests sign in some twenty times within a minute from the same address.
      PASSERELLE_CONNEXION_DEBIT: '1000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  enfant.stdout?.on('data', (d: Buffer) => sorties.push(d.toString()));
  enfant.stderr?.on('data', (d: Buffer) => sorties.push(d.toString()));
  let termine: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const fin = new Promise<void>((ok) =>
    enfant.once('exit', (code, signal) => {
      termine = { code, signal };
      ok();
    }),
  );

  const arreter = async () => {
    if (termine === null) {
      enfant.kill('SIGTERM');
      const tue = setTimeout(() => enfant.kill('SIGKILL'), 10_000);
      await fin;
      clearTimeout(tue);
    }
    await rm(dossierDonnees, { recursive: true, force: true });
  };

  const limite = Date.now() + (options.delaiMs ?? 120_000);
  for (;;) {
    if (termine !== null) {
      await arreter();
      throw new Error(`Le serveur s'est arrêté au démarrage (${JSON.stringify(termine)}) :\n${sorties.join('')}`);
    }
    try {
      const reponse = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (reponse.ok) {
        const sante = (await reponse.json()) as { status?: string };
        if (sante.status === 'ok') break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > limite) {
      await arreter();
      throw new Error(`Le serveur n'a pas répondu à /api/health à temps :\n${sorties.join('')}`);
    }
    await new Promise((ok) => setTimeout(ok, 500));
  }
  return { url, journal: () => sorties.join(''), arreter };
}

export async function lancerNavigateur(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Contexte {
  context: BrowserContext;
  page: Page;
  /** Requests the page tried to send anywhere but the Passerelle server (they are blocked). */
  requetesExternes: string[];
  /** Uncaught errors and console errors of the page. */
  erreursPage: string[];
}

/** A fresh browser context (own cookies) whose requests may only reach the Passerelle server. */
export async function nouveauContexte(
  navigateur: Browser,
  serveur: Serveur,
  options: { largeur?: number; hauteur?: number } = {},
): Promise<Contexte> {
  const context = await navigateur.newContext({
    baseURL: serveur.url,
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    colorScheme: 'light',
    viewport: { width: options.largeur ?? 1280, height: options.hauteur ?? 900 },
  });
  const requetesExternes: string[] = [];
  const erreursPage: string[] = [];
  const origine = new URL(serveur.url).origin;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origine) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    requetesExternes.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => erreursPage.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // Expected API refusals (401 before login, 4xx in error-path tests) are logged by Chromium as
    // failed resources; anything else is a real error.
    if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of (400|401|403|404|409)/.test(message.text())) {
      erreursPage.push(`console: ${message.text()}`);
    }
  });
  return { context, page, requetesExternes, erreursPage };
}

/** Nothing left the machine, and the page logged no error. */
export function expectCleanContext(contexte: Contexte): void {
  expect(contexte.requetesExternes, 'requêtes vers Internet').toEqual([]);
  expect(contexte.erreursPage, 'erreurs de la page').toEqual([]);
}

export async function seConnecter(page: Page, email: string, motDePasse = MOT_DE_PASSE_DEMO): Promise<void> {
  await page.goto('/connexion');
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(motDePasse);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { level: 1, name: /^Bonjour/ }).waitFor();
}

/** Runs axe-core (WCAG 2.x A and AA rules plus best practices) and returns readable violations. */
export async function violationsAxe(page: Page): Promise<string[]> {
  const resultat = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  return resultat.violations.map(
    (v) => `${v.id} (${v.impact ?? '?'}) : ${v.help}\n${v.nodes.map((n) => `  - ${n.target.join(' ')} : ${n.failureSummary ?? ''}`).join('\n')}`,
  );
}

export async function capture(page: Page, nom: string, options: { pleinePage?: boolean } = {}): Promise<string> {
  await mkdir(DOSSIER_CAPTURES, { recursive: true });
  const chemin = join(DOSSIER_CAPTURES, `${nom}.png`);
  await page.screenshot({ path: chemin, fullPage: options.pleinePage ?? true });
  return chemin;
}

// The root tsconfig has no DOM types (it checks Node code): browser-side code is passed as strings.

/** Tag name and trimmed text of the focused element. */
export async function elementActif(page: Page): Promise<{ balise: string; texte: string }> {
  return page.evaluate<{ balise: string; texte: string }>(
    `({ balise: document.activeElement?.tagName ?? '', texte: (document.activeElement?.textContent ?? '').trim() })`,
  );
}

/** Width of the whole document, to detect horizontal scrolling. */
export async function largeurDocument(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth');
}
