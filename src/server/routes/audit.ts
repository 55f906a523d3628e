import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/index.ts';
import { verifyAuditChain } from '../../privacy/index.ts';

export function auditRoutes(app: FastifyInstance, database: Database) {
  app.get('/api/audit/verification', { config: { access: { roles: ['dpo', 'administrateur'] } } }, async () => verifyAuditChain(database.db));
}
