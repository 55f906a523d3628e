/**
 * Small-count suppression (pure). Outside the organisation itself, a count under 11 is not shown (« < 11 »).
 *
 * Hiding the small cells alone is not enough: a total minus the visible rows gives back the hidden one. The
 * published cells therefore form a grid — geography (national ⊃ région ⊃ département ⊃ organisation) × time
 * (year ⊃ month) — computed for one programme and one year, and for one observer; every parent/children group
 * of the grid, in either dimension, must satisfy two rules (per stage, independently):
 *
 *  1. a visible parent never has exactly one hidden child holding people: if it has, the smallest other child
 *     the observer does not already know is hidden too (secondary suppression), or the parent when there is none;
 *  2. a hidden parent holding people always has a hidden child holding people: otherwise the sum of the visible
 *     children gives it back; the smallest child the observer does not already know is hidden.
 *
 * The rules are applied until nothing changes. Cells the observer already knows (their own organisation's,
 * shown to them in full) are never hidden and never count as protection: a pilot cannot recover a neighbour's
 * small count by subtracting their own figures from a département total.
 *
 * Every other view an outside observer gets (one organisation, one territory, one month or one whole year, a
 * monthly trend, a breakdown by organisation) is read from this grid, so no two published figures differ by a
 * hidden cell alone. Ranges other than a month or a calendar year are refused to outside observers (two
 * overlapping ranges would differ by the months in between).
 */
import { SUPPRESSION_THRESHOLD, type ShownCount, type StageCode, type StageCounts } from './funnel.ts';

export interface Cell {
  key: string;
  counts: StageCounts;
  /** The observer knows this cell exactly (their own organisation): never hidden, never used as protection. */
  known: boolean;
}

export interface Group { parent: string; children: string[] }

export type Shown = Record<StageCode, ShownCount>;

/** Applies primary and secondary suppression; returns the shown counts of every cell. */
export function protect(cells: Map<string, Cell>, groups: Group[]): Map<string, Shown> {
  const result = new Map<string, Shown>();
  for (const cell of cells.values()) result.set(cell.key, { ...cell.counts });
  const stages = new Set([...cells.values()].flatMap((c) => Object.keys(c.counts)));
  for (const stage of stages) {
    const hidden = new Set<string>();
    for (const cell of cells.values()) if (!cell.known && (cell.counts[stage] ?? 0) < SUPPRESSION_THRESHOLD) hidden.add(cell.key);
    const value = (key: string) => cells.get(key)?.counts[stage] ?? 0;
    const isKnown = (key: string) => cells.get(key)?.known ?? false;
    /** The smallest visible child the observer does not know (it holds ≥ 11 people, so it protects). */
    const candidate = (children: string[]) => children
      .filter((k) => !hidden.has(k) && !isKnown(k))
      .sort((a, b) => value(a) - value(b) || a.localeCompare(b))[0];
    let changed = true;
    let guard = 0;
    while (changed && guard++ < 1000) {
      changed = false;
      for (const { parent, children } of groups) {
        if (!cells.has(parent) || children.length === 0) continue;
        const hiddenHolding = children.filter((k) => hidden.has(k) && value(k) > 0);
        if (!hidden.has(parent)) {
          if (hiddenHolding.length === 1) {
            const other = candidate(children);
            hidden.add(other ?? parent);
            changed = true;
          }
        } else if (value(parent) > 0 && hiddenHolding.length === 0) {
          const other = candidate(children);
          if (other) {
            hidden.add(other);
            changed = true;
          }
        }
      }
    }
    for (const key of hidden) result.get(key)![stage] = null;
  }
  return result;
}
