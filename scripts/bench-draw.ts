/**
 * `npm run bench:draw` — commit and draw on a 1,000,000-entity pool, on PostgreSQL.
 *
 * Makes a fresh database (from DATABASE_URL, or postgres://root@127.0.0.1:5432/postgres), loads
 * 1M entities with grades in 4 grades (90% graded, the rest take the default) and 300 inspectors in 2
 * departments with SQL (generate_series), then times, in this one process:
 *   floor  — streaming `id, grade` of the pool through the service's own driver (database.streamQuery)
 *            with the very query the commit uses: no commit can be faster than reading its pool;
 *   commit — POST /plans/{id}/commit (snapshot, digests, feasibility, storage, ledger);
 *   draw   — POST /plans/{id}/draw (parse, seed, draw, tasks and teams, ledger);
 * each as a ratio to the floor, and the peak RSS of the process. Target: commit + draw ≤ 3 × floor,
 * peak RSS ≤ 600 MB. Options: --entities N (default 1000000), --keep (leave the database),
 * --reuse <database> (time another plan on a database a --keep run left; nothing is loaded or dropped).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import { openPostgres } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { loadPlanContext, poolQuery, POOL_BATCH } from '../src/routes/plans/snapshot.ts';
import { createPlanRepository } from '../src/routes/plans/repository.ts';
import { verifyDraw } from '../src/core/replay.ts';

const { values: opts } = parseArgs({
  options: { entities: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false }, reuse: { type: 'string' } },
});
const N = Number(opts.entities);
const adminUrl = process.env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/postgres';
const name = opts.reuse ?? `suicha_bench_${randomBytes(4).toString('hex')}`;
const ADMIN = `bench-${randomBytes(12).toString('hex')}`;

const ms = (t0: number) => performance.now() - t0;
const fmt = (x: number) => `${(x / 1000).toFixed(2)} s`;
const mb = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);

const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
if (!opts.reuse) await admin.unsafe(`CREATE DATABASE ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const database = await openPostgres(url.toString());
try {
  await runMigrations(database);
  const app = await buildApp({ config: { ...loadConfig({}), adminToken: ADMIN, logLevel: 'silent' }, database, logger: false });
  await app.ready();

  let t0 = performance.now();
  if (!opts.reuse) await database.rawTransaction(async (tx) => {
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
  await database.rawTransaction((tx) => tx.query('ANALYZE'));
  if (!opts.reuse) console.log(`loaded ${N} entities, 300 inspectors, recusals in ${fmt(ms(t0))} (database ${name})`);

  const inject = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await app.inject({ method, url: path, headers: { authorization: `Bearer ${ADMIN}` }, ...(body ? { payload: body as object } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body.slice(0, 500)}`);
    return res;
  };
  const created = await inject('POST', '/api/v1/plans', {
    title: '百万级抽查基准',
    items: ['SCJG-ZL', 'WJW-GW'],
    gradeScheme: 'credit-4',
    baseRatioBp: 500,
    inspectorsPerTask: { SCJG: 2, WJW: 2 },
    entropySource: 'bench',
  });
  const planId = created.json().id as string;

  // The floor: the commit's own pool query, streamed through the service's driver.
  const row = (await createPlanRepository(database.db).row(database.db, planId))!;
  const ctx = await loadPlanContext(database.db, { ...row });
  const floorQuery = new PgDialect().sqlToQuery(poolQuery(ctx, new Date()));
  const floor = async () => {
    const t = performance.now();
    let rows = 0;
    for await (const batch of database.streamQuery<{ id: string; grade: string }>(floorQuery.sql, floorQuery.params, POOL_BATCH)) rows += batch.length;
    return { ms: ms(t), rows };
  };
  const f1 = await floor();

  t0 = performance.now();
  const commit = (await inject('POST', `/api/v1/plans/${planId}/commit`)).json();
  const commitMs = ms(t0);
  const rssAfterCommit = mb();

  t0 = performance.now();
  const drawn = await inject('POST', `/api/v1/plans/${planId}/draw`, { publicEntropy: '6 2 5 3 1 4 4 2 6 1' });
  const drawMs = ms(t0);
  const peakRss = mb(); // before the benchmark itself parses the 20 MB response
  const draw = drawn.json();

  const f2 = await floor();
  const floorMs = Math.min(f1.ms, f2.ms);
  const population = commit.strata.reduce((n: number, s: { population: number }) => n + s.population, 0);

  console.log(`pool ${population} entities (floor query streamed ${f1.rows} rows), ${draw.tasks.length} tasks drawn`);
  console.log(`floor  ${fmt(floorMs)}  (runs: ${fmt(f1.ms)}, ${fmt(f2.ms)}; the lower is used)`);
  console.log(`commit ${fmt(commitMs)}  = ${(commitMs / floorMs).toFixed(2)} × floor`);
  console.log(`draw   ${fmt(drawMs)}  = ${(drawMs / floorMs).toFixed(2)} × floor`);
  console.log(`commit + draw = ${((commitMs + drawMs) / floorMs).toFixed(2)} × floor (target ≤ 3)`);
  console.log(`peak RSS ${peakRss} MB (after commit ${rssAfterCommit} MB; target ≤ 600 MB)`);

  // Not timed: replay the draw from what an auditor downloads.
  const record = (await inject('GET', `/api/v1/plans/${planId}/record`)).json();
  const file = async (f: string) => (await inject('GET', `/api/v1/plans/${planId}/snapshot/${f}`)).body;
  const verified = verifyDraw({
    commit: record.commit,
    draw: record.draw,
    entitySnapshot: await file('entities.tsv'),
    inspectorSnapshot: await file('inspectors.tsv'),
    recusalSnapshot: await file('recusals.tsv'),
  });
  console.log(verified.ok ? `replay: VERIFIED (${verified.tasks} tasks)` : `replay: FAILED ${verified.step}: ${verified.message}`);
  await app.close();
  if (!verified.ok) process.exitCode = 1;
} finally {
  await database.close();
  if (!opts.keep && !opts.reuse) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
