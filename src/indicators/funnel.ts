/**
 * Pure domain of the funnels: what a stage is, which rates are shown, how counts become a funnel.
 * The counting itself is one SQL query (repository.ts); this file never touches the database.
 */
import { STAGE_CODES, type Programme, type StageCode } from '../programmes/index.ts';

export { STAGE_CODES, type StageCode };

/**
 * What a stage counts, resolved from the programme's `etapes` (data/programmes/*.json): every person of the
 * cohort, the callable ones (plus those with one of the events), or the people with at least one event of
 * these codes (its `evenements`, and the programme's events of its `genres`). Shared with the SQL of
 * repository.ts, which counts exactly these (docs/indicators.md).
 */
export interface StageRule { code: StageCode; cohorte: boolean; appelables: boolean; codes: string[] }

export function stageRules(programme: Pick<Programme, 'etapes' | 'evenements'>): StageRule[] {
  return programme.etapes.map((e) => {
    const codes = new Set(e.evenements ?? []);
    for (const ev of programme.evenements) if (e.genres?.includes(ev.genre)) codes.add(ev.code);
    return { code: e.code, cohorte: e.cohorte === true, appelables: e.appelables === true, codes: [...codes] };
  });
}

/** The technical definition of a stage, in French (the exact rule the SQL applies). */
export function stageDefinition(rule: StageRule): string {
  if (rule.cohorte) return 'toutes les personnes de la cohorte (chacune comptée une fois, dans le mois de sa première entrée dans la liste)';
  const events = rule.codes.length > 0 ? `personnes avec au moins un événement ${rule.codes.join(', ')}` : '';
  if (rule.appelables) return `personnes appelables à l’import (numéro valide et autorisation)${events ? ` ou ${events}` : ''}`;
  return events || 'aucun événement du programme ne compte pour cette étape';
}

/** People per stage code (a stage absent from the record counts 0). */
export type StageCounts = Record<StageCode, number>;

export const emptyCounts = (codes: readonly StageCode[] = []): StageCounts => Object.fromEntries(codes.map((c) => [c, 0]));

export function addCounts(a: StageCounts, b: StageCounts): StageCounts {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return Object.fromEntries([...keys].map((c) => [c, (a[c] ?? 0) + (b[c] ?? 0)]));
}

export interface RateDefinition {
  code: string;
  libelle: string;
  numerator: StageCode;
  denominator: StageCode;
  reference?: string;
}

/** The two rates every phone-outreach funnel shows: the seed's territories each used one of them (SPEC §1). */
export const MANDATORY_RATES: RateDefinition[] = [
  { code: 'transformation-appels', libelle: 'Rendez-vous honorés / personnes appelées', numerator: 'rdv_honores', denominator: 'appeles' },
  { code: 'transformation-joints', libelle: 'Rendez-vous honorés / personnes jointes', numerator: 'rdv_honores', denominator: 'joints' },
];

/**
 * The mandatory rates of the stages the programme has (a maternity visit has no call), then the programme's
 * own `indicateurs` (a rate on the same pair is shown once).
 */
export function ratesOf(programme: Programme): RateDefinition[] {
  const stages = new Set(programme.etapes.map((e) => e.code));
  const own: RateDefinition[] = programme.indicateurs.map((i) => ({
    code: i.code, libelle: i.libelle, numerator: i.numerateur, denominator: i.denominateur, ...(i.reference ? { reference: i.reference } : {}),
  }));
  const rates = [...own];
  for (const m of MANDATORY_RATES) {
    if (!stages.has(m.numerator) || !stages.has(m.denominator)) continue;
    if (!rates.some((r) => r.numerator === m.numerator && r.denominator === m.denominator)) rates.unshift(m);
  }
  // mandatory pairs first, in their fixed order, then the programme's other rates
  const key = (r: RateDefinition) => MANDATORY_RATES.findIndex((m) => m.numerator === r.numerator && m.denominator === r.denominator);
  return [...rates].sort((a, b) => (key(a) === -1 ? 99 : key(a)) - (key(b) === -1 ? 99 : key(b)));
}

export interface StageLabel { code: StageCode; libelle: string; definition: string; programme: boolean }

/** The programme's stages, in its order, with their labels and definitions. */
export function stagesOf(programme: Programme): StageLabel[] {
  return programme.etapes.map((e) => ({ code: e.code, libelle: e.libelle, definition: e.definition, programme: true }));
}

/** Threshold of the small-count rule: outside the organisation itself, a count under 11 is not shown. */
export const SUPPRESSION_THRESHOLD = 11;
export const SUPPRESSED_LABEL = '< 11';

/** A count as shown: the number, or null when suppressed (« < 11 »). */
export type ShownCount = number | null;

export interface FunnelStage { code: StageCode; libelle: string; definition: string; programme: boolean; count: ShownCount }
export interface FunnelRate {
  code: string;
  libelle: string;
  numerator: StageCode;
  denominator: StageCode;
  /** numerator / denominator, rounded to 6 decimals; null when the denominator is 0 or either count is suppressed. */
  value: number | null;
  reference?: string;
}
export interface Funnel { stages: FunnelStage[]; rates: FunnelRate[] }

export const rateValue = (numerator: ShownCount, denominator: ShownCount): number | null =>
  numerator === null || denominator === null || denominator === 0 ? null : Math.round((numerator / denominator) * 1_000_000) / 1_000_000;

const shown = (counts: Record<StageCode, ShownCount>, code: StageCode): ShownCount => (code in counts ? counts[code]! : 0);

/** Builds the funnel from shown counts (suppressed counts are null, and every rate that uses them too). */
export function buildFunnel(programme: Programme, counts: Record<StageCode, ShownCount>): Funnel {
  return {
    stages: stagesOf(programme).map((s) => ({ ...s, count: shown(counts, s.code) })),
    rates: ratesOf(programme).map((r) => ({ ...r, value: rateValue(shown(counts, r.numerator), shown(counts, r.denominator)) })),
  };
}

/** Counts as shown to someone inside the organisation: nothing suppressed. */
export const unsuppressed = (counts: StageCounts): Record<StageCode, ShownCount> => ({ ...counts });

/** « 19 % », « 45,9 % »: one decimal unless it is a whole number. */
export function formatRate(value: number | null): string {
  if (value === null) return '—';
  const pct = Math.round(value * 1000) / 10;
  return `${pct.toLocaleString('fr-FR', { maximumFractionDigits: 1 })} %`;
}

export const formatCount = (count: ShownCount): string => (count === null ? SUPPRESSED_LABEL : count.toLocaleString('fr-FR'));

/** A plain-French sentence describing the funnel (text alternative of the chart). */
export function describeFunnel(funnel: Funnel, scope: string, period: string): string {
  const shown = funnel.stages.filter((s) => s.programme);
  const first = shown[0];
  if (!first || first.count === 0) return `Aucune personne dans la cohorte ${period} pour ${scope}.`;
  const parts = shown.map((s) => `${s.libelle.toLowerCase()} : ${formatCount(s.count)}`);
  const main = funnel.rates[0];
  const rate = main && main.value !== null
    ? ` Taux ${main.libelle.toLowerCase()} : ${formatRate(main.value)}.`
    : '';
  return `Cohorte ${period}, ${scope} — ${parts.join(' ; ')}.${rate}`;
}
