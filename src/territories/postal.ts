/** Pure domain: postal-code input and the competence-correction CSV. */
import type { Branche } from './network.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; erreur: string };

export function parsePostalCode(input: string): Parsed<string> {
  const value = input.trim();
  if (!/^\d{5}$/.test(value)) return { ok: false, erreur: 'Le code postal doit compter exactement 5 chiffres (par exemple 83000).' };
  return { ok: true, value };
}

/** Which organisation types may be competent for each branch. */
export const TYPES_BY_BRANCHE: Record<Branche, string[]> = {
  caf: ['caf', 'css', 'ccss'],
  cpam: ['cpam', 'cgss', 'css', 'ccss'],
  carsat: ['carsat', 'cgss', 'css'],
};

export interface CorrectionRow { ligne: number; commune: string; branche: Branche; organisation: string }
export interface RejectedRow { ligne: number; raison: string }

/** Parses `commune;branche;organisation` rows (header required, `;` or `,`). Lookups are given, so this stays pure. */
export function parseCompetenceCsv(
  records: string[][],
  known: { communes: Set<string>; organisations: Map<string, string> },
): { valides: CorrectionRow[]; rejetees: RejectedRow[] } {
  const valides: CorrectionRow[] = [];
  const rejetees: RejectedRow[] = [];
  const [header, ...rows] = records;
  const expected = ['commune', 'branche', 'organisation'];
  if (!header || header.map((h) => h.trim().toLowerCase().replace(/^\ufeff/, '')).join(';') !== expected.join(';')) {
    return { valides, rejetees: [{ ligne: 1, raison: `en-tête attendu : ${expected.join(';')}` }] };
  }
  rows.forEach((cells, index) => {
    const ligne = index + 2;
    if (cells.length === 1 && cells[0]!.trim() === '') return;
    if (cells.length !== 3) return rejetees.push({ ligne, raison: `3 colonnes attendues, ${cells.length} trouvées` });
    const [commune, branche, organisation] = cells.map((c) => c.trim()) as [string, string, string];
    if (!known.communes.has(commune)) return rejetees.push({ ligne, raison: `commune inconnue : « ${commune} » (code INSEE attendu)` });
    if (!(branche in TYPES_BY_BRANCHE)) return rejetees.push({ ligne, raison: `branche inconnue : « ${branche} » (caf, cpam ou carsat)` });
    const type = known.organisations.get(organisation);
    if (!type) return rejetees.push({ ligne, raison: `organisation inconnue : « ${organisation} »` });
    if (!TYPES_BY_BRANCHE[branche as Branche].includes(type)) {
      return rejetees.push({ ligne, raison: `l'organisation ${organisation} (${type}) ne peut pas être compétente pour la branche ${branche}` });
    }
    valides.push({ ligne, commune, branche: branche as Branche, organisation });
  });
  return { valides, rejetees };
}
