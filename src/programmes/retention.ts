/**
 * Retention of imported records. Every imported record has a deadline: one month (the
 * programme's `apresTraitementMois`) after it is processed — its outreach reached a terminal
 * state or its worklist was closed — and in any case at most `maxDays` after import.
 */
import { addDays, addMonths, toIsoDate } from './dates.ts';
import type { Programme } from './schema.ts';

export type RetentionRule = Pick<Programme['conservation'], 'apresTraitementMois' | 'maximumApresImportJours'>;

export interface RetentionInput {
  importedAt: Date | string;
  /** When the record was processed; null while it is still being worked. */
  processedAt: Date | string | null;
  /** The configured maximum after import, in days; the programme's default when null or absent. */
  maxDays?: number | null;
}

/**
 * The record's deadline, as an ISO date (YYYY-MM-DD, UTC): the record must be destroyed on that
 * day at the latest (the daily job destroys every record whose deadline is today or past).
 *   deadline = min(processedAt + apresTraitementMois months, importedAt + maxDays)
 * and importedAt + maxDays while the record is not processed.
 */
export function retentionDeadline(input: RetentionInput, rule: RetentionRule): string {
  const maxDays = input.maxDays ?? rule.maximumApresImportJours;
  if (!Number.isInteger(maxDays) || maxDays < 1) throw new RangeError(`durée maximale de conservation invalide : ${String(maxDays)} jours`);
  const imported = toIsoDate(input.importedAt);
  const maximum = addDays(imported, maxDays);
  if (input.processedAt === null) return maximum;
  let processed = toIsoDate(input.processedAt);
  if (processed < imported) processed = imported;
  const afterProcessing = addMonths(processed, rule.apresTraitementMois);
  return afterProcessing < maximum ? afterProcessing : maximum;
}

/** True when the record is due for destruction on `today` (ISO date or Date). */
export function isPastRetention(deadline: string, today: Date | string): boolean {
  return toIsoDate(today) >= deadline;
}

/** The rule in French, for the register and the documentation. */
export function describeRetention(rule: RetentionRule): string {
  const mois = rule.apresTraitementMois === 1 ? 'un mois' : `${rule.apresTraitementMois} mois`;
  return `Destruction au plus tard ${mois} après traitement (action d'aller-vers terminée ou liste de travail close), et au plus tard ${rule.maximumApresImportJours} jours après l'import (maximum configurable).`;
}
