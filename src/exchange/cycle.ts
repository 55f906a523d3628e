/**
 * The monthly cycle of a programme, on the sender's side: read the source extract (streamed,
 * validated row by row against EXTRACT_FORMATS), select with the programme's rule, apply the
 * contact rules, resolve the competent recipient, minimise to programme ∩ convention, add the
 * keyed pseudonym, and seal one package per recipient. Rejected rows go to a row report
 * (`ligne;raison`); valid rows are never lost because of bad ones.
 *
 * Memory: the main file is streamed; the joined files (the month's applications) and the selected
 * people's minimised lines are held in memory — it grows with the number of people retained, not
 * with the size of the extract.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { parse } from 'csv-parse';
import type { Kysely } from 'kysely';
import { allowedFields, coveringConvention } from '../conventions/index.ts';
import type { DB } from '../db/index.ts';
import { checkCell, checkHeader, csvField, EXTRACT_FORMATS, normalizeFrenchPhone, type ColumnDefinition, type ExtractKind } from '../generate/index.ts';
import {
  applyContactRules, findProgramme, isIsoMonth, loadProgrammes, pseudonym, resolveRecipient, selectPerson, targetingContext, withMarkers, minimise,
  type Programme, type Row,
} from '../programmes/index.ts';
import { recordAudit } from '../privacy/index.ts';
import { currentGeneration, currentRecipientKey, publicKeyring } from './keys.ts';
import { exchangeRepository, type StoredConvention } from './repository.ts';
import { sealPackage } from './seal.ts';

/** Input refused as a whole (missing file, bad header, unknown programme): exit code 2. */
export class CycleInputError extends Error {}

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
}

export interface CyclePackage { id: string; nom: string; expediteur: string; destinataire: string; convention: string; nombre: number; champs: string[]; manifeste: string }
export interface CycleRefusal { expediteur: string; destinataire: string; personnes: number; raison: string }

export interface CycleReport {
  programme: string;
  periode: string;
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
  paquets: CyclePackage[];
  refus: CycleRefusal[];
  rapport: string;
  durationMs: number;
  lignesParSeconde: number;
  peakRssBytes: number;
}

/** A cell a spreadsheet would run as a formula: `=`, `@`, or `+`/`-` not followed by a digit (a phone `+33…` or `-1` is data). */
/** Longest cell accepted: no column of the extracts needs more (a 10 MB cell is a broken export). */
const MAX_CELL = 1000;

const FORMULA = /^(?:[=@]|[+-](?![\d\s.]))/;

/** Strips the value that checkCell quotes at the end of its reason: the row report names columns, never personal values. */
const withoutValue = (reason: string) => reason.replace(/ \(« [\s\S]* »\)$/, '');

/** Sniffs the separator (`;` or `,`) and the encoding (UTF-8, or Windows-1252 when the start is not valid UTF-8). */
async function sniff(path: string): Promise<{ delimiter: string; encoding: 'utf-8' | 'windows-1252' }> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead);
    let encoding: 'utf-8' | 'windows-1252' = 'utf-8';
    try { new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true }); } catch { encoding = 'windows-1252'; }
    const text = new TextDecoder(encoding).decode(head.subarray(0, 65536)).replace(/^\ufeff/, '');
    const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
    return { delimiter: firstLine.includes(';') ? ';' : firstLine.includes(',') ? ',' : ';', encoding };
  } finally {
    await handle.close();
  }
}

function decoder(encoding: 'utf-8' | 'windows-1252'): Transform {
  const d = new TextDecoder(encoding);
  return new Transform({
    transform(chunk: Buffer, _enc, cb) { cb(null, d.decode(chunk, { stream: true })); },
    flush(cb) { cb(null, d.decode()); },
  });
}

export interface ExtractReading {
  onRow: (row: Row, line: number) => void;
  onReject: (line: number, reason: string) => void;
  onWarning: (line: number, reason: string) => void;
  onProgress?: (bytes: number, lines: number) => void;
}

/**
 * Streams one extract file, validating it against EXTRACT_FORMATS[kind]: the header as a whole
 * (a wrong one refuses the file), then every row (a bad row is reported and skipped). Free-input
 * columns (e-mail, phone) that are malformed are emptied with a warning; phones are normalised.
 */
export async function readExtract(path: string, kind: ExtractKind, reading: ExtractReading): Promise<number> {
  const format = EXTRACT_FORMATS[kind];
  const columns: readonly ColumnDefinition[] = format.columns;
  const { delimiter, encoding } = await sniff(path);
  const parser = parse({
    delimiter, bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, info: true, trim: false,
    // A malformed record (unclosed quote…) is reported and skipped: valid rows are never lost because of a bad one.
    skip_records_with_error: true,
    on_skip: (error) => { if (error) reading.onReject(Number(error.lines ?? 0), `CSV mal formé (${error.code})`); },
  });
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
  let bytes = 0;
  input.on('data', (chunk) => { bytes += chunk.length; });
  // csv-parse decodes UTF-8 itself; Windows-1252 goes through a decoder first.
  if (encoding === 'utf-8') input.pipe(parser);
  else input.pipe(decoder(encoding)).pipe(parser);
  input.on('error', (e) => parser.destroy(e));
  let header = true;
  let rows = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = info.lines;
      if (header) {
        header = false;
        const problem = checkHeader(kind, record.map((h) => h.trim().replace(/^\ufeff/, '')));
        if (problem) {
          const hint = record.length === 1 ? ' (séparateur non reconnu : « ; » ou « , » attendu)' : '';
          throw new CycleInputError(`${format.fileName} refusé : ${problem}${hint}.`);
        }
        continue;
      }
      rows++;
      if (rows % 10_000 === 0) reading.onProgress?.(bytes, rows);
      if (record.length !== columns.length) {
        reading.onReject(line, `${record.length} colonne(s) au lieu de ${columns.length}`);
        continue;
      }
      const row: Record<string, string> = {};
      const problems: string[] = [];
      for (let i = 0; i < columns.length; i++) {
        const column = columns[i]!;
        let value = (record[i] ?? '').trim();
        if (value.length > MAX_CELL) {
          problems.push(`${column.name} : cellule de ${value.length} caractères (${MAX_CELL} au plus)`);
          continue;
        }
        if (value !== '' && FORMULA.test(value) && column.type === 'text') {
          problems.push(`${column.name} : la cellule commence par « ${value[0]} » (formule de tableur refusée)`);
          continue;
        }
        if (value.startsWith('=')) {
          problems.push(`${column.name} : la cellule commence par « = » (formule de tableur refusée)`);
          continue;
        }
        if ((column.type === 'postalCode' || column.type === 'inseeCode') && /^\d{4}$/.test(value)) {
          // A spreadsheet drops the leading zero of 01000 or 06000: restore it, and say so.
          value = `0${value}`;
          reading.onWarning(line, `${column.name} : 4 chiffres, zéro initial rétabli`);
        }
        const problem = checkCell(column, value);
        if (problem) {
          if (column.raw) {
            reading.onWarning(line, `${withoutValue(problem)} : valeur non transmise, ligne conservée`);
            value = '';
          } else {
            problems.push(withoutValue(problem));
            continue;
          }
        }
        if (column.type === 'phone' && value !== '') value = normalizeFrenchPhone(value) ?? '';
        row[column.name] = value;
      }
      if (problems.length > 0) { reading.onReject(line, problems.join(' ; ')); continue; }
      reading.onRow(row, line);
    }
  } catch (error) {
    input.destroy();
    if (error instanceof CycleInputError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new CycleInputError(`Fichier introuvable : ${path}.`);
    if (typeof code === 'string' && code.startsWith('CSV_')) {
      throw new CycleInputError(`${format.fileName} illisible : CSV mal formé vers la ligne ${(error as { lines?: number }).lines ?? '?'} (${code}).`);
    }
    throw error;
  }
  if (header) throw new CycleInputError(`${format.fileName} refusé : fichier vide (pas même la ligne d'en-tête).`);
  reading.onProgress?.(bytes, rows);
  return rows;
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
  const mainPath = (await isDirectory(source)) ? join(source, EXTRACT_FORMATS[mainKind].fileName) : source;
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
  const writeReport = (ligne: string, raison: string) => { rapport.write(`${ligne};${csvField(raison)}\r\n`); };
  rapport.write('\ufeffligne;raison\r\n');
  let peak = process.memoryUsage.rss();

  try {
    // Joined files: read whole (the month's applications), indexed by their join key.
    const joins: { cle: readonly string[]; obligatoire: boolean; index: Map<string, Row[]>; empty: Row }[] = [];
    for (const j of programme.source.jointures) {
      const kind = j.fichier as ExtractKind;
      const fileName = EXTRACT_FORMATS[kind].fileName;
      const path = join(dir, fileName);
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
          onRow: (row) => { const k = j.cle.map((c) => row[c] ?? '').join('|'); (index.get(k) ?? index.set(k, []).get(k)!).push(row); },
          onReject: (line, reason) => { report.lignesRejetees++; writeReport(`${fileName}:${line}`, reason); },
          onWarning: (line, reason) => { report.valeursIgnorees++; writeReport(`${fileName}:${line}`, reason); },
        });
      }
      joins.push({ cle: j.cle, obligatoire: j.obligatoire, index, empty });
    }

    const lookup = await exchangeRepository.competenceLookup(db, programme.destinataire.branche);
    const { noms, cafParDepartement } = await exchangeRepository.organisationNames(db);
    const conventions = await exchangeRepository.conventions(db);
    const context = targetingContext(programme, options.periode);
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
    report.lignesLues = await readExtract(mainPath, mainKind, {
      onReject: (line, reason) => { report.lignesRejetees++; writeReport(String(line), reason); },
      onWarning: (line, reason) => { report.valeursIgnorees++; writeReport(String(line), reason); },
      onProgress: (bytes, lignes) => {
        peak = Math.max(peak, process.memoryUsage.rss());
        if (!options.onProgress) return;
        if (bytes / Math.max(1, mainBytes) >= nextProgress || bytes >= mainBytes) {
          options.onProgress({ octetsLus: bytes, octetsTotal: mainBytes, lignes });
          while (nextProgress <= bytes / Math.max(1, mainBytes)) nextProgress += 0.1;
        }
      },
      onRow: (row, line) => {
        let merged: Row[] = [row];
        for (const j of joins) {
          const found = j.index.get(j.cle.map((c) => row[c] ?? '').join('|')) ?? [];
          if (found.length === 0) {
            if (j.obligatoire) { merged = []; break; }
            merged = merged.map((m) => ({ ...j.empty, ...m }));
          } else merged = merged.flatMap((m) => found.map((f) => ({ ...f, ...m })));
        }
        if (merged.length === 0) { report.nonCibles++; return; }
        const selection = selectPerson(programme, merged, context);
        if (selection.statut === 'non_cible') { report.nonCibles++; return; }
        if (selection.statut === 'exclu') { report.exclus++; return; }
        const contact = applyContactRules(programme, withMarkers(selection.ligne, selection.marqueurs));
        if (!contact.ok) { report.nonContactables++; return; }
        const recipient = resolveRecipient(programme, contact.ligne, lookup);
        if (!recipient.ok) { report.sansDestinataire++; writeReport(String(line), `destinataire introuvable : ${recipient.raison}`); return; }
        let expediteur = options.expediteur;
        const cafDuDossier = row.departement_caf ? cafParDepartement.get(row.departement_caf) : undefined;
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
        const nir = contact.ligne[identifiant] ?? '';
        const pseudo = pseudonym(group.convention.cle, nir);
        const first = group.vus.get(pseudo);
        if (first !== undefined) { report.doublons++; writeReport(String(line), `personne déjà retenue à la ligne ${first} (doublon) : transmise une seule fois`); return; }
        group.vus.set(pseudo, line);
        const fields = minimise(contact.ligne, group.champs);
        group.lignes.push([pseudo, ...group.champs.map((f) => fields[f] ?? '')].map(csvField).join(';') + '\n');
      },
    });

    const sortedGroups = [...groups.values()].sort((a, b) => `${a.expediteur}>${a.destinataire}`.localeCompare(`${b.expediteur}>${b.destinataire}`));
    for (const g of sortedGroups) {
      if (g.refus || !g.convention) {
        const raison = g.refus ?? 'Scellement refusé : aucune convention.';
        report.refus.push({ expediteur: g.expediteur, destinataire: g.destinataire, personnes: g.personnes, raison });
        writeReport('', `${g.personnes} personne(s) non transmise(s) à ${g.destinataire} : ${raison}`);
        continue;
      }
      if (g.lignes.length === 0) continue;
      const [senderRing, recipientRing] = [await exchangeRepository.keyring(db, g.expediteur), await exchangeRepository.keyring(db, g.destinataire)];
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
          recipientKey: currentRecipientKey(publicKeyring(recipientRing)),
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
