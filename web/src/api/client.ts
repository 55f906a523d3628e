/**
 * The one transport between the web app and the Passerelle API (same origin, session cookie).
 *
 * - `client`: an openapi-fetch client typed by the generated `paths` (./schema.d.ts, from
 *   docs/openapi.json). Its middleware adds the `x-csrf-token` header (obtained from
 *   GET /api/session) to every state-changing request and turns every error answer into an
 *   `ApiError` carrying the server's French message, so a call either returns its data or throws.
 * - `call`: unwraps a client call to its data.
 * - `upload`: a file as the raw request body through XMLHttpRequest (fetch cannot report upload progress).
 * - `saveFile`: saves a downloaded Blob (PDF, CSV, XLSX) under the name the server gives.
 * - `apiUrl`: the URL of a GET download route, for a plain link (the session cookie is enough).
 *
 * A session that expires while the page is open surfaces as an ApiError with status 401: the query
 * cache forgets the session (main.tsx) and the protected routes send the user to the login page.
 * See docs/api.md.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

export type { components, paths } from './schema';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never;
type SuccessOf<Op> = Op extends { responses: infer R } ? JsonOf<R[Extract<keyof R, 200 | 201 | 202>]> : never;

/** The JSON answer of a route when it succeeds: `ApiOk<'/api/echanges/cycles', 'get'>`. */
export type ApiOk<P extends keyof paths, M extends Method = 'get'> = SuccessOf<paths[P][M]>;
/** The JSON body a route accepts: `ApiBody<'/api/comptes', 'post'>`. */
export type ApiBody<P extends keyof paths, M extends Method = 'post'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** The query parameters a route accepts: `ApiQuery<'/api/listes'>`. */
export type ApiQuery<P extends keyof paths, M extends Method = 'get'> = paths[P][M] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type FieldErrors = Record<string, string>;

/** Every failed API call: the HTTP status (0 when the server could not be reached), the server's French message, per-field messages. */
export class ApiError extends Error {
  readonly status: number;
  readonly champs: FieldErrors;
  /** The whole JSON error body, for a refusal that carries more (`communes`, `publipostage`, `import`…). */
  readonly corps: Record<string, unknown>;

  constructor(status: number, message: string, champs: FieldErrors = {}, corps: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.champs = champs;
    this.corps = corps;
  }
}

let csrfToken: string | null = null;

/** Called with the token of GET /api/session, and with null at logout. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const STATUS_MESSAGES: Record<number, string> = {
  400: 'La demande est incomplète ou mal formée.',
  401: 'Votre session a expiré. Veuillez vous reconnecter.',
  403: "Vous n'avez pas les droits nécessaires pour cette action.",
  404: "L'élément demandé est introuvable.",
  409: "L'élément a été modifié entre-temps par une autre personne.",
  413: 'Le fichier ou les données envoyés sont trop volumineux pour ce serveur.',
  429: 'Trop de tentatives. Veuillez patienter quelques minutes avant de réessayer.',
};
const UNREACHABLE = 'Impossible de joindre le service Passerelle. Vérifiez votre connexion puis réessayez.';

function defaultMessage(status: number): string {
  return (
    STATUS_MESSAGES[status] ??
    'Le service Passerelle ne répond pas correctement pour le moment. Veuillez réessayer dans quelques instants.'
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readFields(value: unknown): FieldErrors {
  if (!isRecord(value)) return {};
  const fields: FieldErrors = {};
  for (const [key, message] of Object.entries(value)) {
    if (typeof message === 'string') fields[key] = message;
    else if (Array.isArray(message)) fields[key] = message.filter((m) => typeof m === 'string').join(' ');
  }
  return fields;
}

/** The ApiError of an error answer (status and parsed JSON body, when there is one). */
export function errorFrom(status: number, payload: unknown): ApiError {
  const body = isRecord(payload) ? payload : {};
  const message = typeof body.erreur === 'string' ? body.erreur : defaultMessage(status);
  return new ApiError(status, message, readFields(body.champs), body);
}

const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

const transport: Middleware = {
  onRequest({ request }) {
    if (!request.headers.has('accept')) request.headers.set('accept', 'application/json');
    // Public routes ignore the token; every other state-changing route requires it.
    if (request.method !== 'GET' && request.method !== 'HEAD' && csrfToken !== null) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
  async onResponse({ response }) {
    if (response.ok) return undefined;
    let payload: unknown;
    if ((response.headers.get('content-type') ?? '').includes('json')) payload = await response.json().catch(() => undefined);
    throw errorFrom(response.status, payload);
  },
  onError({ error }) {
    if (isAbort(error) || error instanceof ApiError) return error as Error;
    return new ApiError(0, UNREACHABLE);
  },
};

export const client = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
client.use(transport);

/**
 * The data of a client call (the middleware has already thrown on an error answer):
 * `await call(client.GET('/api/echanges/cycles', { signal }))`.
 */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data } = await request;
  return data as T;
}

/** A French message for any error thrown by the client (or anything else). */
export function messageErreur(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return defaultMessage(500);
}

type PathsWith<M extends Method> = { [P in keyof paths]: paths[P][M] extends undefined | never ? never : P }[keyof paths];

/** The URL of a GET route with its path parameters filled in and its query string, for a download link. */
export function apiUrl<P extends PathsWith<'get'>>(path: P, params: { path?: Record<string, string>; query?: Record<string, string | undefined> } = {}): string {
  let url: string = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params.path?.[name] ?? ''));
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params.query ?? {})) if (value !== undefined) query.set(key, value);
  if (query.size > 0) url += `?${query.toString()}`;
  return url;
}

type UploadPaths = { [P in keyof paths]: paths[P]['post'] extends { requestBody?: { content: { 'application/octet-stream': unknown } } } ? P : never }[keyof paths];

export interface UploadOptions {
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  /** The fraction sent, from 0 to 1. */
  onProgress?: (fraction: number) => void;
}

/**
 * Sends a file as the raw body (application/octet-stream) of a POST upload route and returns its
 * JSON answer; rejects with an ApiError carrying the server's French message.
 */
export function upload<P extends UploadPaths>(path: P, file: Blob, options: UploadOptions = {}): Promise<ApiOk<P, 'post'>> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl(path as PathsWith<'get'>, { query: options.query }));
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('accept', 'application/json');
    for (const [name, value] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(name, value);
    if (csrfToken !== null) xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && options.onProgress) options.onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body !== undefined) resolve(body as ApiOk<P, 'post'>);
      else reject(errorFrom(xhr.status, body));
    };
    xhr.onerror = () => reject(new ApiError(0, 'Impossible de joindre le service Passerelle pendant le dépôt du fichier. Vérifiez votre connexion puis réessayez.'));
    xhr.send(file);
  });
}

export interface SavedFile {
  fileName: string;
  size: number;
}

/** Saves a downloaded file (a client call with `parseAs: 'blob'`) under the server's file name, or `fallbackName`. */
export function saveFile(blob: Blob, response: Response, fallbackName: string): SavedFile {
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1];
  const fileName = name && /^[\w.-]+$/.test(name) ? name : fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Some browsers read the blob after the click returns.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { fileName, size: blob.size };
}

/**
 * Saves the file a client call answers (call it with `parseAs: 'blob'` and the file's `accept`):
 * `await download(client.POST('/api/courriers/publipostage', { body, parseAs: 'blob', headers: { accept: 'application/pdf' } }), 'publipostage.pdf')`.
 */
export async function download(request: Promise<{ data?: Blob; response: Response }>, fallbackName: string): Promise<SavedFile & { headers: Headers }> {
  const { data, response } = await request;
  return { ...saveFile(data ?? new Blob([]), response, fallbackName), headers: response.headers };
}
