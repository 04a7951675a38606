/**
 * Joint plans (部门联合抽查) keep every department's result (谁检查、谁录入、谁公开): the fixture's drawn plan has
 * items of SCJG and WJW and teams of both; each department records, amends, corrects and publishes its own result,
 * and the task is finished only when both have recorded. A single-department plan keeps one result per task.
 */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { buildTestApp, signing } from '../helper.ts';
import { DRAWN_PLAN, ENTITIES, okResult, seedPlans } from '../fixtures/tasks.ts';
import { execRows } from '../../src/db/client.ts';
import { createLedgerRepository } from '../../src/domain/ledger/repository.ts';
import { chinaDate } from '../../src/core/calendar.ts';

t.test('a joint plan: each department records, amends, publishes and corrects its own result', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const scjg = await token('inspector', 'SJ-001'); // on task 1's team for SCJG
  const scjg2 = await token('inspector', 'SJ-004'); // also SCJG on task 1
  const wjw = await token('inspector', 'WJ-01'); // WJW on task 1
  const otherWjw = await token('inspector', 'WJ-02'); // not on task 1
  const task = tasks[0];
  const path = `/api/v1/tasks/${task.id}/result`;
  const status = async () => (await api('GET', `/api/v1/tasks/${task.id}`, { token: planner })).json().status;

  // An inspector records for their own department only.
  let res = await api('PUT', path, { token: wjw, body: okResult({ department: 'SCJG' }) });
  t.equal(res.statusCode, 403, 'a WJW inspector cannot record SCJG’s result');
  t.equal((await api('PUT', path, { token: otherWjw, body: okResult() })).statusCode, 404, 'not on the team: as if no task');
  res = await api('PUT', path, { token: planner, body: okResult({ department: 'YJJ' }) });
  t.equal(res.statusCode, 422);
  t.equal(res.json().details[0].field, 'department');
  t.equal((await api('GET', `${path}/history`, { token: planner })).json().items.length, 0, 'nothing was written');

  res = await api('PUT', path, { token: scjg, body: okResult({ findings: '食品经营：未发现问题' }) });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { department: 'SCJG', version: 1 });
  t.equal(await status(), 'assigned', 'one department of two has recorded: not finished');

  res = await api('PUT', path, {
    token: wjw,
    body: okResult({ resultCode: 'pending-action', followUp: 'order-correction', followUpDeadline: '2025-04-30' }),
  });
  t.equal(res.statusCode, 201, 'WJW’s own result is a new one, not an amendment of SCJG’s');
  t.match(res.json(), { department: 'WJW', version: 1, resultCode: 'pending-action' });
  t.equal(await status(), 'recorded', 'both departments recorded');

  // Amendments are per department: SCJG's second inspector amends SCJG's result, WJW's stays.
  res = await api('PUT', path, { token: scjg2, body: okResult({ findings: '复核后补充' }) });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { department: 'SCJG', findings: '复核后补充' });
  t.match((await api('GET', path, { token: wjw })).json(), { department: 'WJW', resultCode: 'pending-action' }, 'an inspector reads their own');
  t.match((await api('GET', `${path}?department=SCJG`, { token: wjw })).json(), { department: 'SCJG', findings: '复核后补充' });
  t.equal((await api('GET', `${path}?department=YJJ`, { token: planner })).statusCode, 422);
  const history = async (q = '') =>
    (await api('GET', `${path}/history${q}`, { token: planner }))
      .json()
      .items.map((h: { department: string; action: string }) => [h.department, h.action]);
  t.same(await history('?department=WJW'), [['WJW', 'created']]);
  t.same(await history('?department=SCJG'), [
    ['SCJG', 'created'],
    ['SCJG', 'amended'],
  ]);
  t.same((await history()).length, 3);

  // Publication by department: WJW publishes only its results.
  const publish = (body: unknown) => api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body });
  t.equal((await publish({ scope: 'finished', department: 'YJJ' })).statusCode, 422);
  res = await publish({ scope: 'finished', department: 'WJW' });
  t.equal(res.statusCode, 201, res.body);
  const byWjw = res.json();
  t.match(byWjw, { department: 'WJW', taskCount: 1 });
  t.same(byWjw.tasks, [{ entityId: task.entityId, department: 'WJW', resultCode: 'pending-action', inspectedOn: '2025-03-10' }]);
  const entries = await createLedgerRepository(database.db).page(1, 1000);
  t.match(entries.at(-1)!.body, { department: 'WJW', tasks: [{ department: 'WJW' }] }, 'the ledger entry names the department');
  t.equal((await api('GET', `${path}?department=WJW`, { token: planner })).json().published, true);
  t.equal((await api('GET', `${path}?department=SCJG`, { token: planner })).json().published, false, 'SCJG’s is not published by WJW');
  t.equal(await status(), 'recorded', 'SCJG’s result is still unpublished');
  t.equal((await publish({ scope: 'finished', department: 'WJW' })).statusCode, 409, 'nothing of WJW left');

  // Publication by plan: every department's remaining results (here SCJG's).
  res = await publish({ scope: 'finished' });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { department: null, taskCount: 1, tasks: [{ entityId: task.entityId, department: 'SCJG' }] });
  t.equal(await status(), 'published');

  // A WJW correction is WJW's own version 2; SCJG's stays version 1.
  res = await api('PUT', path, { token: wjw, body: okResult({ resultCode: 'no-issue', correction: true }) });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { department: 'WJW', version: 2, correctsVersion: 1 });
  t.equal(await status(), 'correcting');
  const versions = (await api('GET', `${path}/versions`, { token: planner })).json().items;
  t.same(
    versions.map((v: { department: string; version: number; published: boolean }) => [v.department, v.version, v.published]),
    [
      ['SCJG', 1, true],
      ['WJW', 1, true],
      ['WJW', 2, false],
    ],
  );

  // The public: one result per entity and department, on the API and the portal.
  const pub = (await api('GET', `/public/v1/plans/${DRAWN_PLAN}/results`, { token: null })).json();
  t.equal(pub.total, 2);
  t.same(
    pub.items.map((r: { entityId: string; department: { code: string }; resultCode: string }) => [r.entityId, r.department.code, r.resultCode]),
    [
      [task.entityId, 'SCJG', 'no-issue'],
      [task.entityId, 'WJW', 'pending-action'],
    ],
    'the pending WJW correction is not public',
  );
  t.notOk(
    pub.items.some((r: object) => 'seq' in r),
    'no seq on a non-public scheme',
  );
  const entity = (await api('GET', `/public/v1/entities/${task.entityId}`, { token: null })).json();
  t.same(
    entity.inspections.map((i: { department: { code: string }; departments: { code: string }[] }) => [
      i.department.code,
      i.departments.map((d) => d.code),
    ]),
    [
      ['SCJG', ['SCJG']],
      ['WJW', ['WJW']],
    ],
  );
  const page = await api('GET', `/plans/${DRAWN_PLAN}`, { token: null });
  t.equal(page.statusCode, 200);
  const row = page.body.split('<tr>').find((r: string) => r.includes(ENTITIES[0].id))!;
  t.match(row, /重庆市市场监督管理局<\/strong>.*未发现问题/s, 'the plan page shows SCJG’s result');
  t.match(row, /重庆市卫生健康委员会<\/strong>.*发现问题待后续处理/s, 'and WJW’s');

  // results.csv: a row per entity and department.
  const csv = (await api('GET', `/api/v1/plans/${DRAWN_PLAN}/results.csv`, { token: planner })).body as string;
  const lines = csv.split('\r\n').filter((l) => l.startsWith(task.entityId));
  t.equal(lines.length, 2);
  t.match(lines[0], /,SCJG-01,食品经营许可事项检查,重庆市市场监督管理局,2025-03-10,no-issue,/);
  t.match(lines[1], /,WJW-01,公共场所卫生检查,重庆市卫生健康委员会,2025-03-10,pending-action,/);
});

t.test('scope "all" waits for every department, or for the one named', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  for (const task of tasks) {
    t.equal((await api('PUT', `/api/v1/tasks/${task.id}/result`, { token: planner, body: okResult({ department: 'WJW' }) })).statusCode, 201);
  }
  const publish = (body: unknown) => api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body });
  let res = await publish({ scope: 'all' });
  t.equal(res.statusCode, 422, 'SCJG has recorded nothing');
  t.equal(res.json().details.length, 5);
  t.match(res.json().details[0].message, /has no result of SCJG/);
  res = await publish({ scope: 'all', department: 'WJW' });
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.json().taskCount, 5);
  const statuses = (await api('GET', `/api/v1/tasks?plan=${DRAWN_PLAN}`, { token: planner })).json().items.map((i: { status: string }) => i.status);
  t.same(statuses, ['assigned', 'assigned', 'assigned', 'assigned', 'assigned'], 'not finished until SCJG records');
});

t.test('a single-department plan: one result per task, as before', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  await seedPlans(database);
  const planner = await token('planner');
  await database.db.execute(sql`
    INSERT INTO plans (id, title, status, items, grade_scheme, ratios_bp, inspectors_per_task, filters, entropy_source, window_from, window_to)
    VALUES ('PLAN-ONE', '食品经营单部门抽查', 'drawn', ARRAY['SCJG-01']::text[], 'credit-4', '{"A":2000}'::jsonb, '{"SCJG":2}'::jsonb,
            '{}'::jsonb, '掷骰', '2025-03-03'::date, '2025-06-30'::date)`);
  const [row] = await execRows<{ id: string | number }>(
    database.db,
    sql`INSERT INTO tasks (plan_id, seq, entity_id, grade, mode, team_departments, team_inspectors)
        VALUES ('PLAN-ONE', 1, ${ENTITIES[1].id}, 'B', 'onsite', ARRAY['SCJG','SCJG'], ARRAY['SJ-002','SJ-003']) RETURNING id`,
  );
  const path = `/api/v1/tasks/${Number(row.id)}/result`;
  // No draw row: the task's creation (today) is its draw date, so the inspection is today.
  const today = chinaDate(new Date());
  let res = await api('PUT', path, { token: await token('inspector', 'SJ-002'), body: okResult({ inspectedOn: today }) });
  t.equal(res.statusCode, 201, res.body);
  res = await api('PUT', path, { token: planner, body: okResult({ inspectedOn: today, findings: '规划员修改' }) });
  t.equal(res.statusCode, 200, 'the planner amends the one result');
  t.match(res.json(), { department: 'SCJG', version: 1, findings: '规划员修改' });
  t.equal(
    (await api('PUT', path, { token: planner, body: okResult({ inspectedOn: today, department: 'WJW' }) })).statusCode,
    422,
    'WJW is not in this plan',
  );
  t.equal((await api('GET', `/api/v1/tasks/${Number(row.id)}`, { token: planner })).json().status, 'recorded');
  const pub = await api('POST', '/api/v1/plans/PLAN-ONE/publish', { token: planner, body: { scope: 'all' } });
  t.equal(pub.statusCode, 201, pub.body);
  t.same(pub.json().tasks, [{ entityId: ENTITIES[1].id, resultCode: 'no-issue', inspectedOn: today }], 'the ledger shape is unchanged');
  const entries = await createLedgerRepository(database.db).page(1, 1000);
  t.notOk('department' in (entries.at(-1)!.body as object), 'no department in a whole-plan publication');
  t.equal((await api('GET', `/api/v1/tasks/${Number(row.id)}`, { token: planner })).json().status, 'published');
});
