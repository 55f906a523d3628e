/**
 * `passerelle cycle`: the monthly cycle of an exchange programme on the sender's side (targeting,
 * minimisation, sealed packages) or of an in-house programme (the holder's own worklist).
 */
import { resolve, sep } from 'node:path';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/index.ts';
import { CycleInputError, cycleCounts, runCycle, type CycleReport } from '../../exchange/index.ts';
import { recordedRun } from '../../jobs/index.ts';
import { findOrganisation } from '../../territories/index.ts';
import { out, withInstance } from '../instance.ts';

const nf = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

export function cycleSummary(r: CycleReport): string {
  const inHouse = r.paquets.length === 0 && r.refus.length === 0 && r.listes.length > 0;
  const lines = [
    `Cycle ${r.programme} ${r.periode} : ${nf.format(r.lignesLues)} ligne(s) lue(s), ${nf.format(r.lignesRejetees)} rejetée(s), ` +
      `${nf.format(r.retenus)} personne(s) retenue(s), ` +
      (inHouse ? `${nf.format(r.ajoutes)} ajoutée(s) à la liste de travail, déjà suivis : ${nf.format(r.dejaSuivis)}.` : `${nf.format(r.transmis)} transmise(s) dans ${r.paquets.length} paquet(s).`),
  ];
  for (const l of r.listes) {
    lines.push(`  liste de ${l.organisation} : ${nf.format(l.ajoutes)} ajoutée(s), déjà suivis : ${nf.format(l.dejaSuivis)}` +
      (l.misAJour ? ` (coordonnées mises à jour : ${nf.format(l.misAJour)})` : '') + (l.opposes ? `, ${nf.format(l.opposes)} opposée(s) à tout contact` : ''));
  }
  if (r.listes.length > 0) lines.push('  Aucune donnée personnelle ne quitte l’organisme : la liste est la sienne, sous son propre pseudonyme.');
  for (const p of r.paquets) lines.push(`  paquet ${p.nom} → ${p.destinataire} : ${nf.format(p.nombre)} enregistrement(s), convention ${p.convention}, champs ${p.champs.join(', ')}${p.reutilise ? ' (déjà scellé par une exécution précédente : réutilisé)' : ''}`);
  for (const x of r.refus) lines.push(`  REFUS ${x.expediteur} → ${x.destinataire} (${nf.format(x.personnes)} personne(s)) : ${x.raison}`);
  if (r.doublons) lines.push(`  ${nf.format(r.doublons)} doublon(s) transmis une seule fois`);
  if (r.nonContactables) lines.push(`  ${nf.format(r.nonContactables)} personne(s) à risque sans canal sûr : non transmise(s)`);
  if (r.sansDestinataire) lines.push(`  ${nf.format(r.sansDestinataire)} personne(s) sans organisme compétent`);
  if (r.horsPerimetre) lines.push(`  ${nf.format(r.horsPerimetre)} ligne(s) d'un autre organisme : laissée(s) de côté`);
  if (r.sansCorrespondance) lines.push(`  ${nf.format(r.sansCorrespondance)} ligne(s) sans correspondance dans le fichier joint : ignorée(s)`);
  if (r.valeursIgnorees) lines.push(`  ${nf.format(r.valeursIgnorees)} valeur(s) de contact mal formée(s) non transmise(s) (lignes conservées)`);
  lines.push(`Rapport des lignes : ${r.rapport}`);
  lines.push(`Durée ${(r.durationMs / 1000).toFixed(1)} s, ${nf.format(r.lignesParSeconde)} lignes/s, mémoire maximale ${nf.format(r.peakRssBytes / 1e6)} Mo.`);
  return lines.join('\n');
}

export function registerCycle(program: Command) {
  program.command('cycle')
    .description("Cycle mensuel d'un programme : lit l'extrait et cible ; un programme d'échange minimise et scelle un paquet par organisme destinataire, un programme interne remplit la liste de travail de l'organisme")
    .requiredOption('--programme <id>', 'programme (ex. aidants)')
    .requiredOption('--mois <AAAA-MM>', 'mois traité')
    .requiredOption('--source <chemin>', "fichier source principal, ou dossier écrit par « passerelle generate »")
    .requiredOption('--sortie <dossier>', 'dossier où écrire les paquets et le rapport des lignes')
    .option('--expediteur <code>', "organisme qui détient l'extrait (par défaut : celui du dossier de dépôt <organisme>/<programme>/<AAAA-MM>/, sinon celui de chaque ligne : la Caf du dossier ou l'organisme compétent pour la commune)")
    .option('--remplacer', "scelle de nouveaux paquets même si une exécution précédente en a scellé pour ce mois : chacun déclare, dans son manifeste signé, le paquet qu'il remplace (par défaut une nouvelle exécution réutilise les paquets déjà scellés)")
    .option('--json', 'sortie JSON : les comptes du cycle (lignesLues, retenus, transmis, ajoutes, dejaSuivis…), les paquets, les refus et les listes')
    .action((options: { programme: string; mois: string; source: string; sortie: string; expediteur?: string; json?: boolean; remplacer?: boolean }) => withInstance(async (database) => {
      const expediteur = options.expediteur ?? await holderFromDropFolder(database.db, options.source, options.programme, options.mois);
      const report: CycleReport = await recordedRun(database.db, { tache: 'cycle', declenchement: 'commande', parametres: { programme: options.programme, periode: options.mois, ...(expediteur ? { expediteur } : {}) } }, async () => {
        const r = await runCycle(database.db, {
          programme: options.programme, periode: options.mois, source: options.source, outDir: options.sortie, expediteur, remplacer: options.remplacer === true,
          onProgress: (p) => process.stderr.write(`Cycle ${options.programme} ${options.mois} : ${Math.min(100, Math.round((100 * p.octetsLus) / Math.max(1, p.octetsTotal)))} % (${nf.format(p.lignes)} lignes lues)\n`),
        });
        return { value: r, ok: r.refus.length === 0, message: cycleSummary(r).split('\n')[0]!.slice(0, 500), resultat: { ...cycleCounts(r), paquets: r.paquets.length, refus: r.refus.length } };
      });
      if (options.json) {
        out(JSON.stringify({
          ...cycleCounts(report), programme: report.programme, periode: report.periode, rapport: report.rapport, durationMs: Math.round(report.durationMs),
          paquets: report.paquets.map(({ manifeste: _m, ...p }) => p), refus: report.refus, listes: report.listes.map(({ lignes: _l, contactIds: _c, ...l }) => l),
        }));
      } else out(cycleSummary(report));
      return report.lignesRejetees > 0 || report.refus.length > 0 ? 3 : 0;
    }, [CycleInputError]));
}

/** The holder named by a drop folder `<depot>/<organisme>/<programme>/<AAAA-MM>/` (the source or its folder), when it is a known organisation. */
async function holderFromDropFolder(db: Kysely<DB>, source: string, programme: string, month: string): Promise<string | undefined> {
  const parts = resolve(source).split(sep);
  const at = parts.lastIndexOf(month);
  if (at < 2 || parts[at - 1] !== programme) return undefined;
  const candidate = parts[at - 2]!;
  return (await findOrganisation(db, candidate))?.code;
}
