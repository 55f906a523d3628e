import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { login, logout, type CompteRow } from '../../accounts/index.ts';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/index.ts';
import { actorOf, SESSION_COOKIE } from '../access.ts';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import { offerBranchOf, OFFER_BRANCHES } from '../../territories/index.ts';
import { CompteSchema, errors } from '../schemas.ts';

const SessionSchema = z.object({
  compte: CompteSchema,
  csrfToken: z.string(),
  brancheOffres: z.enum(OFFER_BRANCHES).nullable().meta({
    description: "La branche dont l'agent présente les offres en premier (territoires : une CGSS, la CSS ou une caisse commune est d'abord l'Assurance Maladie) ; null pour un organisme national ou un établissement.",
  }),
});

/** The session's answer: the account, its CSRF token and its organisation's offer branch (the territories' model, so the screen and the PDF agree). */
const session = (compte: CompteRow, csrfToken: string) => ({ compte, csrfToken, brancheOffres: offerBranchOf(compte.organisation.type) });

const credentials = z.object({
  email: z.string({ error: "L'adresse e-mail est obligatoire." }).trim().min(1, { error: "L'adresse e-mail est obligatoire." }).max(254),
  motDePasse: z.string({ error: 'Le mot de passe est obligatoire.' }).min(1, { error: 'Le mot de passe est obligatoire.' }).max(200),
});

export function sessionRoutes(app: FastifyInstance, database: Database, config: Config) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post('/api/session', {
    schema: { body: credentials, response: { 200: SessionSchema, ...errors } },
    config: { access: 'public', rateLimit: { max: config.loginRatePerMinute, timeWindow: '1 minute' } },
  }, async (request, reply) => {
    const result = await login(database.db, request.body.email, request.body.motDePasse, new Date(), request.ip);
    if (!result.ok) return reply.code(result.status).send({ erreur: result.erreur });
    reply.setCookie(SESSION_COOKIE, result.session.token, {
      path: '/', httpOnly: true, sameSite: 'strict', secure: config.cookieSecure, expires: result.session.expiresAt,
    });
    return session(result.session.compte, result.session.csrf);
  });

  r.get('/api/session', { config: { access: 'authenticated' }, schema: { response: { 200: SessionSchema, ...errors } } }, async (request) => session(request.compte!, request.csrf!));

  r.delete('/api/session', { config: { access: 'authenticated' }, schema: { response: { 204: z.null().meta({ description: 'Session fermée, cookie effacé.' }), ...errors } } }, async (request, reply) => {
    await logout(database.db, request.sessionToken!, actorOf(request));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send(null);
  });
}
