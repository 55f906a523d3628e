/**
 * Orientation calls, through the one client (../api/client.ts). The answers only ever travel in the JSON body of a
 * POST: never in a URL, never in localStorage or sessionStorage, never in the history state.
 */
import { useQuery } from '@tanstack/react-query';
import { ApiError, call, client, download, type SavedFile } from '../api/client';
import type { CommuneProposee, Reponses, ResultatOrientation } from './types';

export const PARCOURS_KEY = ['orientation', 'parcours'] as const;
export const CATALOGUE_KEY = ['orientation', 'catalogue'] as const;

/** The pathways and their questions (public, no personal data: cached for the session). */
export function useListeParcours() {
  return useQuery({
    queryKey: PARCOURS_KEY,
    queryFn: ({ signal }) => call(client.GET('/api/orientation', { signal })),
    staleTime: 60 * 60_000,
  });
}

export function useCatalogueAdmin(actif: boolean) {
  return useQuery({
    queryKey: CATALOGUE_KEY,
    queryFn: ({ signal }) => call(client.GET('/api/orientation/catalogue', { signal })),
    enabled: actif,
    staleTime: 5 * 60_000,
  });
}

/** The communes of a refusal for a postal code shared by several communes (400 with `communes`), else null. */
export function communesProposees(error: unknown): CommuneProposee[] | null {
  if (!(error instanceof ApiError) || !Array.isArray(error.corps.communes)) return null;
  return error.corps.communes
    .filter((c): c is CommuneProposee => typeof c === 'object' && c !== null && typeof c.code === 'string' && typeof c.nom === 'string')
    .map((c) => ({ code: c.code, nom: c.nom }));
}

/** POST /api/orientation/{parcours}: the offers of both branches and the local contacts. Nothing is stored. */
export function evaluerParcours(parcours: string, reponses: Reponses, signal?: AbortSignal): Promise<ResultatOrientation> {
  return call(client.POST('/api/orientation/{parcours}', { params: { path: { parcours } }, body: { reponses }, cache: 'no-store', signal }));
}

export type TypeDocument = 'checklist' | 'entretien';

/**
 * Downloads the check-list PDF: a POST (the answers stay in the body), then the blob is saved under the
 * server's file name. `entretien` is the agent's interview sheet (session and CSRF token required).
 */
export function telechargerDocument(parcours: string, reponses: Reponses, type: TypeDocument): Promise<SavedFile> {
  const init = { params: { path: { parcours } }, body: { reponses }, cache: 'no-store', parseAs: 'blob', headers: { accept: 'application/pdf' } } as const;
  const fallback = `${type === 'entretien' ? 'entretien' : 'demarches'}-${parcours}.pdf`;
  return type === 'entretien'
    ? download(client.POST('/api/orientation/{parcours}/entretien.pdf', init), fallback)
    : download(client.POST('/api/orientation/{parcours}/checklist.pdf', init), fallback);
}
