/**
 * XLSX extracts: read by the cycle directly (first worksheet, header row), with the same checks
 * and row report as CSV, line numbers being the spreadsheet's row numbers.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExtract } from '../../src/exchange/extract.ts';
import { runCycle } from '../../src/exchange/cycle.ts';
import { ensureExchangeSetup } from '../../src/exchange/setup.ts';
import { EXTRACT_FORMATS } from '../../src/extracts/index.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';
import { cliTarget, runCli, type CliTarget } from '../helpers/cli.ts';

const NOW = new Date('2026-11-28T09:00:00.000Z');
const HEADER: string[] = EXTRACT_FORMATS.caf_allocataires.columns.map((c) => c.name);
const col = (name: string) => HEADER.indexOf(name) + 1; // exceljs columns are 1-based

/** Writes rows (arrays of cell values, header first) to the first worksheet of a new workbook. */
async function writeWorkbook(path: string, rows: unknown[][], edit?: (sheet: ExcelJS.Worksheet) => void): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Allocataires');
  for (const r of rows) sheet.addRow(r);
  edit?.(sheet);
  workbook.addWorksheet('Notes').addRow(['une deuxième feuille, ignorée']);
  await workbook.xlsx.writeFile(path);
}

async function read(path: string) {
  const rows: Readonly<Record<string, string | undefined>>[] = [];
  const lines: number[] = [];
  const rejects: string[] = [];
  const warnings: string[] = [];
  const count = await readExtract(path, 'caf_allocataires', {
    onRow: (r, l) => { rows.push(r); lines.push(l); }, onReject: (l, r) => rejects.push(`${l};${r}`), onWarning: (l, r) => warnings.push(`${l};${r}`),
  });
  return { count, rows, lines, rejects, warnings };
}

let dir: string;
let source: string;
let records: string[][];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'passerelle-xlsx-'));
  source = join(dir, 'csv');
  await generateExtracts({ departement: '83', month: '2026-11', outDir: source, scale: 0.01, seed: 11, people: { ajpa: 30, ajpp: 5 } });
  records = parse(await readFile(join(source, 'caf_allocataires.csv'), 'utf8'), { delimiter: ';' }) as string[][];
});

afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

describe('reading an XLSX extract: the corpus of bad workbooks', () => {
  it('validates every row like a CSV, with spreadsheet row numbers; formulas rejected, number-formatted postal codes repaired', async () => {
    const valid = records.slice(1).find((r) => r[col('email') - 1] === '' && r[col('telephone') - 1] === '' && r[col('montant_aide_logement') - 1] !== '')!;
    const path = join(dir, 'corpus.xlsx');
    await writeWorkbook(path, [HEADER, valid, valid, valid, [], valid, valid], (sheet) => {
      // row 3: a formula in a text cell; row 4: a postal code typed as a number, shown 06000
      sheet.getCell(3, col('nom')).value = { formula: 'UPPER("dupont")', result: 'DUPONT' } as ExcelJS.CellFormulaValue;
      const postal = sheet.getCell(4, col('code_postal'));
      postal.value = 6000;
      postal.numFmt = '00000';
      sheet.getCell(4, col('code_commune')).value = '06088';
      // row 6 (after an empty row 5): real number and date cells, as a spreadsheet holds them
      sheet.getCell(6, col('nombre_enfants_a_charge')).value = 2;
      sheet.getCell(6, col('montant_aide_logement')).value = 230.5;
      sheet.getCell(6, col('date_naissance')).value = new Date(Date.UTC(1980, 1, 29));
      // row 7: a formula in a code column, and a bad NIR
      sheet.getCell(7, col('code_postal')).value = { formula: 'A1', result: '83000' } as ExcelJS.CellFormulaValue;
      sheet.getCell(7, col('nir')).value = '123456789012345';
    });
    const r = await read(path);
    expect(r.count).toBe(5);
    expect(r.rejects).toEqual([
      '3;nom : la cellule commence par « = » (formule de tableur refusée)',
      expect.stringMatching(/^7;nir : .* ; code_postal : la cellule commence par « = » \(formule de tableur refusée\)$/),
    ]);
    expect(r.rejects.join()).not.toContain('123456789012345');
    expect(r.warnings).toEqual(['4;code_postal : 4 chiffres, zéro initial rétabli']);
    expect(r.lines).toEqual([2, 4, 6]);
    expect(r.rows[1]).toMatchObject({ code_postal: '06000', code_commune: '06088' });
    expect(r.rows[2]).toMatchObject({ nombre_enfants_a_charge: '2', montant_aide_logement: '230,5', date_naissance: '1980-02-29' });
    expect(r.rows[0]).toEqual(Object.fromEntries(HEADER.map((h, i) => [h, valid[i]])));
  });

  it('refuses a workbook with a missing column, an empty workbook and a file that is not a workbook, in French', async () => {
    const missing = join(dir, 'colonne.xlsx');
    await writeWorkbook(missing, [HEADER.slice(0, -1), records[1]!.slice(0, -1)]);
    await expect(read(missing)).rejects.toThrow(/^caf_allocataires\.xlsx refusé : en-tête inattendu pour caf_allocataires\.csv : colonnes attendues /);
    const empty = join(dir, 'vide.xlsx');
    await writeWorkbook(empty, []);
    await expect(read(empty)).rejects.toThrow(/caf_allocataires\.xlsx refusé : classeur vide/);
    const broken = join(dir, 'abime.xlsx');
    await writeFile(broken, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(2000, 7)]));
    await expect(read(broken)).rejects.toThrow(/caf_allocataires\.xlsx illisible : classeur XLSX abîmé/);
  });

  it('reads the same rows from the XLSX as from the CSV it was made from', async () => {
    const path = join(dir, 'tout.xlsx');
    await writeWorkbook(path, records);
    const fromXlsx = await read(path);
    const fromCsv = await readExtract(join(source, 'caf_allocataires.csv'), 'caf_allocataires', { onRow: () => {}, onReject: () => {}, onWarning: () => {} });
    expect(fromXlsx.count).toBe(fromCsv);
    expect(fromXlsx.count).toBe(records.length - 1);
  });
});

describe(`the cycle on an XLSX extract (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let xlsxDir: string;

  beforeAll(async () => {
    database = await freshDatabase();
    await ensureExchangeSetup(database.db, NOW);
    xlsxDir = join(dir, 'xlsx');
    await mkdir(xlsxDir);
    await writeWorkbook(join(xlsxDir, 'caf_allocataires.xlsx'), records);
    const applications = parse(await readFile(join(source, 'caf_ajpa_ajpp.csv'), 'utf8'), { delimiter: ';' }) as string[][];
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Demandes');
    for (const r of applications) sheet.addRow(r);
    await workbook.xlsx.writeFile(join(xlsxDir, 'caf_ajpa_ajpp.xlsx'));
  });
  afterAll(async () => { await database?.drop(); });

  it('seals the same packages from a folder of XLSX extracts, or an XLSX file, as from the CSV', async () => {
    const csv = await runCycle(database.db, { programme: 'aidants', periode: '2026-11', source, outDir: join(dir, 'out-csv'), expediteur: 'caf-83', now: NOW });
    const folder = await runCycle(database.db, { programme: 'aidants', periode: '2026-11', source: xlsxDir, outDir: join(dir, 'out-xlsx'), expediteur: 'caf-83', now: NOW, remplacer: true });
    const file = await runCycle(database.db, {
      programme: 'aidants', periode: '2026-11', source: join(xlsxDir, 'caf_allocataires.xlsx'), outDir: join(dir, 'out-xlsx-file'), expediteur: 'caf-83', now: NOW, remplacer: true,
    });
    expect(csv.transmis).toBeGreaterThanOrEqual(30);
    for (const r of [folder, file]) {
      expect(r).toMatchObject({ lignesLues: csv.lignesLues, lignesRejetees: csv.lignesRejetees, retenus: csv.retenus, transmis: csv.transmis, doublons: csv.doublons });
      expect(r.paquets.map((p) => [p.destinataire, p.nombre])).toEqual(csv.paquets.map((p) => [p.destinataire, p.nombre]));
    }
  }, 120_000);
});

describe(`passerelle cycle --source file.xlsx (${ENGINE})`, () => {
  let target: CliTarget;
  beforeAll(async () => { target = await cliTarget('passerelle-cycle-xlsx-cli-'); });
  afterAll(async () => { await target?.drop(); });

  it('runs the cycle from the command line on a workbook', async () => {
    const home = join(dir, 'cli');
    await mkdir(home);
    const result = await runCli(['cycle', '--programme', 'aidants', '--mois', '2026-11',
      '--source', join(dir, 'xlsx', 'caf_allocataires.xlsx'), '--sortie', join(home, 'paquets'), '--expediteur', 'caf-83'], target.dataDir, target.env);
    expect(result.stderr).toMatch(/Cycle aidants 2026-11 : 100 %/);
    expect(result.stdout).toMatch(/paquet aidants_caf-83_cpam-83_2026-11 → cpam-83 : \d+ enregistrement/);
    expect([0, 3]).toContain(result.code);
  }, 180_000);
});
