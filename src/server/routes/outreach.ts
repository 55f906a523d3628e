/**
 * Outreach worklists (docs/outreach.md): agents of the holding organisation, or of an
 * organisation attached to it (ces-83 → cpam-83), only. Pilots follow the funnels, never people.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/index.ts';
import {
  actorWorklists, agentToDo, assignableAgents, assignContacts, closeWorklist, importOutcomes, listWorklist, ORIENTATION_STATUSES, personPage,
  recordEventAs, updateOrientation, type OutreachFailure,
} from '../../outreach/index.ts';
import { actorOf } from '../access.ts';
import { withRawFiles } from '../raw-files.ts';
import { errors } from '../schemas.ts';

const int = z.number().int();
const Agent = z.object({ id: z.string(), nom: z.string() });
const Worklist = z.object({
  organisations: z.array(z.string()), organisation: z.string(),
  programmes: z.array(z.object({
    code: z.string(), titre: z.string(),
    evenements: z.array(z.object({ code: z.string(), libelle: z.string(), detail: z.string(), partenaires: z.array(z.string()) })),
  })),
  mois: z.array(z.string()),
  statuts: z.array(z.object({ code: z.string(), libelle: z.string(), termine: z.boolean() })),
  programme: z.string().nullable(), periode: z.string().nullable(), page: int, taille: int, total: int, restants: int,
  parStatut: z.record(z.string(), int),
  lignes: z.array(z.object({
    id: z.string(), statut: z.string(), statutLibelle: z.string(), termine: z.boolean(), version: int, appelable: z.boolean(),
    champs: z.record(z.string(), z.string()), aRisque: z.boolean(), agent: Agent.nullable(), dernierEvenementLe: z.string().nullable(),
  })),
});
const Person = z.object({
  contact: z.object({
    id: z.string(), organisation: z.string(), programme: z.string(), programmeTitre: z.string(), periode: z.string(), statut: z.string(), statutLibelle: z.string(),
    termine: z.boolean(), version: int, appelable: z.boolean(), champs: z.record(z.string(), z.string()), aRisque: z.boolean(), canalSur: z.string().nullable(),
    agent: Agent.nullable(), importeLe: z.string(), traiteLe: z.string().nullable(), echeance: z.string(),
  }),
  evenements: z.array(z.object({
    id: z.string(), code: z.string(), libelle: z.string(), detail: z.string().nullable(), detailLibelle: z.string().nullable(),
    survenuLe: z.string(), origine: z.string(), auteur: z.string().nullable(),
  })),
  orientations: z.array(z.object({
    id: z.string(), partenaire: z.string(), partenaireLibelle: z.string(), partenaireOrganisation: z.string().nullable(), statut: z.string(),
    statutLibelle: z.string(), version: int, creeLe: z.string(),
  })),
  actions: z.array(z.object({
    code: z.string(), libelle: z.string(), bouton: z.string(), genre: z.string(), canal: z.string().nullable(), detail: z.string(),
    partenaires: z.array(z.object({ code: z.string(), libelle: z.string() })),
  })),
  script: z.object({ titre: z.string(), introduction: z.string(), etapes: z.array(z.object({ titre: z.string(), texte: z.string() })), refus: z.string() }),
});

const agents = { access: { roles: ['agent' as const] } };
const idParam = z.object({ id: z.string().regex(/^\d{1,18}$/, { error: 'Identifiant invalide.' }) });
const organisationCode = z.string().regex(/^[a-z0-9-]{2,40}$/, { error: "Code d'organisme invalide." });

const failure = z.object({ erreur: z.string() });
const outcomesReport = z.object({
  lignes: z.number().int(), enregistrees: z.number().int(), dejaEnregistrees: z.number().int(), rejetees: z.number().int(), import: z.string(),
  rapport: z.array(z.object({ ligne: z.number().int(), resultat: z.enum(['enregistree', 'deja_enregistree', 'rejetee']), motif: z.string() })),
});

const send = (reply: FastifyReply, f: OutreachFailure) => reply.code(f.status).send({ erreur: f.erreur, ...(f.champs ? { champs: f.champs } : {}) });

export function outreachRoutes(app: FastifyInstance, database: Database) {
  withRawFiles(app, database, routes);
}

function routes(app: FastifyInstance, database: Database) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = database.db;

  r.get('/api/listes', {
    config: agents,
    schema: {
      querystring: z.object({
        organisation: organisationCode.optional(),
        programme: z.string().max(40).optional(),
        mois: z.string().max(7).optional(),
        statut: z.string().max(300).optional(),
        agent: z.string().max(40).optional(),
        page: z.coerce.number({ error: 'Page invalide.' }).int().min(1, { error: 'La page commence à 1.' }).max(100_000).optional(),
        taille: z.coerce.number({ error: 'Taille invalide.' }).int().min(1).max(200, { error: 'Au plus 200 lignes par page.' }).optional(),
        tri: z.string().max(30).optional(),
      }),
      response: { 200: Worklist, ...errors },
    },
  }, async (request, reply) => {
    const result = await listWorklist(db, actorOf(request), request.query);
    if (!result.ok) return send(reply, result);
    const { ok: _ok, ...body } = result;
    return body;
  });

  r.get('/api/listes/a-faire', {
    config: agents,
    schema: {
      response: {
        200: z.object({
          listes: z.array(z.object({
            organisation: z.string(), programme: z.string(), programmeTitre: z.string(), mois: z.string(), aTraiter: z.number().int(), total: z.number().int(),
          })),
        }),
        ...errors,
      },
    },
  }, async (request) => ({ listes: await agentToDo(db, actorOf(request)) }));

  r.get('/api/listes/agents', {
    config: agents,
    schema: { response: { 200: z.object({ agents: z.array(z.object({ id: z.string(), nom: z.string(), organisation: z.string() })) }), ...errors } },
  }, async (request) => ({
    agents: (await assignableAgents(db, actorOf(request))).map((a) => ({ id: a.id, nom: a.nom, organisation: a.organisation_code })),
  }));

  r.get('/api/listes/contacts/:id', { config: agents, schema: { params: idParam, response: { 200: Person, ...errors } } }, async (request, reply) => {
    const result = await personPage(db, actorOf(request), request.params.id);
    if (!result.ok) return send(reply, result);
    const { ok: _ok, ...body } = result;
    return body;
  });

  r.post('/api/listes/contacts/:id/evenements', {
    config: agents,
    schema: {
      params: idParam,
      body: z.object({
        code: z.string({ error: "Le type d'événement est obligatoire." }).min(1).max(40),
        detail: z.string().max(200, { error: 'Le détail dépasse 200 caractères.' }).nullish(),
        survenuLe: z.iso.datetime({ offset: true, error: "Date de l'événement invalide (date et heure ISO attendues)." }).optional(),
        version: z.number({ error: 'La version de la fiche est obligatoire.' }).int().min(0),
      }),
      response: { 201: z.object({ evenementId: z.string(), statut: z.string(), statutLibelle: z.string(), version: int }), ...errors },
    },
  }, async (request, reply) => {
    const result = await recordEventAs(db, actorOf(request), request.params.id, request.body);
    if (!result.ok) return send(reply, result);
    const { ok: _ok, ...body } = result;
    return reply.code(201).send(body);
  });

  r.post('/api/listes/attributions', {
    config: agents,
    schema: {
      body: z.object({
        contacts: z.array(z.string().regex(/^\d{1,18}$/, { error: 'Identifiant de personne invalide.' })).max(1000, { error: 'Au plus 1 000 personnes à la fois.' }),
        agent: z.string().uuid({ error: "Identifiant d'agent invalide." }).nullable(),
        /** Per contact, the agent the caller saw (null: not assigned); a contact reassigned in between is a conflict. */
        vus: z.record(z.string().regex(/^\d{1,18}$/), z.string().uuid().nullable()).optional(),
      }),
      response: { 200: z.object({ attribues: int, ignores: int, conflits: int }), ...errors },
    },
  }, async (request, reply) => {
    const result = await assignContacts(db, actorOf(request), request.body.contacts, request.body.agent, request.body.vus);
    if (!result.ok) return send(reply, result);
    return { attribues: result.attribues, ignores: result.ignores, conflits: result.conflits };
  });

  r.patch('/api/listes/orientations/:id', {
    config: agents,
    schema: {
      params: idParam,
      body: z.object({ statut: z.enum(ORIENTATION_STATUSES, { error: 'Statut attendu : envoyee, acceptee ou realisee.' }), version: z.number().int().min(0) }),
      response: { 200: z.object({ statut: z.string(), version: int }), ...errors },
    },
  }, async (request, reply) => {
    const result = await updateOrientation(db, actorOf(request), request.params.id, request.body);
    if (!result.ok) return send(reply, result);
    return { statut: result.statut, version: result.version };
  });

  r.post('/api/listes/cloture', {
    config: agents,
    schema: { body: z.object({ organisation: organisationCode, programme: z.string().min(1).max(40), mois: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'Mois attendu au format AAAA-MM.' }) }),
      response: { 200: z.object({ traites: int, echeance: z.string() }), ...errors },
    },
  }, async (request, reply) => {
    const result = await closeWorklist(db, actorOf(request), request.body);
    if (!result.ok) return send(reply, result);
    return { traites: result.traites, echeance: result.echeance };
  });

  r.post('/api/listes/resultats', {
    config: agents,
    schema: {
      querystring: z.object({ organisation: organisationCode.optional(), programme: z.string().max(40).optional() }),
      consumes: ['application/octet-stream', 'text/csv'],
      response: { 200: outcomesReport, 400: failure, 403: failure, ...errors },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const organisations = await actorWorklists(db, actor);
    const organisation = request.query.organisation ?? organisations[0];
    if (!organisation || !organisations.includes(organisation)) return reply.code(403).send({ erreur: "Vous ne pouvez pas importer de résultats pour cet organisme." });
    const raw = request.body;
    const bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : Buffer.isBuffer(raw) ? new Uint8Array(raw) : null;
    if (!bytes || bytes.length === 0) return reply.code(400).send({ erreur: 'Fichier vide : envoyez un CSV « pseudonyme;date;evenement;detail ».' });
    const result = await importOutcomes(db, { organisation, programme: request.query.programme ?? null, bytes, actor: { compteId: actor.compteId, organisation: actor.organisation.code } });
    if (!result.ok) return reply.code(400).send({ erreur: result.erreur });
    return result.report;
  });
}
