/**
 * The separation contact plan, on the Caf's side (LR 2023-175): each month the Caf targets its
 * allocataires who declared a separation with a dependent child and sends them the joint offer
 * of both branches, by e-mail or by letter. No personal data leaves the Caf: the people go onto
 * the Caf's OWN worklist (contacts with origine 'extrait', no package), under a pseudonym keyed by
 * the Caf's own key (cles_organisation), with the programme's retention.
 *
 * Reading: caf_separations (the month's declarations, small) is indexed, then caf_allocataires
 * (the whole file of the Caf, large) is streamed and joined row by row. Every rejected row is
 * written to the row report with its file, line and reason; good rows are never lost.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import { readExtract, CycleInputError } from '../exchange/index.ts';
import { EXTRACT_FORMATS, type ExtractKind } from '../extracts/index.ts';
import { csvCell } from '../shared/csv.ts';
import { isCallable, markRegisteredOppositions, outreachProgrammes } from '../outreach/index.ts';
import {
  findProgramme, isIsoMonth, pseudonym, retentionDeadline, selectPerson, targetingContext, withMarkers, type Programme, type Row,
} from '../programmes/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { emailAddressOf, prepareOfferEmail, ChannelRefusal, type MailSettings } from './mail.ts';
import { produceMailing, selectMailing, letterRefusal } from './letters.ts';
import { organisationPseudonymKey } from './repository.ts';

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

export interface CampaignReport {
  organisation: string;
  programme: 'separation';
  periode: string;
  canal: CampaignChannel;
  separationsLues: number;
  allocatairesLus: number;
  lignesRejetees: number;
  /** Malformed e-mail or phone cells emptied (row kept). */
  valeursIgnorees: number;
  nonCibles: number;
  /** Separations of another Caf's allocataires, or without an allocataire record. */
  horsCaf: number;
  sansDossier: number;
  /** People at risk of violence without a safe channel: not put on the list, never contacted. */
  nonContactables: number;
  doublons: number;
  retenus: number;
  /** Already on this month's list (campaign run again): not added twice, not written to again. */
  dejaPresents: number;
  ajoutes: number;
  /** People who objected to further contact for this programme (an earlier month): on the list, not written to. */
  opposes: number;
  courrielsPrepares: number;
  courriers: number;
  /** People to write to by letter, left for the mailing page (letters: 'later'). */
  courriersAFaire: number;
  sansCanal: number;
  contactIds: string[];
  courrielIds: string[];
  rapport: string;
  publipostage: string | null;
  durationMs: number;
}

const KEY_SEPARATOR = '|';

/** The fields the Caf keeps on its own worklist for a person (never transmitted). */
export function worklistFields(row: Row, markers: readonly string[]): Record<string, string> | { nonContactable: true } {
  const atRisk = (row.risque_violence ?? '') === 'oui';
  const safeChannel = row.canal_sur ?? '';
  const safeValue = row.canal_sur_valeur ?? '';
  const base: Record<string, string> = {
    nom: row.nom ?? '',
    prenom: row.prenom ?? '',
    marqueurs: markers.join(','),
    nombre_enfants: row.nombre_enfants ?? '',
    mode_garde: row.mode_garde ?? '',
    date_declaration: row.date_declaration ?? '',
  };
  if (atRisk) {
    if ((safeChannel !== 'email' && safeChannel !== 'telephone') || safeValue === '') return { nonContactable: true };
    // Only the safe channel is kept: never the household's e-mail, phone or postal address.
    return { ...base, risque_violence: 'oui', canal_sur: safeChannel, canal_sur_valeur: safeValue, email: '', telephone: '' };
  }
  return {
    ...base,
    email: row.email ?? '',
    telephone: row.telephone ?? '',
    autorisation_contact_email: row.autorisation_contact_email ?? '',
    autorisation_contact_telephone: row.autorisation_contact_telephone ?? '',
    adresse_ligne: row.adresse_ligne ?? '',
    adresse_complement: row.adresse_complement ?? '',
    code_postal: row.code_postal ?? '',
    commune: row.commune ?? '',
    risque_violence: 'non',
  };
}

async function fileSize(path: string): Promise<number> {
  try { return (await stat(path)).size; } catch { throw new CampaignInputError(`Fichier introuvable : ${path}.`); }
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
  const org = await db.selectFrom('organisations').select(['code', 'nom', 'type', 'departement_code']).where('code', '=', options.organisation).executeTakeFirst();
  if (!org) throw new CampaignInputError(`Organisme inconnu : « ${options.organisation} ».`);
  if (org.type !== 'caf' || !org.departement_code) {
    throw new CampaignInputError(`Le plan de contacts « séparation » est mené par la Caf qui détient la déclaration : ${org.nom} (${org.code}) n'est pas une Caf.`);
  }
  const programme = separationProgramme();
  const paths = typeof options.source === 'string'
    ? { separations: join(resolve(options.source), EXTRACT_FORMATS.caf_separations.fileName), allocataires: join(resolve(options.source), EXTRACT_FORMATS.caf_allocataires.fileName) }
    : { separations: resolve(options.source.separations), allocataires: resolve(options.source.allocataires) };
  await fileSize(paths.separations);
  const allocatairesBytes = await fileSize(paths.allocataires);
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });

  const report: CampaignReport = {
    organisation: org.code, programme: 'separation', periode: options.periode, canal: options.canal, separationsLues: 0, allocatairesLus: 0,
    lignesRejetees: 0, valeursIgnorees: 0, nonCibles: 0, horsCaf: 0, sansDossier: 0, nonContactables: 0, doublons: 0, retenus: 0, dejaPresents: 0, ajoutes: 0,
    opposes: 0, courrielsPrepares: 0, courriers: 0, courriersAFaire: 0, sansCanal: 0, contactIds: [], courrielIds: [],
    rapport: join(outDir, `rapport_campagne_separation_${org.code}_${options.periode}.csv`), publipostage: null, durationMs: 0,
  };
  const rapport = createWriteStream(report.rapport, { mode: 0o640 });
  const writeReport = (ligne: string, raison: string) => { rapport.write(`${ligne};${csvCell(raison)}\r\n`); };
  rapport.write('\ufeffligne;raison\r\n');
  const fileName = (k: ExtractKind) => EXTRACT_FORMATS[k].fileName;

  try {
    // 1. The month's separations, indexed by allocataire (several declarations of one allocataire are kept together).
    const separations = new Map<string, { row: Row; line: number }[]>();
    report.separationsLues = await readExtract(paths.separations, 'caf_separations', {
      onRow: (row, line) => {
        if (row.departement_caf !== org.departement_code) {
          report.horsCaf++;
          writeReport(`${fileName('caf_separations')}:${line}`, `dossier d'une autre Caf (département ${row.departement_caf}) : ligne ignorée`);
          return;
        }
        const k = [row.departement_caf, row.numero_allocataire].join(KEY_SEPARATOR);
        (separations.get(k) ?? separations.set(k, []).get(k)!).push({ row, line });
      },
      onReject: (line, reason) => { report.lignesRejetees++; writeReport(`${fileName('caf_separations')}:${line}`, reason); },
      onWarning: (line, reason) => { report.valeursIgnorees++; writeReport(`${fileName('caf_separations')}:${line}`, reason); },
    });

    // 2. Stream the allocataires; keep those with a separation of the month.
    const context = targetingContext(programme, options.periode);
    const key = await organisationPseudonymKey(db, org.code);
    const retained: { pseudonyme: string; champs: Record<string, string>; line: string }[] = [];
    const seen = new Map<string, string>();
    const matched = new Set<string>();
    let nextProgress = 0.1;
    report.allocatairesLus = await readExtract(paths.allocataires, 'caf_allocataires', {
      onReject: (line, reason) => { report.lignesRejetees++; writeReport(`${fileName('caf_allocataires')}:${line}`, reason); },
      onWarning: (line, reason) => { report.valeursIgnorees++; writeReport(`${fileName('caf_allocataires')}:${line}`, reason); },
      onProgress: (bytes, lignes) => {
        if (!options.onProgress) return;
        if (bytes / Math.max(1, allocatairesBytes) >= nextProgress || bytes >= allocatairesBytes) {
          options.onProgress({ octetsLus: bytes, octetsTotal: allocatairesBytes, lignes });
          while (nextProgress <= bytes / Math.max(1, allocatairesBytes)) nextProgress += 0.1;
        }
      },
      onRow: (row, line) => {
        const k = [row.departement_caf, row.numero_allocataire].join(KEY_SEPARATOR);
        const declarations = separations.get(k);
        if (!declarations) return;
        matched.add(k);
        const where = `${fileName('caf_separations')}:${declarations[0]!.line}`;
        const merged = declarations.map((d) => ({ ...row, ...d.row }));
        const selection = selectPerson(programme, merged, context);
        if (selection.statut === 'non_cible') { report.nonCibles++; return; }
        if (selection.statut === 'exclu') { report.nonCibles++; writeReport(where, `exclu : ${selection.exclusion.motif}`); return; }
        const champs = worklistFields(withMarkers(selection.ligne, selection.marqueurs), selection.marqueurs);
        if ('nonContactable' in champs) {
          report.nonContactables++;
          writeReport(where, 'personne signalée à risque de violences sans canal sûr : elle ne sera pas contactée (non inscrite sur la liste)');
          return;
        }
        const nir = row.nir ?? '';
        const pseudo = pseudonym(key, nir);
        const first = seen.get(pseudo);
        if (first) { report.doublons++; writeReport(`${fileName('caf_allocataires')}:${line}`, `même personne que ${first} (doublon) : inscrite une seule fois`); return; }
        seen.set(pseudo, `${fileName('caf_allocataires')}:${line}`);
        report.retenus++;
        retained.push({ pseudonyme: pseudo, champs, line: where });
      },
    });
    for (const [k, declarations] of separations) {
      if (matched.has(k)) continue;
      report.sansDossier += declarations.length;
      for (const d of declarations) writeReport(`${fileName('caf_separations')}:${d.line}`, 'aucun dossier allocataire correspondant dans caf_allocataires : ligne ignorée');
    }

    // 3. The Caf's own worklist: one contact per person, once per month (a second run adds nobody twice).
    const echeance = retentionDeadline({ importedAt: now, processedAt: null }, programme.conservation);
    const inserted = new Map<string, string>();
    for (let i = 0; i < retained.length; i += 500) {
      const batch = retained.slice(i, i + 500);
      const rows = await db.insertInto('contacts').values(batch.map((r) => ({
        organisation_code: org.code, programme: programme.id, paquet_id: null, pseudonyme: r.pseudonyme, champs: JSON.stringify(r.champs),
        importe_le: now, echeance, periode: options.periode, origine: 'extrait' as const, appelable: isCallable(programme, r.champs),
      }))).onConflict((oc) => oc.columns(['organisation_code', 'programme', 'periode', 'pseudonyme'])
        .where('origine', '=', 'extrait').where('pseudonyme', 'is not', null).doNothing())
        .returning(['id', 'pseudonyme']).execute();
      for (const r of rows) inserted.set(r.pseudonyme!, String(r.id));
    }
    report.ajoutes = inserted.size;
    report.dejaPresents = retained.length - inserted.size;
    for (const r of retained) if (!inserted.has(r.pseudonyme)) writeReport(r.line, 'personne déjà sur la liste de ce mois (campagne déjà lancée) : ni ajoutée ni recontactée');
    const newOnes = retained.filter((r) => inserted.has(r.pseudonyme));
    report.contactIds = newOnes.map((r) => inserted.get(r.pseudonyme)!);

    // 4. Send the joint offer: e-mail, or letter (a merged mailing), as asked.
    // People on the opposition register (or who objected in an earlier month): marked as opposed at once
    // (event `opposition`, origin `systeme`), so no e-mail, letter or call can follow.
    const opposed = new Set((await db.transaction().execute((trx) => markRegisteredOppositions(trx, {
      organisation: org.code, programme, target: { contactIds: report.contactIds }, now,
    }))).pseudonymes);
    const byLetter: string[] = [];
    const actor = { compteId: options.compteId ?? null, organisation: org.code, organisations: [org.code] };
    for (const r of newOnes) {
      const id = inserted.get(r.pseudonyme)!;
      if (opposed.has(r.pseudonyme)) { report.opposes++; writeReport(r.line, 'opposition à tout nouveau contact enregistrée un mois précédent : aucun envoi'); continue; }
      const email = emailAddressOf(programme, r.champs);
      const letter = letterRefusal(programme, r.champs);
      const wantsEmail = options.canal !== 'courrier' && email.ok && options.mail.smtpUrl !== null;
      if (wantsEmail) {
        try {
          const prepared = await prepareOfferEmail(db, options.mail, { contactId: id, actor });
          report.courrielsPrepares++;
          report.courrielIds.push(prepared.id);
          continue;
        } catch (e) {
          if (!(e instanceof ChannelRefusal)) throw e;
          if (options.canal === 'courriel') { report.sansCanal++; writeReport(r.line, e.message); continue; }
        }
      }
      if (options.canal !== 'courriel' && letter === null) { byLetter.push(id); continue; }
      report.sansCanal++;
      const reasons = [
        ...(options.canal !== 'courrier' ? [`pas de courriel (${email.ok ? "envoi de courriels non configuré" : email.reason})`] : []),
        ...(options.canal !== 'courriel' ? [`pas de courrier (${letter})`] : []),
      ];
      writeReport(r.line, `personne inscrite sur la liste mais offre non envoyée : ${reasons.join(' ; ')}`);
    }
    if (byLetter.length > 0 && options.letters === 'later') report.courriersAFaire = byLetter.length;
    else if (byLetter.length > 0) {
      const selection = await selectMailing(db, { publicUrl: options.mail.publicUrl, today: now.toISOString().slice(0, 10) }, {
        organisation: org.code, programme: programme.id, periode: options.periode, contactIds: byLetter,
      });
      const mailing = await produceMailing(db, selection, actor);
      if (mailing.pdf) {
        report.publipostage = join(outDir, mailing.fileName);
        await writeFile(report.publipostage, mailing.pdf, { mode: 0o640 });
      }
      report.courriers = mailing.report.courriers;
    }
  } catch (error) {
    if (error instanceof CycleInputError) throw new CampaignInputError(error.message);
    throw error;
  } finally {
    await new Promise<void>((ok, ko) => rapport.end((e?: Error | null) => (e ? ko(e) : ok())));
  }
  report.durationMs = performance.now() - started;
  await recordAudit(db, {
    action: 'campagne.separation', acteur: { compteId: options.compteId ?? null, organisation: org.code },
    cible: { type: 'liste', id: `${org.code}/separation/${options.periode}` },
    details: {
      programme: 'separation', periode: options.periode, canal: options.canal, separationsLues: report.separationsLues, allocatairesLus: report.allocatairesLus,
      lignesRejetees: report.lignesRejetees, retenus: report.retenus, ajoutes: report.ajoutes, dejaPresents: report.dejaPresents,
      nonContactables: report.nonContactables, opposes: report.opposes, courriels: report.courrielsPrepares, courriers: report.courriers, sansCanal: report.sansCanal,
    },
  });
  return report;
}
