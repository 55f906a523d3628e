/**
 * Orientation calls. The answers only ever travel in the JSON body of a POST: never in a URL, never in
 * localStorage or sessionStorage, never in the history state. The shared `api` helper (../api.ts) is used for the
 * GET routes; the POST routes need two things it does not give: the `communes` of a postal code shared by several
 * communes (a 400 answer), and the PDF as a blob.
 */
import { useQuery } from '@tanstack/react-query';
import { api } from '../api';
import type { CatalogueAdmin, CommuneProposee, ListeParcours, Reponses, ResultatOrientation } from './types';

export const PARCOURS_KEY = ['orientation', 'parcours'] as const;
export const CATALOGUE_KEY = ['orientation', 'catalogue'] as const;

/** The pathways and their questions (public, no personal data: cached for the session). */
export function useListeParcours() {
  return useQuery({
    queryKey: PARCOURS_KEY,
    queryFn: ({ signal }) => api<ListeParcours>('/api/orientation', { signal }),
    staleTime: 60 * 60_000,
  });
}

export function useCatalogueAdmin(actif: boolean) {
  return useQuery({
    queryKey: CATALOGUE_KEY,
    queryFn: ({ signal }) => api<CatalogueAdmin>('/api/orientation/catalogue', { signal }),
    enabled: actif,
    staleTime: 5 * 60_000,
  });
}

/** A refused or failed orientation call, with the per-question messages and, for a shared postal code, the communes. */
export class ErreurOrientation extends Error {
  readonly status: number;
  readonly champs: Record<string, string>;
  readonly communes: CommuneProposee[] | null;

  constructor(status: number, message: string, champs: Record<string, string> = {}, communes: CommuneProposee[] | null = null) {
    super(message);
    this.name = 'ErreurOrientation';
    this.status = status;
    this.champs = champs;
    this.communes = communes;
  }
}

const MESSAGES: Record<number, string> = {
  401: 'Votre session a expiré. Reconnectez-vous, puis recommencez.',
  403: "Votre compte ne permet pas de produire ce document, ou la page a expiré : rechargez-la et réessayez.",
  404: "Ce parcours n'existe pas.",
  413: 'Les réponses envoyées sont trop volumineuses.',
  429: 'Trop de demandes en peu de temps. Patientez une minute avant de réessayer.',
};
const INJOIGNABLE = 'Impossible de joindre le service pour le moment. Vérifiez votre connexion puis réessayez.';
const EN_PANNE = 'Le service ne répond pas correctement pour le moment. Réessayez dans quelques instants.';

function estObjet(valeur: unknown): valeur is Record<string, unknown> {
  return typeof valeur === 'object' && valeur !== null && !Array.isArray(valeur);
}

async function erreurDe(reponse: Response): Promise<ErreurOrientation> {
  let corps: unknown;
  if ((reponse.headers.get('content-type') ?? '').includes('json')) corps = await reponse.json().catch(() => undefined);
  const champs: Record<string, string> = {};
  let communes: CommuneProposee[] | null = null;
  let message = MESSAGES[reponse.status] ?? (reponse.status === 400 ? 'Certaines réponses sont à corriger.' : EN_PANNE);
  if (estObjet(corps)) {
    if (typeof corps.erreur === 'string') message = corps.erreur;
    if (estObjet(corps.champs)) {
      for (const [cle, texte] of Object.entries(corps.champs)) if (typeof texte === 'string') champs[cle] = texte;
    }
    if (Array.isArray(corps.communes)) {
      communes = corps.communes
        .filter((c): c is { code: string; nom: string } => estObjet(c) && typeof c.code === 'string' && typeof c.nom === 'string')
        .map((c) => ({ code: c.code, nom: c.nom }));
    }
  }
  return new ErreurOrientation(reponse.status, message, champs, communes);
}

async function poster(chemin: string, reponses: Reponses, options: { csrf?: string | null; accept: string; signal?: AbortSignal }) {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: options.accept };
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  let reponse: Response;
  try {
    reponse = await fetch(chemin, {
      method: 'POST',
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: JSON.stringify({ reponses }),
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ErreurOrientation(0, INJOIGNABLE);
  }
  if (!reponse.ok) throw await erreurDe(reponse);
  return reponse;
}

/** POST /api/orientation/{parcours}: the offers of both branches and the local contacts. Nothing is stored. */
export async function evaluerParcours(parcours: string, reponses: Reponses, signal?: AbortSignal): Promise<ResultatOrientation> {
  const reponse = await poster(`/api/orientation/${encodeURIComponent(parcours)}`, reponses, { accept: 'application/json', signal });
  return (await reponse.json()) as ResultatOrientation;
}

export type TypeDocument = 'checklist' | 'entretien';

export interface DocumentTelecharge {
  nomFichier: string;
  taille: number;
}

function nomDuFichier(reponse: Response, parDefaut: string): string {
  const disposition = reponse.headers.get('content-disposition') ?? '';
  const nom = /filename="([^"]+)"/.exec(disposition)?.[1];
  return nom && /^[\w.-]+\.pdf$/.test(nom) ? nom : parDefaut;
}

/**
 * Downloads the check-list PDF: a POST (the answers stay in the body), then the blob is saved through a temporary
 * object URL. `entretien` is the agent's interview sheet (session and CSRF token required).
 */
export async function telechargerDocument(
  parcours: string,
  reponses: Reponses,
  type: TypeDocument,
  csrf: string | null = null,
): Promise<DocumentTelecharge> {
  const fichier = type === 'entretien' ? 'entretien.pdf' : 'checklist.pdf';
  const reponse = await poster(`/api/orientation/${encodeURIComponent(parcours)}/${fichier}`, reponses, {
    accept: 'application/pdf',
    csrf: type === 'entretien' ? csrf : null,
  });
  const blob = await reponse.blob();
  const nomFichier = nomDuFichier(reponse, `${type === 'entretien' ? 'entretien' : 'demarches'}-${parcours}.pdf`);
  const url = URL.createObjectURL(blob);
  const lien = document.createElement('a');
  lien.href = url;
  lien.download = nomFichier;
  lien.hidden = true;
  document.body.append(lien);
  lien.click();
  lien.remove();
  // Some browsers read the blob after the click returns.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { nomFichier, taille: blob.size };
}
