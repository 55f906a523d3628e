/**
 * GET /api/libelles: the labels the web app shows for server codes (roles, a person's fields), so the web app does not keep its own copies. Public: no personal data.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ROLES, ROLE_LABELS } from '../../accounts/index.ts';
import { FIELD_LABELS } from '../../outreach/index.ts';
import { errors } from '../schemas.ts';

const Labels = z.object({
  roles: z.array(z.object({ code: z.enum(ROLES), libelle: z.string() })).describe('Les rôles, dans l’ordre où les présenter'),
  champs: z.record(z.string(), z.string()).describe('Libellé des champs d’une personne (fiche, conventions)'),
});

export function labelRoutes(app: FastifyInstance) {
  const labels: z.infer<typeof Labels> = {
    roles: ROLES.map((code) => ({ code, libelle: ROLE_LABELS[code] })),
    champs: FIELD_LABELS,
  };
  app.get('/api/libelles', { config: { access: 'public' }, schema: { response: { 200: Labels, ...errors } } }, async () => labels);
}
