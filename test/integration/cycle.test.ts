import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ageIdentityFile, currentGeneration, cycleCounts, cycleReference, ensureExchangeSetup, exchangeRepository, importPackage, ImportRefused, readExtract, recordAcknowledgementFile, runCycle,
  type CycleReport,
} from '../../src/exchange/index.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import { destroyExpiredContacts, pseudonymsDigest, verifyAuditChain } from '../../src/privacy/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';
import { resealAsReplacement } from '../helpers/replacement.ts';
import { cliTarget, runCli, type CliTarget } from '../helpers/cli.ts';
import { requireTool } from '../helpers/tools.ts';

const AGE = '/usr/bin/age';
const run = promisify(execFile);
const NOW = new Date('2026-11-28T09:00:00.000Z');

async function refusal(promise: Promise<unknown>): Promise<ImportRefused> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ImportRefused) return error;
    throw error;
  }
  throw new Error('import accepté alors qu’il devait être refusé');
}

describe(`monthly caregivers' cycle, packages, import, retention (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let work: string;
  let source: string;
  let first: CycleReport;
  let movedToBdr = 0;

  beforeAll(async () => {
    database = await freshDatabase();
    const setup = await ensureExchangeSetup(database.db, NOW);
    expect(setup.conventions).toBe(11);
    expect(setup.ignorees).toEqual([]); // every organisation, Corsica's caf-2A included, gets a keyring
    work = await mkdtemp(join(tmpdir(), 'passerelle-cycle-'));
    source = join(work, 'extrait');
    await generateExtracts({ departement: '83', month: '2026-11', outDir: source, scale: 0.01, seed: 3, people: { ajpa: 50, ajpp: 10 } });
    // Doctor the extract: some applicants move to Marseille (no convention with cpam-13), plus a duplicate, a formula and a short row.
    const applicants = new Set((await readFile(join(source, 'caf_ajpa_ajpp.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(';')[1]));
    const lines = (await readFile(join(source, 'caf_allocataires.csv'), 'utf8')).trim().split('\n');
    const header = lines[0]!.split(';');
    const col = (name: string) => header.indexOf(name);
    let kept = 0;
    let duplicate = '';
    const doctored = lines.map((line, i) => {
      if (i === 0) return line;
      const cells = line.split(';');
      if (!applicants.has(cells[col('numero_allocataire')]!)) return line;
      kept++;
      if (kept % 5 === 0) {
        movedToBdr++;
        cells[col('code_postal')] = '13001';
        cells[col('code_commune')] = '13055';
        cells[col('commune')] = 'Marseille';
        return cells.join(';');
      }
      if (!duplicate) duplicate = line;
      return line;
    });
    const formula = lines[1]!.split(';');
    formula[col('nom')] = '=HYPERLINK("http://exemple.example")';
    doctored.push(duplicate, formula.join(';'), '83;1234567;trop;court');
    await writeFile(join(source, 'caf_allocataires.csv'), `${doctored.join('\n')}\n`);
  });

  afterAll(async () => {
    await database?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('runs the cycle: one sealed package per recipient, refusals and bad rows reported, audit counts only', async () => {
    const progress: number[] = [];
    first = await runCycle(database.db, {
      programme: 'aidants', periode: '2026-11', source, outDir: join(work, 'a'), expediteur: 'caf-83', now: NOW,
      onProgress: (p) => progress.push(p.octetsLus),
    });
    expect(first.paquets).toHaveLength(1);
    const p = first.paquets[0]!;
    expect(p).toMatchObject({ expediteur: 'caf-83', destinataire: 'cpam-83', convention: 'conv-aidants-caf-83-cpam-83' });
    expect(p.champs).toEqual(['pseudonyme', 'email', 'telephone', 'code_postal', 'nom', 'prenom', 'prestation']);
    expect(p.nombre).toBeGreaterThanOrEqual(40);
    expect(first.refus).toEqual([expect.objectContaining({ destinataire: 'cpam-13', personnes: movedToBdr })]);
    expect(first.refus[0]!.raison).toMatch(/^Scellement refusé : aucune convention active ne couvre le programme « Aller vers les proches aidants » entre Caf du Var \(caf-83\) et .*\(cpam-13\)/);
    expect(first.doublons).toBe(1);
    expect(first.lignesRejetees).toBe(2);
    expect(progress.length).toBeGreaterThan(0);

    const report = await readFile(first.rapport, 'utf8');
    expect(report.startsWith('\ufeffligne;raison\r\n')).toBe(true);
    expect(report).toMatch(/\r\n\d+;nom : la cellule commence par « = » \(formule de tableur refusée\)\r\n/);
    expect(report).toMatch(/\r\n\d+;4 colonne\(s\) au lieu de 31\r\n/);
    expect(report).toMatch(/doublon/);
    expect(report).toMatch(new RegExp(`\\r\\n;${movedToBdr} personne\\(s\\) non transmise\\(s\\) à cpam-13 : Scellement refusé`));
    expect(report).not.toMatch(/HYPERLINK/);

    const sent = await exchangeRepository.packageOf(database.db, p.id, 'caf-83');
    expect(sent).toMatchObject({ statut: 'scelle', nombreEnregistrements: p.nombre, destinataire: 'cpam-83' });
    const audit = await database.db.selectFrom('journal_audit').select(['details']).where('action', '=', 'echange.cycle').execute();
    expect(audit).toHaveLength(1);
    const details = JSON.stringify(audit[0]!.details);
    expect(details).toMatch(/"transmis":\d+/);
    expect(details).not.toMatch(/@|[0-9]{15}/);
  });

  it('the package opens with the real age tool and the recipient identity', async () => {
    requireTool(AGE);
    const ring = (await exchangeRepository.keyring(database.db, 'cpam-83'))!;
    const identity = join(work, 'identite-cpam-83.txt');
    await writeFile(identity, ageIdentityFile(currentGeneration(ring).chiffrement), { mode: 0o600 });
    const payload = join(work, 'a', `${first.paquets[0]!.nom}.payload.age`);
    const { stdout } = await run(AGE, ['--decrypt', '-i', identity, payload]);
    const rows = stdout.trim().split('\n');
    expect(rows[0]).toBe('pseudonyme;email;telephone;code_postal;nom;prenom;prestation');
    expect(rows).toHaveLength(first.paquets[0]!.nombre + 1);
    expect(rows.slice(1).every((r) => /^[0-9a-f]{64};/.test(r))).toBe(true);
    expect(stdout).not.toMatch(/\b[12]\d{14}\b/); // no NIR

    const other = join(work, 'identite-cpam-13.txt');
    await writeFile(other, ageIdentityFile(currentGeneration((await exchangeRepository.keyring(database.db, 'cpam-13'))!).chiffrement), { mode: 0o600 });
    await expect(run(AGE, ['--decrypt', '-i', other, payload])).rejects.toThrow();
  });

  it('imports the package into the worklist, refuses the second import, and the sender records the acknowledgement', async () => {
    const p = first.paquets[0]!;
    const imported = await importPackage(database.db, p.manifeste, { organisation: 'cpam-83', now: NOW });
    expect(imported).toMatchObject({ paquet: p.id, recus: p.nombre, importes: p.nombre, echeance: '2027-02-28' });
    expect(await exchangeRepository.countContacts(database.db, { organisation: 'cpam-83', paquet: p.id })).toBe(p.nombre);

    const again = await refusal(importPackage(database.db, p.manifeste, { organisation: 'cpam-83', now: NOW }));
    expect(again.code).toBe('rejeu');
    expect(again.message).toMatch(/déjà importé le 2026-11-28 .* ce second import ne crée rien/);
    expect(await exchangeRepository.countContacts(database.db, { organisation: 'cpam-83' })).toBe(p.nombre);

    const accuse = await recordAcknowledgementFile(database.db, imported.accuse);
    expect(accuse).toMatchObject({ statut: 'importe', importes: p.nombre });
    expect(await exchangeRepository.packageOf(database.db, p.id, 'caf-83')).toMatchObject({ statut: 'acquitte', nombreImportes: p.nombre });
    expect(await exchangeRepository.packageOf(database.db, p.id, 'cpam-83')).toMatchObject({ statut: 'importe' });
  });

  it('refuses a wrong recipient, a tampered payload or manifest, an ended convention, a second package for the month; an import that fails half-way leaves nothing and can be rerun', async () => {
    // Reference data shared between runs (the demo's six cycles): loaded once, same result as a run that loads its own.
    const reference = cycleReference(database.db);
    // A rerun of the same month reuses the package already sealed; a declared replacement seals a new one.
    const reused = await runCycle(database.db, { programme: 'aidants', periode: '2026-11', source, outDir: join(work, 'b'), expediteur: 'caf-83', now: NOW, reference });
    expect(cycleCounts(reused)).toEqual(cycleCounts(first));
    expect(reused.paquets.map((x) => [x.id, x.reutilise])).toEqual(first.paquets.map((x) => [x.id, true]));
    expect(await readFile(reused.rapport, 'utf8')).toMatch(/déjà scellé le .* réutilisé, rien n'est scellé deux fois/);
    const second = await runCycle(database.db, { programme: 'aidants', periode: '2026-11', source, outDir: join(work, 'b'), expediteur: 'caf-83', now: NOW, reference, remplacer: true });
    expect(cycleCounts(second)).toEqual(cycleCounts(first));
    expect(second.paquets.map((x) => [x.destinataire, x.nombre])).toEqual(first.paquets.map((x) => [x.destinataire, x.nombre]));
    expect(second.paquets[0]!.id).not.toBe(first.paquets[0]!.id);
    expect(await reference.competences('cpam')).toBe(await reference.competences('cpam'));
    const p = second.paquets[0]!;

    const wrong = await refusal(importPackage(database.db, p.manifeste, { organisation: 'cpam-13', now: NOW }));
    expect(wrong.code).toBe('destinataire_incorrect');

    const tamper = async (dir: string, file: 'payload.age' | 'manifest.json', change: (b: Buffer) => Buffer) => {
      await mkdir(join(work, dir));
      for (const ext of ['manifest.json', 'payload.age', 'sig']) await copyFile(join(work, 'b', `${p.nom}.${ext}`), join(work, dir, `${p.nom}.${ext}`));
      const target = join(work, dir, `${p.nom}.${file}`);
      await writeFile(target, change(await readFile(target)));
      return join(work, dir, `${p.nom}.manifest.json`);
    };
    const payloadTampered = await tamper('c', 'payload.age', (b) => { b[b.length - 5] = b[b.length - 5]! ^ 0xff; return b; });
    expect((await refusal(importPackage(database.db, payloadTampered, { organisation: 'cpam-83', now: NOW }))).code).toBe('empreinte_incorrecte');
    const manifestTampered = await tamper('d', 'manifest.json', (b) => Buffer.from(b.toString('utf8').replace(/"nombreEnregistrements":\d+/, '"nombreEnregistrements":1')));
    expect((await refusal(importPackage(database.db, manifestTampered, { organisation: 'cpam-83', now: NOW }))).code).toBe('signature_invalide');

    const stored = (await exchangeRepository.convention(database.db, p.convention))!;
    await exchangeRepository.updateConventionDefinition(database.db, { ...stored.convention, resiliation: { notifieeLe: '2026-08-01', par: 'cpam-83' } });
    const ended = await refusal(importPackage(database.db, p.manifeste, { organisation: 'cpam-83', now: NOW }));
    expect(ended.code).toBe('convention_inactive');
    await exchangeRepository.updateConventionDefinition(database.db, stored.convention);
    // Sealing is refused too while the convention has ended.
    await exchangeRepository.updateConventionDefinition(database.db, { ...stored.convention, resiliation: { notifieeLe: '2026-08-01', par: 'cpam-83' } });
    const refused = await runCycle(database.db, { programme: 'aidants', periode: '2026-11', source, outDir: join(work, 'e'), expediteur: 'caf-83', now: NOW });
    expect(refused.paquets).toEqual([]);
    expect(refused.refus.find((r) => r.destinataire === 'cpam-83')?.raison).toMatch(/résiliée depuis le 01\/10\/2026/);
    await exchangeRepository.updateConventionDefinition(database.db, stored.convention);

    // the month's first package is imported: a second one is refused unless it declares that it replaces it
    const undeclared = await resealAsReplacement(database.db, p.manifeste, randomUUID(), join(work, 'r'));
    const twice = await refusal(importPackage(database.db, undeclared.manifeste, { organisation: 'cpam-83', now: NOW }));
    expect(twice.code).toBe('periode_deja_importee');
    expect(twice.accuse?.accuse).toMatchObject({ statut: 'rejete', motif: 'periode_deja_importee' });
    // the cycle's replacement declares, in its signed manifest, the package it replaces
    const replacement = { manifeste: p.manifeste, manifest: JSON.parse(await readFile(p.manifeste, 'utf8')) as { id: string; remplace?: string } };
    expect(replacement.manifest.remplace).toBe(first.paquets[0]!.id);

    const before = await exchangeRepository.countContacts(database.db);
    await expect(importPackage(database.db, replacement.manifeste, {
      organisation: 'cpam-83', now: NOW, batchSize: 5, afterBatch: () => { throw new Error('coupure simulée'); },
    })).rejects.toThrow(/^Import du paquet [0-9a-f-]{36} interrompu par une erreur interne : rien n'a été importé\./);
    expect(await exchangeRepository.countContacts(database.db)).toBe(before);
    expect(await exchangeRepository.packageOf(database.db, replacement.manifest.id, 'cpam-83')).toBeUndefined();

    const rerun = await importPackage(database.db, replacement.manifeste, { organisation: 'cpam-83', now: NOW, batchSize: 5 });
    // the same people as the first package of the month: already followed, none added twice
    expect(rerun).toMatchObject({ recus: p.nombre, importes: 0, dejaSuivis: p.nombre });
    expect(await exchangeRepository.countContacts(database.db)).toBe(before);
  });

  it('destroys what is past its deadline (dry run first) and writes a destruction record without data', async () => {
    const total = await exchangeRepository.countContacts(database.db);
    const early = await destroyExpiredContacts(database.db, { today: '2027-02-27' });
    expect(early.total).toBe(0);

    const dry = await destroyExpiredContacts(database.db, { today: '2027-02-28', dryRun: true });
    expect(dry.total).toBe(total);
    expect(dry.groupes).toHaveLength(1);
    expect(await exchangeRepository.countContacts(database.db)).toBe(total);

    const pseudos = (await database.db.selectFrom('contacts').select('pseudonyme').where('paquet_id', '=', first.paquets[0]!.id).execute()).map((r) => r.pseudonyme!);
    const done = await destroyExpiredContacts(database.db, { today: '2027-02-28' });
    expect(done.total).toBe(total);
    expect(await exchangeRepository.countContacts(database.db)).toBe(0);
    const group = done.groupes.find((g) => g.paquet === first.paquets[0]!.id)!;
    expect(group.empreinte).toBe(pseudonymsDigest(pseudos));
    expect(group.empreinte).toBe(dry.groupes.find((g) => g.paquet === group.paquet)!.empreinte);

    const records = await database.db.selectFrom('journal_audit').select(['details', 'cible_id']).where('action', '=', 'conservation.destruction').execute();
    expect(records).toHaveLength(1);
    const detail = records.find((r) => r.cible_id === group.paquet)!.details as Record<string, unknown>;
    expect(detail).toMatchObject({ programme: 'aidants', paquet: group.paquet, nombre: group.nombre, empreinteSha256: group.empreinte });
    expect(JSON.stringify(records)).not.toContain(pseudos[0]!);
    expect(await exchangeRepository.packageOf(database.db, group.paquet!, 'cpam-83')).toMatchObject({ statut: 'detruit' });
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM paquets`.execute(database.db)).rows[0]!.n)).toBe(4);
  });
});

describe(`cycle, import, ack and destroy from the command line (${ENGINE})`, () => {
  let dir: string;
  let target: CliTarget;
  const cli = (args: string[]) => runCli(args, target.dataDir, target.env);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passerelle-cycle-cli-'));
    target = await cliTarget('passerelle-cycle-cli-donnees-');
    await generateExtracts({ departement: '83', month: '2026-11', outDir: join(dir, 'extrait'), scale: 0.01, seed: 5, people: { ajpa: 20 } });
  });
  afterAll(async () => { await target?.drop(); if (dir) await rm(dir, { recursive: true, force: true }); });

  it('sets up the exchanges, runs the cycle with progress on stderr, refuses a missing source with exit 2', async () => {
    // the first opening of a demo instance prepares the exchanges; the explicit command is then idempotent
    const setup = await cli(['exchange', 'setup']);
    expect(setup.stderr).toMatch(/Échanges : \d+ trousseau\(x\) de clés et 11 convention\(s\) de démonstration créés/);
    expect(setup.stdout).toMatch(/0 trousseau\(x\) de clés et 0 convention\(s\) créé\(s\)/);
    expect(setup.code).toBe(0);
    const missing = await cli(['cycle', '--programme', 'aidants', '--mois', '2026-11', '--source', join(dir, 'nulle-part'), '--sortie', join(dir, 'paquets')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Fichier introuvable/);
    const cycle = await cli(['cycle', '--programme', 'aidants', '--mois', '2026-11', '--source', join(dir, 'extrait'), '--sortie', join(dir, 'paquets'), '--expediteur', 'caf-83']);
    expect(cycle.stderr).toMatch(/Cycle aidants 2026-11 : 100 % \(\d[\d\s\u202f]* lignes lues\)/);
    expect(cycle.stdout).toMatch(/paquet aidants_caf-83_cpam-83_2026-11 → cpam-83 : \d+ enregistrement/);
    expect([0, 3]).toContain(cycle.code);
  }, 180_000);

  it('imports once (exit 0), refuses the second import (exit 2), records the acknowledgement, destroys after a dry run', async () => {
    const manifest = join(dir, 'paquets', 'aidants_caf-83_cpam-83_2026-11.manifest.json');
    const first = await cli(['import', manifest, '--organisation', 'cpam-83']);
    expect(first.stdout).toMatch(/importé : (\d+) contact\(s\) créé\(s\)/);
    expect(first.code).toBe(0);
    const again = await cli(['import', manifest, '--organisation', 'cpam-83']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/déjà importé .* ce second import ne crée rien/);
    const ack = await cli(['ack', join(dir, 'paquets', 'aidants_caf-83_cpam-83_2026-11.accuse.json')]);
    expect(ack.stdout).toMatch(/Accusé enregistré : paquet .* importé par cpam-83/);
    expect(ack.code).toBe(0);
    const dry = await cli(['privacy', 'destroy', '--simulation', '--date', '2027-12-31']);
    expect(dry.stdout).toMatch(/[1-9]\d* contact\(s\) serai\(en\)t détruit\(s\) au 2027-12-31 \(simulation/);
    const real = await cli(['privacy', 'destroy', '--date', '2027-12-31']);
    expect(real.stdout).toMatch(/[1-9]\d* contact\(s\) détruit\(s\) au 2027-12-31\./);
    const after = await cli(['privacy', 'destroy', '--simulation', '--date', '2027-12-31']);
    expect(after.stdout).toMatch(/^0 contact\(s\)/m);
  }, 180_000);
});

describe('reading a Caf extract: the corpus of bad files', () => {
  let dir: string;
  let header: string;
  let line: string;
  const columns = () => header.split(';');
  const set = (l: string, name: string, value: string) => { const c = l.split(';'); c[columns().indexOf(name)] = value; return c.join(';'); };
  const read = async (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    await writeFile(path, content);
    const rows: Readonly<Record<string, string | undefined>>[] = [];
    const rejects: string[] = [];
    const warnings: string[] = [];
    await readExtract(path, 'caf_allocataires', {
      onRow: (r) => { rows.push(r); }, onReject: (l, r) => rejects.push(`${l};${r}`), onWarning: (l, r) => warnings.push(`${l};${r}`),
    });
    return { rows, rejects, warnings };
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passerelle-corpus-'));
    await generateExtracts({ departement: '83', month: '2026-11', outDir: join(dir, 'x'), scale: 0.01, seed: 9 });
    const lines = (await readFile(join(dir, 'x', 'caf_allocataires.csv'), 'utf8')).trim().split('\n');
    header = lines[0]!;
    line = set(set(set(lines.find((l, i) => i > 0 && !l.includes(',') && !l.includes('"'))!, 'prenom', 'Élodie'), 'email', 'elodie@exemple.example'), 'telephone', '06 12 34 56 78');
  });
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  it('reads a comma-separated file with a BOM and CRLF line ends, and Windows-1252 accents', async () => {
    const comma = await read('virgule.csv', `\ufeff${header.replaceAll(';', ',')}\r\n${line.replaceAll(';', ',')}\r\n`);
    expect(comma.rejects).toEqual([]);
    expect(comma.rows[0]).toMatchObject({ prenom: 'Élodie', telephone: '0612345678' });
    const latin = await read('latin.csv', Buffer.from(`${header}\r\n${line}\r\n`, 'latin1'));
    expect(latin.rows[0]?.prenom).toBe('Élodie');
  });

  it('refuses a whole file with a wrong separator, a missing column or nothing in it, in French', async () => {
    await expect(read('tab.csv', `${header.replaceAll(';', '\t')}\n`)).rejects.toThrow(/caf_allocataires\.csv refusé : en-tête inattendu .*séparateur non reconnu/);
    await expect(read('colonne.csv', `${columns().slice(0, -1).join(';')}\n`)).rejects.toThrow(/en-tête inattendu pour caf_allocataires\.csv : colonnes attendues/);
    await expect(read('vide.csv', '')).rejects.toThrow(/fichier vide/);
  });

  it('rejects bad rows with their line and reason, keeps the good ones, repairs what is safe', async () => {
    const bad = [
      set(line, 'nir', '123456789012345'),
      set(line, 'nom', '=1+1'),
      set(line, 'adresse_complement', 'x'.repeat(10 * 1024 * 1024)),
      set(set(line, 'email', 'pas-une-adresse'), 'telephone', '12'),
      set(line, 'code_postal', '6000'),
      line,
    ];
    const r = await read('mauvais.csv', `${header}\n${bad.join('\n')}\n`);
    expect(r.rejects).toEqual([
      expect.stringMatching(/^2;nir : /),
      '3;nom : la cellule commence par « = » (formule de tableur refusée)',
      `4;adresse_complement : cellule de ${10 * 1024 * 1024} caractères (1000 au plus)`,
    ]);
    expect(r.rejects.join()).not.toContain('123456789012345');
    expect(r.warnings).toEqual([
      '5;email : adresse électronique mal formée : valeur non transmise, ligne conservée',
      '5;telephone : numéro de téléphone mal formé : valeur non transmise, ligne conservée',
      '6;code_postal : 4 chiffres, zéro initial rétabli',
    ]);
    expect(r.rows).toHaveLength(3);
    expect(r.rows[0]).toMatchObject({ email: '', telephone: '' });
    expect(r.rows[1]?.code_postal).toBe('06000');
  });
});
