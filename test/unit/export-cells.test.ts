/** Formula injection (CSV injection) neutralised in every export, by the one shared cell function (src/shared/csv.ts). */
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { funnelCsv, funnelXlsx } from '../../src/indicators/index.ts';
import { reportCsv } from '../../src/outreach/index.ts';
import { csvCell, registerCsv, type RegisterEntry } from '../../src/privacy/index.ts';
import { csvField } from '../../src/extracts/index.ts';
import { csvQuote, spreadsheetSafe } from '../../src/shared/csv.ts';

const DANGEROUS = ['=1+1', '+33 6 12 34 56 78', '-2+3', '@SUM(A1:A9)', '\t=1', '\r=1', '=HYPERLINK("http://x";"clic")'];

describe('the export cell', () => {
  it('prefixes with an apostrophe a text starting with = + - @ tab or CR, and nothing else', () => {
    for (const v of DANGEROUS) expect(spreadsheetSafe(v)).toBe(`'${v}`);
    for (const v of ['Martin', '83000', '1-2', 'a=b', '', ' =1']) expect(spreadsheetSafe(v)).toBe(v);
    expect(spreadsheetSafe(-5)).toBe(-5); // a number stays a number
    expect(spreadsheetSafe(null)).toBeNull();
  });

  it('quotes after neutralising, so a CSV reader gets the neutralised text back', () => {
    for (const v of DANGEROUS) {
      const [[cell]] = parse(csvCell(v), { delimiter: ';', relax_quotes: true }) as string[][];
      expect(cell).toBe(`'${v}`);
    }
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
  });

  it('leaves the data interchange files (extracts, package payloads) as they are', () => {
    expect(csvField).toBe(csvQuote);
    expect(csvField('+33 6')).toBe('+33 6');
  });
});

describe('every export neutralises', () => {
  it('the processing register CSV', () => {
    const entry = { reference: '=x/modele', programme: 'x', programmeTitre: '+Titre', document: '-doc', convention: null, statutConvention: null,
      responsableTraitement: '@r', finalite: 'f', usagesInterdits: 'u', baseLegale: ['=b'], categoriesPersonnes: 'c', categoriesDonnees: [],
      donneesSensibles: false, champsTransmis: [], destinataires: ['d'], transfertsHorsUE: 't', conservation: 'c', mesuresSecurite: ['m'] } satisfies RegisterEntry;
    const rows = parse(registerCsv([entry]), { delimiter: ';', columns: true }) as Record<string, string>[];
    expect(rows[0]).toMatchObject({ 'Référence': "'=x/modele", Programme: "'+Titre", 'Document source': "'-doc", 'Responsable du traitement': "'@r", 'Base légale': "'=b" });
  });

  it('the outcomes import row report', () => {
    const csv = reportCsv({ lignes: 1, enregistrees: 0, dejaEnregistrees: 0, rejetees: 1, import: 'essai', rapport: [{ ligne: 2, resultat: 'rejetee', motif: '=cmd|/c calc' }] });
    const rows = parse(csv.slice(1), { delimiter: ';', columns: true }) as Record<string, string>[];
    expect(rows[0]).toEqual({ ligne: '2', resultat: 'rejetee', motif: "'=cmd|/c calc" });
  });

  const funnel = {
    programme: { id: 'p', titre: '=Programme' }, perimetre: { nom: '+Var' }, periode: { du: '2026-11', au: '2026-11' }, masque: false,
    stages: [{ code: 'cible', libelle: '@étape', definition: '', programme: false, count: 12 }],
    rates: [{ code: 'taux', libelle: '-taux', numerator: 'cible', denominator: 'cible', value: 1 }],
  } as unknown as Parameters<typeof funnelCsv>[0];

  it('the indicators CSV', () => {
    const rows = parse(funnelCsv(funnel).slice(1), { delimiter: ';', relax_column_count: true }) as string[][];
    const cells = rows.flat();
    expect(cells).toEqual(expect.arrayContaining(["'=Programme", "'+Var", "'@étape", "'-taux", '12']));
    expect(cells.some((c) => /^[=+\-@]/.test(c))).toBe(false);
  });

  it('the indicators XLSX, where numbers stay numbers', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await funnelXlsx(funnel) as never);
    const values: unknown[] = [];
    workbook.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => { values.push(cell.value); })));
    expect(values).toEqual(expect.arrayContaining(["'=Programme", "'+Var", "'@étape", "'-taux", 12]));
    expect(values.some((v) => typeof v === 'string' && /^[=+\-@]/.test(v))).toBe(false);
    expect(values.some((v) => typeof v === 'object' && v !== null && 'formula' in v)).toBe(false);
  });
});
