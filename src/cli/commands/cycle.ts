/** `passerelle cycle`: the monthly cycle of a programme on the sender's side (targeting, minimisation, sealed packages). */
import type { Command } from 'commander';
import { CycleInputError, runCycle, type CycleReport } from '../../exchange/index.ts';
import { fail, out, withInstance } from '../instance.ts';

const nf = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

export function cycleSummary(r: CycleReport): string {
  const lines = [
    `Cycle ${r.programme} ${r.periode} : ${nf.format(r.lignesLues)} ligne(s) lue(s), ${nf.format(r.lignesRejetees)} rejetée(s), ` +
      `${nf.format(r.retenus)} personne(s) retenue(s), ${nf.format(r.transmis)} transmise(s) dans ${r.paquets.length} paquet(s).`,
  ];
  for (const p of r.paquets) lines.push(`  paquet ${p.nom} → ${p.destinataire} : ${nf.format(p.nombre)} enregistrement(s), convention ${p.convention}, champs ${p.champs.join(', ')}`);
  for (const x of r.refus) lines.push(`  REFUS ${x.expediteur} → ${x.destinataire} (${nf.format(x.personnes)} personne(s)) : ${x.raison}`);
  if (r.doublons) lines.push(`  ${nf.format(r.doublons)} doublon(s) transmis une seule fois`);
  if (r.nonContactables) lines.push(`  ${nf.format(r.nonContactables)} personne(s) à risque sans canal sûr : non transmise(s)`);
  if (r.sansDestinataire) lines.push(`  ${nf.format(r.sansDestinataire)} personne(s) sans organisme destinataire compétent`);
  if (r.valeursIgnorees) lines.push(`  ${nf.format(r.valeursIgnorees)} valeur(s) de contact mal formée(s) non transmise(s) (lignes conservées)`);
  lines.push(`Rapport des lignes : ${r.rapport}`);
  lines.push(`Durée ${(r.durationMs / 1000).toFixed(1)} s, ${nf.format(r.lignesParSeconde)} lignes/s, mémoire maximale ${nf.format(r.peakRssBytes / 1e6)} Mo.`);
  return lines.join('\n');
}

export function registerCycle(program: Command) {
  program.command('cycle')
    .description("Cycle mensuel d'un programme : lit l'extrait, cible, minimise et scelle un paquet par organisme destinataire")
    .requiredOption('--programme <id>', 'programme (ex. aidants)')
    .requiredOption('--month <AAAA-MM>', 'mois traité')
    .requiredOption('--source <chemin>', "fichier source principal, ou dossier écrit par « passerelle generate »")
    .requiredOption('--out <dossier>', 'dossier où écrire les paquets et le rapport des lignes')
    .option('--expediteur <code>', "organisme expéditeur (par défaut : la Caf de chaque dossier)")
    .action((options: { programme: string; month: string; source: string; out: string; expediteur?: string }) => withInstance(async (database) => {
      let report: CycleReport;
      try {
        report = await runCycle(database.db, {
          programme: options.programme, periode: options.month, source: options.source, outDir: options.out, expediteur: options.expediteur,
          onProgress: (p) => process.stderr.write(`Cycle ${options.programme} ${options.month} : ${Math.min(100, Math.round((100 * p.octetsLus) / Math.max(1, p.octetsTotal)))} % (${nf.format(p.lignes)} lignes lues)\n`),
        });
      } catch (error) {
        if (error instanceof CycleInputError) return fail(error.message, 2);
        throw error;
      }
      out(cycleSummary(report));
      return report.lignesRejetees > 0 || report.refus.length > 0 ? 3 : 0;
    }));
}
