import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/index.ts';
import { recordAudit } from '../../privacy/index.ts';
import { importCompetenceCorrections, lookupPostalCode, workableOrganisations } from '../../territories/index.ts';
import { actorOf } from '../access.ts';
import { errors, OrganisationRef } from '../schemas.ts';

const Commune = z.object({
  code: z.string(), nom: z.string(), departement: OrganisationRef, caf: OrganisationRef.nullable(), cpam: OrganisationRef.nullable(), carsat: OrganisationRef.nullable(),
});
const ReportedLine = z.object({ ligne: z.number().int(), raison: z.string() });
const CompetenceReport = z.object({
  appliquees: z.number().int(), rejetees: z.array(ReportedLine), refusee: z.boolean().optional(),
  /** Lines repeating an earlier correction of the file: applied once, not rejected. */
  doublons: z.array(ReportedLine),
});

export function territoryRoutes(app: FastifyInstance, database: Database) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/territoires/code-postal/:cp', {
    schema: { params: z.object({ cp: z.string() }), response: { 200: z.object({ codePostal: z.string(), communes: z.array(Commune) }), ...errors } },
    config: { access: 'public' },
  }, async (request, reply) => {
    const result = await lookupPostalCode(database.db, request.params.cp);
    if (!result.ok) return reply.code(result.status).send({ erreur: result.erreur });
    return { codePostal: result.codePostal, communes: result.communes };
  });

  /** Commune-by-commune competence corrections, CSV `commune;branche;organisation`; national administrators only. */
  r.post('/api/territoires/competences', {
    config: { access: { roles: ['administrateur'] } },
    schema: { consumes: ['text/csv', 'text/plain'], response: { 200: CompetenceReport, ...errors } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    if (workableOrganisations(actor, 'reference') !== 'all') {
      return reply.code(403).send({ erreur: "Seul un administrateur national peut corriger la compétence territoriale des organismes." });
    }
    const body = request.body;
    if (!(typeof body === 'string' || Buffer.isBuffer(body)) || body.toString().trim() === '') {
      return reply.code(400).send({ erreur: 'Envoyez un fichier CSV (commune;branche;organisation) avec le type text/csv.' });
    }
    const report = await importCompetenceCorrections(database.db, body);
    await recordAudit(database.db, {
      action: 'competences_importees', acteur: { compteId: actor.compteId, organisation: actor.organisation.code },
      details: { appliquees: report.appliquees, rejetees: report.rejetees.length },
    });
    if (report.refusee) return reply.code(400).send({ erreur: report.rejetees[0]?.raison ?? 'Fichier refusé.' });
    return report;
  });
}
