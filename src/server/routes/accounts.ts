import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import { z } from 'zod';
import { accountChangeSchema, createAccount, listAccounts, newAccountSchema, updateAccount } from '../../accounts/index.ts';
import type { Database } from '../../db/index.ts';
import { inScope, listOrganisations, readableOrganisations } from '../../territories/index.ts';
import { actorOf } from '../access.ts';
import { CompteSchema, errors } from '../schemas.ts';

const OneCompte = z.object({ compte: CompteSchema });

const admin = { access: { roles: ['administrateur' as const] } };

export function accountRoutes(app: FastifyInstance, database: Database) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/comptes', { config: admin, schema: { response: { 200: z.object({ comptes: z.array(CompteSchema) }), ...errors } } }, async (request) => ({ comptes: await listAccounts(database.db, actorOf(request)) }));

  r.post('/api/comptes', { schema: { body: newAccountSchema, response: { 201: OneCompte, ...errors } }, config: admin }, async (request, reply) => {
    const result = await createAccount(database.db, actorOf(request), request.body);
    if (!result.ok) return reply.code(result.status).send({ erreur: result.erreur, champs: result.champs });
    return reply.code(201).send({ compte: result.compte });
  });

  r.patch('/api/comptes/:id', {
    schema: { params: z.object({ id: z.string() }), body: accountChangeSchema, response: { 200: OneCompte, ...errors } },
    config: admin,
  }, async (request, reply) => {
    const result = await updateAccount(database.db, actorOf(request), request.params.id, request.body);
    if (!result.ok) return reply.code(result.status).send({ erreur: result.erreur, champs: result.champs });
    return { compte: result.compte };
  });

  r.get('/api/organisations', {
    config: admin,
    schema: { response: { 200: z.object({ organisations: z.array(z.object({ code: z.string(), nom: z.string(), type: z.string() })) }), ...errors } },
  }, async (request) => {
    const actor = actorOf(request);
    const all = await listOrganisations(database.db);
    const scope = readableOrganisations(actor, 'accounts');
    const visible = all.filter((o) => inScope(scope, o.code));
    return { organisations: visible.map(({ code, nom, type }) => ({ code, nom, type })) };
  });
}
