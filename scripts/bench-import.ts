/**
 * `npm run bench:import` — how fast a 1,000,000-row entity file imports, and that memory stays bounded.
 *
 * In one run:
 *   1. writes a 1,000,000-row entities CSV (scripts/demo-data.ts) to a temp file;
 *   2. imports it through the service on PostgreSQL (a fresh database made from DATABASE_URL, or
 *      postgres://root@127.0.0.1:5432/postgres), as a real HTTP upload to a listening app;
 *   3. the same on PGlite (a temp data directory);
 *   4. `psql \copy` of the same file into a plain table (no keys, no indexes) on the same PostgreSQL, and
 *      into a copy of the entities table (same primary key and indexes) — the floor for any import;
 * then prints rows/second, the ratio to psql, and the peak RSS of this process in each phase (the file
 * is ~150 MB: an import that held it would show). Options: --rows N (default 1000000), --keep (leave the
 * database and the file).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { openPglite, openPostgres, type Database } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig, UNLIMITED } from '../src/config.ts';
import { ENTITY_CSV_HEADER, generateEntities, toCsv } from './demo-data.ts';

const { values: opts } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false } } });
const N = Number(opts.rows);
const adminUrl = process.env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/postgres';
const dbName = `suicha_bench_import_${randomBytes(4).toString('hex')}`;
const ADMIN = `bench-${randomBytes(12).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'suicha-bench-import-'));
const file = join(dir, 'entities.csv');
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

/** Peak RSS while `fn` runs (sampled every 20 ms), with the RSS before it. */
async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; before: number; peak: number }> {
  global.gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const t0 = performance.now();
  try {
    const value = await fn();
    return { value, seconds: (performance.now() - t0) / 1000, before, peak: Math.max(peak, process.memoryUsage.rss()) };
  } finally {
    clearInterval(timer);
  }
}

async function writeFile() {
  const out = createWriteStream(file);
  let chunk = '';
  for (const line of toCsv(generateEntities({ count: N, seed: 'bench-import' }), ENTITY_CSV_HEADER)) {
    chunk += line;
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** Starts the service on `database` and times the upload of the file over HTTP (start-up not included). */
async function importThroughService(database: Database) {
  await runMigrations(database);
  const app = await buildApp({ config: { ...loadConfig({}), adminToken: ADMIN, logLevel: 'silent', ...UNLIMITED }, database, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = app.server.address() as AddressInfo;
    return await measure<{ imported: number; updated: number }>(
      () =>
        new Promise((resolve, reject) => {
          const req = request(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: '/api/v1/entities/import',
              headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'text/csv', 'content-length': statSync(file).size },
            },
            (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (c) => (body += c));
              res.on('end', () =>
                res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${res.statusCode} ${body.slice(0, 500)}`)),
              );
            },
          );
          req.on('error', reject);
          createReadStream(file).pipe(req);
        }),
    );
  } finally {
    await app.close();
  }
}

function psqlCopy(url: string, table: string): number {
  const t0 = performance.now();
  const columns = ENTITY_CSV_HEADER.join(', ');
  const res = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qc', `\\copy ${table} (${columns}) FROM '${file}' WITH (FORMAT csv, HEADER true)`], {
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`psql failed: ${res.stderr}`);
  return (performance.now() - t0) / 1000;
}

const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
try {
  const gen = await measure(writeFile);
  const size = statSync(file).size;
  console.log(`generated ${N} rows, ${mb(size)}, in ${gen.seconds.toFixed(1)} s → ${file}`);

  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  const pgDatabase = await openPostgres(url.toString());
  const onPostgres = await importThroughService(pgDatabase);
  await pgDatabase.close();

  const dataDir = join(dir, 'pglite');
  const pglite = await openPglite(dataDir);
  const onPglite = await importThroughService(pglite);
  await pglite.close();

  const bench = postgres(url.toString(), { max: 1, onnotice: () => {} });
  await bench.unsafe(`CREATE TABLE bench_copy_plain (id text, name text, type text, region text, industry text, address text, status text)`);
  await bench.unsafe(`CREATE TABLE bench_copy_indexed (LIKE entities INCLUDING ALL)`);
  await bench.end();
  const plain = psqlCopy(url.toString(), 'bench_copy_plain');
  const indexed = psqlCopy(url.toString(), 'bench_copy_indexed');

  for (const [what, r] of [
    ['PostgreSQL', onPostgres],
    ['PGlite', onPglite],
  ] as const) {
    if (r.value.imported + r.value.updated !== N) throw new Error(`${what}: ${JSON.stringify(r.value)}, expected ${N} rows`);
  }
  const rate = (s: number) => Math.round(N / s);
  const line = (label: string, s: number, extra = '') =>
    console.log(`${label.padEnd(44)} ${s.toFixed(1).padStart(6)} s ${String(rate(s)).padStart(9)} rows/s   ${(s / plain).toFixed(2)} × psql${extra}`);
  console.log(`\n${N} rows, ${mb(size)} (rows/s; time as a multiple of psql \\copy into a plain table)`);
  line('service on PostgreSQL (HTTP upload)', onPostgres.seconds, `   peak RSS ${mb(onPostgres.peak)} (before ${mb(onPostgres.before)})`);
  line('service on PGlite (HTTP upload, data dir)', onPglite.seconds, `   peak RSS ${mb(onPglite.peak)} (before ${mb(onPglite.before)})`);
  line('psql \\copy into a plain table', plain);
  line('psql \\copy into a copy of entities (keys, indexes)', indexed);
  console.log(`peak RSS of this process over the whole run: ${mb(process.resourceUsage().maxRSS * 1024)}`);
} finally {
  if (opts.keep) console.log(`kept database ${dbName} and ${dir}`);
  else {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
  await admin.end();
}
