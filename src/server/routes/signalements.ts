/**
 * Signalements (docs/signalements.md): a health establishment's `signalant` accounts signal a
 * person leaving hospital to the competent Carsat, one by one or by file, and follow the status
 * of their own signalements — never the Carsat's notes or events.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/index.ts';
import { ALD_SIGNALEMENT, GIRS, MINIMA_SOCIAUX, OUI_NON, SEXES } from '../../extracts/index.ts';
import {
  importSignalements, listSignalements, submitSignalement, SignalementInputError, SIGNALEMENT_STATUSES,
} from '../../signalements/index.ts';
import { findEstablishment } from '../../territories/index.ts';
import { actorOf } from '../access.ts';
import { withRawFiles } from '../raw-files.ts';
import { errors } from '../schemas.ts';

const signalants = { access: { roles: ['signalant' as const] } };

const required = (label: string, max = 100) => z.string({ error: `${label} : obligatoire.` }).trim().min(1, { error: `${label} : obligatoire.` }).max(max, { error: `${label} : ${max} caractères au plus.` });
const isoDate = (label: string) => z.string({ error: `${label} : obligatoire.` }).regex(/^\d{4}-\d{2}-\d{2}$/, { error: `${label} : date attendue (AAAA-MM-JJ).` });
const ouiNon = (question: string) => z.enum(OUI_NON, { error: `${question} : répondez oui ou non.` });

export const signalementBody = z.object({
  date_signalement: isoDate('Date du signalement').optional(),
  nir: z.string({ error: 'Numéro de sécurité sociale : obligatoire.' }).max(30, { error: 'Numéro de sécurité sociale : 15 caractères attendus.' })
    .transform((v) => v.replace(/\s+/g, '').toUpperCase())
    .pipe(z.string().regex(/^[0-9AB]{15}$/, { error: 'Numéro de sécurité sociale : 13 caractères et la clé de 2 chiffres, soit 15 caractères.' })),
  nom: required('Nom de naissance'),
  prenom: required('Prénom'),
  sexe: z.enum(SEXES, { error: 'Sexe : F (femme) ou M (homme).' }),
  date_naissance: isoDate('Date de naissance'),
  code_postal: z.string({ error: 'Code postal : obligatoire.' }).trim().regex(/^\d{5}$/, { error: 'Code postal : 5 chiffres.' }),
  code_commune: z.string({ error: 'Commune : choisissez la commune du domicile.' }).trim().regex(/^(\d{5}|2[AB]\d{3})$/, { error: 'Commune : choisissez la commune du domicile.' }),
  commune: required('Commune du domicile'),
  telephone: z.string().trim().max(30, { error: 'Téléphone : 30 caractères au plus.' }).optional(),
  date_entree: isoDate("Date d'entrée à l'hôpital"),
  date_sortie_prevue: isoDate('Date de sortie prévue'),
  ald: z.enum(ALD_SIGNALEMENT, { error: 'Affection de longue durée : oui, en cours de reconnaissance ou non.' }),
  c2s: ouiNon('Complémentaire santé solidaire'),
  minimum_social: z.enum(MINIMA_SOCIAUX, { error: 'Minimum social : aucun, AAH, RSA, ASS, ASI ou ASPA.' }),
  sans_complementaire: ouiNon('Sans complémentaire santé'),
  difficulte_financement_soins: ouiNon('Difficulté à financer les soins'),
  retraite: ouiNon('Retraité du régime général'),
  gir: z.union([z.enum(GIRS), z.literal('')], { error: 'GIR : de 1 à 6, ou vide pour un non-retraité.' }).optional(),
}).strict();

const failure = z.object({ erreur: z.string(), champs: z.record(z.string(), z.string()).optional() });
const organisme = z.object({ code: z.string(), nom: z.string() });
const statut = z.enum(SIGNALEMENT_STATUSES);

const created = z.object({
  id: z.string(), resultat: z.enum(['ajoute', 'deja_suivi']), organisme, periode: z.string(), statut, statutLibelle: z.string(), message: z.string(),
});

const list = z.object({
  etablissement: z.object({ code: z.string(), nom: z.string(), finess: z.string() }),
  page: z.number(), taille: z.number(), total: z.number(),
  signalements: z.array(z.object({
    id: z.string(), dateSignalement: z.string(), personne: z.string(), organisme, dejaSuivi: z.boolean(), origine: z.enum(['formulaire', 'fichier']),
    statut, statutLibelle: z.string(), creeLe: z.string(),
  })),
});

const importReport = z.object({
  lignes: z.number(), ajoutes: z.number(), dejaSuivis: z.number(), rejetees: z.number(), opposes: z.number(), valeursIgnorees: z.number(),
  rapport: z.array(z.object({ ligne: z.number(), resultat: z.enum(['ajoute', 'deja_suivi', 'rejete', 'avertissement']), raison: z.string() })),
});

export function signalementRoutes(app: FastifyInstance, database: Database) {
  withRawFiles(app, database, routes);
}

function routes(app: FastifyInstance, database: Database) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = database.db;

  r.post('/api/signalements', {
    config: signalants,
    schema: { body: signalementBody, response: { 201: created, 400: failure, 403: failure, 404: failure, 422: failure, ...errors } },
  }, async (request, reply) => {
    const result = await submitSignalement(db, actorOf(request), request.body);
    if (!result.ok) return reply.code(result.status).send({ erreur: result.erreur, ...(result.champs ? { champs: result.champs } : {}) });
    const { ok: _ok, ...body } = result;
    return reply.code(201).send(body);
  });

  r.get('/api/signalements', {
    config: signalants,
    schema: {
      querystring: z.object({
        page: z.coerce.number({ error: 'Page invalide.' }).int().min(1, { error: 'La page commence à 1.' }).max(100_000).optional(),
        taille: z.coerce.number({ error: 'Taille invalide.' }).int().min(1).max(200, { error: 'Au plus 200 lignes par page.' }).optional(),
      }),
      response: { 200: list, 400: failure, 403: failure, 404: failure, 422: failure, ...errors },
    },
  }, async (request, reply) => {
    const result = await listSignalements(db, actorOf(request), request.query);
    if (!result.ok) return reply.code(result.status).send({ erreur: result.erreur });
    const { ok: _ok, ...body } = result;
    return body;
  });

  r.post('/api/signalements/fichier', {
    config: signalants,
    schema: { consumes: ['application/octet-stream', 'text/csv'], response: { 200: importReport, 400: failure, 403: failure, ...errors } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const etablissement = await findEstablishment(db, actor.organisation.code);
    if (!etablissement) return reply.code(403).send({ erreur: 'Votre organisme n’est pas un établissement de santé déclaré (numéro FINESS) : il ne peut pas faire de signalement.' });
    const raw = request.body;
    const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.isBuffer(raw) ? raw : null;
    if (!bytes || bytes.length === 0) return reply.code(400).send({ erreur: 'Fichier vide : envoyez un CSV au format « etablissements_signalements_sortie » (séparateur point-virgule).' });
    const dir = await mkdtemp(join(tmpdir(), 'passerelle-signalements-'));
    try {
      const path = join(dir, 'signalements.csv');
      await writeFile(path, bytes, { mode: 0o600 });
      const report = await importSignalements(db, {
        path, destinataire: null, etablissement, reportPath: join(dir, 'rapport.csv'),
        acteur: { compteId: actor.compteId, organisation: actor.organisation.code },
      });
      return {
        lignes: report.lignes, ajoutes: report.ajoutes, dejaSuivis: report.dejaSuivis, rejetees: report.rejetees, opposes: report.opposes,
        valeursIgnorees: report.valeursIgnorees, rapport: report.rapport,
      };
    } catch (error) {
      if (error instanceof SignalementInputError) return reply.code(400).send({ erreur: error.message });
      throw error;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
