/**
 * The per-row part of the cycle that needs nothing but the programme and the joined files (pure,
 * no I/O): join the row with the month's applications, select it with the programme's rule, apply
 * the contact rules (exchange programmes; an in-house list applies worklistLine in the cycle). Shared by the cycle (in process) and the reading workers (extract-parallel.ts).
 */
import {
  applyContactRules, compileSelection, targetingContext, withMarkers, type Programme, type Row, type Selector, type TargetingContext,
} from '../programmes/index.ts';

export interface JoinIndex {
  /** File name of the joined extract, for the row report. */
  fichier: string;
  cle: readonly string[];
  obligatoire: boolean;
  /** Rows of the joined file by join key (key columns joined with "|"). */
  index: Map<string, Row[]>;
  /** The joined file's columns (but the key), empty: what an optional join without a match adds. */
  empty: Row;
}

export interface SelectionPlan {
  programme: Programme;
  context: TargetingContext;
  /** The programme's rules compiled once for the month (compileSelection). */
  select: Selector;
  joins: readonly JoinIndex[];
}

export type RowOutcome =
  | { statut: 'non_cible' }
  /** A mandatory joined file has no row for this one (e.g. a separation without an allocataire record). */
  | { statut: 'sans_correspondance'; fichier: string }
  | { statut: 'exclu' }
  | { statut: 'non_contactable' }
  | { statut: 'retenu'; ligne: Row };

/** The join key of a row: its key columns joined with "|" (as the index of the joined file). */
export function joinKey(row: Row, columns: readonly string[]): string {
  let key = row[columns[0]!] ?? '';
  for (let i = 1; i < columns.length; i++) key += `|${row[columns[i]!] ?? ''}`;
  return key;
}

export function selectionPlan(programme: Programme, periode: string, joins: readonly JoinIndex[]): SelectionPlan {
  const context = targetingContext(programme, periode);
  return { programme, context, select: compileSelection(programme, context), joins };
}

/** Join, selection and contact rules for one valid row of the main file. */
export function selectRow(plan: SelectionPlan, row: Row): RowOutcome {
  let merged: Row[] = [row];
  // The joined columns of an optional join without a match are empty: rules read a missing column
  // as '', so they are added only to the row that is kept (no copy of the others).
  let fill: Row | undefined;
  for (const j of plan.joins) {
    const found = j.index.size === 0 ? undefined : j.index.get(joinKey(row, j.cle));
    if (!found || found.length === 0) {
      if (j.obligatoire) return { statut: 'sans_correspondance', fichier: j.fichier };
      fill = fill === undefined ? j.empty : { ...(fill as Record<string, string>), ...j.empty };
    } else merged = merged.flatMap((m) => found.map((f) => ({ ...f, ...m })));
  }
  const selection = plan.select(merged);
  if (selection.statut === 'non_cible') return { statut: 'non_cible' };
  if (selection.statut === 'exclu') return { statut: 'exclu' };
  const ligne = fill === undefined ? selection.ligne : { ...(fill as Record<string, string>), ...selection.ligne };
  // An in-house list applies its own rules for people at risk (worklistLine, in the cycle).
  if (plan.programme.forme !== 'echange') return { statut: 'retenu', ligne: withMarkers(ligne, selection.marqueurs) };
  const contact = applyContactRules(plan.programme, withMarkers(ligne, selection.marqueurs));
  if (!contact.ok) return { statut: 'non_contactable' };
  return { statut: 'retenu', ligne: contact.ligne };
}

/**
 * The key of a row that found entries in a joined file (the month's applications), with the
 * person's identifier after a tab, or null. Two rows of the main file with the same key but two
 * different people would both inherit the same applications: the cycle keeps neither
 * (docs/extract-formats.md, "Duplicate keys"); the same person twice is a plain duplicate.
 */
export function joinedKey(plan: SelectionPlan, row: Row): string | null {
  for (const j of plan.joins) {
    if (j.index.size === 0) continue;
    const key = joinKey(row, j.cle);
    if (j.index.has(key)) return `${key}\t${row[plan.programme.donnees.identifiant?.champ ?? 'nir'] ?? ''}`;
  }
  return null;
}
