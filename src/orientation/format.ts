/** French formatting of amounts and dates (pure). Narrow no-break spaces become no-break spaces so every font has the glyph. */

const EUROS = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 0, maximumFractionDigits: 2 });
const EUROS_CENTIMES = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const DATE_LONGUE = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const ISO_PARIS = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });

const espaces = (s: string) => s.replace(/[\u202f\u00a0]/g, '\u00a0');

/** 199.19 → "199,19", 10339 → "10 339", 1106.95 → "1 106,95" (no-break spaces). */
export function nombreFr(valeur: number): string {
  return espaces((Number.isInteger(valeur) ? EUROS : EUROS_CENTIMES).format(valeur));
}

/** "2025-04-01" → "1er avril 2025". */
export function dateFr(iso: string): string {
  const text = DATE_LONGUE.format(new Date(`${iso}T00:00:00Z`));
  return text.replace(/^1 /, '1er ');
}

let jourEnCache = { jusqua: 0, jour: '' };
/** Today's date in Paris as YYYY-MM-DD (recomputed at most once a second when called without a date). */
export function aujourdhuiIso(now?: Date): string {
  if (now) return ISO_PARIS.format(now);
  const ms = Date.now();
  if (ms >= jourEnCache.jusqua) jourEnCache = { jusqua: ms + 1000, jour: ISO_PARIS.format(new Date(ms)) };
  return jourEnCache.jour;
}

/** The first date with the given MM-DD strictly after `iso` (annual revaluation after an effective date). */
export function prochaineDate(iso: string, moisJour: string): string {
  const annee = Number(iso.slice(0, 4));
  const candidat = `${annee}-${moisJour}`;
  return candidat > iso ? candidat : `${annee + 1}-${moisJour}`;
}
