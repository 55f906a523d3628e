/**
 * The cycle read by worker threads gives exactly the row report, counts and packages of the
 * cycle read in process — with small blocks, so that quoted fields holding line breaks, bad rows
 * and duplicates fall on block boundaries.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCycle, type CycleReport } from '../../src/exchange/cycle.ts';
import { ensureExchangeSetup } from '../../src/exchange/setup.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';

const NOW = new Date('2026-11-28T09:00:00.000Z');

describe(`the cycle read by worker threads (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let work: string;
  let source: string;

  beforeAll(async () => {
    database = await freshDatabase();
    await ensureExchangeSetup(database.db, NOW);
    work = await mkdtemp(join(tmpdir(), 'passerelle-parallel-'));
    source = join(work, 'extrait');
    await generateExtracts({ departement: '83', month: '2026-11', outDir: source, scale: 0.02, seed: 21, people: { ajpa: 60, ajpp: 10 } });
    const lines = (await readFile(join(source, 'caf_allocataires.csv'), 'utf8')).trimEnd().split('\n');
    const header = lines[0]!.split(';');
    const col = (name: string) => header.indexOf(name);
    const doctored = lines.map((line, i) => {
      if (i === 0 || line.includes('"')) return line;
      const cells = line.split(';');
      if (i % 97 === 0) cells[col('adresse_complement')] = '"Résidence ""Les Pins""\nBât. B; esc. 2"';
      else if (i % 89 === 0) cells[col('nom')] = '=HYPERLINK("x")'.replaceAll('"', '');
      else if (i % 83 === 0) cells[col('nir')] = '123456789012345';
      else if (i % 79 === 0) cells[col('code_postal')] = '6000';
      else if (i % 61 === 0) return `${line}\r\n${line}`; // a duplicate on the next line, CRLF between
      return cells.join(';');
    });
    doctored.splice(500, 0, '', '83;1234567;trop;court');
    await writeFile(join(source, 'caf_allocataires.csv'), `${doctored.join('\n')}\n`);
  });

  afterAll(async () => {
    await database?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('writes the same row report and the same packages with 0, 1 or 3 workers', async () => {
    const run = (workers: number, dir: string) => runCycle(database.db, {
      programme: 'aidants', periode: '2026-11', source, outDir: join(work, dir), expediteur: 'caf-83', now: NOW, workers, blockBytes: 64 * 1024, remplacer: true, // each run seals its own package
    });
    const reports: CycleReport[] = [await run(0, 'a'), await run(1, 'b'), await run(3, 'c')];
    const texts = await Promise.all(reports.map((r) => readFile(r.rapport, 'utf8')));
    expect(texts[0]).toMatch(/\r\n\d+;nom : la cellule commence par « = »/);
    expect(texts[0]).toMatch(/\r\n\d+;4 colonne\(s\) au lieu de 31\r\n/);
    expect(texts[0]).toMatch(/code_postal : 4 chiffres, zéro initial rétabli/);
    expect(reports[0]!.lignesRejetees).toBeGreaterThan(5);
    const counts = (r: CycleReport) => ({
      lignesLues: r.lignesLues, lignesRejetees: r.lignesRejetees, valeursIgnorees: r.valeursIgnorees, nonCibles: r.nonCibles, exclus: r.exclus,
      nonContactables: r.nonContactables, sansDestinataire: r.sansDestinataire, doublons: r.doublons, retenus: r.retenus, transmis: r.transmis,
      paquets: r.paquets.map((p) => [p.destinataire, p.nombre]),
    });
    for (let i = 1; i < reports.length; i++) {
      expect(texts[i]).toBe(texts[0]);
      expect(counts(reports[i]!)).toEqual(counts(reports[0]!));
    }
  }, 120_000);
});
