/**
 * npm run bench:worklist — the outreach worklist page and the pilots' funnel with one million contacts and ten
 * million events in the database, under concurrent load (autocannon), against a bare Fastify route in the same run.
 * Writes bench/results/worklist.json.
 *
 * Database: the local PostgreSQL server when it answers (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres):
 * a throwaway database `passerelle_bench_…` is created, filled and dropped at the end (BENCH_KEEP=1 keeps it and prints
 * its URL; BENCH_DATABASE_URL=… reuses a database that is already filled). Otherwise PGlite in memory (slow to fill).
 *
 * Data, generated in SQL with generate_series (no round trip per row):
 *  - 1 000 000 contacts over 24 cohort months (2024-12 … 2026-11), 4 programmes and 60 organisations, plus the hot
 *    cohort of the benchmark, cpam-83 / aidants / 2026-11, with BENCH_HOT_COHORT people (default 5 000);
 *  - 10 000 000 events: ten per person, a plausible path (offer e-mail, calls, acceptance, appointment…).
 * Targets (same process, random loopback ports, autocannon in a worker thread):
 *  - GET /bare on a bare Fastify server;
 *  - GET /api/listes?organisation=cpam-83&programme=aidants&mois=2026-11&page=1 as agent.ces83 (the CES works the
 *    CPAM's caregivers' list);
 *  - GET /api/indicateurs/entonnoir?organisation=cpam-83&programme=aidants&mois=2026-11 as pilote.cpam83.
 * Alternating rounds (bare, worklist, funnel) × BENCH_ROUNDS (3) of BENCH_ROUND_SECONDS (5) with BENCH_CONNECTIONS (20);
 * medians reported, plus the funnel's SQL alone (EXPLAIN ANALYZE).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { ensureDemoAccounts, openSession } from '../src/accounts/index.ts';
import { readConfig } from '../src/config.ts';
import { migrateToLatest, openDatabase, type Database } from '../src/db/index.ts';
import { SESSION_COOKIE } from '../src/server/access.ts';
import { buildServer } from '../src/server/app.ts';
import { ensureReferenceData } from '../src/territories/index.ts';
import { indicatorSettings } from '../src/indicators/index.ts';
import { load as measure, machine, say, show, startBareServer, summary, writeResult, type Measure } from './support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = Number(process.env.BENCH_ROUND_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const EVENTS_PER_CONTACT = 10;
const HOT = Number(process.env.BENCH_HOT_COHORT ?? 5_000);
const WARMUP = 2;
const seconds = (t: number) => `${((performance.now() - t) / 1000).toFixed(1)} s`;

// --- the database -------------------------------------------------------------------------------------------------

async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function openBenchDatabase(): Promise<{ database: Database; label: string; drop: () => Promise<void>; url?: string }> {
  if (process.env.BENCH_DATABASE_URL) {
    const database = await openDatabase({ databaseUrl: process.env.BENCH_DATABASE_URL });
    return { database, label: 'postgresql (base existante)', drop: async () => database.close(), url: process.env.BENCH_DATABASE_URL };
  }
  const server = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await postgresReachable(server)) {
    const name = `passerelle_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(server);
    u.pathname = `/${name}`;
    const database = await openDatabase({ databaseUrl: u.toString() });
    const version = (await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(database.db)).rows[0]!.v;
    return {
      database, label: `postgresql ${version} (base jetable ${name})`, url: u.toString(),
      drop: async () => {
        await database.close();
        if (process.env.BENCH_KEEP === '1') {
          say(`Base conservée : ${u.toString()}`);
          return;
        }
        const c = new pg.Client({ connectionString: server });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  say('PostgreSQL ne répond pas : PGlite en mémoire (le remplissage est plus lent).');
  const database = await openDatabase({});
  return { database, label: 'pglite (en mémoire)', drop: () => database.close() };
}

const MONTHS = Array.from({ length: 24 }, (_, i) => {
  const d = new Date(Date.UTC(2024, 11 + i, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
});
const PROGRAMMES = ['aidants', 'separation', 'carsat-arret-91', 'prado'];

/** Fills contacts and events in SQL; returns the counts. Skips when the database already holds the volume. */
async function fill(database: Database): Promise<{ contacts: number; events: number; seconds: number }> {
  const db = database.db;
  const existing = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM contacts`.execute(db)).rows[0]!.n);
  const existingEvents = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM evenements`.execute(db)).rows[0]!.n);
  if (existing >= CONTACTS && existingEvents >= CONTACTS * EVENTS_PER_CONTACT) {
    say(`Base déjà remplie : ${existing} contacts, ${existingEvents} événements.`);
    return { contacts: existing, events: existingEvents, seconds: 0 };
  }
  const started = performance.now();
  const orgs = (await sql<{ code: string }>`SELECT code FROM organisations WHERE type IN ('cpam', 'caf') AND code <> 'cpam-83' ORDER BY code LIMIT 59`.execute(db)).rows.map((r) => r.code);
  orgs.push('cpam-83');
  if (database.kind === 'postgresql') await sql`SET session_replication_role = replica`.execute(db).catch(() => {});
  const STATUSES = ['a_contacter', 'offre_envoyee', 'a_rappeler', 'joint', 'rdv_pris', 'rdv_honore', 'refus', 'injoignable'];
  const insertContacts = async (from: number, to: number, org: string | null, programme: string | null, month: string | null) => sql`
    INSERT INTO contacts (organisation_code, programme, paquet_id, pseudonyme, champs, importe_le, echeance, periode, origine, appelable, statut, version)
    SELECT coalesce(${org}::text, (${orgs}::text[])[1 + (i % ${orgs.length})]),
      coalesce(${programme}::text, (${PROGRAMMES}::text[])[1 + ((i / ${orgs.length}) % ${PROGRAMMES.length})]),
      NULL, md5(i::text) || md5((i + 1)::text),
      jsonb_build_object('email', 'personne' || i || '@example.org', 'telephone', '06' || lpad((i % 100000000)::text, 8, '0'), 'code_postal', '83000'),
      now(), current_date + 90,
      coalesce(${month}::text, (${MONTHS}::text[])[1 + ((i / ${orgs.length * PROGRAMMES.length}) % ${MONTHS.length})]),
      'extrait', i % 5 <> 0, (${STATUSES}::text[])[1 + (i % ${STATUSES.length})], 0
    FROM generate_series(${from}::int, ${to}::int) AS i`.execute(db);
  if (existing < CONTACTS) {
    await sql`TRUNCATE contacts CASCADE`.execute(db);
    say(`Génération de ${CONTACTS} contacts (dont ${HOT} dans la cohorte cpam-83 / aidants / 2026-11)…`);
    const chunk = 200_000;
    for (let from = 1; from <= CONTACTS - HOT; from += chunk) {
      await insertContacts(from, Math.min(from + chunk - 1, CONTACTS - HOT), null, null, null);
    }
    await insertContacts(CONTACTS - HOT + 1, CONTACTS, 'cpam-83', 'aidants', '2026-11');
    say(`  contacts : ${seconds(started)}`);
  } else {
    say(`Contacts déjà présents (${existing}).`);
  }
  await sql`TRUNCATE evenements CASCADE`.execute(db);
  // Bulk load without the secondary indexes, then rebuild them exactly as the migrations define them (pg_indexes).
  const indexes = database.kind === 'postgresql'
    ? (await sql<{ indexname: string; indexdef: string }>`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'evenements' AND indexname <> 'evenements_pkey'`.execute(db)).rows
    : [];
  for (const i of indexes) await sql`DROP INDEX ${sql.ref(i.indexname)}`.execute(db);
  const eventsStarted = performance.now();
  say(`Génération de ${CONTACTS * EVENTS_PER_CONTACT} événements (${EVENTS_PER_CONTACT} par personne)…`);
  const ids = (await sql<{ lo: string; hi: string }>`SELECT min(id) AS lo, max(id) AS hi FROM contacts`.execute(db)).rows[0]!;
  const step = 200_000;
  for (let lo = Number(ids.lo); lo <= Number(ids.hi); lo += step) {
    // k = 1 offer e-mail; 2–4 calls (missed, then reached for two thirds); 5 accepted or refused; 6 appointment; 7 honoured
    // or not; 8 orientation; 9 accompaniment; 10 a last call
    await sql`
      INSERT INTO evenements (contact_id, organisation_code, programme, periode, code, detail, survenu_le, origine)
      SELECT c.id, c.organisation_code, c.programme, c.periode,
        CASE k
          WHEN 1 THEN CASE WHEN c.id % 7 = 0 THEN 'offre_email_echec' ELSE 'offre_email_envoyee' END
          WHEN 2 THEN 'appel_non_joint'
          WHEN 3 THEN CASE WHEN c.id % 3 = 0 THEN 'appel_non_joint' ELSE 'appel_joint' END
          WHEN 4 THEN CASE WHEN c.id % 11 = 0 THEN 'appel_faux_numero' ELSE 'appel_non_joint' END
          WHEN 5 THEN CASE WHEN c.id % 3 = 0 THEN 'offre_refusee' ELSE 'offre_acceptee' END
          WHEN 6 THEN 'rdv_pris'
          WHEN 7 THEN CASE WHEN c.id % 4 = 0 THEN 'rdv_non_honore' ELSE 'rdv_honore' END
          WHEN 8 THEN 'orientation'
          WHEN 9 THEN 'accompagnement_debute'
          ELSE 'appel_joint'
        END,
        CASE k WHEN 8 THEN 'service_social' WHEN 9 THEN 'misas' ELSE NULL END,
        (c.periode || '-05')::timestamptz + make_interval(days => k * 3), 'import'
      FROM contacts c CROSS JOIN generate_series(1, ${EVENTS_PER_CONTACT}) AS k
      WHERE c.id BETWEEN ${lo} AND ${lo + step - 1}`.execute(db);
    if ((lo - Number(ids.lo)) % 1_000_000 === 0 && lo !== Number(ids.lo)) say(`  … ${(lo - Number(ids.lo)) * EVENTS_PER_CONTACT} événements (${seconds(eventsStarted)})`);
  }
  say(`  événements : ${seconds(eventsStarted)}`);
  const indexing = performance.now();
  for (const i of indexes) await sql.raw(i.indexdef).execute(db);
  if (indexes.length) say(`  ${indexes.length} index des événements reconstruits : ${seconds(indexing)}`);
  if (database.kind === 'postgresql') await sql`SET session_replication_role = origin`.execute(db).catch(() => {});
  const analyse = performance.now();
  await sql`VACUUM ANALYZE contacts`.execute(db);
  await sql`VACUUM ANALYZE evenements`.execute(db);
  say(`  VACUUM ANALYZE : ${seconds(analyse)}`);
  const contacts = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM contacts`.execute(db)).rows[0]!.n);
  const events = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM evenements`.execute(db)).rows[0]!.n);
  return { contacts, events, seconds: Math.round((performance.now() - started) / 1000) };
}

// --- the load ----------------------------------------------------------------------------------------------------

/** Measured with the path only as its label (the port changes from run to run). */
async function load(url: string, cookie: string | null, duration: number): Promise<Measure> {
  const m = await measure(url, { method: 'GET', headers: cookie ? { cookie } : {} }, CONNECTIONS, duration);
  return { ...m, url: url.replace(/^http:\/\/127\.0\.0\.1:\d+/, '') };
}

const prepared = performance.now();
const { database, label, drop, url: databaseUrl } = await openBenchDatabase();
say(`Base : ${label}`);
let exitCode = 0;
try {
  await migrateToLatest(database.db);
  await ensureReferenceData(database.db);
  await ensureDemoAccounts(database.db);
  const volume = await fill(database);
  say(`Base prête en ${seconds(prepared)} : ${volume.contacts} contacts, ${volume.events} événements.`);

  const session = async (email: string) => {
    const row = await database.db.selectFrom('comptes').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    return `${SESSION_COOKIE}=${(await openSession(database.db, row.id)).token}`;
  };
  const agentCookie = await session('agent.ces83@passerelle.test');
  const pilotCookie = await session('pilote.cpam83@passerelle.test');

  const { app } = await buildServer(database, readConfig({ PASSERELLE_DEMO: '0', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) }), { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const appPort = (app.server.address() as { port: number }).port;
  const { bare, barePort } = await startBareServer((b) => { b.get('/bare', async () => ({ ok: true })); });

  const worklistPath = '/api/listes?organisation=cpam-83&programme=aidants&mois=2026-11&page=1';
  const funnelPath = '/api/indicateurs/entonnoir?organisation=cpam-83&programme=aidants&mois=2026-11';
  const worklistCheck = await app.inject({ method: 'GET', url: worklistPath, headers: { cookie: agentCookie } });
  const hasWorklist = worklistCheck.statusCode === 200;
  if (!hasWorklist) say(`⚠ La liste de travail répond ${worklistCheck.statusCode} : ${worklistCheck.body.slice(0, 200)} — mesurée quand même, à part.`);
  const funnelCheck = await app.inject({ method: 'GET', url: funnelPath, headers: { cookie: pilotCookie } });
  if (funnelCheck.statusCode !== 200) throw new Error(`l'entonnoir répond ${funnelCheck.statusCode} : ${funnelCheck.body}`);
  const funnelBody = funnelCheck.json() as { stages: { code: string; count: number }[] };
  // the generated hot cohort plus the few generic contacts that fall in the same organisation, programme and month
  const hotContacts = funnelBody.stages.find((st) => st.code === 'cibles')!.count;
  say(`Entonnoir de la cohorte chaude : ${funnelBody.stages.map((s) => `${s.code} ${s.count}`).join(', ')}`);

  // the funnel's SQL alone, as the planner runs it
  const explain = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, FORMAT TEXT) WITH personnes AS (
      SELECT e.contact_id, bool_or(e.code = 'rdv_honore') AS h, bool_or(e.code IN ('appel_non_joint','appel_faux_numero','appel_joint')) AS a
      FROM evenements e WHERE e.programme = 'aidants' AND e.periode BETWEEN '2026-11' AND '2026-11' AND e.organisation_code = ANY(ARRAY['cpam-83'])
      GROUP BY e.contact_id)
    SELECT count(*), count(*) FILTER (WHERE p.h), count(*) FILTER (WHERE c.appelable OR p.a)
    FROM contacts c LEFT JOIN personnes p ON p.contact_id = c.id
    WHERE c.programme = 'aidants' AND c.periode BETWEEN '2026-11' AND '2026-11' AND c.organisation_code = ANY(ARRAY['cpam-83'])`.execute(database.db);
  const plan = explain.rows.map((r) => r['QUERY PLAN']);
  const executionMs = Number(/Execution Time: ([\d.]+)/.exec(plan.join('\n'))?.[1] ?? NaN);
  say(`Requête de l'entonnoir seule : ${executionMs} ms (EXPLAIN ANALYZE)`);

  const bareUrl = `http://127.0.0.1:${barePort}/bare`;
  const worklistUrl = `http://127.0.0.1:${appPort}${worklistPath}`;
  const funnelUrl = `http://127.0.0.1:${appPort}${funnelPath}`;
  say(`Échauffement (${WARMUP} s par cible), puis ${ROUNDS} manches alternées de ${DURATION} s par cible, ${CONNECTIONS} connexions.`);
  await load(bareUrl, null, WARMUP);
  await load(worklistUrl, agentCookie, WARMUP);
  await load(funnelUrl, pilotCookie, WARMUP);
  const bareRounds: Measure[] = [];
  const worklistRounds: Measure[] = [];
  const funnelRounds: Measure[] = [];
  const funnelUncachedRounds: Measure[] = [];
  const liveCacheMs = indicatorSettings.liveCacheMs;
  for (let i = 1; i <= ROUNDS; i++) {
    bareRounds.push(await load(bareUrl, null, DURATION));
    say(`  manche ${i}, route Fastify nue (GET /bare)  : ${show(bareRounds.at(-1)!)}`);
    worklistRounds.push(await load(worklistUrl, agentCookie, DURATION));
    say(`  manche ${i}, liste de travail (page 1)      : ${show(worklistRounds.at(-1)!)}`);
    indicatorSettings.liveCacheMs = liveCacheMs;
    funnelRounds.push(await load(funnelUrl, pilotCookie, DURATION));
    say(`  manche ${i}, entonnoir (cache ${liveCacheMs / 1000} s)        : ${show(funnelRounds.at(-1)!)}`);
    indicatorSettings.liveCacheMs = 0;
    funnelUncachedRounds.push(await load(funnelUrl, pilotCookie, DURATION));
    say(`  manche ${i}, entonnoir (sans cache)         : ${show(funnelUncachedRounds.at(-1)!)}`);
  }
  indicatorSettings.liveCacheMs = liveCacheMs;
  const bareM = summary(bareRounds);
  const worklistM = summary(worklistRounds);
  const funnelM = summary(funnelRounds);
  const funnelUncachedM = summary(funnelUncachedRounds);
  const ratio = (m: ReturnType<typeof summary>) => Number((m.requestsPerSecond / bareM.requestsPerSecond).toFixed(4));
  say(`\nMédianes : route nue ${bareM.requestsPerSecond} req/s (p50 ${bareM.p50Ms} ms, p99 ${bareM.p99Ms} ms)`);
  say(`  liste de travail : ${worklistM.requestsPerSecond} req/s (p50 ${worklistM.p50Ms} ms, p99 ${worklistM.p99Ms} ms), ${(ratio(worklistM) * 100).toFixed(1)} % du débit de la route nue${hasWorklist ? '' : ' — RÉPONSES EN ERREUR, voir plus haut'}`);
  say(`  entonnoir        : ${funnelM.requestsPerSecond} req/s (p50 ${funnelM.p50Ms} ms, p99 ${funnelM.p99Ms} ms), ${(ratio(funnelM) * 100).toFixed(1)} % du débit de la route nue`);
  say(`  entonnoir sans cache : ${funnelUncachedM.requestsPerSecond} req/s (p50 ${funnelUncachedM.p50Ms} ms, p99 ${funnelUncachedM.p99Ms} ms), ${(ratio(funnelUncachedM) * 100).toFixed(1)} % du débit de la route nue`);
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    settings: { rounds: ROUNDS, roundSeconds: DURATION, warmupSeconds: WARMUP, connections: CONNECTIONS, loadGenerator: 'autocannon (1 worker thread)', database: label },
    volume: { ...volume, hotCohort: { organisation: 'cpam-83', programme: 'aidants', mois: '2026-11', contacts: hotContacts, events: hotContacts * EVENTS_PER_CONTACT } },
    funnelSqlMs: executionMs,
    bare: bareM,
    worklist: { available: hasWorklist, ...worklistM, ratioToBare: ratio(worklistM) },
    funnel: { liveCacheMs, ...funnelM, ratioToBare: ratio(funnelM) },
    funnelUncached: { ...funnelUncachedM, ratioToBare: ratio(funnelUncachedM) },
  };
  writeResult('worklist', result);
  if (funnelM.non2xx || funnelM.errors || funnelUncachedM.non2xx || funnelUncachedM.errors || (hasWorklist && (worklistM.non2xx || worklistM.errors))) exitCode = 1;
  await app.close();
  await bare.close();
} finally {
  await drop();
}
process.exitCode = exitCode;
