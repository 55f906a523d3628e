/**
 * The readers against the real database (issue 10): a competence CSV with repeated and
 * contradictory rows over HTTP (it used to answer 500), a UTF-16 one refused whole (400); the
 * cycle with the territories' postal codes, two different people under one key with an application
 * (neither transmitted, in process and in workers alike), and a main file refused whole, said in
 * the row report.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CycleInputError, runCycle, type CycleReport } from '../../src/exchange/cycle.ts';
import { ensureExchangeSetup } from '../../src/exchange/setup.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import { ENGINE } from '../helpers/database.ts';
import { sessionFor, startTestServer, type TestServer } from '../helpers/server.ts';

const NOW = new Date('2026-11-28T09:00:00.000Z');

describe(`readers on the real database (${ENGINE})`, () => {
  let server: TestServer;
  let work: string;
  let source: string;
  const keyLines: number[] = [];
  let wrongPostalLine = 0;

  beforeAll(async () => {
    server = await startTestServer();
    await ensureExchangeSetup(server.database.db, NOW);
    work = await mkdtemp(join(tmpdir(), 'passerelle-readers-'));
    source = join(work, 'extrait');
    await generateExtracts({ departement: '83', month: '2026-11', outDir: source, scale: 0.005, seed: 5, people: { ajpa: 30 } });
    const applicants = new Set((await readFile(join(source, 'caf_ajpa_ajpp.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(';')[1]));
    const lines = (await readFile(join(source, 'caf_allocataires.csv'), 'utf8')).trim().split('\n');
    const header = lines[0]!.split(';');
    const col = (name: string) => header.indexOf(name);
    // Someone else takes the numéro allocataire of the first applicant: two people, one key with an application.
    const applicant = lines.findIndex((l, i) => i > 0 && applicants.has(l.split(';')[col('numero_allocataire')]!));
    const other = lines.findIndex((l, i) => i > applicant + 50 && !applicants.has(l.split(';')[col('numero_allocataire')]!));
    const cells = lines[other]!.split(';');
    cells[col('numero_allocataire')] = lines[applicant]!.split(';')[col('numero_allocataire')]!;
    lines[other] = cells.join(';');
    keyLines.push(applicant + 1, other + 1);
    // A postal code of another commune (Toulon's 83000 for a commune that is not Toulon).
    wrongPostalLine = lines.findIndex((l, i) => i > 0 && i !== applicant && i !== other && l.split(';')[col('code_commune')] !== '83137');
    const moved = lines[wrongPostalLine]!.split(';');
    moved[col('code_postal')] = '83000';
    lines[wrongPostalLine] = moved.join(';');
    wrongPostalLine++;
    await writeFile(join(source, 'caf_allocataires.csv'), `${lines.join('\n')}\n`);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('handles repeated and contradictory competence rows per row, and refuses a UTF-16 file whole', async () => {
    const national = await sessionFor(server.database, 'admin.national@passerelle.test');
    const post = (payload: string) => server.app.inject({ method: 'POST', url: '/api/territoires/competences', headers: { ...national.headers, 'content-type': 'text/csv' }, payload });
    const res = await post('commune;branche;organisation\n83137;cpam;cpam-83\n83137;cpam;cpam-83\n\n83061;carsat;carsat-sud-est\n83061;carsat;cgss-971\n"83050;cpam;cpam-83\n83050;cpam;cpam-83\n');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      appliquees: 2,
      rejetees: [
        { ligne: 5, raison: expect.stringMatching(/^commune 83061, branche carsat : une autre ligne du fichier donne un autre organisme/) },
        { ligne: 6, raison: expect.stringMatching(/^(commune 83061, branche carsat : organisme différent de celui de la ligne 5|l'organisation cgss-971)/) },
        { ligne: 7, raison: expect.stringMatching(/^guillemet ouvert dans la colonne 1/) },
      ],
      // a repeated line is applied once and reported, not rejected
      doublons: [{ ligne: 3, raison: "même correction qu'à la ligne 2 (doublon) : appliquée une seule fois" }],
    });
    const utf16 = await post(Buffer.from('\ufeffcommune;branche;organisation\n83137;cpam;cpam-83\n', 'utf16le').toString('latin1'));
    expect(utf16.statusCode).toBe(400);
    expect(utf16.json().erreur).toMatch(/UTF-16/);
  });

  it('rejects a postal code of another commune and transmits neither of two people under one key, in process and in workers alike', async () => {
    const run = (workers: number, dir: string) => runCycle(server.database.db, {
      programme: 'aidants', periode: '2026-11', source, outDir: join(work, dir), expediteur: 'caf-83', now: NOW, workers, blockBytes: 16 * 1024, remplacer: true, // each run seals its own package
    });
    const reports: CycleReport[] = [await run(0, 'a'), await run(2, 'b')];
    const text = await readFile(reports[0]!.rapport, 'utf8');
    expect(text).toContain(`\r\n${wrongPostalLine};code_postal : ce n'est pas un code postal de la commune`);
    for (const line of keyLines) expect(text).toMatch(new RegExp(`\\r\\n${line};"?clé en double \\(departement_caf, numero_allocataire\\)`));
    // Only the planted postal code: the generated addresses agree with the territories reference.
    expect(text.match(/code_postal : ce n'est pas/g)).toHaveLength(1);
    expect(await readFile(reports[1]!.rapport, 'utf8')).toBe(text);
    expect(reports[1]!.lignesRejetees).toBe(reports[0]!.lignesRejetees);
    expect(reports[1]!.transmis).toBe(reports[0]!.transmis);
  }, 240_000);

  it('refuses a UTF-16 main file whole (exit 2 on the command line) and says so in the row report', async () => {
    const dir = join(work, 'utf16');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    const csv = await readFile(join(source, 'caf_allocataires.csv'), 'utf8');
    await writeFile(join(dir, 'caf_allocataires.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]));
    const error = await runCycle(server.database.db, { programme: 'aidants', periode: '2026-11', source: dir, outDir: join(work, 'c'), expediteur: 'caf-83', now: NOW }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CycleInputError);
    expect((error as Error).message).toMatch(/^caf_allocataires\.csv refusé : fichier encodé en UTF-16/);
    const report = await readFile(join(work, 'c', 'rapport_aidants_2026-11.csv'), 'utf8');
    expect(report).toMatch(/\r\n;"?fichier refusé en entier, rien n'est transmis : caf_allocataires\.csv refusé : fichier encodé en UTF-16/);
  }, 120_000);
});
