/**
 * `npm run bench:draw` — commit and draw on a 1,000,000-entity pool, on PostgreSQL.
 *
 * Makes a fresh database (from DATABASE_URL, or postgres://root@127.0.0.1:5432/postgres), loads
 * 1M entities with grades in 4 grades (90% graded, the rest take the default) and 300 inspectors in 2
 * departments with SQL (generate_series), then runs rounds. A round is one process that times, for a
 * fresh plan and back to back:
 *   floor  — streaming `id, grade` of the pool through the service's own driver (database.streamQuery)
 *            with the very query the commit uses: no commit can be faster than reading its pool;
 *   commit — POST /plans/{id}/commit (snapshot, digests, feasibility, storage, ledger);
 *   draw   — POST /plans/{id}/draw (parse, seed, draw, tasks and teams, ledger);
 * each as a ratio to the floor, and its peak RSS: that of one commit and one draw, as the target means
 * (a process that draws again and again also carries the previous draw's garbage until V8's next major
 * collection). Every ratio compares measurements taken moments apart in one process; the median of
 * --rounds rounds (default 3) is the result, since this machine is shared and noisy. The plans draw the
 * same pool (no cooldown), each adding its tasks to the table. Target: commit + draw ≤ 3 × floor, peak
 * RSS ≤ 600 MB. Options: --entities N (default 1000000), --keep (leave the database), --reuse <database>
 * (run rounds on a database a --keep run left; nothing is loaded or dropped), --same-process (all rounds
 * in this process; its peak RSS then includes what earlier rounds left for the garbage collector).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { openPostgres, type Database } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig, UNLIMITED } from '../src/config.ts';
import { loadPlanContext, poolQuery, POOL_BATCH } from '../src/domain/draws/pool.ts';
import { createPlanRepository } from '../src/domain/plans/repository.ts';
import { verifyDraw } from '../src/core/replay.ts';

const { values: opts } = parseArgs({
  options: {
    entities: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    /** all rounds in this one process, as a long-running service would draw (the garbage of one draw meets the next) */
    'same-process': { type: 'boolean', default: false },
    /** internal: run one round on this database and print its figures as a `ROUND {json}` line */
    round: { type: 'string' },
  },
});
const N = Number(opts.entities);
const ROUNDS = Number(opts.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds must be a positive integer');
const adminUrl = process.env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/postgres';

const ms = (t0: number) => performance.now() - t0;
const fmt = (x: number) => `${(x / 1000).toFixed(2)} s`;
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

interface Round {
  floorMs: number;
  commitMs: number;
  drawMs: number;
  tasks: number;
  population: number;
  planId: string;
  peakRssMb: number;
}

const databaseUrl = (name: string) => {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

// One admin token for this run and its round processes (a service start makes its token the admin's).
const token = process.env.SUICHA_BENCH_TOKEN ?? `bench-${randomBytes(12).toString('hex')}`;

async function serviceOn(database: Database) {
  const app = await buildApp({ config: { ...loadConfig({}), adminToken: token, logLevel: 'silent', ...UNLIMITED }, database, logger: false });
  await app.ready();
  const inject = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await app.inject({ method, url: path, headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body as object } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body.slice(0, 500)}`);
    return res;
  };
  return { app, inject };
}

/** One round, in this process: floor, commit and draw of a fresh plan. */
async function round(name: string): Promise<Round> {
  const database = await openPostgres(databaseUrl(name));
  try {
    const { app, inject } = await serviceOn(database);
    const created = await inject('POST', '/api/v1/plans', {
      title: '百万级抽查基准',
      items: ['SCJG-ZL', 'WJW-GW'],
      gradeScheme: 'credit-4',
      baseRatioBp: 500,
      inspectorsPerTask: { SCJG: 2, WJW: 2 },
      entropySource: 'bench',
    });
    const planId = created.json().id as string;

    const row = (await createPlanRepository(database.db).row(database.db, planId))!;
    const ctx = await loadPlanContext(database.db, { ...row });
    const floorQuery = new PgDialect().sqlToQuery(poolQuery(ctx, new Date()));
    let t0 = performance.now();
    let streamed = 0;
    for await (const batch of database.streamQuery<{ id: string; grade: string }>(floorQuery.sql, floorQuery.params, POOL_BATCH))
      streamed += batch.length;
    const floorMs = ms(t0);

    // Records revision 2: entropyAt must be later than the commit, and the draw waits for it (untimed).
    // A second ahead of the commit's end: the commit takes at most a few floors.
    const entropyAt = new Date(Date.now() + Math.ceil(floorMs * 4) + 1000).toISOString();
    t0 = performance.now();
    const committed = await inject('POST', `/api/v1/plans/${planId}/commit`, { entropyAt });
    const commitMs = ms(t0);
    if (committed.statusCode !== 201) throw new Error(`commit: ${committed.statusCode} ${committed.body}`);
    const commit = committed.json();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(entropyAt) - Date.now() + 2)));

    t0 = performance.now();
    await inject('POST', `/api/v1/plans/${planId}/draw`, { publicEntropy: '6 2 5 3 1 4 4 2 6 1' });
    const drawMs = ms(t0);
    const peak = peakRssMb(); // before anything else here touches the response

    const population = commit.strata.reduce((n: number, s: { population: number }) => n + s.population, 0);
    if (streamed !== population) throw new Error(`the floor streamed ${streamed} rows, the commit froze ${population}`);
    const [{ n: tasks }] = await database.rawTransaction((tx) =>
      tx.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks WHERE plan_id = $1', [planId]),
    );
    await app.close();
    return { floorMs, commitMs, drawMs, tasks, population, planId, peakRssMb: peak };
  } finally {
    await database.close();
  }
}

/** Runs a round in a child process (this script with --round), so each starts from a fresh heap. */
function roundInChild(name: string): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--round', name], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, SUICHA_BENCH_TOKEN: token },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('ROUND '));
      if (code !== 0 || !line) reject(new Error(`round process exited with ${code}: ${out}`));
      else resolve(JSON.parse(line.slice('ROUND '.length)) as Round);
    });
  });
}

if (opts.round) {
  console.log(`ROUND ${JSON.stringify(await round(opts.round))}`);
  process.exit(0);
}

const name = opts.reuse ?? `suicha_bench_${randomBytes(4).toString('hex')}`;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
if (!opts.reuse) await admin.unsafe(`CREATE DATABASE ${name}`);
const database = await openPostgres(databaseUrl(name));
try {
  await runMigrations(database);
  const { app, inject } = await serviceOn(database); // its start seeds the built-in grade schemes
  if (!opts.reuse) {
    const t0 = performance.now();
    await database.rawTransaction(async (tx) => {
      await tx.query(`INSERT INTO departments (code, name) VALUES ('SCJG', '市场监督管理局'), ('WJW', '卫生健康委员会')`);
      await tx.query(`INSERT INTO items (code, name, department_code, grade_scheme) VALUES
        ('SCJG-ZL', '产品质量抽查', 'SCJG', 'credit-4'), ('WJW-GW', '公共场所卫生检查', 'WJW', 'credit-4')`);
      // USCC-like ids in random order: 9150 + 8 hex of md5 + a unique counter.
      await tx.query(`INSERT INTO entities (id, name, type, region, industry)
        SELECT '9150' || upper(substr(md5(i::text), 1, 8)) || lpad(i::text, 7, '0'), '企业' || i, 'company',
               '5001' || lpad((1 + i % 20)::text, 2, '0'), 'F52'
          FROM generate_series(1, ${N}) AS i`);
      await tx.query(`INSERT INTO current_grades (entity_id, scheme, grade, evaluated_at)
        SELECT id, 'credit-4', (ARRAY['A', 'B', 'C', 'D'])[1 + abs(hashtext(id)) % 4], now()
          FROM entities WHERE abs(hashtext(id || 'g')) % 10 <> 0`);
      await tx.query(`INSERT INTO inspectors (id, name, department_code, certificate_no)
        SELECT 'SJ-' || lpad(i::text, 4, '0'), '检查员' || i, 'SCJG', 'C' || i FROM generate_series(1, 200) AS i
        UNION ALL
        SELECT 'WJ-' || lpad(i::text, 4, '0'), '检查员' || i, 'WJW', 'W' || i FROM generate_series(1, 100) AS i`);
      await tx.query(`INSERT INTO recusals (inspector_id, entity_id, reason)
        SELECT DISTINCT x.insp, e.id, '亲属关系'
          FROM (SELECT i, CASE WHEN i % 3 = 0 THEN 'WJ-' || lpad((1 + i % 100)::text, 4, '0')
                               ELSE 'SJ-' || lpad((1 + i % 200)::text, 4, '0') END AS insp
                  FROM generate_series(1, 10000) AS i) x
          JOIN (SELECT id, row_number() OVER () AS rn FROM entities) e ON e.rn = 1 + (x.i::bigint * 7919) % ${N}`);
    });
    // Settle the fresh bulk load first (statistics, hint bits, visibility map, dirty buffers), so no
    // round pays for it or competes with autovacuum doing it: a real directory is not loaded a second
    // before a draw.
    await database.db.execute(sql`VACUUM ANALYZE`);
    await database.db.execute(sql`CHECKPOINT`);
    console.log(`loaded ${N} entities, 300 inspectors, recusals in ${fmt(ms(t0))} (database ${name})`);
  }

  const rounds: Round[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const x = opts['same-process'] ? await round(name) : await roundInChild(name);
    rounds.push(x);
    console.log(
      `round ${r}: floor ${fmt(x.floorMs)}, commit ${fmt(x.commitMs)} (${(x.commitMs / x.floorMs).toFixed(2)}×), ` +
        `draw ${fmt(x.drawMs)} (${(x.drawMs / x.floorMs).toFixed(2)}×), commit + draw ${((x.commitMs + x.drawMs) / x.floorMs).toFixed(2)}×, peak RSS ${x.peakRssMb} MB`,
    );
  }
  const ratio = (r: Round) => (r.commitMs + r.drawMs) / r.floorMs;
  const median = [...rounds].sort((a, b) => ratio(a) - ratio(b))[Math.floor((rounds.length - 1) / 2)];
  console.log(`pool ${median.population} entities, ${median.tasks} tasks drawn per plan; the median of ${rounds.length} rounds:`);
  console.log(`floor  ${fmt(median.floorMs)}`);
  console.log(`commit ${fmt(median.commitMs)}  = ${(median.commitMs / median.floorMs).toFixed(2)} × floor`);
  console.log(`draw   ${fmt(median.drawMs)}  = ${(median.drawMs / median.floorMs).toFixed(2)} × floor`);
  console.log(`commit + draw = ${ratio(median).toFixed(2)} × floor (target ≤ 3; rounds: ${rounds.map((r) => ratio(r).toFixed(2)).join(', ')})`);
  console.log(`peak RSS ${Math.max(...rounds.map((r) => r.peakRssMb))} MB, the highest of the rounds (target ≤ 600 MB)`);

  // Not timed: replay the last round's draw from what an auditor downloads.
  const planId = rounds[rounds.length - 1].planId;
  const record = (await inject('GET', `/api/v1/plans/${planId}/record`)).json();
  const file = async (f: string) => (await inject('GET', `/api/v1/plans/${planId}/snapshot/${f}`)).body;
  const verified = verifyDraw({
    commit: record.commit,
    draw: record.draw,
    entitySnapshot: await file('entities.tsv'),
    inspectorSnapshot: await file('inspectors.tsv'),
    recusalSnapshot: await file('recusals.tsv'),
    taskFile: await file('tasks.tsv'),
  });
  console.log(verified.ok ? `replay: VERIFIED (${verified.tasks} tasks)` : `replay: FAILED ${verified.step}: ${verified.message}`);
  await app.close();
  if (!verified.ok) process.exitCode = 1;
} finally {
  await database.close();
  if (!opts.keep && !opts.reuse) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
