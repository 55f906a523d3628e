/**
 * CSV and XLSX exports of a funnel and its monthly trend, with the same suppression as on screen
 * (a suppressed count is written « < 11 », a rate that depends on it is left empty).
 */
import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import { spreadsheetRow } from '../shared/csv.ts';
import { formatRate, SUPPRESSED_LABEL, type Funnel } from './funnel.ts';

interface Exportable extends Funnel {
  programme: { id: string; titre: string };
  perimetre: { nom: string };
  periode: { du: string; au: string };
  masque: boolean;
}
interface TrendLike { mois: ({ periode: string } & Funnel)[] }

const period = (f: Exportable) => (f.periode.du === f.periode.au ? f.periode.du : `${f.periode.du} à ${f.periode.au}`);
const cell = (count: number | null) => (count === null ? SUPPRESSED_LABEL : count);

/** CSV for a spreadsheet in French (« ; » separator, UTF-8 with BOM): the stages, the rates, then the trend. */
export function funnelCsv(funnel: Exportable, trend?: TrendLike): string {
  const rows: (string | number)[][] = [
    ['Programme', funnel.programme.titre],
    ['Périmètre', funnel.perimetre.nom],
    ['Cohorte', period(funnel)],
    ['Petits effectifs masqués', funnel.masque ? 'oui (effectifs inférieurs à 11 remplacés par « < 11 »)' : 'non'],
    [],
    ['etape', 'libelle', 'personnes'],
    ...funnel.stages.map((s) => [s.code, s.libelle, cell(s.count)]),
    [],
    ['taux', 'libelle', 'numerateur', 'denominateur', 'valeur', 'pourcentage'],
    ...funnel.rates.map((r) => [r.code, r.libelle, r.numerator, r.denominator, r.value === null ? '' : r.value, r.value === null ? '' : formatRate(r.value)]),
  ];
  if (trend) {
    rows.push([], ['mois', ...funnel.stages.map((s) => s.code), ...funnel.rates.map((r) => `${r.numerator}/${r.denominator}`)]);
    for (const m of trend.mois) {
      rows.push([m.periode, ...m.stages.map((s) => cell(s.count)), ...m.rates.map((r) => (r.value === null ? '' : r.value))]);
    }
  }
  return `\ufeff${stringify(rows.map(spreadsheetRow), { delimiter: ';', record_delimiter: '\r\n' })}`;
}

/** XLSX workbook: « Entonnoir », « Taux » and « Évolution mensuelle » sheets. */
export async function funnelXlsx(funnel: Exportable, trend?: TrendLike): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Passerelle';
  workbook.created = new Date();
  const head = (sheet: ExcelJS.Worksheet) => {
    sheet.addRow(spreadsheetRow(['Programme', funnel.programme.titre]));
    sheet.addRow(spreadsheetRow(['Périmètre', funnel.perimetre.nom]));
    sheet.addRow(spreadsheetRow(['Cohorte', period(funnel)]));
    sheet.addRow(spreadsheetRow(['Petits effectifs masqués', funnel.masque ? 'oui (< 11)' : 'non']));
    sheet.addRow(spreadsheetRow([]));
  };
  const stages = workbook.addWorksheet('Entonnoir');
  head(stages);
  stages.addRow(spreadsheetRow(['Étape', 'Libellé', 'Personnes'])).font = { bold: true };
  for (const s of funnel.stages) stages.addRow(spreadsheetRow([s.code, s.libelle, cell(s.count)]));
  stages.columns.forEach((c, i) => { c.width = [18, 60, 14][i] ?? 14; });

  const rates = workbook.addWorksheet('Taux');
  head(rates);
  rates.addRow(spreadsheetRow(['Taux', 'Libellé', 'Numérateur', 'Dénominateur', 'Valeur'])).font = { bold: true };
  for (const r of funnel.rates) {
    const row = rates.addRow(spreadsheetRow([r.code, r.libelle, r.numerator, r.denominator, r.value]));
    row.getCell(5).numFmt = '0.0%';
  }
  rates.columns.forEach((c, i) => { c.width = [24, 60, 16, 16, 10][i] ?? 14; });

  if (trend) {
    const sheet = workbook.addWorksheet('Évolution mensuelle');
    head(sheet);
    sheet.addRow(spreadsheetRow(['Mois', ...funnel.stages.map((s) => s.libelle), ...funnel.rates.map((r) => r.libelle)])).font = { bold: true };
    for (const m of trend.mois) {
      const row = sheet.addRow(spreadsheetRow([m.periode, ...m.stages.map((s) => cell(s.count)), ...m.rates.map((r) => r.value)]));
      for (let i = 0; i < m.rates.length; i++) row.getCell(2 + m.stages.length + i).numFmt = '0.0%';
    }
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
