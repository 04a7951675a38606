/**
 * `npm run bench:cooldown` — what a cooldown (cooldownDays) costs a preview and a commit.
 *
 * On an in-memory PGlite (the embedded default, where the defect was seen: 47 s per preview or commit on
 * a 204k pool), loads --entities entities (default 204000) with grades and 400 inspectors, draws one plan
 * of item JL at 5 %, then times preview and commit, one after the other in this one process, of:
 *   base      — a plan of item JL without a cooldown;
 *   drawn     — item JL with cooldownDays 365 (the entities of the first draw are left out);
 *   untouched — item ZL, never drawn, with cooldownDays 365 (nothing is left out).
 * and prints each as a ratio to base. Target: ≤ 2 × base for both. Before the cooldown became one
 * anti-join (src/domain/draws/pool.ts), the drawn case's commit took 162 s against 2.6 s (62 ×).
 */
import { parseArgs } from 'node:util';
import { openPglite } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig, UNLIMITED } from '../src/config.ts';

const { values: opts } = parseArgs({ options: { entities: { type: 'string', default: '204000' } } });
const N = Number(opts.entities);
if (!Number.isInteger(N) || N < 1000) throw new Error('--entities must be a whole number ≥ 1000');

const token = `bench-${crypto.randomUUID()}`;
const database = await openPglite(null);
await runMigrations(database);
const config = { ...loadConfig({}), adminToken: token, logLevel: 'silent', ...UNLIMITED };
const app = await buildApp({ config, database, logger: false });
await app.ready();

async function call(method: 'GET' | 'POST', url: string, body?: object) {
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return res.json();
}

async function load() {
  await database.rawTransaction(async (tx) => {
    await tx.query(`INSERT INTO departments (code, name) VALUES ('SCJG', '市场监督管理局')`);
    await tx.query(`INSERT INTO items (code, name, department_code, grade_scheme)
      VALUES ('SCJG-ZL', '产品质量抽查', 'SCJG', 'credit-4'), ('SCJG-JL', '计量器具检查', 'SCJG', 'credit-4')`);
    await tx.query(`INSERT INTO entities (id, name, type, region, industry)
      SELECT '9150' || upper(substr(md5(i::text), 1, 8)) || lpad(i::text, 7, '0'), '企业' || i, 'company', '500101', 'F52'
        FROM generate_series(1, ${N}) AS i`);
    await tx.query(`INSERT INTO current_grades (entity_id, scheme, grade, evaluated_at)
      SELECT id, 'credit-4', (ARRAY['A', 'B', 'C', 'D'])[1 + abs(hashtext(id)) % 4], now() FROM entities`);
    await tx.query(`INSERT INTO inspectors (id, name, department_code, certificate_no)
      SELECT 'SJ-' || lpad(i::text, 4, '0'), '检查员' || i, 'SCJG', 'C' || i FROM generate_series(1, 400) AS i`);
  });
}

const newPlan = async (item: string, cooldownDays: number) =>
  (
    await call('POST', '/api/v1/plans', {
      title: '冷却期基准',
      items: [item],
      gradeScheme: 'credit-4',
      baseRatioBp: 500,
      inspectorsPerTask: { SCJG: 2 },
      entropySource: 'bench',
      cooldownDays,
    })
  ).id as string;

async function timed(id: string, entropyAt: string) {
  let t0 = performance.now();
  const preview = await call('GET', `/api/v1/plans/${id}/preview`);
  const previewMs = performance.now() - t0;
  t0 = performance.now();
  const commit = await call('POST', `/api/v1/plans/${id}/commit`, { entropyAt });
  return {
    previewMs,
    commitMs: performance.now() - t0,
    population: preview.population as number,
    excluded: commit.poolRule.excludedCooldown as number,
  };
}

await load();
// The first draw: entropyAt far enough ahead for its commit, then wait for it (untimed).
const first = await newPlan('SCJG-JL', 0);
const t0 = performance.now();
await call('GET', `/api/v1/plans/${first}/preview`);
const entropyAt = new Date(Date.now() + 4 * (performance.now() - t0) + 2000).toISOString();
await call('POST', `/api/v1/plans/${first}/commit`, { entropyAt });
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(entropyAt) - Date.now() + 5)));
const drawn = await call('POST', `/api/v1/plans/${first}/draw`, { publicEntropy: '3 1 4 1 5' });

const later = new Date(Date.now() + 3_600_000).toISOString(); // these plans are never drawn
const base = await timed(await newPlan('SCJG-JL', 0), later);
const cases = { drawn: await timed(await newPlan('SCJG-JL', 365), later), untouched: await timed(await newPlan('SCJG-ZL', 365), later) };

const s = (x: number) => `${(x / 1000).toFixed(2)} s`;
console.log(`${N} entities, first draw ${drawn.tasks.length} tasks; base: preview ${s(base.previewMs)}, commit ${s(base.commitMs)}`);
let ok = true;
for (const [name, c] of Object.entries(cases)) {
  const ratios = [c.previewMs / base.previewMs, c.commitMs / base.commitMs];
  ok &&= ratios.every((r) => r <= 2);
  console.log(
    `${name.padEnd(9)} pool ${c.population}, ${c.excluded} in cooldown: preview ${s(c.previewMs)} (${ratios[0].toFixed(2)} ×), ` +
      `commit ${s(c.commitMs)} (${ratios[1].toFixed(2)} ×)`,
  );
}
console.log(`target ≤ 2 × base: ${ok ? 'met' : 'NOT met'}`);
await app.close();
await database.close();
