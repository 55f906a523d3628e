/** The pilots' indicators API (GET /api/indicateurs/...): aggregates only, no personal data. */
import { api } from '../api';
import { monthLabel } from '../calendar';

/** A stage of the programme's funnel (its `etapes`: `cibles`, `joints`… for the caregivers, `tisf_proposee` for PRADO…). */
export type StageCode = string;

export interface Stage { code: StageCode; libelle: string; definition: string; programme: boolean; count: number | null }
export interface Rate { code: string; libelle: string; numerator: StageCode; denominator: StageCode; value: number | null; reference?: string }
export interface ScopeInfo { level: 'organisation' | 'departement' | 'region' | 'national'; code: string | null; nom: string }

export interface FunnelResult {
  programme: { id: string; titre: string };
  perimetre: ScopeInfo;
  periode: { du: string; au: string };
  masque: boolean;
  stages: Stage[];
  rates: Rate[];
  detail: { perimetre: ScopeInfo; stages: { code: StageCode; count: number | null }[] }[];
}

export interface TrendResult {
  programme: { id: string; titre: string };
  perimetre: ScopeInfo;
  masque: boolean;
  mois: { periode: string; stages: Stage[]; rates: Rate[] }[];
}

export interface Options {
  programmes: { id: string; titre: string; etapes: { code: StageCode; libelle: string }[] }[];
  organisation: { code: string; nom: string } | null;
  departements: { code: string; nom: string; region: string }[];
  regions: { code: string; nom: string }[];
}

export type Perimetre = { niveau: 'organisation'; code: string } | { niveau: 'departement'; code: string } | { niveau: 'region'; code: string } | { niveau: 'national' };

export interface Filtres { programme: string; du: string; au: string; perimetre: Perimetre }

export function queryString(f: Filtres): string {
  const params = new URLSearchParams({ programme: f.programme, mois: f.du });
  if (f.au !== f.du) params.set('au', f.au);
  if (f.perimetre.niveau === 'national') params.set('national', '1');
  else params.set(f.perimetre.niveau, f.perimetre.code);
  return params.toString();
}

export const options = () => api<Options>('/api/indicateurs/options');
export const funnel = (f: Filtres) => api<FunnelResult>(`/api/indicateurs/entonnoir?${queryString(f)}`);
export const trend = (f: Filtres) => api<TrendResult>(`/api/indicateurs/tendance?${queryString(f)}`);
export const exportUrl = (f: Filtres, format: 'csv' | 'xlsx') => `/api/indicateurs/entonnoir.${format}?${queryString(f)}`;

/** « 19 % », « 45,9 % ». */
export function formatRate(value: number | null): string {
  if (value === null) return 'non calculable';
  const pct = Math.round(value * 1000) / 10;
  return `${pct.toLocaleString('fr-FR', { maximumFractionDigits: 1 })} %`;
}

export const formatCount = (count: number | null): string => (count === null ? '< 11' : count.toLocaleString('fr-FR'));

export { monthLabel };
export function periodLabel(du: string, au: string): string {
  if (du === au) return monthLabel(du);
  if (du.endsWith('-01') && au.endsWith('-12') && du.slice(0, 4) === au.slice(0, 4)) return `année ${du.slice(0, 4)}`;
  return `de ${monthLabel(du)} à ${monthLabel(au)}`;
}

/** The twelve months up to `month`. */
export function twelveMonthsTo(month: string): { du: string; au: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 12, 1));
  return { du: `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`, au: month };
}
