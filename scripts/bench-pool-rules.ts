/**
 * `npm run bench:pool-rules` — what the pool rules (cooldown, a general item's yearly rule, the grades' frequency
 * rules) cost a preview and a commit, with a year of draws behind them (issue 11, "Pool queries that scale").
 *
 * On each database (--db pglite, postgres or both; PostgreSQL from DATABASE_URL or postgres://root@127.0.0.1:5432/postgres,
 * in a fresh database dropped at the end) it loads --entities entities (default 50000; --entities 1000000 for the
 * issue's figure) with credit-4 grades and 400 inspectors, draws --plans plans (default 20) of the department's
 * general items G1…G5 at 2 %, then times preview and commit of:
 *   base  — a plan of the key item K (no yearly or frequency rule) without a cooldown: no rule at all;
 *   rules — a plan of the general item G1 with cooldownDays 365: cooldown, yearly and frequency rules.
 * after a VACUUM ANALYZE (what autovacuum would have done by then), and prints rules / base. Target: ≤ 1.5 × for both.
 * --rounds (default 3) times that many new pairs of plans, base and rules interleaved, and prints the median of each
 * (the machine is shared: one pair is noisy); --keep leaves the PostgreSQL database in place and prints its name (for
 * EXPLAIN ANALYZE on the loaded data); --reuse <name> times new plans on such a kept database, loaded and drawn before
 * (so two versions of the code compare on the same data).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { openPglite, openPostgres, type Database } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig, UNLIMITED } from '../src/config.ts';

const { values: opts } = parseArgs({
  options: {
    entities: { type: 'string', default: '50000' },
    plans: { type: 'string', default: '20' },
    db: { type: 'string', default: 'both' },
    rounds: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
  },
});
const ROUNDS = Number(opts.rounds);
const N = Number(opts.entities);
const PLANS = Number(opts.plans);
if (!Number.isInteger(N) || N < 1000) throw new Error('--entities must be a whole number ≥ 1000');
if (!Number.isInteger(PLANS) || PLANS < 0) throw new Error('--plans must be a whole number ≥ 0');
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds must be a whole number ≥ 1');
if (!['pglite', 'postgres', 'both'].includes(opts.db)) throw new Error('--db must be pglite, postgres or both');
if (opts.reuse !== undefined && (opts.db !== 'postgres' || !/^[a-z0-9_]+$/.test(opts.reuse))) {
  throw new Error('--reuse takes the name of a kept PostgreSQL database ([a-z0-9_]), with --db postgres');
}

const token = `bench-${randomBytes(12).toString('hex')}`;
const s = (x: number) => `${(x / 1000).toFixed(2)} s`;

async function run(label: string, database: Database, reused = false): Promise<boolean> {
  await runMigrations(database);
  const app = await buildApp({ config: { ...loadConfig({}), adminToken: token, logLevel: 'silent', ...UNLIMITED }, database, logger: false });
  await app.ready(); // seeds the built-in grade schemes
  const call = async (method: 'GET' | 'POST', url: string, body?: object) => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return res.json();
  };
  try {
    if (!reused) await load(database);
    const newPlan = async (item: string, cooldownDays: number, baseRatioBp = 200) =>
      (
        await call('POST', '/api/v1/plans', {
          title: '抽查频次规则基准',
          items: [item],
          gradeScheme: 'credit-4',
          baseRatioBp,
          inspectorsPerTask: { SCJG: 2 },
          entropySource: 'bench',
          cooldownDays,
        })
      ).id as string;

    // A year of draws (untimed): each plan commits with an entropyAt a little ahead, waits for it and draws.
    let tasks = 0;
    for (let i = 0; i < (reused ? 0 : PLANS); i++) {
      const id = await newPlan(`G${1 + (i % 5)}`, 0);
      const t0 = performance.now();
      await call('GET', `/api/v1/plans/${id}/preview`);
      const entropyAt = new Date(Date.now() + 3 * (performance.now() - t0) + 500).toISOString();
      await call('POST', `/api/v1/plans/${id}/commit`, { entropyAt });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(entropyAt) - Date.now() + 5)));
      tasks += (await call('POST', `/api/v1/plans/${id}/draw`, { publicEntropy: `round ${i}` })).tasks.length;
    }

    // Settled as autovacuum would leave a running service (this machine's PostgreSQL runs without it): planner
    // statistics and the visibility map. Unanalyzed, the planner guesses 100 rows for a million.
    await database.db.execute(sql`VACUUM ANALYZE`);
    const count = async (table: string) =>
      Number((await database.rawTransaction((tx) => tx.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)))[0].n);
    if (reused) tasks = await count('tasks');
    const drawnPlans = reused ? await count('plan_draws') : PLANS;
    const entityCount = reused ? await count('entities') : N;
    const later = new Date(Date.now() + 3_600_000).toISOString(); // these plans are never drawn
    const timed = async (id: string) => {
      let t0 = performance.now();
      const preview = await call('GET', `/api/v1/plans/${id}/preview`);
      const previewMs = performance.now() - t0;
      t0 = performance.now();
      const commit = await call('POST', `/api/v1/plans/${id}/commit`, { entropyAt: later });
      return { previewMs, commitMs: performance.now() - t0, population: preview.population as number, rule: commit.poolRule };
    };
    const bases: Awaited<ReturnType<typeof timed>>[] = [];
    const ruled: Awaited<ReturnType<typeof timed>>[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      bases.push(await timed(await newPlan('K', 0)));
      ruled.push(await timed(await newPlan('G1', 365)));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const base = { previewMs: median(bases.map((x) => x.previewMs)), commitMs: median(bases.map((x) => x.commitMs)) };
    const rules = { previewMs: median(ruled.map((x) => x.previewMs)), commitMs: median(ruled.map((x) => x.commitMs)) };
    const { rule } = ruled[0];
    const ratios = [rules.previewMs / base.previewMs, rules.commitMs / base.commitMs];
    const ok = ratios.every((r) => r <= 1.5);
    const each = (xs: Awaited<ReturnType<typeof timed>>[]) =>
      `preview ${xs.map((x) => s(x.previewMs)).join(', ')}; commit ${xs.map((x) => s(x.commitMs)).join(', ')}`;
    console.log(`${label}: ${entityCount} entities, ${drawnPlans} drawn plans (${tasks} tasks), median of ${ROUNDS} rounds`);
    console.log(`  base  (key item, no cooldown)   pool ${bases[0].population}: preview ${s(base.previewMs)}, commit ${s(base.commitMs)}`);
    console.log(
      `  rules (general item, 365 days) pool ${ruled[0].population}: preview ${s(rules.previewMs)} (${ratios[0].toFixed(2)} ×), ` +
        `commit ${s(rules.commitMs)} (${ratios[1].toFixed(2)} ×); left out: cooldown ${rule.excludedCooldown}, ` +
        `yearly ${rule.excludedYearly}, frequency ${rule.excludedFrequency}`,
    );
    if (ROUNDS > 1) console.log(`  rounds: base ${each(bases)}\n          rules ${each(ruled)}`);
    console.log(`  target ≤ 1.5 × base: ${ok ? 'met' : 'NOT met'}`);
    return ok;
  } finally {
    await app.close();
  }
}

/** The directory: one department, general items G1…G5 and key item K, N graded entities, 400 inspectors. */
async function load(database: Database) {
  await database.rawTransaction(async (tx) => {
    await tx.query(`INSERT INTO departments (code, name) VALUES ('SCJG', '市场监督管理局')`);
    await tx.query(`INSERT INTO items (code, name, department_code, grade_scheme, kind)
        SELECT 'G' || i, '一般事项' || i, 'SCJG', 'credit-4', 'general' FROM generate_series(1, 5) AS i
        UNION ALL SELECT 'K', '重点事项', 'SCJG', 'credit-4', 'key'`);
    await tx.query(`INSERT INTO entities (id, name, type, region, industry)
        SELECT '9150' || upper(substr(md5(i::text), 1, 8)) || lpad(i::text, 7, '0'), '企业' || i, 'company', '500101', 'F52'
          FROM generate_series(1, ${N}) AS i`);
    await tx.query(`INSERT INTO current_grades (entity_id, scheme, grade, evaluated_at)
        SELECT id, 'credit-4', (ARRAY['A', 'B', 'C', 'D'])[1 + abs(hashtext(id)) % 4], now() FROM entities`);
    await tx.query(`INSERT INTO inspectors (id, name, department_code, certificate_no)
        SELECT 'SJ-' || lpad(i::text, 4, '0'), '检查员' || i, 'SCJG', 'C' || i FROM generate_series(1, 400) AS i`);
  });
}

let ok = true;
if (opts.db !== 'postgres') {
  const database = await openPglite(null);
  try {
    ok = (await run('PGlite', database)) && ok;
  } finally {
    await database.close();
  }
}
if (opts.db !== 'pglite') {
  const adminUrl = process.env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/postgres';
  const name = opts.reuse ?? `suicha_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  if (opts.reuse === undefined) await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.toString());
  try {
    ok = (await run('PostgreSQL', database, opts.reuse !== undefined)) && ok;
  } finally {
    await database.close();
    if (opts.keep || opts.reuse !== undefined) console.log(`  kept database ${name}`);
    else await admin.unsafe(`DROP DATABASE ${name}`);
    await admin.end();
  }
}
process.exitCode = ok ? 0 : 1;
