import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import { hasZodFastifySchemaValidationErrors, validatorCompiler } from '@fastify/type-provider-zod';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Database } from '../db/index.ts';
import { installAccessControl, type RegisteredRoute } from './access.ts';
import { registerOpenApi } from './openapi.ts';
import { serializerCompiler } from './serializer.ts';
import { clientErrorHandler, frameworkErrors, frenchClientError, refuseInvalidCharacters } from './hygiene.ts';
import { accountRoutes } from './routes/accounts.ts';
import { auditRoutes } from './routes/audit.ts';
import { exchangeRoutes } from './routes/exchange.ts';
import { registerRoutes } from './routes/register.ts';
import { conventionRoutes } from './routes/conventions.ts';
import { healthRoutes } from './routes/health.ts';
import { labelRoutes } from './routes/labels.ts';
import { inboxRoutes } from './routes/inbox.ts';
import { indicatorRoutes } from './routes/indicators.ts';
import { mailRoutes } from './routes/mail.ts';
import { orientationRoutes } from './routes/orientation.ts';
import { outreachRoutes } from './routes/outreach.ts';
import { sessionRoutes } from './routes/session.ts';
import { territoryRoutes } from './routes/territories.ts';
import { signalementRoutes } from './routes/signalements.ts';

z.config(z.locales.fr());

const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export interface Server { app: FastifyInstance; routes: RegisteredRoute[] }

export async function buildServer(database: Database, config: Config, options: { logger?: boolean; strictResponses?: boolean } = {}): Promise<Server> {
  const app = Fastify({
    logger: options.logger ? { level: 'info', redact: ['req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'] } : false,
    bodyLimit: 20 * 1024 * 1024,
    // X-Forwarded-For is believed only from the reverse proxies named in PASSERELLE_PROXY_CONFIANCE:
    // otherwise any client could choose its own address (login lock-out, rate limits, audit trail)
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    // Fastify's and Node's own refusals answered in French, without echoing the URL (src/server/hygiene.ts)
    frameworkErrors,
    clientErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  // strict under the tests: a response schema that drops a field the handler returns is an error (src/server/serializer.ts)
  app.setSerializerCompiler(serializerCompiler({ strict: options.strictResponses ?? Boolean(process.env.VITEST) }));
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const champs: Record<string, string> = {};
      for (const issue of error.validation) {
        const field = issue.instancePath.replace(/^\//, '').replaceAll('/', '.') || (issue.params as { issue?: { path?: string[] } })?.issue?.path?.join('.') || 'requete';
        champs[field] ??= issue.message ?? 'valeur invalide';
      }
      return reply.code(400).send({ erreur: 'Certaines informations sont invalides : corrigez les champs signalés.', champs });
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 429) return reply.code(429).send({ erreur: 'Trop de tentatives : patientez une minute avant de réessayer.' });
    if (status >= 500) {
      request.log.error({ err: { message: (error as Error).message, stack: (error as Error).stack } }, 'erreur interne');
      return reply.code(status).send({ erreur: 'Erreur interne du serveur : réessayez plus tard.' });
    }
    const client = frenchClientError(error as { code?: string; statusCode?: number });
    return reply.code(client.status).send({ erreur: client.erreur });
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
  });

  await registerOpenApi(app);
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  const routes: RegisteredRoute[] = [];
  installAccessControl(app, database, routes);
  // after the access check: NUL and control characters in params, query or JSON body → 400 in French
  app.addHook('preValidation', refuseInvalidCharacters);

  healthRoutes(app, database);
  labelRoutes(app);
  sessionRoutes(app, database, config);
  accountRoutes(app, database);
  territoryRoutes(app, database);
  auditRoutes(app, database);
  orientationRoutes(app, database);
  indicatorRoutes(app, database);
  inboxRoutes(app, database, config);
  outreachRoutes(app, database);
  mailRoutes(app, database, config);
  exchangeRoutes(app, database, config);
  registerRoutes(app, database);
  signalementRoutes(app, database);
  conventionRoutes(app, database);

  const hasWeb = existsSync(WEB_DIST + 'index.html');
  if (hasWeb) await app.register(fastifyStatic, { root: WEB_DIST, wildcard: false, index: false });
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/api/')) return reply.code(404).send({ erreur: "Cette adresse de l'API n'existe pas." });
    if (request.method !== 'GET' || /\.[a-z0-9]+$/i.test(request.url.split('?')[0]!)) {
      return reply.code(404).type('text/plain; charset=utf-8').send('Fichier introuvable.');
    }
    if (!hasWeb) return reply.code(503).type('text/plain; charset=utf-8').send("L'application web n'est pas construite : lancez « npm run build:web ».");
    return reply.type('text/html; charset=utf-8').sendFile('index.html');
  });
  return { app, routes };
}
