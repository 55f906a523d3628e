/**
 * The monthly cycle of a programme, on the sender's side: read the source extract (CSV or XLSX,
 * streamed, validated row by row against EXTRACT_FORMATS: extract.ts; a large CSV by worker
 * threads: extract-parallel.ts), select with the programme's rule, apply the contact rules
 * (extract-select.ts), resolve the competent recipient, minimise to programme ∩ convention, add
 * the keyed pseudonym, and seal one package per recipient. Rejected rows go to a row report
 * (`ligne;raison`); valid rows are never lost because of bad ones.
 *
 * Memory: the main file is streamed; the joined files (the month's applications) and the
 * selected people's minimised lines are held in memory — it grows with the number of people
 * retained, not with the size of the extract.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { allowedFields, coveringConvention } from '../conventions/index.ts';
import type { DB } from '../db/index.ts';
import { csvField, EXTRACT_FORMATS, type ExtractKind } from '../extracts/index.ts';
import { csvCell } from '../shared/csv.ts';
import {
  findProgramme, isIsoMonth, loadProgrammes, pseudonym, resolveRecipient, minimise,
  type CompetenceLookup, type Programme, type Row,
} from '../programmes/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { currentGeneration, currentRecipientKey } from './keys.ts';
import { exchangeRepository, type StoredConvention } from './repository.ts';
import { CycleInputError, readExtract, sniff } from './extract.ts';
import { readExtractInWorkers } from './extract-parallel.ts';
import { joinKey, selectionPlan, selectRow, type JoinIndex } from './extract-select.ts';
import { sealPackage } from './seal.ts';

export { CycleInputError, readExtract, type ExtractReading } from './extract.ts';

export interface CycleProgress { octetsLus: number; octetsTotal: number; lignes: number }

export interface CycleOptions {
  programme: string;
  /** AAAA-MM */
  periode: string;
  /** A file (the programme's main source file) or the folder written by `passerelle generate`. */
  source: string;
  outDir: string;
  /** Sender organisation; by default the Caf of each row's `departement_caf`. */
  expediteur?: string;
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
}

export function cycleReference(db: Kysely<DB>): CycleReference {
  const lookups = new Map<string, Promise<CompetenceLookup>>();
  let organisations: ReturnType<CycleReference['organisations']> | undefined;
  // A failed load is not kept: the next run tries again.
  const remember = <T>(promise: Promise<T>, forget: () => void) => { promise.catch(forget); return promise; };
  return {
    competences(branche) {
      let p = lookups.get(branche);
      if (!p) lookups.set(branche, p = remember(exchangeRepository.competenceLookup(db, branche), () => lookups.delete(branche)));
      return p;
    },
    organisations() {
      organisations ??= remember(exchangeRepository.organisationNames(db), () => { organisations = undefined; });
      return organisations;
    },
  };
}

const PARALLEL_FROM_BYTES = 32 * 1024 * 1024;

export interface CyclePackage { id: string; nom: string; expediteur: string; destinataire: string; convention: string; nombre: number; champs: string[]; manifeste: string }
export interface CycleRefusal { expediteur: string; destinataire: string; personnes: number; raison: string }

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
}

const COUNT_KEYS = [
  'lignesLues', 'lignesRejetees', 'valeursIgnorees', 'nonCibles', 'exclus', 'nonContactables', 'sansDestinataire', 'doublons', 'retenus', 'transmis',
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

/** Runs the cycle. Throws CycleInputError when the input is refused as a whole. */
export async function runCycle(db: Kysely<DB>, options: CycleOptions): Promise<CycleReport> {
  const started = performance.now();
  const now = options.now ?? new Date();
  if (!isIsoMonth(options.periode)) throw new CycleInputError(`Mois invalide : « ${options.periode} » ; AAAA-MM attendu (ex. 2026-11).`);
  const programmes = options.programmes ?? loadProgrammes();
  const programme = findProgramme(programmes, options.programme);
  if (!programme) throw new CycleInputError(`Programme inconnu : « ${options.programme} » ; programmes : ${programmes.map((p) => p.id).join(', ')}.`);
  if (!programme.destinataire || programme.donnees.transmission !== 'nominative') {
    throw new CycleInputError(`Le programme « ${programme.titre} » ne transmet aucune donnée personnelle : pas de paquet à sceller.`);
  }
  const mainKind = programme.source.fichier as ExtractKind;
  const source = resolve(options.source);
  const dir = (await isDirectory(source)) ? source : dirname(source);
  const mainPath = (await isDirectory(source)) ? await extractFile(source, mainKind) : source;
  const mainBytes = await fileSize(mainPath);
  const outDir = resolve(options.outDir);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(outDir, { recursive: true });

  const report: CycleReport = {
    programme: programme.id, periode: options.periode, lignesLues: 0, lignesRejetees: 0, valeursIgnorees: 0, nonCibles: 0, exclus: 0,
    nonContactables: 0, sansDestinataire: 0, doublons: 0, retenus: 0, transmis: 0, paquets: [], refus: [],
    rapport: join(outDir, `rapport_${programme.id}_${options.periode}.csv`), durationMs: 0, lignesParSeconde: 0, peakRssBytes: 0,
  };
  const rapport: WriteStream = createWriteStream(report.rapport, { mode: 0o640 });
  const writeReport = (ligne: string, raison: string) => { rapport.write(`${ligne};${csvCell(raison)}\r\n`); };
  rapport.write('\ufeffligne;raison\r\n');
  let peak = process.memoryUsage.rss();

  try {
    // Joined files: read whole (the month's applications), indexed by their join key.
    const joins: JoinIndex[] = [];
    for (const j of programme.source.jointures) {
      const kind = j.fichier as ExtractKind;
      const path = await extractFile(dir, kind);
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
        await readExtract(path, kind, {
          onRow: (row) => { const k = joinKey(row, j.cle); (index.get(k) ?? index.set(k, []).get(k)!).push(row); },
          onReject: (line, reason) => { report.lignesRejetees++; writeReport(`${fileName}:${line}`, reason); },
          onWarning: (line, reason) => { report.valeursIgnorees++; writeReport(`${fileName}:${line}`, reason); },
        });
      }
      joins.push({ cle: j.cle, obligatoire: j.obligatoire, index, empty });
    }

    const reference = options.reference ?? cycleReference(db);
    const lookup = await reference.competences(programme.destinataire.branche);
    const { noms, cafParDepartement } = await reference.organisations();
    const conventions = await exchangeRepository.conventions(db);
    const plan = selectionPlan(programme, options.periode, joins);
    const identifiant = programme.donnees.identifiant?.champ ?? 'nir';
    const groups = new Map<string, Group>();

    const groupFor = (expediteur: string, destinataire: string): Group => {
      const key = `${expediteur}>${destinataire}`;
      let g = groups.get(key);
      if (g) return g;
      g = { expediteur, destinataire, personnes: 0, champs: [], lignes: [], vus: new Map() };
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

    /** A person retained by the programme and the contact rules: recipient, sender, convention, pseudonym, minimised line. */
    const retained = (ligne: Row, line: number) => {
      const recipient = resolveRecipient(programme, ligne, lookup);
      if (!recipient.ok) { report.sansDestinataire++; writeReport(String(line), `destinataire introuvable : ${recipient.raison}`); return; }
      let expediteur = options.expediteur;
      const cafDuDossier = ligne.departement_caf ? cafParDepartement.get(ligne.departement_caf) : undefined;
      if (expediteur && cafDuDossier && cafDuDossier !== expediteur) {
        report.lignesRejetees++;
        writeReport(String(line), `dossier géré par ${cafDuDossier}, pas par ${expediteur} : ligne non transmise`);
        return;
      }
      expediteur ??= cafDuDossier;
      if (!expediteur) throw new CycleInputError('Expéditeur inconnu : précisez --expediteur (code de l’organisme qui envoie, ex. caf-83).');
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
    };

    // Large CSV files are read by worker threads (same checks, results applied in file order);
    // smaller ones, spreadsheets and special cases in process.
    const sniffed = await sniff(mainPath);
    const workers = options.workers ?? (mainBytes >= PARALLEL_FROM_BYTES ? Math.min(availableParallelism(), 4) : 0);
    let read: number | null = null;
    if (workers > 0 && !sniffed.xlsx) {
      read = await readExtractInWorkers(mainPath, mainKind, sniffed, { programme, periode: options.periode, joins }, {
        onReject, onWarning, onProgress, onRetained: retained,
        onCounts: (c) => { report.nonCibles += c.nonCibles; report.exclus += c.exclus; report.nonContactables += c.nonContactables; },
      }, { workers, blockBytes: options.blockBytes });
    }
    report.lignesLues = read ?? await readExtract(mainPath, mainKind, {
      onReject, onWarning, onProgress,
      onRow: (row, line) => {
        const outcome = selectRow(plan, row);
        if (outcome.statut === 'retenu') retained(outcome.ligne, line);
        else if (outcome.statut === 'non_cible') report.nonCibles++;
        else if (outcome.statut === 'exclu') report.exclus++;
        else report.nonContactables++;
      },
    });

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
      const champs = ['pseudonyme', ...g.champs];
      const nom = `${programme.id}_${g.expediteur}_${g.destinataire}_${options.periode}`;
      let sealed;
      try {
        sealed = await sealPackage({
          programme: programme.id, convention: g.convention.convention.id, expediteur: g.expediteur, destinataire: g.destinataire,
          periode: options.periode, versionSchema: '1', champs, nombreEnregistrements: g.lignes.length, creeLe: now,
          payloadCsv: payloadChunks(champs.join(';') + '\n', g.lignes),
          recipientKey: currentRecipientKey(recipientRing),
          senderSigningKey: currentGeneration(senderRing).signature,
          outDir, name: nom,
        });
      } catch (error) {
        const raison = `Scellement impossible pour ${g.destinataire} : ${(error as Error).message}.`;
        report.refus.push({ expediteur: g.expediteur, destinataire: g.destinataire, personnes: g.personnes, raison });
        writeReport('', raison);
        continue;
      }
      await exchangeRepository.insertPackage(db, {
        id: sealed.manifest.id, detenteur: g.expediteur, programme: programme.id, convention: g.convention.convention.id,
        expediteur: g.expediteur, destinataire: g.destinataire, periode: options.periode, nom, statut: 'scelle',
        nombreEnregistrements: g.lignes.length, creeLe: now,
      });
      report.transmis += g.lignes.length;
      report.paquets.push({
        id: sealed.manifest.id, nom, expediteur: g.expediteur, destinataire: g.destinataire, convention: g.convention.convention.id,
        nombre: g.lignes.length, champs, manifeste: sealed.files.manifest,
      });
      g.lignes = [];
    }
  } finally {
    await new Promise<void>((ok, ko) => rapport.end((e?: Error | null) => (e ? ko(e) : ok())));
  }

  report.durationMs = performance.now() - started;
  report.lignesParSeconde = report.durationMs > 0 ? report.lignesLues / (report.durationMs / 1000) : report.lignesLues;
  report.peakRssBytes = Math.max(peak, process.memoryUsage.rss());
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
