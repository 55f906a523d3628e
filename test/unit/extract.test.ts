/**
 * The cycle's fast row checker against the reference: the straightforward per-cell rule with
 * `checkCell` (the reader before it was made faster). Random cells, mutated from valid ones, must
 * get the same verdict, the same reasons and the same repaired values.
 */
import { describe, expect, it } from 'vitest';
import { MAX_CELL, rowChecker } from '../../src/exchange/extract.ts';
import { checkCell, checkDateBounds, EXTRACT_FORMATS, formulaProblem, normalizeFrenchPhone, type ColumnDefinition } from '../../src/extracts/index.ts';
import { nirKey } from '../../src/shared/nir.ts';

const AS_OF = '2026-11-30';
const withoutValue = (reason: string) => reason.replace(/ \(« [\s\S]* »\)$/, '');

/** The reference: the per-cell loop of the reader as first written. */
function reference(columns: readonly ColumnDefinition[], record: readonly string[]) {
  const warnings: string[] = [];
  if (record.length !== columns.length) return { reject: `${record.length} colonne(s) au lieu de ${columns.length}`, warnings, row: null };
  const row: Record<string, string> = {};
  const problems: string[] = [];
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const formula = column.type === 'text' && (record[i] ?? '') !== '' ? formulaProblem(column, record[i]!) : null;
    if (formula) { problems.push(formula); continue; }
    let value = (record[i] ?? '').trim();
    if (value.length > MAX_CELL) { problems.push(`${column.name} : cellule de ${value.length} caractères (${MAX_CELL} au plus)`); continue; }
    if (value.startsWith('=')) { problems.push(`${column.name} : la cellule commence par « = » (formule de tableur refusée)`); continue; }
    if ((column.type === 'postalCode' || column.type === 'inseeCode') && /^\d{4}$/.test(value)) {
      value = `0${value}`;
      warnings.push(`${column.name} : 4 chiffres, zéro initial rétabli`);
    }
    const problem = checkCell(column, value) ?? (column.type === 'date' && value !== '' ? checkDateBounds(column, value, AS_OF) : null);
    if (problem) {
      if (column.raw) { warnings.push(`${withoutValue(problem)} : valeur non transmise, ligne conservée`); value = ''; } else { problems.push(withoutValue(problem)); continue; }
    }
    if (column.type === 'phone' && value !== '') value = normalizeFrenchPhone(value) ?? '';
    row[column.name] = value;
  }
  return problems.length ? { reject: problems.join(' ; '), warnings, row: null } : { reject: null, warnings, row };
}

function random(seed: number) {
  let s = seed >>> 0;
  return (n: number) => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s % n; };
}

const VALID = '83;1234567;2850175123456XX;DUPONT;Marie;F;1980-02-29;marie;couple_avec_enfants;2;5;1 rue des Lilas;Bât. B;83000;83137;Toulon;marie.dupont@exemple.fr;06 12 34 56 78;oui;oui;oui;230,50;non;non;non;non;non;non;non;;'
  .replace('2850175123456XX', `2850175123456${nirKey('2850175123456')}`).split(';');

const SAMPLES = [
  '', ' ', '  x  ', '=1+1', '@SUM(A1)', '+33 6 12 34 56 78', '-1', '-x', '+', '.5', '\u00a0texte\u00a0', '\ufeffbom',
  '0612345678', '06.12.34.56.78', '+33612345678', '+262692123456', '0012345678', '06123456', '6000', '06000', '2A004', '2B', '97', '976', '974', '975',
  '2024-02-29', '2023-02-29', '2026-13-01', '2026-11-31', '2026-11-30', '1900-02-29', '2000-02-29', '26-11-01',
  'oui', 'non', 'Oui', 'F', 'M', 'f', 'marie', 'celibataire', 'email', 'telephone', '0', '12', '1,5', '12,50', '-3,2', '12.5', 'a@b.fr', 'a@@b.fr', 'a..b@c.fr', 'x'.repeat(1001),
  '\t=1+1', ' =1', '-2+3+cmd', '+ 2', '+33 6 12 34 56 78', '1800-01-01', '2099-01-01', '1906-01-01', '1905-12-31', '+x@y.fr', '-x@y.fr',
];

function mutate(value: string, r: (n: number) => number): string {
  switch (r(6)) {
    case 0: return SAMPLES[r(SAMPLES.length)]!;
    case 1: return value.length ? value.slice(0, r(value.length)) + String.fromCharCode(48 + r(75)) + value.slice(r(value.length) + 1) : 'x';
    case 2: return ` ${value}`;
    case 3: { // a NIR with a random body and sometimes the right key
      const dep = ['83', '2A', '2B', '99', '75'][r(5)]!;
      const body = `${[1, 2, 3, 7, 8, 4][r(6)]}${String(r(100)).padStart(2, '0')}${String(r(14)).padStart(2, '0')}${dep}${String(r(1e6)).padStart(6, '0')}`;
      let key = String(r(100)).padStart(2, '0');
      try { if (r(2)) key = nirKey(body); } catch { /* invalid body */ }
      return body + key;
    }
    case 4: return `${1890 + r(250)}-${String(r(14)).padStart(2, '0')}-${String(r(33)).padStart(2, '0')}`;
    default: return value;
  }
}

describe('the fast row checker', () => {
  it('gives the verdicts, reasons and values of the reference on 30 000 mutated rows', () => {
    const columns = EXTRACT_FORMATS.caf_allocataires.columns as readonly ColumnDefinition[];
    const r = random(42);
    let got: { reject: string | null; warnings: string[]; row: Record<string, string | undefined> | null };
    const check = rowChecker('caf_allocataires', {
      onRow: (row) => { got.row = { ...row }; },
      onReject: (_line, reason) => { got.reject = reason; },
      onWarning: (_line, reason) => { got.warnings.push(reason); },
    }, { asOf: AS_OF });
    let rejected = 0;
    const mismatches: string[] = [];
    for (let t = 0; t < 30_000; t++) {
      const record = [...VALID];
      for (let k = 1 + r(2); k > 0; k--) { const i = r(columns.length); record[i] = mutate(record[i]!, r); }
      if (r(500) === 0) record.pop();
      got = { reject: null, warnings: [], row: null };
      check(record, t + 2);
      const want = reference(columns, record);
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${JSON.stringify(record)}\n  got ${JSON.stringify(got)}\n want ${JSON.stringify(want)}`);
      if (want.reject) rejected++;
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(rejected).toBeGreaterThan(5_000); // the mutations do reach the rules
    expect(rejected).toBeLessThan(27_000);
  }, 60_000);
});

describe('the CSV reader', () => {
  const columns = EXTRACT_FORMATS.caf_allocataires.columns as readonly ColumnDefinition[];
  const header = columns.map((c) => c.name).join(';');
  const field = (v: string) => (/[;"\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

  async function readAll(content: string | Buffer) {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { readExtract } = await import('../../src/exchange/extract.ts');
    const dir = await mkdtemp(join(tmpdir(), 'passerelle-csv-'));
    try {
      await writeFile(join(dir, 'x.csv'), content);
      const rows: { line: number; row: Record<string, string | undefined> }[] = [];
      const rejects: string[] = [];
      const count = await readExtract(join(dir, 'x.csv'), 'caf_allocataires', {
        onRow: (row, line) => rows.push({ line, row: { ...row } }), onReject: (l, r) => rejects.push(`${l};${r}`), onWarning: () => {},
      });
      return { count, rows, rejects };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('reads quoted cells within a line: same rows as csv-parse over the whole file, across 1 MiB chunks', async () => {
    const { parse } = await import('csv-parse/sync');
    const r = random(7);
    const lines: string[] = [header];
    const texts = ['Résidence « Les Pins »', 'Bât. 3; esc. B', 'dit "le Moulin"', 'ligne 1 ; ligne 2', '"entre guillemets"', '日本 🙂', 'Œuvre ; "x"'];
    for (let i = 0; i < 14_000; i++) {
      const record = [...VALID];
      record[1] = String(1_000_000 + i);
      if (r(8) === 0) record[columns.findIndex((c) => c.name === 'adresse_complement')] = texts[r(texts.length)]!;
      if (r(10) === 0) record[columns.findIndex((c) => c.name === 'prenom')] = 'Zoé-Anaïs';
      lines.push(record.map(field).join(';'));
    }
    const text = `${lines.join('\r\n')}\r\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(2.5 * (1 << 20));
    const expected = (parse(text, { delimiter: ';', relax_column_count: true, relax_quotes: true, skip_empty_lines: true }) as string[][]).slice(1)
      .map((record) => reference(columns, record).row);
    const got = await readAll(text);
    expect(got.rejects).toEqual([]);
    expect(got.count).toBe(14_000);
    expect(got.rows.map((x) => x.row)).toEqual(expected);
    // line numbers: the physical line where the record starts
    let line = 2;
    const starts = lines.slice(1).map((l) => { const at = line; line += l.split('\n').length; return at; });
    expect(got.rows.map((x) => x.line)).toEqual(starts);
  }, 60_000);

  it('reads old Mac line ends, and an unclosed quote rejects its own line only', async () => {
    const good = VALID.join(';');
    const mac = await readAll(`${header}\r${good}\r${good}\r`);
    expect(mac.count).toBe(2);
    expect(mac.rows.map((x) => x.line)).toEqual([2, 3]);
    const unclosed = await readAll(`${header}\n${good}\n${good.replace('Bât. B', '"Bât. B')}\n${good}\n`);
    expect(unclosed.rows.map((x) => x.line)).toEqual([2, 4]);
    expect(unclosed.rejects).toEqual([expect.stringMatching(/^3;guillemet ouvert dans la colonne 13 et non fermé sur la ligne/)]);
  });
});
