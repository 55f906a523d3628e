/** The pilots' indicators API (GET /api/indicateurs/...): aggregates only, no personal data. */
import { apiUrl, call, client, type ApiOk, type ApiQuery } from '../api/client';
import { monthLabel } from '../calendar';

export type FunnelResult = ApiOk<'/api/indicateurs/entonnoir'>;
export type TrendResult = ApiOk<'/api/indicateurs/tendance'>;
export type Options = ApiOk<'/api/indicateurs/options'>;
type IndicatorQuery = ApiQuery<'/api/indicateurs/entonnoir'>;
export type Stage = FunnelResult['stages'][number];
export type Rate = FunnelResult['rates'][number];
export type ScopeInfo = FunnelResult['perimetre'];

export type Perimetre = { niveau: 'organisation'; code: string } | { niveau: 'departement'; code: string } | { niveau: 'region'; code: string } | { niveau: 'national' };

export interface Filtres { programme: string; du: string; au: string; perimetre: Perimetre }

/** The query of the indicator routes: a month or a range, and the scope. */
export function query(f: Filtres): IndicatorQuery {
  return {
    programme: f.programme,
    mois: f.du,
    ...(f.au !== f.du ? { au: f.au } : {}),
    ...(f.perimetre.niveau === 'national' ? { national: '1' as const } : { [f.perimetre.niveau]: f.perimetre.code }),
  };
}

export const options = () => call(client.GET('/api/indicateurs/options'));
export const funnel = (f: Filtres) => call(client.GET('/api/indicateurs/entonnoir', { params: { query: query(f) } }));
export const trend = (f: Filtres) => call(client.GET('/api/indicateurs/tendance', { params: { query: query(f) } }));
export const exportUrl = (f: Filtres, format: 'csv' | 'xlsx') =>
  format === 'csv' ? apiUrl('/api/indicateurs/entonnoir.csv', { query: query(f) }) : apiUrl('/api/indicateurs/entonnoir.xlsx', { query: query(f) });

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
