/**
 * Reading a large CSV main file with worker threads. The main thread reads the file in blocks cut
 * on line ends (a record is one physical line: src/extracts/lines.ts), counts the lines of each
 * block so that every worker knows its first line number, and hands the blocks to the workers (extract-worker.ts), which
 * split, validate, join, select and apply the contact rules. The results are applied in file
 * order, so the row report and the duplicates are exactly those of a reading in process.
 * Memory: at most two blocks per worker in flight.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { EXTRACT_FORMATS, type ExtractKind } from '../extracts/index.ts';
import type { Programme, Row } from '../programmes/index.ts';
import { countLines, decodeBlock, type PostalCodes } from '../extracts/index.ts';
import { checkHeaderOrThrow, CycleInputError, type Sniffed } from './extract.ts';
import type { JoinIndex } from './extract-select.ts';
import type { BlockResult, BlockTask, WorkerSetup } from './extract-worker.ts';

export interface ParallelReading {
  onReject: (line: number, reason: string) => void;
  onWarning: (line: number, reason: string) => void;
  /** A person retained by the programme's rule and the contact rules (the row after them). */
  onRetained: (row: Row, line: number) => void;
  /** The key of a valid row that found entries in a joined file (extract-select.ts joinedKey), before its outcome. */
  onJoinedKey: (key: string, line: number) => void;
  /** A row without a match in a mandatory joined file (its name). */
  onUnmatched: (line: number, fichier: string) => void;
  onCounts: (counts: { nonCibles: number; exclus: number; nonContactables: number }) => void;
  onProgress?: (bytes: number, rows: number) => void;
}

export interface ParallelOptions { workers: number; blockBytes?: number }

/**
 * Reads `path` (a CSV main file) in workers; returns the number of rows after the header, or null
 * when this file is better read in process (header line with quotes, no line end in the first MiB).
 */
export async function readExtractInWorkers(
  path: string, kind: ExtractKind, sniffed: Sniffed,
  selection: { programme: Programme; periode: string; joins: readonly JoinIndex[]; asOf: string; postalCodes?: PostalCodes },
  reading: ParallelReading, options: ParallelOptions,
): Promise<number | null> {
  const fileName = EXTRACT_FORMATS[kind].fileName;
  const lineEndByte = sniffed.lineEnd === '\n' ? 0x0a : 0x0d;
  const blockBytes = options.blockBytes ?? 4 << 20;

  // The header, read here: a wrong one refuses the file before any worker starts.
  const handle = await open(path, 'r');
  let headerEnd: number;
  try {
    const head = Buffer.alloc(1 << 20);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const skip = sniffed.bom ? 3 : 0;
    headerEnd = head.subarray(0, bytesRead).indexOf(lineEndByte, skip);
    // A header that is not plain (quotes, blank lines before it, control characters): read in process.
    if (headerEnd <= skip || head.subarray(skip, headerEnd).some((b) => b === 0x22 || (b < 0x20 && b !== 0x0d))) return null;
    let header = decodeBlock(head.subarray(skip, headerEnd), sniffed.encoding);
    if (header.endsWith('\r')) header = header.slice(0, -1);
    checkHeaderOrThrow(kind, header.split(sniffed.delimiter));
  } finally {
    await handle.close();
  }

  const setup: WorkerSetup = {
    kind, fileName, delimiter: sniffed.delimiter, lineEnd: sniffed.lineEnd, encoding: sniffed.encoding,
    programme: selection.programme, periode: selection.periode, asOf: selection.asOf, postalCodes: selection.postalCodes,
    joins: selection.joins.map((j) => ({ fichier: j.fichier, cle: j.cle, obligatoire: j.obligatoire, entries: [...j.index], empty: j.empty })),
  };
  const pool = Array.from({ length: Math.max(1, options.workers) }, () => new Worker(new URL('./extract-worker.ts', import.meta.url), { workerData: setup }));
  const inFlight = new Map<Worker, number>(pool.map((w) => [w, 0]));
  const results = new Map<number, BlockResult>();
  const sizes = new Map<number, number>();
  let failure: unknown;
  let wake: (() => void) | null = null;
  const signal = () => { const w = wake; wake = null; w?.(); };
  let nextToApply = 0;
  let bytes = headerEnd + 1;
  let rows = 0;

  const apply = () => {
    while (failure === undefined && results.has(nextToApply)) {
      const r = results.get(nextToApply)!;
      results.delete(nextToApply);
      if ('error' in r) { failure = r.input ? new CycleInputError(r.error) : new Error(r.error); break; }
      try {
        for (const e of r.events) {
          if (e[0] === 2) reading.onRetained(e[2], e[1]);
          else if (e[0] === 4) reading.onUnmatched(e[1], e[2]);
          else if (e[0] === 0) reading.onReject(e[1], e[2]);
          else if (e[0] === 3) reading.onJoinedKey(e[2], e[1]);
          else reading.onWarning(e[1], e[2]);
        }
        reading.onCounts({ nonCibles: r.nonCibles, exclus: r.exclus, nonContactables: r.nonContactables });
      } catch (error) {
        failure = error;
        break;
      }
      rows += r.rows;
      bytes += sizes.get(nextToApply) ?? 0;
      sizes.delete(nextToApply);
      nextToApply++;
      reading.onProgress?.(bytes, rows);
    }
  };
  for (const w of pool) {
    w.on('message', (r: BlockResult) => { inFlight.set(w, inFlight.get(w)! - 1); results.set(r.seq, r); apply(); signal(); });
    w.on('error', (error) => { failure ??= error; signal(); });
    w.on('exit', (code) => { if (code !== 0) failure ??= new Error(`lecteur parallèle arrêté (code ${code})`); signal(); });
  }
  const waitFor = async (ready: () => boolean) => {
    while (failure === undefined && !ready()) await new Promise<void>((ok) => { wake = ok; });
  };

  let seq = 0;
  let line = 2;
  const dispatch = async (data: Buffer) => {
    // Bounded: two blocks per worker in flight, and results waiting for an earlier block limited too.
    await waitFor(() => seq - nextToApply < 4 * pool.length && [...inFlight.values()].some((n) => n < 2));
    if (failure !== undefined) return;
    const block = new Uint8Array(data.length);
    block.set(data);
    const worker = pool.reduce((best, w) => (inFlight.get(w)! < inFlight.get(best)! ? w : best));
    const task: BlockTask = { seq, block, startLine: line };
    sizes.set(seq, data.length);
    line += countLines(block, sniffed.lineEnd);
    seq++;
    inFlight.set(worker, inFlight.get(worker)! + 1);
    worker.postMessage(task, [block.buffer]);
  };

  const input = createReadStream(path, { start: headerEnd + 1, highWaterMark: blockBytes });
  try {
    let carry: Buffer | null = null;
    for await (const chunk of input as AsyncIterable<Buffer>) {
      if (failure !== undefined) break;
      const data: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = null;
      const cut = data.lastIndexOf(lineEndByte) + 1;
      if (cut === 0) { carry = data; continue; }
      await dispatch(data.subarray(0, cut));
      if (cut < data.length) carry = Buffer.from(data.subarray(cut));
    }
    if (carry && carry.length > 0 && failure === undefined) await dispatch(carry);
    await waitFor(() => nextToApply === seq);
    if (failure !== undefined) throw failure;
  } finally {
    input.destroy();
    await Promise.all(pool.map((w) => w.terminate()));
  }
  reading.onProgress?.(bytes, rows);
  return rows;
}
