/**
 * `npm run bench:public-memory` — what ten concurrent anonymous requests for the biggest public resources of a
 * 100,000-task plan cost the service in memory (issue 10: target ≤ 200 MB of peak RSS growth).
 *
 * Builds a fresh database (PGlite in a temp dir, or with DATABASE_URL a fresh database on that PostgreSQL
 * server, dropped afterwards): 100,000 entities, 300 inspectors and their grades loaded with SQL
 * (generate_series), then a plan that draws every entity (100 % per grade: 100,000 tasks of 4 inspectors)
 * committed and drawn through the management API in this process. Then it starts the real server
 * (`node --import tsx src/server.ts`) in a child process on that database, lets it settle, and fires, one
 * resource after the other, 10 concurrent anonymous requests at:
 *   - the plan record   GET /public/v1/plans/{id}            (header + first task page)
 *   - its task pages    GET /public/v1/plans/{id}/tasks?cursor=  (10 concurrent walkers over all 100 pages)
 *   - the download      GET /public/v1/plans/{id}/record.json (the whole public record, ~20 MB, streamed)
 *   - the draw's entry  GET /public/v1/ledger/{seq}          (a ~15 MB body, streamed)
 *   - the ledger page   GET /public/v1/ledger?from=1&limit=1000
 *   - the portal page   GET /plans/{id}
 * Every response is read to its end (and counted, not kept). The child's RSS is sampled from /proc every
 * 10 ms; the figures are the baseline (settled, before the first request), the peak during each resource's
 * burst and overall, and the growth = peak − baseline, against the target. The public rate limit is switched
 * off (SUICHA_RATE_LIMIT_PUBLIC=0), and so is load shedding on event-loop delay (SUICHA_MAX_EVENT_LOOP_DELAY_MS=0: on
 * PGlite the queries run on the event loop), so that every request is served: this measures memory, not the limiters.
 *
 *   npm run bench:public-memory -- [--tasks 100000] [--concurrency 10] [--keep]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { openPglite, openPostgres, type Database } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const { values: opts } = parseArgs({
  options: {
    tasks: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(opts.tasks);
const C = Number(opts.concurrency);
if (!Number.isInteger(N) || N < 1000 || !Number.isInteger(C) || C < 1 || C > 100) throw new Error('--tasks ≥ 1000, --concurrency 1–100');
const TARGET_MB = 200;
const root = fileURLToPath(new URL('..', import.meta.url));
const token = `bench-${randomBytes(16).toString('hex')}`;
const mb = (bytes: number) => bytes / 1024 / 1024;
const fmt = (bytes: number) => `${mb(bytes).toFixed(0)} MB`;
const sec = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

/** A database to build the plan in, and how the server child reaches it. */
async function freshDatabase(): Promise<{ database: Database; env: Record<string, string>; described: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    const name = `suicha_bench_${randomBytes(4).toString('hex')}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      database: await openPostgres(url.toString()),
      env: { DATABASE_URL: url.toString() },
      described: `PostgreSQL (${url.host}, fresh database ${name}${opts.keep ? ', kept' : ', dropped afterwards'})`,
      drop: async () => {
        if (!opts.keep) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'suicha-bench-memory-'));
  return {
    database: await openPglite(dir),
    env: { SUICHA_DATA_DIR: dir },
    described: `PGlite (embedded in the server process, data in ${dir}${opts.keep ? ', kept' : ', removed afterwards'})`,
    drop: async () => {
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Loads the directories with SQL, then commits and draws a plan of every entity through the API. */
async function buildPlan(database: Database): Promise<{ planId: string; drawSeq: number; tasks: number }> {
  await runMigrations(database);
  const app = await buildApp({ config: { ...loadConfig({}), adminToken: token, logLevel: 'silent' }, database, logger: false });
  await app.ready();
  const inject = async (method: 'GET' | 'POST', url: string, body?: object) => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 500)}`);
    return res;
  };
  try {
    await database.rawTransaction(async (tx) => {
      await tx.query(`INSERT INTO departments (code, name) VALUES ('SCJG', '市场监督管理局'), ('WJW', '卫生健康委员会')`);
      await tx.query(`INSERT INTO items (code, name, department_code, grade_scheme) VALUES
        ('SCJG-ZL', '产品质量抽查', 'SCJG', 'credit-4'), ('WJW-GW', '公共场所卫生检查', 'WJW', 'credit-4')`);
      // USCC-like ids in random order, realistic names (the public record lists every drawn entity's name).
      await tx.query(`INSERT INTO entities (id, name, type, region, industry)
        SELECT '9150' || upper(substr(md5(i::text), 1, 8)) || lpad(i::text, 6, '0'), '重庆市渝北区第' || i || '号商贸有限责任公司', 'company',
               '5001' || lpad((1 + i % 20)::text, 2, '0'), 'F52'
          FROM generate_series(1, ${N}) AS i`);
      await tx.query(`INSERT INTO current_grades (entity_id, scheme, grade, evaluated_at)
        SELECT id, 'credit-4', (ARRAY['A', 'B', 'C', 'D'])[1 + abs(hashtext(id)) % 4], now() FROM entities`);
      await tx.query(`INSERT INTO inspectors (id, name, department_code, certificate_no)
        SELECT 'SJ-' || lpad(i::text, 4, '0'), '检查员' || i, 'SCJG', 'C' || i FROM generate_series(1, 200) AS i
        UNION ALL
        SELECT 'WJ-' || lpad(i::text, 4, '0'), '检查员' || i, 'WJW', 'W' || i FROM generate_series(1, 100) AS i`);
    });
    await database.rawTransaction((tx) => tx.query('ANALYZE'));
    const plan = await inject('POST', '/api/v1/plans', {
      title: '十万级公开记录内存基准',
      items: ['SCJG-ZL', 'WJW-GW'],
      gradeScheme: 'credit-4',
      ratiosBp: { A: 10000, B: 10000, C: 10000, D: 10000 },
      inspectorsPerTask: { SCJG: 2, WJW: 2 },
      entropySource: 'bench',
    });
    const planId = plan.json().id as string;
    // later than the commit, which reads and hashes the whole pool (tens of seconds for 100k on PGlite)
    const entropyAt = new Date(Date.now() + Math.max(5000, N * 0.4)).toISOString();
    await inject('POST', `/api/v1/plans/${planId}/commit`, { entropyAt });
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(entropyAt) - Date.now() + 5)));
    const drawn = await inject('POST', `/api/v1/plans/${planId}/draw`, { publicEntropy: 'bench 6 2 5 3 1' });
    const tasks = (JSON.parse(drawn.body).tasks as unknown[]).length;
    // the plan record lists its ledger entries without bodies (a ledger page would stop at the big draw body)
    const record = (await inject('GET', `/public/v1/plans/${planId}?limit=1`)).json() as { ledger: Array<{ seq: number; kind: string }> };
    const drawSeq = record.ledger.find((e) => e.kind === 'plan.drawn')!.seq;
    return { planId, drawSeq, tasks };
  } finally {
    await app.close();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The child's resident set, from /proc (Linux), in bytes. */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Samples a process's RSS every 10 ms; `peak()` since the last reset. */
function sampler(pid: number) {
  let peak = 0;
  let all = 0;
  const tick = () => {
    try {
      const r = rssOf(pid);
      peak = Math.max(peak, r);
      all = Math.max(all, r);
    } catch {
      // the process is gone
    }
  };
  const timer = setInterval(tick, 10);
  return {
    reset: () => {
      tick();
      const p = peak;
      peak = 0;
      return p;
    },
    peak: () => {
      tick();
      return peak;
    },
    overall: () => all,
    stop: () => clearInterval(timer),
  };
}

async function startServer(env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SUICHA_ADMIN_TOKEN: token,
      SUICHA_RATE_LIMIT_PUBLIC: '0',
      // PGlite runs its queries on the event loop: load shedding (503) would spare the service the very requests measured
      SUICHA_MAX_EVENT_LOOP_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
    },
  });
  child.stdout!.resume();
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`);
    try {
      if ((await fetch(`${base}/health`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not start within 60 s');
}

/** GET, reading the body to its end without keeping it; the bytes read. */
async function drain(url: string): Promise<{ status: number; bytes: number; text?: string }> {
  const res = await fetch(url, { headers: { accept: 'application/json, text/html' } });
  let bytes = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
  }
  return { status: res.status, bytes };
}

interface Burst {
  name: string;
  requests: number;
  failed: number;
  /** status → count of the failed ones */
  statuses: Record<string, number>;
  bytes: number;
  peak: number;
  ms: number;
}

async function main() {
  console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} CPUs`);
  const t0 = performance.now();
  const { database, env, described, drop } = await freshDatabase();
  console.log(`database: ${described}`);
  let built: Awaited<ReturnType<typeof buildPlan>>;
  try {
    built = await buildPlan(database);
  } catch (err) {
    await database.close();
    await drop();
    throw err;
  }
  await database.close();
  const { planId, drawSeq, tasks } = built;
  console.log(`built in ${sec(t0)}: plan ${planId}, ${tasks} tasks drawn (every one of ${N} entities, 4 inspectors each), draw entry #${drawSeq}`);

  const port = await freePort();
  const child = await startServer(env, port);
  const base = `http://127.0.0.1:${port}`;
  const rss = sampler(child.pid!);
  try {
    // Settle: the first request of each route compiles its serializers; then let the collector run.
    await drain(`${base}/public/v1/plans/${planId}?limit=1`);
    await drain(`${base}/public/v1/ledger?from=1&limit=1`);
    await new Promise((r) => setTimeout(r, 3000));
    const baseline = rssOf(child.pid!);
    rss.reset();
    console.log(`server: node --import tsx src/server.ts (pid ${child.pid}), rate limit and load shedding off; baseline RSS ${fmt(baseline)}`);

    // The task pages' cursors, walked once beforehand so that the burst fetches every page concurrently.
    const cursors: Array<string | null> = [null];
    for (let next: string | null = null; ; ) {
      const page = (await (await fetch(`${base}/public/v1/plans/${planId}/tasks${next ? `?cursor=${next}` : ''}`)).json()) as { next: string | null };
      if (page.next === null) break;
      next = page.next;
      cursors.push(next);
    }
    await new Promise((r) => setTimeout(r, 1000));
    rss.reset();

    const bursts: Burst[] = [];
    const burst = async (name: string, urls: string[]) => {
      const started = performance.now();
      let next = 0;
      let failed = 0;
      let bytes = 0;
      const statuses: Record<string, number> = {};
      // C workers, each taking the next URL: at most C requests in flight.
      await Promise.all(
        Array.from({ length: Math.min(C, urls.length) }, async () => {
          while (next < urls.length) {
            const r = await drain(urls[next++]);
            if (r.status !== 200) {
              failed++;
              statuses[r.status] = (statuses[r.status] ?? 0) + 1;
            }
            bytes += r.bytes;
          }
        }),
      );
      bursts.push({ name, requests: urls.length, failed, statuses, bytes, peak: rss.reset(), ms: performance.now() - started });
      // let the collector catch up between resources, as between independent bursts
      await new Promise((r) => setTimeout(r, 1500));
      rss.reset();
    };
    const times = (url: string) => Array.from({ length: C }, () => url);
    await burst('GET /public/v1/plans/{id} (header + 1st page)', times(`${base}/public/v1/plans/${planId}`));
    await burst(
      `GET …/tasks?cursor= (all ${cursors.length} pages)`,
      cursors.map((c) => `${base}/public/v1/plans/${planId}/tasks${c ? `?cursor=${c}` : ''}`),
    );
    await burst('GET …/record.json (whole record)', times(`${base}/public/v1/plans/${planId}/record.json`));
    await burst(`GET /public/v1/ledger/${drawSeq} (draw entry)`, times(`${base}/public/v1/ledger/${drawSeq}`));
    await burst('GET /public/v1/ledger?from=1&limit=1000', times(`${base}/public/v1/ledger?from=1&limit=1000`));
    await burst(`GET /public/v1/ledger?from=${drawSeq} (page of the draw)`, times(`${base}/public/v1/ledger?from=${drawSeq}&limit=1000`));
    await burst('GET /plans/{id} (portal page)', times(`${base}/plans/${planId}`));
    await burst('all of the above at once', [
      `${base}/public/v1/plans/${planId}`,
      `${base}/public/v1/plans/${planId}/record.json`,
      `${base}/public/v1/plans/${planId}/record.json`,
      `${base}/public/v1/ledger/${drawSeq}`,
      `${base}/public/v1/ledger/${drawSeq}`,
      `${base}/public/v1/ledger?from=${drawSeq}&limit=1000`,
      `${base}/plans/${planId}`,
      ...cursors.slice(0, 3).map((c) => `${base}/public/v1/plans/${planId}/tasks${c ? `?cursor=${c}` : ''}`),
    ]);

    const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - [...s].length));
    console.log(`\n${C} concurrent anonymous requests per resource, each body read to its end:`);
    console.log(`${pad('resource', 48)}${pad('requests', 10)}${pad('MB/resp', 9)}${pad('time', 8)}${pad('peak RSS', 10)}growth`);
    for (const b of bursts) {
      console.log(
        pad(b.name, 48) +
          pad(`${b.requests}${b.failed ? ` (${b.failed} failed)` : ''}`, 10) +
          ' ' +
          pad(mb(b.bytes / b.requests).toFixed(2), 9) +
          pad(`${(b.ms / 1000).toFixed(1)} s`, 8) +
          pad(fmt(b.peak), 10) +
          `${mb(b.peak - baseline).toFixed(0)} MB`,
      );
    }
    const peak = Math.max(...bursts.map((b) => b.peak));
    const growth = peak - baseline;
    console.log(`\nbaseline RSS ${fmt(baseline)}, peak RSS ${fmt(peak)}, growth ${mb(growth).toFixed(0)} MB`);
    console.log(
      `peak RSS growth = ${mb(growth).toFixed(0)} MB = ${(mb(growth) / TARGET_MB).toFixed(2)} × target (≤ ${TARGET_MB} MB): ${growth <= TARGET_MB * 1024 * 1024 ? 'MET' : 'NOT MET'}`,
    );
    if (bursts.some((b) => b.failed > 0)) {
      console.error(
        `some requests failed: ${bursts
          .filter((b) => b.failed > 0)
          .map((b) => `${b.name}: ${JSON.stringify(b.statuses)}`)
          .join('; ')}`,
      );
      process.exitCode = 1;
    } else if (growth > TARGET_MB * 1024 * 1024) process.exitCode = 1;
  } finally {
    rss.stop();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await drop();
  }
}

main().catch((err) => {
  console.error('bench:public-memory failed:', err);
  process.exit(1);
});
