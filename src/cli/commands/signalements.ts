/**
 * `passerelle signalements import --organisation CODE FILE`: a file of hospital-discharge
 * signalements an establishment sent to the receiving organisation CODE (a Carsat). Each row goes
 * to the worklist of the month of its signalement date; each rejected row is reported with its
 * line and reason in FILE.rapport.csv; exit 3 when rows are rejected (docs/signalements.md).
 */
import type { Command } from 'commander';
import { importSignalements, SignalementInputError } from '../../signalements/index.ts';
import { recordedRun } from '../../jobs/index.ts';
import { out, withInstance } from '../instance.ts';

export function registerSignalements(program: Command) {
  program.command('signalements').description("Signalements des établissements de santé (sortie d'hospitalisation)")
    .command('import')
    .description("Importe un fichier de signalements (CSV « ; », format etablissements_signalements_sortie) adressé à l'organisme CODE ; chaque ligne va sur la liste du mois de sa date de signalement ; chaque ligne rejetée est signalée avec son numéro et sa raison")
    .argument('<fichier>', 'fichier CSV (ou XLSX) des signalements')
    .requiredOption('--organisation <code>', 'organisme destinataire des signalements (ex. carsat-sud-est)')
    .option('--rapport <fichier>', 'rapport ligne par ligne (par défaut : FICHIER.rapport.csv)')
    .option('--json', 'résumé en JSON (comptes, dont dejaSuivis)')
    .action((file: string, options: { organisation: string; rapport?: string; json?: boolean }) => withInstance(async (database) => {
      const reportPath = options.rapport ?? `${file}.rapport.csv`;
      const report = await recordedRun(database.db, { tache: 'import-signalements', declenchement: 'commande', parametres: { organisation: options.organisation } }, async () => {
        const r = await importSignalements(database.db, {
          path: file, destinataire: options.organisation, etablissement: null, reportPath, acteur: { compteId: null, organisation: options.organisation },
        });
        return {
          value: r, ok: true, message: `${r.lignes} ligne(s) lue(s) : ${r.ajoutes} ajoutée(s), déjà suivis : ${r.dejaSuivis}, ${r.rejetees} rejetée(s).`,
          resultat: { lignes: r.lignes, ajoutes: r.ajoutes, dejaSuivis: r.dejaSuivis, rejetees: r.rejetees },
        };
      });
      if (options.json) {
        const { rapport: _rows, ...counts } = report;
        out(JSON.stringify({ ...counts, durationMs: Math.round(report.durationMs) }, null, 2));
      } else {
        for (const row of report.rapport.filter((x) => x.resultat === 'rejete')) out(`  ligne ${row.ligne} : ${row.raison}`);
        out(`${report.lignes} ligne(s) lue(s) : ${report.ajoutes} personne(s) ajoutée(s) aux listes de travail, déjà suivis : ${report.dejaSuivis}, `
          + `${report.rejetees} ligne(s) rejetée(s)${report.opposes ? `, ${report.opposes} opposition(s) enregistrée(s)` : ''}. Rapport : ${reportPath}`);
      }
      return report.rejetees > 0 ? 3 : 0;
    }, [SignalementInputError]));
}
