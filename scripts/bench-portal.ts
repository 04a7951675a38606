/**
 * `npm run bench:portal`: how fast the public portal serves its pages, against a bare Fastify "hello".
 *
 * The servers run in a child process (this script with --serve): the service on a fresh database (PGlite in a
 * temp dir, or a fresh database on the PostgreSQL server of DATABASE_URL, dropped afterwards) with a drawn plan
 * of 500 entities, every one drawn, every result entered and published — all made through the management
 * API — and beside it a bare Fastify app with one "hello" route. The parent runs autocannon against each on
 * loopback with the same duration and connections, so the load generator does not share an event loop with
 * the servers, and prints requests/second, p99 latency and the ratios.
 *
 *   npm run bench:portal -- [--duration 10] [--connections 10] [--entities 500]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import postgres from 'postgres';
import autocannon from 'autocannon';
import { loadConfig, UNLIMITED } from '../src/config.ts';
import { openPglite, openPostgres, type Database } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { buildApp } from '../src/app.ts';
import { seedPortalScenario, type FixtureApi } from '../test/portal-fixture.ts';

const { values: args } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    entities: { type: 'string', default: '500' },
  },
});

interface Ready {
  portal: string;
  hello: string;
  planId: string;
  entityId: string;
  database: string;
  tasks: number;
  published: number;
  seedMs: number;
}

/** Child: open a database, seed it through the API, serve the portal and the bare app until stdin closes. */
async function serve() {
  const started = performance.now();
  let database: Database;
  let cleanup: () => Promise<void>;
  let described: string;
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    const name = `suicha_bench_${randomBytes(5).toString('hex')}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    database = await openPostgres(url.toString());
    described = `PostgreSQL (${url.host}, fresh database ${name}, dropped afterwards)`;
    cleanup = async () => {
      await database.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'suicha-bench-'));
    database = await openPglite(dir);
    described = `PGlite (embedded, data in ${dir}, removed afterwards)`;
    cleanup = async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  await runMigrations(database);
  const adminToken = randomBytes(24).toString('hex');
  const app = await buildApp({ config: { ...loadConfig({}), adminToken, logLevel: 'silent', ...UNLIMITED }, database, logger: false });
  await app.ready();
  const api: FixtureApi = async (method, path, o = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${adminToken}` };
    let payload: string | undefined;
    if (o.body !== undefined) {
      payload = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      headers['content-type'] = o.contentType ?? (typeof o.body === 'string' ? 'text/csv' : 'application/json');
    }
    const res = await app.inject({ method, url: path, headers, payload });
    return { statusCode: res.statusCode, body: res.body, json: () => res.json() };
  };
  const entities = Number(args.entities);
  // Every entity drawn (100 %) and every result published: the plan page at its heaviest.
  const all = { A: 10000, B: 10000, C: 10000, D: 10000 };
  const s = await seedPortalScenario(api, { entities, results: entities, ratiosBp: all, inspectors: 12 });
  // Fresh planner statistics, as PostgreSQL's autovacuum would have them by now (PGlite has no autovacuum).
  await database.rawTransaction((tx) => tx.query('ANALYZE'));
  const seedMs = performance.now() - started;
  const portal = await app.listen({ host: '127.0.0.1', port: 0 });

  const bare = Fastify({ logger: false });
  bare.get('/hello', async () => 'hello');
  const hello = await bare.listen({ host: '127.0.0.1', port: 0 });

  const ready: Ready = {
    portal,
    hello: `${hello}/hello`,
    planId: s.drawnPlanId,
    entityId: s.tasks[0].entityId,
    database: described,
    tasks: s.tasks.length,
    published: s.publishedTaskIds.length,
    seedMs,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  // The parent closes our stdin when it is done (or dies): then shut down and clean up.
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await bare.close();
    await app.close();
    await cleanup();
    process.exit(0);
  });
}

interface Measured {
  name: string;
  url: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  bytes: number;
}

async function measure(name: string, url: string, duration: number, connections: number): Promise<Measured> {
  // A short warm-up (JIT, caches, the verifier bundle) that is not counted.
  await autocannon({ url, connections, duration: 2 });
  const r = await autocannon({ url, connections, duration });
  return {
    name,
    url,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    bytes: r.throughput.average / Math.max(1, r.requests.average),
  };
}

async function main() {
  const duration = Number(args.duration);
  const connections = Number(args.connections);
  if (!(duration > 0 && duration <= 120) || !(connections > 0 && connections <= 200)) {
    throw new Error('--duration must be 1–120 seconds and --connections 1–200');
  }
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve', '--entities', String(args.entities)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: process.env,
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(JSON.parse(line) as Ready));
    child.once('exit', (code) => reject(new Error(`the server process exited (${code}) before it was ready`)));
  });
  console.log(`database: ${ready.database}`);
  console.log(
    `seeded through the API in ${(ready.seedMs / 1000).toFixed(1)} s: plan ${ready.planId}, ${args.entities} entities, ` +
      `${ready.tasks} drawn, ${ready.published} results published; then ANALYZE`,
  );
  console.log(`autocannon: ${duration} s, ${connections} connections, loopback, after a 2 s warm-up each; servers in a child process`);
  console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} CPUs\n`);
  try {
    const results: Measured[] = [];
    results.push(await measure('bare Fastify GET /hello', ready.hello, duration, connections));
    results.push(await measure(`portal GET /plans/${ready.planId}`, `${ready.portal}/plans/${ready.planId}`, duration, connections));
    results.push(await measure('portal GET / (plans list)', `${ready.portal}/`, duration, connections));
    results.push(await measure('portal GET /entities/{id}', `${ready.portal}/entities/${ready.entityId}`, duration, connections));
    const hello = results[0];
    const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - [...s].length));
    console.log(
      `${pad('target', 34)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('KiB/resp', 10)}${pad('non-2xx', 9)}${pad('rps ratio', 11)}p99 ratio`,
    );
    for (const r of results) {
      console.log(
        pad(r.name, 34) +
          pad(r.rps.toFixed(0), 10) +
          pad(String(r.p50), 9) +
          pad(String(r.p99), 9) +
          pad((r.bytes / 1024).toFixed(1), 10) +
          pad(String(r.non2xx + r.errors), 9) +
          pad(r === hello ? '1' : `1/${(hello.rps / r.rps).toFixed(1)}`, 11) +
          (r === hello ? '1' : `${(r.p99 / Math.max(1, hello.p99)).toFixed(1)}×`),
      );
    }
    if (results.some((r) => r.non2xx + r.errors > 0)) {
      console.error('\nsome responses were not 2xx: the figures are not valid');
      process.exitCode = 1;
    }
  } finally {
    child.stdin!.end();
    await new Promise((r) => child.once('exit', r));
  }
}

if (args.serve) {
  serve().catch((err) => {
    console.error('bench server failed:', err);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error('bench:portal failed:', err);
    process.exit(1);
  });
}
