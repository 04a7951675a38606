/**
 * Grade reviews (复核, issue 13): a directory built with known gaps of two tiers or more (listed) and of less
 * (not listed), a violation published on a best-grade entity, keyset paging, recording reviews, the CSV export
 * and the roles. On PGlite and on PostgreSQL (DATABASE_URL).
 */
import t, { type Test } from 'tap';
import { sql } from 'drizzle-orm';
import { buildTestApp, signing, type TestApp } from '../helper.ts';
import { DRAWN_PLAN, ENTITIES, okResult, seedPlans } from '../fixtures/tasks.ts';
import { seedDirectories } from '../fixtures/directories.ts';
import { REVIEW_CSV_HEADER } from '../../src/domain/reviews/service.ts';
import { createReviewRepository, type FindingKey } from '../../src/domain/reviews/repository.ts';

type Grades = Record<string, string>;

/** Entities with grades in several schemes; `listed` is the gaps (scheme pair → tiers) that must be found. */
const GAP_ENTITIES: { id: string; grades: Grades; status?: string; listed: [string, number][] }[] = [
  { id: 'G01', grades: { 'credit-4': 'A', 'credit-5': 'E' }, listed: [['credit-4 credit-5', 3]] },
  { id: 'G02', grades: { 'credit-4': 'A', 'credit-5': 'D' }, listed: [['credit-4 credit-5', 2.25]] },
  // 1.5 tiers of credit-4: one tier and a half is not two
  { id: 'G03', grades: { 'credit-4': 'A', 'credit-5': 'C' }, listed: [] },
  { id: 'G04', grades: { 'credit-4': 'B', 'credit-5': 'E' }, listed: [['credit-4 credit-5', 2]] },
  { id: 'G05', grades: { 'credit-4': 'B', 'credit-5': 'D' }, listed: [] },
  { id: 'G06', grades: { 'credit-4': 'A', 'risk-4': 'HIGHER' }, listed: [['credit-4 risk-4', 2]] },
  { id: 'G07', grades: { 'credit-4': 'A', 'risk-4': 'NORMAL' }, listed: [] },
  { id: 'G08', grades: { 'credit-4': 'A', 'credit-5': 'E' }, status: 'deregistered', listed: [] },
  {
    id: 'G09',
    grades: { 'credit-4': 'A', 'credit-5': 'E', 'risk-4': 'LOW' },
    listed: [
      ['credit-4 credit-5', 3],
      ['credit-5 risk-4', 3],
    ],
  },
  { id: 'G10', grades: { 'credit-4': 'D' }, listed: [] },
  { id: 'G11', grades: { 'credit-4': 'C', 'risk-4': 'NORMAL' }, listed: [] },
];

interface Item {
  kind: 'gap' | 'violation';
  entity: { id: string; name: string };
  grades: { scheme: string; grade: string; position: number; grades: number; normalized: number }[];
  gap: number | null;
  result: { id: number; code: string; planId: string } | null;
  departments: { code: string; name: string }[];
  review: { outcome: string; note: string; reviewedBy: { tokenId: string; label: string | null } } | null;
}

const keyOf = (i: Item) => `${i.kind}|${i.entity.id}|${i.kind === 'gap' ? i.grades.map((g) => g.scheme).join(' ') : i.result!.id}`;

/** The fixture plan (credit-4, SCJG + WJW), a published violation on its A entity, and the gap directory. */
async function setUp(t: Test) {
  // results are signed by the team before each publication (行政处罚法 第四十二条), as test/fixtures/signatures.ts does
  const app = signing(await buildTestApp(t));
  const { database, api } = app;
  const { tasks } = await seedPlans(database);
  await seedDirectories(database.db, {
    departments: [{ code: 'HBJ', name: '生态环境局' }],
    items: [
      { code: 'WJW-05', departmentCode: 'WJW', gradeScheme: 'credit-5' },
      { code: 'HBJ-01', departmentCode: 'HBJ', gradeScheme: 'risk-4' },
    ],
    entities: GAP_ENTITIES.map((e) => ({ id: e.id, name: `企业${e.id}`, status: e.status })),
    grades: GAP_ENTITIES.flatMap((e) => Object.entries(e.grades).map(([scheme, grade]) => ({ entityId: e.id, scheme, grade }))),
  });
  const planner = await app.token('planner');
  const put = async (taskId: number, body: unknown) => {
    const res = await api('PUT', `/api/v1/tasks/${taskId}/result`, { token: planner, body });
    t.ok(res.statusCode < 300, `result recorded (${res.statusCode})`);
  };
  // ENTITIES[0] holds credit-4 A (best): a published violation on it is a finding; ENTITIES[1] holds B: not one.
  await put(tasks[0].id, okResult({ resultCode: 'pending-action', followUp: 'order-correction', followUpDeadline: '2025-04-30' }));
  await put(tasks[1].id, okResult({ resultCode: 'other-violation' }));
  await put(tasks[3].id, okResult({ resultCode: 'no-issue' }));
  const pub = await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished', department: 'SCJG' } });
  t.equal(pub.statusCode, 201, pub.body);
  // ENTITIES[2] is made best-graded, with a violation recorded but never published: not a finding.
  await database.db.execute(sql`UPDATE current_grades SET grade = 'A' WHERE entity_id = ${ENTITIES[2].id} AND scheme = 'credit-4'`);
  await put(tasks[2].id, okResult({ resultCode: 'false-disclosure' }));
  return { ...app, tasks, planner, publicationId: pub.json().id as number };
}

const list = async (app: TestApp, query: string, token?: string) => {
  const res = await app.api('GET', `/api/v1/grade-reviews${query}`, { token });
  if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
  return res.json<{ items: Item[]; next: string | null; limit: number }>();
};

/** Every page of a query, following `next`. */
async function walk(t: Test, app: TestApp, query: string, limit: number): Promise<Item[]> {
  const out: Item[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const sep = query ? '&' : '?';
    const page = await list(app, `${query}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    t.ok(page.items.length <= limit);
    out.push(...page.items);
    cursor = page.next;
    if (!cursor) return out;
  }
  throw new Error('no end');
}

t.test('the list: gaps of two tiers or more, none of less, and a published violation on a best grade', async (t) => {
  const app = await setUp(t);
  const { items } = await list(app, '?limit=1000');
  const expectedGaps = GAP_ENTITIES.flatMap((e) => e.listed.map(([pair, gap]) => `gap|${e.id}|${pair}=${gap}`));
  t.same(
    items.filter((i) => i.kind === 'gap').map((i) => `${keyOf(i)}=${i.gap}`),
    expectedGaps,
    'exactly the gaps of two tiers or more, by entity then scheme pair',
  );
  const violations = items.filter((i) => i.kind === 'violation');
  t.equal(violations.length, 1, 'one violation: the published one on the A entity');
  t.match(violations[0], {
    entity: { id: ENTITIES[0].id, name: ENTITIES[0].name },
    grades: [{ scheme: 'credit-4', grade: 'A', position: 0, grades: 4, normalized: 0 }],
    gap: null,
    result: { code: 'pending-action', planId: DRAWN_PLAN, label: '发现问题待后续处理' },
    departments: [{ code: 'SCJG', name: '重庆市市场监督管理局' }],
    review: null,
  });
  const g02 = items.find((i) => i.entity.id === 'G02')!;
  t.match(g02.grades, [
    { scheme: 'credit-4', grade: 'A', position: 0, grades: 4, normalized: 0 },
    { scheme: 'credit-5', grade: 'D', position: 3, grades: 5, normalized: 0.75 },
  ]);
  t.same(
    g02.departments.map((d) => d.code),
    ['SCJG', 'WJW'],
    'the departments with an item in either scheme',
  );
  t.same(
    items.find((i) => i.entity.id === 'G06')!.departments.map((d) => d.code),
    ['HBJ', 'SCJG', 'WJW'],
  );

  // filters
  const only = async (q: string) => (await list(app, `?limit=1000&${q}`)).items.map(keyOf);
  t.same(await only('kind=violation'), violations.map(keyOf));
  t.same(await only('scheme=risk-4'), ['gap|G06|credit-4 risk-4', 'gap|G09|credit-5 risk-4']);
  t.same(await only('department=HBJ'), ['gap|G06|credit-4 risk-4', 'gap|G09|credit-5 risk-4'], 'HBJ: its scheme risk-4 only');
  t.same(await only('department=WJW&kind=violation'), [], 'the violation was published by SCJG');
  t.same(await only('scheme=public-4'), []);
  t.equal((await app.api('GET', '/api/v1/grade-reviews?kind=other')).statusCode, 400);
  t.equal((await app.api('GET', '/api/v1/grade-reviews?grade=A')).statusCode, 400, 'unknown parameter');
  const bad = await app.api('GET', '/api/v1/grade-reviews?cursor=bm90LWEtY3Vyc29y');
  t.equal(bad.statusCode, 400);
  t.match(bad.json().details, [{ field: 'cursor' }]);

  // The latest PUBLISHED version counts: a pending correction changes nothing, its publication ends the finding.
  const correct = await app.api('PUT', `/api/v1/tasks/${app.tasks[0].id}/result`, {
    token: app.planner,
    body: okResult({ resultCode: 'no-issue', correction: true }),
  });
  t.equal(correct.statusCode, 201, correct.body);
  t.same(await only('kind=violation'), violations.map(keyOf), 'a pending correction: still listed');
  const pub = await app.api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, {
    token: app.planner,
    body: { scope: 'finished', department: 'SCJG', corrects: app.publicationId },
  });
  t.equal(pub.statusCode, 201, pub.body);
  t.same(await only('kind=violation'), [], 'the published correction says no issue: no longer a finding');
});

t.test('paging: every finding once, in order, whatever the page size', async (t) => {
  const app = await setUp(t);
  // More findings: 150 entities in gap or not (every third one tier apart), and the violated entity also in a gap.
  const grades: { entityId: string; scheme: string; grade: string }[] = [];
  const entities = Array.from({ length: 150 }, (_, i) => `P${String(i).padStart(3, '0')}`);
  for (const [i, id] of entities.entries()) {
    grades.push({ entityId: id, scheme: 'credit-4', grade: i % 3 === 0 ? 'B' : 'A' }, { entityId: id, scheme: 'risk-4', grade: 'HIGH' });
    if (i % 5 === 0) grades.push({ entityId: id, scheme: 'credit-5', grade: 'A' });
  }
  grades.push({ entityId: ENTITIES[0].id, scheme: 'credit-5', grade: 'E' });
  await seedDirectories(app.database.db, { entities: entities.map((id) => ({ id })), grades });

  const all = (await list(app, '?limit=1000')).items.map(keyOf);
  t.equal(new Set(all).size, all.length, 'no repeats in one page');
  t.ok(
    all.includes(`gap|${ENTITIES[0].id}|credit-4 credit-5`) &&
      all.includes(`violation|${ENTITIES[0].id}|${all.find((k) => k.startsWith('violation'))!.split('|')[2]}`),
  );
  // P000: credit-4 B against HIGH (2 tiers) and credit-5 A against HIGH (3) are listed, B against credit-5 A (1 tier) is not.
  t.ok(all.includes('gap|P000|credit-4 risk-4') && all.includes('gap|P000|credit-5 risk-4') && !all.includes('gap|P000|credit-4 credit-5'));
  for (const size of [1, 7, 100]) {
    const walked = (await walk(t, app, '', size)).map(keyOf);
    t.same(walked, all, `pages of ${size}: the same findings in the same order, none lost or repeated`);
  }
  // The same walk through ranges of a few grade rows per statement (the service reads 20,000 and more at a time).
  for (const rows of [1, 3, 7]) {
    const repo = createReviewRepository(app.database.db, { rows, maxRows: rows * 4 });
    const keys: string[] = [];
    for (let after: FindingKey | null = null, n = 0; n < 1000; n++) {
      const page = await repo.findings({}, after, 5);
      keys.push(...page.map((r) => `${r.kind}|${r.entity_id}|${r.kind === 'gap' ? `${r.scheme_a} ${r.scheme_b}` : r.result_id}`));
      if (page.length < 5) break;
      const last = page[4];
      after = { entityId: last.entity_id, kind: last.kind, key: last.sort_key };
    }
    t.same(keys, all, `ranges of ${rows} grade rows and more: the same findings in the same order`);
  }
  const filtered = (await list(app, '?limit=1000&scheme=credit-5')).items.map(keyOf);
  t.same((await walk(t, app, '?scheme=credit-5', 4)).map(keyOf), filtered, 'paging with a filter');
});

t.test('recording reviews: keyed by the finding, shown in the list, open filter, one review per finding', async (t) => {
  const app = await setUp(t);
  const { api, planner } = app;
  const record = (body: unknown, token = planner) => api('POST', '/api/v1/grade-reviews', { token, body });

  let res = await record({ entityId: 'G01', schemes: ['credit-5', 'credit-4'], outcome: 'confirmed', note: '两部门评价依据不同，\n维持原等级' });
  t.equal(res.statusCode, 201, res.body);
  const reviewed = res.json<Item>();
  t.match(reviewed, { kind: 'gap', entity: { id: 'G01' }, gap: 3, review: { outcome: 'confirmed', note: '两部门评价依据不同，\n维持原等级' } });
  t.equal(reviewed.review!.reviewedBy.tokenId.length > 0, true, 'the reviewer is the token');

  t.equal((await record({ entityId: 'G01', schemes: ['credit-4', 'credit-5'], outcome: 'dismissed' })).statusCode, 409, 'reviewed once');
  res = await record({ entityId: 'G03', schemes: ['credit-4', 'credit-5'], outcome: 'confirmed' });
  t.equal(res.statusCode, 422, 'a gap of 1.5 tiers is not a finding');
  t.match(res.json().details, [{ field: 'body/schemes' }]);
  res = await record({ entityId: 'G01', schemes: ['credit-4', 'credit-4'], outcome: 'confirmed' });
  t.equal(res.statusCode, 422);
  res = await record({ entityId: 'G01', outcome: 'confirmed' });
  t.equal(res.statusCode, 422, 'no finding named');
  res = await record({ entityId: 'G01', schemes: ['credit-4', 'credit-5'], resultId: 1, outcome: 'confirmed' });
  t.equal(res.statusCode, 422, 'two findings named');
  t.equal((await record({ entityId: 'G02', schemes: ['credit-4', 'credit-5'], outcome: 'maybe' })).statusCode, 400);

  const violation = (await list(app, '?kind=violation')).items[0];
  res = await record({ entityId: ENTITIES[0].id, resultId: violation.result!.id, outcome: 'corrected', note: '建议下调信用等级' });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { kind: 'violation', review: { outcome: 'corrected' } });
  res = await record({ entityId: ENTITIES[1].id, resultId: violation.result!.id, outcome: 'corrected' });
  t.equal(res.statusCode, 422, 'the result is not a finding of that entity');

  const { items } = await list(app, '?limit=1000');
  t.match(items.find((i) => i.entity.id === 'G01')!.review, { outcome: 'confirmed' });
  t.equal(items.find((i) => i.entity.id === 'G02')!.review, null);
  const open = (await list(app, '?limit=1000&open=true')).items.map(keyOf);
  const done = (await list(app, '?limit=1000&open=false')).items.map(keyOf);
  t.same(done, items.filter((i) => i.review).map(keyOf));
  t.same(done.length, 2);
  t.same(open, items.filter((i) => !i.review).map(keyOf), 'open: the unreviewed ones');

  // A new evaluation that still leaves a gap is a new, open finding: the review was of the grades then.
  await app.database.db.execute(sql`UPDATE current_grades SET grade = 'D' WHERE entity_id = 'G01' AND scheme = 'credit-5'`);
  const g01 = (await list(app, '?limit=1000&scheme=credit-5')).items.find((i) => i.entity.id === 'G01')!;
  t.match(g01, { gap: 2.25, review: null });
});

t.test('CSV export: streamed, BOM, one row per finding, department filter', async (t) => {
  const app = await setUp(t);
  await app.api('POST', '/api/v1/grade-reviews', {
    token: app.planner,
    body: { entityId: 'G06', schemes: ['credit-4', 'risk-4'], outcome: 'dismissed', note: '评价口径不同, "不予复核"' },
  });
  let res = await app.api('GET', '/api/v1/grade-reviews.csv');
  t.equal(res.statusCode, 200, res.body);
  t.match(String(res.headers['content-type']), /^text\/csv; charset=utf-8/);
  t.same([...res.raw.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte-order mark');
  const lines = res.body.replace(/^\uFEFF/, '').split('\r\n');
  t.equal(lines.pop(), '', 'CRLF after the last row');
  t.equal(lines[0], REVIEW_CSV_HEADER.join(','));
  const total = (await list(app, '?limit=1000')).items.length;
  t.equal(lines.length - 1, total, 'one row per finding');
  t.ok(lines.some((l) => l.startsWith('最优等级但检查发现问题,') && l.includes(ENTITIES[0].id) && l.includes('pending-action')));

  res = await app.api('GET', '/api/v1/grade-reviews.csv?department=HBJ');
  const rows = res.body
    .replace(/^\uFEFF/, '')
    .split('\r\n')
    .filter(Boolean)
    .slice(1);
  t.equal(rows.length, 2, 'HBJ: the two risk-4 gaps');
  t.ok(rows[0].startsWith('评价等级两档以上差距,G06,企业G06,credit-4,A A类（信用最高）,risk-4,HIGHER 信用风险较高（C类）,2,'), rows[0]);
  t.ok(rows[0].includes('不予复核,"评价口径不同, ""不予复核"""'), 'the review with RFC 4180 quoting');
  t.ok(rows[1].startsWith('评价等级两档以上差距,G09,'));
  t.equal((await app.api('GET', '/api/v1/grade-reviews.csv?department=x y')).statusCode, 400);
});

t.test('roles: planners and auditors read, planners record; no token 401, others 403', async (t) => {
  const app = await setUp(t);
  const auditor = await app.token('auditor');
  const inspector = await app.token('inspector', 'SJ-001');
  const body = { entityId: 'G02', schemes: ['credit-4', 'credit-5'], outcome: 'confirmed' };
  for (const path of ['/api/v1/grade-reviews', '/api/v1/grade-reviews.csv']) {
    t.equal((await app.api('GET', path, { token: null })).statusCode, 401, `${path} without a token`);
    t.equal((await app.api('GET', path, { token: 'sch_not-a-token' })).statusCode, 401, `${path} with a bad token`);
    t.equal((await app.api('GET', path, { token: inspector })).statusCode, 403, `${path} as an inspector`);
    t.equal((await app.api('GET', path, { token: auditor })).statusCode, 200, `${path} as an auditor`);
    t.equal((await app.api('GET', path, { token: app.planner })).statusCode, 200, `${path} as a planner`);
  }
  t.equal((await app.api('POST', '/api/v1/grade-reviews', { token: null, body })).statusCode, 401);
  t.equal((await app.api('POST', '/api/v1/grade-reviews', { token: null, body: { bad: 1 } })).statusCode, 401, 'the token before the body');
  t.equal((await app.api('POST', '/api/v1/grade-reviews', { token: inspector, body })).statusCode, 403);
  t.equal((await app.api('POST', '/api/v1/grade-reviews', { token: auditor, body })).statusCode, 403, 'an auditor reads, never records');
  const res = await app.api('POST', '/api/v1/grade-reviews', { token: app.planner, body });
  t.equal(res.statusCode, 201, res.body);
});
