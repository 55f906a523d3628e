/**
 * Exchange officer's calls through the one client (../api/client.ts): JSON calls, file uploads with
 * progress (`upload`), downloads as plain links to GET routes (the session cookie is enough).
 */
import { useQuery } from '@tanstack/react-query';
import { apiUrl, call, client, upload, type ApiOk, type components } from '../api/client';

export type ProgrammesResponse = ApiOk<'/api/echanges/programmes'>;
export type SendableProgramme = ProgrammesResponse['programmes'][number];
export type SourceFile = SendableProgramme['fichiers'][number];
export type Cycle = components['schemas']['Cycle'];
export type CyclePhase = Cycle['statut'];
export type CycleResult = NonNullable<Cycle['resultat']>;
type PackagesResponse = ApiOk<'/api/echanges/paquets'>;
export type ExchangePackage = PackagesResponse['paquets'][number];
export type PackageStatus = ExchangePackage['statut'];
export type ImportRecord = PackagesResponse['imports'][number];

export const PROGRAMMES_KEY = ['echanges', 'programmes'] as const;
export const PACKAGES_KEY = ['echanges', 'paquets'] as const;
export const CYCLES_KEY = ['echanges', 'cycles'] as const;

export function useSendableProgrammes() {
  return useQuery({
    queryKey: PROGRAMMES_KEY,
    queryFn: ({ signal }) => call(client.GET('/api/echanges/programmes', { signal })),
    staleTime: 5 * 60_000,
  });
}

export function usePackages() {
  return useQuery({
    queryKey: PACKAGES_KEY,
    queryFn: ({ signal }) => call(client.GET('/api/echanges/paquets', { signal })),
  });
}

export function useCycles() {
  return useQuery({
    queryKey: CYCLES_KEY,
    queryFn: ({ signal }) => call(client.GET('/api/echanges/cycles', { signal })),
  });
}

const RUNNING: readonly CyclePhase[] = ['en_attente', 'lecture', 'scellement'];
export const isRunning = (phase: CyclePhase) => RUNNING.includes(phase);

/** One cycle, polled every second while it runs. */
export function useCycle(id: string) {
  return useQuery({
    queryKey: [...CYCLES_KEY, id],
    queryFn: ({ signal }) => call(client.GET('/api/echanges/cycles/{id}', { params: { path: { id } }, signal })),
    refetchInterval: (query) => (query.state.data && !isRunning(query.state.data.cycle.statut) ? false : 1000),
  });
}

export type Uploaded = ApiOk<'/api/echanges/televersements', 'post'>['televersement'];

/** Uploads one file (raw body); `onProgress` gets the fraction sent (0 to 1). Rejects with an ApiError. */
export async function uploadFile(file: File, usage: 'extrait' | 'paquet', onProgress?: (fraction: number) => void): Promise<Uploaded> {
  const { televersement } = await upload('/api/echanges/televersements', file, {
    query: { usage },
    headers: { 'x-nom-fichier': encodeURIComponent(file.name) },
    onProgress,
  });
  return televersement;
}

export const packageFileUrl = (id: string, fichier: string) => apiUrl('/api/echanges/paquets/{id}/fichiers/{fichier}', { path: { id, fichier } });
export const reportUrl = (id: string) => apiUrl('/api/echanges/cycles/{id}/rapport.csv', { path: { id } });
