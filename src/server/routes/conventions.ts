/**
 * Local conventions (`/api/conventions`): the list and the detail for the accounts of the two
 * organisations (a national organisation reads them all); an administrator of either party
 * proposes a convention, signs, amends, denounces. The exchange officer's pre-check says, before
 * an extract is uploaded, which recipients lack a convention. Every step is audited by the
 * conventions context (src/conventions/service.ts); reads are audited here.
 * Documentation: docs/conventions.md.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import { z } from 'zod';
import {
  amendConvention, conventionHistory, conventionOf, conventionsOf, conventionStatus, ConventionError, denounceConventionStep, fieldPurposes,
  isOfBranch, maximumFields, pendingSignature, precheckCycle, proposeConvention, signConventionStep, termsAt,
  type Convention, type ConventionActor,
} from '../../conventions/index.ts';
import type { Database } from '../../db/index.ts';
import { findProgramme, isIsoDate, loadProgrammes, toIsoDate, type Programme } from '../../programmes/index.ts';
import { FIELD_LABELS } from '../../outreach/index.ts';
import { recordAudit } from '../../privacy/index.ts';
import { listOrganisations, readableOrganisations, scopeFilter, workableOrganisations } from '../../territories/index.ts';
import { actorOf } from '../access.ts';
import { errors } from '../schemas.ts';

const ADMIN = { access: { roles: ['administrateur' as const] } };
const READ = { access: 'authenticated' as const };
const PRECHECK = { access: { roles: ['charge_echanges' as const, 'administrateur' as const] } };

const Erreur = z.object({ erreur: z.string(), champs: z.record(z.string(), z.string()).optional() });
const Org = z.object({ code: z.string(), nom: z.string() });
const Statut = z.enum(['projet', 'a_venir', 'active', 'en_preavis', 'resiliee']);
const SignatureOut = z.object({ organisation: z.string(), par: z.string(), qualite: z.string().optional(), date: z.string() });
const Resume = z.object({
  id: z.string(), intitule: z.string(), programmes: z.array(z.object({ id: z.string(), titre: z.string() })),
  expediteur: Org, destinataire: Org, dateDebut: z.string(), statut: Statut, libelle: z.string(), enVigueur: z.boolean(),
  enAttente: z.object({ objet: z.enum(['convention', 'avenant']), numero: z.number().nullable(), organisations: z.array(Org) }).nullable(),
  aSignerParMonOrganisme: z.boolean(),
});
const Champ = z.object({ champ: z.string(), libelle: z.string(), pourquoi: z.string() });
const LABELS: Record<string, string> = { ...FIELD_LABELS, date_naissance: 'Date de naissance', nature: 'Nature de l’arrêt de travail', date_debut_arret: 'Date de début de l’arrêt', marqueurs: 'Situations repérées (codes des marqueurs)' };
const champ = (code: string, pourquoi: string) => ({ champ: code, libelle: LABELS[code] ?? code.replaceAll('_', ' '), pourquoi });
const Detail = Resume.extend({
  baseLegale: z.string(), champs: z.array(Champ), signatures: z.array(SignatureOut).nullable(),
  avenants: z.array(z.object({ numero: z.number(), date: z.string(), objet: z.string(), champs: z.array(z.string()).nullable(), signatures: z.array(SignatureOut).nullable(), enAttenteDe: z.array(Org) })),
  resiliation: z.object({ notifieeLe: z.string(), par: Org.nullable(), motif: z.string().nullable(), finEffet: z.string() }).nullable(),
  historique: z.array(z.object({ date: z.string(), organisation: Org.nullable(), par: z.string().nullable(), evenement: z.string() })),
  actions: z.object({ signer: z.boolean(), amender: z.boolean(), denoncer: z.boolean() }),
  champsPossibles: z.array(Champ),
});
const idParams = z.object({ id: z.string().max(200) });
const champsIn = z.array(z.string().max(60)).max(60);

export function conventionRoutes(app: FastifyInstance, database: Database) {
  const db = database.db;
  const programmes: Programme[] = loadProgrammes();
  const exchangeProgrammes = programmes.filter((p) => p.forme === 'echange' && p.donnees.transmission === 'nominative' && p.destinataire);

  const names = async () => Object.fromEntries((await listOrganisations(db)).map((o) => [o.code, o.nom])) as Record<string, string>;
  const scope = (request: FastifyRequest) => {
    const actor = actorOf(request);
    const scope = scopeFilter(readableOrganisations(actor, 'exchange'));
    return scope === null ? null : scope[0]!;
  };
  const conventionActor = (request: FastifyRequest, qualite?: string): ConventionActor => {
    const actor = actorOf(request);
    return { compteId: actor.compteId, organisation: actor.organisation.code, par: request.compte?.nom ?? actor.organisation.nom, ...(qualite?.trim() ? { qualite: qualite.trim() } : {}) };
  };
  const isAdminOfParty = (request: FastifyRequest, c: Convention) => {
    const actor = actorOf(request);
    return actor.roles.includes('administrateur') && [c.parties.expediteur, c.parties.destinataire].includes(actor.organisation.code);
  };
  const purposesOf = (c: Convention): Record<string, string> => Object.assign({}, ...c.programmes.map((id) => findProgramme(programmes, id)).filter((p) => p !== undefined).map((p) => fieldPurposes(p)));

  function resume(request: FastifyRequest, c: Convention, noms: Record<string, string>, today: string): z.infer<typeof Resume> {
    const org = (code: string) => ({ code, nom: noms[code] ?? code });
    const s = conventionStatus(c, today);
    const pending = pendingSignature(c);
    const self = actorOf(request).organisation.code;
    return {
      id: c.id, intitule: c.intitule ?? c.id,
      programmes: c.programmes.map((id) => ({ id, titre: findProgramme(programmes, id)?.titre ?? id })),
      expediteur: org(c.parties.expediteur), destinataire: org(c.parties.destinataire), dateDebut: c.dateDebut,
      statut: s.statut, libelle: s.libelle.replace(/de ([a-z0-9-]+)( et de ([a-z0-9-]+))?$/, (_m, a: string, _b, d?: string) => `de ${noms[a] ?? a}${d ? ` et de ${noms[d] ?? d}` : ''}`),
      enVigueur: s.enVigueur,
      enAttente: pending ? { objet: pending.objet, numero: pending.objet === 'avenant' ? pending.numero : null, organisations: pending.enAttenteDe.map(org) } : null,
      aSignerParMonOrganisme: pending?.enAttenteDe.includes(self) ?? false,
    };
  }

  function detail(request: FastifyRequest, c: Convention, noms: Record<string, string>): z.infer<typeof Detail> {
    const today = toIsoDate(new Date());
    const org = (code: string) => ({ code, nom: noms[code] ?? code });
    const purposes = purposesOf(c);
    const terms = termsAt(c, today);
    const admin = isAdminOfParty(request, c);
    const pending = pendingSignature(c);
    const s = conventionStatus(c, today);
    const covered = c.programmes.map((id) => findProgramme(programmes, id)).filter((p) => p !== undefined);
    return {
      ...resume(request, c, noms, today),
      baseLegale: c.baseLegale,
      champs: (s.statut === 'projet' || s.statut === 'a_venir' ? c.champs : terms.champs).map((c) => champ(c, purposes[c] ?? 'Champ que le programme ne laisse pas passer : il ne sera jamais transmis')),
      signatures: c.signatures ?? null,
      avenants: c.avenants.map((a, i) => ({
        numero: a.numero ?? i + 1, date: a.date, objet: a.objet, champs: a.champs ?? null, signatures: a.signatures ?? null,
        enAttenteDe: a.signatures ? [c.parties.expediteur, c.parties.destinataire].filter((o) => !a.signatures!.some((x) => x.organisation === o)).map(org) : [],
      })),
      resiliation: c.resiliation ? { notifieeLe: c.resiliation.notifieeLe, par: c.resiliation.par ? org(c.resiliation.par) : null, motif: c.resiliation.motif ?? null, finEffet: s.finEffet ?? conventionStatus(c, c.resiliation.notifieeLe).finEffet! } : null,
      historique: conventionHistory(c, noms).map((h) => ({ ...h, organisation: h.organisation ? org(h.organisation) : null })),
      actions: {
        signer: admin && c.resiliation === null && (pending?.enAttenteDe.includes(actorOf(request).organisation.code) ?? false),
        amender: admin && c.resiliation === null && pending === null,
        denoncer: admin && c.resiliation === null && pending?.objet !== 'convention',
      },
      champsPossibles: maximumFields(covered).map((c) => champ(c, purposes[c] ?? '')),
    };
  }

  const fail = (error: unknown) => {
    if (error instanceof ConventionError) return { status: error.status, body: { erreur: error.message, ...(error.champ ? { champs: { [error.champ]: error.message } } : {}) } };
    throw error;
  };

  app.register(async (scoped) => {
    const r = scoped.withTypeProvider<ZodTypeProvider>();

    r.get('/api/conventions', {
      config: READ,
      schema: { response: { 200: z.object({ organisation: Org, administrateur: z.boolean(), conventions: z.array(Resume) }), ...errors } },
    }, async (request) => {
      const actor = actorOf(request);
      const noms = await names();
      const today = toIsoDate(new Date());
      const list = await conventionsOf(db, scope(request));
      return {
        organisation: { code: actor.organisation.code, nom: actor.organisation.nom },
        administrateur: actor.roles.includes('administrateur') && workableOrganisations(actor, 'exchange').length > 0,
        conventions: list.map((c) => resume(request, c, noms, today))
          .sort((a, b) => Number(b.aSignerParMonOrganisme) - Number(a.aSignerParMonOrganisme) || a.id.localeCompare(b.id)),
      };
    });

    /** What the draft form offers: the exchange programmes the administrator's organisation takes part in, their fields and why, the possible partners. */
    r.get('/api/conventions/modeles', {
      config: ADMIN,
      schema: {
        response: {
          200: z.object({
            organisation: Org,
            programmes: z.array(z.object({
              id: z.string(), titre: z.string(), role: z.enum(['expediteur', 'destinataire']), champs: z.array(Champ),
              partenaires: z.array(Org),
            })),
          }),
          ...errors,
        },
      },
    }, async (request) => {
      const actor = actorOf(request);
      const orgs = await listOrganisations(db);
      const out = [];
      for (const p of exchangeProgrammes) {
        const role = isOfBranch(actor.organisation.type, p.expediteur.branche) ? 'expediteur' as const
          : isOfBranch(actor.organisation.type, p.destinataire!.branche) ? 'destinataire' as const : null;
        if (!role) continue;
        const otherBranch = role === 'expediteur' ? p.destinataire!.branche : p.expediteur.branche;
        const purposes = fieldPurposes(p);
        out.push({
          id: p.id, titre: p.titre, role,
          champs: p.donnees.champsMaximum.map((c) => champ(c, purposes[c]!)),
          partenaires: orgs.filter((o) => isOfBranch(o.type, otherBranch) && o.code !== actor.organisation.code).map((o) => ({ code: o.code, nom: o.nom })),
        });
      }
      return { organisation: { code: actor.organisation.code, nom: actor.organisation.nom }, programmes: out };
    });

    /** Before the upload of an extract: which recipients of this organisation's packages lack a convention for the programme. */
    r.get('/api/conventions/verification', {
      config: PRECHECK,
      schema: {
        querystring: z.object({ programme: z.string({ error: 'programme attendu' }).min(1).max(80) }),
        response: {
          200: z.object({
            programme: z.string(), forme: z.string(), pret: z.boolean(), page: z.string(),
            destinataires: z.array(z.object({ organisation: z.string(), nom: z.string(), ok: z.boolean(), convention: z.string().nullable(), raison: z.string().nullable() })),
          }),
          404: Erreur,
          ...errors,
        },
      },
    }, async (request, reply) => {
      const actor = actorOf(request);
      const p = findProgramme(programmes, request.query.programme);
      if (!p) return reply.code(404).send({ erreur: `Programme inconnu : « ${request.query.programme.slice(0, 40)} ».` });
      const destinataires = (await precheckCycle(db, p, actor.organisation.code)).map(({ aSigner: _a, ...d }) => d);
      return { programme: p.id, forme: p.forme, pret: destinataires.every((d) => d.ok) && (p.forme !== 'echange' || destinataires.length > 0), page: '/conventions', destinataires };
    });

    r.get('/api/conventions/:id', {
      config: READ,
      schema: { params: idParams, response: { 200: z.object({ convention: Detail }), 404: Erreur, ...errors } },
    }, async (request, reply) => {
      const c = await conventionOf(db, request.params.id, scope(request));
      if (!c) return reply.code(404).send({ erreur: 'Cette convention est introuvable pour votre organisme.' });
      const actor = actorOf(request);
      await recordAudit(db, { action: 'convention.consultee', acteur: { compteId: actor.compteId, organisation: actor.organisation.code }, cible: { type: 'convention', id: c.id }, details: {} });
      return { convention: detail(request, c, await names()) };
    });

    r.post('/api/conventions', {
      config: ADMIN,
      schema: {
        body: z.object({
          programme: z.string({ error: 'choisissez le programme' }).min(1, 'choisissez le programme').max(80),
          expediteur: z.string({ error: 'choisissez l’organisme expéditeur' }).min(1, 'choisissez l’organisme expéditeur').max(80),
          destinataire: z.string({ error: 'choisissez l’organisme destinataire' }).min(1, 'choisissez l’organisme destinataire').max(80),
          champs: champsIn,
          dateDebut: z.string({ error: 'date de début attendue' }).refine(isIsoDate, 'date de début AAAA-MM-JJ attendue'),
          intitule: z.string().max(200).optional(),
          qualite: z.string().max(120).optional(),
        }),
        response: { 201: z.object({ convention: Detail }), 400: Erreur, 403: Erreur, 409: Erreur, ...errors },
      },
    }, async (request, reply) => {
      const actor = actorOf(request);
      const b = request.body;
      if (![b.expediteur, b.destinataire].includes(actor.organisation.code)) {
        return reply.code(403).send({ erreur: `Vous proposez une convention au nom de ${actor.organisation.nom} : votre organisme doit en être l’expéditeur ou le destinataire.` });
      }
      try {
        const c = await proposeConvention(db, conventionActor(request, b.qualite), { programme: b.programme, expediteur: b.expediteur, destinataire: b.destinataire, champs: b.champs, dateDebut: b.dateDebut, intitule: b.intitule }, programmes);
        return reply.code(201).send({ convention: detail(request, c, await names()) });
      } catch (error) {
        const f = fail(error);
        return reply.code(f.status as 400).send(f.body);
      }
    });

    const step = (path: string, body: z.ZodType, run: (request: FastifyRequest, id: string, body: never) => Promise<Convention>) => {
      r.post(path, {
        config: ADMIN,
        schema: { params: idParams, body, response: { 200: z.object({ convention: Detail }), 400: Erreur, 404: Erreur, ...errors } },
      }, async (request, reply) => {
        try {
          const c = await run(request, request.params.id, request.body as never);
          return reply.send({ convention: detail(request, c, await names()) });
        } catch (error) {
          const f = fail(error);
          return reply.code(f.status as 400).send(f.body);
        }
      });
    };

    step('/api/conventions/:id/signature', z.object({ qualite: z.string().max(120).optional() }),
      (request, id, body: { qualite?: string }) => signConventionStep(db, conventionActor(request, body.qualite), id));
    step('/api/conventions/:id/avenants', z.object({
      date: z.string({ error: 'date attendue' }).refine(isIsoDate, 'date AAAA-MM-JJ attendue'),
      objet: z.string({ error: 'objet attendu' }).trim().min(1, 'indiquez l’objet de l’avenant').max(300),
      champs: champsIn,
      qualite: z.string().max(120).optional(),
    }), (request, id, body: { date: string; objet: string; champs: string[]; qualite?: string }) => amendConvention(db, conventionActor(request, body.qualite), id, body, programmes));
    step('/api/conventions/:id/denonciation', z.object({ motif: z.string().max(300).optional(), qualite: z.string().max(120).optional() }),
      (request, id, body: { motif?: string; qualite?: string }) => denounceConventionStep(db, conventionActor(request, body.qualite), id, { motif: body.motif }));
  });
}
