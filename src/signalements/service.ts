/**
 * Signalement use cases: one signalement from an establishment's account (form / API), a file of
 * signalements (CLI for the receiving organisation, web upload for the establishment), and the
 * establishment's own list with statuses. Every step audited, without personal data in details.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Actor } from '../accounts/index.ts';
import type { DB } from '../db/index.ts';
import { exchangeRepository, organisationPseudonymKey, readExtract, CycleInputError } from '../exchange/index.ts';
import { normalizeFrenchPhone } from '../extracts/index.ts';
import { isCallable, outreachProgrammes } from '../outreach/index.ts';
import { findProgramme, pseudonym, resolveRecipient, toIsoDate, type CompetenceLookup, type Programme, type Row } from '../programmes/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { durableEffect } from '../shared/crash-points.ts';
import { establishmentsByFiness, findEstablishment, findOrganisation, mayBeCompetentFor, organisationNames } from '../territories/index.ts';
import { monthLabel } from '../shared/calendar.ts';
import {
  assessSignalement, checkSignalementRow, initials, reportLine, signalementStatus, worklistFields, SIGNALEMENT_FORMAT, SIGNALEMENT_PROGRAMME,
  SIGNALEMENT_STATUS_LABELS, type SignalementStatus,
} from './domain.ts';
import { signalementsRepository, type Establishment } from './repository.ts';

export type Failure = { ok: false; status: 400 | 403 | 404 | 422; erreur: string; champs?: Record<string, string> };

/** Input refused as a whole (unknown organisation, missing file, wrong header): exit code 2. */
export class SignalementInputError extends Error {}

export function signalementProgramme(): Programme {
  const p = findProgramme(outreachProgrammes(), SIGNALEMENT_PROGRAMME);
  if (!p) throw new SignalementInputError(`Le programme « ${SIGNALEMENT_PROGRAMME} » n’est pas défini sur cette instance (data/programmes/).`);
  return p;
}

/**
 * The programme's recipient rule for a signalement: the organisation of the holder's branch
 * (the Carsat) competent for the person's commune of residence, by postal code failing that.
 * The definition has no `destinataire` (nothing crosses between Passerelle organisations), so the
 * shared resolveRecipient is given the holder's branch and the format's commune columns.
 */
export function competentOrganisation(programme: Programme, row: Row, lookup: CompetenceLookup) {
  return resolveRecipient({
    ...programme,
    destinataire: {
      branche: programme.expediteur.branche, description: programme.expediteur.description,
      resolution: { methode: 'organisme_competent_commune', champCommune: 'code_commune', champCodePostal: 'code_postal' },
    },
  }, row, lookup);
}

type RowOutcome =
  | { ok: true; resultat: 'ajoute' | 'deja_suivi'; organisation: string; periode: string; signalementId: string; oppose: boolean; dejaRecuLe: Date | null }
  | { ok: false; raison: string; champs?: Record<string, string> };

interface RowContext {
  db: Kysely<DB>;
  programme: Programme;
  lookup: (row: Row) => Promise<CompetenceLookup>;
  /** Only this organisation may receive the rows (CLI `--organisation`); null: each row to its competent organisation. */
  destinataire: string | null;
  etablissement: Establishment | null;
  keys: Map<string, string>;
  names: Map<string, string>;
  origine: 'formulaire' | 'fichier';
  compteId: string | null;
  /** Who is audited for each signalement written (the account's organisation, or the importing one). */
  acteur: { compteId: string | null; organisation: string };
  /** The file import's identifier, in each row's audit record; absent for the form. */
  importId?: string;
  now: Date;
}

/** One signalement, already valid cell by cell: criteria, competence, then the worklist. */
async function processRow(ctx: RowContext, row: Row): Promise<RowOutcome> {
  const assessment = assessSignalement(ctx.programme, row);
  if (!assessment.retenu) return { ok: false, raison: `signalement non retenu : ${assessment.raison}` };
  const recipient = competentOrganisation(ctx.programme, row, await ctx.lookup(row));
  if (!recipient.ok) return { ok: false, raison: `organisme destinataire introuvable : ${recipient.raison}`, champs: { code_commune: `Commune sans Carsat compétente : ${recipient.raison}.` } };
  if (ctx.destinataire !== null && recipient.organisation !== ctx.destinataire) {
    const nom = ctx.names.get(recipient.organisation) ?? (await organisationNames(ctx.db, [recipient.organisation])).get(recipient.organisation) ?? recipient.organisation;
    return { ok: false, raison: `la commune de résidence relève de ${nom} (${recipient.organisation}), pas de ${ctx.destinataire} : signalement à lui adresser` };
  }
  let key = ctx.keys.get(recipient.organisation);
  if (!key) { key = await organisationPseudonymKey(ctx.db, recipient.organisation); ctx.keys.set(recipient.organisation, key); }
  const champs = worklistFields(assessment.ligne, assessment.marqueurs, ctx.programme);
  const entry = await ctx.db.transaction().execute(async (trx) => {
    const entry = await signalementsRepository.enterWorklist(trx, {
      organisation: recipient.organisation, programme: ctx.programme, periode: assessment.periode, pseudonyme: pseudonym(key, row.nir ?? ''),
      champs, appelable: isCallable(ctx.programme, champs), now: ctx.now,
      signalement: {
        etablissement: ctx.etablissement?.code ?? null, finess: row.finess_etablissement ?? '', initiales: initials(row),
        dateSignalement: row.date_signalement ?? '', origine: ctx.origine, compteId: ctx.compteId,
      },
    });
    // the signalement's audit record in its own transaction: no signalement without its record
    if (entry.dejaRecuLe === null) {
      await recordAudit(trx, {
        action: 'signalement.cree', acteur: ctx.acteur, cible: { type: 'signalement', id: entry.signalementId },
        details: {
          programme: ctx.programme.id, destinataire: recipient.organisation, periode: assessment.periode, resultat: entry.resultat, origine: ctx.origine,
          ...(ctx.importId ? { import: ctx.importId } : {}),
        },
      });
    }
    return entry;
  });
  return {
    ok: true, resultat: entry.resultat, organisation: recipient.organisation, periode: assessment.periode, signalementId: entry.signalementId, oppose: entry.oppose,
    dejaRecuLe: entry.dejaRecuLe,
  };
}

async function actorEstablishment(db: Kysely<DB>, actor: Actor): Promise<Establishment | Failure> {
  if (!actor.roles.includes('signalant')) return { ok: false, status: 403, erreur: 'Seuls les comptes « signalant » d’un établissement de santé peuvent faire un signalement.' };
  const e = await findEstablishment(db, actor.organisation.code);
  return e ?? { ok: false, status: 403, erreur: 'Votre organisme n’est pas un établissement de santé déclaré (numéro FINESS) : il ne peut pas faire de signalement.' };
}

/** The form's fields: every column of the format but those the account fills in. */
export type SignalementInput = Record<string, string | undefined>;

export async function submitSignalement(db: Kysely<DB>, actor: Actor, input: SignalementInput, now = new Date()) {
  const etab = await actorEstablishment(db, actor);
  if ('ok' in etab) return etab;
  const programme = signalementProgramme();
  const today = toIsoDate(now);
  const cells: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) cells[k] = (v ?? '').trim();
  cells.date_signalement ||= today;
  cells.finess_etablissement = etab.finess;
  cells.etablissement = etab.nom;
  const row: Row = cells;
  const problems = checkSignalementRow(row, today);
  if (Object.keys(problems).length > 0) {
    return { ok: false, status: 400, erreur: 'Le signalement est incomplet ou invalide : corrigez les champs signalés.', champs: problems } as Failure;
  }
  // the same national form as the file reader's (0612345678)
  if (cells.telephone) cells.telephone = normalizeFrenchPhone(cells.telephone) ?? '';
  const outcome = await processRow({
    db, programme, lookup: (r) => signalementsRepository.competenceFor(db, programme.expediteur.branche, r.code_commune ?? '', r.code_postal ?? ''),
    destinataire: null, etablissement: etab, keys: new Map(), names: new Map(), origine: 'formulaire', compteId: actor.compteId,
    acteur: { compteId: actor.compteId, organisation: actor.organisation.code }, now,
  }, row);
  if (!outcome.ok) return { ok: false, status: 422, erreur: `Signalement non enregistré : ${outcome.raison}.`, ...(outcome.champs ? { champs: outcome.champs } : {}) } as Failure;
  const nom = (await organisationNames(db, [outcome.organisation])).get(outcome.organisation) ?? outcome.organisation;
  const status: SignalementStatus = outcome.oppose ? 'refuse' : 'recu';
  return {
    ok: true as const, id: outcome.signalementId, resultat: outcome.resultat, organisme: { code: outcome.organisation, nom }, periode: outcome.periode,
    statut: status, statutLibelle: SIGNALEMENT_STATUS_LABELS[status],
    message: outcome.dejaRecuLe
      ? `Ce signalement a déjà été reçu le ${frenchDay(outcome.dejaRecuLe)} (même personne, même date de signalement) : rien de nouveau n'est enregistré.`
      : outcome.resultat === 'deja_suivi'
      ? `Signalement reçu : la personne est déjà suivie par ${nom} dans ce programme (déjà suivi) ; elle n'est pas ajoutée une seconde fois.`
      : `Signalement transmis à ${nom}.`,
  };
}

/** JJ/MM/AAAA in French time. */
const frenchDay = (d: Date) => d.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric' });

export interface ImportOptions {
  path: string;
  /** The receiving organisation (CLI); null when an establishment uploads its own file (each row to its competent organisation). */
  destinataire: string | null;
  /** The uploading establishment (web): rows of another FINESS are rejected. */
  etablissement: Establishment | null;
  reportPath: string;
  acteur: { compteId: string | null; organisation: string };
  now?: Date;
}

export interface RowReport { ligne: number; resultat: 'ajoute' | 'deja_suivi' | 'rejete' | 'avertissement'; raison: string }

export interface ImportReport {
  lignes: number;
  ajoutes: number;
  dejaSuivis: number;
  rejetees: number;
  /** People on the opposition register: on the list, marked as opposed, never contacted. */
  opposes: number;
  valeursIgnorees: number;
  parOrganisme: Record<string, number>;
  rapport: RowReport[];
  fichierRapport: string;
  durationMs: number;
}

/**
 * A file of signalements (CSV `;`, the format `etablissements_signalements_sortie`): read with the
 * streaming extract reader (each bad row reported with its physical line and a French reason,
 * reading goes on); each valid row goes to the worklist of the month of its signalement date.
 * Each row is one transaction with its audit record (`signalement.cree`); a row sent before (same
 * establishment, person and signalement date) writes nothing and is « déjà suivi », so a file can
 * be imported again after a crash. Writes the row report (`ligne;resultat;raison`) and a summary
 * audit record (`signalements.import`).
 */
export async function importSignalements(db: Kysely<DB>, options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const programme = signalementProgramme();
  if (options.destinataire !== null) {
    const org = await findOrganisation(db, options.destinataire);
    if (!org) throw new SignalementInputError(`Organisme inconnu : « ${options.destinataire} ».`);
    if (!mayBeCompetentFor(org.type, 'carsat')) { // the organisations that run a Carsat social service
      throw new SignalementInputError(`${org.nom} (${org.code}) ne reçoit pas de signalements : le programme « ${programme.titre} » est mené par le service social de la Carsat.`);
    }
  }
  const report: ImportReport = { lignes: 0, ajoutes: 0, dejaSuivis: 0, rejetees: 0, opposes: 0, valeursIgnorees: 0, parOrganisme: {}, rapport: [], fichierRapport: options.reportPath, durationMs: 0 };
  const rows: { row: Row; line: number }[] = [];
  try {
    report.lignes = await readExtract(options.path, SIGNALEMENT_FORMAT, {
      onRow: (row, line) => { rows.push({ row, line }); },
      onReject: (line, reason) => { report.rejetees++; report.rapport.push({ ligne: line, resultat: 'rejete', raison: reason }); },
      onWarning: (line, reason) => { report.valeursIgnorees++; report.rapport.push({ ligne: line, resultat: 'avertissement', raison: reason }); },
    });
  } catch (error) {
    if (error instanceof CycleInputError) throw new SignalementInputError(error.message);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SignalementInputError(`Fichier introuvable : ${options.path}.`);
    throw error;
  }
  const competence = await exchangeRepository.competenceLookup(db, programme.expediteur.branche);
  const establishments = await establishmentsByFiness(db);
  const ctx: RowContext = {
    db, programme, lookup: async () => competence, destinataire: options.destinataire, etablissement: null, keys: new Map(),
    names: await organisationNames(db, options.destinataire ? [options.destinataire] : []), origine: 'fichier',
    compteId: options.acteur.compteId, acteur: options.acteur, importId: randomUUID(), now,
  };
  const today = toIsoDate(now);
  const nameOf = async (code: string) => {
    if (!ctx.names.has(code)) ctx.names.set(code, (await organisationNames(db, [code])).get(code) ?? code);
    return ctx.names.get(code)!;
  };
  for (const { row, line } of rows) {
    const reject = (raison: string) => { report.rejetees++; report.rapport.push({ ligne: line, resultat: 'rejete', raison }); };
    if (options.etablissement && row.finess_etablissement !== options.etablissement.finess) { reject("finess_etablissement : signalement d'un autre établissement que le vôtre"); continue; }
    const problems = Object.values(checkSignalementRow(row, today));
    if (problems.length > 0) { reject(problems.join(' ; ')); continue; }
    const outcome = await processRow({ ...ctx, etablissement: options.etablissement ?? establishments.get(row.finess_etablissement ?? '') ?? null }, row);
    if (!outcome.ok) { reject(outcome.raison); continue; }
    report.parOrganisme[outcome.organisation] = (report.parOrganisme[outcome.organisation] ?? 0) + 1;
    if (outcome.dejaRecuLe) {
      // sent before (a file imported again, after a crash or by mistake): nothing written this time
      report.dejaSuivis++;
      report.rapport.push({ ligne: line, resultat: 'deja_suivi', raison: `déjà suivi : signalement déjà reçu le ${frenchDay(outcome.dejaRecuLe)} (même établissement, même personne, même date de signalement) : rien de nouveau` });
      continue;
    }
    durableEffect('signalements.ligne');
    if (outcome.resultat === 'deja_suivi') {
      report.dejaSuivis++;
      report.rapport.push({ ligne: line, resultat: 'deja_suivi', raison: 'déjà suivi : personne déjà suivie dans ce programme par cet organisme, non ajoutée une seconde fois' });
    } else {
      report.ajoutes++;
      if (outcome.oppose) report.opposes++;
      const liste = `la liste de ${monthLabel(outcome.periode)} de ${await nameOf(outcome.organisation)}`;
      report.rapport.push({ ligne: line, resultat: 'ajoute', raison: outcome.oppose
        ? `ajouté à ${liste}, marqué en opposition (registre des oppositions) : ne sera pas contacté`
        : `ajouté à ${liste}` });
    }
  }
  report.rapport.sort((a, b) => a.ligne - b.ligne);
  await writeFile(options.reportPath, '\ufeffligne;resultat;raison\r\n' + report.rapport.map((r) => reportLine(String(r.ligne), r.resultat, r.raison)).join(''), { mode: 0o640 });
  report.durationMs = performance.now() - started;
  // the import's summary; each signalement written has its own record (`signalement.cree`, same `import`), written with it
  await recordAudit(db, {
    action: 'signalements.import', acteur: options.acteur,
    cible: { type: 'signalements', id: options.destinataire ?? options.etablissement?.code ?? 'inconnu' },
    details: {
      import: ctx.importId, programme: programme.id, lignes: report.lignes, ajoutes: report.ajoutes, dejaSuivis: report.dejaSuivis, rejetees: report.rejetees,
      opposes: report.opposes, organismes: Object.keys(report.parOrganisme),
    },
  });
  return report;
}

/** The establishment's own signalements with their status (reçu / pris en charge / refusé); audited (initials are personal data). */
export async function listSignalements(db: Kysely<DB>, actor: Actor, query: { page?: number; taille?: number }) {
  const etab = await actorEstablishment(db, actor);
  if ('ok' in etab) return etab;
  const taille = Math.min(Math.max(query.taille ?? 50, 1), 200);
  const page = Math.max(query.page ?? 1, 1);
  const { total, rows } = await signalementsRepository.listForEstablishment(db, etab.code, taille, (page - 1) * taille);
  if (rows.length > 0) {
    await recordAudit(db, {
      action: 'signalements.consultation', acteur: { compteId: actor.compteId, organisation: actor.organisation.code },
      cible: { type: 'etablissement', id: etab.code }, details: { page, lignes: rows.length },
    });
  }
  return {
    ok: true as const, etablissement: { code: etab.code, nom: etab.nom, finess: etab.finess }, page, taille, total,
    signalements: rows.map((r) => {
      const statut = signalementStatus(r.statut ?? null);
      return {
        id: r.id, dateSignalement: r.date_signalement, personne: r.initiales ?? 'données détruites', organisme: { code: r.organisation_code, nom: r.organisation_nom },
        dejaSuivi: r.resultat === 'deja_suivi', origine: r.origine, statut, statutLibelle: SIGNALEMENT_STATUS_LABELS[statut],
        creeLe: new Date(r.cree_le).toISOString(),
      };
    }),
  };
}
