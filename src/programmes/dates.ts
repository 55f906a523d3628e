/**
 * Calendar dates as ISO strings (YYYY-MM-DD), computed in UTC so that no time zone can move a
 * day. Used by the conventions' lifecycle and retention (the rule language, src/rules/, works on the day numbers of src/shared/calendar.ts).
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;

/** Day number (days since 1970-01-01) of an ISO date, or null when it is not a real date. */
function dayNumber(iso: string): number | null {
  const m = ISO_DATE.exec(iso);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return Date.UTC(y, mo - 1, d) / 86_400_000;
}

export function isIsoDate(text: string): boolean {
  return dayNumber(text) !== null;
}

export function isIsoMonth(text: string): boolean {
  const m = ISO_MONTH.exec(text);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}

function isoFromDayNumber(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function addDays(iso: string, days: number): string {
  const n = dayNumber(iso);
  if (n === null) throw new RangeError(`date invalide : « ${iso} »`);
  return isoFromDayNumber(n + days);
}

/**
 * Adds calendar months; a day that does not exist in the target month becomes its last day
 * (2026-12-31 + 2 months = 2027-02-28, 2024-02-29 + 12 months = 2025-02-28).
 */
export function addMonths(iso: string, months: number): string {
  const m = ISO_DATE.exec(iso);
  if (!m || dayNumber(iso) === null) throw new RangeError(`date invalide : « ${iso} »`);
  const total = Number(m[1]) * 12 + (Number(m[2]) - 1) + months;
  const y = Math.floor(total / 12);
  const mo = (total % 12) + 1;
  const d = Math.min(Number(m[3]), daysInMonth(y, mo));
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function addYears(iso: string, years: number): string {
  return addMonths(iso, years * 12);
}

/** The month (YYYY-MM) of an ISO date. */
export function monthOf(iso: string): string {
  return iso.slice(0, 7);
}

/** 2026-11-05 → 05/11/2026 (French display). */
export function dateFr(iso: string): string {
  const m = ISO_DATE.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

/** ISO date of a Date (UTC) or of an ISO date / timestamp string. */
export function toIsoDate(value: Date | string): string {
  if (typeof value === 'string') {
    const day = value.slice(0, 10);
    if (value.length === 10 && isIsoDate(day)) return day;
    const parsed = new Date(value);
    if (Number.isNaN(parsed.getTime())) throw new RangeError(`date invalide : « ${value} »`);
    return parsed.toISOString().slice(0, 10);
  }
  if (Number.isNaN(value.getTime())) throw new RangeError('date invalide');
  return value.toISOString().slice(0, 10);
}
