/**
 * The command line as the Caf's instance (embedded database in a data folder): master key file,
 * protected keys, export-identity, partners, `exchange send` to a CPAM instance running in this
 * process, `exchange paquets`.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.ts';
import {
  configureMasterKeys, ensureExchangeSetup, exchangeRepository, exportPublicKeyring, loadMasterKeys, MASTER_KEY_FILE, parsePublicKeyringExport,
} from '../../src/exchange/index.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import { buildServer } from '../../src/server/app.ts';
import { ENGINE, freshDatabase, POSTGRES_URL } from '../helpers/database.ts';
import { cliTarget, runCli, type CliTarget } from '../helpers/cli.ts';

let dataDir = '';
let target: CliTarget;

// not a demo instance: no demo cycle, keyrings and conventions from `exchange setup`; on PostgreSQL the master key comes from the environment
const cliEnv = () => ({ PASSERELLE_DEMO: '0', PASSERELLE_CLE_MAITRE: '', PASSERELLE_CLE_MAITRE_PRECEDENTES: '', ...target.env });
const cli = (args: string[]) => runCli(args, dataDir, cliEnv());

describe(`exchange commands between a command-line instance and a server (${ENGINE})`, () => {
  let work: string;
  let cpam: Awaited<ReturnType<typeof freshDatabase>>;
  let close: () => Promise<void>;
  let inbox: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'passerelle-cli-echange-'));
    target = await cliTarget('passerelle-cli-echange-donnees-');
    dataDir = target.dataDir;
  });
  afterAll(async () => {
    await close?.();
    await cpam?.drop();
    await target?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a new instance creates its master key (0600) and stores the keys encrypted', { timeout: 180_000 }, async () => {
    const init = await cli(['init']);
    expect(init.code, init.stderr).toBe(0);
    if (!POSTGRES_URL) {
      // the embedded instance creates its own master key file (on PostgreSQL the key is PASSERELLE_CLE_MAITRE)
      expect(init.stderr).toMatch(/Clé maîtresse créée dans .* \(mode 0600\) : en production, fournissez PASSERELLE_CLE_MAITRE/);
      expect((await stat(join(dataDir, MASTER_KEY_FILE))).mode & 0o777).toBe(0o600);
    }
    const setup = await cli(['exchange', 'setup']);
    expect(setup.stdout).toMatch(/\d{3} trousseau\(x\) de clés et 11 convention\(s\) créé\(s\)/);

    const database = await target.open();
    try {
      const rows = await database.db.selectFrom('trousseaux').select('trousseau').execute();
      expect(rows.length).toBeGreaterThan(100);
      expect(rows.every((r) => r.trousseau.startsWith('pcm1.'))).toBe(true);
      const conventions = await database.db.selectFrom('conventions').select('cle_pseudonyme').execute();
      expect(conventions.every((r) => r.cle_pseudonyme.startsWith('pcm1.'))).toBe(true);
    } finally {
      await database.close();
    }
  });

  it('keys export-identity still prints the age identity, and is audited', async () => {
    const r = await cli(['keys', 'export-identity', '--organisation', 'cpam-83']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# created: .*\n# public key: age1[0-9a-z]+\nAGE-SECRET-KEY-1[0-9A-Z]+\n$/);
    const database = await target.open();
    try {
      expect(await database.db.selectFrom('journal_audit').select('cible_id').where('action', '=', 'cles.export_identite').execute()).toHaveLength(1);
    } finally {
      await database.close();
    }
  });

  it('partners exchange public keyrings; exchange send posts the cycle\'s package and records the acknowledgement; exchange paquets shows its life', { timeout: 400_000 }, async () => {
    // this process reads the CLI instance's database directly: same master key
    configureMasterKeys(await loadMasterKeys(readConfig({ ...cliEnv(), PASSERELLE_DOSSIER_DONNEES: dataDir })));
    cpam = await freshDatabase();
    await ensureExchangeSetup(cpam.db);
    const { app } = await buildServer(cpam, readConfig({ PASSERELLE_CONNEXION_DEBIT: '1000' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    close = () => app.close();
    inbox = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/boite/cpam-83/paquets`;

    // the CPAM exports its public keyring; the Caf's instance registers it
    const cpamRing = (await exchangeRepository.keyring(cpam.db, 'cpam-83'))!;
    await writeFile(join(work, 'cpam-83.json'), JSON.stringify(exportPublicKeyring(cpamRing, inbox)));
    const added = await cli(['exchange', 'partenaire', 'ajouter', join(work, 'cpam-83.json')]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/Partenaire cpam-83 enregistré \(boîte aux lettres http:\/\/127\.0\.0\.1:\d+\/api\/boite\/cpam-83\/paquets\)/);
    const list = await cli(['exchange', 'partenaire', 'liste']);
    expect(list.stdout).toMatch(/^cpam-83 +http:\/\/127\.0\.0\.1:\d+\/api\/boite\/cpam-83\/paquets +signature [0-9a-f]{16} ; chiffrement [0-9a-f]{16}$/m);

    // the Caf exports its own; the CPAM registers it
    const exported = await cli(['exchange', 'partenaire', 'exporter', '--organisation', 'caf-83']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).not.toMatch(/SECRET|PRIVATE/);
    expect(exported.stderr).toMatch(/Empreintes à confirmer avec le partenaire/);
    const cafRing = parsePublicKeyringExport(JSON.parse(exported.stdout));
    await exchangeRepository.savePartner(cpam.db, { organisation: 'caf-83', url: null, keyring: cafRing.trousseau });

    // until the cycle seals to the partner's keyring (see inbox.test.ts), the Caf's instance holds the CPAM's keyring under cpam-83
    const database = await target.open();
    try { await exchangeRepository.saveKeyring(database.db, cpamRing); } finally { await database.close(); }

    const source = join(work, 'extrait');
    await generateExtracts({ departement: '83', month: '2026-11', outDir: source, scale: 0.01, seed: 8, people: { ajpa: 20, ajpp: 4 } });
    const cycle = await cli(['cycle', '--programme', 'aidants', '--mois', '2026-11', '--source', source, '--sortie', join(work, 'paquets'), '--expediteur', 'caf-83']);
    expect([0, 3]).toContain(cycle.code);
    const manifest = join(work, 'paquets', 'aidants_caf-83_cpam-83_2026-11.manifest.json');
    const id = JSON.parse(await readFile(manifest, 'utf8')).id as string;

    const unreachable = await cli(['exchange', 'send', manifest, '--boite', 'http://127.0.0.1:9/api/boite/cpam-83/paquets', '--delai', '5']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/Envoi impossible : la boîte aux lettres de « cpam-83 » \(http:\/\/127\.0\.0\.1:9\) est injoignable .* Le paquet reste scellé/);

    const sent = await cli(['exchange', 'send', manifest]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(new RegExp(`Paquet ${id} importé par cpam-83 : (\\d+) enregistrement\\(s\\) sur \\1\\. Accusé de réception signé enregistré`));
    expect(await exchangeRepository.countContacts(cpam.db, { organisation: 'cpam-83', paquet: id })).toBeGreaterThan(0);

    const table = await cli(['exchange', 'paquets', '--organisation', 'caf-83']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^paquet +sens +partenaire +programme +période +statut/);
    expect(table.stdout).toMatch(/aidants_caf-83_cpam-83_2026-11 +→ +cpam-83 +aidants +2026-11 +acquitté +\d+ +\d+ +2026-/);
    expect(table.stdout).toMatch(/1 paquet\(s\) affiché\(s\) sur 1 pour caf-83\./);
  });
});
