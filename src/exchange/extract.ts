/**
 * Reading a source extract for the monthly cycle: CSV (`;` or `,`, UTF-8 with or without BOM, or
 * Windows-1252) or XLSX (first worksheet, header row), streamed, each row validated against
 * EXTRACT_FORMATS. A wrong header refuses the file (CycleInputError); a bad row is reported with
 * its line number (the spreadsheet row for XLSX) and skipped; valid rows are never lost.
 *
 * Lines: the shared line reader of src/extracts/lines.ts (one record per physical line, encoding
 * decided per file, NUL and control characters and malformed quotes reject their line only).
 * Cells are checked by compiled per-column tests that accept the common valid values
 * without allocating; anything they do not accept goes to `checkCell`, which writes the French
 * reason, so the messages are exactly those of EXTRACT_FORMATS.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { basename } from 'node:path';
import {
  controlProblem, decodeBlock, detectDelimiter, detectLineEnd, EncodingTally, hasUtf8Bom, readLines, undecidableText,
  type LineShape, type LineSink, type TextEncoding,
  checkCell, checkDateBounds, checkHeader, checkPostalCode, dateBounds, EXTRACT_FORMATS, formulaProblem, isWellFormedEmail, normalizeFrenchPhone,
  type ColumnDefinition, type ExtractKind, type ReadingContext,
} from '../extracts/index.ts';
import type { Row } from '../programmes/index.ts';

/** Input refused as a whole (missing file, bad header, unknown programme): exit code 2. */
export class CycleInputError extends Error {}

export interface ExtractReading {
  onRow: (row: Row, line: number) => void;
  onReject: (line: number, reason: string) => void;
  onWarning: (line: number, reason: string) => void;
  onProgress?: (bytes: number, lines: number) => void;
}

/** Longest cell accepted: no column of the extracts needs more (a 10 MB cell is a broken export). */
export const MAX_CELL = 1000;
const CHUNK_BYTES = 1 << 20;
const PROGRESS_EVERY = 10_000;

/** Strips the value that checkCell quotes at the end of its reason: the row report names columns, never personal values. */
const withoutValue = (reason: string) => reason.replace(/ \(« [\s\S]* »\)$/, '');

// ---- cell checks ------------------------------------------------------------------------------

/** The NIR pattern of src/shared/nir.ts, followed by the two digits of the key. */
const NIR15 = /^[12378]\d{2}(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)\d{8}$/;
const DEPARTEMENT = /^(0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-46])$/;
const INSEE = /^(\d{5}|2[AB]\d{3})$/;
const DECIMAL = /^-?\d+(,\d+)?$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(v: string, length: number): boolean {
  if (v.length !== length) return false;
  for (let i = 0; i < length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function allDigits(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return v.length > 0;
}

/** NIR with a valid key, without BigInt. Only a sufficient test: false sends the cell to checkNir, which words the reason. */
function nirOk(v: string): boolean {
  if (v.length !== 15 || !NIR15.test(v)) return false;
  let mod = 0;
  for (let i = 0; i < 13; i++) {
    let d = v.charCodeAt(i) - 48;
    if (i === 6 && d > 9) d = v.charCodeAt(6) === 65 /* 2A → 19 */ ? 9 : 8; // 2B → 18: the 2 at index 5 becomes 1
    if (i === 5 && v.charCodeAt(6) > 57) d = 1;
    mod = (mod * 10 + d) % 97;
  }
  return 97 - mod === (v.charCodeAt(13) - 48) * 10 + (v.charCodeAt(14) - 48);
}

function dateOk(v: string): boolean {
  if (v.length !== 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return false;
  let y = 0;
  for (let i = 0; i < 4; i++) { const d = v.charCodeAt(i) - 48; if (d < 0 || d > 9) return false; y = y * 10 + d; }
  const m1 = v.charCodeAt(5) - 48, m2 = v.charCodeAt(6) - 48, d1 = v.charCodeAt(8) - 48, d2 = v.charCodeAt(9) - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return false;
  const month = m1 * 10 + m2;
  const d = d1 * 10 + d2;
  if (month < 1 || month > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (month === 2 && leap ? 29 : DAYS[month - 1]!);
}

/** Phone → 10 digits: the plain national form without a regular expression, the other spellings by normalizeFrenchPhone. */
function phoneNormalised(v: string): string | null {
  if (v.length === 10 && v.charCodeAt(0) === 48 && v.charCodeAt(1) !== 48 && digits(v, 10)) return v;
  return normalizeFrenchPhone(v);
}

/** A sufficient test of a non-empty value per column type (true ⇒ checkCell accepts it). */
function fastTest(column: ColumnDefinition): (v: string) => boolean {
  switch (column.type) {
    case 'text': return () => true;
    case 'integer': return allDigits;
    case 'decimal': return (v) => DECIMAL.test(v);
    case 'date': return dateOk;
    case 'enum':
    case 'boolean': {
      // A few short values: comparing is cheaper than hashing a fresh string for a Set.
      const values = [...(column.values ?? [])];
      return (v) => { for (let i = 0; i < values.length; i++) if (values[i] === v) return true; return false; };
    }
    case 'nir': return nirOk;
    case 'postalCode': return (v) => digits(v, 5);
    case 'inseeCode': return (v) => INSEE.test(v);
    case 'departement': return (v) => DEPARTEMENT.test(v);
    case 'allocataireNumber': return (v) => digits(v, 7);
    case 'email': return isWellFormedEmail;
    case 'phone': return (v) => phoneNormalised(v) !== null;
    default: return () => false;
  }
}

/** Needs `trim()`: starts or ends with a character that is not printable ASCII. */
function untrimmed(v: string): boolean {
  const a = v.charCodeAt(0);
  const z = v.charCodeAt(v.length - 1);
  return a <= 32 || a >= 127 || z <= 32 || z >= 127;
}

/** May start a spreadsheet formula (before or after trimming): `=`, `+`, `-`, `@`, or a blank that trimming removes. */
function mayBeFormula(v: string): boolean {
  const c = v.charCodeAt(0);
  return c === 61 || c === 43 || c === 45 || c === 64 || c <= 32 || c === 160;
}

/** Today, AAAA-MM-JJ: the default extraction day when a caller gives none. */
const today = () => new Date().toISOString().slice(0, 10);

/**
 * The row checker of an extract kind: takes the cells of one record (strings, already split),
 * reports warnings and rejections, and hands a valid row to `onRow`. Same rules for CSV and XLSX.
 * `context`: the extraction day (plausible dates) and, when the caller has the territories
 * reference, the communes' postal codes (docs/extract-formats.md, "Reading rules").
 */
export function rowChecker(kind: ExtractKind, reading: ExtractReading, context: Partial<ReadingContext> = {}): (cells: readonly string[], line: number) => void {
  const columns: readonly ColumnDefinition[] = EXTRACT_FORMATS[kind].columns;
  const n = columns.length;
  const asOf = context.asOf ?? today();
  const tests = columns.map((c) => {
    const test = fastTest(c);
    if (c.type !== 'date') return test;
    const { from, to } = dateBounds(c, asOf);
    return (v: string) => test(v) && v >= from && v <= to;
  });
  const text = columns.map((c) => c.type === 'text');
  const date = columns.map((c) => c.type === 'date');
  const code = columns.map((c) => c.type === 'postalCode' || c.type === 'inseeCode');
  const phone = columns.map((c) => c.type === 'phone');
  const postalCodes = context.postalCodes;
  const cpAt = columns.findIndex((c) => c.name === 'code_postal');
  const communeAt = columns.findIndex((c) => c.name === 'code_commune');
  // One object literal with a fixed shape per row: faster than adding 31 keys one by one.
  const build = new Function('v', `return {${columns.map((c, i) => `${JSON.stringify(c.name)}: v[${i}]`).join(', ')}};`) as (v: string[]) => Row;
  const values: string[] = new Array<string>(n).fill('');
  return (cells, line) => {
    if (cells.length !== n) {
      reading.onReject(line, `${cells.length} colonne(s) au lieu de ${n}`);
      return;
    }
    let problems: string[] | null = null;
    for (let i = 0; i < n; i++) {
      const column = columns[i]!;
      let value = cells[i]!;
      if (text[i] && value.length > 0 && mayBeFormula(value)) {
        const formula = formulaProblem(column, value);
        if (formula) { (problems ??= []).push(formula); continue; }
      }
      if (value.length > 0 && untrimmed(value)) value = value.trim();
      if (value === '') {
        if (column.required) (problems ??= []).push(`${column.name} : valeur obligatoire manquante`);
        values[i] = '';
        continue;
      }
      if (value.length > MAX_CELL) {
        (problems ??= []).push(`${column.name} : cellule de ${value.length} caractères (${MAX_CELL} au plus)`);
        continue;
      }
      if (value.charCodeAt(0) === 61 && !text[i]) {
        (problems ??= []).push(`${column.name} : la cellule commence par « = » (formule de tableur refusée)`);
        continue;
      }
      if (code[i] && value.length === 4 && digits(value, 4)) {
        // A spreadsheet drops the leading zero of 01000 or 06000: restore it, and say so.
        value = `0${value}`;
        reading.onWarning(line, `${column.name} : 4 chiffres, zéro initial rétabli`);
      }
      if (!tests[i]!(value)) {
        const problem = checkCell(column, value) ?? (date[i] ? checkDateBounds(column, value, asOf) : null);
        if (problem) {
          if (column.raw) {
            reading.onWarning(line, `${withoutValue(problem)} : valeur non transmise, ligne conservée`);
            values[i] = '';
            continue;
          }
          (problems ??= []).push(withoutValue(problem));
          continue;
        }
      }
      values[i] = phone[i] ? phoneNormalised(value) ?? '' : value;
    }
    if (!problems && postalCodes && cpAt !== -1 && communeAt !== -1) {
      const problem = checkPostalCode(postalCodes, values[communeAt]!, values[cpAt]!);
      if (problem) problems = [problem];
    }
    if (problems) { reading.onReject(line, problems.join(' ; ')); return; }
    reading.onRow(build(values), line);
  };
}

/** The name of the extract in messages: its file name in EXTRACT_FORMATS, `.xlsx` for a spreadsheet. */
const displayName = (kind: ExtractKind, xlsx: boolean) => (xlsx ? EXTRACT_FORMATS[kind].fileName.replace(/\.csv$/, '.xlsx') : EXTRACT_FORMATS[kind].fileName);

export function checkHeaderOrThrow(kind: ExtractKind, record: readonly string[], xlsx = false): void {
  const problem = checkHeader(kind, record.map((h) => h.trim().replace(/^\ufeff/, '')));
  if (problem) {
    const hint = record.length === 1 && !xlsx ? ' (séparateur non reconnu : « ; » ou « , » attendu)' : '';
    throw new CycleInputError(`${displayName(kind, xlsx)} refusé : ${problem}${hint}.`);
  }
}

// ---- CSV --------------------------------------------------------------------------------------

export type Encoding = TextEncoding;

export interface Sniffed extends LineShape { xlsx: boolean; bom: boolean }

/**
 * Decides how to read a file: XLSX (recognised by its content), or CSV with its separator (`;` or
 * `,`, from the header line), line end, and encoding decided from the bytes of the whole file
 * (lines.ts: UTF-8 with or without BOM, or Windows-1252 when the file as a whole is not UTF-8).
 * A file that is not text (UTF-16, binary) is refused whole (CycleInputError).
 */
export async function sniff(path: string, fileName = basename(path)): Promise<Sniffed> {
  let handle;
  try { handle = await open(path, 'r'); } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new CycleInputError(`Fichier introuvable : ${path}.`);
    throw error;
  }
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(1 << 20);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const xlsx = head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  if (xlsx) return { xlsx, bom: false, encoding: 'utf-8', delimiter: ';', lineEnd: '\n' };
  const refused = undecidableText(head);
  if (refused) throw new CycleInputError(`${fileName} refusé : ${refused}.`);
  const bom = hasUtf8Bom(head);
  const lineEnd = detectLineEnd(head);
  const encoding: TextEncoding = bom ? 'utf-8' : await fileEncoding(path, lineEnd);
  const text = decodeBlock(head.subarray(bom ? 3 : 0, 65536), encoding).replace(/^[\r\n]+/, '');
  const firstLine = text.split(/\r?\n|\r/, 1)[0] ?? '';
  return { xlsx, bom, encoding, delimiter: detectDelimiter(firstLine), lineEnd };
}

/**
 * The blocks of a file cut on line ends, without copying the chunks: the bytes of a line that
 * straddles two chunks are joined into a small block of their own. `onBlock(block)`; the last
 * bytes without a line end come last.
 */
async function forEachBlock(path: string, start: number, chunkBytes: number, lineEnd: '\n' | '\r', onBlock: (block: Buffer, bytesRead: number) => void): Promise<void> {
  const byte = lineEnd === '\n' ? 0x0a : 0x0d;
  const input = createReadStream(path, { highWaterMark: chunkBytes, start });
  let carry: Buffer[] = [];
  let bytes = start;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      let from = 0;
      if (carry.length > 0) {
        const first = chunk.indexOf(byte);
        if (first === -1) { carry.push(chunk); continue; }
        carry.push(chunk.subarray(0, first + 1));
        onBlock(Buffer.concat(carry), bytes);
        carry = [];
        from = first + 1;
      }
      const last = chunk.lastIndexOf(byte);
      if (last >= from) onBlock(chunk.subarray(from, last + 1), bytes);
      const rest = Math.max(from, last + 1);
      if (rest < chunk.length) carry.push(chunk.subarray(rest));
    }
    if (carry.length > 0) onBlock(Buffer.concat(carry), bytes);
  } finally {
    input.destroy();
  }
}

/** The whole file through the encoding tally, in blocks cut on line ends (one fast UTF-8 check per block). */
async function fileEncoding(path: string, lineEnd: '\n' | '\r'): Promise<TextEncoding> {
  const tally = new EncodingTally();
  await forEachBlock(path, 0, 4 * CHUNK_BYTES, lineEnd, (block) => tally.add(block, lineEnd));
  return tally.decide();
}

/**
 * Streams the lines of a CSV file to `sink` in blocks cut on line ends; the first line that is not
 * blank is the header, given to `onHeader` (which throws to refuse the file). Returns the bytes read.
 */
export async function streamLines(path: string, sniffed: Sniffed, sink: LineSink & { onHeader: (cells: string[], line: number) => void }, onBlock?: (bytes: number) => void): Promise<boolean> {
  let header = false;
  const lines: LineSink = {
    record: (cells, line) => { if (header) sink.record(cells, line); else { header = true; sink.onHeader(cells, line); } },
    bad: (line, reason) => { if (header) sink.bad(line, reason); else throw new CycleInputError(`${basename(path)} refusé : en-tête illisible à la ligne ${line} : ${reason}.`); },
  };
  let line = 1;
  await forEachBlock(path, sniffed.bom ? 3 : 0, CHUNK_BYTES, sniffed.lineEnd, (block, bytes) => {
    line += readLines(block, line, sniffed, lines);
    onBlock?.(bytes);
  });
  return header;
}

async function readCsv(path: string, kind: ExtractKind, reading: ExtractReading, sniffed: Sniffed, options: ReadOptions): Promise<number> {
  const format = EXTRACT_FORMATS[kind];
  const check = rowChecker(kind, reading, options);
  let rows = 0;
  let bytes = 0;
  const header = await streamLines(path, sniffed, {
    onHeader: (cells) => checkHeaderOrThrow(kind, cells),
    record: (cells, line) => {
      rows++;
      if (rows % PROGRESS_EVERY === 0) reading.onProgress?.(bytes, rows);
      check(cells, line);
    },
    bad: (line, reason) => { rows++; reading.onReject(line, reason); },
  }, (b) => { bytes = b; });
  if (!header) throw new CycleInputError(`${format.fileName} refusé : fichier vide (pas même la ligne d'en-tête).`);
  reading.onProgress?.(bytes, rows);
  return rows;
}

// ---- XLSX -------------------------------------------------------------------------------------

const pad2 = (n: number) => String(n).padStart(2, '0');

/** The text of an XLSX cell value, as a CSV export would show it; a formula becomes `=…` so that the formula rule rejects it. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  // A number as the sheet holds it: 6000 for a postal code typed 06000 (the leading-zero rule restores it), a decimal comma.
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value).replace('.', ',');
  if (typeof value === 'boolean') return value ? 'oui' : 'non';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : `${value.getUTCFullYear()}-${pad2(value.getUTCMonth() + 1)}-${pad2(value.getUTCDate())}`;
  if (typeof value === 'object') {
    const v = value as { formula?: string; sharedFormula?: string; richText?: { text: string }[]; text?: unknown; error?: string };
    if (v.formula !== undefined || v.sharedFormula !== undefined) return `=${v.formula ?? v.sharedFormula}`;
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
    if (v.text !== undefined) return cellText(v.text);
    if (v.error !== undefined) return String(v.error);
  }
  return String(value);
}

async function readXlsx(path: string, kind: ExtractKind, reading: ExtractReading, options: ReadOptions): Promise<number> {
  const name = displayName(kind, true);
  const check = rowChecker(kind, reading, options);
  const input = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  let bytes = 0;
  input.on('data', (chunk) => { bytes += chunk.length; });
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', entries: 'ignore', // styles: dates come as dates
  });
  let header: number | null = null;
  let width = 0;
  let rows = 0;
  let failure: unknown;
  try {
    for await (const worksheet of workbook) {
      for await (const row of worksheet) {
        const values = row.values as unknown[]; // 1-based, sparse
        if (header === null) {
          const names = values.slice(1).map((v) => cellText(v));
          while (names.length > 0 && names[names.length - 1] === '') names.pop();
          if (names.length === 0) continue;
          header = row.number;
          width = names.length;
          checkHeaderOrThrow(kind, names, true);
          continue;
        }
        let last = values.length - 1;
        while (last > width && cellText(values[last]) === '') last--;
        const cells: string[] = [];
        for (let i = 1; i <= Math.max(last, width); i++) cells.push(cellText(values[i]));
        if (cells.every((c) => c === '')) continue;
        rows++;
        if (rows % PROGRESS_EVERY === 0) reading.onProgress?.(bytes, rows);
        const control = cells.map(controlProblem).find((p) => p !== null);
        if (control) { reading.onReject(row.number, control); continue; }
        try { check(cells, row.number); } catch (error) { failure = error; throw error; }
      }
      break; // first worksheet only
    }
  } catch (error) {
    // The callers' errors go through as they are; only the reader's own mean a broken workbook.
    if (error instanceof CycleInputError || (failure !== undefined && error === failure)) throw error;
    throw new CycleInputError(`${name} illisible : classeur XLSX abîmé, protégé par mot de passe ou qui n'est pas un classeur Excel ; enregistrez l'extrait en CSV (séparateur « ; ») ou en XLSX et réessayez.`);
  } finally {
    input.destroy();
  }
  if (header === null) throw new CycleInputError(`${name} refusé : classeur vide (pas même la ligne d'en-tête dans la première feuille).`);
  reading.onProgress?.(bytes, rows);
  return rows;
}

/**
 * Streams one extract file (CSV, or XLSX recognised by its content), validating it against
 * EXTRACT_FORMATS[kind]: the header as a whole (a wrong one refuses the file), then every row (a
 * bad row is reported and skipped). Free-input columns (e-mail, phone) that are malformed are
 * emptied with a warning; phones are normalised. Returns the number of rows after the header.
 */
export async function readExtract(path: string, kind: ExtractKind, reading: ExtractReading, options: ReadOptions = {}): Promise<number> {
  const sniffed = options.sniffed ?? await sniff(path);
  return sniffed.xlsx ? readXlsx(path, kind, reading, options) : readCsv(path, kind, reading, sniffed, options);
}

export interface ReadOptions extends Partial<ReadingContext> {
  /** The file's sniff when the caller already made it (it reads the whole file once to decide the encoding). */
  sniffed?: Sniffed;
}
