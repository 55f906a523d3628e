/**
 * Exchange officer's calls: JSON through the shared `api` helper; file uploads through
 * XMLHttpRequest (raw body, application/octet-stream) because fetch cannot report upload progress.
 * Downloads are plain links to GET routes (the session cookie is enough, no CSRF token needed).
 */
import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from '../api';

export interface SourceFile {
  cle: string;
  nom: string;
  titre: string;
  obligatoire: boolean;
}

export interface SendableProgramme {
  id: string;
  titre: string;
  /** `echange`: packages sealed per recipient; `interne`: the organisation's own worklist. */
  forme?: string;
  fichiers: SourceFile[];
}

export interface ProgrammesResponse {
  organisation: { code: string; nom: string };
  tailleMaximale: number;
  programmes: SendableProgramme[];
}

export type CyclePhase = 'en_attente' | 'lecture' | 'scellement' | 'termine' | 'echec';

export interface CycleResult {
  lignesLues: number;
  lignesRejetees: number;
  valeursIgnorees: number;
  nonCibles: number;
  exclus: number;
  nonContactables: number;
  sansDestinataire: number;
  doublons: number;
  retenus: number;
  transmis: number;
  paquets: { id: string; nom: string; destinataire: string; destinataireNom: string; convention: string; nombre: number; champs: string[] }[];
  refus: { destinataire: string; destinataireNom: string; personnes: number; raison: string }[];
  /** In-house run: the organisation's own list, nothing sealed. */
  listes?: { organisation: string; organisationNom: string; ajoutes: number; dejaSuivis: number; opposes: number }[];
  ajoutes?: number;
  dejaSuivis?: number;
  dureeMs: number;
  lignesParSeconde: number;
  rapport: string | null;
}

export interface Cycle {
  id: string;
  programme: string;
  programmeTitre: string;
  periode: string;
  formats: string[];
  statut: CyclePhase;
  creeLe: string;
  debuteLe: string | null;
  termineLe: string | null;
  octetsLus: number;
  octetsTotal: number;
  lignes: number;
  paquetsScelles: number;
  erreur: string | null;
  resultat: CycleResult | null;
  /** While the cycle reruns after a server restart (or an internal error): what to tell the officer. */
  reprise?: string | null;
}

export type PackageStatus = 'scelle' | 'envoye' | 'acquitte' | 'refuse' | 'importe' | 'detruit';

export interface ExchangePackage {
  id: string;
  nom: string;
  sens: 'envoi' | 'reception';
  programme: string;
  programmeTitre: string;
  convention: string;
  expediteur: string;
  expediteurNom: string;
  destinataire: string;
  destinataireNom: string;
  periode: string;
  statut: PackageStatus;
  /** Refusal code sent back by the recipient. */
  motif: string | null;
  nombreEnregistrements: number;
  nombreImportes: number | null;
  creeLe: string | null;
  envoyeLe: string | null;
  accuseLe: string | null;
  importeLe: string | null;
  detruitLe: string | null;
  cycle: string | null;
  fichiers: string[];
}

export interface ImportRecord {
  id: string;
  nom: string;
  date: string;
  statut: 'importe' | 'refuse';
  paquet: string | null;
  programme: string | null;
  expediteur: string | null;
  recus: number | null;
  importes: number | null;
  dejaSuivis?: number | null;
  echeance: string | null;
  accuseEnregistre: boolean;
  erreur: string | null;
  code: string | null;
}

export const PROGRAMMES_KEY = ['echanges', 'programmes'] as const;
export const PACKAGES_KEY = ['echanges', 'paquets'] as const;
export const CYCLES_KEY = ['echanges', 'cycles'] as const;

export function useSendableProgrammes() {
  return useQuery({
    queryKey: PROGRAMMES_KEY,
    queryFn: ({ signal }) => api<ProgrammesResponse>('/api/echanges/programmes', { signal }),
    staleTime: 5 * 60_000,
  });
}

export function usePackages() {
  return useQuery({
    queryKey: PACKAGES_KEY,
    queryFn: ({ signal }) => api<{ paquets: ExchangePackage[]; imports: ImportRecord[] }>('/api/echanges/paquets', { signal }),
  });
}

export function useCycles() {
  return useQuery({
    queryKey: CYCLES_KEY,
    queryFn: ({ signal }) => api<{ cycles: Cycle[] }>('/api/echanges/cycles', { signal }),
  });
}

const RUNNING: readonly CyclePhase[] = ['en_attente', 'lecture', 'scellement'];
export const isRunning = (phase: CyclePhase) => RUNNING.includes(phase);

/** One cycle, polled every second while it runs. */
export function useCycle(id: string) {
  return useQuery({
    queryKey: [...CYCLES_KEY, id],
    queryFn: ({ signal }) => api<{ cycle: Cycle }>(`/api/echanges/cycles/${encodeURIComponent(id)}`, { signal }),
    refetchInterval: (query) => (query.state.data && !isRunning(query.state.data.cycle.statut) ? false : 1000),
  });
}

export interface Uploaded {
  id: string;
  nom: string;
  taille: number;
  format: string;
}

/**
 * Uploads one file as the raw request body; `onProgress` gets the fraction sent (0 to 1).
 * Rejects with an ApiError carrying the server's French message.
 */
export function uploadFile(
  file: File,
  usage: 'extrait' | 'paquet',
  csrf: string | null,
  onProgress?: (fraction: number) => void,
): Promise<Uploaded> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/echanges/televersements?usage=${usage}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('x-nom-fichier', encodeURIComponent(file.name));
    if (csrf) xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      const record = (body ?? {}) as { erreur?: unknown; televersement?: Uploaded };
      if (xhr.status === 201 && record.televersement) resolve(record.televersement);
      else {
        const message =
          typeof record.erreur === 'string'
            ? record.erreur
            : xhr.status === 413
              ? 'Fichier trop volumineux pour ce serveur.'
              : `Le fichier ${file.name} n'a pas pu être déposé (erreur ${xhr.status}). Réessayez.`;
        reject(new ApiError(xhr.status, message));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'Impossible de joindre le service Passerelle pendant le dépôt du fichier. Vérifiez votre connexion puis réessayez.'));
    xhr.send(file);
  });
}

export const packageFileUrl = (id: string, file: string) => `/api/echanges/paquets/${encodeURIComponent(id)}/fichiers/${file}`;
export const reportUrl = (cycleId: string) => `/api/echanges/cycles/${encodeURIComponent(cycleId)}/rapport.csv`;
