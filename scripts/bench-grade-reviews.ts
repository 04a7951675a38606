/**
 * `npm run bench:grade-reviews` — the grade-review list (复核, issue 13) on a large directory: --entities entities
 * (default 1000000), each graded in two schemes (credit-4 and risk-4) that mostly agree: 1 entity in 100 two or three
 * tiers apart (a finding), 1 in 10 one tier apart (not one); and a drawn plan with a published result for 1 entity in
 * 10, half of them violations (a finding where the entity holds credit-4 A). Loaded with INSERT … SELECT generate_series,
 * then ANALYZE.
 *
 * On each database (--db pglite, postgres or both; PostgreSQL from DATABASE_URL or postgres://root@127.0.0.1:5432/postgres,
 * in a fresh database dropped at the end unless --keep) it times, through the API (app.inject): the first page
 * (limit 100), a full walk of every page (limit 1000, following `next`) and the whole CSV export, and checks that the
 * walk found every finding exactly once (their number is counted in SQL from the same rule).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { openPglite, openPostgres, type Database } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig, UNLIMITED } from '../src/config.ts';

const { values: opts } = parseArgs({
  options: {
    entities: { type: 'string', default: '1000000' },
    db: { type: 'string', default: 'both' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(opts.entities);
if (!Number.isInteger(N) || N < 1000) throw new Error('--entities must be a whole number ≥ 1000');
if (!['pglite', 'postgres', 'both'].includes(opts.db)) throw new Error('--db must be pglite, postgres or both');

const token = `bench-${randomBytes(12).toString('hex')}`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** One department per scheme, N entities, two grades each: equal, or (1 in 10) one tier apart, or (1 in 100) 2–3 apart. */
async function load(database: Database) {
  await database.rawTransaction(async (tx) => {
    await tx.query(`INSERT INTO departments (code, name) VALUES ('SCJG', '市场监督管理局'), ('SWJ', '税务局')`);
    await tx.query(`INSERT INTO items (code, name, department_code, grade_scheme)
        VALUES ('SCJG-01', '企业公示信息抽查', 'SCJG', 'credit-4'), ('SWJ-01', '纳税信用检查', 'SWJ', 'risk-4')`);
    await tx.query(`INSERT INTO entities (id, name, type, region, industry)
        SELECT '9150' || upper(substr(md5(i::text), 1, 8)) || lpad(i::text, 7, '0'), '企业' || i, 'company', '500101', 'F52'
          FROM generate_series(1, ${N}) AS i`);
    await tx.query(`INSERT INTO current_grades (entity_id, scheme, grade, evaluated_at)
        SELECT id, 'credit-4', (ARRAY['A', 'B', 'C', 'D'])[1 + h % 4], now()
          FROM (SELECT id, abs(hashtext(id)::bigint) AS h FROM entities) e`);
    // risk-4 position: the same as credit-4's (p), or one apart (1 in 10), or two or three apart (1 in 100)
    await tx.query(`INSERT INTO current_grades (entity_id, scheme, grade, evaluated_at)
        SELECT id, 'risk-4', (ARRAY['LOW', 'NORMAL', 'HIGHER', 'HIGH'])[1 + CASE
                 WHEN r = 0 THEN CASE WHEN p < 2 THEN p + 2 + (h / 400) % (2 - p) ELSE p - 2 - (h / 400) % (p - 1) END
                 WHEN r <= 10 THEN CASE WHEN p = 3 THEN 2 ELSE p + 1 END
                 ELSE p END], now()
          FROM (SELECT id, h, h % 4 AS p, (h / 4) % 100 AS r FROM (SELECT id, abs(hashtext(id)::bigint) AS h FROM entities) x) e`);
    // A drawn plan with a published result for 1 entity in 10: half violations (other-violation), half no-issue. Written
    // straight into the tables (a real draw of 100,000 tasks is another benchmark's business); one ledger row for the
    // publication to cite.
    await tx.query(`INSERT INTO plans (id, title, status, items, departments, grade_scheme, ratios_bp, inspectors_per_task, filters, entropy_source)
        VALUES ('PLAN-2026-0001', '基准抽查', 'drawn', ARRAY['SCJG-01'], ARRAY['SCJG'], 'credit-4', '{}', '{"SCJG": 2}', '{}', 'bench')`);
    await tx.query(`INSERT INTO ledger (seq, kind, plan_id, at, body, prev_hash, hash)
        VALUES (1, 'results.published', 'PLAN-2026-0001', '2026-01-10T00:00:00.000Z', '{}', repeat('0', 64), repeat('1', 64))`);
    await tx.query(`INSERT INTO publications (plan_id, number, scope, ledger_seq, task_count, published_at)
        VALUES ('PLAN-2026-0001', 1, 'finished', 1, 0, now())`);
    await tx.query(`INSERT INTO tasks (plan_id, seq, entity_id, grade, mode, team_departments, team_inspectors)
        SELECT 'PLAN-2026-0001', row_number() OVER (ORDER BY id), id, 'A', 'onsite', ARRAY['SCJG', 'SCJG'], ARRAY['SJ-1', 'SJ-2']
          FROM entities WHERE abs(hashtext(id || 'task')::bigint) % 10 = 0`);
    await tx.query(`INSERT INTO results (task_id, department_code, version, result_code, inspected_on, follow_up, created_by, updated_by,
                                         publication_id, published_at)
        SELECT t.id, 'SCJG', 1, CASE WHEN t.seq % 2 = 0 THEN 'other-violation' ELSE 'no-issue' END, '2026-01-05', 'none', 'bench', 'bench',
               (SELECT id FROM publications), now()
          FROM tasks t`);
    await tx.query('ANALYZE');
  });
}

/**
 * The findings by the rule, counted in SQL apart from the service: two 4-grade schemes with positions 2 or more apart,
 * and the violations published on credit-4 A entities.
 */
async function expected(database: Database): Promise<{ gaps: number; violations: number }> {
  const [row] = await database.rawTransaction((tx) =>
    tx.query<{ gaps: string; violations: string }>(`SELECT
        (SELECT count(*) FROM current_grades a JOIN current_grades b ON b.entity_id = a.entity_id
          WHERE a.scheme = 'credit-4' AND b.scheme = 'risk-4'
            AND abs(array_position(ARRAY['A', 'B', 'C', 'D'], a.grade) - array_position(ARRAY['LOW', 'NORMAL', 'HIGHER', 'HIGH'], b.grade)) >= 2) AS gaps,
        (SELECT count(*) FROM results r JOIN tasks t ON t.id = r.task_id
           JOIN current_grades g ON g.entity_id = t.entity_id AND g.scheme = 'credit-4' AND g.grade = 'A'
          WHERE r.result_code = 'other-violation') AS violations`),
  );
  return { gaps: Number(row.gaps), violations: Number(row.violations) };
}

async function run(label: string, database: Database): Promise<boolean> {
  await runMigrations(database);
  const app = await buildApp({ config: { ...loadConfig({}), adminToken: token, logLevel: 'silent', ...UNLIMITED }, database, logger: false });
  await app.ready(); // seeds the built-in grade schemes
  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return res;
  };
  try {
    let t0 = performance.now();
    await load(database);
    const loadMs = performance.now() - t0;
    const counts = await expected(database);
    const want = counts.gaps + counts.violations;

    t0 = performance.now();
    const first = (await get('/api/v1/grade-reviews?limit=100')).json();
    const firstMs = performance.now() - t0;

    t0 = performance.now();
    const seen = new Set<string>();
    let pages = 0;
    let repeats = 0;
    let slowest = 0;
    for (let cursor: string | null = null; ; ) {
      const p0 = performance.now();
      const page: {
        items: { kind: string; entity: { id: string }; grades: { scheme: string }[]; result: { id: number } | null }[];
        next: string | null;
      } = (await get(`/api/v1/grade-reviews?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).json();
      slowest = Math.max(slowest, performance.now() - p0);
      pages++;
      for (const i of page.items) {
        const key = `${i.entity.id}|${i.kind}|${i.result ? i.result.id : i.grades.map((g) => g.scheme).join(' ')}`;
        if (seen.has(key)) repeats++;
        seen.add(key);
      }
      cursor = page.next;
      if (!cursor) break;
    }
    const walkMs = performance.now() - t0;

    t0 = performance.now();
    const csv = await get('/api/v1/grade-reviews.csv');
    const csvMs = performance.now() - t0;
    const csvRows = csv.body.split('\r\n').length - 2; // header, and the empty string after the last CRLF

    const ok = seen.size === want && repeats === 0 && csvRows === want && first.items.length === Math.min(100, want);
    console.log(
      `${label}: ${N} entities × 2 schemes, loaded in ${s(loadMs)}; ${want} findings by the rule (${counts.gaps} gaps, ${counts.violations} violations)`,
    );
    console.log(`  first page (100): ${s(firstMs)}`);
    console.log(`  full walk: ${pages} pages of ≤ 1000 in ${s(walkMs)} (slowest page ${s(slowest)}), ${seen.size} findings, ${repeats} repeats`);
    console.log(`  CSV export: ${csvRows} rows, ${(csv.rawPayload.length / 1e6).toFixed(1)} MB in ${s(csvMs)}`);
    console.log(`  every finding once: ${ok ? 'yes' : 'NO'}`);
    return ok;
  } finally {
    await app.close();
  }
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
  const name = `suicha_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.toString());
  try {
    ok = (await run('PostgreSQL', database)) && ok;
  } finally {
    await database.close();
    if (opts.keep) console.log(`  kept database ${name}`);
    else await admin.unsafe(`DROP DATABASE ${name}`);
    await admin.end();
  }
}
process.exitCode = ok ? 0 : 1;
