/**
 * What the HTTP benchmarks share: one autocannon measurement (in a worker thread), the median summary of
 * alternating rounds, a one-line French display, the machine description, the bare Fastify control
 * server, and writing bench/results/<name>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import autocannon from 'autocannon';
import Fastify, { type FastifyInstance } from 'fastify';

export const say = (m: string) => process.stdout.write(`${m}\n`);

export interface Measure { url: string; requestsPerSecond: number; p50Ms: number; p99Ms: number; requests: number; errors: number; non2xx: number; bytesPerResponse: number }

export interface LoadRequest { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }

/** One autocannon run against `url` for `duration` seconds with `connections` connections. */
export async function load(url: string, request: LoadRequest, connections: number, duration: number): Promise<Measure> {
  const r = await autocannon({
    url, method: request.method, headers: request.headers ?? {}, ...(request.body === undefined ? {} : { body: request.body }),
    connections, duration, workers: 1,
  });
  return {
    url,
    requestsPerSecond: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    bytesPerResponse: r.requests.total ? Math.round(r.throughput.total / r.requests.total) : 0,
  };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export const show = (m: Measure) => `${m.requestsPerSecond} req/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, ${m.non2xx} hors 2xx, ${m.errors} erreurs, ${m.bytesPerResponse} octets/réponse`;

/** The medians of a target's rounds (totals for counts), with the rounds themselves. */
export function summary(rounds: Measure[]) {
  return {
    url: rounds[0]!.url,
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    requests: rounds.reduce((n, r) => n + r.requests, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    bytesPerResponse: rounds[0]!.bytesPerResponse,
    rounds,
  };
}

export function machine() {
  return { node: process.version, platform: `${platform()} ${release()}`, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'inconnu' };
}

/** The control: a bare Fastify server on a random loopback port, with the routes `setup` adds. */
export async function startBareServer(setup: (app: FastifyInstance) => void): Promise<{ bare: FastifyInstance; barePort: number }> {
  const bare = Fastify({ logger: false });
  setup(bare);
  await bare.listen({ port: 0, host: '127.0.0.1' });
  return { bare, barePort: (bare.server.address() as { port: number }).port };
}

/** Writes bench/results/<name>.json and says so. */
export function writeResult(name: string, result: unknown): void {
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  say(`Résultats écrits dans bench/results/${name}.json`);
}
