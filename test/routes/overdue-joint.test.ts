/**
 * The overdue list of a joint plan (部门联合抽查): each department of a task's team records and publishes its own
 * result (谁检查、谁录入、谁公开), so the list has one item per task and department — a department that has recorded
 * nothing is late once the window ends, even when another department of the team has recorded.
 */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { buildTestApp, signing } from '../helper.ts';
import { DRAWN_PLAN, ENTITIES, okResult, seedPlans } from '../fixtures/tasks.ts';
import { execRows } from '../../src/db/client.ts';
import { addWorkingDays, BUILTIN_CALENDAR_DAYS, calendarOf } from '../../src/core/calendar.ts';

interface Item {
  taskId: number;
  seq: number;
  department: string;
  departments: string[];
  kind: string;
  inspectedOn: string | null;
  deadline: string;
  overdue: boolean;
}
const listed = (items: Item[]) => items.map((i) => [i.seq, i.department, i.kind, i.deadline]);
const calendar = calendarOf(BUILTIN_CALENDAR_DAYS);

t.test('SCJG has recorded, WJW has not: the task is listed for each, and the department filter picks one', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const auditor = await token('auditor');
  const planner = await token('planner');
  const overdue = async (q = '') => {
    const res = await api('GET', `/api/v1/overdue?plan=${DRAWN_PLAN}${q}`, { token: auditor });
    t.equal(res.statusCode, 200, res.body);
    return res.json() as { items: Item[]; total: number };
  };
  const path = `/api/v1/tasks/${tasks[0].id}/result`;
  t.equal((await api('PUT', path, { token: await token('inspector', 'SJ-001'), body: okResult() })).statusCode, 201);

  let body = await overdue();
  t.same(listed(body.items.filter((i) => i.seq === 1)), [
    [1, 'SCJG', 'not-published', '2025-04-08'],
    [1, 'WJW', 'no-result', '2025-06-30'],
  ]);
  t.equal(body.total, 10, 'tasks 2–5: both departments without a result');
  t.match(body.items[1], { taskId: tasks[0].id, entityId: ENTITIES[0].id, inspectedOn: null, departments: ['SCJG', 'WJW'], overdue: true });

  body = await overdue('&department=WJW');
  t.same(
    listed(body.items),
    [1, 2, 3, 4, 5].map((seq) => [seq, 'WJW', 'no-result', '2025-06-30']),
    'WJW’s missing result of task 1 is late although SCJG has recorded',
  );
  body = await overdue('&department=SCJG');
  t.same(listed(body.items), [[1, 'SCJG', 'not-published', '2025-04-08'], ...[2, 3, 4, 5].map((seq) => [seq, 'SCJG', 'no-result', '2025-06-30'])]);

  // WJW records later: each department's deadline runs from its own inspection.
  const wjw = await token('inspector', 'WJ-01');
  t.equal((await api('PUT', path, { token: wjw, body: okResult({ inspectedOn: '2025-05-06' }) })).statusCode, 201);
  const wjwDeadline = addWorkingDays('2025-05-06', 20, calendar);
  t.same(listed((await overdue()).items.filter((i) => i.seq === 1)), [
    [1, 'SCJG', 'not-published', '2025-04-08'],
    [1, 'WJW', 'not-published', wjwDeadline],
  ]);
  t.match((await overdue('&department=WJW')).items[0], { seq: 1, kind: 'not-published', inspectedOn: '2025-05-06', deadline: wjwDeadline });

  // SCJG publishes its own: only WJW's unpublished result of task 1 stays. SCJG's pending correction is no new
  // first result, and SCJG has a result: it is neither not-published nor no-result.
  const publish = await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished', department: 'SCJG' } });
  t.equal(publish.statusCode, 201, publish.body);
  const correction = okResult({ department: 'SCJG', resultCode: 'no-issue', correction: true, findings: '更正' });
  t.equal((await api('PUT', path, { token: planner, body: correction })).statusCode, 201);
  body = await overdue();
  t.same(listed(body.items.filter((i) => i.seq === 1)), [[1, 'WJW', 'not-published', wjwDeadline]]);
  t.equal(body.total, 9);
});

t.test('an open window lists only the recorded department, until the window is about to end', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database, { window: ['2025-03-03', '2099-12-31'] });
  const auditor = await token('auditor');
  await api('PUT', `/api/v1/tasks/${tasks[0].id}/result`, { token: await token('planner'), body: okResult() });
  const body = (await api('GET', '/api/v1/overdue', { token: auditor })).json();
  t.same(listed(body.items), [[1, 'SCJG', 'not-published', '2025-04-08']], 'WJW’s result is not due before the window ends');
  t.equal((await api('GET', '/api/v1/overdue?department=WJW', { token: auditor })).json().total, 0);
});

t.test('a single-department plan and a task without a team: one item per task', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  await seedPlans(database);
  await database.db.execute(sql`
    INSERT INTO plans (id, title, status, items, grade_scheme, ratios_bp, inspectors_per_task, filters, entropy_source, window_from, window_to)
    VALUES ('PLAN-ONE', '食品经营单部门抽查', 'drawn', ARRAY['SCJG-01']::text[], 'credit-4', '{"A":2000}'::jsonb, '{"SCJG":2}'::jsonb,
            '{}'::jsonb, '掷骰', '2025-03-03'::date, '2025-06-30'::date)`);
  // A team of two SCJG inspectors, and a task without a team: its department is the plan item's (departmentsOf).
  const rows = await execRows<{ id: string | number }>(
    database.db,
    sql`INSERT INTO tasks (plan_id, seq, entity_id, grade, mode, team_departments, team_inspectors)
        VALUES ('PLAN-ONE', 1, ${ENTITIES[1].id}, 'B', 'onsite', ARRAY['SCJG','SCJG'], ARRAY['SJ-002','SJ-003']),
               ('PLAN-ONE', 2, ${ENTITIES[2].id}, 'C', 'onsite', ARRAY[]::text[], ARRAY[]::text[])
        RETURNING id`,
  );
  const body = (await api('GET', '/api/v1/overdue?plan=PLAN-ONE', { token: await token('auditor') })).json();
  t.same(
    body.items.map((i: Item) => [i.taskId, i.department, i.departments, i.kind]),
    [
      [Number(rows[0].id), 'SCJG', ['SCJG'], 'no-result'],
      [Number(rows[1].id), 'SCJG', [], 'no-result'],
    ],
  );
});
