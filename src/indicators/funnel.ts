/**
 * Pure domain of the funnels: what a stage is, which rates are shown, how counts become a funnel.
 * The counting itself is one SQL query (repository.ts); this file never touches the database.
 */
import { STAGE_CODES, STAGE_LABELS, type Programme, type StageCode } from '../programmes/index.ts';

export { STAGE_CODES, type StageCode };

/**
 * What each stage counts: people (contacts) of the cohort, destroyed contacts included. Shared with the
 * SQL of repository.ts, which implements exactly these definitions (docs/indicators.md).
 */
export const STAGE_DEFINITIONS: Record<StageCode, string> = {
  cibles: 'toutes les personnes de la cohorte (entrées dans la liste par le cycle du mois)',
  offre_envoyee: 'personnes avec au moins un événement offre_email_envoyee ou offre_courrier_envoyee',
  appelables: 'personnes appelables à l’import (numéro valide et autorisation) ou ayant au moins un événement d’appel',
  appeles: 'personnes avec au moins un événement appel_non_joint, appel_faux_numero ou appel_joint',
  joints: 'personnes avec au moins un événement appel_joint',
  acceptants: 'personnes avec au moins un événement offre_acceptee',
  rdv_pris: 'personnes avec au moins un événement rdv_pris',
  rdv_honores: 'personnes avec au moins un événement rdv_honore',
  orientations: 'personnes avec au moins un événement orientation',
  accompagnements: 'personnes avec au moins un événement accompagnement_debute',
};

export type StageCounts = Record<StageCode, number>;

export const emptyCounts = (): StageCounts => Object.fromEntries(STAGE_CODES.map((c) => [c, 0])) as StageCounts;

export function addCounts(a: StageCounts, b: StageCounts): StageCounts {
  return Object.fromEntries(STAGE_CODES.map((c) => [c, a[c] + b[c]])) as StageCounts;
}

export interface RateDefinition {
  code: string;
  libelle: string;
  numerator: StageCode;
  denominator: StageCode;
  reference?: string;
}

/** The two rates every funnel shows: the seed's territories each used one of them (SPEC §1). */
export const MANDATORY_RATES: RateDefinition[] = [
  { code: 'transformation-appels', libelle: 'Rendez-vous honorés / personnes appelées', numerator: 'rdv_honores', denominator: 'appeles' },
  { code: 'transformation-joints', libelle: 'Rendez-vous honorés / personnes jointes', numerator: 'rdv_honores', denominator: 'joints' },
];

/** The mandatory rates, then the programme's own `indicateurs` (a rate on the same pair is shown once). */
export function ratesOf(programme: Programme): RateDefinition[] {
  const own: RateDefinition[] = programme.indicateurs.map((i) => ({
    code: i.code, libelle: i.libelle, numerator: i.numerateur, denominator: i.denominateur, ...(i.reference ? { reference: i.reference } : {}),
  }));
  const rates = [...own];
  for (const m of MANDATORY_RATES) {
    if (!rates.some((r) => r.numerator === m.numerator && r.denominator === m.denominator)) rates.unshift(m);
  }
  // mandatory pairs first, in their fixed order, then the programme's other rates
  const key = (r: RateDefinition) => MANDATORY_RATES.findIndex((m) => m.numerator === r.numerator && m.denominator === r.denominator);
  return [...rates].sort((a, b) => (key(a) === -1 ? 99 : key(a)) - (key(b) === -1 ? 99 : key(b)));
}

export interface StageLabel { code: StageCode; libelle: string; definition: string; programme: boolean }

/** Every stage, labelled with the programme's `etapes` when it uses the stage (STAGE_LABELS otherwise). */
export function stagesOf(programme: Programme): StageLabel[] {
  return STAGE_CODES.map((code) => {
    const etape = programme.etapes.find((e) => e.code === code);
    return etape
      ? { code, libelle: etape.libelle, definition: etape.definition, programme: true }
      : { code, libelle: STAGE_LABELS[code], definition: STAGE_DEFINITIONS[code], programme: false };
  });
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

/** Builds the funnel from shown counts (suppressed counts are null, and every rate that uses them too). */
export function buildFunnel(programme: Programme, counts: Record<StageCode, ShownCount>): Funnel {
  return {
    stages: stagesOf(programme).map((s) => ({ ...s, count: counts[s.code] })),
    rates: ratesOf(programme).map((r) => ({ ...r, value: rateValue(counts[r.numerator], counts[r.denominator]) })),
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
