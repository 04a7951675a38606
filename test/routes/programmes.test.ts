/**
 * Issue 11: annual programmes (年度抽查工作计划) — drafts checked field by field, publication as the 计划公告 (a
 * programme.published ledger entry, then frozen), plans naming a programme and batch, a second batch that respects
 * the first's draws (general item: yearly rule; key item: no limit), the budget in the preview, progress per item
 * and grade, and the public view that never ties published results to non-public grades. PGlite and PostgreSQL.
 */
import t, { type Test } from 'tap';
import { sql } from 'drizzle-orm';
import { asAdmin, buildTestApp, commitAndWait, signPending, soon, type TestApp } from '../helper.ts';
import { chinaDate, chinaYear } from '../../src/core/calendar.ts';
import { verifyLedger } from '../../src/core/ledger.ts';
import { canonicalJson } from '../../src/core/jcs.ts';
import { execRows } from '../../src/db/client.ts';
import { planBody, seedDirectories } from '../fixtures/directories.ts';

const YEAR = chinaYear(new Date());
const TODAY = chinaDate(new Date());
const ALL = { A: 10000, B: 10000, C: 10000, D: 10000 };
const BATCHES = [
  { from: `${YEAR}-01-01`, to: `${YEAR}-06-30`, title: '上半年' },
  { from: `${YEAR}-07-01`, to: `${YEAR}-12-31`, title: '下半年' },
];
/** The batch (1 or 2) today falls in: plans made today are in it. */
const CURRENT = TODAY <= `${YEAR}-06-30` ? 1 : 2;

async function setup(t: Test): Promise<TestApp> {
  const app = await buildTestApp(t);
  await seedDirectories(app.database.db, {
    departments: [{ code: 'SCJG' }, { code: 'WJW' }, { code: 'YJJ' }],
    items: [
      { code: 'G1', departmentCode: 'SCJG', gradeScheme: 'credit-4' },
      { code: 'W1', departmentCode: 'WJW', gradeScheme: 'credit-4' },
    ],
    entities: [{ id: 'EA' }, { id: 'EB' }, { id: 'EC' }, { id: 'ED' }, { id: 'EE' }],
    grades: [
      { entityId: 'EA', scheme: 'credit-4', grade: 'A' },
      { entityId: 'EB', scheme: 'credit-4', grade: 'B' },
      { entityId: 'EC', scheme: 'credit-4', grade: 'C' },
      { entityId: 'ED', scheme: 'credit-4', grade: 'D' },
      { entityId: 'EE', scheme: 'credit-4', grade: 'D' },
    ],
    inspectors: [
      { id: 'S-1', departmentCode: 'SCJG' },
      { id: 'S-2', departmentCode: 'SCJG' },
      { id: 'W-1', departmentCode: 'WJW' },
      { id: 'W-2', departmentCode: 'WJW' },
    ],
  });
  const key = await app.api('PUT', '/api/v1/items/K1', { body: { name: '重点事项', departmentCode: 'SCJG', gradeScheme: 'credit-4', kind: 'key' } });
  t.equal(key.statusCode, 201, key.body);
  return app;
}

const programmeBody = (over: Record<string, unknown> = {}) => ({
  year: YEAR,
  title: `${YEAR} 年度双随机抽查工作计划`,
  departments: ['SCJG', 'WJW'],
  notes: '依据《关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见》',
  lines: [
    { item: 'G1', ratiosBp: { A: 5000, B: 5000, C: 10000, D: 10000 }, batches: BATCHES, notes: '一般检查事项' },
    { item: 'K1', baseRatioBp: 5000, batches: BATCHES },
    { item: 'W1', ratiosBp: ALL, batches: [BATCHES[0], BATCHES[1]] },
  ],
  ...over,
});

const count = async ({ database }: TestApp, table: string) =>
  Number((await execRows<{ n: number }>(database.db, sql.raw(`SELECT count(*)::int AS n FROM ${table}`)))[0].n);

async function publishedProgramme(t: Test, app: TestApp) {
  const created = await app.api('POST', '/api/v1/programmes', { body: programmeBody() });
  t.equal(created.statusCode, 201, created.body);
  const published = await app.api('POST', `/api/v1/programmes/${created.json().id}/publish`);
  t.equal(published.statusCode, 200, published.body);
  return published.json();
}

const planOf = (programme: string, items: string[], extra: Record<string, unknown> = {}) =>
  planBody({
    items,
    ratiosBp: ALL,
    inspectorsPerTask: items.includes('W1') ? { WJW: 2 } : { SCJG: 2 },
    programme,
    batch: CURRENT,
    ...extra,
  });

async function drawPlan(t: Test, app: TestApp, body: Record<string, unknown>) {
  const plan = await app.api('POST', '/api/v1/plans', { body });
  t.equal(plan.statusCode, 201, plan.body);
  const commit = await commitAndWait(app, plan.json().id);
  t.equal(commit.statusCode, 201, commit.body);
  const draw = await app.api('POST', `/api/v1/plans/${plan.json().id}/draw`, { body: { publicEntropy: 'dice 3 5 1' } });
  t.equal(draw.statusCode, 201, draw.body);
  return { id: plan.json().id as string, commit: commit.json(), tasks: draw.json().tasks as { entityId: string }[] };
}

t.test('a draft is checked field by field and nothing is stored when it is refused', async (t) => {
  const app = await setup(t);
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['unknown department', { departments: ['SCJG', 'WJW', 'NOPE'] }, 'departments[2]'],
    ['a department without a line', { departments: ['SCJG', 'WJW', 'YJJ'] }, 'departments[2]'],
    ['an item of another department', { departments: ['SCJG'] }, 'lines[2].item'],
    ['unknown item', { lines: [{ item: 'NOPE', ratiosBp: ALL, batches: BATCHES }] }, 'lines[0].item'],
    [
      'one line per item',
      {
        lines: [
          { item: 'G1', ratiosBp: ALL, batches: BATCHES },
          { item: 'G1', ratiosBp: ALL, batches: BATCHES },
          { item: 'W1', ratiosBp: ALL, batches: BATCHES },
        ],
      },
      'lines[1].item',
    ],
    ['no ratio', { lines: [{ item: 'G1', batches: BATCHES }, programmeBody().lines[2]] }, 'lines[0].ratiosBp'],
    ['a ratio missing a grade', { lines: [{ item: 'G1', ratiosBp: { A: 1 }, batches: BATCHES }, programmeBody().lines[2]] }, 'lines[0].ratiosBp'],
    [
      'overlapping batches',
      { lines: [{ item: 'G1', ratiosBp: ALL, batches: [BATCHES[0], { from: `${YEAR}-06-30`, to: `${YEAR}-08-31` }] }, programmeBody().lines[2]] },
      'lines[0].batches[1]',
    ],
    [
      'batches out of order',
      { lines: [{ item: 'G1', ratiosBp: ALL, batches: [BATCHES[1], BATCHES[0]] }, programmeBody().lines[2]] },
      'lines[0].batches[1]',
    ],
    [
      'a batch outside the year',
      { lines: [{ item: 'G1', ratiosBp: ALL, batches: [{ from: `${YEAR + 1}-01-01`, to: `${YEAR + 1}-02-01` }] }, programmeBody().lines[2]] },
      'lines[0].batches[0].from',
    ],
    [
      'a batch ending before it starts',
      { lines: [{ item: 'G1', ratiosBp: ALL, batches: [{ from: `${YEAR}-05-01`, to: `${YEAR}-04-01` }] }, programmeBody().lines[2]] },
      'lines[0].batches[0]',
    ],
    ['a blank title', { title: '   ' }, 'title'],
  ];
  for (const [what, over, field] of cases) {
    const res = await app.api('POST', '/api/v1/programmes', { body: programmeBody(over) });
    t.equal(res.statusCode, 422, `${what}: ${res.body}`);
    t.ok(
      res.json().details.some((d: { field: string }) => d.field === field || d.field.startsWith(`${field}.`)),
      `${what}: names ${field} (${JSON.stringify(res.json().details)})`,
    );
  }
  const impossible = await app.api('POST', '/api/v1/programmes', {
    body: programmeBody({ lines: [{ item: 'G1', ratiosBp: ALL, batches: [{ from: `${YEAR}-02-30`, to: `${YEAR}-03-01` }] }] }),
  });
  t.equal(impossible.statusCode === 400 || impossible.statusCode === 422, true, `February 30th is refused: ${impossible.body}`);
  t.equal((await app.api('POST', '/api/v1/programmes', { body: { ...programmeBody(), extra: 1 } })).statusCode, 400, 'unknown member');
  t.equal(await count(app, 'programmes'), 0, 'nothing stored');
  t.equal(await count(app, 'programme_lines'), 0);
});

t.test('roles: planners write, auditors read, inspectors and strangers neither', async (t) => {
  const app = await setup(t);
  const planner = await app.token('planner');
  const auditor = await app.token('auditor');
  const inspector = await app.token('inspector', 'S-1');
  const created = await app.api('POST', '/api/v1/programmes', { token: planner, body: programmeBody() });
  t.equal(created.statusCode, 201, created.body);
  const id = created.json().id;
  t.match(id, new RegExp(`^PROG-${YEAR}-\\d{4}$`));
  t.equal(created.json().createdBy === null, false, 'the creating token is recorded');
  t.equal((await app.api('POST', '/api/v1/programmes', { token: auditor, body: programmeBody() })).statusCode, 403);
  t.equal((await app.api('POST', `/api/v1/programmes/${id}/publish`, { token: auditor })).statusCode, 403);
  t.equal((await app.api('GET', `/api/v1/programmes/${id}`, { token: auditor })).statusCode, 200);
  t.equal((await app.api('GET', '/api/v1/programmes', { token: inspector })).statusCode, 403);
  t.equal((await app.api('GET', `/api/v1/programmes/${id}`, { token: null })).statusCode, 401);
  t.equal((await app.api('PATCH', `/api/v1/programmes/${id}`, { token: inspector, body: { title: 'x' } })).statusCode, 403);
});

t.test('draft → published: the 计划公告 goes into the ledger, then nothing changes', async (t) => {
  const app = await setup(t);
  const created = (await app.api('POST', '/api/v1/programmes', { body: programmeBody() })).json();
  t.equal(created.status, 'draft');
  t.same(
    created.lines.map((l: { item: string; itemKind: string; departmentCode: string }) => [l.item, l.itemKind, l.departmentCode]),
    [
      ['G1', 'general', 'SCJG'],
      ['K1', 'key', 'SCJG'],
      ['W1', 'general', 'WJW'],
    ],
  );
  const g1 = created.lines[0];
  t.same(
    g1.strata.map((s: { grade: string; population: number; planned: number }) => [s.grade, s.population, s.planned]),
    [
      ['A', 1, 1],
      ['B', 1, 1],
      ['C', 1, 1],
      ['D', 2, 2],
    ],
    "a draft's budget from today's directory: ceil(population × ratio)",
  );
  t.same(created.lines[1].ratiosBp, { A: 2500, B: 5000, C: 7500, D: 10000 }, 'base ratio × the scheme’s multipliers');
  t.same(
    created.lines[0].batches.map((b: { number: number }) => b.number),
    [1, 2],
  );

  // The public sees nothing of a draft.
  t.equal((await app.api('GET', `/public/v1/programmes/${created.id}`, { token: null })).statusCode, 404);
  t.equal((await app.api('GET', '/public/v1/programmes', { token: null })).json().total, 0);

  const patched = await app.api('PATCH', `/api/v1/programmes/${created.id}`, { body: { title: `${YEAR} 年度抽查计划（修订）` } });
  t.equal(patched.statusCode, 200, patched.body);
  t.equal(patched.json().lines.length, 3, 'the lines stay when not given');
  const badPatch = await app.api('PATCH', `/api/v1/programmes/${created.id}`, { body: { lines: [] } });
  t.equal(badPatch.statusCode, 400, 'at least one line');

  const before = (await app.api('GET', '/public/v1/ledger/head', { token: null })).json();
  const published = await app.api('POST', `/api/v1/programmes/${created.id}/publish`);
  t.equal(published.statusCode, 200, published.body);
  const p = published.json();
  t.equal(p.status, 'published');
  t.equal(p.ledgerSeq, before.seq + 1);
  const entry = (await app.api('GET', `/public/v1/ledger/${p.ledgerSeq}`, { token: null })).json();
  t.equal(entry.kind, 'programme.published');
  t.equal(entry.planId, created.id, 'the envelope carries the programme id');
  t.same(entry.body.lines, p.lines, 'what the API shows is what was published');
  t.equal(entry.body.title, `${YEAR} 年度抽查计划（修订）`);

  // Later directory changes do not move a published budget.
  await app.api('PUT', '/api/v1/entities/EF', { body: { name: '新企业', type: 'enterprise', region: '500103' } });
  t.same((await app.api('GET', `/api/v1/programmes/${created.id}`)).json().lines, p.lines);

  t.equal((await app.api('PATCH', `/api/v1/programmes/${created.id}`, { body: { title: 'x' } })).statusCode, 409);
  t.equal((await app.api('POST', `/api/v1/programmes/${created.id}/publish`)).statusCode, 409, 'published once');
  await t.rejects(
    asAdmin(app.database).db.execute(sql`UPDATE programmes SET title = 'forged' WHERE id = ${created.id}`),
    'the trigger refuses a change to a published programme, even by the administrator',
  );
  await t.rejects(asAdmin(app.database).db.execute(sql`UPDATE programme_lines SET notes = 'forged' WHERE programme_id = ${created.id}`));

  const pub = await app.api('GET', `/public/v1/programmes/${created.id}`, { token: null });
  t.equal(pub.statusCode, 200, pub.body);
  t.same(pub.json().record, entry.body, 'the public record is the ledger body');
  t.equal(pub.json().ledger.hash, entry.hash);
  t.same(
    pub.json().departments.map((d: { code: string }) => d.code),
    ['SCJG', 'WJW'],
  );
  const list = (await app.api('GET', '/public/v1/programmes', { token: null })).json();
  t.equal(list.total, 1);
  t.same(list.items[0].items, ['G1', 'K1', 'W1']);

  // The chain still verifies with the new kind in it.
  const ledger = (await app.api('GET', '/public/v1/ledger?limit=1000', { token: null })).json();
  const entries = ledger.items ?? ledger.entries;
  t.ok(verifyLedger(entries).ok, 'ledger verifies');
  t.equal(canonicalJson(entry.body).includes('.5'), false, 'no fractional numbers in the body');
});

t.test('plans name a programme and batch; checked, and committed only once it is published', async (t) => {
  const app = await setup(t);
  const draft = (await app.api('POST', '/api/v1/programmes', { body: programmeBody() })).json();
  const fails = async (body: Record<string, unknown>, field: string, what: string) => {
    const res = await app.api('POST', '/api/v1/plans', { body });
    t.equal(res.statusCode, 422, `${what}: ${res.body}`);
    t.ok(
      res.json().details.some((d: { field: string }) => d.field === field),
      `${what}: names ${field}`,
    );
  };
  await fails(planOf('PROG-2000-9999', ['G1']), 'programme', 'unknown programme');
  await fails(planOf(draft.id, ['G1'], { batch: 3 }), 'batch', 'no third batch');
  await fails(planOf(draft.id, ['G1'], { batch: null }), 'batch', 'programme without batch');
  await fails(planBody({ items: ['G1'], inspectorsPerTask: { SCJG: 2 }, batch: 1 }), 'programme', 'batch without programme');
  await fails(planOf(draft.id, ['G1'], { batch: 1, window: { from: `${YEAR}-06-01`, to: `${YEAR}-07-15` } }), 'window', 'a window beyond the batch');
  const other = await app.api('PUT', '/api/v1/items/G9', { body: { name: '另一事项', departmentCode: 'SCJG', gradeScheme: 'credit-4' } });
  t.equal(other.statusCode, 201);
  await fails(planOf(draft.id, ['G9']), 'items[0]', 'an item that is not a line');
  const before = await count(app, 'plans');
  t.equal(before, 0, 'nothing stored');

  const plan = await app.api('POST', '/api/v1/plans', { body: planOf(draft.id, ['G1']) });
  t.equal(plan.statusCode, 201, plan.body);
  t.same(plan.json().programme, { id: draft.id, batch: CURRENT });
  const preview = (await app.api('GET', `/api/v1/plans/${plan.json().id}/preview`)).json();
  t.ok(
    preview.warnings.some((w: { code: string }) => w.code === 'programme_draft'),
    'the preview warns the programme is a draft',
  );
  const refused = await app.api('POST', `/api/v1/plans/${plan.json().id}/commit`, { body: { entropyAt: soon(60_000) } });
  t.equal(refused.statusCode, 422, refused.body);
  t.equal(refused.json().details[0].field, 'programme');
  t.equal(await count(app, 'plan_commits'), 0);

  // A programme that plans already use keeps their items and batches.
  const shrink = await app.api('PATCH', `/api/v1/programmes/${draft.id}`, { body: { lines: [programmeBody().lines[1], programmeBody().lines[2]] } });
  t.equal(shrink.statusCode, 422, shrink.body);
  t.match(shrink.json().message, /G1/);

  t.equal((await app.api('POST', `/api/v1/programmes/${draft.id}/publish`)).statusCode, 200);
  const listed = (await app.api('GET', `/api/v1/plans?programme=${draft.id}`)).json();
  t.equal(listed.total, 1);
  const commit = await commitAndWait(app, plan.json().id);
  t.equal(commit.statusCode, 201, commit.body);
  t.equal(commit.json().poolRule.programme, draft.id, 'the commit record binds the programme');
  t.equal(commit.json().poolRule.batch, CURRENT);
  const pub = (await app.api('GET', `/public/v1/plans/${plan.json().id}`, { token: null })).json();
  t.same(pub.programme, { id: draft.id, title: draft.title, batch: CURRENT });

  // Leaving the programme on a draft drops the batch too.
  const loose = (await app.api('POST', '/api/v1/plans', { body: planOf(draft.id, ['G1']) })).json();
  const left = await app.api('PATCH', `/api/v1/plans/${loose.id}`, { body: { programme: null } });
  t.equal(left.statusCode, 200, left.body);
  t.equal(left.json().programme, null);
});

t.test('two batches: the second respects the first; the budget, progress and public view', async (t) => {
  const app = await setup(t);
  const programme = await publishedProgramme(t, app);
  const otherBatch = CURRENT === 1 ? 2 : 1;

  // Batch 1 (general item G1) draws everyone: A, B, C, D, D.
  const first = await drawPlan(t, app, planOf(programme.id, ['G1'], { batch: otherBatch }));
  t.equal(first.tasks.length, 5);

  // Batch 2 of the general item: everyone was drawn this year for G1, so nobody is in the pool (一般检查事项).
  const second = (await app.api('POST', '/api/v1/plans', { body: planOf(programme.id, ['G1']) })).json();
  let preview = (await app.api('GET', `/api/v1/plans/${second.id}/preview`)).json();
  t.equal(preview.population, 0, 'the A-grade entity (and the others) drawn in batch 1 is not in batch 2’s pool');
  t.equal(preview.excluded.yearly, 5);
  t.same(
    preview.budget.lines[0].grades.map((g: { grade: string; planned: number; before: number; thisPlan: number }) => [
      g.grade,
      g.planned,
      g.before,
      g.thisPlan,
    ]),
    [
      ['A', 1, 1, 0],
      ['B', 1, 1, 0],
      ['C', 1, 1, 0],
      ['D', 2, 2, 0],
    ],
    'batch 1 took the whole annual budget of G1',
  );

  // The key item K1 (重点检查事项) has no upper limit: the A-grade entity is still in the pool.
  const key = (await app.api('POST', '/api/v1/plans', { body: planOf(programme.id, ['K1']) })).json();
  preview = (await app.api('GET', `/api/v1/plans/${key.id}/preview`)).json();
  t.equal(preview.population, 5, 'a key item keeps everyone');
  t.equal(preview.excluded.yearly, 0);
  const kb = preview.budget.lines[0].grades;
  t.same(
    kb.map((g: { grade: string; planned: number; thisPlan: number; remaining: number }) => [g.grade, g.planned, g.thisPlan, g.remaining]),
    [
      ['A', 1, 1, 0],
      ['B', 1, 1, 0],
      ['C', 1, 1, 0],
      ['D', 2, 2, 0],
    ],
    'K1 at 100% takes exactly its annual budget (base 50% × multipliers, rounded up per grade)',
  );
  t.notOk(
    preview.warnings.some((w: { code: string }) => w.code === 'programme_budget_exceeded'),
    'within the budget: no warning',
  );
  const keyDrawn = await drawPlan(t, app, planOf(programme.id, ['K1']));
  t.equal(keyDrawn.tasks.length, 5);
  const again = (await app.api('POST', '/api/v1/plans', { body: planOf(programme.id, ['K1']) })).json();
  preview = (await app.api('GET', `/api/v1/plans/${again.id}/preview`)).json();
  const beyond = preview.warnings.filter((w: { code: string }) => w.code === 'programme_budget_exceeded');
  t.equal(beyond.length, 4, `each grade beyond K1's budget warns: ${JSON.stringify(beyond)}`);
  t.match(beyond[0].message, /K1.*grade A/);

  // Progress: planned, drawn and inspected per item and grade.
  const task = (await app.api('GET', `/api/v1/tasks?plan=${first.id}&limit=100`)).json().items.find((x: { entityId: string }) => x.entityId === 'EA');
  t.ok(task, 'the A-grade task of batch 1');
  const recorded = await app.api('PUT', `/api/v1/tasks/${task.id}/result`, {
    body: { resultCode: 'no-issue', inspectedOn: TODAY, findings: '未发现问题', followUp: 'none', department: 'SCJG' },
  });
  t.equal(recorded.statusCode, 201, recorded.body);
  const progress = (await app.api('GET', `/api/v1/programmes/${programme.id}`)).json();
  const g1 = progress.progress.find((p: { item: string }) => p.item === 'G1');
  t.same(
    g1.grades.map((g: { grade: string; planned: number; drawn: number; inspected: number }) => [g.grade, g.planned, g.drawn, g.inspected]),
    [
      ['A', 1, 1, 1],
      ['B', 1, 1, 0],
      ['C', 1, 1, 0],
      ['D', 2, 2, 0],
    ],
  );
  t.match(g1, { planned: 5, drawn: 5, inspected: 1, committed: 0 });
  t.same(
    progress.plans.map((p: { id: string; batch: number; status: string }) => [p.id, p.status]),
    [
      ...[first.id, second.id, keyDrawn.id, again.id, key.id]
        .map((id) => [id, id === first.id || id === keyDrawn.id ? 'drawn' : 'draft'])
        .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    ].sort((a, b) => {
      const batch = (id: string) => (id === first.id ? otherBatch : CURRENT);
      return batch(a[0]) - batch(b[0]) || (a[0] < b[0] ? -1 : 1);
    }),
    'every plan of the programme, by batch',
  );

  // The public: no drafts, results counted once published, and per grade only on a public scheme (credit-4 is not).
  let pub = (await app.api('GET', `/public/v1/programmes/${programme.id}`, { token: null })).json();
  t.same(pub.plans.map((p: { id: string }) => p.id).sort(), [first.id, keyDrawn.id].sort(), 'drafts are not public');
  let pg1 = pub.progress.find((p: { item: string }) => p.item === 'G1');
  t.equal(pg1.gradesPublic, false);
  t.equal(pg1.inspected, 0, 'an unpublished result is not counted');
  t.ok(
    pg1.grades.every((g: { inspected: number | null }) => g.inspected === null),
    'no per-grade result counts on a non-public scheme',
  );
  await signPending(app, first.id);
  const publish = await app.api('POST', `/api/v1/plans/${first.id}/publish`, { body: { scope: 'finished' } });
  t.equal(publish.statusCode, 201, publish.body);
  pub = (await app.api('GET', `/public/v1/programmes/${programme.id}`, { token: null })).json();
  pg1 = pub.progress.find((p: { item: string }) => p.item === 'G1');
  t.equal(pg1.inspected, 1, 'the published result counts');
  t.ok(pg1.grades.every((g: { inspected: number | null }) => g.inspected === null));
});
