import type { FastifyInstance } from 'fastify';
import { schemaVersion, type Database } from '../../db/index.ts';

export function healthRoutes(app: FastifyInstance, database: Database) {
  app.get('/api/health', { config: { access: 'public' } }, async () => ({
    status: 'ok',
    database: database.kind,
    schemaVersion: await schemaVersion(database.db),
  }));
}
