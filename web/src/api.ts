/**
 * The one place the web app talks to the Passerelle API (same origin, JSON, session cookie).
 * Every state-changing request except the login POST carries the CSRF token obtained from
 * GET /api/session.
 */

export type ChampsErreur = Record<string, string>;

export class ApiError extends Error {
  readonly status: number;
  readonly champs: ChampsErreur;

  constructor(status: number, message: string, champs: ChampsErreur = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.champs = champs;
  }
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const MESSAGES_PAR_STATUT: Record<number, string> = {
  400: 'La demande est incomplète ou mal formée.',
  401: 'Votre session a expiré. Veuillez vous reconnecter.',
  403: "Vous n'avez pas les droits nécessaires pour cette action.",
  404: "L'élément demandé est introuvable.",
  409: "L'élément a été modifié entre-temps par une autre personne.",
  429: 'Trop de tentatives. Veuillez patienter quelques minutes avant de réessayer.',
};

function messageParDefaut(status: number): string {
  return (
    MESSAGES_PAR_STATUT[status] ??
    'Le service Passerelle ne répond pas correctement pour le moment. Veuillez réessayer dans quelques instants.'
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lireChamps(value: unknown): ChampsErreur {
  if (!isRecord(value)) return {};
  const champs: ChampsErreur = {};
  for (const [cle, message] of Object.entries(value)) {
    if (typeof message === 'string') champs[cle] = message;
    else if (Array.isArray(message)) champs[cle] = message.filter((m) => typeof m === 'string').join(' ');
  }
  return champs;
}

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Set to false only for the login POST, the one state-changing call made before a session exists. */
  csrf?: boolean;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && options.csrf !== false && csrfToken !== null) headers['x-csrf-token'] = csrfToken;

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, 'Impossible de joindre le service Passerelle. Vérifiez votre connexion puis réessayez.');
  }

  if (response.status === 204) return undefined as T;

  let payload: unknown = undefined;
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType.includes('json')) {
    try {
      payload = await response.json();
    } catch {
      payload = undefined;
    }
  }

  if (!response.ok) {
    const erreur = isRecord(payload) && typeof payload.erreur === 'string' ? payload.erreur : messageParDefaut(response.status);
    const champs = isRecord(payload) ? lireChamps(payload.champs) : {};
    throw new ApiError(response.status, erreur, champs);
  }
  return payload as T;
}

/** A French message for any error thrown by `api` (or anything else). */
export function messageErreur(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return messageParDefaut(500);
}
