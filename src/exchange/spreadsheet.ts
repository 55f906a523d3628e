/**
 * XLSX extracts: the monthly cycle reads CSV; an extract exported as a spreadsheet (XLSX) is first
 * converted, streaming, to a `;` CSV in UTF-8 that `readExtract` then validates like any other.
 * Only the first worksheet is read. A formula cell becomes `=formula`, so that the cycle rejects
 * the row (formulas are refused); dates become AAAA-MM-JJ; decimals get a decimal comma.
 */
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { csvField } from '../generate/index.ts';

/** Thrown when the file is not a readable spreadsheet (French message). */
export class SpreadsheetError extends Error {}

/** True when the file starts like a ZIP archive (XLSX, ODS, DOCX… are ZIP files). */
export async function looksLikeZip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  } finally {
    await handle.close();
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return '';
    return `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
  }
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value).replace('.', ',');
  if (typeof value === 'boolean') return value ? 'oui' : 'non';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    const v = value as { richText?: { text: string }[]; formula?: string; sharedFormula?: string; text?: string; error?: string };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
    if (typeof v.formula === 'string') return `=${v.formula}`;
    if (typeof v.sharedFormula === 'string') return `=${v.sharedFormula}`;
    if (typeof v.text === 'string') return v.text;
    if (typeof v.error === 'string') return v.error;
  }
  return String(value);
}

/**
 * Converts the first worksheet of an XLSX file to a `;` CSV (UTF-8, LF). Returns the number of
 * lines written (header included). Empty rows are kept as empty lines so that line numbers in the
 * row report match the spreadsheet's row numbers.
 */
export async function xlsxToCsv(xlsxPath: string, csvPath: string, onRow?: (rows: number) => void): Promise<number> {
  const out = createWriteStream(csvPath, { mode: 0o600 });
  const write = (text: string) => new Promise<void>((ok) => { if (out.write(text)) ok(); else out.once('drain', ok); });
  let lines = 0;
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(xlsxPath, {
      sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'emit',
    });
    for await (const worksheet of reader) {
      let expected = 1;
      let width = 0;
      for await (const row of worksheet) {
        // Rows without any cell are not emitted: keep the numbering with empty lines.
        while (expected < row.number) { await write('\n'); expected++; lines++; }
        const values = (row.values as unknown[]) ?? [];
        if (width === 0) width = values.length - 1;
        const cells: string[] = [];
        for (let i = 1; i < Math.max(width + 1, values.length); i++) cells.push(csvField(cellText(values[i]).replace(/\r?\n/g, ' ')));
        await write(`${cells.join(';')}\n`);
        expected = row.number + 1;
        lines++;
        if (onRow && lines % 10_000 === 0) onRow(lines);
      }
      break; // only the first worksheet
    }
  } catch {
    out.destroy();
    throw new SpreadsheetError(`Classeur XLSX illisible (fichier abîmé, protégé par mot de passe, ou qui n'est pas un classeur Excel). Enregistrez l'extrait au format CSV (séparateur « ; ») ou XLSX et réessayez.`);
  }
  await new Promise<void>((ok, ko) => out.end((e?: Error | null) => (e ? ko(e) : ok())));
  return lines;
}
