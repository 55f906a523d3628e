/**
 * Channels API: the offer by e-mail (queued, delivered by the job queue's worker) and by letter
 * (one PDF, or the month's mailing), the administrator's view of the outbox, the public opposition
 * link, and the Caf's separation contact plan on uploaded extracts.
 *
 *   POST /api/courriels/contacts/:id            agent: queue the offer e-mail of a person
 *   POST /api/courriers/contacts/:id            agent: the person's letter (PDF), recorded as sent
 *   GET  /api/courriers/publipostage            agent: what the month's mailing would hold (counts)
 *   POST /api/courriers/publipostage            agent: the month's merged mailing (PDF), recorded as sent
 *   GET  /api/courriels                         administrator: the outbox (who/when/subject/status), no body
 *   GET  /api/courriels/:id                     administrator: one message's body (audited)
 *   GET  /api/opposition/:jeton                 public: what the link is about (no personal data)
 *   POST /api/opposition/:jeton                 public: record the opposition
 *   POST /api/courriels/campagnes/separation    Caf exchange officer: the month's separation contact plan (queued: 202)
 *   GET  /api/courriels/campagnes/separation/:id Caf exchange officer: a queued campaign's state and result
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import { z } from 'zod';
import type { Actor } from '../../accounts/index.ts';
import {
  CampaignInputError, ChannelRefusal, deliverOfferEmail, listSent, lookupOpposition, mailBody, mailSettings, personLetter,
  prepareOfferEmail, produceMailing, queueDelivery, recordOpposition, selectMailing, type ChannelActor,
} from '../../channels/index.ts';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/index.ts';
import { actorWorklists } from '../../outreach/index.ts';
import { recordAudit } from '../../privacy/index.ts';
import { actorScope } from '../../territories/index.ts';
import { actorOf } from '../access.ts';
import { ErrorSchema, errors, fileResponse } from '../schemas.ts';
import { ExchangeStore } from './exchange-store.ts';
import { CampaignStore, campaignState, hasWebCampaignWorker, queueWebCampaign, runCampaignNow, type CampaignState } from '../web-campaigns.ts';

const int = z.number().int();
const QueuedMail = z.object({ courriel: z.object({ id: z.string(), statut: z.string() }), message: z.string() });
const FailedMail = ErrorSchema.extend({ courriel: z.object({ id: z.string(), statut: z.string() }), message: z.string() });
const MailingReport = z.object({
  organisation: z.string(), programme: z.string(), periode: z.string(), personnes: int, courriers: int,
  exclus: z.array(z.object({ raison: z.string(), nombre: int })),
}).meta({ id: 'Publipostage' });
const OppositionView = z.object({
  programme: z.string(), programmeTitre: z.string(), organisation: z.string(), dejaEnregistree: z.boolean(), donneesDetruites: z.boolean(),
});
const SentMail = z.object({
  id: z.string(), contactId: z.string(), organisation: z.string(), programme: z.string(), periode: z.string(), modele: z.string(), objet: z.string(),
  statut: z.enum(['en_attente', 'envoye', 'echec', 'rejete', 'annule']), tentatives: int, derniereErreur: z.string().nullable(), creeLe: z.string(), envoyeLe: z.string().nullable(),
  recuLe: z.string().nullable(), corpsDisponible: z.boolean(),
});
const CampaignResult = z.object({
  campagne: z.looseObject({
    lignesLues: int, lignesRejetees: int, nonCibles: int, nonContactables: int, retenus: int, ajoutes: int, dejaSuivis: int,
    opposes: int, courrielsPrepares: int, courriers: int, courriersAFaire: int, sansCanal: int,
  }).meta({ description: 'Les comptes de la campagne (lignes lues, personnes ajoutées, courriels préparés…).' }),
  rapport: z.array(z.object({ ligne: z.string(), raison: z.string() })),
  rapportTronque: z.boolean(),
});
const Campaign = z.object({
  id: z.string(), organisation: z.string(), compteId: z.string(), mois: z.string(), canal: z.enum(['courriel', 'courrier', 'auto']),
  statut: z.enum(['en_attente', 'en_cours', 'termine', 'echec']), creeLe: z.string(), debuteLe: z.string().nullable(), termineLe: z.string().nullable(),
  erreur: z.string().nullable(), reprise: z.string().nullable(), essais: int, execution: z.string().nullable(), resultat: CampaignResult.nullable(),
});

const AGENT = { access: { roles: ['agent' as const] } };
const ADMIN = { access: { roles: ['administrateur' as const] } };
const OFFICER = { access: { roles: ['charge_echanges' as const] } };

const idParams = z.object({ id: z.string().regex(/^\d{1,18}$/, 'identifiant de personne invalide') });
const versionBody = z.object({ version: z.number({ error: 'version attendue (nombre entier)' }).int().min(0).optional() }).optional();
const month = z.string({ error: 'mois attendu' }).regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'mois AAAA-MM attendu (ex. 2026-11)');

function refuse(reply: FastifyReply, error: unknown) {
  if (error instanceof ChannelRefusal) return reply.code(error.status).send({ erreur: error.message, code: error.code });
  throw error;
}

function sendPdf(reply: FastifyReply, pdf: Buffer, name: string) {
  return reply.header('content-type', 'application/pdf').header('content-disposition', `attachment; filename="${name}"`)
    .header('cache-control', 'no-store').send(pdf);
}

export function mailRoutes(app: FastifyInstance, database: Database, config: Config) {
  const db = database.db;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const settings = () => mailSettings(config);

  /** An agent works the lists of their organisation and of the one it is attached to (ces-83 works cpam-83's list). */
  async function channelActor(actor: Actor): Promise<ChannelActor> {
    return { compteId: actor.compteId, organisation: actor.organisation.code, organisations: await actorWorklists(db, actor) };
  }

  /** The organisations whose outbox an administrator sees: their own and those attached to it; all for a national one. */
  async function adminScope(actor: Actor): Promise<string[] | 'all'> {
    const scope = await actorScope(db, actor, 'channels', 'read');
    return scope === 'all' ? 'all' : [...scope];
  }

  r.post('/api/courriels/contacts/:id', {
    schema: { params: idParams, body: versionBody, response: { 201: QueuedMail, 202: QueuedMail, 502: FailedMail, ...errors } },
    config: AGENT,
  }, async (request, reply) => {
    const actor = await channelActor(actorOf(request));
    try {
      const prepared = await prepareOfferEmail(db, settings(), { contactId: request.params.id, actor, expectedVersion: request.body?.version });
      if (await queueDelivery(db, [prepared.id])) {
        return reply.code(202).send({ courriel: { id: prepared.id, statut: 'en_attente' }, message: "Le courriel est en file d'envoi : il part dans quelques secondes (nouvel essai automatique en cas d'échec)." });
      }
      // No job queue in this process: one immediate attempt.
      const outcome = await deliverOfferEmail(db, settings(), prepared.id, settings().maxAttempts);
      const message = outcome === 'envoye' ? 'Le courriel a été envoyé.' : outcome === 'annule' ? "Le courriel n'a pas été envoyé (annulé)." : "Le courriel n'a pas pu être envoyé : l'échec est enregistré.";
      return reply.code(outcome === 'envoye' ? 201 : 502).send({ courriel: { id: prepared.id, statut: outcome }, message, ...(outcome === 'envoye' ? {} : { erreur: message }) });
    } catch (error) {
      return refuse(reply, error);
    }
  });

  r.post('/api/courriers/contacts/:id', {
    schema: { params: idParams, body: versionBody, response: { 200: fileResponse('application/pdf', 'Le courrier de la personne (PDF), enregistré comme envoyé.'), ...errors } },
    config: AGENT,
  }, async (request, reply) => {
    const actor = await channelActor(actorOf(request));
    try {
      const letter = await personLetter(db, { publicUrl: config.mail.publicUrl }, { contactId: request.params.id, actor, expectedVersion: request.body?.version });
      return sendPdf(reply, letter.pdf, letter.fileName);
    } catch (error) {
      return refuse(reply, error);
    }
  });

  const mailingQuery = z.object({
    programme: z.string({ error: 'programme attendu' }).min(1, 'programme attendu').max(60),
    mois: month,
    organisation: z.string().max(60).optional(),
  });

  async function mailingScope(request: FastifyRequest, reply: FastifyReply, q: z.infer<typeof mailingQuery>) {
    const actor = await channelActor(actorOf(request));
    const organisation = q.organisation ?? actor.organisations[0];
    if (!organisation || !actor.organisations.includes(organisation)) {
      reply.code(404).send({ erreur: 'Liste de travail introuvable pour votre organisme.', champs: { organisation: 'organisme dont vous ne travaillez pas la liste' } });
      return null;
    }
    return { actor, organisation };
  }

  r.get('/api/courriers/publipostage', { schema: { querystring: mailingQuery, response: { 200: z.object({ publipostage: MailingReport }), ...errors } }, config: AGENT }, async (request, reply) => {
    const scope = await mailingScope(request, reply, request.query);
    if (!scope) return reply;
    try {
      const selection = await selectMailing(db, { publicUrl: config.mail.publicUrl }, { organisation: scope.organisation, programme: request.query.programme, periode: request.query.mois });
      return { publipostage: selection.report };
    } catch (error) {
      return refuse(reply, error);
    }
  });

  r.post('/api/courriers/publipostage', {
    schema: {
      body: mailingQuery,
      response: {
        200: fileResponse('application/pdf', 'Le publipostage du mois (PDF) ; l’en-tête x-passerelle-courriers donne le nombre de courriers.'),
        409: ErrorSchema.extend({ publipostage: MailingReport }),
        ...errors,
      },
    },
    config: AGENT,
  }, async (request, reply) => {
    const scope = await mailingScope(request, reply, request.body);
    if (!scope) return reply;
    try {
      const selection = await selectMailing(db, { publicUrl: config.mail.publicUrl }, { organisation: scope.organisation, programme: request.body.programme, periode: request.body.mois });
      if (selection.letters.length === 0) {
        return reply.code(409).send({ erreur: 'Aucun courrier à produire pour ce mois : toutes les personnes ont déjà reçu l’offre, ou aucune ne peut recevoir de courrier.', publipostage: selection.report });
      }
      const mailing = await produceMailing(db, selection, scope.actor);
      return sendPdf(reply.header('x-passerelle-courriers', String(mailing.report.courriers)), mailing.pdf!, mailing.fileName);
    } catch (error) {
      return refuse(reply, error);
    }
  });

  r.get('/api/courriels', {
    schema: {
      querystring: z.object({
        statut: z.enum(['en_attente', 'envoye', 'echec', 'rejete', 'annule'], { error: 'statut inconnu' }).optional(),
        page: z.coerce.number().int().min(1).max(100000).default(1),
        taille: z.coerce.number().int().min(1).max(200).default(50),
      }),
      response: { 200: z.object({ total: int, lignes: z.array(SentMail), page: int, taille: int, serveurDemo: z.boolean() }), ...errors },
    },
    config: ADMIN,
  }, async (request) => {
    const scope = await adminScope(actorOf(request));
    const { page, taille, statut } = request.query;
    const result = await listSent(db, { organisations: scope, statut, limit: taille, offset: (page - 1) * taille });
    return { ...result, page, taille, serveurDemo: config.demo && !process.env.PASSERELLE_SMTP_URL };
  });

  r.get('/api/courriels/:id', {
    schema: {
      params: z.object({ id: z.string().uuid('identifiant de courriel invalide') }),
      response: {
        200: z.object({
          courriel: z.object({
            id: z.string(), objet: z.string(), statut: z.string(), texte: z.string().nullable(), html: z.string().nullable(), brut: z.string().nullable(),
            recuLe: z.string().nullable(), efface: z.boolean(),
          }),
        }),
        ...errors,
      },
    },
    config: ADMIN,
  }, async (request, reply) => {
    const actor = actorOf(request);
    const scope = await adminScope(actor);
    const mail = await mailBody(db, request.params.id);
    if (!mail || (scope !== 'all' && !scope.includes(mail.organisation_code))) return reply.code(404).send({ erreur: 'Courriel introuvable.' });
    await recordAudit(db, {
      action: 'courriel.lecture', acteur: { compteId: actor.compteId, organisation: actor.organisation.code },
      cible: { type: 'courriel', id: mail.id }, details: { contact: mail.contact_id, programme: mail.programme, brut: mail.brut !== null },
    });
    reply.header('cache-control', 'no-store');
    return {
      courriel: {
        id: mail.id, objet: mail.objet, statut: mail.statut, texte: mail.corps_texte, html: mail.corps_html, brut: mail.brut, recuLe: mail.recuLe,
        efface: mail.corps_texte === null,
      },
    };
  });

  const tokenParams = z.object({ jeton: z.string().max(80) });
  const invalidLink = { erreur: "Ce lien n'est pas valide : vérifiez qu'il est complet (copiez-le en entier depuis le message reçu)." };

  r.get('/api/opposition/:jeton', { schema: { params: tokenParams, response: { 200: z.object({ opposition: OppositionView }), ...errors } }, config: { access: 'public', rateLimit: { max: 60, timeWindow: '1 minute' } } }, async (request, reply) => {
    const found = await lookupOpposition(db, request.params.jeton);
    reply.header('cache-control', 'no-store');
    if (!found.ok) return reply.code(404).send(invalidLink);
    return { opposition: found.view };
  });

  r.post('/api/opposition/:jeton', { schema: { params: tokenParams, response: { 200: z.object({ opposition: OppositionView, nouvelle: z.boolean() }), ...errors } }, config: { access: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } } }, async (request, reply) => {
    const result = await recordOpposition(db, request.params.jeton);
    reply.header('cache-control', 'no-store');
    if (!result.ok) return reply.code(404).send(invalidLink);
    return { opposition: result.view, nouvelle: result.nouvelle === true };
  });

  const store = new ExchangeStore(config.dataDir);
  const campaigns = new CampaignStore(store);
  r.post('/api/courriels/campagnes/separation', {
    schema: {
      body: z.object({
        mois: month,
        canal: z.enum(['courriel', 'courrier', 'auto'], { error: 'canal : courriel, courrier ou auto' }).default('auto'),
        fichiers: z.object({
          caf_separations: z.string({ error: 'déposez le fichier des séparations du mois (caf_separations.csv)' }).uuid('dépôt introuvable : déposez le fichier à nouveau'),
          caf_allocataires: z.string({ error: 'déposez le fichier des allocataires (caf_allocataires.csv)' }).uuid('dépôt introuvable : déposez le fichier à nouveau'),
        }),
      }),
      response: { 201: CampaignResult, 202: z.object({ campagne: Campaign }), ...errors },
    },
    config: OFFICER,
  }, async (request, reply) => {
    const actor = actorOf(request);
    const org = actor.organisation.code;
    const champs: Record<string, string> = {};
    const paths: Record<string, string> = {};
    for (const [kind, id] of Object.entries(request.body.fichiers)) {
      const meta = await store.upload(org, id);
      if (!meta || meta.usage !== 'extrait') champs[`fichiers.${kind}`] = 'fichier introuvable : déposez-le à nouveau';
      else if (meta.format !== 'csv') champs[`fichiers.${kind}`] = 'le plan de contacts lit les extraits CSV (séparateur « ; ») : déposez le fichier au format CSV';
      else paths[kind] = store.uploadPath(org, id);
    }
    if (Object.keys(champs).length > 0) return reply.code(400).send({ erreur: 'La campagne ne peut pas être lancée : corrigez les points signalés.', champs });
    // Through the job queue (any instance runs it, a restart reruns it): 202 at once, the page polls its state.
    if (hasWebCampaignWorker(db)) {
      const id = randomUUID();
      const source = campaigns.sourceDir(org, id);
      await mkdir(source, { recursive: true, mode: 0o700 });
      await store.consumeUpload(org, request.body.fichiers.caf_separations, join(source, 'caf_separations.csv'));
      await store.consumeUpload(org, request.body.fichiers.caf_allocataires, join(source, 'caf_allocataires.csv'));
      const state: CampaignState = {
        id, organisation: org, compteId: actor.compteId, mois: request.body.mois, canal: request.body.canal, statut: 'en_attente',
        creeLe: new Date().toISOString(), debuteLe: null, termineLe: null, erreur: null, reprise: null, essais: 0, execution: null, resultat: null,
      };
      await campaigns.save(state);
      await queueWebCampaign(db, campaigns, state);
      return reply.code(202).send({ campagne: state });
    }
    // Without a queue in this process (PASSERELLE_TACHES=0): inside the request.
    const outDir = join(store.base(org), 'campagnes', randomUUID());
    await mkdir(outDir, { recursive: true, mode: 0o700 });
    try {
      const result = await runCampaignNow(db, settings(), {
        organisation: org, periode: request.body.mois, canal: request.body.canal, outDir, compteId: actor.compteId,
        source: { separations: paths.caf_separations!, allocataires: paths.caf_allocataires! },
      });
      return reply.code(201).send(result);
    } catch (error) {
      if (error instanceof CampaignInputError) return reply.code(400).send({ erreur: error.message });
      throw error;
    } finally {
      // The extracts hold NIRs: they go whatever the outcome (the officer uploads them again to retry).
      for (const id of Object.values(request.body.fichiers)) await store.removeUpload(org, id);
      await rm(outDir, { recursive: true, force: true });
    }
  });

  /** A campaign started through the queue: its state, then its counts and row report. */
  r.get('/api/courriels/campagnes/separation/:id', { schema: { params: z.object({ id: z.string() }), response: { 200: z.object({ campagne: Campaign }), ...errors } }, config: OFFICER }, async (request, reply) => {
    const state = await campaignState(db, campaigns, actorOf(request).organisation.code, request.params.id);
    if (!state) return reply.code(404).send({ erreur: 'Cette campagne est introuvable pour votre organisme.' });
    return reply.header('cache-control', 'no-store').send({ campagne: state });
  });
}
