import t from 'tap';
import { sql } from 'drizzle-orm';
import { ADMIN_TOKEN, asAdmin, buildTestApp, signing } from '../helper.ts';
import {
  COMMITTED_PLAN,
  DRAFT_PLAN,
  DRAFT_TITLE,
  DRAWN_PLAN,
  ENTITIES,
  SECRET_SEED,
  UNDRAWN_ENTITY,
  okResult,
  seedPlans,
} from '../fixtures/tasks.ts';

t.test('public plans: committed, drawn and voided only, newest first, with commitment and counts', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  for (const task of tasks.slice(0, 2)) await api('PUT', `/api/v1/tasks/${task.id}/result`, { token: planner, body: okResult() });
  await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished' } });
  await api('PUT', `/api/v1/tasks/${tasks[2].id}/result`, { token: planner, body: okResult() });

  const res = await api('GET', '/public/v1/plans', { token: null });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.equal(body.total, 2, 'the draft is not listed');
  t.same(
    body.items.map((p: { id: string }) => p.id),
    [COMMITTED_PLAN, DRAWN_PLAN],
    'newest commitment first',
  );
  const drawn = body.items[1];
  t.match(drawn, {
    id: DRAWN_PLAN,
    status: 'drawn',
    items: [
      { code: 'SCJG-01', name: '食品经营许可事项检查', departmentCode: 'SCJG' },
      { code: 'WJW-01', name: '公共场所卫生检查', departmentCode: 'WJW' },
    ],
    departments: [
      { code: 'SCJG', name: '重庆市市场监督管理局' },
      { code: 'WJW', name: '重庆市卫生健康委员会' },
    ],
    windowFrom: '2025-03-03',
    windowTo: '2025-06-30',
    commitment: /^[0-9a-f]{64}$/,
    committedAt: '2025-02-28T02:00:00.000Z',
    drawnAt: '2025-03-03T02:00:00.000Z',
    voidedAt: null,
    counts: { pool: 12, drawn: 5, resultsPublished: 2, publications: 1 },
    lastPublishedAt: String,
  });
  t.match(body.items[0], { status: 'committed', drawnAt: null, counts: { pool: 12, drawn: 0, resultsPublished: 0 }, lastPublishedAt: null });

  const ids = async (query: string) => (await api('GET', `/public/v1/plans?${query}`, { token: null })).json().items.map((p: { id: string }) => p.id);
  t.same(await ids('status=drawn'), [DRAWN_PLAN]);
  t.same(await ids('status=committed'), [COMMITTED_PLAN]);
  t.same(await ids('item=SCJG-01'), [COMMITTED_PLAN, DRAWN_PLAN]);
  t.same(await ids('item=NOPE'), []);
  t.same(await ids('department=WJW'), [COMMITTED_PLAN, DRAWN_PLAN]);
  t.same(await ids('department=STJ'), []);
  t.same(await ids('year=2025'), [COMMITTED_PLAN, DRAWN_PLAN]);
  t.same(await ids('year=2024'), []);
  t.same(await ids('limit=1&offset=1'), [DRAWN_PLAN]);
  t.equal((await api('GET', '/public/v1/plans?status=draft', { token: null })).statusCode, 400, 'drafts cannot even be asked for');
});

t.test('public results: published versions only, with when and in which publication', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  await api('PUT', `/api/v1/tasks/${tasks[0].id}/result`, {
    token: planner,
    body: okResult({ resultCode: 'pending-action', followUp: 'order-correction', followUpDeadline: '2025-04-30' }),
  });
  await api('PUT', `/api/v1/tasks/${tasks[1].id}/result`, { token: planner, body: okResult() });
  const first = (await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished' } })).json();
  await api('PUT', `/api/v1/tasks/${tasks[2].id}/result`, { token: planner, body: okResult() }); // not published

  let res = await api('GET', `/public/v1/plans/${DRAWN_PLAN}/results`, { token: null });
  t.equal(res.statusCode, 200);
  t.equal(res.json().total, 2);
  // credit-4 is not a public scheme: no seq (it is the grade order, spec §3), and the results come by entity id.
  t.same(res.json().items[0], {
    entityId: ENTITIES[0].id,
    entityName: ENTITIES[0].name,
    department: { code: 'SCJG', name: '重庆市市场监督管理局' },
    resultCode: 'pending-action',
    resultLabel: '发现问题待后续处理',
    followUp: 'order-correction',
    followUpLabel: '责令改正',
    inspectedOn: '2025-03-10',
    publishedAt: first.publishedAt,
    publicationId: first.id,
    publicationNumber: 1,
    version: 1,
    corrected: false,
  });
  t.same(
    res.json().items.map((r: { entityId: string }) => r.entityId),
    [ENTITIES[0].id, ENTITIES[1].id],
    'task 3 is recorded but not published',
  );

  // A pending correction changes nothing publicly until it is published.
  await api('PUT', `/api/v1/tasks/${tasks[0].id}/result`, { token: planner, body: okResult({ resultCode: 'corrected', correction: true }) });
  res = await api('GET', `/public/v1/plans/${DRAWN_PLAN}/results`, { token: null });
  t.equal(res.json().items[0].resultCode, 'pending-action');
  await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, {
    token: planner,
    body: { scope: 'finished', corrects: first.id, note: '整改完成，更正结果' },
  });
  res = await api('GET', `/public/v1/plans/${DRAWN_PLAN}/results?limit=1`, { token: null });
  t.match(res.json(), {
    total: 2,
    limit: 1,
    items: [{ entityId: ENTITIES[0].id, resultCode: 'corrected', version: 2, corrected: true, publicationNumber: 2 }],
  });

  res = await api('GET', `/public/v1/plans/${DRAWN_PLAN}/publications`, { token: null });
  t.match(res.json().items, [
    // ledger entry 1 is the fixture's plan.drawn
    { number: 1, corrects: null, taskCount: 2, ledgerSeq: 2 },
    { number: 2, corrects: { id: first.id, number: 1 }, note: '整改完成，更正结果', taskCount: 1, ledgerSeq: 3 },
  ]);

  t.equal((await api('GET', `/public/v1/plans/${COMMITTED_PLAN}/results`, { token: null })).json().total, 0);
  t.equal((await api('GET', `/public/v1/plans/${DRAFT_PLAN}/results`, { token: null })).statusCode, 404, 'a draft is not public');
  t.equal((await api('GET', `/public/v1/plans/${DRAFT_PLAN}/publications`, { token: null })).statusCode, 404);
  t.equal((await api('GET', '/public/v1/plans/NOPE/results', { token: null })).statusCode, 404);
});

t.test('public entities: search by name or code, public fields, published inspections', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const search = async (q: string) =>
    (await api('GET', `/public/v1/entities?q=${encodeURIComponent(q)}`, { token: null })).json() as { total: number; items: { id: string }[] };

  t.same((await search('火锅')).items, [{ id: ENTITIES[0].id, name: ENTITIES[0].name, region: '500103', type: 'company' }]);
  t.same(
    (await search('9150011')).items.map((e) => e.id),
    [ENTITIES[2].id, UNDRAWN_ENTITY.id],
    'code prefix, entities in no plan too',
  );
  t.same(
    (await search('91500110xbrc')).items.map((e) => e.id),
    [ENTITIES[2].id],
    'case-insensitive code prefix',
  );
  t.same(
    (await search(ENTITIES[3].id)).items.map((e) => e.id),
    [ENTITIES[3].id],
  );
  t.equal((await search('%')).total, 0, 'LIKE wildcards are literal');
  t.equal((await search('_')).total, 0);
  t.equal((await search('重庆')).total, 3);
  t.equal((await api('GET', '/public/v1/entities', { token: null })).statusCode, 400, 'q is required');

  let res = await api('GET', `/public/v1/entities/${ENTITIES[0].id}`, { token: null });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { id: ENTITIES[0].id, name: ENTITIES[0].name, region: '500103', type: 'company', inspections: [], followUps: [] });
  await api('PUT', `/api/v1/tasks/${tasks[0].id}/result`, {
    token: planner,
    body: okResult({ resultCode: 'undisclosed-info', followUp: 'notify-department' }),
  });
  res = await api('GET', `/public/v1/entities/${ENTITIES[0].id}`, { token: null });
  t.same(res.json().inspections, [], 'an unpublished result is not an inspection the public sees');
  await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished' } });
  res = await api('GET', `/public/v1/entities/${ENTITIES[0].id}`, { token: null });
  t.match(res.json().inspections, [
    {
      planId: DRAWN_PLAN,
      planTitle: String,
      items: [{ code: 'SCJG-01' }, { code: 'WJW-01' }],
      // a joint plan: the result is SCJG's (the planner recorded the task's first department's), so SCJG inspected for it
      department: { code: 'SCJG', name: '重庆市市场监督管理局' },
      departments: [{ code: 'SCJG', name: '重庆市市场监督管理局' }],
      inspectedOn: '2025-03-10',
      resultCode: 'undisclosed-info',
      resultLabel: '未按规定公示应当公示的信息',
      followUpLabel: '抄告相关部门',
      publishedAt: String,
      publicationNumber: 1,
    },
  ]);
  t.notOk('seq' in res.json().inspections[0], 'no seq of a plan on a non-public scheme (it follows the grade order)');
  t.equal((await api('GET', '/public/v1/entities/NOPE', { token: null })).statusCode, 404);
});

t.test('privacy: the public API never shows a seed before the draw, a token, an unpublished result or a grade', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const inspector = await token('inspector', 'SJ-001');
  const SECRET_FINDINGS = '机密：现场发现账外账册（内部）';
  const SECRET_ATTACHMENT = 'https://evidence.internal.example/secret-photo-7f3a.jpg';
  for (const task of tasks.slice(0, 2)) {
    await api('PUT', `/api/v1/tasks/${task.id}/result`, {
      token: planner,
      body: okResult({ findings: SECRET_FINDINGS, attachments: [{ name: '照片', uri: SECRET_ATTACHMENT }] }),
    });
  }
  await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished' } });
  // Recorded, never published: a distinctive result on entity 4.
  await api('PUT', `/api/v1/tasks/${tasks[3].id}/result`, { token: planner, body: okResult({ resultCode: 'false-disclosure' }) });
  // A distinctive grade in a non-public scheme.
  await database.db.execute(sql`UPDATE current_grades SET grade = 'ZQXJ' WHERE entity_id = ${ENTITIES[0].id}`);
  // (A drawn task is never rewritten by the service: staged as an administrator.)
  await asAdmin(database).db.execute(sql`UPDATE tasks SET grade = 'ZQXJ' WHERE id = ${tasks[0].id}`);

  const paths = [
    '/public/v1/plans',
    '/public/v1/plans?status=committed',
    `/public/v1/plans/${DRAWN_PLAN}/results`,
    `/public/v1/plans/${COMMITTED_PLAN}/results`,
    `/public/v1/plans/${DRAWN_PLAN}/publications`,
    `/public/v1/plans/${COMMITTED_PLAN}/publications`,
    '/public/v1/entities?q=9',
    '/public/v1/entities?q=重庆',
    ...ENTITIES.map((e) => `/public/v1/entities/${e.id}`),
  ];
  const bodies: string[] = [];
  for (const path of paths) {
    const res = await api('GET', path, { token: null });
    t.equal(res.statusCode, 200, path);
    bodies.push(res.body);
  }
  const all = bodies.join('\n');
  t.notOk(all.includes(SECRET_SEED), 'no server seed of a committed, undrawn plan');
  t.notOk(all.includes(DRAFT_TITLE) || all.includes(DRAFT_PLAN), 'no draft');
  for (const secret of [planner, inspector, ADMIN_TOKEN]) t.notOk(all.includes(secret), 'no token');
  t.notOk(/sch_[A-Za-z0-9_-]{20,}/.test(all), 'nothing token-shaped');
  t.notOk(all.includes(SECRET_FINDINGS) || all.includes(SECRET_ATTACHMENT), 'no findings or attachments, even of published results');
  t.notOk(all.includes('false-disclosure') || all.includes('公示信息隐瞒真实情况弄虚作假'), 'no unpublished result');
  t.notOk(all.includes('ZQXJ'), 'no grade of a non-public scheme');
  t.notOk(/"grade"/.test(all), 'no grade at all');
  t.notOk(/server_?seed/i.test(all), 'no seed field');
  t.notOk(all.includes('某路1号'), 'no address in the public entity fields');
  // The secret seed is in the database: the test would notice if a route read it.
  const stored = await database.db.execute(sql`SELECT 1 FROM plan_commits WHERE server_seed = ${SECRET_SEED}`);
  t.ok(stored, 'the committed plan holds the secret seed');
});

t.test('lists of a plan the public sees come by entity id, never by seq (also for revision-1 data)', async (t) => {
  const { app, api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  // Reverse the draw order: entity id order and seq order now disagree (two steps: seq is unique per plan).
  await asAdmin(database).db.execute(sql`UPDATE tasks SET seq = seq + 100 WHERE plan_id = ${DRAWN_PLAN}`);
  await asAdmin(database).db.execute(sql`UPDATE tasks SET seq = 106 - seq WHERE plan_id = ${DRAWN_PLAN}`);
  const planner = await token('planner');
  for (const task of tasks) await api('PUT', `/api/v1/tasks/${task.id}/result`, { token: planner, body: okResult() });
  // a joint plan: every task has SCJG's result (the planner's default department); "all" of SCJG's
  t.equal((await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'all', department: 'SCJG' } })).statusCode, 201);
  const byId = ENTITIES.map((e) => e.id).sort();

  const plan = (await api('GET', `/public/v1/plans/${DRAWN_PLAN}/record.json`, { token: null })).json();
  t.same(Object.keys(plan.entityNames), byId, 'entityNames by entity id (the download)');
  const paged = (await api('GET', `/public/v1/plans/${DRAWN_PLAN}/tasks`, { token: null })).json();
  t.same(Object.keys(paged.entityNames), byId, 'entityNames of the first task page by entity id');
  t.same(
    paged.items.map((x: { entityId: string }) => x.entityId),
    byId,
    'the task page by entity id, whatever the seq',
  );
  const results = (await api('GET', `/public/v1/plans/${DRAWN_PLAN}/results`, { token: null })).json();
  t.same(
    results.items.map((r: { entityId: string }) => r.entityId),
    byId,
    'results by entity id',
  );
  t.notOk(
    results.items.some((r: object) => 'seq' in r),
    'and without seq',
  );
  const page = (await app.inject({ url: `/plans/${DRAWN_PLAN}` })).body;
  const listed = [...page.matchAll(/<a href="\/entities\/([^"]+)">/g)].map((m) => m[1]);
  t.same(listed, byId, 'the portal lists the drawn entities by entity id');
  t.notOk(page.includes('data-label="序号"'), 'without seq');
  t.ok(page.includes('按统一社会信用代码排序'), 'and says so');
  for (const e of ENTITIES) {
    const entity = (await app.inject({ url: `/entities/${e.id}` })).body;
    t.notMatch(entity, /第 \d+ 项/, `${e.id}: no seq on the entity page`);
  }
  const csv = (await api('GET', `/api/v1/plans/${DRAWN_PLAN}/results.csv`, { token: await token('auditor') })).body;
  t.same(
    csv
      .slice(1)
      .split('\r\n')
      .slice(1, -1)
      .map((l) => l.split(',')[0]),
    byId,
    'results.csv by entity id',
  );
});
