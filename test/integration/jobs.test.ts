import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureExchangeSetup, exchangeRepository, publicKeyring } from '../../src/exchange/index.ts';
import { generateExtracts } from '../../src/generate/index.ts';
import {
  DESTRUCTION_JOB, MONTHLY_CYCLE_JOB, jobsRepository, parisDay, runJob, startJobQueue, startScheduledJobs, type JobConfig,
} from '../../src/jobs/index.ts';
import { verifyAuditChain } from '../../src/privacy/index.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';
import { until } from '../helpers/until.ts';

const NOW = new Date('2026-12-05T05:00:00.000Z'); // the 5th, 06:00 in Paris: the monthly cycle of November

describe(`job queue (pg-boss, ${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => { database = await freshDatabase(); });
  afterAll(async () => { await database.drop(); });

  it('sends, works, retries and schedules, with the application’s own transactions interleaved', async () => {
    const queue = await startJobQueue(database, { pollingIntervalSeconds: 0.5 });
    try {
      const attempts = new Map<number, number>();
      const done: number[] = [];
      await queue.work<{ n: number }>('essai', async ({ n }) => {
        // an application transaction inside the handler, on the same (single, for PGlite) connection
        await database.db.transaction().execute(async (trx) => {
          await sql`SELECT count(*) FROM organisations`.execute(trx);
          await new Promise((r) => setTimeout(r, 20));
          await sql`SELECT count(*) FROM communes`.execute(trx);
        });
        attempts.set(n, (attempts.get(n) ?? 0) + 1);
        if (n === 2 && attempts.get(n) === 1) throw new Error('échec volontaire');
        done.push(n);
        return { n };
      });
      const ids: string[] = [];
      for (let n = 0; n < 4; n++) ids.push((await queue.send('essai', { n }, { retryLimit: 2, retryDelay: 1 }))!);
      // meanwhile, the application keeps using the database in transactions of its own
      for (let i = 0; i < 30; i++) {
        await database.db.transaction().execute(async (trx) => { await sql`SELECT 1`.execute(trx); await sql`SELECT 2`.execute(trx); });
      }
      await until(async () => done.length === 4);
      expect(done.sort()).toEqual([0, 1, 2, 3]);
      expect(attempts.get(2)).toBe(2); // failed once, retried once
      await until(async () => (await queue.job('essai', ids[2]!))?.state === 'completed');
      expect((await queue.job('essai', ids[2]!))?.output).toEqual({ n: 2 });

      await queue.declare('unique', { policy: 'exclusive' });
      expect(await queue.send('unique', {}, { singletonKey: 'k' })).toEqual(expect.any(String));
      expect(await queue.send('unique', {}, { singletonKey: 'k' })).toBeNull();

      await queue.schedule('nocturne', '30 2 * * *', { a: 1 });
      expect(await queue.schedules()).toContainEqual({ name: 'nocturne', cron: '30 2 * * *', timezone: 'Europe/Paris' });
    } finally {
      await queue.stop();
    }
    // the application's connection survives the queue
    expect((await sql<{ n: number }>`SELECT 1 AS n`.execute(database.db)).rows[0]!.n).toBe(1);
  });

  it('works by batches: handlers run side by side, each job settles and retries on its own', async () => {
    // Default polling (2 s): a batch worker does not wait for it between full batches.
    const queue = await startJobQueue(database);
    try {
      const attempts = new Map<number, number>();
      const done: number[] = [];
      let running = 0;
      let widest = 0;
      await queue.work<{ n: number }>('lot', async ({ n }, job) => {
        running++;
        widest = Math.max(widest, running);
        try {
          await database.db.transaction().execute(async (trx) => { await sql`SELECT count(*) FROM organisations`.execute(trx); });
          await new Promise((r) => setTimeout(r, 30));
          attempts.set(n, (attempts.get(n) ?? 0) + 1);
          if (n === 7 && job.retryCount === 0) throw new Error('échec volontaire');
          done.push(n);
          return { n };
        } finally {
          running--;
        }
      }, { batchSize: 10, concurrency: 4 });
      const ids: string[] = [];
      for (let n = 0; n < 40; n++) ids.push((await queue.send('lot', { n }, { retryLimit: 2, retryDelay: 1 }))!);
      await until(async () => done.length === 40);
      expect([...done].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      expect(widest).toBe(4); // concurrency, never more
      expect(attempts.get(7)).toBe(2); // only the failing job was tried again
      expect([...attempts.entries()].filter(([n, k]) => n !== 7 && k !== 1)).toEqual([]);
      await until(async () => (await queue.job('lot', ids[7]!))?.state === 'completed');
      expect((await queue.job('lot', ids[7]!))?.output).toEqual({ n: 7 });
      expect((await queue.job('lot', ids[8]!))?.output).toEqual({ n: 8 });
    } finally {
      await queue.stop();
    }
  });

  it('can be started again on the same database (its schema is already there)', async () => {
    const queue = await startJobQueue(database);
    expect((await queue.schedules()).map((s) => s.name)).toContain('nocturne');
    await queue.stop();
  });

  it('computes the day and months in Paris', () => {
    expect(parisDay(new Date('2026-11-30T23:30:00Z'))).toEqual({ date: '2026-12-01', month: '2026-12', previousMonth: '2026-11' });
    expect(parisDay(new Date('2027-01-15T12:00:00Z')).previousMonth).toBe('2026-12');
  });
});

describe(`scheduled jobs: monthly cycle and daily destruction (${ENGINE})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let work: string;
  let config: JobConfig;

  beforeAll(async () => {
    database = await freshDatabase();
    await ensureExchangeSetup(database.db, NOW);
    // This scenario is the caregivers' programme: without the CPAM → Carsat demo conventions, the job does not look for the CPAMs' extracts.
    await database.db.deleteFrom('conventions').where('id', 'like', 'conv-carsat-%').execute();
    work = await mkdtemp(join(tmpdir(), 'passerelle-jobs-'));
    config = { depotDir: join(work, 'depot'), outboxDir: join(work, 'sortie'), sendTimeoutMs: 5_000 };
    await generateExtracts({ departement: '83', month: '2026-11', outDir: join(config.depotDir, 'caf-83', 'aidants', '2026-11'), scale: 0.0005, seed: 5, people: { ajpa: 40, ajpp: 10 } });
  });
  afterAll(async () => {
    await database.drop();
    await rm(work, { recursive: true, force: true });
  });

  const contacts = async (organisation: string) => Number((await database.db.selectFrom('contacts').select(sql<string>`count(*)`.as('n'))
    .where('organisation_code', '=', organisation).where('detruit_le', 'is', null).executeTakeFirstOrThrow()).n);

  it('monthly cycle: the Var is sealed, imported by cpam-83 and acknowledged; the Nord’s missing extract fails the run with a clear reason', async () => {
    const outcome = await runJob(database.db, config, MONTHLY_CYCLE_JOB, { trigger: 'manuel', now: NOW }); // month: the previous one in Paris
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toContain('Extrait introuvable pour caf-59, programme « aidants », mois 2026-11');
    expect(outcome.message).toContain(join(config.depotDir, 'caf-59', 'aidants', '2026-11'));
    expect(outcome.message).toMatch(/caf-83 · aidants · 2026-11 : \d+ ligne\(s\) lue\(s\)/);
    const [run] = await jobsRepository.recentRuns(database.db, { tache: MONTHLY_CYCLE_JOB });
    expect(run).toMatchObject({ statut: 'echouee', declenchement: 'manuel', message: outcome.message });
    expect(run!.fin).not.toBeNull();
    expect(run!.resultat).toMatchObject({ periode: '2026-11', problemes: 1 });

    const sent = await database.db.selectFrom('paquets').selectAll().where('detenteur', '=', 'caf-83').execute();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ destinataire: 'cpam-83', periode: '2026-11', statut: 'acquitte' });
    expect(sent[0]!.envoye_le).not.toBeNull();
    const imported = await database.db.selectFrom('paquets').selectAll().where('detenteur', '=', 'cpam-83').executeTakeFirstOrThrow();
    expect(imported).toMatchObject({ id: sent[0]!.id, statut: 'importe' });
    expect(await contacts('cpam-83')).toBe(sent[0]!.nombre_enregistrements);
    expect(sent[0]!.nombre_importes).toBe(sent[0]!.nombre_enregistrements);
    expect(sent[0]!.nombre_enregistrements).toBeGreaterThan(10);
  });

  it('monthly cycle again: nothing new for the Var; once the Nord’s extract is dropped, its four CPAMs receive theirs and the run succeeds', async () => {
    const before = await contacts('cpam-83');
    const again = await runJob(database.db, config, MONTHLY_CYCLE_JOB, { trigger: 'manuel', params: { month: '2026-11' }, now: NOW });
    expect(again.ok).toBe(false);
    expect(again.message).toContain('caf-83 · aidants · 2026-11 : cycle déjà fait (1 paquet(s) scellé(s))');
    expect(await contacts('cpam-83')).toBe(before);

    await generateExtracts({ departement: '59', month: '2026-11', outDir: join(config.depotDir, 'caf-59', 'aidants', '2026-11'), scale: 0.0002, seed: 6, people: { ajpa: 60, ajpp: 10 } });
    const third = await runJob(database.db, config, MONTHLY_CYCLE_JOB, { trigger: 'manuel', params: { month: '2026-11' }, now: NOW });
    expect(third.message).not.toContain('introuvable');
    expect(third.ok).toBe(true);
    const nord = await database.db.selectFrom('paquets').select(['destinataire', 'statut']).where('detenteur', '=', 'caf-59').orderBy('destinataire').execute();
    expect(nord.length).toBeGreaterThanOrEqual(3);
    expect(nord.every((p) => p.destinataire.startsWith('cpam-59-') && p.statut === 'acquitte')).toBe(true);
    for (const p of nord) expect(await contacts(p.destinataire)).toBeGreaterThan(0);
    expect(await contacts('cpam-83')).toBe(before);
    const runs = await jobsRepository.recentRuns(database.db, { tache: MONTHLY_CYCLE_JOB });
    expect(runs.map((r) => r.statut)).toEqual(['reussie', 'echouee', 'echouee']);
  });

  it('daily destruction: nothing before the deadline; past it, every imported contact is anonymised and the proof is in the audit trail', async () => {
    const early = await runJob(database.db, config, DESTRUCTION_JOB, { trigger: 'manuel', now: NOW });
    expect(early).toMatchObject({ ok: true, message: 'Aucune donnée à détruire au 2026-12-05.' });
    const alive = await database.db.selectFrom('contacts').select(sql<string>`count(*)`.as('n')).where('detruit_le', 'is', null).executeTakeFirstOrThrow();
    const later = await runJob(database.db, config, DESTRUCTION_JOB, { trigger: 'manuel', now: new Date('2027-06-01T00:30:00Z') });
    expect(later.ok).toBe(true);
    expect(later.resultat).toMatchObject({ date: '2027-06-01', total: Number(alive.n) });
    expect(later.message).toContain(`${alive.n} contact(s) détruit(s) au 2027-06-01`);
    const left = await database.db.selectFrom('contacts').select(sql<string>`count(*)`.as('n')).where('detruit_le', 'is', null).executeTakeFirstOrThrow();
    expect(Number(left.n)).toBe(0);
    const proofs = await database.db.selectFrom('journal_audit').select('details').where('action', '=', 'conservation.destruction').execute();
    expect(proofs.length).toBeGreaterThanOrEqual(4);
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });

  it('a recipient hosted elsewhere goes through the transport: without an inbox address the package stays sealed and the run says why; a rerun delivers it', async () => {
    await generateExtracts({ departement: '83', month: '2026-10', outDir: join(config.depotDir, 'caf-83', 'aidants', '2026-10'), scale: 0.0005, seed: 8, people: { ajpa: 20, ajpp: 5 } });
    await generateExtracts({ departement: '59', month: '2026-10', outDir: join(config.depotDir, 'caf-59', 'aidants', '2026-10'), scale: 0.0002, seed: 9, people: { ajpa: 20, ajpp: 5 } });
    const ring = (await exchangeRepository.keyring(database.db, 'cpam-83'))!;
    await exchangeRepository.savePartner(database.db, { organisation: 'cpam-83', url: null, keyring: publicKeyring(ring) });
    const remote = await runJob(database.db, config, MONTHLY_CYCLE_JOB, { trigger: 'manuel', params: { month: '2026-10' }, now: NOW });
    expect(remote.ok).toBe(false);
    expect(remote.message).toMatch(/Paquet aidants_caf-83_cpam-83_2026-10 non livré à cpam-83 : Aucune adresse de boîte aux lettres connue pour « cpam-83 »/);
    const pending = await database.db.selectFrom('paquets').select('statut').where('detenteur', '=', 'caf-83').where('periode', '=', '2026-10').executeTakeFirstOrThrow();
    expect(pending.statut).toBe('scelle');
    expect(await database.db.selectFrom('paquets').select('id').where('detenteur', '=', 'cpam-83').where('periode', '=', '2026-10').execute()).toEqual([]);

    await exchangeRepository.removePartner(database.db, 'cpam-83'); // cpam-83 is hosted here again
    const local = await runJob(database.db, config, MONTHLY_CYCLE_JOB, { trigger: 'manuel', params: { month: '2026-10' }, now: NOW });
    expect(local.ok).toBe(true);
    expect(local.message).toContain('caf-83 · aidants · 2026-10 : cycle déjà fait');
    const delivered = await database.db.selectFrom('paquets').select('statut').where('detenteur', '=', 'caf-83').where('periode', '=', '2026-10').executeTakeFirstOrThrow();
    expect(delivered.statut).toBe('acquitte');
  });

  it('through the queue: the scheduled jobs are registered in Paris time, a queued run is recorded, a failing one is failed in pg-boss too', async () => {
    const jobs = await startScheduledJobs(database, config, { pollingIntervalSeconds: 0.5 });
    try {
      const schedules = await jobs.queue.schedules();
      expect(schedules).toEqual(expect.arrayContaining([
        { name: DESTRUCTION_JOB, cron: '30 * * * *', timezone: 'Europe/Paris' },
        { name: MONTHLY_CYCLE_JOB, cron: '0 6 5 * *', timezone: 'Europe/Paris' },
      ]));
      const ok = (await jobs.queue.send(DESTRUCTION_JOB, { date: '2027-06-02' }))!;
      const okRun = await until(async () => (await jobsRepository.recentRuns(database.db, { tache: DESTRUCTION_JOB }))
        .find((r) => r.fileId === ok && r.statut !== 'en_cours'));
      // the October packages imported by the previous test are destroyed by this queued run
      expect(okRun).toMatchObject({ declenchement: 'planifie', statut: 'reussie' });
      expect(okRun.message).toMatch(/^\d+ contact\(s\) détruit\(s\) au 2027-06-02/);
      expect(Number((await database.db.selectFrom('contacts').select(sql<string>`count(*)`.as('n')).where('detruit_le', 'is', null).executeTakeFirstOrThrow()).n)).toBe(0);
      await until(async () => (await jobs.queue.job(DESTRUCTION_JOB, ok))?.state === 'completed');

      const bad = (await jobs.queue.send(MONTHLY_CYCLE_JOB, { month: '2026-08' }))!;
      const badRun = await until(async () => (await jobsRepository.recentRuns(database.db, { tache: MONTHLY_CYCLE_JOB }))
        .find((r) => r.fileId === bad && r.statut !== 'en_cours'));
      expect(badRun.statut).toBe('echouee');
      expect(badRun.message).toContain('Extrait introuvable pour caf-83, programme « aidants », mois 2026-08');
      await until(async () => (await jobs.queue.job(MONTHLY_CYCLE_JOB, bad))?.state === 'failed');
    } finally {
      await jobs.stop();
    }
  });
});
