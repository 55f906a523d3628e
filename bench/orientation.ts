/**
 * npm run bench:orientation — throughput and p99 latency of POST /api/orientation/separation under concurrent load,
 * against a bare Fastify route in the same run (same machine, same load generator). Writes bench/results/orientation.json.
 *
 * Both servers run in this process on random loopback ports; autocannon runs in a worker thread so that the load
 * generator does not share the servers' event loop. The two targets are measured in alternating rounds (bare, then
 * orientation, three times) so that a change of load on a shared machine affects both alike; the medians are reported.
 * Settings: BENCH_ROUNDS (default 3), BENCH_ROUND_SECONDS (default 5, so 15 s measured per target), BENCH_CONNECTIONS (50).
 */
import { readConfig } from '../src/config.ts';
import { migrateToLatest, openDatabase } from '../src/db/index.ts';
import { buildServer } from '../src/server/app.ts';
import { ensureReferenceData } from '../src/territories/index.ts';
import { load as measure, machine, say, show, startBareServer, summary, writeResult, type Measure } from './support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = Number(process.env.BENCH_ROUND_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WARMUP = 2;
const BODY = JSON.stringify({ reponses: { codePostal: '83000', enfants: 'chez_moi', pension: 'impayee', ressources: 'aucune', logement: 'demenage' } });
const load = (url: string, duration: number) => measure(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY }, CONNECTIONS, duration);

say('Préparation de la base embarquée (PGlite en mémoire, référentiel des territoires)…');
const started = performance.now();
const database = await openDatabase({});
await migrateToLatest(database.db);
await ensureReferenceData(database.db);
say(`  prête en ${((performance.now() - started) / 1000).toFixed(1)} s`);

const { app } = await buildServer(database, readConfig({ PASSERELLE_DEMO: '0' }), { logger: false });
await app.listen({ port: 0, host: '127.0.0.1' });
const appPort = (app.server.address() as { port: number }).port;

const check = await app.inject({ method: 'POST', url: '/api/orientation/separation', headers: { 'content-type': 'application/json' }, payload: BODY });
if (check.statusCode !== 200) throw new Error(`la route répond ${check.statusCode} : ${check.body}`);
const sameSize = check.rawPayload;

// Control: a bare route, and one sending bytes of the same size as the orientation answer (what the payload alone costs).
const { bare, barePort } = await startBareServer((b) => {
  b.post('/bare', async () => ({ ok: true }));
  b.post('/bare-meme-taille', async (_request, reply) => reply.type('application/json; charset=utf-8').send(sameSize));
});

try {
  const bareUrl = `http://127.0.0.1:${barePort}/bare`;
  const sameSizeUrl = `http://127.0.0.1:${barePort}/bare-meme-taille`;
  const orientationUrl = `http://127.0.0.1:${appPort}/api/orientation/separation`;
  say(`Échauffement (${WARMUP} s par cible), puis ${ROUNDS} manches alternées de ${DURATION} s par cible, ${CONNECTIONS} connexions.`);
  for (const url of [bareUrl, sameSizeUrl, orientationUrl]) await load(url, WARMUP);
  const bareRounds: Measure[] = [];
  const sameSizeRounds: Measure[] = [];
  const orientationRounds: Measure[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    bareRounds.push(await load(bareUrl, DURATION));
    say(`  manche ${i}, route Fastify nue (POST /bare)          : ${show(bareRounds.at(-1)!)}`);
    orientationRounds.push(await load(orientationUrl, DURATION));
    say(`  manche ${i}, POST /api/orientation/separation      : ${show(orientationRounds.at(-1)!)}`);
    sameSizeRounds.push(await load(sameSizeUrl, DURATION));
    say(`  manche ${i}, témoin : route nue, réponse même taille : ${show(sameSizeRounds.at(-1)!)}`);
  }
  const bareMeasure = summary(bareRounds);
  const sameSizeMeasure = summary(sameSizeRounds);
  const orientation = summary(orientationRounds);
  const ratioSameSize = orientation.requestsPerSecond / sameSizeMeasure.requestsPerSecond;
  const ratio = orientation.requestsPerSecond / bareMeasure.requestsPerSecond;
  const ratios = orientationRounds.map((r, i) => Number((r.requestsPerSecond / bareRounds[i]!.requestsPerSecond).toFixed(3)));
  say(`\nMédianes : route nue ${bareMeasure.requestsPerSecond} req/s (p99 ${bareMeasure.p99Ms} ms), orientation ${orientation.requestsPerSecond} req/s (p99 ${orientation.p99Ms} ms).`);
  say(`Rapport orientation / route nue : ${(ratio * 100).toFixed(0)} % du débit (par manche : ${ratios.map((r) => `${(r * 100).toFixed(0)} %`).join(', ')}) ; objectif au moins 50 % ${ratio >= 0.5 ? '✔' : '✘'}`);
  say(`Témoin : une route nue qui envoie ${sameSize.length} octets fait ${sameSizeMeasure.requestsPerSecond} req/s ; l'orientation en fait ${(ratioSameSize * 100).toFixed(0)} %.`);
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    settings: { rounds: ROUNDS, roundSeconds: DURATION, warmupSeconds: WARMUP, connections: CONNECTIONS, loadGenerator: 'autocannon (1 worker thread)', database: 'pglite (in-memory)' },
    bare: bareMeasure,
    orientation,
    controlSameSizePayload: sameSizeMeasure,
    ratio: Number(ratio.toFixed(3)),
    ratioToSameSizePayload: Number(ratioSameSize.toFixed(3)),
    ratiosPerRound: ratios,
    objectiveMet: ratio >= 0.5,
  };
  writeResult('orientation', result);
  if (orientation.non2xx || orientation.errors) process.exitCode = 1;
} finally {
  await app.close();
  await bare.close();
  await database.close();
}
