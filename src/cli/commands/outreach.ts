/**
 * `passerelle outcomes import` (bulk outcomes from a CSV, with a row report) and
 * `passerelle contacts export` (a month's worklist with the pseudonym column, audited).
 */
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { exportWorklist, importOutcomes, reportCsv } from '../../outreach/index.ts';
import { recordedRun } from '../../jobs/index.ts';
import { organisationExists } from '../../territories/index.ts';
import { fail, out, withInstance } from '../instance.ts';


export function registerOutreach(program: Command) {
  program.command('outcomes').description("Résultats d'aller-vers")
    .command('import')
    .description("Importe des résultats « pseudonyme;date;evenement;detail » (séparateur ; ou , ; UTF-8 ou Windows-1252) ; chaque ligne rejetée est signalée avec son motif, les lignes valides sont enregistrées ; un résultat déjà enregistré (même personne, même date, même événement) ne l'est pas une seconde fois : le fichier peut être renvoyé")
    .argument('<fichier>', 'fichier CSV')
    .requiredOption('--organisation <code>', "organisme qui détient les listes de travail (ex. cpam-83)")
    .option('--programme <id>', 'programme (obligatoire si une personne figure dans plusieurs programmes)')
    .option('--rapport <fichier>', 'rapport ligne par ligne (par défaut : FICHIER.rapport.csv)')
    .action((file: string, options: { organisation: string; programme?: string; rapport?: string }) => withInstance(async (database) => {
      if (!(await organisationExists(database.db, options.organisation))) return fail(`Organisme inconnu : « ${options.organisation} ».`, 2);
      let bytes: Uint8Array;
      try { bytes = await readFile(file); } catch { return fail(`Fichier illisible : ${file}`, 2); }
      const result = await recordedRun<Awaited<ReturnType<typeof importOutcomes>>>(database.db, { tache: 'import-resultats', declenchement: 'commande', parametres: { organisation: options.organisation, ...(options.programme ? { programme: options.programme } : {}) } }, async () => {
        const imported = await importOutcomes(database.db, { organisation: options.organisation, programme: options.programme ?? null, bytes });
        if (!imported.ok) return { value: imported, ok: false, message: imported.erreur.slice(0, 500), resultat: {} };
        const { rapport: _rows, ...counts } = imported.report;
        return { value: imported, ok: true, message: `${counts.enregistrees} résultat(s) enregistré(s), ${counts.dejaEnregistrees} déjà enregistré(s), ${counts.rejetees} rejetée(s).`, resultat: counts };
      });
      if (!result.ok) return fail(result.erreur, 2);
      const r = result.report;
      const reportPath = options.rapport ?? `${file.replace(/\.csv$/i, '')}.rapport.csv`;
      await writeFile(reportPath, reportCsv(r));
      for (const row of r.rapport.filter((x) => x.resultat === 'rejetee')) out(`  ligne ${row.ligne} : ${row.motif}`);
      out(`${r.enregistrees} résultat(s) enregistré(s), ${r.rejetees} ligne(s) rejetée(s) sur ${r.lignes}, ${r.dejaEnregistrees} déjà enregistré(s) auparavant (rien de nouveau). Rapport : ${reportPath}`);
      return r.rejetees > 0 ? 3 : 0;
    }));

  program.command('contacts').description("Listes de travail d'aller-vers")
    .command('export')
    .description('Exporte la liste de travail du mois (colonne pseudonyme et champs autorisés par le programme) ; l’export est tracé dans le journal d’audit')
    .requiredOption('--organisation <code>', 'organisme qui détient la liste')
    .requiredOption('--programme <id>', 'programme')
    .requiredOption('--mois <AAAA-MM>', 'mois de la cohorte')
    .requiredOption('--sortie <fichier>', 'fichier CSV à écrire')
    .action((options: { organisation: string; programme: string; mois: string; sortie: string }) => withInstance(async (database) => {
      if (!(await organisationExists(database.db, options.organisation))) return fail(`Organisme inconnu : « ${options.organisation} ».`, 2);
      const stream = createWriteStream(options.sortie, { mode: 0o600 });
      const result = await exportWorklist(database.db, {
        organisation: options.organisation, programme: options.programme, mois: options.mois,
        write: (chunk) => new Promise<void>((resolve, reject) => stream.write(chunk, (e) => (e ? reject(e) : resolve()))),
      });
      await new Promise<void>((resolve) => stream.end(resolve));
      if (!result.ok) return fail(result.erreur, 2);
      out(`${result.lignes} personne(s) exportée(s) dans ${options.sortie} (colonnes : ${result.colonnes.join(', ')}).`);
      return 0;
    }));
}
