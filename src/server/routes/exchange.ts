/**
 * The exchange officer's API (`/api/echanges/...`): upload a source extract (CSV or XLSX, streamed
 * to a private file, never buffered), run the monthly cycle for the caller's organisation in the
 * background with progress, download the row report and the package files; list the
 * organisation's packages with their life; import a received package; record an acknowledgement.
 *
 * Everything is scoped to the caller's organisation: an officer of caf-83 never sees cpam-83's
 * packages, cycles or imports. Every action is audited with counts and identifiers only.
 * Documentation: docs/exchange.md, section "Web app".
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import { z } from 'zod';
import type { Actor } from '../../accounts/index.ts';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/index.ts';
import {
  exchangeRepository, importPackage, ImportFailed, ImportRefused, recordAcknowledgementFile, AcknowledgementRefused,
  looksLikeZip, PackageNameSchema,
} from '../../exchange/index.ts';
import { EXTRACT_FORMATS, type ExtractKind } from '../../extracts/index.ts';
import { findProgramme, isIsoMonth, loadProgrammes, type Programme } from '../../programmes/index.ts';
import { recordAudit } from '../../privacy/index.ts';
import { branchesFor, listOrganisations } from '../../territories/index.ts';
import { actorOf } from '../access.ts';
import { ErrorSchema, errors, fileResponse } from '../schemas.ts';
import { hasWebCycleWorker, isFinished, liveCycle, queueWebCycle, runWebCycle, webCycleAlive } from '../web-cycles.ts';
import { monthLabel } from '../../shared/calendar.ts';
import {
  ExchangeStore, newId, SerialRunner, UploadTooLarge, UUID,
  type CycleState, type ImportRecord, type UploadFormat, type UploadMeta, type UploadUsage,
} from './exchange-store.ts';

const int = z.number().int();
const nint = int.nullable();
const Cycle = z.object({
  id: z.string(), organisation: z.string(), compteId: z.string(), programme: z.string(), programmeTitre: z.string(), periode: z.string(),
  formats: z.array(z.string()), statut: z.enum(['en_attente', 'lecture', 'scellement', 'termine', 'echec']),
  creeLe: z.string(), debuteLe: z.string().nullable(), termineLe: z.string().nullable(),
  octetsLus: int, octetsTotal: int, lignes: int, paquetsScelles: int, erreur: z.string().nullable(),
  resultat: z.object({
    lignesLues: int, lignesRejetees: int, valeursIgnorees: int, nonCibles: int, exclus: int, nonContactables: int, sansDestinataire: int,
    doublons: int, retenus: int, transmis: int, horsPerimetre: int.optional(), sansCorrespondance: int.optional(), ajoutes: int.optional(), dejaSuivis: int.optional(),
    paquets: z.array(z.object({
      id: z.string(), nom: z.string(), destinataire: z.string(), destinataireNom: z.string(), convention: z.string(), nombre: int, champs: z.array(z.string()),
    })),
    refus: z.array(z.object({ destinataire: z.string(), destinataireNom: z.string(), personnes: int, raison: z.string() })),
    listes: z.array(z.object({ organisation: z.string(), organisationNom: z.string(), ajoutes: int, dejaSuivis: int, opposes: int })).optional(),
    dureeMs: z.number(), lignesParSeconde: z.number(), rapport: z.string().nullable(),
  }).nullable(),
  enFile: z.boolean().optional(), essais: int.optional(), reprise: z.string().nullable().optional(), execution: z.string().nullable().optional(),
}).meta({ id: 'Cycle' });
const Import = z.object({
  id: z.string(), organisation: z.string(), compteId: z.string(), nom: z.string(), date: z.string(), statut: z.enum(['importe', 'refuse']),
  paquet: z.string().nullable(), programme: z.string().nullable(), expediteur: z.string().nullable(), recus: nint, importes: nint,
  dejaSuivis: nint.optional(), echeance: z.string().nullable(), accuseEnregistre: z.boolean(), erreur: z.string().nullable(), code: z.string().nullable(),
}).meta({ id: 'ImportPaquet' });
const Package = z.object({
  id: z.string(), nom: z.string(), sens: z.enum(['envoi', 'reception']), programme: z.string(), programmeTitre: z.string(), convention: z.string(),
  expediteur: z.string(), expediteurNom: z.string(), destinataire: z.string(), destinataireNom: z.string(), periode: z.string(), statut: z.string(),
  motif: z.string().nullable(), nombreEnregistrements: int, nombreImportes: nint,
  creeLe: z.string().nullable(), envoyeLe: z.string().nullable(), accuseLe: z.string().nullable(), importeLe: z.string().nullable(), detruitLe: z.string().nullable(),
  cycle: z.string().nullable(), fichiers: z.array(z.string()),
});
const OneCycle = z.object({ cycle: Cycle });

const OFFICER = { access: { roles: ['charge_echanges' as const] } };
const READER = { access: { roles: ['charge_echanges' as const, 'administrateur' as const] } };

const PACKAGE_FILE = /^(.+)\.(manifest\.json|payload\.age|sig|accuse\.json)$/;
const FORMAT_OF_SUFFIX: Record<string, UploadFormat> = { 'manifest.json': 'manifeste', 'payload.age': 'contenu', sig: 'signature', 'accuse.json': 'accuse' };
const SUFFIX_OF_FILE: Record<string, string> = { manifeste: 'manifest.json', contenu: 'payload.age', signature: 'sig', accuse: 'accuse.json' };

function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 ? Math.round(mb) : mb.toFixed(1).replace('.', ',')} Mo`;
}

/** The name of an uploaded extract in the cycle's source folder, as runCycle looks for it: caf_allocataires.csv, or caf_allocataires.xlsx. */
function sourceFileName(kind: ExtractKind, format: UploadFormat): string {
  const csv = EXTRACT_FORMATS[kind].fileName;
  return format === 'xlsx' ? csv.replace(/\.csv$/, '.xlsx') : csv;
}

/** What the first bytes say about an extract: CSV text, XLSX, or a French refusal. */
async function sniffExtract(path: string, size: number, name: string): Promise<{ format: 'csv' | 'xlsx' } | { erreur: string }> {
  if (size === 0) return { erreur: 'Le fichier est vide (0 octet) : déposez l’extrait complet, avec sa ligne d’en-tête.' };
  if (await looksLikeZip(path)) return { format: 'xlsx' };
  const handle = await open(path, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(65536);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (head.subarray(0, 4).toString('latin1') === '%PDF') {
    return { erreur: 'Ce fichier est un document PDF : déposez l’extrait au format CSV (séparateur « ; » ou « , ») ou XLSX.' };
  }
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) {
    return { erreur: 'Ce fichier est au format Excel 97-2003 (.xls), non pris en charge : enregistrez-le au format XLSX ou CSV puis déposez-le à nouveau.' };
  }
  if (head.includes(0)) {
    return { erreur: `Ce fichier n’est ni un CSV ni un classeur XLSX (contenu binaire${/\.\w+$/.test(name) ? `, extension « ${name.split('.').at(-1)!.slice(0, 10)} »` : ''}) : déposez l’extrait au format CSV ou XLSX.` };
  }
  if (head.toString('utf8').trim() === '') return { erreur: 'Le fichier ne contient que des espaces ou des lignes vides : déposez l’extrait complet, avec sa ligne d’en-tête.' };
  return { format: 'csv' };
}

function decodeName(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') return '';
  try { return decodeURIComponent(raw).slice(0, 200); } catch { return ''; }
}

const isBodyStream = (body: unknown): body is Readable => !!body && typeof (body as Readable).pipe === 'function' && typeof (body as Readable).on === 'function';

function sendFile(reply: FastifyReply, path: string, name: string, type: string) {
  return reply
    .header('content-type', type)
    .header('content-disposition', `attachment; filename="${name}"`)
    .header('cache-control', 'no-store')
    .send(createReadStream(path));
}

async function exists(path: string): Promise<boolean> {
  try { await stat(path); return true; } catch { return false; }
}

const auditActor = (actor: Actor) => ({ compteId: actor.compteId, organisation: actor.organisation.code });

export function exchangeRoutes(app: FastifyInstance, database: Database, config: Config) {
  const db = database.db;
  const store = new ExchangeStore(config.dataDir);
  const runner = new SerialRunner();
  const programmes = loadProgrammes();
  app.addHook('onClose', async () => { await runner.close(); });

  let names: Record<string, string> | null = null;
  const organisationNames = async () => {
    if (!names) {
      names = {};
      for (const o of await listOrganisations(db)) names[o.code] = o.nom;
    }
    return names;
  };

  /**
   * Programmes whose cycle this organisation runs (it holds the source): exchange programmes (it
   * seals a package per recipient) and in-house ones (it fills its own worklist).
   */
  const sendable = (actor: Actor): Programme[] => {
    const branches = branchesFor(actor, 'exchange'); // the access policy: none for a national fund
    return programmes.filter((p) => (p.forme === 'echange' || p.forme === 'interne') && branches.includes(p.expediteur.branche));
  };

  /** Cycles run in this process without a queue (waiting or running). */
  const inProcess = new Set<string>();

  /**
   * The state of a cycle: live when it runs in this process, else as saved (the worker of another
   * instance writes its progress every second). An unfinished cycle that no queue will run again
   * is reported as interrupted.
   */
  const cycleState = async (org: string, id: string): Promise<CycleState | undefined> => {
    const running = liveCycle(id);
    if (running && running.organisation === org) {
      if (running.statut === 'scellement') running.paquetsScelles = await store.countSealed(org, id);
      return running;
    }
    const saved = await store.readCycle(org, id);
    if (!saved || isFinished(saved)) return saved;
    if (saved.statut === 'scellement') saved.paquetsScelles = await store.countSealed(org, id);
    const alive = saved.enFile ? await webCycleAlive(db, id) : undefined;
    if (alive === false) {
      return { ...saved, statut: 'echec', reprise: null, erreur: 'Le cycle s’est arrêté sans pouvoir reprendre : il sera clos au prochain démarrage du serveur. Relancez-le ensuite avec le même extrait.' };
    }
    if (alive === undefined && !inProcess.has(id)) {
      return { ...saved, statut: 'echec', reprise: null, erreur: 'Le cycle a été interrompu par un redémarrage du serveur : relancez-le avec le même extrait.' };
    }
    return saved;
  };

  /** Without a job queue in this process (PASSERELLE_TACHES=0): the cycle runs here, one at a time, and a restart interrupts it. */
  const runInProcess = (state: CycleState) => {
    inProcess.add(state.id);
    runner.run(async () => {
      try {
        await runWebCycle({ db, store, programmes, maxAttempts: 1, log: (m) => app.log.error(m) }, state.organisation, state.id);
      } finally {
        inProcess.delete(state.id);
      }
    });
  };

  app.register(async (scope) => {
    // Uploads arrive as the raw body (application/octet-stream) and are streamed to disk by the route:
    // no body limit applies here, the route enforces config.uploadMaxBytes while it writes.
    scope.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
    const r = scope.withTypeProvider<ZodTypeProvider>();

    /** Programmes the organisation sends, the source files each needs, and the upload limit. */
    r.get('/api/echanges/programmes', {
      config: READER,
      schema: {
        response: {
          200: z.object({
            organisation: z.object({ code: z.string(), nom: z.string() }), tailleMaximale: int,
            programmes: z.array(z.object({
              id: z.string(), titre: z.string(), forme: z.string(),
              fichiers: z.array(z.object({ cle: z.string(), nom: z.string(), titre: z.string(), obligatoire: z.boolean() })),
            })),
          }),
          ...errors,
        },
      },
    }, async (request) => {
      const actor = actorOf(request);
      return {
        organisation: { code: actor.organisation.code, nom: actor.organisation.nom },
        tailleMaximale: config.uploadMaxBytes,
        programmes: sendable(actor).map((p) => ({
          id: p.id, titre: p.titre, forme: p.forme,
          fichiers: [
            { cle: p.source.fichier, nom: EXTRACT_FORMATS[p.source.fichier as ExtractKind].fileName, titre: EXTRACT_FORMATS[p.source.fichier as ExtractKind].title, obligatoire: true },
            ...p.source.jointures.map((j) => ({
              cle: j.fichier, nom: EXTRACT_FORMATS[j.fichier as ExtractKind].fileName, titre: EXTRACT_FORMATS[j.fichier as ExtractKind].title, obligatoire: j.obligatoire,
            })),
          ],
        })),
      };
    });

    /** Upload one file (raw body). `usage=extrait`: a CSV or XLSX extract; `usage=paquet`: a package file or an acknowledgement. */
    r.post('/api/echanges/televersements', {
      schema: {
        querystring: z.object({ usage: z.enum(['extrait', 'paquet'], { error: 'usage attendu : « extrait » ou « paquet »' }) }),
        consumes: ['application/octet-stream'],
        response: { 201: z.object({ televersement: z.object({ id: z.string(), nom: z.string(), taille: int, format: z.string() }) }), ...errors },
      },
      config: OFFICER,
    }, async (request, reply) => {
      const actor = actorOf(request);
      const org = actor.organisation.code;
      const usage = request.query.usage as UploadUsage;
      const max = config.uploadMaxBytes;
      const tooBig = `Fichier trop volumineux : ${megabytes(max)} au plus. Pour un extrait plus gros, découpez-le ou lancez le cycle en ligne de commande (npx passerelle cycle).`;
      if (!isBodyStream(request.body)) {
        return reply.code(415).send({ erreur: 'Envoyez le fichier tel quel, avec le type « application/octet-stream ».' });
      }
      const declared = Number(request.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > max) {
        request.body.resume();
        return reply.code(413).header('connection', 'close').send({ erreur: tooBig });
      }
      const nom = decodeName(request.headers['x-nom-fichier']);
      let format: UploadFormat = 'csv';
      if (usage === 'paquet') {
        const m = PACKAGE_FILE.exec(nom);
        if (!m || !PackageNameSchema.safeParse(m[1]).success) {
          request.body.resume();
          return reply.code(400).send({
            erreur: `Fichier « ${nom.replace(/[^\w.-]/g, '_') || 'sans nom'} » : un paquet se compose de trois fichiers NOM.manifest.json, NOM.payload.age et NOM.sig (et un accusé de réception s’appelle NOM.accuse.json). Déposez-les sans les renommer.`,
            champs: { fichier: 'nom de fichier de paquet attendu' },
          });
        }
        format = FORMAT_OF_SUFFIX[m[2]!]!;
      }
      let meta: UploadMeta;
      try {
        meta = await store.saveUpload(org, request.body, { nom: nom || 'extrait', usage, format, compteId: actor.compteId, televerseLe: new Date().toISOString() }, max);
      } catch (error) {
        if (error instanceof UploadTooLarge) return reply.code(413).header('connection', 'close').send({ erreur: tooBig });
        throw error;
      }
      if (usage === 'extrait') {
        const sniffed = await sniffExtract(store.uploadPath(org, meta.id), meta.taille, nom);
        if ('erreur' in sniffed) {
          await store.removeUpload(org, meta.id);
          return reply.code(400).send({ erreur: sniffed.erreur, champs: { fichier: sniffed.erreur } });
        }
        meta.format = sniffed.format;
        await writeFile(join(store.uploadsDir(org), `${meta.id}.json`), JSON.stringify(meta), { mode: 0o600 });
      } else if (meta.taille === 0) {
        await store.removeUpload(org, meta.id);
        return reply.code(400).send({ erreur: `Le fichier ${nom} est vide (0 octet).`, champs: { fichier: 'fichier vide' } });
      }
      await recordAudit(db, {
        action: 'echange.televersement', acteur: auditActor(actor), cible: { type: 'televersement', id: meta.id },
        details: { usage, format: meta.format, octets: meta.taille },
      });
      return reply.code(201).send({ televersement: { id: meta.id, nom: meta.nom, taille: meta.taille, format: meta.format } });
    });

    /** Starts the monthly cycle of a programme for the caller's organisation, on uploaded extracts. */
    r.post('/api/echanges/cycles', {
      schema: {
        body: z.object({
          programme: z.string({ error: 'programme attendu' }).min(1, 'choisissez un programme'),
          mois: z.string({ error: 'mois attendu' }).regex(/^\d{4}-\d{2}$/, 'mois AAAA-MM attendu (ex. 2026-11)'),
          fichiers: z.record(z.string(), z.string()),
        }),
        response: { 202: OneCycle, ...errors },
      },
      config: OFFICER,
    }, async (request, reply) => {
      const actor = actorOf(request);
      const org = actor.organisation.code;
      const { mois, fichiers } = request.body;
      const programme = sendable(actor).find((p) => p.id === request.body.programme);
      const champs: Record<string, string> = {};
      if (!programme) {
        const known = findProgramme(programmes, request.body.programme);
        champs.programme = known
          ? `votre organisme (${actor.organisation.nom}) n’envoie pas les paquets du programme « ${known.titre} »`
          : `programme inconnu : « ${request.body.programme.slice(0, 40)} »`;
      }
      if (!isIsoMonth(mois)) champs.mois = 'mois AAAA-MM attendu (ex. 2026-11)';
      const uploads: { kind: ExtractKind; meta: UploadMeta }[] = [];
      if (programme) {
        const expected = [
          { kind: programme.source.fichier as ExtractKind, obligatoire: true },
          ...programme.source.jointures.map((j) => ({ kind: j.fichier as ExtractKind, obligatoire: j.obligatoire })),
        ];
        for (const key of Object.keys(fichiers)) {
          if (!expected.some((e) => e.kind === key)) champs[`fichiers.${key}`] = `ce programme n’utilise pas de fichier « ${key.slice(0, 40)} »`;
        }
        for (const e of expected) {
          const id = fichiers[e.kind];
          const label = EXTRACT_FORMATS[e.kind].title;
          if (!id) {
            if (e.obligatoire) champs[`fichiers.${e.kind}`] = `déposez le fichier « ${label} » (${EXTRACT_FORMATS[e.kind].fileName})`;
            continue;
          }
          const meta = await store.upload(org, id);
          if (!meta || meta.usage !== 'extrait') champs[`fichiers.${e.kind}`] = `fichier « ${label} » introuvable : déposez-le à nouveau`;
          else uploads.push({ kind: e.kind, meta });
        }
      }
      if (Object.keys(champs).length > 0) {
        return reply.code(400).send({ erreur: 'Le cycle ne peut pas être lancé : corrigez les points signalés.', champs });
      }
      const p = programme!;
      for (const saved of await store.listCycles(org)) {
        const running = isFinished(saved) ? saved : await cycleState(org, saved.id);
        if (running && !isFinished(running)) {
          return reply.code(409).send({ erreur: `Un cycle est déjà en cours pour ${actor.organisation.nom} (${running.programmeTitre}, ${monthLabel(running.periode)}) : attendez qu’il se termine avant d’en lancer un autre.` });
        }
      }
      const already = (await exchangeRepository.packages(db, org)).filter((x) => x.expediteur === org && x.programme === p.id && x.periode === mois);
      if (already.length > 0) {
        const people = already.reduce((n, x) => n + x.nombre_enregistrements, 0);
        return reply.code(409).send({
          erreur: `Le cycle « ${p.titre} » de ${monthLabel(mois)} a déjà produit ${already.length} paquet(s) (${people} personne(s)) : le relancer enverrait les mêmes personnes une seconde fois. Vérifiez le mois choisi.`,
          champs: { mois: `cycle de ${monthLabel(mois)} déjà réalisé` },
        });
      }
      const id = newId();
      const sourceDir = join(store.cycleDir(org, id), 'source');
      await mkdir(sourceDir, { recursive: true, mode: 0o700 });
      for (const u of uploads) {
        await store.consumeUpload(org, u.meta.id, join(sourceDir, sourceFileName(u.kind, u.meta.format)));
      }
      const state: CycleState = {
        id, organisation: org, compteId: actor.compteId, programme: p.id, programmeTitre: p.titre, periode: mois,
        formats: uploads.map((u) => u.meta.format), statut: 'en_attente', creeLe: new Date().toISOString(), debuteLe: null, termineLe: null,
        octetsLus: 0, octetsTotal: 0, lignes: 0, paquetsScelles: 0, erreur: null, resultat: null,
        enFile: hasWebCycleWorker(db), essais: 0, reprise: null, execution: null,
      };
      await store.saveCycle(state);
      await recordAudit(db, {
        action: 'echange.cycle_lance', acteur: auditActor(actor), cible: { type: 'cycle', id },
        details: { programme: p.id, periode: mois, fichiers: uploads.map((u) => ({ fichier: u.kind, format: u.meta.format, octets: u.meta.taille })) },
      });
      // Through the job queue (any instance runs it, a restart reruns it), or here without a queue.
      if (!(await queueWebCycle(db, store, config.dataDir, state))) runInProcess(state);
      return reply.code(202).send({ cycle: state });
    });

    r.get('/api/echanges/cycles', { config: READER, schema: { response: { 200: z.object({ cycles: z.array(Cycle) }), ...errors } } }, async (request) => {
      const org = actorOf(request).organisation.code;
      const saved = await store.listCycles(org);
      return { cycles: await Promise.all(saved.map(async (s) => (await cycleState(org, s.id)) ?? s)) };
    });

    r.get('/api/echanges/cycles/:id', {
      schema: { params: z.object({ id: z.string() }), response: { 200: OneCycle, ...errors } },
      config: READER,
    }, async (request, reply) => {
      const state = await cycleState(actorOf(request).organisation.code, request.params.id);
      if (!state) return reply.code(404).send({ erreur: 'Ce cycle est introuvable pour votre organisme.' });
      return reply.header('cache-control', 'no-store').send({ cycle: state });
    });

    r.get('/api/echanges/cycles/:id/rapport.csv', {
      schema: { params: z.object({ id: z.string() }), response: { 200: fileResponse('text/csv', 'Le rapport de lignes du cycle (CSV).'), ...errors } },
      config: READER,
    }, async (request, reply) => {
      const actor = actorOf(request);
      const org = actor.organisation.code;
      const state = await cycleState(org, request.params.id);
      if (!state) return reply.code(404).send({ erreur: 'Ce cycle est introuvable pour votre organisme.' });
      const name = state.resultat?.rapport;
      const path = name ? join(store.cycleDir(org, state.id), 'sortie', name) : '';
      if (state.statut !== 'termine' || !name || !(await exists(path))) {
        return reply.code(404).send({ erreur: 'Le rapport de lignes n’est disponible qu’une fois le cycle terminé.' });
      }
      await recordAudit(db, { action: 'echange.rapport_telecharge', acteur: auditActor(actor), cible: { type: 'cycle', id: state.id }, details: { programme: state.programme, periode: state.periode } });
      return sendFile(reply, path, name, 'text/csv; charset=utf-8');
    });

    /** The organisation's packages (sent and received) and their life. */
    r.get('/api/echanges/paquets', {
      config: READER,
      schema: { response: { 200: z.object({ organisation: z.string(), paquets: z.array(Package), imports: z.array(Import) }), ...errors } },
    }, async (request) => {
      const org = actorOf(request).organisation.code;
      const noms = await organisationNames();
      const { paquets: rows } = await exchangeRepository.listPackages(db, org, { limit: 500 });
      const cycles = await store.listCycles(org);
      const imports = await store.listImports(org);
      const iso = (d: Date | null) => (d ? d.toISOString() : null);
      const paquets = await Promise.all(rows.map(async (p) => {
        const sent = p.sens === 'envoi';
        const cycle = sent ? cycles.find((c) => c.resultat?.paquets.some((x) => x.id === p.id)) : undefined;
        const received = sent ? undefined : imports.find((i) => i.paquet === p.id && i.statut === 'importe');
        const dir = cycle ? join(store.cycleDir(org, cycle.id), 'sortie') : received ? store.receivedDir(org, received.id) : null;
        const fichiers: string[] = [];
        if (dir) for (const [f, suffix] of Object.entries(SUFFIX_OF_FILE)) if (await exists(join(dir, `${p.nom}.${suffix}`))) fichiers.push(f);
        return {
          id: p.id, nom: p.nom, sens: p.sens, programme: p.programme,
          programmeTitre: findProgramme(programmes, p.programme)?.titre ?? p.programme, convention: p.convention,
          expediteur: p.expediteur, expediteurNom: noms[p.expediteur] ?? p.expediteur,
          destinataire: p.destinataire, destinataireNom: noms[p.destinataire] ?? p.destinataire,
          periode: p.periode, statut: p.statut, motif: p.motif, nombreEnregistrements: p.nombreEnregistrements, nombreImportes: p.nombreImportes,
          creeLe: iso(p.creeLe), envoyeLe: iso(p.envoyeLe), accuseLe: iso(p.accuseLe), importeLe: iso(p.importeLe), detruitLe: iso(p.detruitLe),
          cycle: cycle?.id ?? null, fichiers,
        };
      }));
      paquets.sort((a, b) => (b.importeLe ?? b.creeLe ?? '').localeCompare(a.importeLe ?? a.creeLe ?? ''));
      return { organisation: org, paquets, imports: imports.slice(0, 20) };
    });

    r.get('/api/echanges/paquets/:id/fichiers/:fichier', {
      schema: { params: z.object({ id: z.string(), fichier: z.enum(['manifeste', 'contenu', 'signature', 'accuse'], { error: 'fichier attendu : manifeste, contenu, signature ou accuse' }) }),
        response: { 200: fileResponse(['application/json', 'application/octet-stream'], 'Un fichier du paquet : manifeste ou accusé (JSON), contenu chiffré ou signature (octets).'), ...errors },
      },
      config: READER,
    }, async (request, reply) => {
      const actor = actorOf(request);
      const org = actor.organisation.code;
      const { id, fichier } = request.params;
      const p = UUID.test(id) ? await exchangeRepository.packageOf(db, id, org) : undefined;
      if (!p) return reply.code(404).send({ erreur: 'Ce paquet est introuvable pour votre organisme.' });
      const dir = await store.packageDir(org, id);
      const name = `${p.nom}.${SUFFIX_OF_FILE[fichier]}`;
      if (!dir || !(await exists(join(dir, name)))) {
        const why = fichier === 'contenu' && p.expediteur !== org
          ? 'Le contenu chiffré d’un paquet reçu est effacé dès son import : les personnes sont dans la liste de travail.'
          : 'Ce fichier n’est pas conservé sur ce serveur (paquet produit en ligne de commande, ou fichier effacé).';
        return reply.code(404).send({ erreur: why });
      }
      await recordAudit(db, { action: 'echange.paquet_telecharge', acteur: auditActor(actor), cible: { type: 'paquet', id }, details: { fichier } });
      return sendFile(reply, join(dir, name), name, fichier === 'manifeste' || fichier === 'accuse' ? 'application/json; charset=utf-8' : 'application/octet-stream');
    });

    /** Imports a received package from its three uploaded files (recipient side). */
    r.post('/api/echanges/imports', {
      schema: {
        body: z.object({ televersements: z.array(z.string()).min(1, 'déposez les trois fichiers du paquet').max(4, 'trois fichiers attendus') }),
        response: { 201: z.object({ import: Import }), 422: ErrorSchema.extend({ import: Import }), ...errors },
      },
      config: OFFICER,
    }, async (request, reply) => {
      const actor = actorOf(request);
      const org = actor.organisation.code;
      const metas: UploadMeta[] = [];
      for (const id of request.body.televersements) {
        const meta = await store.upload(org, id);
        if (!meta || meta.usage !== 'paquet') {
          return reply.code(400).send({ erreur: 'Un des fichiers déposés est introuvable (déposé il y a plus d’un jour, ou déjà utilisé) : déposez à nouveau les trois fichiers du paquet.', champs: { televersements: 'fichier introuvable' } });
        }
        metas.push(meta);
      }
      const byFormat = new Map(metas.map((m) => [m.format, m]));
      const manifest = byFormat.get('manifeste');
      const missing = (['manifeste', 'contenu', 'signature'] as const).filter((f) => !byFormat.has(f));
      const names = new Set(metas.filter((m) => m.format !== 'accuse').map((m) => PACKAGE_FILE.exec(m.nom)?.[1]));
      if (missing.length > 0 || metas.length !== byFormat.size || names.size !== 1) {
        const labels: Record<string, string> = { manifeste: 'NOM.manifest.json', contenu: 'NOM.payload.age', signature: 'NOM.sig' };
        const erreur = missing.length > 0
          ? `Paquet incomplet : il manque ${missing.map((f) => labels[f]).join(', ')}. Déposez ensemble les trois fichiers du paquet.`
          : 'Les fichiers déposés ne forment pas un seul paquet : déposez les trois fichiers d’un même paquet (même NOM), une seule fois chacun.';
        return reply.code(400).send({ erreur, champs: { televersements: erreur } });
      }
      const id = newId();
      const dir = store.receivedDir(org, id);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      for (const m of metas) await store.consumeUpload(org, m.id, join(dir, m.nom));
      const packageName = PACKAGE_FILE.exec(manifest!.nom)![1]!;
      const record: ImportRecord = {
        id, organisation: org, compteId: actor.compteId, nom: packageName, date: new Date().toISOString(), statut: 'refuse', paquet: null,
        programme: null, expediteur: null, recus: null, importes: null, echeance: null, accuseEnregistre: false, erreur: null, code: null,
      };
      try {
        const report = await importPackage(db, join(dir, manifest!.nom), { organisation: org, programmes });
        Object.assign(record, {
          statut: 'importe', paquet: report.paquet, programme: report.programme, expediteur: report.expediteur,
          recus: report.recus, importes: report.importes, dejaSuivis: report.dejaSuivis, echeance: report.echeance,
        });
        // When the sender's record is in this same instance, the acknowledgement is recorded at once.
        if (await exchangeRepository.packageOf(db, report.paquet, report.expediteur)) {
          try { await recordAcknowledgementFile(db, report.accuse); record.accuseEnregistre = true; } catch { /* the sender records it later */ }
        }
      } catch (error) {
        if (!(error instanceof ImportRefused)) {
          await rm(dir, { recursive: true, force: true });
          // an unexpected error: its French message names the package and an error code, never a record's values
          if (error instanceof ImportFailed) {
            request.log.error({ paquet: error.paquet }, 'import interrompu par une erreur interne');
            return reply.code(500).send({ erreur: error.message });
          }
          throw error;
        }
        record.erreur = error.message;
        record.code = error.code;
        record.paquet = error.paquet ?? null;
      }
      // The payload is personal data: once imported (or refused) it is not kept.
      await rm(join(dir, `${packageName}.payload.age`), { force: true });
      await store.saveImport(record);
      await recordAudit(db, {
        action: 'echange.import_web', acteur: auditActor(actor), cible: record.paquet ? { type: 'paquet', id: record.paquet } : null,
        details: { statut: record.statut, ...(record.code ? { code: record.code } : {}), ...(record.importes !== null ? { importes: record.importes } : {}) },
      });
      if (record.statut === 'refuse') return reply.code(422).send({ erreur: record.erreur ?? 'Paquet refusé.', code: record.code ?? undefined, import: record });
      return reply.code(201).send({ import: record });
    });

    /** Records a signed acknowledgement received for one of the organisation's sent packages. */
    r.post('/api/echanges/accuses', {
      schema: {
        body: z.object({ televersement: z.string({ error: 'accusé de réception attendu' }) }),
        response: { 201: z.object({ accuse: z.object({ paquet: z.string(), statut: z.string(), recus: int, importes: int, date: z.string() }) }), ...errors },
      },
      config: OFFICER,
    }, async (request, reply) => {
      const actor = actorOf(request);
      const org = actor.organisation.code;
      const meta = await store.upload(org, request.body.televersement);
      if (!meta || meta.format !== 'accuse') {
        return reply.code(400).send({ erreur: 'Déposez le fichier d’accusé de réception (NOM.accuse.json) renvoyé par le destinataire.', champs: { televersement: 'accusé de réception attendu' } });
      }
      const path = store.uploadPath(org, meta.id);
      try {
        let claimed: unknown;
        try { claimed = (JSON.parse(await readFile(path, 'utf8')) as { accuse?: { expediteur?: unknown } })?.accuse?.expediteur; } catch { claimed = undefined; }
        if (claimed !== org) {
          return reply.code(422).send({ erreur: `Accusé de réception refusé : il ne concerne pas un paquet envoyé par ${actor.organisation.nom}.` });
        }
        const accuse = await recordAcknowledgementFile(db, path);
        return reply.code(201).send({ accuse: { paquet: accuse.paquet, statut: accuse.statut, recus: accuse.recus, importes: accuse.importes, date: accuse.date } });
      } catch (error) {
        if (error instanceof AcknowledgementRefused) return reply.code(422).send({ erreur: error.message });
        throw error;
      } finally {
        await store.removeUpload(org, meta.id);
      }
    });
  });
}

