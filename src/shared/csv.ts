/**
 * Cells of the files Passerelle exports for spreadsheets (CSV and XLSX): worklist exports, row
 * reports, indicators, the register and the destruction records. Every export cell goes through
 * {@link spreadsheetSafe}: a text starting with `=`, `+`, `-`, `@`, a tab or a carriage return
 * would be read as a formula by a spreadsheet (CSV/formula injection), so it is prefixed with `'`
 * (OWASP's advice); the spreadsheet then shows it as text. Numbers stay numbers.
 * Data exchanged between organisations (the package payload, the extracts) is not an export for a
 * spreadsheet and keeps its values as they are ({@link csvQuote}).
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** A value a spreadsheet shows as text, never evaluates. */
export function spreadsheetSafe<T>(value: T): T | string {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value;
}

/** Quoting only, for data interchange (`;` separator): quoted when the value holds `;`, `"`, CR or LF. */
export function csvQuote(value: string): string {
  return /[;"\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One cell of an exported CSV (`;` separator): neutralised, then quoted when needed. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  return csvQuote(String(spreadsheetSafe(value)));
}

/** The cells of an exported row, neutralised (for writers that quote themselves, such as csv-stringify or ExcelJS). */
export function spreadsheetRow<T>(values: readonly T[]): (T | string)[] {
  return values.map((v) => spreadsheetSafe(v));
}
