/**
 * What the database-backed rate limit costs per request: the same public route (GET /public/v1/ledger/head, one
 * small query) served with the public limit off and on (a limit high enough never to answer 429), sequentially
 * and 10 at a time, through app.inject (no network), on PGlite or, with DATABASE_URL, on a fresh PostgreSQL
 * database (dropped afterwards). Also the bare counter: one UPSERT of the repository. Prints means in ms.
 *
 *   npm run bench:rate-limit [-- --requests 2000]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { loadConfig } from '../src/config.ts';
import { openPglite, openPostgres, type Database } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createRateLimitRepository } from '../src/domain/ratelimit/repository.ts';
import { buildApp } from '../src/app.ts';

const { values: args } = parseArgs({ options: { requests: { type: 'string', default: '2000' } } });
const N = Number(args.requests);
const URL_PATH = '/public/v1/ledger/head';

async function withDatabase<T>(fn: (database: Database) => Promise<T>): Promise<T> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const database = await openPglite(null);
    await runMigrations(database);
    try {
      return await fn(database);
    } finally {
      await database.close();
    }
  }
  const name = `suicha_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.toString());
  try {
    await runMigrations(database);
    return await fn(database);
  } finally {
    await database.close();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function timeRequests(database: Database, rateLimitPublic: number, concurrency: number): Promise<number> {
  const config = { ...loadConfig({}), logLevel: 'silent', rateLimitPublic, maxEventLoopDelayMs: 0, maxHeapBytes: 0, maxRssBytes: 0 };
  const app = await buildApp({ config, database, logger: false });
  await app.ready();
  try {
    const one = async (i: number) => {
      // 100 client addresses, as from many clients (one row each).
      const res = await app.inject({ method: 'GET', url: URL_PATH, remoteAddress: `10.0.${i % 100}.1` });
      if (res.statusCode !== 200) throw new Error(`${URL_PATH}: ${res.statusCode} ${res.body}`);
    };
    for (let i = 0; i < 200; i++) await one(i); // warm-up
    const start = performance.now();
    for (let i = 0; i < N; i += concurrency) await Promise.all(Array.from({ length: concurrency }, (_, k) => one(i + k)));
    return (performance.now() - start) / N;
  } finally {
    await app.close();
  }
}

await withDatabase(async (database) => {
  const repo = createRateLimitRepository(database.db);
  for (let i = 0; i < 200; i++) await repo.hit(`warm:${i % 100}`, 60_000);
  let start = performance.now();
  for (let i = 0; i < N; i++) await repo.hit(`bench:${i % 100}`, 60_000);
  const upsert = (performance.now() - start) / N;
  start = performance.now();
  for (let i = 0; i < N; i++) await repo.read(`bench:${i % 100}`);
  const read = (performance.now() - start) / N;
  console.log(`${database.kind}: ${N} requests each; the counter alone: UPSERT ${upsert.toFixed(3)} ms, read ${read.toFixed(3)} ms`);
  for (const concurrency of [1, 10]) {
    // Off, on, off, on: the machine is shared, so each figure is the lower of two runs.
    const off = Math.min(await timeRequests(database, 0, concurrency), await timeRequests(database, 0, concurrency));
    const on = Math.min(await timeRequests(database, 1_000_000, concurrency), await timeRequests(database, 1_000_000, concurrency));
    console.log(
      `${database.kind}, ${concurrency} at a time: limit off ${off.toFixed(3)} ms/request, on ${on.toFixed(3)} ms/request: ` +
        `+${(on - off).toFixed(3)} ms (${((on / off - 1) * 100).toFixed(0)}%)`,
    );
  }
});
