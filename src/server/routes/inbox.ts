/**
 * The inbox: another instance posts a sealed package to an organisation hosted here
 * (`POST /api/boite/:organisation/paquets`, wire format in src/exchange/transport.ts).
 *
 * The caller has no account: it is authenticated by the package itself. The manifest and its
 * signature come in headers and are checked (sender known from the partner registry, Ed25519
 * signature, recipient) before the body is read and before anything is written to the database.
 * The body (the encrypted payload) is streamed to a temporary folder with its size capped, then
 * `importPackage` verifies everything again and imports all-or-nothing. The answer carries the
 * signed acknowledgement: `importe`, `rejete` with the refusal code, or, for a package already
 * imported, the acknowledgement of the first import (nothing is created).
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/index.ts';
import {
  authenticateInboxPost, exchangeRepository, importAcknowledgement, importPackage, ImportFailed, ImportRefused, MANIFEST_HEADER, OrganisationCodeSchema, SIGNATURE_HEADER,
} from '../../exchange/index.ts';

import { z } from 'zod';
import { ErrorSchema, errors } from '../schemas.ts';

/** The signed acknowledgement, sent back as it was signed (loose: a signed document is never trimmed). */
const SignedAck = z.object({
  accuse: z.looseObject({
    format: z.string(), paquet: z.string(), expediteur: z.string(), destinataire: z.string(), recus: z.number().int(), importes: z.number().int(),
    statut: z.enum(['importe', 'rejete']), motif: z.string().optional(), date: z.string(), cle: z.string(),
  }),
  signature: z.string(),
}).meta({ id: 'AccuseSigne' });
const Imported = z.object({ statut: z.literal('importe'), rejeu: z.boolean(), accuse: SignedAck, message: z.string() });
/** A refusal: its code; a package refused after opening also carries the signed refusal (`rejete`). */
const Refused = ErrorSchema.extend({ statut: z.literal('rejete').optional(), accuse: SignedAck.optional() });

class TooLarge extends Error {}

/** Reads and discards what is left of a request body (at most `max` bytes), so the caller reads the answer cleanly. */
function drain(body: Readable, max: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => { body.removeAllListeners('data'); resolve(); };
    body.on('data', (chunk: Buffer) => { seen += chunk.length; if (seen > max) { body.destroy(); done(); } });
    body.once('end', done);
    body.once('error', done);
    body.once('close', done);
    body.resume();
  });
}

const size = (bytes: number) => {
  const nf = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
  return bytes < 1024 * 1024 ? `${nf.format(bytes / 1024)} Ko` : `${nf.format(bytes / 1024 / 1024)} Mo`;
};

export function inboxRoutes(app: FastifyInstance, database: Database, config: Config) {
  const db = database.db;
  app.register(async (scope) => {
    // the payload is streamed to a file, never parsed nor held in memory
    scope.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

    scope.post<{ Params: { organisation: string } }>('/api/boite/:organisation/paquets', {
      config: { access: 'public', rateLimit: { max: config.inboxRatePerMinute, timeWindow: '1 minute' } },
      schema: {
        consumes: ['application/octet-stream'],
        response: { 200: Imported, 400: Refused, 403: Refused, 404: Refused, 409: Refused, 413: Refused, 415: Refused, 422: Refused, 500: Refused, ...errors },
      },
    }, async (request, reply) => {
      const body = request.body as Readable | undefined;
      const organisation = request.params.organisation;
      reply.header('cache-control', 'no-store');
      const refuse = async (status: number, code: string, erreur: string, extra: Record<string, unknown> = {}, drainBody = true) => {
        request.log.warn({ code, organisation: OrganisationCodeSchema.safeParse(organisation).success ? organisation : '?' }, 'paquet refusé par la boîte aux lettres');
        if (body && drainBody) await drain(body, config.inboxMaxBytes);
        if (!drainBody) reply.header('connection', 'close');
        return reply.code(status).send({ erreur, code, ...extra });
      };

      if (!OrganisationCodeSchema.safeParse(organisation).success || !(await exchangeRepository.hostsOrganisation(db, organisation))) {
        return refuse(404, 'boite_inconnue', `Boîte aux lettres inconnue : cette instance n'héberge pas l'organisme « ${organisation.slice(0, 64)} ».`);
      }
      if (!body || typeof (body as { pipe?: unknown }).pipe !== 'function') {
        return refuse(415, 'format_invalide', 'Le corps de la requête doit être le contenu chiffré du paquet (Content-Type: application/octet-stream).');
      }

      // 1. the manifest, the sender's trusted key, the signature, the recipient (nothing is written before this point)
      const check = await authenticateInboxPost(db, organisation, { manifest: request.headers[MANIFEST_HEADER], signature: request.headers[SIGNATURE_HEADER] });
      if (!check.ok) return refuse(check.status, check.code, check.erreur, {}, check.status !== 403);
      const { manifest, manifestBytes, signature } = check;

      // 2. already imported: the same acknowledgement again, nothing is created
      const previous = await importAcknowledgement(db, manifest.id, organisation);
      if (previous) {
        await drain(body, config.inboxMaxBytes);
        return reply.code(200).send({ statut: 'importe', rejeu: true, accuse: previous, message: `Paquet ${manifest.id} déjà importé : voici son accusé de réception ; rien n'a été créé.` });
      }

      // 3. size, announced then actual
      if (manifest.payload.octets > config.inboxMaxBytes) {
        return refuse(413, 'trop_volumineux', `Paquet trop volumineux : ${size(manifest.payload.octets)} annoncés, cette boîte aux lettres accepte au plus ${size(config.inboxMaxBytes)} (PASSERELLE_BOITE_MAX_MO). Découpez l'envoi ou demandez au destinataire de relever la limite.`, {}, false);
      }
      const declared = request.headers['content-length'];
      if (declared !== undefined && Number(declared) !== manifest.payload.octets) {
        return refuse(400, 'taille_incorrecte', `Le corps de la requête annonce ${declared} octets, le manifeste ${manifest.payload.octets} : le contenu ne correspond pas au manifeste.`, {}, false);
      }

      // 4. stream the payload to a temporary package folder, then import it all-or-nothing
      const dir = await mkdtemp(join(tmpdir(), 'passerelle-boite-'));
      try {
        const name = manifest.payload.fichier.replace(/\.payload\.age$/, '');
        await writeFile(join(dir, `${name}.manifest.json`), manifestBytes, { mode: 0o600 });
        await writeFile(join(dir, `${name}.sig`), `${signature}\n`, { mode: 0o600 });
        let seen = 0;
        const cap = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            seen += chunk.length;
            callback(seen > manifest.payload.octets ? new TooLarge() : null, chunk);
          },
        });
        try {
          await pipeline(body, cap, createWriteStream(join(dir, manifest.payload.fichier), { mode: 0o600 }));
        } catch (error) {
          if (error instanceof TooLarge) {
            return refuse(413, 'trop_volumineux', `Le contenu reçu dépasse les ${manifest.payload.octets} octets annoncés par le manifeste : envoi refusé.`, {}, false);
          }
          return refuse(400, 'envoi_interrompu', 'Le contenu du paquet n’a pas été reçu en entier (connexion interrompue) : renvoyez-le.', {}, false);
        }
        try {
          const r = await importPackage(db, join(dir, `${name}.manifest.json`), { organisation, writeAcknowledgement: false });
          return reply.code(200).send({
            statut: 'importe', rejeu: false, accuse: r.document,
            message: `Paquet ${r.paquet} importé : ${r.importes} contact(s) créé(s) sur ${r.recus} reçu(s).`,
          });
        } catch (error) {
          if (!(error instanceof ImportRefused)) {
            // two posts of the same package at once: the second one meets the first one's row
            const raced = await importAcknowledgement(db, manifest.id, organisation);
            if (raced) return reply.code(200).send({ statut: 'importe', rejeu: true, accuse: raced, message: `Paquet ${manifest.id} déjà importé.` });
            // an unexpected error: its French message names the package and an error code, never a record's values
            if (error instanceof ImportFailed) return refuse(500, 'erreur_interne', error.message, {}, false);
            throw error;
          }
          if (error.code === 'rejeu' && error.accuse) {
            return reply.code(200).send({ statut: 'importe', rejeu: true, accuse: error.accuse, message: error.message });
          }
          return refuse(error.accuse ? 422 : 400, error.code, error.message, error.accuse ? { statut: 'rejete', accuse: error.accuse } : {}, false);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
