/**
 * Calendar arithmetic on day numbers (days since 1970-01-01, proleptic Gregorian), without
 * Date objects: fast, and free of time zones. Algorithms from H. Hinnant, "chrono-compatible
 * low-level date algorithms".
 */

export interface Civil { y: number; m: number; d: number }

export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = m > 2 ? m - 3 : m + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(days: number): Civil {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

const PAD2 = Array.from({ length: 32 }, (_, i) => String(i).padStart(2, '0'));

/** YYYY-MM-DD. */
export function isoDate(days: number): string {
  const { y, m, d } = civilFromDays(days);
  return `${y}-${PAD2[m]}-${PAD2[d]}`;
}

export function parseIsoDate(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const y = Number(match[1]);
  const m = Number(match[2]);
  const d = Number(match[3]);
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return daysFromCivil(y, m, d);
}

export function daysInMonth(y: number, m: number): number {
  return daysFromCivil(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - daysFromCivil(y, m, 1);
}

/** Whole years between a birth day and a reference day. */
export function ageAt(birthDay: number, refDay: number): number {
  const b = civilFromDays(birthDay);
  const r = civilFromDays(refDay);
  let age = r.y - b.y;
  if (r.m < b.m || (r.m === b.m && r.d < b.d)) age--;
  return age;
}

/** The month an extract covers: its first and last day, and the extraction date (last day). */
export interface ExtractMonth {
  label: string; // YYYY-MM
  year: number;
  month: number;
  firstDay: number;
  lastDay: number;
  days: number;
}

export function extractMonth(label: string): ExtractMonth {
  const match = /^(\d{4})-(\d{2})$/.exec(label);
  if (!match) throw new Error(`mois invalide : ${label}`);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const firstDay = daysFromCivil(year, month, 1);
  const days = daysInMonth(year, month);
  return { label, year, month, firstDay, lastDay: firstDay + days - 1, days };
}

/** The months' names in French, January first: the one list of the server (the web app has its copy, web/src/calendar.ts). */
export const MONTH_NAMES = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'] as const;

/** "2026-11" → "novembre 2026"; anything that is not a month is returned as it is. */
export function monthLabel(period: string): string {
  const month = /^\d{4}-(\d{2})$/.exec(period) ? Number(period.slice(5, 7)) : 0;
  return month >= 1 && month <= 12 ? `${MONTH_NAMES[month - 1]} ${period.slice(0, 4)}` : period;
}
