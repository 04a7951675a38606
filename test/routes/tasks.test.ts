import t from 'tap';
import { sql } from 'drizzle-orm';
import { buildTestApp, signing } from '../helper.ts';
import { DRAWN_PLAN, ENTITIES, okResult, seedPlans } from '../fixtures/tasks.ts';

t.test('an inspector lists their own tasks with entity, team, mode, plan and due date', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const sj1 = await token('inspector', 'SJ-001');
  const res = await api('GET', '/api/v1/tasks?mine=1', { token: sj1 });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  // SJ-001 is on the teams of seq 1 and 5.
  t.equal(body.total, 2);
  t.same(
    body.items.map((i: { seq: number }) => i.seq),
    [1, 5],
  );
  const first = body.items[0];
  t.match(first, {
    id: tasks[0].id,
    planId: DRAWN_PLAN,
    planTitle: String,
    seq: 1,
    entityId: ENTITIES[0].id,
    entity: { id: ENTITIES[0].id, name: ENTITIES[0].name, address: String, region: '500103' },
    mode: 'written',
    grade: null,
    status: 'assigned',
    windowFrom: '2025-03-03',
    dueDate: '2025-06-30',
    result: null,
  });
  t.same(
    first.team.map((m: { departmentCode: string; inspectorId: string; inspectorName: string }) => [m.departmentCode, m.inspectorId, m.inspectorName]),
    [
      ['SCJG', 'SJ-001', '检查员SJ-001'],
      ['SCJG', 'SJ-004', '检查员SJ-004'],
      ['WJW', 'WJ-01', '检查员WJ-01'],
    ],
  );
  t.equal(first.team[0].departmentName, '重庆市市场监督管理局');
  // Where the scheme is public the grade may be shown to inspectors too.
  await database.db.execute(sql`UPDATE grade_schemes SET public = true WHERE code = 'credit-4'`);
  t.equal((await api('GET', `/api/v1/tasks/${tasks[0].id}`, { token: sj1 })).json().grade, 'A');

  // Without mine=1 an inspector still only sees their own; asking for someone else's is refused.
  t.equal((await api('GET', '/api/v1/tasks', { token: sj1 })).json().total, 2);
  t.equal((await api('GET', '/api/v1/tasks?inspector=SJ-002', { token: sj1 })).statusCode, 403);
  t.equal((await api('GET', `/api/v1/tasks/${tasks[0].id}`, { token: sj1 })).statusCode, 200);
  const other = await api('GET', `/api/v1/tasks/${tasks[1].id}`, { token: sj1 });
  t.equal(other.statusCode, 404, 'not on the team of seq 2: 404 like a missing task');
  t.equal((await api('GET', `/api/v1/tasks/${tasks[1].id}/result`, { token: sj1 })).statusCode, 404);
  t.equal((await api('GET', '/api/v1/tasks/999999', { token: sj1 })).statusCode, 404);
});

t.test('planners and auditors filter a plan’s tasks with paging', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const auditor = await token('auditor');
  const planner = await token('planner');
  let res = await api('GET', `/api/v1/tasks?plan=${DRAWN_PLAN}&limit=2&offset=2`, { token: auditor });
  t.equal(res.statusCode, 200);
  t.equal(res.json().total, 5);
  t.same(
    res.json().items.map((i: { seq: number; entityId: string }) => [i.seq, i.entityId]),
    [
      [3, ENTITIES[2].id],
      [4, ENTITIES[3].id],
    ],
  );
  t.equal(res.json().limit, 2);
  t.equal(res.json().offset, 2);
  t.equal(res.json().items[0].grade, 'C', 'planners and auditors see the grade');

  res = await api('GET', '/api/v1/tasks?plan=NOPE', { token: auditor });
  t.equal(res.json().total, 0);
  t.equal((await api('GET', '/api/v1/tasks?department=WJW', { token: auditor })).json().total, 5);
  t.equal((await api('GET', '/api/v1/tasks?inspector=WJ-01', { token: auditor })).json().total, 2);
  t.equal((await api('GET', `/api/v1/tasks?entity=${ENTITIES[4].id}`, { token: auditor })).json().total, 1);
  t.equal((await api('GET', '/api/v1/tasks?mine=1', { token: planner })).statusCode, 422, 'mine needs an inspector token');

  // Status follows the results: assigned → recorded → published. The fixture is a joint plan: a task is recorded
  // once each of its departments (SCJG, WJW) has recorded its own result.
  t.equal((await api('PUT', `/api/v1/tasks/${tasks[0].id}/result`, { token: planner, body: okResult() })).statusCode, 201);
  t.equal((await api('GET', `/api/v1/tasks?plan=${DRAWN_PLAN}&status=recorded`, { token: auditor })).json().total, 0, 'WJW has not recorded');
  t.equal((await api('PUT', `/api/v1/tasks/${tasks[0].id}/result`, { token: planner, body: okResult({ department: 'WJW' }) })).statusCode, 201);
  res = await api('GET', `/api/v1/tasks?plan=${DRAWN_PLAN}&status=recorded`, { token: auditor });
  t.same(
    res.json().items.map((i: { seq: number }) => i.seq),
    [1],
  );
  t.match(res.json().items[0].result, { version: 1, resultCode: 'no-issue', inspectedOn: '2025-03-10', publishedAt: null });
  // 20 working days after Mon 2025-03-10, with 清明 on Fri 2025-04-04: Tue 2025-04-08.
  t.equal(res.json().items[0].result.disclosureDeadline, '2025-04-08');
  t.equal((await api('GET', `/api/v1/tasks?plan=${DRAWN_PLAN}&status=assigned`, { token: auditor })).json().total, 4);
  t.equal((await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished' } })).statusCode, 201);
  res = await api('GET', `/api/v1/tasks?plan=${DRAWN_PLAN}&status=published`, { token: auditor });
  t.same(
    res.json().items.map((i: { seq: number }) => i.seq),
    [1],
  );
  t.match(res.json().items[0].result, { publishedVersion: 1, publishedAt: String });
  t.equal((await api('GET', '/api/v1/tasks?status=nonsense', { token: auditor })).statusCode, 400);
  t.equal((await api('GET', '/api/v1/tasks', { token: null })).statusCode, 401);
});

t.test('overdue filter: a recorded result past its deadline, or no result after the window', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database, { window: ['2025-03-03', '2099-12-31'] });
  const planner = await token('planner');
  // Inspected in 2025 and never published: long overdue. The others have no result but the window is open.
  t.equal((await api('PUT', `/api/v1/tasks/${tasks[2].id}/result`, { token: planner, body: okResult() })).statusCode, 201);
  let res = await api('GET', '/api/v1/tasks?overdue=true', { token: planner });
  t.same(
    res.json().items.map((i: { seq: number }) => i.seq),
    [3],
  );
  // Publishing it takes it off the list.
  await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished' } });
  res = await api('GET', '/api/v1/tasks?overdue=true', { token: planner });
  t.equal(res.json().total, 0);
});

t.test('overdue filter: tasks without a result after the window ended', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  await seedPlans(database);
  const auditor = await token('auditor');
  const res = await api('GET', '/api/v1/tasks?overdue=true', { token: auditor });
  t.equal(res.json().total, 5, 'the 2025 window ended long ago');
});
