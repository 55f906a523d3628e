import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/index.ts';
import { z } from 'zod';
import { verifyAuditChain } from '../../privacy/index.ts';
import { errors } from '../schemas.ts';

/** The chain's check: intact (`ok`), or where it breaks and why. */
const Verification = z.object({
  ok: z.boolean(), entries: z.number().int(), brokenAt: z.string().optional(), reason: z.string().optional(), ancres: z.number().int().optional(),
});

export function auditRoutes(app: FastifyInstance, database: Database) {
  app.get('/api/audit/verification', { config: { access: { roles: ['dpo', 'administrateur'] } }, schema: { response: { 200: Verification, ...errors } } }, async () => verifyAuditChain(database.db));
}
