import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { schemaVersion, type Database } from '../../db/index.ts';
import { errors } from '../schemas.ts';

const Health = z.object({ status: z.literal('ok'), database: z.enum(['pglite', 'postgresql']), schemaVersion: z.string().nullable() });

export function healthRoutes(app: FastifyInstance, database: Database) {
  app.get('/api/health', { config: { access: 'public' }, schema: { response: { 200: Health, ...errors } } }, async () => ({
    status: 'ok' as const,
    database: database.kind,
    schemaVersion: await schemaVersion(database.db),
  }));
}
