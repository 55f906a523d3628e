/**
 * Reading a large CSV main file with worker threads. The main thread reads the file in blocks cut
 * on record boundaries (a quoted field may hold line breaks: a block holding a double quote is
 * scanned to cut after a complete record), counts the lines of each block so that every worker
 * knows its first line number, and hands the blocks to the workers (extract-worker.ts), which
 * split, validate, join, select and apply the contact rules. The results are applied in file
 * order, so the row report and the duplicates are exactly those of a reading in process.
 * Memory: at most two blocks per worker in flight.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { EXTRACT_FORMATS, type ExtractKind } from '../extracts/index.ts';
import type { Programme, Row } from '../programmes/index.ts';
import { checkHeaderOrThrow, CycleInputError, decoderFor, quotedRecordEnd, type Sniffed } from './extract.ts';
import type { JoinIndex } from './extract-select.ts';
import type { BlockResult, BlockTask, WorkerSetup } from './extract-worker.ts';

export interface ParallelReading {
  onReject: (line: number, reason: string) => void;
  onWarning: (line: number, reason: string) => void;
  /** A person retained by the programme's rule and the contact rules (the row after them). */
  onRetained: (row: Row, line: number) => void;
  /** A row without a match in a mandatory joined file (its name). */
  onUnmatched: (line: number, fichier: string) => void;
  onCounts: (counts: { nonCibles: number; exclus: number; nonContactables: number }) => void;
  onProgress?: (bytes: number, rows: number) => void;
}

export interface ParallelOptions { workers: number; blockBytes?: number }

const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** End (exclusive) of the last complete record of `data`, which starts on a record boundary; 0 when there is none. */
function lastBoundary(data: Buffer, sniffed: Sniffed): number {
  const lineEndByte = sniffed.lineEnd === '\n' ? 0x0a : 0x0d;
  if (data.indexOf(0x22) === -1) return data.lastIndexOf(lineEndByte) + 1;
  // Separators, quotes and line ends are ASCII: in latin1, character offsets are byte offsets.
  const text = data.toString('latin1');
  let pos = 0;
  for (;;) {
    const end = text.indexOf(sniffed.lineEnd, pos);
    if (end === -1) return pos;
    const quote = text.indexOf('"', pos);
    if (quote !== -1 && quote < end) {
      const stop = quotedRecordEnd(text, pos, sniffed.delimiter, sniffed.lineEnd);
      if (stop === -1) return pos;
      pos = stop + 1;
    } else pos = end + 1;
  }
}

function countLines(block: Uint8Array, byte: number): number {
  const b = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  let n = 0;
  for (let i = b.indexOf(byte); i !== -1; i = b.indexOf(byte, i + 1)) n++;
  return n;
}

/**
 * Reads `path` (a CSV main file) in workers; returns the number of rows after the header, or null
 * when this file is better read in process (header line with quotes, no line end in the first MiB).
 */
export async function readExtractInWorkers(
  path: string, kind: ExtractKind, sniffed: Sniffed,
  selection: { programme: Programme; periode: string; joins: readonly JoinIndex[] },
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
    headerEnd = head.subarray(0, bytesRead).indexOf(lineEndByte);
    if (headerEnd === -1 || head.subarray(0, headerEnd).includes(0x22)) return null;
    let header = decoderFor(sniffed.encoding)(head.subarray(0, headerEnd));
    if (header.charCodeAt(0) === 0xfeff) header = header.slice(1);
    if (header.endsWith('\r')) header = header.slice(0, -1);
    checkHeaderOrThrow(kind, header.split(sniffed.delimiter));
  } finally {
    await handle.close();
  }

  const setup: WorkerSetup = {
    kind, fileName, delimiter: sniffed.delimiter, lineEnd: sniffed.lineEnd, encoding: sniffed.encoding,
    programme: selection.programme, periode: selection.periode,
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
          else if (e[0] === 3) reading.onUnmatched(e[1], e[2]);
          else if (e[0] === 0) reading.onReject(e[1], e[2]);
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
  let line = 1;
  const dispatch = async (data: Buffer) => {
    // Bounded: two blocks per worker in flight, and results waiting for an earlier block limited too.
    await waitFor(() => seq - nextToApply < 4 * pool.length && [...inFlight.values()].some((n) => n < 2));
    if (failure !== undefined) return;
    const block = new Uint8Array(data.length);
    block.set(data);
    const worker = pool.reduce((best, w) => (inFlight.get(w)! < inFlight.get(best)! ? w : best));
    const task: BlockTask = { seq, block, startLine: line };
    sizes.set(seq, data.length);
    line += countLines(block, lineEndByte);
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
      const cut = lastBoundary(data, sniffed);
      if (cut === 0) {
        if (data.length > MAX_RECORD_BYTES) {
          throw new CycleInputError(`${fileName} illisible : enregistrement de plus de ${MAX_RECORD_BYTES / 1024 / 1024} Mo vers la ligne ${line + 1} (guillemet non fermé ?).`);
        }
        carry = data;
        continue;
      }
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
