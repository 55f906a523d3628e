/**
 * Shared pieces of the routes' response schemas (zod). A response schema both documents the
 * route in docs/openapi.json and serialises its answer: a field missing from the schema is not
 * sent. Under the tests (src/server/serializer.ts) a field the handler returns and the schema
 * lacks is an error, so a schema cannot silently drop what the web app reads.
 */
import { z } from 'zod';

/** Every refusal: a French message, and for some the field-by-field messages or a machine code. */
export const ErrorSchema = z.object({
  erreur: z.string().meta({ description: 'Message en français, affichable tel quel.' }),
  code: z.string().optional().meta({ description: 'Code machine du refus (boîte aux lettres, canaux…).' }),
  champs: z.record(z.string(), z.string()).optional().meta({ description: 'Message par champ du formulaire (chemin du champ → message).' }),
}).meta({ id: 'Erreur', description: 'Refus ou erreur : message en français, et le cas échéant les messages par champ.' });

/** The error answers every /api route may give (access check, validation, rate limit, internal error). */
export const errors = { '4xx': ErrorSchema, '5xx': ErrorSchema } as const;

/** A file download (PDF, CSV, XLSX, package file): declared by its media type, sent as bytes. */
export function fileResponse(mediaType: string | string[], description: string) {
  // Buffers, strings and streams are sent as they are (never through the serialiser); the OpenAPI transform
  // (src/server/openapi.ts) turns this into a binary body of the media type(s).
  return z.custom<string | Uint8Array | NodeJS.ReadableStream>(() => true).meta({ description, 'x-media-types': [mediaType].flat() });
}

export const OrganisationRef = z.object({ code: z.string(), nom: z.string() });

/** An ISO 8601 date-time, as the handlers send it (already a string). */
export const isoDateTime = z.string().meta({ format: 'date-time' });

export const ROLES = ['agent', 'charge_echanges', 'pilote_local', 'pilote_national', 'dpo', 'administrateur', 'signalant'] as const;

/** An account as the API shows it (session, administration). */
export const CompteSchema = z.object({
  id: z.string(), email: z.string(), nom: z.string(), roles: z.array(z.enum(ROLES)), actif: z.boolean(), version: z.number().int(),
  organisation: z.object({ code: z.string(), nom: z.string(), type: z.string() }),
}).meta({ id: 'Compte' });
