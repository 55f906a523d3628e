/**
 * The benchmark's national Caf extract: `caf_allocataires.csv` (about `rows` rows, every
 * département in proportion to its population) and the month's `caf_ajpa_ajpp.csv`, written by
 * the generator's own population code (same people, same columns as `passerelle generate`), but
 * only the two Caf files the caregivers' cycle reads: the CPAM, Carsat and hospital files of a
 * national run (five times as many rows) are not produced. Streaming, bounded memory.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { extractMonth } from '../src/shared/calendar.ts';
import { csvHeader, csvLine, EXTRACT_FORMATS, type ExtractKind, type ExtractRow } from '../src/extracts/index.ts';
import { loadGeography } from '../src/generate/geography.ts';
import { NirRegistry } from '../src/generate/identity.ts';
import { NATIONAL } from '../src/generate/parameters.ts';
import { KindSequence, planDepartement, PopulationGenerator, type KindCounts } from '../src/generate/population.ts';
import { Rng } from '../src/generate/random.ts';
import { writePerson, type RowSink } from '../src/generate/rows.ts';

const KINDS = ['caf_allocataires', 'caf_ajpa_ajpp'] as const satisfies readonly ExtractKind[];
const CHUNK = 256 * 1024;

class CafSink implements RowSink {
  readonly files = new Map<ExtractKind, { stream: WriteStream; buffer: string; rows: number; path: string }>();
  needsFlush = false;

  constructor(dir: string) {
    for (const kind of KINDS) {
      const path = join(dir, EXTRACT_FORMATS[kind].fileName);
      this.files.set(kind, { stream: createWriteStream(`${path}.part`, { highWaterMark: 1 << 20 }), buffer: csvHeader(kind), rows: 0, path });
    }
  }

  push<K extends ExtractKind>(kind: K, row: ExtractRow<K>): void {
    const f = this.files.get(kind);
    if (!f) return;
    f.buffer += csvLine(kind, row);
    f.rows++;
    if (f.buffer.length >= CHUNK) this.needsFlush = true;
  }

  async flush(all = false): Promise<void> {
    for (const f of this.files.values()) {
      if (f.buffer.length === 0 || (!all && f.buffer.length < CHUNK)) continue;
      const chunk = f.buffer;
      f.buffer = '';
      if (!f.stream.write(chunk)) await once(f.stream, 'drain');
    }
    this.needsFlush = false;
  }

  async close(): Promise<Record<string, number>> {
    await this.flush(true);
    const rows: Record<string, number> = {};
    for (const [kind, f] of this.files) {
      f.stream.end();
      await once(f.stream, 'close');
      await rename(`${f.path}.part`, f.path);
      rows[kind] = f.rows;
    }
    return rows;
  }
}

export interface BenchExtract { allocataires: number; demandes: number; people: number; durationMs: number }

/**
 * Writes about `rows` allocataires for the whole country into `dir`. The plan of each département
 * is the generator's (`planDepartement`) at the scale that gives `rows` allocataires, keeping only
 * the kinds that are Caf allocataires (plain allocataires, separations, AJPA and AJPP applicants).
 */
export async function writeNationalCafExtract(dir: string, rows: number, month: string, seed = 1, onProgress?: (done: number, total: number) => void): Promise<BenchExtract> {
  const started = performance.now();
  await mkdir(dir, { recursive: true });
  const geo = loadGeography();
  const scale = rows / NATIONAL.allocataires;
  const plans: { dept: (typeof geo.departements)[number]; counts: KindCounts }[] = [];
  let planned = 0;
  for (const dept of geo.departements) {
    const c = planDepartement(dept, geo.nationalPopulation, scale, new Rng(`${seed}|${dept.code}|${month}|plan`));
    const target = Math.round(rows * (planned + dept.population) / geo.nationalPopulation) - Math.round(rows * planned / geo.nationalPopulation);
    planned += dept.population;
    const others = c.separation + c.ajpa + c.ajpp;
    plans.push({ dept, counts: { ...c, allocataire: Math.max(0, target - others), naissance: 0, arret: 0, sortie_hospitalisation: 0, retraite: 0, assure: 0 } });
  }
  const total = plans.reduce((s, p) => s + p.counts.allocataire + p.counts.separation + p.counts.ajpa + p.counts.ajpp, 0);
  const nirs = new NirRegistry(total);
  const sink = new CafSink(dir);
  const m = extractMonth(month);
  let done = 0;
  for (const { dept, counts } of plans) {
    const rng = new Rng(`${seed}|${dept.code}|${month}`);
    const generator = new PopulationGenerator({ geo, dept, month: m, rng, nirRng: new Rng(`${seed}|${dept.code}|${month}|nir`), extraRng: new Rng(`${seed}|${dept.code}|${month}|complements`), nirs }, seed);
    const kinds = new KindSequence(counts);
    for (let kind = kinds.next(rng); kind !== null; kind = kinds.next(rng)) {
      writePerson(generator.person(kind), dept, sink);
      if (sink.needsFlush) await sink.flush();
      if (++done % 50_000 === 0) onProgress?.(done, total);
    }
  }
  const written = await sink.close();
  onProgress?.(done, total);
  return { allocataires: written.caf_allocataires ?? 0, demandes: written.caf_ajpa_ajpp ?? 0, people: done, durationMs: performance.now() - started };
}
