/**
 * The months' names in French, the web app's one list. A copy of src/shared/calendar.ts: the web app imports
 * nothing from src/ (the boundaries/web-apart lint rule, docs/adr/0003-enforced-boundaries.md).
 */
export const MONTH_NAMES = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'] as const;

/** "2026-11" → "novembre 2026"; anything that is not a month is returned as it is. */
export function monthLabel(period: string): string {
  const month = /^\d{4}-(\d{2})$/.exec(period) ? Number(period.slice(5, 7)) : 0;
  return month >= 1 && month <= 12 ? `${MONTH_NAMES[month - 1]} ${period.slice(0, 4)}` : period;
}
