/**
 * The monthly cycle of a programme, on the holder's side, for both shapes that start from an
 * extract: read the source extract (CSV or XLSX, streamed, validated row by row against
 * EXTRACT_FORMATS: extract.ts; a large CSV by worker threads: extract-parallel.ts) and select with
 * the programme's rule (extract-select.ts); then
 * - an **exchange** programme applies the contact rules, resolves the competent recipient,
 *   minimises to programme ∩ convention, adds the keyed pseudonym and seals one package per
 *   recipient;
 * - an **in-house** programme keeps the worklist fields (`worklistLine`) and puts the people on its
 *   holder's own worklist under the holder's own pseudonym key (`enrolContacts`: a person already
 *   followed is not added twice). Nothing leaves the holder.
 * Rejected rows go to a row report (`ligne;raison`); valid rows are never lost because of bad ones.
 * Signalement programmes do not run here: their people arrive one by one or by file from a third party.
 *
 * Memory: the main file is streamed; the joined files (the month's applications) and the
 * selected people's lines are held in memory — it grows with the number of people retained, not
 * with the size of the extract. A joined file larger than the main one (the Caf's allocataires
 * joined to the month's separations) is indexed only for the keys the main file names.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { allowedFields, coveringConvention } from '../conventions/index.ts';
import type { DB } from '../db/index.ts';
import { csvField, EXTRACT_FORMATS, lastDayOfMonth, type ExtractKind, type PostalCodes } from '../extracts/index.ts';
import { enrolContacts, isCallable, markRegisteredOppositions } from '../outreach/index.ts';
import { csvCell } from '../shared/csv.ts';
import {
  findProgramme, isIsoMonth, loadProgrammes, pseudonym, resolveHolder, resolveRecipient, retentionDeadline, minimise, worklistLine,
  type CompetenceLookup, type Programme, type Row,
} from '../programmes/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { organisationPseudonymKey } from './organisation-keys.ts';
import { currentGeneration, currentRecipientKey } from './keys.ts';
import { exchangeRepository, type StoredConvention } from './repository.ts';
import { CycleInputError, readExtract, sniff } from './extract.ts';
import { readExtractInWorkers } from './extract-parallel.ts';
import { joinedKey, joinKey, selectionPlan, selectRow, type JoinIndex } from './extract-select.ts';
import { sealPackage } from './seal.ts';
import { manifestFileName, payloadFileName, signatureFileName } from './manifest.ts';
import { durableEffect } from '../shared/crash-points.ts';
import { organisationNames } from '../territories/index.ts';

export { CycleInputError, readExtract, type ExtractReading } from './extract.ts';

export interface CycleProgress { octetsLus: number; octetsTotal: number; lignes: number }

export interface CycleOptions {
  programme: string;
  /** AAAA-MM */
  periode: string;
  /** A file (the programme's main source file) or the folder written by `passerelle generate`. */
  source: string;
  /** Explicit paths of joined files (uploaded apart); by default found next to the main file. */
  fichiers?: Partial<Record<ExtractKind, string>>;
  outDir: string;
  /**
   * Seal new packages even where an earlier run of the same programme and period sealed one: each
   * new package declares, in its signed manifest, the one it replaces (`remplace`), which the
   * recipient requires to import a second package for a period. By default a rerun reuses them.
   */
  remplacer?: boolean;
  /**
   * The organisation that holds the extract (and, for an exchange, sends the packages); by default
   * each row's: the organisation competent for its commune (`expediteur.resolution`) or the Caf of
   * its `departement_caf`. When given, rows of another holder are rejected.
   */
  expediteur?: string;
  /** Instance maximum retention after import, in days, for an in-house list (the programme's default otherwise). */
  maxDays?: number | null;
  now?: Date;
  programmes?: Programme[];
  onProgress?: (progress: CycleProgress) => void;
  /**
   * Worker threads reading the main CSV file: by default as many as the machine's processors (at
   * most 4) from 32 MiB up, none below; 0 reads in process. The row report is the same either way.
   */
  workers?: number;
  /** Size of the blocks handed to the workers (default 4 MiB; tests use small ones). */
  blockBytes?: number;
  /** Reference data shared by several runs (`cycleReference`); by default loaded for this run alone. */
  reference?: CycleReference;
}

/** Organisation names by code (territories front door) and the Caf competent for each département. */
export async function cycleOrganisations(db: Kysely<DB>): Promise<{ noms: Record<string, string>; cafParDepartement: Map<string, string> }> {
  const [noms, cafParDepartement] = await Promise.all([organisationNames(db), exchangeRepository.cafByDepartement(db)]);
  return { noms: Object.fromEntries(noms), cafParDepartement };
}

/**
 * The reference data a cycle reads besides the extract: the recipient branch's competence
 * (≈ 35 000 communes and their postal codes, a few seconds on the embedded engine), the
 * organisations' names and the Caf of each département. A caller that runs several cycles in a
 * row (the monthly job over several senders, the demo over three months) creates one and passes it
 * to each run: loaded once instead of at every run. It is a snapshot: keep it for one batch of
 * runs, not across changes of the competence tables.
 */
export interface CycleReference {
  competences(branche: string): Promise<CompetenceLookup>;
  organisations(): Promise<{ noms: Record<string, string>; cafParDepartement: Map<string, string> }>;
  /** Commune INSEE code → its postal codes: the reader rejects a row whose postal code is not its commune's. Optional for callers' own references. */
  codesPostaux?(): Promise<PostalCodes>;
}

export function cycleReference(db: Kysely<DB>): CycleReference {
  const lookups = new Map<string, Promise<CompetenceLookup>>();
  let organisations: ReturnType<CycleReference['organisations']> | undefined;
  let codesPostaux: Promise<PostalCodes> | undefined;
  // A failed load is not kept: the next run tries again.
  const remember = <T>(promise: Promise<T>, forget: () => void) => { promise.catch(forget); return promise; };
  return {
    competences(branche) {
      let p = lookups.get(branche);
      if (!p) lookups.set(branche, p = remember(exchangeRepository.competenceLookup(db, branche), () => lookups.delete(branche)));
      return p;
    },
    organisations() {
      organisations ??= remember(cycleOrganisations(db), () => { organisations = undefined; });
      return organisations;
    },
    codesPostaux() {
      codesPostaux ??= remember(exchangeRepository.postalCodesByCommune(db), () => { codesPostaux = undefined; });
      return codesPostaux;
    },
  };
}

const PARALLEL_FROM_BYTES = 32 * 1024 * 1024;

export interface CyclePackage {
  id: string; nom: string; expediteur: string; destinataire: string; convention: string; nombre: number; champs: string[]; manifeste: string;
  /** Sealed by an earlier run of the same programme and period (a rerun after a crash): reused, not sealed twice. */
  reutilise?: boolean;
}
export interface CycleRefusal { expediteur: string; destinataire: string; personnes: number; raison: string }
/** An in-house run's worklist at one holder. */
export interface CycleList {
  organisation: string; retenus: number; ajoutes: number; dejaSuivis: number; misAJour: number; opposes: number;
  /** Newcomers' contact ids. */
  contactIds: string[];
  /** Newcomer contact id → line of the main file (for the row report of later steps). */
  lignes: Record<string, number>;
}

/** The counts of a cycle: what the report, the job runs and the web app show. */
export interface CycleCounts {
  lignesLues: number;
  lignesRejetees: number;
  /** Cells of free-input columns (e-mail, phone) found malformed and not transmitted; the row is kept. */
  valeursIgnorees: number;
  nonCibles: number;
  exclus: number;
  nonContactables: number;
  sansDestinataire: number;
  doublons: number;
  retenus: number;
  transmis: number;
  /** Rows of another holder than the one the run was given: left out. */
  horsPerimetre: number;
  /** Rows without a match in a mandatory joined file (a separation without an allocataire record…). */
  sansCorrespondance: number;
  /** In-house: newcomers put on the holder's worklist. */
  ajoutes: number;
  /** In-house: people already followed (open follow-up, or ended less than `delaiNouveauCiblageMois` ago): not added again. */
  dejaSuivis: number;
}

const COUNT_KEYS = [
  'lignesLues', 'lignesRejetees', 'valeursIgnorees', 'nonCibles', 'exclus', 'nonContactables', 'sansDestinataire', 'doublons', 'retenus', 'transmis',
  'horsPerimetre', 'sansCorrespondance', 'ajoutes', 'dejaSuivis',
] as const satisfies readonly (keyof CycleCounts)[];

/** The counts of a report alone (nothing else: no paths, no packages). */
export function cycleCounts(report: CycleCounts): CycleCounts {
  return Object.fromEntries(COUNT_KEYS.map((k) => [k, report[k]])) as unknown as CycleCounts;
}

export interface CycleReport extends CycleCounts {
  programme: string;
  periode: string;
  paquets: CyclePackage[];
  refus: CycleRefusal[];
  listes: CycleList[];
  rapport: string;
  durationMs: number;
  lignesParSeconde: number;
  peakRssBytes: number;
}

/** The file of an extract in a folder: `NAME.csv`, or `NAME.xlsx` when there is no CSV (the CSV path when neither exists). */
async function extractFile(dir: string, kind: ExtractKind): Promise<string> {
  const csv = join(dir, EXTRACT_FORMATS[kind].fileName);
  const xlsx = csv.replace(/\.csv$/, '.xlsx');
  try { await stat(csv); return csv; } catch { /* try the spreadsheet */ }
  try { await stat(xlsx); return xlsx; } catch { return csv; }
}

async function isDirectory(path: string): Promise<boolean> {
  try { return (await stat(path)).isDirectory(); } catch { return false; }
}

async function fileSize(path: string): Promise<number> {
  try { return (await stat(path)).size; } catch { throw new CycleInputError(`Fichier introuvable : ${path}.`); }
}

interface Group {
  expediteur: string;
  destinataire: string;
  refus?: string;
  personnes: number;
  convention?: StoredConvention;
  champs: string[];
  lignes: string[];
  /** The main file's line of each entry of `lignes`. */
  lignesSource: number[];
  vus: Map<string, number>;
}

async function* payloadChunks(header: string, lines: readonly string[]): AsyncGenerator<Uint8Array> {
  let buffer = header;
  for (const l of lines) {
    buffer += l;
    if (buffer.length >= 1 << 16) { yield Buffer.from(buffer, 'utf8'); buffer = ''; }
  }
  if (buffer.length > 0) yield Buffer.from(buffer, 'utf8');
}

async function exists(path: string): Promise<boolean> {
  try { await stat(path); return true; } catch { return false; }
}

function frenchDateTime(at: Date): string {
  return at.toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });
}

/**
 * Leftovers of a run killed while sealing: temporary `.part` files, and packages whose files were
 * written but whose row was never recorded (never sent: sending needs the row). Both are deleted.
 */
async function removeLeftovers(db: Kysely<DB>, outDir: string, programme: string): Promise<number> {
  let removed = 0;
  for (const f of await readdir(outDir)) {
    const stem = f.startsWith('.') && f.endsWith('.part') ? f.slice(1) : f.endsWith('.manifest.json') ? f.slice(0, -'.manifest.json'.length) : null;
    if (!stem?.startsWith(`${programme}_`)) continue;
    if (f.endsWith('.part')) { await rm(join(outDir, f), { force: true }); removed++; continue; }
    if (await exchangeRepository.packageNamed(db, stem)) continue;
    for (const file of [manifestFileName(stem), payloadFileName(stem), signatureFileName(stem)]) await rm(join(outDir, file), { force: true });
    removed++;
  }
  return removed;
}

/** The package's name: `programme_sender_recipient_period`, or with `_2`, `_3`… when an earlier (refused) package took it. */
async function freePackageName(db: Kysely<DB>, outDir: string, holder: string, stem: string): Promise<string> {
  const taken = await exchangeRepository.packageNamesLike(db, holder, stem);
  for (let n = 1; ; n++) {
    const name = n === 1 ? stem : `${stem}_${n}`;
    if (!taken.has(name) && !(await exists(join(outDir, manifestFileName(name))))) return name;
  }
}

/** Runs the cycle. Throws CycleInputError when the input is refused as a whole. */
export async function runCycle(db: Kysely<DB>, options: CycleOptions): Promise<CycleReport> {
  const started = performance.now();
  const now = options.now ?? new Date();
  if (!isIsoMonth(options.periode)) throw new CycleInputError(`Mois invalide : « ${options.periode} » ; AAAA-MM attendu (ex. 2026-11).`);
  const programmes = options.programmes ?? loadProgrammes();
  const programme = findProgramme(programmes, options.programme);
  if (!programme) throw new CycleInputError(`Programme inconnu : « ${options.programme} » ; programmes : ${programmes.map((p) => p.id).join(', ')}.`);
  if (programme.forme === 'signalement') {
    throw new CycleInputError(`Le programme « ${programme.titre} » reçoit des signalements d'établissements de santé : ils arrivent par le formulaire ou par « passerelle signalements import », pas par un cycle mensuel.`);
  }
  const inHouse = programme.forme === 'interne';
  if (!inHouse && !programme.destinataire) throw new CycleInputError(`Le programme « ${programme.titre} » n'a pas de destinataire : pas de paquet à sceller.`);
  const mainKind = programme.source.fichier as ExtractKind;
  const source = resolve(options.source);
  const dir = (await isDirectory(source)) ? source : dirname(source);
  const mainPath = (await isDirectory(source)) ? await extractFile(source, mainKind) : source;
  const mainBytes = await fileSize(mainPath);
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  if (!inHouse) await removeLeftovers(db, outDir, programme.id);

  const report: CycleReport = {
    programme: programme.id, periode: options.periode, lignesLues: 0, lignesRejetees: 0, valeursIgnorees: 0, nonCibles: 0, exclus: 0,
    nonContactables: 0, sansDestinataire: 0, doublons: 0, retenus: 0, transmis: 0, horsPerimetre: 0, sansCorrespondance: 0, ajoutes: 0, dejaSuivis: 0, paquets: [], refus: [], listes: [],
    rapport: join(outDir, `rapport_${programme.id}_${options.periode}.csv`), durationMs: 0, lignesParSeconde: 0, peakRssBytes: 0,
  };
  const rapport: WriteStream = createWriteStream(report.rapport, { mode: 0o640 });
  const writeReport = (ligne: string, raison: string) => { rapport.write(`${ligne};${csvCell(raison)}\r\n`); };
  rapport.write('\ufeffligne;raison\r\n');
  let peak = process.memoryUsage.rss();

  try {
    const reference = options.reference ?? cycleReference(db);
    const context = { asOf: lastDayOfMonth(options.periode), postalCodes: await reference.codesPostaux?.() };
    // Joined files: read whole (the month's applications), indexed by their join key. One larger than
    // the main file is indexed only for the keys the main file names (read once before, silently).
    const wanted = new Map<number, Set<string>>();
    const joinedPath = async (kind: ExtractKind) => (options.fichiers?.[kind] ? resolve(options.fichiers[kind]) : extractFile(dir, kind));
    for (const [i, j] of programme.source.jointures.entries()) {
      const size = await stat(await joinedPath(j.fichier as ExtractKind)).then((st) => st.size, () => 0);
      if (j.obligatoire && size > mainBytes) wanted.set(i, new Set());
    }
    if (wanted.size > 0) {
      await readExtract(mainPath, mainKind, {
        onRow: (row) => { for (const [i, keys] of wanted) keys.add(joinKey(row, programme.source.jointures[i]!.cle)); },
        onReject: () => {}, onWarning: () => {},
      });
    }
    const joins: JoinIndex[] = [];
    for (const [i, j] of programme.source.jointures.entries()) {
      const wantedKeys = wanted.get(i);
      const kind = j.fichier as ExtractKind;
      const path = await joinedPath(kind);
      const fileName = basename(path);
      const index = new Map<string, Row[]>();
      const empty: Record<string, string> = {};
      for (const col of EXTRACT_FORMATS[kind].columns) if (!j.cle.includes(col.name)) empty[col.name] = '';
      let present = true;
      try { await stat(path); } catch { present = false; }
      if (!present) {
        if (j.obligatoire) throw new CycleInputError(`Fichier joint obligatoire introuvable : ${path}.`);
        writeReport('', `${fileName} absent du dossier : aucune demande du mois n'est prise en compte, seuls les bénéficiaires sont ciblés`);
      } else {
        // The file's own key (EXTRACT_FORMATS[kind].key) is unique: a repeated one keeps the first row.
        const keys = new Map<string, number>();
        const key = EXTRACT_FORMATS[kind].key;
        await readExtract(path, kind, {
          onRow: (row, line) => {
            const k = joinKey(row, j.cle);
            if (wantedKeys && !wantedKeys.has(k)) return;
            const own = joinKey(row, key);
            const first = keys.get(own);
            if (first !== undefined) {
              report.lignesRejetees++;
              writeReport(`${fileName}:${line}`, `clé en double (${key.join(', ')}) : déjà à la ligne ${first}, ligne écartée`);
              return;
            }
            keys.set(own, line);
            (index.get(k) ?? index.set(k, []).get(k)!).push(row);
          },
          onReject: (line, reason) => { report.lignesRejetees++; writeReport(`${fileName}:${line}`, reason); },
          onWarning: (line, reason) => { report.valeursIgnorees++; writeReport(`${fileName}:${line}`, reason); },
        }, context);
      }
      joins.push({ fichier: fileName, cle: j.cle, obligatoire: j.obligatoire, index, empty });
    }

    const lookup = programme.destinataire ? await reference.competences(programme.destinataire.branche) : null;
    const holderLookup = programme.expediteur.resolution ? await reference.competences(programme.expediteur.branche) : null;
    const { noms, cafParDepartement } = await reference.organisations();
    const conventions = await exchangeRepository.conventions(db);
    const plan = selectionPlan(programme, options.periode, joins);
    const identifiant = programme.donnees.identifiant?.champ ?? 'nir';
    const groups = new Map<string, Group>();

    const groupFor = (expediteur: string, destinataire: string): Group => {
      const key = `${expediteur}>${destinataire}`;
      let g = groups.get(key);
      if (g) return g;
      g = { expediteur, destinataire, personnes: 0, champs: [], lignes: [], lignesSource: [], vus: new Map() };
      const coverage = coveringConvention(conventions.map((c) => c.convention), { programme, expediteur, destinataire, date: now, noms });
      if (!coverage.ok) g.refus = coverage.raison;
      else {
        g.convention = conventions.find((c) => c.convention.id === coverage.convention.id)!;
        g.champs = allowedFields(programme, coverage.convention, now);
        if (g.champs.length === 0) g.refus = `Scellement refusé : la convention ${coverage.convention.id} ne liste aucun des champs que le programme autorise.`;
      }
      groups.set(key, g);
      return g;
    };

    let nextProgress = 0.1;
    const onProgress = (bytes: number, lignes: number) => {
      peak = Math.max(peak, process.memoryUsage.rss());
      if (!options.onProgress) return;
      if (bytes / Math.max(1, mainBytes) >= nextProgress || bytes >= mainBytes) {
        options.onProgress({ octetsLus: bytes, octetsTotal: mainBytes, lignes });
        while (nextProgress <= bytes / Math.max(1, mainBytes)) nextProgress += 0.1;
      }
    };
    const onReject = (line: number, reason: string) => { report.lignesRejetees++; writeReport(String(line), reason); };
    const onWarning = (line: number, reason: string) => { report.valeursIgnorees++; writeReport(String(line), reason); };
    const onUnmatched = (line: number, fichier: string) => { report.sansCorrespondance++; writeReport(String(line), `aucune ligne correspondante dans ${fichier} : ligne ignorée`); };

    // Duplicate keys among the rows that found applications: both rows would inherit the same
    // applications, so neither is transmitted (the later ones at once, the first before sealing).
    const keyNames = programme.source.jointures[0]?.cle.join(', ') ?? '';
    const joinedLines = new Map<string, { line: number; person: string }>();
    const repeated = new Set<number>();
    const firstOfRepeated = new Map<number, number>();
    const onJoinedKey = (keyAndPerson: string, line: number) => {
      const tab = keyAndPerson.indexOf('\t');
      const key = keyAndPerson.slice(0, tab);
      const person = keyAndPerson.slice(tab + 1);
      const seen = joinedLines.get(key);
      if (seen === undefined) { joinedLines.set(key, { line, person }); return; }
      if (seen.person === person) return; // the same person twice: a plain duplicate, transmitted once
      const first = seen.line;
      repeated.add(line);
      if (!firstOfRepeated.has(first)) firstOfRepeated.set(first, line);
      report.lignesRejetees++;
      writeReport(String(line), `clé en double (${keyNames}) : même clé qu'à la ligne ${first}, avec des demandes du mois ; aucune des deux lignes n'est transmise`);
    };

    /**
     * The holder of a row: the organisation competent for its commune (`expediteur.resolution`), or
     * the Caf of its file; the one given to the run when neither says. Null (row reported) when the
     * row belongs to another holder than the one given, or when no holder can be found.
     */
    const holderOf = (ligne: Row, line: number): string | null => {
      const resolved = holderLookup ? resolveHolder(programme, ligne, holderLookup) : null;
      const ofFile = resolved?.ok ? resolved.organisation : (ligne.departement_caf ? cafParDepartement.get(ligne.departement_caf) : undefined);
      if (options.expediteur && ofFile && ofFile !== options.expediteur) {
        report.horsPerimetre++;
        writeReport(String(line), `dossier géré par ${ofFile}, pas par ${options.expediteur} : ligne ${inHouse ? 'non retenue' : 'non transmise'}`);
        return null;
      }
      const holder = options.expediteur ?? ofFile;
      if (holder) return holder;
      if (resolved && !resolved.ok) { report.sansDestinataire++; writeReport(String(line), `organisme détenteur introuvable : ${resolved.raison}`); return null; }
      throw new CycleInputError(`Organisme inconnu : précisez --expediteur (code de l’organisme qui ${inHouse ? 'détient l’extrait' : 'envoie'}, ex. ${programme.expediteur.branche}-83).`);
    };

    /** In-house: a person retained goes to her holder's own list (pseudonyms and enrolment after reading). */
    const lists = new Map<string, { nir: string; champs: Record<string, string>; line: number }[]>();
    const retainedInHouse = (ligne: Row, line: number) => {
      if (repeated.has(line)) return;
      const list = worklistLine(programme, ligne);
      if (!list.ok) { report.nonContactables++; writeReport(String(line), list.motif); return; }
      const holder = holderOf(ligne, line);
      if (!holder) return;
      report.retenus++;
      (lists.get(holder) ?? lists.set(holder, []).get(holder)!).push({ nir: ligne[identifiant] ?? '', champs: list.champs, line });
    };

    /** Exchange: a person retained by the programme and the contact rules: recipient, sender, convention, pseudonym, minimised line. */
    const retainedForExchange = (ligne: Row, line: number) => {
      if (repeated.has(line)) return;
      const recipient = resolveRecipient(programme, ligne, lookup!);
      if (!recipient.ok) { report.sansDestinataire++; writeReport(String(line), `destinataire introuvable : ${recipient.raison}`); return; }
      const expediteur = holderOf(ligne, line);
      if (!expediteur) return;
      report.retenus++;
      const group = groupFor(expediteur, recipient.organisation);
      group.personnes++;
      if (group.refus || !group.convention) return;
      const nir = ligne[identifiant] ?? '';
      const pseudo = pseudonym(group.convention.cle, nir);
      const first = group.vus.get(pseudo);
      if (first !== undefined) { report.doublons++; writeReport(String(line), `personne déjà retenue à la ligne ${first} (doublon) : transmise une seule fois`); return; }
      group.vus.set(pseudo, line);
      const fields = minimise(ligne, group.champs);
      group.lignes.push([pseudo, ...group.champs.map((f) => fields[f] ?? '')].map(csvField).join(';') + '\n');
      group.lignesSource.push(line);
    };
    const retained = inHouse ? retainedInHouse : retainedForExchange;

    // Large CSV files are read by worker threads (same checks, results applied in file order);
    // smaller ones, spreadsheets and special cases in process.
    const sniffed = await sniff(mainPath, basename(mainPath));
    const workers = options.workers ?? (mainBytes >= PARALLEL_FROM_BYTES ? Math.min(availableParallelism(), 4) : 0);
    let read: number | null = null;
    if (workers > 0 && !sniffed.xlsx) {
      read = await readExtractInWorkers(mainPath, mainKind, sniffed, { programme, periode: options.periode, joins, ...context }, {
        onReject, onWarning, onProgress, onRetained: retained, onJoinedKey, onUnmatched,
        onCounts: (c) => { report.nonCibles += c.nonCibles; report.exclus += c.exclus; report.nonContactables += c.nonContactables; },
      }, { workers, blockBytes: options.blockBytes });
    }
    report.lignesLues = read ?? await readExtract(mainPath, mainKind, {
      onReject, onWarning, onProgress,
      onRow: (row, line) => {
        const key = joinedKey(plan, row);
        if (key !== null) onJoinedKey(key, line);
        const outcome = selectRow(plan, row);
        if (outcome.statut === 'retenu') retained(outcome.ligne, line);
        else if (outcome.statut === 'non_cible') report.nonCibles++;
        else if (outcome.statut === 'sans_correspondance') onUnmatched(line, outcome.fichier);
        else if (outcome.statut === 'exclu') report.exclus++;
        else report.nonContactables++;
      },
    }, { ...context, sniffed });

    // The first row of a repeated key was retained before the repetition was seen: removed now.
    if (firstOfRepeated.size > 0) {
      for (const g of groups.values()) {
        const kept: number[] = [];
        g.lignesSource.forEach((line, i) => {
          const other = firstOfRepeated.get(line);
          if (other === undefined) { kept.push(i); return; }
          report.retenus--;
          report.lignesRejetees++;
          g.personnes--;
          writeReport(String(line), `clé en double (${keyNames}) : même clé qu'à la ligne ${other}, avec des demandes du mois ; aucune des deux lignes n'est transmise`);
        });
        g.lignes = kept.map((i) => g.lignes[i]!);
        g.lignesSource = kept.map((i) => g.lignesSource[i]!);
      }
      for (const [holder, people] of lists) {
        lists.set(holder, people.filter((p) => {
          const other = firstOfRepeated.get(p.line);
          if (other === undefined) return true;
          report.retenus--;
          report.lignesRejetees++;
          writeReport(String(p.line), `clé en double (${keyNames}) : même clé qu'à la ligne ${other}, avec des demandes du mois ; aucune des deux lignes n'est retenue`);
          return false;
        }));
      }
    }

    for (const [holder, people] of [...lists].sort(([a], [b]) => a.localeCompare(b))) {
      report.listes.push(await fillList(db, { programme, periode: options.periode, holder, people, now, maxDays: options.maxDays ?? null, report, writeReport }));
    }

    // A Caf seals for several recipients: its keyring (decrypted from the database) is read once.
    const senderRings = new Map<string, Awaited<ReturnType<typeof exchangeRepository.keyring>>>();
    const senderKeyring = async (organisation: string) => {
      if (!senderRings.has(organisation)) senderRings.set(organisation, await exchangeRepository.keyring(db, organisation));
      return senderRings.get(organisation);
    };
    const sortedGroups = [...groups.values()].sort((a, b) => `${a.expediteur}>${a.destinataire}`.localeCompare(`${b.expediteur}>${b.destinataire}`));
    for (const g of sortedGroups) {
      if (g.refus || !g.convention) {
        const raison = g.refus ?? 'Scellement refusé : aucune convention.';
        report.refus.push({ expediteur: g.expediteur, destinataire: g.destinataire, personnes: g.personnes, raison });
        writeReport('', `${g.personnes} personne(s) non transmise(s) à ${g.destinataire} : ${raison}`);
        continue;
      }
      if (g.lignes.length === 0) continue;
      // The recipient's published key: the partner registry's when it is hosted elsewhere, else its local keyring's public half.
      const [senderRing, recipientRing] = [await senderKeyring(g.expediteur), await exchangeRepository.trustedPublicKeyring(db, g.destinataire)];
      if (!senderRing || !recipientRing) {
        const raison = `Scellement refusé : ${!senderRing ? g.expediteur : g.destinataire} n'a pas de trousseau de clés.`;
        report.refus.push({ expediteur: g.expediteur, destinataire: g.destinataire, personnes: g.personnes, raison });
        writeReport('', raison);
        continue;
      }
      // A rerun (after a crash, or of the same month) reuses the package an earlier run sealed for this recipient.
      const earlier = await exchangeRepository.sealedFor(db, { expediteur: g.expediteur, destinataire: g.destinataire, programme: programme.id, periode: options.periode });
      if (earlier && !options.remplacer) {
        const manifeste = join(outDir, manifestFileName(earlier.nom));
        report.transmis += earlier.nombreEnregistrements;
        report.paquets.push({
          id: earlier.id, nom: earlier.nom, expediteur: g.expediteur, destinataire: g.destinataire, convention: earlier.convention,
          nombre: earlier.nombreEnregistrements, champs: ['pseudonyme', ...g.champs], manifeste: (await exists(manifeste)) ? manifeste : '', reutilise: true,
        });
        writeReport('', `paquet pour ${g.destinataire} déjà scellé le ${frenchDateTime(earlier.creeLe)} par une exécution précédente (${earlier.nombreEnregistrements} personne(s)) : réutilisé, rien n'est scellé deux fois (pour le remplacer par celui de cet extrait : option « remplacer »)`);
        g.lignes = [];
        continue;
      }
      const champs = ['pseudonyme', ...g.champs];
      const nom = await freePackageName(db, outDir, g.expediteur, `${programme.id}_${g.expediteur}_${g.destinataire}_${options.periode}`);
      let sealed;
      try {
        sealed = await sealPackage({
          programme: programme.id, convention: g.convention.convention.id, expediteur: g.expediteur, destinataire: g.destinataire,
          periode: options.periode, versionSchema: '1', champs, nombreEnregistrements: g.lignes.length, creeLe: now,
          payloadCsv: payloadChunks(champs.join(';') + '\n', g.lignes),
          recipientKey: currentRecipientKey(recipientRing),
          senderSigningKey: currentGeneration(senderRing).signature,
          outDir, name: nom, ...(earlier ? { remplace: earlier.id } : {}),
        });
      } catch (error) {
        const raison = `Scellement impossible pour ${g.destinataire} : ${(error as Error).message}.`;
        report.refus.push({ expediteur: g.expediteur, destinataire: g.destinataire, personnes: g.personnes, raison });
        writeReport('', raison);
        continue;
      }
      durableEffect('cycle.paquet.fichiers');
      // The package's row and its audit record in one transaction: a sealed package is never unrecorded
      // (files sealed by a run killed before this point have no row: the next run deletes them).
      await db.transaction().execute(async (trx) => {
        await exchangeRepository.insertPackage(trx, {
          id: sealed.manifest.id, detenteur: g.expediteur, programme: programme.id, convention: g.convention!.convention.id,
          expediteur: g.expediteur, destinataire: g.destinataire, periode: options.periode, nom, statut: 'scelle',
          nombreEnregistrements: g.lignes.length, creeLe: now,
        });
        await recordAudit(trx, {
          action: 'echange.scellement', acteur: { compteId: null, organisation: g.expediteur }, cible: { type: 'paquet', id: sealed.manifest.id },
          details: { programme: programme.id, periode: options.periode, destinataire: g.destinataire, convention: g.convention!.convention.id, enregistrements: g.lignes.length },
        });
      });
      durableEffect('cycle.paquet');
      report.transmis += g.lignes.length;
      report.paquets.push({
        id: sealed.manifest.id, nom, expediteur: g.expediteur, destinataire: g.destinataire, convention: g.convention.convention.id,
        nombre: g.lignes.length, champs, manifeste: sealed.files.manifest,
      });
      g.lignes = [];
    }
  } catch (error) {
    // A file refused whole (not text, wrong header, missing): said in the row report too, as the whole-file line.
    if (error instanceof CycleInputError) writeReport('', `fichier refusé en entier, rien n'est transmis : ${error.message}`);
    throw error;
  } finally {
    await new Promise<void>((ok, ko) => rapport.end((e?: Error | null) => (e ? ko(e) : ok())));
  }

  report.durationMs = performance.now() - started;
  report.lignesParSeconde = report.durationMs > 0 ? report.lignesLues / (report.durationMs / 1000) : report.lignesLues;
  report.peakRssBytes = Math.max(peak, process.memoryUsage.rss());
  if (inHouse) return report;
  const expediteurs = [...new Set(report.paquets.map((p) => p.expediteur).concat(report.refus.map((r) => r.expediteur)))];
  await recordAudit(db, {
    action: 'echange.cycle',
    acteur: { compteId: null, organisation: options.expediteur ?? (expediteurs.length === 1 ? expediteurs[0]! : null) },
    cible: { type: 'programme', id: programme.id },
    details: {
      programme: programme.id, periode: options.periode, source: basename(mainPath), lignesLues: report.lignesLues, lignesRejetees: report.lignesRejetees,
      valeursIgnorees: report.valeursIgnorees, retenus: report.retenus, transmis: report.transmis, doublons: report.doublons,
      nonContactables: report.nonContactables, sansDestinataire: report.sansDestinataire,
      paquets: report.paquets.map((p) => ({ id: p.id, destinataire: p.destinataire, convention: p.convention, enregistrements: p.nombre })),
      refus: report.refus.map((r) => ({ destinataire: r.destinataire, personnes: r.personnes })),
    },
  });
  return report;
}

/**
 * In-house: puts one holder's retained people on its own worklist for the month — pseudonym under
 * the holder's own key, one line per person (duplicates reported), people already followed not
 * added again, the opposition register applied — in one transaction audited with its effect.
 */
async function fillList(db: Kysely<DB>, input: {
  programme: Programme; periode: string; holder: string; now: Date; maxDays: number | null;
  people: readonly { nir: string; champs: Record<string, string>; line: number }[];
  report: CycleReport; writeReport: (ligne: string, raison: string) => void;
}): Promise<CycleList> {
  const { programme, holder, report, writeReport } = input;
  const key = await organisationPseudonymKey(db, holder);
  const unique = new Map<string, { champs: Record<string, string>; line: number }>();
  for (const p of input.people) {
    const pseudo = pseudonym(key, p.nir);
    const first = unique.get(pseudo);
    if (first) {
      report.doublons++;
      writeReport(String(p.line), `même personne qu'à la ligne ${first.line} (doublon) : inscrite une seule fois`);
      continue;
    }
    unique.set(pseudo, { champs: p.champs, line: p.line });
  }
  const echeance = retentionDeadline({ importedAt: input.now, processedAt: null, maxDays: input.maxDays }, programme.conservation);
  const { enrolled, opposed } = await db.transaction().execute(async (trx) => {
    const enrolled = await enrolContacts(trx, {
      organisation: holder, programme, periode: input.periode, origine: 'extrait', paquet: null, now: input.now, echeance,
      people: [...unique].map(([pseudonyme, p]) => ({ pseudonyme, champs: p.champs, appelable: isCallable(programme, p.champs) })),
    });
    const opposed = await markRegisteredOppositions(trx, { organisation: holder, programme, target: { contactIds: [...enrolled.ajoutes.values()] }, now: input.now, maxDays: input.maxDays });
    await recordAudit(trx, {
      action: 'liste.cycle', acteur: { compteId: null, organisation: holder }, cible: { type: 'liste', id: `${holder}/${programme.id}/${input.periode}` },
      details: {
        programme: programme.id, periode: input.periode, retenus: unique.size, ajoutes: enrolled.ajoutes.size, dejaSuivis: enrolled.dejaSuivis.length,
        misAJour: enrolled.misAJour, opposes: opposed.contactIds.length,
      },
    });
    return { enrolled, opposed };
  });
  durableEffect('cycle.liste');
  for (const d of enrolled.dejaSuivis) writeReport(String(unique.get(d.pseudonyme)?.line ?? ''), `${d.raison} : pas ajoutée une seconde fois`);
  const opposedSet = new Set(opposed.pseudonymes);
  for (const [pseudo, p] of unique) if (opposedSet.has(pseudo)) writeReport(String(p.line), 'opposition à tout nouveau contact enregistrée un mois précédent : inscrite comme opposée, aucun contact');
  report.ajoutes += enrolled.ajoutes.size;
  report.dejaSuivis += enrolled.dejaSuivis.length;
  return {
    organisation: holder, retenus: unique.size, ajoutes: enrolled.ajoutes.size, dejaSuivis: enrolled.dejaSuivis.length, misAJour: enrolled.misAJour,
    opposes: opposed.contactIds.length, contactIds: [...enrolled.ajoutes.values()],
    lignes: Object.fromEntries([...enrolled.ajoutes].map(([pseudo, id]) => [id, unique.get(pseudo)!.line])),
  };
}
