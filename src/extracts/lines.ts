/**
 * The line reader every CSV reader shares (cycle extracts in process and in workers, outcomes,
 * competence corrections, signalements): pure, on bytes, no I/O.
 *
 * Rules (docs/extract-formats.md, "Reading rules"):
 * - A record is one physical line. A quoted field ends on its line: a quote still open at the end
 *   of the line rejects that line only, and reading resumes at the next one (no cell of any format
 *   needs a line break, so one stray `"` never swallows the rest of the file).
 * - Line numbers are physical: blank lines count, and the header is line 1 (after blank lines).
 * - The encoding is decided once per file (`decideEncoding`): UTF-8 (with or without BOM) when the
 *   file is UTF-8, else Windows-1252 when the file as a whole is not. A line whose bytes contradict
 *   the decided encoding is rejected, never decoded another way.
 * - NUL and other control characters (but the tab) reject their line.
 * - A file that is not text (UTF-16, UTF-32, binary) is refused whole (`undecidableText`).
 */
import { isUtf8 } from 'node:buffer';

export type TextEncoding = 'utf-8' | 'windows-1252';

export interface LineShape {
  encoding: TextEncoding;
  delimiter: string;
  lineEnd: '\n' | '\r';
}

export interface LineSink {
  /** A well-formed record (its cells, unquoted, untrimmed) and its physical line. */
  record: (cells: string[], line: number) => void;
  /** A line that cannot be read, with a French reason (no value of the line in it). */
  bad: (line: number, reason: string) => void;
}

// ---- whole-file decisions -----------------------------------------------------------------------

const startsWith = (b: Uint8Array, ...bytes: number[]) => b.length >= bytes.length && bytes.every((x, i) => b[i] === x);

/** True when the bytes start with the UTF-8 byte order mark. */
export const hasUtf8Bom = (head: Uint8Array) => startsWith(head, 0xef, 0xbb, 0xbf);

/**
 * The reason why the file is not a text file this reader can decode (UTF-16, UTF-32, a known binary
 * format, or bytes mostly made of control characters), from its first bytes; null when it is text.
 */
export function undecidableText(head: Uint8Array): string | null {
  if (startsWith(head, 0xff, 0xfe, 0, 0) || startsWith(head, 0, 0, 0xfe, 0xff)) return 'fichier encodé en UTF-32 : enregistrez-le en CSV UTF-8';
  if (startsWith(head, 0xff, 0xfe) || startsWith(head, 0xfe, 0xff)) return 'fichier encodé en UTF-16 (texte Unicode) : enregistrez-le en CSV UTF-8';
  if (startsWith(head, 0x50, 0x4b, 0x03, 0x04)) return "archive ZIP ou classeur (XLSX, ODS), pas un texte CSV : enregistrez-le en CSV UTF-8";
  if (startsWith(head, 0xd0, 0xcf, 0x11, 0xe0)) return "classeur Excel ancien format (XLS), pas un texte CSV : enregistrez-le en CSV UTF-8";
  if (startsWith(head, 0x25, 0x50, 0x44, 0x46)) return 'document PDF, pas un texte CSV';
  if (startsWith(head, 0x1f, 0x8b)) return 'fichier compressé (gzip), pas un texte CSV : décompressez-le';
  const sample = head.subarray(0, 64 * 1024);
  if (sample.length === 0) return null;
  let nul = 0, nulEven = 0, control = 0;
  for (let i = 0; i < sample.length; i++) {
    const b = sample[i]!;
    if (b === 0) { nul++; if (i % 2 === 0) nulEven++; }
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
  }
  // UTF-16 without a BOM: every other byte is NUL (ASCII text), all on the same parity.
  if (nul >= 4 && nul > sample.length / 4 && (nulEven > nul * 0.9 || nulEven < nul * 0.1)) {
    return 'fichier encodé en UTF-16 (texte Unicode) : enregistrez-le en CSV UTF-8';
  }
  if (control >= 8 && control > sample.length / 50) return 'fichier binaire, pas un texte CSV (encodage impossible à déterminer)';
  return null;
}

/** The line end of a file: LF (CRLF included), or CR alone (old Mac) when there is no LF in its head. */
export function detectLineEnd(head: Uint8Array): '\n' | '\r' {
  return head.includes(0x0a) || !head.includes(0x0d) ? '\n' : '\r';
}

/** `;` or `,`, as in the header line (`;` when neither). */
export function detectDelimiter(headerLine: string): string {
  return headerLine.includes(';') ? ';' : headerLine.includes(',') ? ',' : ';';
}

function hasHighByte(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) return true;
  return false;
}

/**
 * The encoding decision, fed with the whole file in blocks that end on line ends. UTF-8 when every
 * block is UTF-8 (the common case: one fast check per block); otherwise lines are tallied: lines
 * holding non-ASCII UTF-8 against lines that are not UTF-8. More UTF-8 lines (or as many): the file
 * is UTF-8 and the others will be rejected; fewer: it is Windows-1252 and the lines holding UTF-8
 * sequences will be rejected.
 */
export class EncodingTally {
  utf8Lines = 0;
  invalidLines = 0;
  private allUtf8 = true;

  add(block: Uint8Array, lineEnd: '\n' | '\r'): void {
    if (this.allUtf8 && isUtf8(block)) return;
    this.allUtf8 = false;
    const byte = lineEnd === '\n' ? 0x0a : 0x0d;
    const b = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    let start = 0;
    while (start < b.length) {
      let end = b.indexOf(byte, start);
      if (end === -1) end = b.length;
      const line = b.subarray(start, end);
      if (hasHighByte(line)) { if (isUtf8(line)) this.utf8Lines++; else this.invalidLines++; }
      start = end + 1;
    }
  }

  /** True while every block seen was UTF-8: a caller may stop feeding blocks that are UTF-8 anyway. */
  get utf8SoFar(): boolean { return this.allUtf8; }

  decide(): TextEncoding {
    return this.allUtf8 || this.utf8Lines >= this.invalidLines ? 'utf-8' : 'windows-1252';
  }
}

/** The encoding of bytes held in memory (a BOM means UTF-8). */
export function decideEncoding(bytes: Uint8Array, lineEnd: '\n' | '\r'): TextEncoding {
  if (hasUtf8Bom(bytes)) return 'utf-8';
  const tally = new EncodingTally();
  tally.add(bytes, lineEnd);
  return tally.decide();
}

// ---- reading lines ------------------------------------------------------------------------------

const cp1252 = new TextDecoder('windows-1252');

export function decodeBlock(block: Uint8Array, encoding: TextEncoding): string {
  if (encoding === 'windows-1252') return cp1252.decode(block);
  return Buffer.from(block.buffer, block.byteOffset, block.byteLength).toString('utf8');
}

/** Bytes with no character in Windows-1252, and UTF-8 multi-byte sequences (latin1 view of the bytes). */
const CP1252_UNDEFINED = /[\x81\x8d\x8f\x90\x9d]/;
const UTF8_SEQUENCE = /[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}/;

/** Reason why the bytes of a line contradict the decided encoding, or null. */
function encodingProblem(line: Uint8Array, encoding: TextEncoding): string | null {
  if (encoding === 'utf-8') {
    return isUtf8(line) ? null : "octets qui ne sont pas de l'UTF-8 alors que le fichier est en UTF-8 (ligne enregistrée dans un autre encodage ?) : ligne non lue";
  }
  if (!hasHighByte(line)) return null;
  const latin1 = Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('latin1');
  if (CP1252_UNDEFINED.test(latin1)) return 'octet sans caractère en Windows-1252 (encodage du fichier) : ligne non lue';
  if (UTF8_SEQUENCE.test(latin1)) return "caractères encodés en UTF-8 alors que le fichier est en Windows-1252 (lignes d'encodages mélangés) : ligne non lue";
  return null;
}

/** Control characters that reject a line (the tab is allowed; CR only as part of the line end). */
const CONTROL_IN_BLOCK_LF = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)/;
const CONTROL_IN_BLOCK_CR = /[\x00-\x08\x0a-\x0c\x0e-\x1f\x7f-\x9f]/;
const CONTROL_IN_LINE = /[\x00-\x08\x0a-\x0d\x0e-\x1f\x7f-\x9f]/;

function controlReason(c: string): string {
  const code = c.charCodeAt(0);
  if (code === 0) return 'caractère NUL (octet 0) dans la ligne : ligne non lue';
  if (code === 13) return 'retour chariot isolé au milieu de la ligne : ligne non lue';
  if (code === 10) return 'saut de ligne au milieu de la ligne : ligne non lue';
  return `caractère de contrôle U+${code.toString(16).toUpperCase().padStart(4, '0')} dans la ligne : ligne non lue`;
}

/** The reason a cell or line holding a control character (but the tab) is refused, or null (XLSX cells too). */
export function controlProblem(text: string): string | null {
  const m = CONTROL_IN_LINE.exec(text);
  return m ? controlReason(m[0]) : null;
}

/** A line of separators and spaces only (a spreadsheet's empty row): skipped like a blank line. */
function blankLine(line: string, delimiter: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c !== delimiter && c !== ' ' && c !== '\t') return false;
  }
  return true;
}

/** The cells of a line holding a double quote (quotes within the line only), or the French reason it cannot be read. */
export function splitQuoted(line: string, delimiter: string): string[] | string {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (i === line.length) { cells.push(''); return cells; }
    if (line[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q === -1) {
          return `guillemet ouvert dans la colonne ${cells.length + 1} et non fermé sur la ligne (une cellule ne peut pas continuer sur la ligne suivante) : ligne non lue`;
        }
        if (line[q + 1] === '"') { value += line.slice(j, q + 1); j = q + 2; continue; }
        value += line.slice(j, q);
        i = q + 1;
        break;
      }
      cells.push(value);
      if (i === line.length) return cells;
      if (line[i] !== delimiter) return `texte après le guillemet fermant de la colonne ${cells.length} : ligne non lue`;
      i++;
      continue;
    }
    const d = line.indexOf(delimiter, i);
    if (d === -1) { cells.push(line.slice(i)); return cells; }
    cells.push(line.slice(i, d)); // a quote inside an unquoted cell is kept as it is
    i = d + 1;
  }
}

/**
 * Reads a block of bytes that starts at the start of a line and ends after a line end (or at the
 * end of the file), without a BOM. Calls the sink for every line but blank ones, in order; returns
 * the number of physical lines in the block (so the next block starts at `firstLine + that`).
 */
export function readLines(block: Uint8Array, firstLine: number, shape: LineShape, sink: LineSink): number {
  const { encoding, delimiter, lineEnd } = shape;
  const text = decodeBlock(block, encoding);
  // Slow paths only for blocks that need them: one check of the whole block each.
  const checkEncoding = encoding === 'utf-8' ? !isUtf8(block) : hasHighByte(block);
  const checkControl = (lineEnd === '\n' ? CONTROL_IN_BLOCK_LF : CONTROL_IN_BLOCK_CR).test(text);
  const byte = lineEnd === '\n' ? 0x0a : 0x0d;
  const bytes = checkEncoding ? Buffer.from(block.buffer, block.byteOffset, block.byteLength) : null;
  let byteStart = 0;
  let pos = 0;
  let line = firstLine;
  while (pos < text.length) {
    let end = text.indexOf(lineEnd, pos);
    const last = end === -1;
    if (last) end = text.length;
    let stop = end;
    if (lineEnd === '\n' && stop > pos && text.charCodeAt(stop - 1) === 13) stop--;
    let problem: string | null = null;
    if (bytes) {
      let byteEnd = bytes.indexOf(byte, byteStart);
      if (byteEnd === -1) byteEnd = bytes.length;
      problem = encodingProblem(bytes.subarray(byteStart, byteEnd), encoding);
      byteStart = byteEnd + 1;
    }
    if (stop > pos) {
      const content = text.slice(pos, stop);
      if (problem === null && checkControl) {
        const m = CONTROL_IN_LINE.exec(content);
        if (m) problem = controlReason(m[0]);
      }
      if (problem !== null) sink.bad(line, problem);
      else if (!blankLine(content, delimiter)) {
        if (content.indexOf('"') === -1) sink.record(content.split(delimiter), line);
        else {
          const cells = splitQuoted(content, delimiter);
          if (typeof cells === 'string') sink.bad(line, cells);
          else sink.record(cells, line);
        }
      }
    }
    line++;
    pos = end + 1;
    if (last) break;
  }
  return line - firstLine;
}

/** Number of physical lines in a block cut as readLines expects (its line ends, plus an unterminated last line). */
export function countLines(block: Uint8Array, lineEnd: '\n' | '\r'): number {
  const b = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  const byte = lineEnd === '\n' ? 0x0a : 0x0d;
  let n = 0;
  for (let i = b.indexOf(byte); i !== -1; i = b.indexOf(byte, i + 1)) n++;
  return b.length > 0 && b[b.length - 1] !== byte ? n + 1 : n;
}

export type ReadText =
  | { ok: true; shape: LineShape; header: { cells: string[]; line: number } | null }
  | { ok: false; erreur: string };

/**
 * Reads a whole small file held in memory (outcomes, competence corrections): refuses it whole when
 * it is not text, decides its encoding, its separator (from the first non-blank line) and its line
 * end, then hands the header and every other line to the sink. The header line itself, if it cannot
 * be read, refuses the file.
 */
export function readText(bytes: Uint8Array, sink: LineSink, delimiters?: (headerLine: string) => string): ReadText {
  const refused = undecidableText(bytes);
  if (refused) return { ok: false, erreur: `Fichier refusé : ${refused}.` };
  const body = hasUtf8Bom(bytes) ? bytes.subarray(3) : bytes;
  const lineEnd = detectLineEnd(body.subarray(0, 1 << 20));
  const encoding = hasUtf8Bom(bytes) ? 'utf-8' : decideEncoding(body, lineEnd);
  const firstText = decodeBlock(body.subarray(0, Math.min(body.length, 65536)), encoding).replace(/^[\r\n]+/, '');
  const delimiter = (delimiters ?? detectDelimiter)(firstText.split(lineEnd === '\n' ? /\r?\n/ : /\r/, 1)[0] ?? '');
  const shape: LineShape = { encoding, delimiter, lineEnd };
  let header: { cells: string[]; line: number } | null = null;
  let refusal: string | null = null;
  readLines(body, 1, shape, {
    record: (cells, line) => { if (refusal) return; if (header === null) header = { cells, line }; else sink.record(cells, line); },
    bad: (line, reason) => { if (refusal) return; if (header === null) refusal = `en-tête illisible à la ligne ${line} : ${reason}`; else sink.bad(line, reason); },
  });
  if (refusal) return { ok: false, erreur: `Fichier refusé : ${refusal}.` };
  return { ok: true, shape, header };
}
