/** `passerelle generate`: writes synthetic source extracts for a département (or all) and a month. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
// The generator (and faker's name lists) is loaded only when the command runs: every other command stays free of it.
import type { GenerateReport } from '../../generate/index.ts';
import { progressBar } from '../progress.ts';

export interface GenerateCommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Progress bar on a terminal; otherwise a progress line every 10 %. */
  tty: boolean;
}

const defaultIo = (): GenerateCommandIo => ({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  tty: process.stderr.isTTY === true,
});

const nf = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

interface GenerateCliOptions {
  departement?: string;
  mois?: string;
  sortie?: string;
  echelle?: string;
  graine?: string;
}

export function registerGenerate(program: Command, io: GenerateCommandIo = defaultIo()): void {
  program
    .command('generate')
    .description('Génère des extraits sources synthétiques (Caf, CPAM, Carsat, établissements de santé) pour un département et un mois')
    .option('--departement <code>', 'département (83, 2A, 971…) ou « all » pour la métropole et les DROM')
    .option('--mois <AAAA-MM>', 'mois couvert par les extraits, par exemple 2026-11')
    .option('--sortie <dossier>', 'dossier où écrire les fichiers CSV (créé au besoin)')
    .option('--echelle <n>', 'échelle du volume : 1 = volume réaliste, 0.01 = petit jeu de test', '1')
    .option('--graine <n>', 'graine : mêmes options et même graine donnent des fichiers identiques', '1')
    .addHelpText('after', '\nFichiers produits et colonnes : docs/extract-formats.md')
    .action(async function (this: Command, options: GenerateCliOptions) {
      const { generateExtracts, GenerateOptionsError, validateGenerateOptions } = await import('../../generate/index.ts');
      let valid;
      try {
        valid = validateGenerateOptions({
          departement: options.departement,
          month: options.mois,
          outDir: options.sortie,
          scale: options.echelle,
          seed: options.graine,
        });
      } catch (error) {
        if (error instanceof GenerateOptionsError) this.error(error.problems.join('\n'), { exitCode: 2, code: 'passerelle.generate.options' });
        throw error;
      }
      const outDir = resolve(valid.outDir);
      const progress = progressReporter(io);
      let report: GenerateReport;
      try {
        report = await generateExtracts({ ...valid, outDir, onProgress: progress.update });
      } catch (error) {
        progress.stop();
        this.error(`Échec de la génération : ${(error as Error).message}`, { exitCode: 1, code: 'passerelle.generate.failed' });
      }
      progress.stop();
      io.out(summary(report));
    });
}

function progressReporter(io: GenerateCommandIo) {
  if (io.tty) {
    const bar = progressBar('Génération {bar} {percentage} % | {value}/{total} personnes | {label}');
    return { update: (done: number, total: number, label: string) => bar.update(done, total, { label }), stop: () => bar.stop() };
  }
  let nextTenth = 1;
  return {
    update(done: number, total: number, label: string) {
      if (total === 0) return;
      const tenth = Math.floor((done / total) * 10);
      if (tenth >= nextTenth) {
        io.err(`Génération : ${tenth * 10} % (${nf.format(done)} / ${nf.format(total)} personnes) — ${label}\n`);
        nextTenth = tenth + 1;
      }
    },
    stop() {},
  };
}

function summary(report: GenerateReport): string {
  const seconds = report.durationMs / 1000;
  const where = report.departements.length === 1 ? `département ${report.departements[0]}` : `${report.departements.length} départements`;
  const width = Math.max(...report.files.map((f) => f.fileName.length));
  const lines = [
    `Extraits générés dans ${report.outDir} (${where}, mois ${report.month}, échelle ${report.scale}, graine ${report.seed}) :`,
    ...report.files.map((f) => `  ${f.fileName.padEnd(width)}  ${nf.format(f.rows).padStart(12)} lignes`),
    `Total : ${report.files.length} fichiers, ${nf.format(report.totalRows)} lignes (${nf.format(report.people)} personnes) en ${nf1.format(seconds)} s, ` +
      `${nf.format(report.rowsPerSecond)} lignes/s, mémoire maximale ${nf.format(report.peakRssBytes / 1024 / 1024)} Mo.`,
  ];
  return `${lines.join('\n')}\n`;
}
