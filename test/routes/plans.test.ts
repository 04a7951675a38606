import t from 'tap';
import { sql } from 'drizzle-orm';
import { asAdmin, buildTestApp, commitAndWait, soon } from '../helper.ts';
import { execRows } from '../../src/db/client.ts';
import { SPEC_EXAMPLE_EXPECTED } from '../core/spec-example.ts';
import { planBody, seedDirectories, specDirectories, syntheticDirectories } from '../fixtures/directories.ts';

const count = async (db: Parameters<typeof execRows>[0], table: string) =>
  Number((await execRows<{ n: number }>(db, sql.raw(`SELECT count(*)::int AS n FROM ${table}`)))[0].n);

t.test('create a draft: resolved ratios, departments, ids from a database sequence', async (t) => {
  const { api, database } = await buildTestApp(t);
  await seedDirectories(database.db, specDirectories());
  const res = await api('POST', '/api/v1/plans', {
    body: planBody({ window: { from: '2026-12-01', to: '2026-12-31' }, filters: { regions: ['500103', '500103'] } }),
  });
  t.equal(res.statusCode, 201, res.body);
  const plan = res.json();
  t.match(plan.id, /^PLAN-\d{4}-0001$/);
  t.equal(plan.status, 'draft');
  t.same(plan.departments, ['SCJG', 'WJW'], 'a joint plan: both departments');
  t.same(plan.ratiosBp, { A: 2000, B: 3000, C: 5000, D: 10000 });
  t.equal(plan.baseRatioBp, null);
  t.same(plan.filters, { regions: ['500103'] }, 'filters deduplicated');
  t.same(plan.window, { from: '2026-12-01', to: '2026-12-31' });
  t.equal(plan.commit, null);
  t.equal(plan.draw, null);

  // baseRatioBp × the scheme's multiplier (credit-4: 50/100/150/300 %), capped at 10000
  const base = await api('POST', '/api/v1/plans', { body: planBody({ ratiosBp: undefined, baseRatioBp: 500 }) });
  t.equal(base.statusCode, 201, base.body);
  t.same(base.json().ratiosBp, { A: 250, B: 500, C: 750, D: 1500 });
  t.equal(base.json().baseRatioBp, 500);
  t.match(base.json().id, /-0002$/, 'the next number');
  const capped = await api('POST', '/api/v1/plans', { body: planBody({ ratiosBp: undefined, baseRatioBp: 5000 }) });
  t.same(capped.json().ratiosBp, { A: 2500, B: 5000, C: 7500, D: 10000 }, 'D capped at 10000');

  // A second service instance on the same database continues the same sequence.
  const other = await buildTestApp(t, { database: { database, url: null } });
  const fourth = await other.api('POST', '/api/v1/plans', { body: planBody() });
  t.match(fourth.json().id, /-0004$/, 'numbers come from the database, not process memory');
});

t.test('validation: every problem named, nothing stored', async (t) => {
  const { api, database } = await buildTestApp(t);
  await seedDirectories(database.db, specDirectories());
  await seedDirectories(database.db, {
    items: [
      { code: 'SCJG-ENV', departmentCode: 'SCJG', gradeScheme: 'env-4' },
      { code: 'SCJG-OLD', departmentCode: 'SCJG', gradeScheme: 'credit-4', active: false },
      { code: 'SCJG-SHOP', departmentCode: 'SCJG', gradeScheme: 'credit-4', targetType: 'shop' },
      { code: 'SCJG-FIRM', departmentCode: 'SCJG', gradeScheme: 'credit-4', targetType: 'company' },
    ],
  });
  const cases: [string, Record<string, unknown>, string][] = [
    ['k < 2 (行政处罚法 第四十二条)', { inspectorsPerTask: { SCJG: 2, WJW: 1 } }, 'inspectorsPerTask.WJW'],
    ['a department that owns an item must send inspectors', { inspectorsPerTask: { SCJG: 2 } }, 'inspectorsPerTask.WJW'],
    ['a department that owns no item', { inspectorsPerTask: { SCJG: 2, WJW: 2, HB: 2 } }, 'inspectorsPerTask.HB'],
    ['unknown item', { items: ['SCJG-ZL', 'NOPE'] }, 'items[1]'],
    ['unknown scheme', { gradeScheme: 'nope-9' }, 'gradeScheme'],
    ['an item of another scheme', { items: ['SCJG-ZL', 'SCJG-ENV'], inspectorsPerTask: { SCJG: 2 } }, 'items[1]'],
    ['an inactive item', { items: ['SCJG-OLD'], inspectorsPerTask: { SCJG: 2 } }, 'items[0]'],
    ['items targeting different entity types', { items: ['SCJG-SHOP', 'SCJG-FIRM'], inspectorsPerTask: { SCJG: 2 } }, 'items'],
    ['both ratio forms', { baseRatioBp: 500 }, 'ratiosBp'],
    ['neither ratio form', { ratiosBp: undefined }, 'ratiosBp'],
    ['a grade the scheme lacks', { ratiosBp: { A: 1, B: 1, C: 1, D: 1, E: 1 } }, 'ratiosBp.E'],
    ['a missing grade', { ratiosBp: { A: 1, B: 1, C: 1 } }, 'ratiosBp.D'],
    ['window backwards', { window: { from: '2026-12-31', to: '2026-12-01' } }, 'window'],
    ['blank title', { title: '   ' }, 'title'],
    ['a witness named twice', { witnesses: ['区司法局', ' 区司法局'] }, 'witnesses'],
    ['a blank witness', { witnesses: ['区司法局', '  '] }, 'witnesses[1]'],
  ];
  for (const [what, override, field] of cases) {
    const res = await api('POST', '/api/v1/plans', { body: planBody(override) });
    t.equal(res.statusCode, 422, `${what}: 422`);
    t.ok(
      res.json().details.some((d: { field?: string }) => d.field === field),
      `${what}: names ${field} (${res.body})`,
    );
  }
  // Malformed requests are 400.
  t.equal((await api('POST', '/api/v1/plans', { body: planBody({ extra: 1 }) })).statusCode, 400, 'unknown member');
  // A control character is refused by the input rules (src/plugins/input.ts), before the plan rules: 400 naming the field.
  const bell = await api('POST', '/api/v1/plans', { body: planBody({ witnesses: ['区司法局\u0007'] }) });
  t.equal(bell.statusCode, 400, 'a witness with a control character');
  t.same(
    bell.json().details.map((d: { field?: string }) => d.field),
    ['body/witnesses/0'],
  );
  t.equal((await api('POST', '/api/v1/plans', { body: planBody({ items: [] }) })).statusCode, 400, 'no items');
  t.equal((await api('POST', '/api/v1/plans', { body: planBody({ items: ['SCJG-ZL', 'SCJG-ZL'] }) })).statusCode, 400, 'an item twice');
  t.equal((await api('POST', '/api/v1/plans', { body: planBody({ ratiosBp: { A: 10001, B: 1, C: 1, D: 1 } }) })).statusCode, 400, 'ratio > 10000');
  t.equal((await api('POST', '/api/v1/plans', { body: planBody({ entropyAt: 'tomorrow' }) })).statusCode, 400, 'entropyAt not an instant');
  t.equal((await api('POST', '/api/v1/plans', { body: planBody({ witnesses: ['x'.repeat(65)] }) })).statusCode, 400, 'a witness name > 64');
  const eleven = Array.from({ length: 11 }, (_, i) => `见证人 ${i + 1}`);
  t.equal((await api('POST', '/api/v1/plans', { body: planBody({ witnesses: eleven }) })).statusCode, 400, 'more than 10 witnesses');
  t.equal(await count(database.db, 'plans'), 0, 'nothing stored');
});

t.test('roles', async (t) => {
  const { api, token, database } = await buildTestApp(t);
  await seedDirectories(database.db, specDirectories());
  const auditor = await token('auditor');
  const planner = await token('planner');
  const inspector = await token('inspector', 'SJ-001');
  t.equal((await api('POST', '/api/v1/plans', { body: planBody(), token: null })).statusCode, 401);
  t.equal((await api('POST', '/api/v1/plans', { body: planBody(), token: auditor })).statusCode, 403, 'auditors read, never plan');
  const created = await api('POST', '/api/v1/plans', { body: planBody(), token: planner });
  t.equal(created.statusCode, 201);
  t.equal(created.json().createdBy !== null, true);
  const id = created.json().id;
  t.equal((await api('GET', `/api/v1/plans/${id}`, { token: auditor })).statusCode, 200);
  t.equal((await api('GET', '/api/v1/plans', { token: inspector })).statusCode, 403);
  t.equal((await api('GET', `/api/v1/plans/${id}/preview`, { token: auditor })).statusCode, 403);
  t.equal((await api('POST', `/api/v1/plans/${id}/commit`, { token: auditor })).statusCode, 403);
});

t.test('list with filters and paging; get; patch a draft', async (t) => {
  const { api, database } = await buildTestApp(t);
  await seedDirectories(database.db, specDirectories());
  const a = (await api('POST', '/api/v1/plans', { body: planBody({ title: 'joint' }) })).json();
  const b = (
    await api('POST', '/api/v1/plans', { body: planBody({ title: 'scjg only', items: ['SCJG-ZL'], inspectorsPerTask: { SCJG: 2 } }) })
  ).json();
  const c = (await api('POST', '/api/v1/plans', { body: planBody({ title: 'wjw only', items: ['WJW-GW'], inspectorsPerTask: { WJW: 2 } }) })).json();
  let list = (await api('GET', '/api/v1/plans')).json();
  t.equal(list.total, 3);
  t.same(
    list.items.map((p: { id: string }) => p.id),
    [c.id, b.id, a.id],
    'newest first',
  );
  list = (await api('GET', '/api/v1/plans?department=WJW')).json();
  t.same(list.items.map((p: { id: string }) => p.id).sort(), [a.id, c.id].sort());
  list = (await api('GET', '/api/v1/plans?item=SCJG-ZL&limit=1&offset=1')).json();
  t.equal(list.total, 2);
  t.equal(list.items.length, 1);
  t.equal(list.limit, 1);
  list = (await api('GET', '/api/v1/plans?status=committed')).json();
  t.equal(list.total, 0);
  t.equal((await api('GET', '/api/v1/plans?status=weird')).statusCode, 400);
  t.equal((await api('GET', '/api/v1/plans/PLAN-2026-9999')).statusCode, 404);
  t.equal((await api('GET', '/api/v1/plans/not-a-plan')).statusCode, 400);

  // PATCH: fields replace; baseRatioBp replaces ratiosBp; same validation; nothing changes on error.
  let res = await api('PATCH', `/api/v1/plans/${a.id}`, { body: { title: '联合抽查（修订）', baseRatioBp: 1000 } });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().title, '联合抽查（修订）');
  t.same(res.json().ratiosBp, { A: 500, B: 1000, C: 1500, D: 3000 });
  res = await api('PATCH', `/api/v1/plans/${a.id}`, { body: { inspectorsPerTask: { SCJG: 2, WJW: 1 } } });
  t.equal(res.statusCode, 422);
  t.equal(res.json().details[0].field, 'inspectorsPerTask.WJW');
  res = await api('PATCH', `/api/v1/plans/${a.id}`, { body: { ratiosBp: { A: 1, B: 2, C: 3, D: 4 }, window: null } });
  t.equal(res.statusCode, 200);
  t.same(res.json().ratiosBp, { A: 1, B: 2, C: 3, D: 4 });
  t.equal(res.json().baseRatioBp, null);
  t.equal((await api('GET', `/api/v1/plans/${a.id}`)).json().title, '联合抽查（修订）', 'the failed patch changed nothing');
  t.equal((await api('PATCH', '/api/v1/plans/PLAN-2026-9999', { body: { title: 'x' } })).statusCode, 404);
});

t.test('Idempotency-Key on create: a retry returns the same plan', async (t) => {
  const { api, database } = await buildTestApp(t);
  await seedDirectories(database.db, specDirectories());
  const headers = { 'idempotency-key': 'create-2026-11-22-a' };
  const first = await api('POST', '/api/v1/plans', { body: planBody(), headers });
  t.equal(first.statusCode, 201);
  const again = await api('POST', '/api/v1/plans', { body: planBody(), headers });
  t.equal(again.statusCode, 200);
  t.equal(again.json().id, first.json().id);
  const other = await api('POST', '/api/v1/plans', { body: planBody({ title: 'another' }), headers });
  t.equal(other.statusCode, 422, 'the same key with another body');
  const racing = await Promise.all([1, 2, 3].map(() => api('POST', '/api/v1/plans', { body: planBody(), headers: { 'idempotency-key': 'race' } })));
  t.same(new Set(racing.map((r) => r.json().id)).size, 1, 'racing retries make one plan');
  t.equal(await count(database.db, 'plans'), 2);
  t.equal((await api('POST', '/api/v1/plans', { body: planBody(), headers: { 'idempotency-key': 'bad key\u0001' } })).statusCode, 400);
});

t.test('preview: strata, counts, 3% floor, inspector load, feasibility, §7 digests — and no seed', async (t) => {
  const { api, database } = await buildTestApp(t);
  await seedDirectories(database.db, specDirectories());
  const plan = (await api('POST', '/api/v1/plans', { body: planBody() })).json();
  const res = await api('GET', `/api/v1/plans/${plan.id}/preview`);
  t.equal(res.statusCode, 200, res.body);
  const p = res.json();
  t.same(
    p.strata.map((s: { grade: string; population: number; drawn: number; mode: string }) => [s.grade, s.population, s.drawn, s.mode]),
    [
      ['A', 3, 1, 'written'],
      ['B', 4, 2, 'onsite'],
      ['C', 2, 1, 'onsite'],
      ['D', 3, 3, 'onsite'],
    ],
    'the §7 strata',
  );
  t.equal(p.population, 12);
  t.equal(p.drawn, 7);
  t.equal(p.overallRatio, 7 / 12);
  // credit-4 is not public: D at 100% and the single draws of A and C would tell on grades.
  t.same(
    p.warnings.map((w: { code: string }) => w.code),
    ['full_ratio_non_public', 'single_draw_in_grade', 'single_draw_in_grade'],
  );
  t.match(p.warnings[0].message, /grade D .*100%/);
  t.match(p.warnings[1].message, /grade A draws exactly 1/);
  t.match(p.warnings[2].message, /grade C draws exactly 1/);
  t.same(p.inspectors, [
    { departmentCode: 'SCJG', perTask: 2, eligible: 4, averageLoad: 3.5, cap: 4 },
    { departmentCode: 'WJW', perTask: 2, eligible: 2, averageLoad: 7, cap: 7 },
  ]);
  // The three files a commit would freeze are exactly §7's.
  t.equal(p.snapshot.entitySnapshotDigest, SPEC_EXAMPLE_EXPECTED.entitySnapshotDigest);
  t.equal(p.snapshot.inspectorSnapshotDigest, SPEC_EXAMPLE_EXPECTED.inspectorSnapshotDigest);
  t.equal(p.snapshot.recusalDigest, SPEC_EXAMPLE_EXPECTED.recusalDigest);
  t.equal(p.snapshot.recusals, 3);
  // WJ-01 is recused from 92500108RQUKWFCX6A: with k = 2 WJW cannot staff it.
  t.equal(p.feasible, false);
  t.match(p.problems, [{ code: 'infeasible', entityId: '92500108RQUKWFCX6A', departmentCode: 'WJW' }]);
  t.equal(await count(database.db, 'plan_commits'), 0, 'no seed made');
  t.equal(await count(database.db, 'ledger'), 0, 'nothing published');
  t.equal((await api('GET', `/api/v1/plans/${plan.id}`)).json().status, 'draft');

  // Below 3%: 企业公示信息抽查办法.
  const thin = (await api('POST', '/api/v1/plans', { body: planBody({ ratiosBp: { A: 0, B: 0, C: 0, D: 0 } }) })).json();
  const q = (await api('GET', `/api/v1/plans/${thin.id}/preview`)).json();
  t.equal(q.drawn, 0);
  t.match(q.warnings, [{ code: 'below_minimum_ratio', message: /3%/ }]);
});

t.test('the pool: filters, target type, status, default grade, qualifications, cooldown', async (t) => {
  const { api, database } = await buildTestApp(t);
  await seedDirectories(database.db, {
    departments: [{ code: 'SCJG' }, { code: 'WJW' }],
    items: [
      { code: 'ZL', departmentCode: 'SCJG', gradeScheme: 'credit-4', targetType: 'company' },
      { code: 'JG', departmentCode: 'SCJG', gradeScheme: 'credit-4' },
      { code: 'GW', departmentCode: 'WJW', gradeScheme: 'credit-4' },
    ],
    entities: [
      { id: 'C1', type: 'company', region: '500103', industry: 'F52' },
      { id: 'C2', type: 'company', region: '500105', industry: 'F52' },
      { id: 'C3', type: 'company', region: '500103', industry: 'C13' },
      { id: 'C4', type: 'company', region: '500103', industry: 'F52', status: 'deregistered' },
      { id: 'S1', type: 'shop', region: '500103', industry: 'F52' },
    ],
    grades: [
      { entityId: 'C1', scheme: 'credit-4', grade: 'A' },
      { entityId: 'C2', scheme: 'credit-4', grade: 'D' },
      { entityId: 'C3', scheme: 'credit-5', grade: 'E' },
    ],
    inspectors: [
      { id: 'SJ-1', departmentCode: 'SCJG' },
      { id: 'SJ-2', departmentCode: 'SCJG', qualifications: ['ZL'] },
      { id: 'SJ-3', departmentCode: 'SCJG', qualifications: ['ZL', 'JG'] },
      { id: 'SJ-4', departmentCode: 'SCJG', active: false },
      { id: 'WJ-1', departmentCode: 'WJW' },
      { id: 'WJ-2', departmentCode: 'WJW' },
    ],
  });
  const snapshotOf = async (body: Record<string, unknown>) => {
    const plan = (await api('POST', '/api/v1/plans', { body: planBody(body) })).json();
    const commit = await commitAndWait({ api }, plan.id);
    t.equal(commit.statusCode, 201, commit.body);
    const file = async (name: string) => (await api('GET', `/api/v1/plans/${plan.id}/snapshot/${name}`)).body;
    return { id: plan.id as string, entities: await file('entities.tsv'), inspectors: await file('inspectors.tsv') };
  };
  const all = { ratiosBp: { A: 10000, B: 10000, C: 10000, D: 10000 } };
  // ZL targets companies: S1 is out, C4 is not active, C3 has no credit-4 grade → the default B.
  let s = await snapshotOf({ ...all, items: ['ZL'], inspectorsPerTask: { SCJG: 2 } });
  t.equal(s.entities, 'C1\tA\nC2\tD\nC3\tB\n');
  t.equal(s.inspectors, 'SCJG\tSJ-1\nSCJG\tSJ-2\nSCJG\tSJ-3\n', 'inactive SJ-4 out; SJ-2 qualified for ZL');
  // ZL + JG: SJ-2 lacks JG.
  s = await snapshotOf({ ...all, items: ['ZL', 'JG'], inspectorsPerTask: { SCJG: 2 }, filters: { regions: ['500103'], industries: ['F52'] } });
  t.equal(s.entities, 'C1\tA\n');
  t.equal(s.inspectors, 'SCJG\tSJ-1\nSCJG\tSJ-3\n');
  s = await snapshotOf({ ...all, items: ['GW'], inspectorsPerTask: { WJW: 2 }, filters: { types: ['shop'] } });
  t.equal(s.entities, 'S1\tB\n');

  // Cooldown: drawn for GW → out of the next GW plan within the window, still in a ZL plan.
  const drawn = await snapshotOf({ ...all, items: ['GW'], inspectorsPerTask: { WJW: 2 } });
  t.equal(drawn.entities, 'C1\tA\nC2\tD\nC3\tB\nS1\tB\n');
  t.equal((await api('POST', `/api/v1/plans/${drawn.id}/draw`, { body: { publicEntropy: 'x' } })).statusCode, 201);
  const cool = (
    await api('POST', '/api/v1/plans', { body: planBody({ ...all, items: ['GW'], inspectorsPerTask: { WJW: 2 }, cooldownDays: 30 }) })
  ).json();
  const preview = (await api('GET', `/api/v1/plans/${cool.id}/preview`)).json();
  t.equal(preview.population, 0, 'every entity drawn for GW today is cooling down');
  t.match(preview.problems, [{ code: 'empty_pool' }]);
});

t.test('cooldown counts only drawn plans with one of the items, within the window', async (t) => {
  const { api, database } = await buildTestApp(t);
  await seedDirectories(database.db, syntheticDirectories(20, 4, 2));
  // Key items (重点检查事项): no yearly or grade limit, so only the cooldown leaves entities out here
  // (test/routes/frequency-rules.test.ts covers general items).
  await asAdmin(database).db.execute(sql`UPDATE items SET kind = 'key'`);
  const all = { ratiosBp: { A: 10000, B: 10000, C: 10000, D: 10000 } };
  const first = (
    await api('POST', '/api/v1/plans', {
      body: planBody({ items: ['WJW-GW'], inspectorsPerTask: { WJW: 2 }, ratiosBp: { A: 5000, B: 5000, C: 5000, D: 5000 } }),
    })
  ).json();
  t.equal((await commitAndWait({ api }, first.id)).statusCode, 201);
  const draw = (await api('POST', `/api/v1/plans/${first.id}/draw`, { body: { publicEntropy: '1' } })).json();
  const drawnIds = new Set(draw.tasks.map((x: { entityId: string }) => x.entityId));
  t.ok(drawnIds.size > 0 && drawnIds.size < 20);
  const population = async (body: Record<string, unknown>) => {
    const plan = (await api('POST', '/api/v1/plans', { body: planBody(body) })).json();
    return (await api('GET', `/api/v1/plans/${plan.id}/preview`)).json().population as number;
  };
  t.equal(
    await population({ ...all, items: ['WJW-GW'], inspectorsPerTask: { WJW: 2 }, cooldownDays: 90 }),
    20 - drawnIds.size,
    'same item: cooling down',
  );
  t.equal(await population({ ...all, items: ['SCJG-ZL'], inspectorsPerTask: { SCJG: 2 }, cooldownDays: 90 }), 20, 'another item: not');
  t.equal(await population({ ...all, items: ['WJW-GW'], inspectorsPerTask: { WJW: 2 }, cooldownDays: 0 }), 20, 'no cooldown');
  // Move the draw back 100 days: outside a 90-day window (a draw is never rewritten: only an administrator may).
  await asAdmin(database).db.execute(sql`UPDATE plan_draws SET drawn_at = drawn_at - interval '100 days'`);
  t.equal(await population({ ...all, items: ['WJW-GW'], inspectorsPerTask: { WJW: 2 }, cooldownDays: 90 }), 20, 'drawn long ago');
  // A committed-but-voided plan never counts (it was never drawn).
  const voided = (await api('POST', '/api/v1/plans', { body: planBody({ ...all, items: ['SCJG-ZL'], inspectorsPerTask: { SCJG: 2 } }) })).json();
  await api('POST', `/api/v1/plans/${voided.id}/commit`, { body: { entropyAt: soon(60_000) } });
  t.equal((await api('POST', `/api/v1/plans/${voided.id}/void`, { body: { reason: '重复计划' } })).statusCode, 200);
  t.equal(await population({ ...all, items: ['SCJG-ZL'], inspectorsPerTask: { SCJG: 2 }, cooldownDays: 90 }), 20);
});

t.test('a plan patched after commit is refused', async (t) => {
  const { api, database } = await buildTestApp(t);
  await seedDirectories(database.db, syntheticDirectories(10));
  const plan = (await api('POST', '/api/v1/plans', { body: planBody() })).json();
  t.equal((await api('POST', `/api/v1/plans/${plan.id}/commit`, { body: { entropyAt: soon(60_000) } })).statusCode, 201);
  t.equal((await api('PATCH', `/api/v1/plans/${plan.id}`, { body: { title: 'x' } })).statusCode, 409);
  t.equal((await api('GET', `/api/v1/plans/${plan.id}/preview`)).statusCode, 409, 'preview is for drafts');
});

t.test('entropyAt and witnesses: on the plan, patched, and the commit’s timing rule', async (t) => {
  const { api, database } = await buildTestApp(t);
  await seedDirectories(database.db, syntheticDirectories(40));
  const witnesses = ['区司法局', '区纪委监委派驻组', '企业代表'];
  const at = new Date(Date.now() + 3_600_000).toISOString();
  const created = await api('POST', '/api/v1/plans', { body: planBody({ entropyAt: at.replace('Z', '+00:00'), witnesses }) });
  t.equal(created.statusCode, 201, created.body);
  const plan = created.json();
  t.equal(plan.entropyAt, at, 'normalized to UTC with milliseconds');
  t.same(plan.witnesses, witnesses);
  let patched = (await api('PATCH', `/api/v1/plans/${plan.id}`, { body: { witnesses: ['区司法局'] } })).json();
  t.same(patched.witnesses, ['区司法局']);
  t.equal(patched.entropyAt, at, 'other fields kept');
  patched = (await api('PATCH', `/api/v1/plans/${plan.id}`, { body: { entropyAt: null } })).json();
  t.equal(patched.entropyAt, null, 'entropyAt cleared');

  // Without entropyAt anywhere the commit is refused, naming entropyAt.
  let res = await api('POST', `/api/v1/plans/${plan.id}/commit`);
  t.equal(res.statusCode, 422);
  t.equal(res.json().details[0].field, 'entropyAt');
  // Not later than the commit: refused.
  for (const early of [new Date(Date.now() - 1000).toISOString(), new Date().toISOString()]) {
    res = await api('POST', `/api/v1/plans/${plan.id}/commit`, { body: { entropyAt: early } });
    t.equal(res.statusCode, 422, `entropyAt ${early}`);
    t.equal(res.json().details[0].field, 'entropyAt');
    t.match(res.json().message, /not later than the commit/);
  }
  t.equal((await api('POST', `/api/v1/plans/${plan.id}/commit`, { body: { entropyAt: 'soon' } })).statusCode, 400);
  t.equal(await count(database.db, 'plan_commits'), 0, 'nothing committed');

  // The plan's entropyAt is used when the commit gives none…
  await api('PATCH', `/api/v1/plans/${plan.id}`, { body: { entropyAt: at } });
  res = await api('POST', `/api/v1/plans/${plan.id}/commit`);
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.json().entropyAt, at);
  t.equal(res.json().records, 2);
  t.equal((await api('GET', `/api/v1/plans/${plan.id}`)).json().entropyAt, at);
  // …and the commit's overrides it.
  const other = (await api('POST', '/api/v1/plans', { body: planBody({ entropyAt: at }) })).json();
  const override = new Date(Date.now() + 7_200_000).toISOString();
  res = await api('POST', `/api/v1/plans/${other.id}/commit`, { body: { entropyAt: override } });
  t.equal(res.json().entropyAt, override);
  t.equal((await api('GET', `/api/v1/plans/${other.id}`)).json().entropyAt, override, 'the plan shows the committed entropyAt');
});

t.test('poolRule: items, filters as given, cooldown and the entities each exclusion left out', async (t) => {
  const { api, database } = await buildTestApp(t);
  await seedDirectories(database.db, {
    departments: [{ code: 'WJW' }],
    items: [{ code: 'GW', departmentCode: 'WJW', gradeScheme: 'credit-4', targetType: 'company' }],
    entities: [
      { id: 'C1', type: 'company', region: '500103' },
      { id: 'C2', type: 'company', region: '500103' },
      { id: 'C3', type: 'company', region: '500103' },
      { id: 'C4', type: 'company', region: '500103', status: 'deregistered' },
      { id: 'C5', type: 'company', region: '500105', status: 'deregistered' },
      { id: 'S1', type: 'shop', region: '500103', status: 'deregistered' },
    ],
    inspectors: [
      { id: 'WJ-1', departmentCode: 'WJW' },
      { id: 'WJ-2', departmentCode: 'WJW' },
    ],
  });
  const body = planBody({ items: ['GW'], inspectorsPerTask: { WJW: 2 }, ratiosBp: { A: 0, B: 3400, C: 0, D: 0 }, filters: { regions: ['500103'] } });
  const first = (await api('POST', '/api/v1/plans', { body })).json();
  const c1 = await commitAndWait({ api }, first.id);
  t.same(
    c1.json().poolRule,
    {
      items: ['GW'],
      regions: ['500103'],
      targeting: 'targeted',
      cooldownDays: 0,
      excludedCooldown: 0,
      excludedInactive: 1,
      excludedYearly: 0,
      excludedFrequency: 0,
    },
    'C4 is inactive; C5 (another region) and S1 (a shop) never matched',
  );
  const drawn = (await api('POST', `/api/v1/plans/${first.id}/draw`, { body: { publicEntropy: 'x' } })).json();
  t.equal(drawn.tasks.length, 2);
  const second = (await api('POST', '/api/v1/plans', { body: { ...body, cooldownDays: 30 } })).json();
  const c2 = await api('POST', `/api/v1/plans/${second.id}/commit`, { body: { entropyAt: soon(60_000) } });
  t.equal(c2.statusCode, 201, c2.body);
  t.match(c2.json().poolRule, { cooldownDays: 30, excludedCooldown: 2, excludedInactive: 1, excludedYearly: 0, excludedFrequency: 0 });
  t.equal(c2.json().strata[1].population, 1, 'one entity left in the pool');
});

t.test('preview warnings: full ratio and single draws on a non-public scheme, inspector load, 3%', async (t) => {
  const { api, database } = await buildTestApp(t, { config: { maxAverageLoad: 5 } });
  await seedDirectories(database.db, syntheticDirectories(200));
  const codes = async (body: Record<string, unknown>) => {
    const plan = (await api('POST', '/api/v1/plans', { body: planBody(body) })).json();
    const p = (await api('GET', `/api/v1/plans/${plan.id}/preview`)).json();
    return { codes: p.warnings.map((w: { code: string }) => w.code) as string[], p };
  };
  // 200 entities: A 40, B 40, C 40, D 40, default-graded (B) 40 → B 80.
  let r = await codes({ ratiosBp: { A: 1000, B: 1000, C: 1000, D: 1000 } });
  // 20 tasks × 2: SCJG 40 / 6 = 6.67, WJW 40 / 4 = 10 tasks per inspector, both above 5.
  t.same(r.codes, ['high_inspector_load', 'high_inspector_load'], `${JSON.stringify(r.p.inspectors)}`);
  t.match(r.p.warnings[0].message, /department SCJG: 6.67 tasks per inspector on average, above 5 \(SUICHA_MAX_AVERAGE_LOAD\)/);
  r = await codes({ ratiosBp: { A: 10000, B: 100, C: 250, D: 0 } });
  t.same(
    r.codes.filter((c) => c !== 'high_inspector_load'),
    ['full_ratio_non_public', 'single_draw_in_grade', 'single_draw_in_grade'],
  );
  t.match(r.p.warnings[0].message, /grade A is drawn at 100% on a non-public grade scheme/);
  r = await codes({ ratiosBp: { A: 0, B: 100, C: 0, D: 0 } });
  t.same(r.codes, ['single_draw_in_grade', 'below_minimum_ratio'], '1 of 200 drawn: the one in B');
});

t.test('preview warnings on a public scheme: none about grades; the load threshold defaults to 30', async (t) => {
  const { api, database } = await buildTestApp(t);
  await seedDirectories(database.db, {
    departments: [{ code: 'HB' }],
    items: [{ code: 'HB-PW', departmentCode: 'HB', gradeScheme: 'env-4' }],
    entities: Array.from({ length: 70 }, (_, i) => ({ id: `E${i}` })),
    grades: [{ entityId: 'E1', scheme: 'env-4', grade: 'RED' }],
    inspectors: [
      { id: 'HB-1', departmentCode: 'HB' },
      { id: 'HB-2', departmentCode: 'HB' },
    ],
  });
  const plan = (
    await api('POST', '/api/v1/plans', {
      body: planBody({
        items: ['HB-PW'],
        gradeScheme: 'env-4',
        ratiosBp: { GREEN: 10000, BLUE: 10000, YELLOW: 10000, RED: 10000 },
        inspectorsPerTask: { HB: 2 },
      }),
    })
  ).json();
  const p = (await api('GET', `/api/v1/plans/${plan.id}/preview`)).json();
  t.same(
    p.warnings.map((w: { code: string }) => w.code),
    ['high_inspector_load'],
    'RED draws 1 and every grade is at 100%, but env-4 is public; 70 tasks × 2 / 2 = 70 > 30',
  );
});
