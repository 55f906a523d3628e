/** Local conventions: the calls of the /conventions pages and the cycle page's pre-check. */
import { useQuery } from '@tanstack/react-query';
import { call, client, type ApiOk } from '../api/client';
import { MONTH_NAMES } from '../calendar';

export type ConventionList = ApiOk<'/api/conventions'>;
export type ConventionSummary = ConventionList['conventions'][number];
export type Org = ConventionSummary['expediteur'];
export type ConventionStatut = ConventionSummary['statut'];
export type ConventionDetail = ApiOk<'/api/conventions/{id}'>['convention'];
export type Field = ConventionDetail['champs'][number];
export type SignatureInfo = NonNullable<ConventionDetail['signatures']>[number];
export type ProposalModel = ApiOk<'/api/conventions/modeles'>['programmes'][number];
export type Precheck = ApiOk<'/api/conventions/verification'>;

export const CONVENTIONS_KEY = ['conventions'] as const;

export function useConventions() {
  return useQuery({
    queryKey: CONVENTIONS_KEY,
    queryFn: ({ signal }) => call(client.GET('/api/conventions', { signal })),
  });
}

export function useConvention(id: string) {
  return useQuery({
    queryKey: [...CONVENTIONS_KEY, id],
    queryFn: ({ signal }) => call(client.GET('/api/conventions/{id}', { params: { path: { id } }, signal })),
  });
}

export function useProposalModels(enabled: boolean) {
  return useQuery({
    queryKey: [...CONVENTIONS_KEY, 'modeles'],
    queryFn: ({ signal }) => call(client.GET('/api/conventions/modeles', { signal })),
    enabled,
  });
}

export function usePrecheck(programme: string | null) {
  return useQuery({
    queryKey: [...CONVENTIONS_KEY, 'verification', programme],
    queryFn: ({ signal }) => call(client.GET('/api/conventions/verification', { params: { query: { programme: programme! } }, signal })),
    enabled: programme !== null,
  });
}


/** "2026-12-05" → "5 décembre 2026". */
export function dateLongue(iso: string): string {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return y && m && d ? `${d === 1 ? '1er' : d} ${MONTH_NAMES[m - 1]} ${y}` : iso;
}
