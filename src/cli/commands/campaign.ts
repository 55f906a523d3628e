/** `passerelle campagne separation`: the Caf's monthly separation contact plan (own worklist, joint offer by e-mail or letter). */
import type { Command } from 'commander';
import { CAMPAIGN_CHANNELS, CampaignInputError, MAIL_QUEUE, mailSettings, runSeparationCampaign, type CampaignChannel, type CampaignReport } from '../../channels/index.ts';
import { readConfig } from '../../config.ts';
import { recordedRun, startJobQueue } from '../../jobs/index.ts';
import { fail, out, withInstance } from '../instance.ts';
import { progressBar } from '../progress.ts';


const nf = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

export function campaignSummary(r: CampaignReport, queued: string): string {
  const lines = [
    `Plan de contacts « séparation » ${r.organisation} ${r.periode} (canal ${r.canal}) : ${nf.format(r.lignesLues)} séparation(s) lue(s), ` +
      `${nf.format(r.lignesRejetees)} ligne(s) rejetée(s).`,
    `  ${nf.format(r.retenus)} personne(s) retenue(s) (séparation avec enfant à charge), ${nf.format(r.ajoutes)} ajoutée(s) à la liste de travail de ${r.organisation}` +
      (r.dejaSuivis ? `, ${nf.format(r.dejaSuivis)} déjà suivie(s) (non ajoutée(s) une seconde fois)` : '') + '.',
    `  Offre conjointe Caf–Assurance Maladie : ${nf.format(r.courrielsPrepares)} courriel(s) ${queued}, ${nf.format(r.courriers)} courrier(s) dans le publipostage.`,
  ];
  if (r.publipostage) lines.push(`  Publipostage (PDF à imprimer) : ${r.publipostage}`);
  if (r.nonCibles) lines.push(`  ${nf.format(r.nonCibles)} séparation(s) sans enfant à charge ou hors du mois : non ciblée(s)`);
  if (r.nonContactables) lines.push(`  ${nf.format(r.nonContactables)} personne(s) à risque de violences sans canal sûr : jamais contactée(s), non inscrite(s)`);
  if (r.opposes) lines.push(`  ${nf.format(r.opposes)} personne(s) opposée(s) à tout nouveau contact : rien envoyé`);
  if (r.sansCanal) lines.push(`  ${nf.format(r.sansCanal)} personne(s) sans canal possible : inscrite(s), offre non envoyée (voir le rapport)`);
  if (r.horsPerimetre || r.sansCorrespondance) lines.push(`  ${nf.format(r.horsPerimetre)} séparation(s) d'une autre Caf, ${nf.format(r.sansCorrespondance)} sans dossier allocataire : ignorée(s)`);
  if (r.doublons) lines.push(`  ${nf.format(r.doublons)} doublon(s) inscrit(s) une seule fois`);
  if (r.valeursIgnorees) lines.push(`  ${nf.format(r.valeursIgnorees)} adresse(s) électronique(s) ou téléphone(s) mal formé(s) ignoré(s) (lignes conservées)`);
  lines.push('  Aucune donnée personnelle ne quitte la Caf : la liste de travail est celle de la Caf, sous pseudonyme propre à la Caf.');
  lines.push(`Rapport des lignes : ${r.rapport}`);
  lines.push(`Durée ${(r.durationMs / 1000).toFixed(1)} s.`);
  return lines.join('\n');
}

export function registerCampaign(program: Command) {
  const campagne = program.command('campagne').description("Campagnes d'aller-vers menées par un organisme sur ses propres données");
  campagne.command('separation')
    .description("Plan de contacts « séparation » de la Caf : cible les séparations avec enfant du mois et envoie l'offre conjointe Caf–Assurance Maladie")
    .requiredOption('--organisation <code>', 'la Caf qui mène la campagne (ex. caf-83)')
    .requiredOption('--mois <AAAA-MM>', 'mois des déclarations de séparation')
    .requiredOption('--source <dossier>', 'dossier écrit par « passerelle generate » (caf_separations.csv et caf_allocataires.csv)')
    .option('--canal <canal>', 'courriel, courrier, ou auto (courriel si possible, sinon courrier)', 'auto')
    .option('--sortie <dossier>', 'dossier du rapport des lignes et du publipostage PDF', '.')
    .action((options: { organisation: string; mois: string; source: string; canal: string; sortie: string }) => withInstance(async (database) => {
      if (!(CAMPAIGN_CHANNELS as readonly string[]).includes(options.canal)) return fail(`Canal invalide : « ${options.canal} » ; courriel, courrier ou auto.`, 2);
      const config = readConfig();
      const settings = mailSettings(config);
      // On a demo instance the server's own SMTP catcher sends the mail: queue them even without PASSERELLE_SMTP_URL.
      if (!settings.smtpUrl && config.demo) settings.smtpUrl = 'smtp://demo';
      const bar = process.stderr.isTTY === true ? progressBar('Séparations {bar} {percentage} % | {value}/{total} octets') : null;
      let report: CampaignReport;
      try {
        report = await recordedRun(database.db, { tache: 'campagne-separation', declenchement: 'commande', parametres: { organisation: options.organisation, periode: options.mois, canal: options.canal } }, async () => {
          const r = await runSeparationCampaign(database.db, {
            organisation: options.organisation, periode: options.mois, source: options.source, canal: options.canal as CampaignChannel,
            outDir: options.sortie, mail: settings,
            onProgress: (p) => {
              if (bar) bar.update(p.octetsLus, p.octetsTotal);
              else process.stderr.write(`Campagne séparation ${options.mois} : ${Math.min(100, Math.round((100 * p.octetsLus) / Math.max(1, p.octetsTotal)))} % (${nf.format(p.lignes)} ligne(s) lue(s))\n`);
            },
          });
          return {
            value: r, ok: true, message: `Campagne séparation ${r.periode} : ${r.ajoutes} ajoutée(s) à la liste, ${r.courrielsPrepares} courriel(s), ${r.courriers} courrier(s), ${r.sansCanal} sans canal.`,
            resultat: { ajoutes: r.ajoutes, dejaSuivis: r.dejaSuivis, courriels: r.courrielsPrepares, courriers: r.courriers, sansCanal: r.sansCanal },
          };
        });
      } finally {
        bar?.stop();
      }
      let queued = 'en attente (ils partent au prochain démarrage du serveur)';
      if (report.courrielIds.length > 0) {
        try {
          const queue = await startJobQueue(database, { schedules: false, log: () => {} });
          try {
            for (const id of report.courrielIds) {
              await queue.send(MAIL_QUEUE, { id }, { retryLimit: Math.max(0, settings.maxAttempts - 1), retryDelay: settings.retryDelaySeconds, retryBackoff: true, singletonKey: id });
            }
            queued = "mis en file d'envoi";
          } finally {
            await queue.stop();
          }
        } catch {
          // The outbox keeps them: the server's worker queues every waiting message when it starts.
        }
      }
      out(campaignSummary(report, queued));
      return report.lignesRejetees > 0 ? 3 : 0;
    }, [CampaignInputError]));
}
