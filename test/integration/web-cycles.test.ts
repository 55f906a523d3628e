/**
 * Web-started cycles go through the job queue (src/server/web-cycles.ts): the route answers at once,
 * the queue holds one job per cycle, and a server that dies mid-run (its worker never settles the
 * job, left active as when the process is killed) loses nothing: a new server on the same database and data folder
 * reruns the cycle to its end, says « reprise » meanwhile (never « échec »), records both attempts
 * in executions_taches (trigger web) and deletes the extract only once the cycle has finished.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoAccounts } from '../../src/accounts/index.ts';
import { readConfig, type Config } from '../../src/config.ts';
import { ensureExchangeSetup, exchangeRepository } from '../../src/exchange/index.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import { jobsRepository, startJobQueue, WEB_CYCLE_JOB, type JobQueue } from '../../src/jobs/index.ts';
import { buildServer, type Server } from '../../src/server/app.ts';
import { ExchangeStore } from '../../src/server/routes/exchange-store.ts';
import { startWebCampaignWorker, WEB_CAMPAIGN_JOB } from '../../src/server/web-campaigns.ts';
import { queueWebCycle, startWebCycleWorker } from '../../src/server/web-cycles.ts';
import { mailSettings } from '../../src/channels/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';
import { until } from '../helpers/until.ts';
import { sessionFor, type Credentials } from '../helpers/server.ts';


describe(`web-started cycles through the job queue (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let dataDir: string;
  let work: string;
  let config: Config;
  let caf: Credentials;
  let allocataires: Buffer;
  const queues: JobQueue[] = [];
  const servers: Server[] = [];

  beforeAll(async () => {
    database = await freshDatabase();
    await ensureDemoAccounts(database.db);
    await ensureExchangeSetup(database.db);
    dataDir = await mkdtemp(join(tmpdir(), 'passerelle-web-cycles-'));
    work = await mkdtemp(join(tmpdir(), 'passerelle-web-cycles-src-'));
    await generateExtracts({ departement: '83', month: '2026-11', outDir: work, scale: 0.01, seed: 11, people: { ajpa: 30, ajpp: 5 } });
    allocataires = await readFile(join(work, 'caf_allocataires.csv'));
    config = readConfig({ PASSERELLE_CONNEXION_DEBIT: '1000', PASSERELLE_DOSSIER_DONNEES: dataDir });
    caf = await sessionFor(database, 'echanges.caf83@passerelle.test');
  });

  afterAll(async () => {
    for (const s of servers) await s.app.close().catch(() => {});
    for (const q of queues) await q.stop(1000, { graceful: false }).catch(() => {});
    await database?.drop();
    for (const dir of [dataDir, work]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** One server instance: its queue (with the cycle worker) and its HTTP app. */
  async function startInstance(options: Parameters<typeof startWebCycleWorker>[3]) {
    const queue = await startJobQueue(database, { schedules: false, pollingIntervalSeconds: 0.5, log: () => {} });
    queues.push(queue);
    const worker = await startWebCycleWorker(database, queue, config, { takeOverActive: true, log: () => {}, ...options });
    const campaigns = await startWebCampaignWorker(database, queue, dataDir, mailSettings(config), { takeOverActive: true, log: () => {}, ...options });
    const server = await buildServer(database, config);
    await server.app.ready();
    servers.push(server);
    return { queue, server, resumed: worker.resumed, campaignsResumed: campaigns.resumed };
  }

  const cycleOf = async (server: Server, id: string) => {
    const res = await server.app.inject({ method: 'GET', url: `/api/echanges/cycles/${id}`, headers: caf.headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().cycle as { statut: string; erreur: string | null; reprise?: string | null; essais?: number; resultat: { paquets: unknown[]; lignesLues: number } | null };
  };

  it('answers at once with one job per cycle, and a cycle cut by a server stop finishes on the next server', async () => {
    // Server A: its worker takes the job, starts the run, then never goes on (a process killed mid-run).
    let attemptStarted!: () => void;
    const started = new Promise<void>((ok) => { attemptStarted = ok; });
    const a = await startInstance({ onAttemptStarted: async () => { attemptStarted(); await new Promise(() => {}); } });

    const up = await a.server.app.inject({
      method: 'POST', url: '/api/echanges/televersements?usage=extrait',
      headers: { ...caf.headers, 'content-type': 'application/octet-stream', 'x-nom-fichier': 'caf_allocataires.csv' }, payload: allocataires,
    });
    expect(up.statusCode, up.body).toBe(201);
    const t0 = Date.now();
    const res = await a.server.app.inject({
      method: 'POST', url: '/api/echanges/cycles', headers: caf.headers,
      payload: { programme: 'aidants', mois: '2026-11', fichiers: { caf_allocataires: up.json().televersement.id } },
    });
    // The route does not wait for the run (which here never ends): it answers with the cycle's id.
    expect(res.statusCode, res.body).toBe(202);
    expect(Date.now() - t0).toBeLessThan(5000);
    const id = res.json().cycle.id as string;
    expect(res.json().cycle.statut).toBe('en_attente');

    // One job for this cycle, whatever asks again for it.
    const store = new ExchangeStore(dataDir);
    expect(await a.queue.jobs(WEB_CYCLE_JOB, { key: id })).toHaveLength(1);
    expect(await queueWebCycle(database.db, store, dataDir, (await store.readCycle('caf-83', id))!)).toBe(true);
    expect(await a.queue.jobs(WEB_CYCLE_JOB, { key: id })).toHaveLength(1);

    await started;
    expect((await cycleOf(a.server, id)).statut).toBe('lecture');
    const [job] = await a.queue.jobs(WEB_CYCLE_JOB, { key: id });
    expect(job!.state).toBe('active');
    const sourceDir = join(store.cycleDir('caf-83', id), 'source');
    expect(existsSync(sourceDir)).toBe(true);

    // Server A dies mid-run: its worker stops taking jobs and never settles this one, which stays
    // active in the database, as after `kill -9` (a clean stop would fail it, and pg-boss retry it).
    await a.queue.boss.offWork(WEB_CYCLE_JOB, { wait: false });
    await a.server.app.close();
    expect((await a.queue.jobs(WEB_CYCLE_JOB, { key: id }))[0]!.state).toBe('active');

    // Server B on the same database and data folder takes the cycle up again.
    const b = await startInstance({ retryDelaySeconds: 1 });
    expect(b.resumed).toBe(1);
    expect(await b.queue.jobs(WEB_CYCLE_JOB, { key: id })).toHaveLength(1);
    const seen: { statut: string; reprise: boolean }[] = [];
    const final = await until(async () => {
      const cycle = await cycleOf(b.server, id);
      seen.push({ statut: cycle.statut, reprise: !!cycle.reprise });
      return cycle.statut === 'termine' || cycle.statut === 'echec' ? cycle : undefined;
    });
    expect(final.statut, final.erreur ?? '').toBe('termine');
    expect(seen.some((s) => s.statut !== 'termine' && s.reprise)).toBe(true); // « Reprise après redémarrage… » while it waited or ran
    expect(seen.map((s) => s.statut)).not.toContain('echec');
    expect(final.essais).toBe(2);
    expect(final.reprise ?? null).toBeNull();

    // The packages are sealed and recorded, the extract is gone.
    expect(final.resultat!.paquets.length).toBeGreaterThan(0);
    const packages = (await exchangeRepository.packages(database.db, 'caf-83')).filter((p) => p.programme === 'aidants' && p.periode === '2026-11' && p.expediteur === 'caf-83');
    expect(packages).toHaveLength(final.resultat!.paquets.length);
    expect(existsSync(sourceDir)).toBe(false);

    // Both attempts are in the jobs' history, triggered from the web; still one job for the cycle.
    const runs = (await jobsRepository.recentRuns(database.db, { tache: WEB_CYCLE_JOB })).filter((r) => r.parametres.cycle === id);
    expect(runs.map((r) => r.declenchement)).toEqual(['web', 'web']);
    expect(runs.map((r) => r.statut).sort()).toEqual(['echouee', 'reussie']);
    expect(runs.find((r) => r.statut === 'echouee')!.message).toMatch(/interrompue/i);
    expect(JSON.stringify(runs.map((r) => [r.parametres, r.resultat, r.message]))).not.toMatch(/\d{13}/); // no NIR
    const jobs = await b.queue.jobs(WEB_CYCLE_JOB, { key: id });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.state).toBe('completed');

    // A third server start does not run it again.
    await b.queue.stop(1000, { graceful: false });
    await b.server.app.close();
    const c = await startInstance({});
    expect(c.resumed).toBe(0);
    expect(await c.queue.jobs(WEB_CYCLE_JOB, { key: id })).toHaveLength(1);
    for (const q of [a.queue, c.queue]) await q.stop(1000, { graceful: false });
    await c.server.app.close();
  });

  it('runs the separation campaign through the queue: 202 at once, polled to its end on the next server after a crash', async () => {
    let attemptStarted!: () => void;
    const started = new Promise<void>((ok) => { attemptStarted = ok; });
    const d = await startInstance({ onAttemptStarted: async () => { attemptStarted(); await new Promise(() => {}); } });
    const upload = async (name: string) => {
      const res = await d.server.app.inject({
        method: 'POST', url: '/api/echanges/televersements?usage=extrait',
        headers: { ...caf.headers, 'content-type': 'application/octet-stream', 'x-nom-fichier': name }, payload: await readFile(join(work, name)),
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().televersement.id as string;
    };
    const fichiers = { caf_separations: await upload('caf_separations.csv'), caf_allocataires: await upload('caf_allocataires.csv') };
    const res = await d.server.app.inject({ method: 'POST', url: '/api/courriels/campagnes/separation', headers: caf.headers, payload: { mois: '2026-11', canal: 'courrier', fichiers } });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().campagne.id as string;
    expect(await d.queue.jobs(WEB_CAMPAIGN_JOB, { key: id })).toHaveLength(1);
    await started;
    const source = join(dataDir, 'echanges', 'caf-83', 'campagnes', id, 'source');
    expect(existsSync(source)).toBe(true);

    await d.queue.boss.offWork(WEB_CAMPAIGN_JOB, { wait: false });
    await d.server.app.close();
    const e = await startInstance({ retryDelaySeconds: 1 });
    expect(e.campaignsResumed).toBe(1);
    const seen: { statut: string; reprise: boolean }[] = [];
    const final = await until(async () => {
      const r = await e.server.app.inject({ method: 'GET', url: `/api/courriels/campagnes/separation/${id}`, headers: caf.headers });
      expect(r.statusCode, r.body).toBe(200);
      const campagne = r.json().campagne as { statut: string; reprise: string | null; erreur: string | null; resultat: { campagne: { ajoutes: number }; rapport: unknown[] } | null };
      seen.push({ statut: campagne.statut, reprise: !!campagne.reprise });
      return campagne.statut === 'termine' || campagne.statut === 'echec' ? campagne : undefined;
    });
    expect(final.statut, final.erreur ?? '').toBe('termine');
    expect(seen.some((s) => s.statut !== 'termine' && s.reprise)).toBe(true);
    expect(seen.map((s) => s.statut)).not.toContain('echec');
    expect(final.resultat!.campagne.ajoutes).toBeGreaterThan(0);
    expect(existsSync(source)).toBe(false);
    const runs = (await jobsRepository.recentRuns(database.db, { tache: WEB_CAMPAIGN_JOB })).filter((r) => r.parametres.campagne === id);
    expect(runs.map((r) => `${r.declenchement} ${r.statut}`).sort()).toEqual(['web echouee', 'web reussie']);
    // Another organisation does not see it.
    const cpam = await sessionFor(database, 'echanges.cpam83@passerelle.test');
    expect((await e.server.app.inject({ method: 'GET', url: `/api/courriels/campagnes/separation/${id}`, headers: cpam.headers })).statusCode).toBe(404);
    await d.queue.stop(1000, { graceful: false });
  });
});
