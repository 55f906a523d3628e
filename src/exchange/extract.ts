/**
 * Reading a source extract for the monthly cycle: CSV (`;` or `,`, UTF-8 with or without BOM, or
 * Windows-1252) or XLSX (first worksheet, header row), streamed, each row validated against
 * EXTRACT_FORMATS. A wrong header refuses the file (CycleInputError); a bad row is reported with
 * its line number (the spreadsheet row for XLSX) and skipped; valid rows are never lost.
 *
 * Speed: the CSV reader splits lines itself (one decode per 1 MiB chunk, `split` on the
 * separator) and hands only records holding a double quote to csv-parse, with the same options
 * as before. Cells are checked by compiled per-column tests that accept the common valid values
 * without allocating; anything they do not accept goes to `checkCell`, which writes the French
 * reason, so the messages are exactly those of EXTRACT_FORMATS.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse as parseSync } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { checkCell, checkHeader, EXTRACT_FORMATS, isWellFormedEmail, normalizeFrenchPhone, type ColumnDefinition, type ExtractKind } from '../extracts/index.ts';
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
/** Longest record (a quoted field that never closes would otherwise swallow the rest of the file). */
const MAX_RECORD_CHARS = 64 * 1024 * 1024;
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

/** A cell a spreadsheet would run as a formula: `=`, `@`, or `+`/`-` not followed by a digit, a space or a dot. */
function formulaStart(v: string): boolean {
  const c = v.charCodeAt(0);
  if (c === 61 /* = */ || c === 64 /* @ */) return true;
  if (c !== 43 /* + */ && c !== 45 /* - */) return false;
  if (v.length === 1) return true;
  const n = v.charCodeAt(1);
  return !((n >= 48 && n <= 57) || n === 46 || /\s/.test(v[1]!));
}

/**
 * The row checker of an extract kind: takes the cells of one record (strings, already split),
 * reports warnings and rejections, and hands a valid row to `onRow`. Same rules for CSV and XLSX.
 */
export function rowChecker(kind: ExtractKind, reading: ExtractReading): (cells: readonly string[], line: number) => void {
  const columns: readonly ColumnDefinition[] = EXTRACT_FORMATS[kind].columns;
  const n = columns.length;
  const tests = columns.map(fastTest);
  const text = columns.map((c) => c.type === 'text');
  const code = columns.map((c) => c.type === 'postalCode' || c.type === 'inseeCode');
  const phone = columns.map((c) => c.type === 'phone');
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
      const first = value.charCodeAt(0);
      if (first === 61 || first === 64 || first === 43 || first === 45) {
        if (text[i] && formulaStart(value)) {
          (problems ??= []).push(`${column.name} : la cellule commence par « ${value[0]} » (formule de tableur refusée)`);
          continue;
        }
        if (first === 61) {
          (problems ??= []).push(`${column.name} : la cellule commence par « = » (formule de tableur refusée)`);
          continue;
        }
      }
      if (code[i] && value.length === 4 && digits(value, 4)) {
        // A spreadsheet drops the leading zero of 01000 or 06000: restore it, and say so.
        value = `0${value}`;
        reading.onWarning(line, `${column.name} : 4 chiffres, zéro initial rétabli`);
      }
      if (!tests[i]!(value)) {
        const problem = checkCell(column, value);
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

export type Encoding = 'utf-8' | 'windows-1252';

/** Sniffs the separator (`;` or `,`), the encoding (UTF-8, or Windows-1252 when the first MiB is not valid UTF-8) and the line end. */
export async function sniff(path: string): Promise<{ delimiter: string; encoding: Encoding; lineEnd: '\n' | '\r'; xlsx: boolean }> {
  let handle;
  try { handle = await open(path, 'r'); } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new CycleInputError(`Fichier introuvable : ${path}.`);
    throw error;
  }
  try {
    const buffer = Buffer.alloc(1 << 20);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead);
    const xlsx = head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
    let encoding: Encoding = 'utf-8';
    try { new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true }); } catch { encoding = 'windows-1252'; }
    const text = new TextDecoder(encoding).decode(head.subarray(0, 65536)).replace(/^\ufeff/, '');
    const firstLine = text.split(/\r?\n|\r/, 1)[0] ?? '';
    const lineEnd = text.includes('\n') || !text.includes('\r') ? '\n' : '\r';
    return { delimiter: firstLine.includes(';') ? ';' : firstLine.includes(',') ? ',' : ';', encoding, lineEnd, xlsx };
  } finally {
    await handle.close();
  }
}

/** End (exclusive) of the record that starts at `start` and holds a double quote, or -1 when `text` ends inside it. */
export function quotedRecordEnd(text: string, start: number, delimiter: string, lineEnd: string): number {
  let i = start;
  let fieldStart = true;
  while (i < text.length) {
    const c = text[i]!;
    if (fieldStart && c === '"') {
      // Quoted field: up to a quote that is not doubled.
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) return -1;
        if (text[q + 1] === '"') { j = q + 2; continue; }
        if (q + 1 >= text.length) return -1; // the next chunk may start with the doubling quote
        i = q + 1;
        break;
      }
      fieldStart = false;
      continue;
    }
    if (c === lineEnd) return i;
    fieldStart = c === delimiter;
    i++;
  }
  return -1;
}

export type Sniffed = Awaited<ReturnType<typeof sniff>>;

/** csv-parse options for the records that hold a double quote (those of the whole-file parse the reader replaced). */
const csvParseOptions = (delimiter: string) => ({
  delimiter, bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, trim: false, skip_records_with_error: true,
} as const);

export interface SplitterOptions {
  delimiter: string;
  lineEnd: '\n' | '\r';
  /** The file's name, for messages. */
  fileName: string;
  onRecord: (cells: string[], line: number) => void;
  /** A record csv-parse cannot read (unclosed quote…): reported, skipped. */
  onBadRecord: (line: number, reason: string) => void;
}

/**
 * Splits decoded CSV text into records: lines without a double quote by `split`, records with one
 * (which may span lines) by csv-parse. Feed it text ending on a line end (`final` false: an
 * unfinished record is returned to be fed again with what follows) or the last text (`final`).
 */
export class CsvSplitter {
  /** Physical lines consumed so far (a record's line is the one where it starts). */
  line = 0;
  private readonly o: SplitterOptions;

  constructor(options: SplitterOptions) {
    this.o = options;
  }

  private quoted(recordText: string, at: number): void {
    let records: string[][];
    try {
      records = parseSync(recordText, {
        ...csvParseOptions(this.o.delimiter),
        on_skip: (error) => { if (error) this.o.onBadRecord(at, `CSV mal formé (${error.code})`); },
      }) as string[][];
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (typeof code === 'string' && code.startsWith('CSV_')) throw new CycleInputError(`${this.o.fileName} illisible : CSV mal formé vers la ligne ${at} (${code}).`);
      throw error;
    }
    for (const r of records) this.o.onRecord(r, at);
  }

  /** Consumes the complete records of `text`; returns the unconsumed rest. `final`: no more data follows. */
  consume(text: string, final: boolean): string {
    const { delimiter, lineEnd, onRecord } = this.o;
    let start = 0;
    let nextQuote = text.indexOf('"');
    while (start < text.length) {
      let end = text.indexOf(lineEnd, start);
      if (end === -1) {
        if (!final) break;
        end = text.length;
      }
      if (nextQuote !== -1 && nextQuote < start) nextQuote = text.indexOf('"', start);
      if (nextQuote !== -1 && nextQuote < end) {
        // A record with a double quote: it may span several lines.
        let stop = quotedRecordEnd(text, start, delimiter, lineEnd);
        if (stop === -1) {
          if (!final) {
            if (text.length - start > MAX_RECORD_CHARS) {
              throw new CycleInputError(`${this.o.fileName} illisible : enregistrement de plus de ${MAX_RECORD_CHARS / 1024 / 1024} Mo à partir de la ligne ${this.line + 1} (guillemet non fermé ?).`);
            }
            break;
          }
          stop = text.length;
        }
        let body = text.slice(start, stop);
        if (body.charCodeAt(body.length - 1) === 13) body = body.slice(0, -1);
        const at = this.line + 1;
        let newlines = 0;
        for (let k = body.indexOf(lineEnd); k !== -1; k = body.indexOf(lineEnd, k + 1)) newlines++;
        this.line += newlines + (stop < text.length ? 1 : 0);
        this.quoted(body, at);
        start = stop + 1;
        nextQuote = text.indexOf('"', start);
        continue;
      }
      this.line++;
      let stop = end;
      if (lineEnd === '\n' && stop > start && text.charCodeAt(stop - 1) === 13) stop--;
      if (stop > start) onRecord(text.slice(start, stop).split(delimiter), this.line);
      start = end + 1;
    }
    return start >= text.length ? '' : text.slice(start);
  }
}

/** Decodes bytes that end on a line end (no character cut in two). */
export function decoderFor(encoding: Encoding): (b: Uint8Array) => string {
  if (encoding === 'windows-1252') { const d = new TextDecoder('windows-1252'); return (b) => d.decode(b); }
  return (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

async function readCsv(path: string, kind: ExtractKind, reading: ExtractReading, { delimiter, encoding, lineEnd }: Sniffed): Promise<number> {
  const format = EXTRACT_FORMATS[kind];
  const lineEndByte = lineEnd === '\n' ? 0x0a : 0x0d;
  const decode = decoderFor(encoding);
  const check = rowChecker(kind, reading);
  let header = true;
  let rows = 0;
  let bytes = 0;
  let pendingBytes: Buffer | null = null;
  let pending = ''; // decoded text not consumed yet (an unfinished quoted record)
  let first = true;
  const splitter = new CsvSplitter({
    delimiter, lineEnd, fileName: format.fileName,
    onBadRecord: (line, reason) => reading.onReject(line, reason),
    onRecord: (cells, at) => {
      if (header) {
        header = false;
        checkHeaderOrThrow(kind, cells);
        return;
      }
      rows++;
      if (rows % PROGRESS_EVERY === 0) reading.onProgress?.(bytes, rows);
      check(cells, at);
    },
  });

  const input = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      let data: Buffer = pendingBytes ? Buffer.concat([pendingBytes, chunk]) : chunk;
      pendingBytes = null;
      const last = data.lastIndexOf(lineEndByte);
      if (last === -1) { pendingBytes = data; continue; }
      if (last < data.length - 1) { pendingBytes = data.subarray(last + 1); data = data.subarray(0, last + 1); }
      let text = decode(data);
      if (first) { first = false; if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); }
      pending = splitter.consume(pending === '' ? text : pending + text, false);
    }
    let text = pendingBytes ? decode(pendingBytes) : '';
    if (first) { first = false; if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); }
    splitter.consume(pending + text, true);
  } finally {
    input.destroy();
  }
  if (header) throw new CycleInputError(`${format.fileName} refusé : fichier vide (pas même la ligne d'en-tête).`);
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

async function readXlsx(path: string, kind: ExtractKind, reading: ExtractReading): Promise<number> {
  const name = displayName(kind, true);
  const check = rowChecker(kind, reading);
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
export async function readExtract(path: string, kind: ExtractKind, reading: ExtractReading): Promise<number> {
  const sniffed = await sniff(path);
  return sniffed.xlsx ? readXlsx(path, kind, reading) : readCsv(path, kind, reading, sniffed);
}
