import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Database } from '../../db/index.ts';
import {
  catalogue, catalogueAdmin, checklistPdf, listParcours, orient, orientationPayload, type Failure,
} from '../../orientation/index.ts';
import { recordAudit } from '../../privacy/index.ts';
import { offerBranchOf } from '../../territories/index.ts';
import { z } from 'zod';
import { actorOf } from '../access.ts';
import { ErrorSchema, errors, fileResponse } from '../schemas.ts';

const Ref = z.object({ code: z.string(), nom: z.string() });
const Lien = z.object({ libelle: z.string(), url: z.string() });
const Source = z.object({ titre: z.string(), url: z.string() });
const Branche = z.enum(['caf', 'assurance_maladie', 'carsat']);
const Nature = z.enum(['droit', 'service', 'demarche']);
const Etape = z.enum(['maintenant', 'bientot', 'ensuite']);
const Contact = z.object({
  code: z.string(), nom: z.string(), branches: z.array(Branche), roles: z.array(z.string()),
  telephones: z.array(z.object({ numero: z.string(), libelle: z.string() })), site: Lien,
});
/**
 * The answers (`reponses`: question id → string, number or boolean). Documents the body only: the routes check it by
 * hand (`reponsesOf`, the benchmark's hot path), hence their pass-through validator.
 */
const AnswersBody = z.object({ reponses: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])) });
const checkedByHand = () => (data: unknown) => ({ value: data });
/** A condition of the catalogue (recursive: `tous`, `un`, `non`), see docs/orientation.md. */
const Condition = z.record(z.string(), z.unknown()).meta({ description: 'Condition du catalogue, dans le langage de règles unique (ADR 0006) : toujours, tous, un, non, ou { champ (la question), egal / dans / auMoins / auPlus… }.' });
const Question = z.object({
  id: z.string(), libelle: z.string(), aide: z.string(), type: z.enum(['code_postal', 'choix', 'oui_non', 'nombre']),
  options: z.array(z.object({ valeur: z.union([z.string(), z.boolean()]), libelle: z.string() })),
  siReponse: z.object({ question: z.string(), dans: z.array(z.union([z.string(), z.boolean()])) }).optional(),
  min: z.number().optional(), max: z.number().optional(),
});
const ParcoursList = z.object({
  parcours: z.array(z.object({ id: z.string(), titre: z.string(), description: z.string(), questions: z.array(Question) })),
  communeSupplementaire: z.object({ id: z.string(), libelle: z.string(), aide: z.string() }),
  catalogue: z.object({ version: z.string() }),
});
const Montant = z.object({
  parametre: z.string(), libelle: z.string(), valeur: z.number(), unite: z.string(), valeurTexte: z.string(), dateEffet: z.string(), dateEffetTexte: z.string(),
  source: Source, champ: z.string().optional(), note: z.string().optional(), statut: z.enum(['en_vigueur', 'non_actualise']),
  revalorisationAttendue: z.string().optional(), avertissement: z.string().optional(),
});
/** Sent as prepared JSON bytes (not through this schema): documents the answer. */
const OrientationResult = z.object({
  parcours: z.object({ id: z.string(), titre: z.string() }),
  commune: z.object({ code: z.string(), nom: z.string(), departement: Ref }),
  contacts: z.array(Contact).meta({ description: 'Les accueils locaux des organismes compétents (src/orientation/contacts.ts).' }),
  date: z.string(), catalogue: z.object({ version: z.string() }), libelles: z.object({ branches: z.record(Branche, z.string()), etapes: z.record(Etape, z.string()) }), avertissement: z.string(),
  offres: z.array(z.object({
    id: z.string(), branche: Branche, brancheLibelle: z.string(), organisme: z.string(), nature: Nature, titre: z.string(), description: z.string(),
    pourquoi: z.string(), demarches: z.array(z.string()), lien: Lien, montants: z.array(Montant), etape: Etape, etapeLibelle: z.string(),
    ordre: z.number(), checklist: z.boolean(),
  })),
});
const Catalogue = z.object({
  version: z.string(), revue: z.object({ date: z.string(), note: z.string() }), date: z.string(),
  parcours: z.array(z.object({ id: z.string(), titre: z.string(), offres: z.array(z.string()) })),
  offres: z.array(z.object({
    id: z.string(), branche: Branche, organisme: z.string(), nature: Nature, titre: z.string(), lien: Lien, etape: Etape, ordre: z.number(),
    checklist: z.boolean(), parametres: z.array(z.string()),
    parcours: z.array(z.object({ id: z.string(), titre: z.string(), condition: z.string(), si: Condition, pourquoi: z.string() })),
  })),
  parametres: z.array(z.object({
    id: z.string(), libelle: z.string(), unite: z.string(), revalorisation: z.object({ jour: z.string(), libelle: z.string() }).nullable(),
    valeurs: z.array(z.object({ valeur: z.number(), dateEffet: z.string(), source: Source })), actuel: Montant.nullable(), offres: z.array(z.string()),
  })),
});
/** A refused evaluation: the messages, and when the postal code has several communes, the communes to choose from. */
const OrientationError = ErrorSchema.extend({ communes: z.array(z.object({ code: z.string(), nom: z.string() })).optional() });
const orientationErrors = { 400: OrientationError, 404: OrientationError, 422: OrientationError, ...errors };
const pdf = (description: string) => ({ 200: fileResponse('application/pdf', description), ...orientationErrors });

/** Answers travel in the body only (never in a URL), and are neither stored, logged nor echoed in the audit trail. */
const BODY_LIMIT = 16 * 1024;
const REPONSES_ATTENDUES = 'Envoyez vos réponses dans un objet « reponses » : { "reponses": { "codePostal": "83000", … } }.';

/**
 * The body is checked by hand rather than by a zod schema: this is the benchmark's hot path, and the only rule is
 * "an object `reponses`"; each answer is then checked by the orientation context with a message per question.
 */
function reponsesOf(body: unknown): Record<string, unknown> | null {
  const reponses = body && typeof body === 'object' ? (body as { reponses?: unknown }).reponses : undefined;
  return reponses && typeof reponses === 'object' && !Array.isArray(reponses) ? reponses as Record<string, unknown> : null;
}

function badBody(reply: FastifyReply) {
  return reply.code(400).header('cache-control', 'no-store')
    .send({ erreur: 'Certaines informations sont invalides : corrigez les champs signalés.', champs: { reponses: REPONSES_ATTENDUES } });
}

type Params = { Params: { parcours: string } };

function fail(reply: FastifyReply, failure: Failure) {
  return reply.code(failure.status).header('cache-control', 'no-store').send({
    erreur: failure.erreur,
    ...(failure.champs ? { champs: failure.champs } : {}),
    ...(failure.communes ? { communes: failure.communes } : {}),
  });
}

function sendPdf(reply: FastifyReply, pdf: Buffer, name: string) {
  return reply
    .header('content-type', 'application/pdf')
    .header('content-disposition', `attachment; filename="${name}"`)
    .header('cache-control', 'no-store')
    .send(pdf);
}

export function orientationRoutes(app: FastifyInstance, database: Database) {
  catalogue(); // loads and checks data/offres.json now: a broken catalogue stops the server from starting

  /** The pathways and their questions (public, no personal data). */
  app.get('/api/orientation', { config: { access: 'public' }, schema: { response: { 200: ParcoursList, ...errors } } }, async () => listParcours());

  /** The catalogue for administrators: each offer, the pathways that use it (and when), the dated amounts. */
  app.get('/api/orientation/catalogue', { config: { access: { roles: ['administrateur'] } }, schema: { response: { 200: Catalogue, ...errors } } }, async () => catalogueAdmin());

  /** Evaluates a pathway's answers: offers of both branches and local contacts. */
  app.post<Params>('/api/orientation/:parcours', {
    bodyLimit: BODY_LIMIT,
    config: { access: 'public' },
    schema: { body: AnswersBody, response: { 200: OrientationResult, ...orientationErrors } },
    validatorCompiler: checkedByHand,
  }, async (request, reply) => {
    const reponses = reponsesOf(request.body);
    if (!reponses) return badBody(reply);
    const result = await orient(database.db, request.params.parcours, reponses);
    if (!result.ok) return fail(reply, result);
    return reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(orientationPayload(result));
  });

  /** The citizen's printable check-list (PDF). */
  app.post<Params>('/api/orientation/:parcours/checklist.pdf', {
    bodyLimit: BODY_LIMIT,
    config: { access: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
    schema: { body: AnswersBody, response: pdf('La liste des démarches du citoyen (PDF).') },
    validatorCompiler: checkedByHand,
  }, async (request, reply) => {
    const reponses = reponsesOf(request.body);
    if (!reponses) return badBody(reply);
    const result = await orient(database.db, request.params.parcours, reponses);
    if (!result.ok) return fail(reply, result);
    return sendPdf(reply, await checklistPdf(result, { mode: 'citoyen' }), `demarches-${result.parcours.id}.pdf`);
  });

  /**
   * Interview mode, for a signed-in agent (Caf social worker, CPAM front office…): the same check-list with the
   * other branch's offers, boxes for what was discussed, and the orientations. The audit trail records that a
   * check-list was produced, by whom, for which pathway: never the answers.
   */
  app.post<Params>('/api/orientation/:parcours/entretien.pdf', {
    bodyLimit: BODY_LIMIT,
    config: { access: { roles: ['agent'] } },
    schema: { body: AnswersBody, response: pdf('La liste de l’entretien (PDF).') },
    validatorCompiler: checkedByHand,
  }, async (request, reply) => {
    const actor = actorOf(request);
    const reponses = reponsesOf(request.body);
    if (!reponses) return badBody(reply);
    const result = await orient(database.db, request.params.parcours, reponses);
    if (!result.ok) return fail(reply, result);
    const pdf = await checklistPdf(result, {
      mode: 'entretien', organisation: actor.organisation.nom, brancheAgent: offerBranchOf(actor.organisation.type),
    });
    await recordAudit(database.db, {
      action: 'orientation_checklist_entretien',
      acteur: { compteId: actor.compteId, organisation: actor.organisation.code },
      details: { parcours: result.parcours.id, offres: result.offres.length, catalogue: catalogue().version },
    });
    return sendPdf(reply, pdf, `entretien-${result.parcours.id}.pdf`);
  });
}
