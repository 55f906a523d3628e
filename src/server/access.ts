import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasRole, resolveSession, type Actor, type CompteRow, type Role } from '../accounts/index.ts';
import type { Database } from '../db/index.ts';

/** Every /api route declares who may call it; a route without a declaration refuses to register. */
export type Access = 'public' | 'authenticated' | { roles: Role[] };

declare module 'fastify' {
  interface FastifyContextConfig { access?: Access }
  interface FastifyRequest {
    actor: Actor | null;
    compte: CompteRow | null;
    csrf: string | null;
    sessionToken: string | null;
  }
}

export const SESSION_COOKIE = 'passerelle_session';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface RegisteredRoute { method: string; url: string; access: Access }

export function installAccessControl(app: FastifyInstance, database: Database, registry: RegisteredRoute[]) {
  app.decorateRequest('actor', null);
  app.decorateRequest('compte', null);
  app.decorateRequest('csrf', null);
  app.decorateRequest('sessionToken', null);

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    const access = route.config?.access;
    if (!access) throw new Error(`La route ${route.method} ${route.url} ne déclare pas qui peut l'appeler (config.access).`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') registry.push({ method, url: route.url, access });
  });

  app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config.access;
    if (!access) return;
    const token = request.cookies[SESSION_COOKIE];
    if (token) {
      const session = await resolveSession(database.db, token);
      if (session) {
        request.actor = session.actor;
        request.compte = session.compte;
        request.csrf = session.csrf;
        request.sessionToken = token;
      }
    }
    if (access === 'public') return;
    if (!request.actor) return reply.code(401).send({ erreur: 'Vous devez vous connecter pour accéder à cette page.' });
    if (MUTATING.has(request.method) && request.headers['x-csrf-token'] !== request.csrf) {
      return reply.code(403).send({ erreur: 'Jeton de sécurité (CSRF) absent ou invalide : rechargez la page et réessayez.' });
    }
    if (access !== 'authenticated' && !hasRole(request.actor, ...access.roles)) {
      return reply.code(403).send({ erreur: "Votre rôle ne vous permet pas d'effectuer cette action." });
    }
  });
}

/** The actor of a route that is not public (the access hook guarantees it). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new Error('route protégée appelée sans acteur');
  return request.actor;
}
