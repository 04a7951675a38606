/**
 * Issue 11: frequency rules per grade (maxPerYear, minIntervalDays) and key/general items — what the pool
 * leaves out, what the preview and the commit record's poolRule count, on PGlite and PostgreSQL.
 */
import t, { type Test } from 'tap';
import { sql } from 'drizzle-orm';
import { asAdmin, buildTestApp, commitAndWait, soon, type TestApp } from '../helper.ts';
import { chinaYearStart } from '../../src/core/calendar.ts';
import { planBody, seedDirectories } from '../fixtures/directories.ts';

const ALL = { A: 10000, B: 10000, C: 10000, D: 10000 };

async function setup(t: Test) {
  const app = await buildTestApp(t);
  await seedDirectories(app.database.db, {
    departments: [{ code: 'SCJG' }, { code: 'WJW' }],
    items: [
      { code: 'G1', departmentCode: 'SCJG', gradeScheme: 'credit-4' },
      { code: 'G2', departmentCode: 'SCJG', gradeScheme: 'credit-4' },
      { code: 'G3', departmentCode: 'SCJG', gradeScheme: 'credit-4' },
      { code: 'W1', departmentCode: 'WJW', gradeScheme: 'credit-4' },
    ],
    entities: [{ id: 'EA' }, { id: 'EB' }, { id: 'EC' }, { id: 'ED' }],
    grades: [
      { entityId: 'EA', scheme: 'credit-4', grade: 'A' },
      { entityId: 'EB', scheme: 'credit-4', grade: 'B' },
      { entityId: 'EC', scheme: 'credit-4', grade: 'C' },
      { entityId: 'ED', scheme: 'credit-4', grade: 'D' },
    ],
    inspectors: [
      { id: 'S-1', departmentCode: 'SCJG' },
      { id: 'S-2', departmentCode: 'SCJG' },
      { id: 'W-1', departmentCode: 'WJW' },
      { id: 'W-2', departmentCode: 'WJW' },
    ],
  });
  // A key item (重点检查事项) through the API, as a planner would make it.
  const key = await app.api('PUT', '/api/v1/items/K1', { body: { name: '重点事项', departmentCode: 'SCJG', gradeScheme: 'credit-4', kind: 'key' } });
  t.equal(key.statusCode, 201, key.body);
  t.equal(key.json().kind, 'key');
  return app;
}

const bodyFor = (items: string[], extra: Record<string, unknown> = {}) =>
  planBody({ items, ratiosBp: ALL, inspectorsPerTask: items[0] === 'W1' ? { WJW: 2 } : { SCJG: 2 }, ...extra });

/** The preview of a new draft plan on `items`: pool per grade and the exclusion counts. */
async function preview({ api }: TestApp, items: string[], extra: Record<string, unknown> = {}) {
  const plan = (await api('POST', '/api/v1/plans', { body: bodyFor(items, extra) })).json();
  const res = await api('GET', `/api/v1/plans/${plan.id}/preview`);
  if (res.statusCode !== 200) throw new Error(res.body);
  const p = res.json();
  const pool = (p.strata as { grade: string; population: number }[]).filter((s) => s.population > 0).map((s) => s.grade);
  return { pool: pool.join(''), excluded: p.excluded as Record<string, number> };
}

/** Creates, commits and draws a plan drawing every entity of its pool; returns the commit record and the drawn ids. */
async function drawAll(app: TestApp, items: string[]) {
  const plan = (await app.api('POST', '/api/v1/plans', { body: bodyFor(items) })).json();
  const commit = await commitAndWait(app, plan.id);
  if (commit.statusCode !== 201) throw new Error(commit.body);
  const draw = await app.api('POST', `/api/v1/plans/${plan.id}/draw`, { body: { publicEntropy: 'x' } });
  if (draw.statusCode !== 201) throw new Error(draw.body);
  const drawn = (draw.json().tasks as { entityId: string }[]).map((x) => x.entityId).sort();
  return { commit: commit.json(), drawn };
}

const none = { cooldown: 0, inactive: 0, yearly: 0, frequency: 0 };

t.test('built-in defaults: credit-4 A 1, B 1, C 2, D no limit; editable and validated', async (t) => {
  const { api } = await buildTestApp(t);
  const res = await api('GET', '/api/v1/grade-schemes/credit-4');
  t.equal(res.statusCode, 200, res.body);
  const scheme = res.json();
  t.same(
    scheme.grades.map((g: { code: string; maxPerYear: number | null; minIntervalDays: number | null }) => [g.code, g.maxPerYear, g.minIntervalDays]),
    [
      ['A', 1, null],
      ['B', 1, null],
      ['C', 2, null],
      ['D', null, null],
    ],
  );
  const { code: _c, builtin: _b, ...body } = scheme;
  for (const [field, value] of [
    ['maxPerYear', 0],
    ['maxPerYear', 1.5],
    ['minIntervalDays', -1],
    ['minIntervalDays', '7'],
  ] as const) {
    const bad = await api('PUT', '/api/v1/grade-schemes/credit-4', {
      body: { ...body, grades: [{ ...body.grades[0], [field]: value }, ...body.grades.slice(1)] },
    });
    t.equal(bad.statusCode, 400, `${field} ${JSON.stringify(value)}`);
    t.match(bad.body, field);
  }
  t.same((await api('GET', '/api/v1/grade-schemes/credit-4')).json(), scheme, 'nothing changed');
  const edited = await api('PUT', '/api/v1/grade-schemes/credit-4', {
    body: { ...body, grades: body.grades.map((g: object, i: number) => (i === 3 ? { ...g, maxPerYear: 5, minIntervalDays: 30 } : g)) },
  });
  t.equal(edited.statusCode, 200, edited.body);
  t.same(edited.json().grades[3], { code: 'D', label: 'D类（信用最低）', multiplierPct: 300, mode: 'onsite', maxPerYear: 5, minIntervalDays: 30 });
  // Omitted members read as no rule.
  const bare = await api('PUT', '/api/v1/grade-schemes/bare-1', {
    body: { name: '两档', grades: [{ code: 'X', label: '甲', multiplierPct: 100, mode: 'onsite' }], defaultGrade: 'X', public: false },
  });
  t.equal(bare.statusCode, 201, bare.body);
  t.same(bare.json().grades[0], { code: 'X', label: '甲', multiplierPct: 100, mode: 'onsite', maxPerYear: null, minIntervalDays: null });
});

t.test('items: kind general by default, key on request, anything else refused', async (t) => {
  const app = await setup(t);
  t.equal((await app.api('GET', '/api/v1/items/G1')).json().kind, 'general');
  const bad = await app.api('PUT', '/api/v1/items/G1', { body: { name: 'x', departmentCode: 'SCJG', gradeScheme: 'credit-4', kind: 'special' } });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, 'kind');
  t.equal((await app.api('GET', '/api/v1/items/G1')).json().kind, 'general', 'nothing changed');
});

t.test('frequency rules: general and key items, grade limits, voided plans, the China-time year, minIntervalDays, poolRule', async (t) => {
  const app = await setup(t);
  const { api, database } = app;

  // A voided plan never counts: it was never drawn.
  const voided = (await api('POST', '/api/v1/plans', { body: bodyFor(['G1']) })).json();
  t.equal((await api('POST', `/api/v1/plans/${voided.id}/commit`, { body: { entropyAt: soon(60_000) } })).statusCode, 201);
  t.equal((await api('POST', `/api/v1/plans/${voided.id}/void`, { body: { reason: '重复计划' } })).statusCode, 200);
  t.same(await preview(app, ['G1']), { pool: 'ABCD', excluded: none }, 'voided plan: everyone in the pool');

  // Batch 1: every entity drawn for G1.
  const first = await drawAll(app, ['G1']);
  t.same(first.drawn, ['EA', 'EB', 'EC', 'ED']);
  t.match(first.commit.poolRule, { excludedCooldown: 0, excludedInactive: 0, excludedYearly: 0, excludedFrequency: 0 });

  t.same(await preview(app, ['G1']), { pool: '', excluded: { ...none, yearly: 4 } }, 'a general item: at most once a year for the item');
  t.same(
    await preview(app, ['G1'], { cooldownDays: 30 }),
    { pool: '', excluded: { ...none, cooldown: 4 } },
    'each entity counted once: cooldown first',
  );
  t.same(
    await preview(app, ['G2']),
    { pool: 'CD', excluded: { ...none, frequency: 2 } },
    'same department: A and B reached 1, C (max 2) and D still in',
  );
  t.same(await preview(app, ['K1']), { pool: 'ABCD', excluded: none }, 'a key item is not limited');
  t.same(await preview(app, ['W1']), { pool: 'ABCD', excluded: none }, 'another department: its own count');
  t.same(await preview(app, ['G2', 'K1']), { pool: 'CD', excluded: { ...none, frequency: 2 } }, 'a plan with a general item applies its rules');

  // Batch 2 on another general item of the department: C drawn a second time, then out; D never limited.
  const second = await drawAll(app, ['G2']);
  t.same(second.drawn, ['EC', 'ED']);
  t.match(
    second.commit.poolRule,
    { items: ['G2'], cooldownDays: 0, excludedCooldown: 0, excludedInactive: 0, excludedYearly: 0, excludedFrequency: 2 },
    'the commit record counts the entities each rule left out',
  );
  t.same(await preview(app, ['G3']), { pool: 'D', excluded: { ...none, frequency: 3 } }, 'C out after two draws, D never limited');

  // The year is China time (UTC+8): a draw one millisecond before 1 January 00:00 in China is last year's.
  const yearStart = chinaYearStart(new Date());
  t.equal(new Date(yearStart.getTime() + 8 * 3_600_000).toISOString().slice(5, 16), '01-01T00:00');
  const admin = asAdmin(database).db;
  await admin.execute(sql`UPDATE plan_draws SET drawn_at = ${yearStart.toISOString()}::timestamptz`);
  t.same(await preview(app, ['G3']), { pool: 'D', excluded: { ...none, frequency: 3 } }, 'drawn at 00:00 on 1 January, China time: this year');
  await admin.execute(sql`UPDATE plan_draws SET drawn_at = ${new Date(yearStart.getTime() - 1).toISOString()}::timestamptz`);
  t.same(await preview(app, ['G1']), { pool: 'ABCD', excluded: none }, 'drawn last year (China time): nothing left out');

  // minIntervalDays reaches across the year: D drawn two days before the year began.
  await admin.execute(sql`UPDATE plan_draws SET drawn_at = ${new Date(yearStart.getTime() - 2 * 86_400_000).toISOString()}::timestamptz`);
  const scheme = (await api('GET', '/api/v1/grade-schemes/credit-4')).json();
  const withInterval = async (days: number | null) => {
    const { code: _c, builtin: _b, ...body } = scheme;
    const grades = body.grades.map((g: { code: string }) => (g.code === 'D' ? { ...g, minIntervalDays: days } : g));
    const res = await api('PUT', '/api/v1/grade-schemes/credit-4', { body: { ...body, grades } });
    t.equal(res.statusCode, 200, res.body);
  };
  await withInterval(400);
  t.same(await preview(app, ['G1']), { pool: 'ABC', excluded: { ...none, frequency: 1 } }, 'D within 400 days of its last draw');
  t.same(await preview(app, ['K1']), { pool: 'ABCD', excluded: none }, 'not for a key item');
  await withInterval(1);
  t.same(await preview(app, ['G1']), { pool: 'ABCD', excluded: none }, 'D more than a day after its last draw');
});
