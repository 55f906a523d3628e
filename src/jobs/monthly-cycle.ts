/**
 * The monthly cycle as a job: for every organisation hosted here that sends an exchange programme
 * under a convention in force, pick up its extract of the month in the drop folder, run the cycle,
 * and deliver each package: imported directly when the recipient is hosted on this instance too
 * (the demo case), posted to the recipient's inbox otherwise (src/exchange/transport.ts). For an
 * in-house programme, every hosted organisation that dropped an extract of the month gets its own
 * list filled (nobody twice: a rerun adds only newcomers).
 *
 * Drop folder: <depotDir>/<sender>/<programme>/<AAAA-MM>/ holding the files `passerelle generate`
 * writes (for `aidants`: caf_allocataires.csv and caf_ajpa_ajpp.csv, or their .xlsx), or a single
 * CSV/XLSX file (the main extract, whatever its name). Packages and the row report go to
 * <outboxDir>/<sender>/<programme>/<AAAA-MM>/.
 *
 * Rerunning is safe (after a crash too): the cycle runs again on the extract still in the drop
 * folder, reuses the packages an earlier run sealed and seals only the missing ones (runCycle);
 * only packages not yet acknowledged are delivered (import is idempotent on the recipient's side,
 * a replay answers with the first acknowledgement).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { conventionStatus } from '../conventions/index.ts';
import type { DB } from '../db/index.ts';
import {
  CycleInputError, ImportRefused, TransportError, cycleReference, exchangeRepository, importPackage, recordAcknowledgement, runCycle, sendPackage,
  type CycleReference,
} from '../exchange/index.ts';
import { EXTRACT_FORMATS, type ExtractKind } from '../extracts/index.ts';
import { findProgramme, loadProgrammes, type Programme } from '../programmes/index.ts';
import { durableEffect } from '../shared/crash-points.ts';

export interface MonthlyCycleOptions {
  /** AAAA-MM: the month of the extracts. */
  periode: string;
  depotDir: string;
  outboxDir: string;
  /** Default: every programme with a convention in force whose sender is hosted here. */
  programme?: string;
  /** Only these senders (default: all hosted senders). */
  expediteurs?: string[];
  now?: Date;
  sendTimeoutMs?: number;
  /** Reference data shared with other runs (the demo's three months); by default loaded once for this call's senders. */
  reference?: CycleReference;
}

export type SenderOutcome =
  | 'traite' | 'deja_traite' | 'extrait_absent' | 'extrait_refuse';

export interface SenderReport {
  expediteur: string;
  programme: string;
  statut: SenderOutcome;
  /** French, no personal data. */
  message: string;
  lignesLues?: number;
  lignesRejetees?: number;
  retenus?: number;
  transmis?: number;
  /** In-house: newcomers on the holder's list, people already followed. */
  ajoutes?: number;
  dejaSuivis?: number;
  paquets?: number;
  refus?: number;
  rapport?: string;
}

export interface DeliveryReport {
  paquet: string;
  expediteur: string;
  destinataire: string;
  mode: 'local' | 'http';
  statut: 'acquitte' | 'refuse' | 'echec';
  importes?: number;
  message?: string;
}

export interface MonthlyCycleReport {
  periode: string;
  expediteurs: SenderReport[];
  livraisons: DeliveryReport[];
  /** One French line per problem: the job fails when there is any. */
  problemes: string[];
}

async function exists(path: string): Promise<'file' | 'dir' | null> {
  try { return (await stat(path)).isDirectory() ? 'dir' : 'file'; } catch { return null; }
}

/** The source to give runCycle: the folder when it holds the main file, else its single CSV/XLSX file; null when none. */
async function findSource(dir: string, mainKind: ExtractKind): Promise<{ source: string } | { missing: string }> {
  const main = EXTRACT_FORMATS[mainKind].fileName;
  if ((await exists(dir)) !== 'dir') return { missing: `dossier ${dir} absent` };
  if ((await exists(join(dir, main))) === 'file' || (await exists(join(dir, main.replace(/\.csv$/, '.xlsx')))) === 'file') return { source: dir };
  const files = (await readdir(dir)).filter((f) => /\.(csv|xlsx)$/i.test(f) && !f.startsWith('rapport_'));
  if (files.length === 1) return { source: join(dir, files[0]!) };
  return { missing: files.length === 0 ? `aucun fichier ${main} (ni .xlsx) dans ${dir}` : `${files.length} fichiers dans ${dir} mais pas de ${main} : impossible de choisir` };
}

/** The (sender, programme) pairs to run: a convention in force on `now`, and the sender hosted on this instance. */
export async function cycleSenders(db: Kysely<DB>, now: Date, filter: { programme?: string; expediteurs?: string[] } = {}): Promise<Array<{ expediteur: string; programme: string }>> {
  const pairs = new Map<string, { expediteur: string; programme: string }>();
  const hosted = new Map<string, boolean>();
  for (const stored of await exchangeRepository.conventions(db)) {
    const c = stored.convention;
    const status = conventionStatus(c, now);
    if (!status.enVigueur) continue;
    const sender = c.parties.expediteur;
    if (filter.expediteurs && !filter.expediteurs.includes(sender)) continue;
    if (!hosted.has(sender)) hosted.set(sender, await exchangeRepository.hostsOrganisation(db, sender));
    if (!hosted.get(sender)) continue;
    for (const programme of status.programmes) {
      if (filter.programme && programme !== filter.programme) continue;
      pairs.set(`${sender}|${programme}`, { expediteur: sender, programme });
    }
  }
  return [...pairs.values()].sort((a, b) => a.expediteur.localeCompare(b.expediteur) || a.programme.localeCompare(b.programme));
}

/** The (holder, in-house programme) pairs to run: a hosted organisation that dropped an extract for the month. */
export async function inHouseHolders(db: Kysely<DB>, depotDir: string, periode: string, programmes: readonly Programme[],
  filter: { programme?: string; expediteurs?: string[] } = {}): Promise<Array<{ expediteur: string; programme: string }>> {
  const pairs: Array<{ expediteur: string; programme: string }> = [];
  const holders = await readdir(depotDir).catch(() => [] as string[]);
  for (const programme of programmes.filter((p) => p.forme === 'interne' && (!filter.programme || p.id === filter.programme))) {
    for (const holder of holders.sort()) {
      if (filter.expediteurs && !filter.expediteurs.includes(holder)) continue;
      if ((await exists(join(depotDir, holder, programme.id, periode))) !== 'dir') continue;
      if (await exchangeRepository.hostsOrganisation(db, holder)) pairs.push({ expediteur: holder, programme: programme.id });
    }
  }
  return pairs;
}

export async function runMonthlyCycle(db: Kysely<DB>, options: MonthlyCycleOptions): Promise<MonthlyCycleReport> {
  const now = options.now ?? new Date();
  const programmes = loadProgrammes();
  const reference = options.reference ?? cycleReference(db);
  const report: MonthlyCycleReport = { periode: options.periode, expediteurs: [], livraisons: [], problemes: [] };
  const pairs = [
    ...await cycleSenders(db, now, { programme: options.programme, expediteurs: options.expediteurs }),
    ...await inHouseHolders(db, options.depotDir, options.periode, programmes, { programme: options.programme, expediteurs: options.expediteurs }),
  ];
  if (pairs.length === 0) {
    report.problemes.push(`Aucune convention en vigueur le ${now.toISOString().slice(0, 10)} dont l'expéditeur est hébergé sur cette instance, ni d'extrait déposé pour un programme interne${options.programme ? ` pour le programme « ${options.programme} »` : ''} : rien à faire.`);
    return report;
  }
  for (const { expediteur, programme: programmeId } of pairs) {
    const programme = findProgramme(programmes, programmeId);
    if (!programme || programme.forme === 'signalement') continue;
    const inHouse = programme.forme === 'interne';
    const depot = join(options.depotDir, expediteur, programmeId, options.periode);
    const outDir = join(options.outboxDir, expediteur, programmeId, options.periode);
    const sealed = await exchangeRepository.cyclePackages(db, { expediteur, programme: programmeId, periode: options.periode });
    const found = await findSource(depot, programme.source.fichier as ExtractKind);
    // Done already (its run ended) or nothing left to read: deliver what is pending. A run killed half-way runs again.
    const completed = !inHouse && sealed.length > 0 && ('missing' in found || await exchangeRepository.cycleCompleted(db, { expediteur, programme: programmeId, periode: options.periode }));
    if (completed) {
      report.expediteurs.push({
        expediteur, programme: programmeId, statut: 'deja_traite', paquets: sealed.length,
        message: `${expediteur} · ${programmeId} · ${options.periode} : cycle déjà fait (${sealed.length} paquet(s) scellé(s)), seuls les paquets non acquittés sont livrés.`,
      });
    } else {
      if ('missing' in found) {
        const message = `Extrait introuvable pour ${expediteur}, programme « ${programmeId} », mois ${options.periode} : ${found.missing}. `
          + `Déposez-y les fichiers écrits par « passerelle generate » (${EXTRACT_FORMATS[programme.source.fichier as ExtractKind].fileName}…) ou un seul fichier CSV/XLSX, puis relancez « npx passerelle jobs run cycle-mensuel --mois ${options.periode} ».`;
        report.expediteurs.push({ expediteur, programme: programmeId, statut: 'extrait_absent', message });
        report.problemes.push(message);
        continue;
      }
      try {
        const r = await runCycle(db, { programme: programmeId, periode: options.periode, source: found.source, outDir, expediteur, now, programmes, reference });
        const outcome = inHouse
          ? `${r.ajoutes} personne(s) ajoutée(s) à sa liste de travail, ${r.dejaSuivis} déjà suivie(s)`
          : `${r.transmis} personne(s) transmise(s) dans ${r.paquets.length} paquet(s)${r.refus.length ? `, ${r.refus.length} destinataire(s) refusé(s)` : ''}`;
        report.expediteurs.push({
          expediteur, programme: programmeId, statut: 'traite',
          message: `${expediteur} · ${programmeId} · ${options.periode} : ${r.lignesLues} ligne(s) lue(s), ${r.lignesRejetees} rejetée(s), ${outcome}.`,
          lignesLues: r.lignesLues, lignesRejetees: r.lignesRejetees, retenus: r.retenus, transmis: r.transmis, paquets: r.paquets.length, refus: r.refus.length, rapport: r.rapport,
          ...(inHouse ? { ajoutes: r.ajoutes, dejaSuivis: r.dejaSuivis } : {}),
        });
        for (const x of r.refus) report.problemes.push(`${expediteur} → ${x.destinataire} (${x.personnes} personne(s)) : ${x.raison}`);
      } catch (error) {
        if (!(error instanceof CycleInputError)) throw error;
        const message = `Extrait de ${expediteur} (« ${programmeId} », ${options.periode}) refusé : ${error.message}`;
        report.expediteurs.push({ expediteur, programme: programmeId, statut: 'extrait_refuse', message });
        report.problemes.push(message);
        continue;
      }
    }
    if (!inHouse) await deliver(db, report, { expediteur, programme: programmeId, periode: options.periode, outDir, now, sendTimeoutMs: options.sendTimeoutMs });
  }
  return report;
}

/** Delivers the sender's packages of the month that are not acknowledged yet. */
async function deliver(db: Kysely<DB>, report: MonthlyCycleReport,
  o: { expediteur: string; programme: string; periode: string; outDir: string; now: Date; sendTimeoutMs?: number }): Promise<void> {
  const pending = await exchangeRepository.cyclePackages(db, { expediteur: o.expediteur, programme: o.programme, periode: o.periode }, true);
  for (const p of pending) {
    const manifest = join(o.outDir, `${p.nom}.manifest.json`);
    const base = { paquet: p.id, expediteur: o.expediteur, destinataire: p.destinataire };
    if (await exchangeRepository.hostsOrganisation(db, p.destinataire)) {
      // Same instance: import for the recipient, then record its signed acknowledgement on the sender's side.
      await exchangeRepository.markSent(db, p.id, o.expediteur, o.now);
      durableEffect('cycle.envoi');
      try {
        const imported = await importPackage(db, manifest, { organisation: p.destinataire, now: o.now });
        durableEffect('cycle.import');
        const ack = await recordAcknowledgement(db, imported.document);
        durableEffect('cycle.accuse');
        report.livraisons.push({ ...base, mode: 'local', statut: ack.statut === 'importe' ? 'acquitte' : 'refuse', importes: imported.importes });
      } catch (error) {
        if (!(error instanceof ImportRefused)) throw error;
        if (error.accuse) {
          const ack = await recordAcknowledgement(db, error.accuse);
          if (ack.statut === 'importe') { report.livraisons.push({ ...base, mode: 'local', statut: 'acquitte', importes: ack.importes }); continue; }
        }
        report.livraisons.push({ ...base, mode: 'local', statut: 'refuse', message: error.message });
        report.problemes.push(`Paquet ${p.nom} refusé par ${p.destinataire} : ${error.message}`);
      }
    } else {
      try {
        const sent = await sendPackage(db, manifest, { now: o.now, timeoutMs: o.sendTimeoutMs });
        report.livraisons.push({ ...base, mode: 'http', statut: sent.statut, importes: sent.accuse.importes });
        if (sent.statut === 'refuse') report.problemes.push(`Paquet ${p.nom} refusé par ${p.destinataire} (motif ${sent.accuse.motif ?? 'non précisé'}).`);
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        report.livraisons.push({ ...base, mode: 'http', statut: 'echec', message: error.message });
        report.problemes.push(`Paquet ${p.nom} non livré à ${p.destinataire} : ${error.message}`);
      }
    }
  }
}
