/**
 * The DPO's pages: the processing register of the caller's organisation (one entry per programme
 * and convention, generated from the definitions: src/privacy/register.ts), as JSON and CSV, and
 * the destruction records of the audit trail (what was destroyed, when, the digest of the
 * pseudonyms), as JSON and CSV. A national organisation's DPO or administrator sees every entry.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../../accounts/index.ts';
import type { Database } from '../../db/index.ts';
import { exchangeRepository } from '../../exchange/index.ts';
import { DESTRUCTION_JOB, jobsRepository, parisDay } from '../../jobs/index.ts';
import { loadProgrammes, toIsoDate, type Programme } from '../../programmes/index.ts';
import { csvCell, destructionRecords, overdueContacts, recordAudit, registerCsv, registerEntries, type DestructionRecord, type RegisterEntry } from '../../privacy/index.ts';
import { branchesFor, inScope, listOrganisations, readableOrganisations, scopeFilter } from '../../territories/index.ts';
import { z } from 'zod';
import { actorOf } from '../access.ts';
import { errors, fileResponse } from '../schemas.ts';

const DPO = { access: { roles: ['dpo' as const, 'administrateur' as const] } };

const Entry = z.object({
  reference: z.string(), programme: z.string(), programmeTitre: z.string(), document: z.string(), convention: z.string().nullable(),
  statutConvention: z.string().nullable(), responsableTraitement: z.string(), finalite: z.string(), usagesInterdits: z.string(),
  baseLegale: z.array(z.string()), categoriesPersonnes: z.string(),
  categoriesDonnees: z.array(z.object({ categorie: z.string(), champs: z.array(z.string()), sensible: z.boolean() })),
  donneesSensibles: z.boolean(), champsTransmis: z.array(z.string()), destinataires: z.array(z.string()), transfertsHorsUE: z.string(),
  conservation: z.string(), mesuresSecurite: z.array(z.string()),
});
const Destruction = z.object({
  entree: z.string(), hash: z.string(), horodatage: z.string(), organisation: z.string().nullable(), programme: z.string().nullable(),
  paquet: z.string().nullable(), nombre: z.number(), echeance: z.string().nullable(), empreinteSha256: z.string().nullable(),
});
const csv = (description: string) => ({ 200: fileResponse('text/csv', description), ...errors });

function destructionsCsv(records: readonly DestructionRecord[]): string {
  const lines = ['Date de destruction;Organisme;Programme;Paquet;Nombre de personnes;Échéance la plus tardive;Empreinte SHA-256 des pseudonymes;Entrée du journal;Empreinte de l’entrée'];
  for (const r of records) {
    lines.push([r.horodatage, r.organisation ?? '', r.programme ?? '', r.paquet ?? 'liste propre (sans paquet)', String(r.nombre), r.echeance ?? '', r.empreinteSha256 ?? '', r.entree, r.hash].map(csvCell).join(';'));
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

/** The register's scope (access policy): the DPO's own organisation, or null for every one (a national DPO). */
function ownOrAll(actor: Actor): string | null {
  const scope = scopeFilter(readableOrganisations(actor, 'register'));
  return scope === null ? null : scope[0]!;
}

export function registerRoutes(app: FastifyInstance, database: Database) {
  const db = database.db;
  const programmes: Programme[] = loadProgrammes();

  /** The register entries concerning the caller's organisation on today's date. */
  async function entriesFor(actor: Actor): Promise<{ date: string; entrees: RegisterEntry[] }> {
    const date = toIsoDate(new Date());
    const noms: Record<string, string> = {};
    for (const o of await listOrganisations(db)) noms[o.code] = o.nom;
    const scope = readableOrganisations(actor, 'register');
    const conventions = (await exchangeRepository.conventions(db)).map((c) => c.convention)
      .filter((c) => inScope(scope, c.parties.expediteur) || inScope(scope, c.parties.destinataire));
    const branches = branchesFor(actor, 'register');
    const concerned = (p: Programme) => branches.includes(p.expediteur.branche) || (p.destinataire !== null && branches.includes(p.destinataire.branche));
    const entrees = registerEntries(programmes.filter(concerned), conventions, { date, noms });
    return { date, entrees };
  }

  const audit = (request: FastifyRequest, action: string, details: Record<string, unknown>) => {
    const actor = actorOf(request);
    return recordAudit(db, { action, acteur: { compteId: actor.compteId, organisation: actor.organisation.code }, details });
  };

  app.get('/api/registre', {
    config: DPO,
    schema: { response: { 200: z.object({ organisation: z.object({ code: z.string(), nom: z.string() }), date: z.string(), entrees: z.array(Entry) }), ...errors } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const { date, entrees } = await entriesFor(actor);
    await audit(request, 'registre.consultation', { entrees: entrees.length });
    return reply.header('cache-control', 'no-store').send({ organisation: { code: actor.organisation.code, nom: actor.organisation.nom }, date, entrees });
  });

  app.get('/api/registre.csv', { config: DPO, schema: { response: csv('Le registre des traitements (CSV).') } }, async (request, reply) => {
    const actor = actorOf(request);
    const { date, entrees } = await entriesFor(actor);
    await audit(request, 'registre.telechargement', { entrees: entrees.length, format: 'csv' });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="registre-traitements_${actor.organisation.code}_${date}.csv"`)
      .header('cache-control', 'no-store')
      .send(registerCsv(entrees, { bom: true }));
  });

  app.get('/api/registre/destructions', {
    config: DPO,
    schema: {
      response: {
        200: z.object({
          destructions: z.array(Destruction),
          retard: z.object({ nombre: z.number(), plusAncienneEcheance: z.string().nullable() }),
          derniereExecution: z.object({ debut: z.string(), fin: z.string().nullable(), statut: z.string(), message: z.string().nullable() }).nullable(),
        }),
        ...errors,
      },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const organisation = ownOrAll(actor);
    const destructions = await destructionRecords(db, { organisation });
    // what should already be destroyed, and the destruction job's last run (it runs hourly and at start: src/jobs)
    const retard = await overdueContacts(db, { organisation, today: parisDay(new Date()).date });
    const [last] = await jobsRepository.recentRuns(db, { tache: DESTRUCTION_JOB, limit: 1 });
    const derniereExecution = last
      ? { debut: last.debut.toISOString(), fin: last.fin?.toISOString() ?? null, statut: last.statut, message: last.message }
      : null;
    await audit(request, 'registre.destructions_consultees', { enregistrements: destructions.length });
    return reply.header('cache-control', 'no-store').send({ destructions, retard, derniereExecution });
  });

  app.get('/api/registre/destructions.csv', { config: DPO, schema: { response: csv('Les procès-verbaux de destruction (CSV).') } }, async (request, reply) => {
    const actor = actorOf(request);
    const destructions = await destructionRecords(db, { organisation: ownOrAll(actor) });
    await audit(request, 'registre.destructions_telechargees', { enregistrements: destructions.length, format: 'csv' });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="destructions_${actor.organisation.code}_${toIsoDate(new Date())}.csv"`)
      .header('cache-control', 'no-store')
      .send(destructionsCsv(destructions));
  });
}
