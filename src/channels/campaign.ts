/**
 * The separation contact plan, on the Caf's side (LR 2023-175): the in-house run of the
 * `separation` programme (runCycle: the month's separations with a dependent child go onto the
 * Caf's OWN worklist, under the Caf's own pseudonym key, nobody twice), then the joint offer of
 * both branches sent by e-mail or by letter. No personal data leaves the Caf.
 *
 * A rerun of the same month adds nobody twice and writes again only to the people of the month's
 * list who never received the offer (an interrupted run: e-mails not yet queued are queued).
 */
import { access, appendFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { CycleInputError, runCycle, type CycleCounts } from '../exchange/index.ts';
import { csvCell } from '../shared/csv.ts';
import { durableEffect } from '../shared/crash-points.ts';
import { outreachProgrammes } from '../outreach/index.ts';
import { findProgramme, isIsoMonth, type Programme } from '../programmes/index.ts';
import { findOrganisation } from '../territories/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { emailAddressOf, prepareOfferEmail, ChannelRefusal, type MailSettings } from './mail.ts';
import { produceMailing, selectMailing, letterRefusal } from './letters.ts';
import { contactsWithoutOffer } from './repository.ts';

export type CampaignChannel = 'courriel' | 'courrier' | 'auto';
export const CAMPAIGN_CHANNELS: readonly CampaignChannel[] = ['courriel', 'courrier', 'auto'];

/** Input refused as a whole (unknown organisation, bad month, missing file): exit code 2. */
export class CampaignInputError extends Error {}

export interface CampaignOptions {
  organisation: string;
  /** YYYY-MM */
  periode: string;
  /** The folder written by `passerelle generate` (caf_separations.csv and caf_allocataires.csv), or explicit paths. */
  source: string | { separations: string; allocataires: string };
  canal: CampaignChannel;
  /** Where the row report and the mailing PDF are written. */
  outDir: string;
  mail: MailSettings;
  compteId?: string | null;
  /** 'pdf' (default, CLI): write the merged mailing PDF now and record the letters as sent; 'later' (web): leave them for the mailing page. */
  letters?: 'pdf' | 'later';
  now?: Date;
  onProgress?: (p: { octetsLus: number; octetsTotal: number; lignes: number }) => void;
}

export interface CampaignReport extends CycleCounts {
  organisation: string;
  programme: 'separation';
  periode: string;
  canal: CampaignChannel;
  /** People who objected to further contact for this programme (an earlier month): on the list, not written to. */
  opposes: number;
  courrielsPrepares: number;
  courriers: number;
  /** People to write to by letter, left for the mailing page (letters: 'later'). */
  courriersAFaire: number;
  sansCanal: number;
  /** The month's newcomers on the list. */
  contactIds: string[];
  courrielIds: string[];
  rapport: string;
  publipostage: string | null;
  durationMs: number;
}

function separationProgramme(): Programme {
  const p = findProgramme(outreachProgrammes(), 'separation');
  if (!p) throw new CampaignInputError('Le programme « separation » n’est pas défini sur cette instance (data/programmes/separation.json).');
  return p;
}

export async function runSeparationCampaign(db: Kysely<DB>, options: CampaignOptions): Promise<CampaignReport> {
  const started = performance.now();
  const now = options.now ?? new Date();
  if (!isIsoMonth(options.periode)) throw new CampaignInputError(`Mois invalide : « ${options.periode} » ; AAAA-MM attendu (ex. 2026-11).`);
  if (!CAMPAIGN_CHANNELS.includes(options.canal)) throw new CampaignInputError(`Canal invalide : « ${options.canal} » ; courriel, courrier ou auto.`);
  const org = await findOrganisation(db, options.organisation);
  if (!org) throw new CampaignInputError(`Organisme inconnu : « ${options.organisation} ».`);
  if (org.type !== 'caf' || !org.departement_code) {
    throw new CampaignInputError(`Le plan de contacts « séparation » est mené par la Caf qui détient la déclaration : ${org.nom} (${org.code}) n'est pas une Caf.`);
  }
  const programme = separationProgramme();
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  // a mailing PDF half-written by a run that was killed: never posted, the letters it held were not recorded
  for (const f of await readdir(outDir)) if (/^publipostage-.*\.pdf\.part$/.test(f)) await rm(join(outDir, f), { force: true });

  // 1. The in-house run: the month's list at the Caf (row report, nobody twice).
  let cycle;
  try {
    cycle = await runCycle(db, {
      programme: programme.id, periode: options.periode, expediteur: org.code, outDir, now, onProgress: options.onProgress, programmes: [programme],
      ...(typeof options.source === 'string'
        ? { source: resolve(options.source) }
        : { source: resolve(options.source.separations), fichiers: { caf_allocataires: resolve(options.source.allocataires) } }),
    });
  } catch (error) {
    if (error instanceof CycleInputError) throw new CampaignInputError(error.message);
    throw error;
  }
  const { paquets: _p, refus: _r, listes, rapport, durationMs: _d, lignesParSeconde: _l, peakRssBytes: _m, programme: _id, periode: _pe, ...counts } = cycle;
  const list = listes.find((l) => l.organisation === org.code);
  const report: CampaignReport = {
    ...counts, organisation: org.code, programme: 'separation', periode: options.periode, canal: options.canal,
    opposes: list?.opposes ?? 0, courrielsPrepares: 0, courriers: 0, courriersAFaire: 0, sansCanal: 0,
    contactIds: list?.contactIds ?? [], courrielIds: [], rapport, publipostage: null, durationMs: 0,
  };
  const writeReport = (contactId: string, raison: string) => appendFile(rapport, `${list?.lignes[contactId] ?? ''};${csvCell(raison)}\r\n`);

  // 2. The joint offer, by e-mail or letter, to everyone of the month's list who never received it
  //    (newcomers, and people of an interrupted earlier run); never to an opposed person.
  const toWrite = await contactsWithoutOffer(db, org.code, programme.id, options.periode);
  const byLetter: string[] = [];
  const actor = { compteId: options.compteId ?? null, organisation: org.code, organisations: [org.code] };
  for (const c of toWrite) {
    const email = emailAddressOf(programme, c.champs);
    const letter = letterRefusal(programme, c.champs);
    const wantsEmail = options.canal !== 'courrier' && email.ok && options.mail.smtpUrl !== null;
    if (wantsEmail) {
      try {
        const prepared = await prepareOfferEmail(db, options.mail, { contactId: c.id, actor });
        durableEffect('campagne.courriel');
        report.courrielsPrepares++;
        report.courrielIds.push(prepared.id);
        continue;
      } catch (e) {
        if (!(e instanceof ChannelRefusal)) throw e;
        if (options.canal === 'courriel') { report.sansCanal++; await writeReport(c.id, e.message); continue; }
      }
    }
    if (options.canal !== 'courriel' && letter === null) { byLetter.push(c.id); continue; }
    report.sansCanal++;
    const reasons = [
      ...(options.canal !== 'courrier' ? [`pas de courriel (${email.ok ? 'envoi de courriels non configuré' : email.reason})`] : []),
      ...(options.canal !== 'courriel' ? [`pas de courrier (${letter})`] : []),
    ];
    await writeReport(c.id, `personne inscrite sur la liste mais offre non envoyée : ${reasons.join(' ; ')}`);
  }
  if (byLetter.length > 0 && options.letters === 'later') report.courriersAFaire = byLetter.length;
  else if (byLetter.length > 0) {
    const selection = await selectMailing(db, { publicUrl: options.mail.publicUrl, today: now.toISOString().slice(0, 10) }, {
      organisation: org.code, programme: programme.id, periode: options.periode, contactIds: byLetter,
    });
    // The PDF is written (atomically) before the letters are recorded as sent: see produceMailing.
    const mailing = await produceMailing(db, selection, actor, {
      deliver: async (pdf, fileName) => {
        // never over an earlier run's mailing (it may not be printed yet): publipostage-….pdf, then -2.pdf…
        const target = report.publipostage ?? await freeFileName(outDir, fileName);
        await writeFile(`${target}.part`, pdf, { mode: 0o640, flush: true });
        await rename(`${target}.part`, target);
        report.publipostage = target;
        durableEffect('campagne.publipostage');
      },
    });
    durableEffect('campagne.courriers');
    if (!mailing.pdf) report.publipostage = null;
    report.courriers = mailing.report.courriers;
  }
  report.durationMs = performance.now() - started;
  await recordAudit(db, {
    action: 'campagne.separation', acteur: { compteId: options.compteId ?? null, organisation: org.code },
    cible: { type: 'liste', id: `${org.code}/separation/${options.periode}` },
    details: {
      programme: 'separation', periode: options.periode, canal: options.canal, lignesLues: report.lignesLues, lignesRejetees: report.lignesRejetees,
      retenus: report.retenus, ajoutes: report.ajoutes, dejaSuivis: report.dejaSuivis, nonContactables: report.nonContactables, opposes: report.opposes,
      courriels: report.courrielsPrepares, courriers: report.courriers, sansCanal: report.sansCanal,
    },
  });
  return report;
}

async function freeFileName(dir: string, fileName: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = join(dir, n === 1 ? fileName : fileName.replace(/\.pdf$/, `-${n}.pdf`));
    try { await access(candidate); } catch { return candidate; }
  }
}

