/** Pure domain: postal-code input and the competence-correction CSV. */
import { readText } from '../extracts/index.ts';
import { mayBeCompetentFor, TYPES_BY_BRANCHE, type Branche } from './domain.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; erreur: string };

export function parsePostalCode(input: string): Parsed<string> {
  const value = input.trim();
  if (!/^\d{5}$/.test(value)) return { ok: false, erreur: 'Le code postal doit compter exactement 5 chiffres (par exemple 83000).' };
  return { ok: true, value };
}

export interface CorrectionRow { ligne: number; commune: string; branche: Branche; organisation: string }
export interface RejectedRow { ligne: number; raison: string }

/** Parses `commune;branche;organisation` rows (header first). Lookups are given, so this stays pure. */
export function parseCompetenceCsv(
  records: string[][],
  known: { communes: Set<string>; organisations: Map<string, string> },
): { valides: CorrectionRow[]; rejetees: RejectedRow[] } {
  const [header = [], ...rows] = records;
  return parseCompetenceRows({ cells: header, ligne: 1 }, rows.map((cells, i) => ({ cells, ligne: i + 2 })), known);
}

/**
 * The rows of a competence file with their physical lines (the line reader's). A commune and branch
 * given twice: the same organisation again is a repeat (the first row applies); two different
 * organisations contradict each other, and neither row applies.
 */
export function parseCompetenceRows(
  header: { cells: string[]; ligne: number },
  rows: readonly { cells: string[]; ligne: number }[],
  known: { communes: Set<string>; organisations: Map<string, string> },
): { valides: CorrectionRow[]; rejetees: RejectedRow[]; doublons: RejectedRow[] } {
  let valides: CorrectionRow[] = [];
  const rejetees: RejectedRow[] = [];
  /** The same correction again: applied once, reported, not a rejection (nothing is lost). */
  const doublons: RejectedRow[] = [];
  const expected = ['commune', 'branche', 'organisation'];
  if (header.cells.map((h) => h.trim().toLowerCase().replace(/^\ufeff/, '')).join(';') !== expected.join(';')) {
    return { valides, rejetees: [{ ligne: header.ligne, raison: `en-tête attendu : ${expected.join(';')}` }], doublons };
  }
  const first = new Map<string, CorrectionRow>();
  const contradicted = new Set<string>();
  for (const { cells, ligne } of rows) {
    if (cells.length === 1 && cells[0]!.trim() === '') continue;
    if (cells.length !== 3) { rejetees.push({ ligne, raison: `3 colonnes attendues, ${cells.length} trouvées` }); continue; }
    const [commune, branche, organisation] = cells.map((c) => c.trim()) as [string, string, string];
    if (!known.communes.has(commune)) { rejetees.push({ ligne, raison: `commune inconnue : « ${commune.slice(0, 20)} » (code INSEE attendu)` }); continue; }
    if (!(branche in TYPES_BY_BRANCHE)) { rejetees.push({ ligne, raison: `branche inconnue : « ${branche.slice(0, 20)} » (caf, cpam ou carsat)` }); continue; }
    const type = known.organisations.get(organisation);
    if (!type) { rejetees.push({ ligne, raison: `organisation inconnue : « ${organisation.slice(0, 40)} »` }); continue; }
    if (!mayBeCompetentFor(type, branche)) {
      rejetees.push({ ligne, raison: `l'organisation ${organisation} (${type}) ne peut pas être compétente pour la branche ${branche}` });
      continue;
    }
    const key = `${commune}|${branche}`;
    const earlier = first.get(key);
    if (earlier) {
      if (earlier.organisation === organisation) {
        doublons.push({ ligne, raison: `même correction qu'à la ligne ${earlier.ligne} (doublon) : appliquée une seule fois` });
      } else {
        contradicted.add(key);
        rejetees.push({ ligne, raison: `commune ${commune}, branche ${branche} : organisme différent de celui de la ligne ${earlier.ligne} ; aucune des deux lignes n'est appliquée` });
      }
      continue;
    }
    const row = { ligne, commune, branche: branche as Branche, organisation };
    first.set(key, row);
    valides.push(row);
  }
  if (contradicted.size > 0) {
    for (const v of valides) {
      if (contradicted.has(`${v.commune}|${v.branche}`)) rejetees.push({ ligne: v.ligne, raison: `commune ${v.commune}, branche ${v.branche} : une autre ligne du fichier donne un autre organisme ; aucune des deux lignes n'est appliquée` });
    }
    valides = valides.filter((v) => !contradicted.has(`${v.commune}|${v.branche}`));
  }
  rejetees.sort((a, b) => a.ligne - b.ligne);
  return { valides, rejetees, doublons };
}

export type CompetenceFile =
  | { ok: true; header: { cells: string[]; ligne: number }; records: { cells: string[]; ligne: number }[]; unreadable: RejectedRow[] }
  | { ok: false; erreur: string };

/** Reads a competence file's bytes with the shared line reader: its header, its records and the lines that cannot be read. */
export function readCompetenceFile(bytes: Uint8Array): CompetenceFile {
  const records: { cells: string[]; ligne: number }[] = [];
  const unreadable: RejectedRow[] = [];
  const read = readText(bytes, {
    record: (cells, ligne) => { records.push({ cells, ligne }); },
    bad: (ligne, raison) => { unreadable.push({ ligne, raison }); },
  });
  if (!read.ok) return { ok: false, erreur: read.erreur };
  return { ok: true, header: read.header ? { cells: read.header.cells, ligne: read.header.line } : { cells: [], ligne: 1 }, records, unreadable };
}
