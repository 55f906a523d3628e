import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/index.ts';
import {
  computeFunnel, computeTrend, dashboardOptions, defaultScope, funnelCsv, funnelXlsx, IndicatorError, monthsBetween,
  type FunnelRequest, type Scope, type Viewer,
} from '../../indicators/index.ts';
import { recordAudit } from '../../privacy/index.ts';
import { actorOf } from '../access.ts';
import { errors, fileResponse } from '../schemas.ts';

const Perimetre = z.object({ level: z.enum(['organisation', 'departement', 'region', 'national']), code: z.string().nullable(), nom: z.string() });
const Stage = z.object({ code: z.string(), libelle: z.string(), definition: z.string(), programme: z.boolean(), count: z.number().nullable() });
const Rate = z.object({
  code: z.string(), libelle: z.string(), numerator: z.string(), denominator: z.string(), value: z.number().nullable(), reference: z.string().optional(),
});
const Programme = z.object({ id: z.string(), titre: z.string() });
const Funnel = z.object({
  programme: Programme, perimetre: Perimetre, periode: z.object({ du: z.string(), au: z.string() }), masque: z.boolean(),
  stages: z.array(Stage), rates: z.array(Rate),
  detail: z.array(z.object({ perimetre: Perimetre, stages: z.array(z.object({ code: z.string(), count: z.number().nullable() })) })),
});
const Trend = z.object({
  programme: Programme, perimetre: Perimetre, masque: z.boolean(),
  mois: z.array(z.object({ periode: z.string(), stages: z.array(Stage), rates: z.array(Rate) })),
});
const Options = z.object({
  programmes: z.array(z.object({ id: z.string(), titre: z.string(), etapes: z.array(z.object({ code: z.string(), libelle: z.string() })) })),
  organisation: z.object({ code: z.string(), nom: z.string() }).nullable(),
  departements: z.array(z.object({ code: z.string(), nom: z.string(), region: z.string() })),
  regions: z.array(z.object({ code: z.string(), nom: z.string() })),
});
const EXPORT_TYPES = { csv: 'text/csv', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } as const;

const PILOTS = { roles: ['pilote_local', 'pilote_national'] } as { roles: ('pilote_local' | 'pilote_national')[] };

const month = z.string({ error: 'mois attendu (AAAA-MM)' }).regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'mois attendu au format AAAA-MM, par exemple 2026-11');
const query = z.object({
  programme: z.string({ error: 'programme attendu (ex. aidants)' }).min(1, 'programme attendu (ex. aidants)').max(60),
  mois: month,
  au: month.optional(),
  organisation: z.string().min(1).max(60).optional(),
  departement: z.string().regex(/^[0-9][0-9AB]{1,2}$/, 'code de département attendu (ex. 83, 2A, 974)').optional(),
  region: z.string().regex(/^\d{2}$/, 'code de région attendu (2 chiffres, ex. 93)').optional(),
  national: z.enum(['1', 'true', 'oui']).optional(),
});
type Query = z.infer<typeof query>;

function scopeOf(q: Query, viewer: Viewer): Scope {
  const scopes: Scope[] = [
    ...(q.organisation ? [{ level: 'organisation' as const, code: q.organisation }] : []),
    ...(q.departement ? [{ level: 'departement' as const, code: q.departement }] : []),
    ...(q.region ? [{ level: 'region' as const, code: q.region }] : []),
    ...(q.national ? [{ level: 'national' as const }] : []),
  ];
  if (scopes.length > 1) throw new IndicatorError('Choisissez un seul périmètre : organisme, département, région ou national.', 400, 'perimetre');
  return scopes[0] ?? defaultScope(viewer);
}

function requestOf(q: Query, viewer: Viewer): FunnelRequest {
  return { programme: q.programme, from: q.mois, to: q.au ?? q.mois, scope: scopeOf(q, viewer) };
}

/** The trend shown with a funnel: the twelve months up to the funnel's last month. */
function trendRequest(request: FunnelRequest): FunnelRequest {
  const [y, m] = request.to.split('-').map(Number) as [number, number];
  const start = m === 12 ? `${y}-01` : `${y - 1}-${String(m + 1).padStart(2, '0')}`;
  const from = request.from < start ? request.from : start;
  return { ...request, from: monthsBetween(from, request.to).length > 36 ? start : from };
}

function failure(reply: FastifyReply, error: unknown) {
  if (!(error instanceof IndicatorError)) throw error;
  return reply.code(error.status).header('cache-control', 'no-store')
    .send({ erreur: error.message, ...(error.field ? { champs: { [error.field]: error.message } } : {}) });
}

const fileName = (r: FunnelRequest, ext: string) => {
  const where = r.scope.level === 'national' ? 'national' : `${r.scope.level}-${r.scope.code}`;
  return `entonnoir-${r.programme}-${where}-${r.from}${r.to !== r.from ? `_${r.to}` : ''}.${ext}`.replace(/[^A-Za-z0-9._-]/g, '_');
};

/**
 * Indicators for pilots: aggregates only, no personal data. A pilot sees their own organisation in full; anything
 * else (other organisations, territories, the national pilot's views) has its small counts suppressed.
 */
export function indicatorRoutes(app: FastifyInstance, database: Database) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const viewerOf = (request: Parameters<typeof actorOf>[0]): Viewer => ({ kind: 'actor', actor: actorOf(request) });

  r.get('/api/indicateurs/options', { config: { access: PILOTS }, schema: { response: { 200: Options, ...errors } } }, async (request, reply) => {
    try {
      return await dashboardOptions(database.db, viewerOf(request));
    } catch (error) {
      return failure(reply, error);
    }
  });

  r.get('/api/indicateurs/entonnoir', { schema: { querystring: query, response: { 200: Funnel, ...errors } }, config: { access: PILOTS } }, async (request, reply) => {
    const viewer = viewerOf(request);
    try {
      const funnel = await computeFunnel(database.db, requestOf(request.query, viewer), viewer);
      return reply.header('cache-control', 'no-store').send(funnel);
    } catch (error) {
      return failure(reply, error);
    }
  });

  /** Month by month, from `mois` to `au` (at most 36 months). */
  r.get('/api/indicateurs/tendance', { schema: { querystring: query, response: { 200: Trend, ...errors } }, config: { access: PILOTS } }, async (request, reply) => {
    const viewer = viewerOf(request);
    try {
      return reply.header('cache-control', 'no-store').send(await computeTrend(database.db, requestOf(request.query, viewer), viewer));
    } catch (error) {
      return failure(reply, error);
    }
  });

  for (const format of ['csv', 'xlsx'] as const) {
    r.get(`/api/indicateurs/entonnoir.${format}`, {
      schema: { querystring: query, response: { 200: fileResponse(EXPORT_TYPES[format], `L’entonnoir et sa tendance (${format.toUpperCase()}).`), ...errors } },
      config: { access: PILOTS },
    }, async (request, reply) => {
      const viewer = viewerOf(request);
      const actor = actorOf(request);
      try {
        const funnelRequest = requestOf(request.query, viewer);
        const funnel = await computeFunnel(database.db, funnelRequest, viewer);
        const trend = await computeTrend(database.db, trendRequest(funnelRequest), viewer);
        await recordAudit(database.db, {
          action: 'indicateurs_exportes', acteur: { compteId: actor.compteId, organisation: actor.organisation.code },
          details: { format, programme: funnel.programme.id, perimetre: funnel.perimetre.level, code: funnel.perimetre.code, du: funnel.periode.du, au: funnel.periode.au, masque: funnel.masque },
        });
        reply.header('cache-control', 'no-store').header('content-disposition', `attachment; filename="${fileName(funnelRequest, format)}"`);
        if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(funnelCsv(funnel, trend));
        return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await funnelXlsx(funnel, trend));
      } catch (error) {
        return failure(reply, error);
      }
    });
  }
}
