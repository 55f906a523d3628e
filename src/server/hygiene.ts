/**
 * Input hygiene of the HTTP side: a NUL byte or another invalid character (C0/C1 control other
 * than tab, LF, CR; a lone surrogate; U+FFFE, U+FFFF) in a JSON body, the query or the path
 * parameters is refused with 400 and a French message that never echoes the value. Raw bodies
 * (CSV files sent as text or bytes) are left to their readers, which reject the bad rows one by one.
 * Fastify's own errors (bad URL, bad content type, malformed JSON, too large, header too large)
 * are answered in French without echoing the URL.
 */
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where an invalid character is (a field path, never the value), or null. */
export function invalidCharacterAt(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return INVALID.test(value) ? (path || 'requete') : null;
  if (depth > 64 || value === null || typeof value !== 'object') return null;
  // parsed values only: never a stream or the bytes of a raw upload
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || typeof (value as { pipe?: unknown }).pipe === 'function') return null;
  for (const [key, inner] of Object.entries(value)) {
    const at = `${path ? `${path}.` : ''}${INVALID.test(key) ? '(nom de champ)' : key}`;
    if (INVALID.test(key)) return at;
    const found = invalidCharacterAt(inner, at, depth + 1);
    if (found) return found;
  }
  return null;
}

export const INVALID_CHARACTER_MESSAGE = 'La requête contient un caractère interdit (caractère nul ou de contrôle) : retirez-le et réessayez.';

/** preValidation hook: refuses an invalid character in the params, the query or a parsed (JSON) body. */
export async function refuseInvalidCharacters(request: FastifyRequest, reply: FastifyReply) {
  const where = invalidCharacterAt(request.params, 'adresse') ?? invalidCharacterAt(request.query, 'parametres')
    ?? (typeof request.body === 'object' ? invalidCharacterAt(request.body) : null);
  if (where) {
    const champ = where.replace(/^(adresse|parametres)\.?/, '') || where;
    return reply.code(400).send({ erreur: INVALID_CHARACTER_MESSAGE, champs: { [champ]: 'caractère interdit' } });
  }
}

/** French messages for Fastify's own errors, by code; never the URL nor the value. */
const FASTIFY_ERRORS: Record<string, { status: number; erreur: string }> = {
  FST_ERR_BAD_URL: { status: 400, erreur: 'Adresse invalide : elle contient un encodage incorrect.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, erreur: 'Type de contenu non pris en charge : envoyez du JSON (application/json), ou le type de fichier attendu par cette adresse.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, erreur: 'Longueur de requête incohérente (en-tête Content-Length).' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, erreur: 'Requête trop volumineuse.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, erreur: 'Corps de requête vide alors que du JSON est annoncé.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, erreur: 'Corps de requête JSON mal formé.' },
  FST_ERR_CTP_EMPTY_TYPE: { status: 415, erreur: 'Type de contenu vide : précisez-le (Content-Type).' },
  FST_ERR_CTP_INVALID_TYPE: { status: 415, erreur: 'Type de contenu invalide (Content-Type).' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, erreur: 'Requête invalide.' },
  FST_ERR_INVALID_URL: { status: 400, erreur: 'Adresse invalide.' },
};

const BY_STATUS: Record<number, string> = {
  400: 'Requête invalide.',
  401: 'Vous devez vous connecter pour accéder à cette page.',
  403: 'Accès refusé.',
  404: 'Cette adresse n’existe pas.',
  405: 'Méthode non autorisée pour cette adresse.',
  406: 'Format de réponse demandé non disponible.',
  408: 'Requête trop lente : réessayez.',
  411: 'Longueur de requête manquante (en-tête Content-Length).',
  413: 'Requête trop volumineuse.',
  414: 'Adresse trop longue.',
  415: 'Type de contenu non pris en charge.',
  431: 'En-têtes de requête trop volumineux.',
};

/** The status and French message of an error raised by Fastify or a plugin (4xx), without echoing the request. */
export function frenchClientError(error: { code?: string; statusCode?: number }): { status: number; erreur: string } {
  const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
  if (known) return known;
  if (error.code?.startsWith('FST_ERR_CTP_')) return { status: error.statusCode ?? 400, erreur: 'Corps de requête invalide.' };
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  return { status, erreur: BY_STATUS[status] ?? 'Requête invalide.' };
}

/** For errors raised before routing (bad URL…): Fastify's `frameworkErrors`. */
export function frameworkErrors(error: { code?: string; statusCode?: number }, _request: FastifyRequest, reply: FastifyReply) {
  const { status, erreur } = frenchClientError(error);
  reply.code(status).send({ erreur });
}

/** Errors of the HTTP parser itself (431 header too large, malformed request line): a raw French answer, then close. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket) {
  if (!socket.writable) { socket.destroy(); return; }
  const [status, reason, message] = error.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request Header Fields Too Large', BY_STATUS[431]!]
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout', BY_STATUS[408]!] : [400, 'Bad Request', 'Requête HTTP mal formée.'];
  const body = JSON.stringify({ erreur: message });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
