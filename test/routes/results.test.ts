import t from 'tap';
import { sql } from 'drizzle-orm';
import { asAdmin, buildTestApp, signing } from '../helper.ts';
import { DRAWN_PLAN, okResult, seedPlans } from '../fixtures/tasks.ts';
import { chinaDate, addDays } from '../../src/core/calendar.ts';
import { BUILTIN_RESULT_CODES } from '../../src/core/result-codes.ts';

t.test('only the task’s team or a planner enters a result', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const [task] = tasks; // team SJ-001, SJ-004, WJ-01
  const path = `/api/v1/tasks/${task.id}/result`;
  const outsider = await token('inspector', 'SJ-002');
  const auditor = await token('auditor');
  let res = await api('PUT', path, { token: outsider, body: okResult() });
  t.equal(res.statusCode, 404, 'an inspector not on the team: as if there were no such task');
  t.equal((await api('PUT', path, { token: auditor, body: okResult() })).statusCode, 403, 'auditors read only');
  t.equal((await api('PUT', path, { token: null, body: okResult() })).statusCode, 401);
  t.equal((await api('GET', path)).statusCode, 404, 'nothing was written');

  const member = await token('inspector', 'WJ-01');
  res = await api('PUT', path, { token: member, body: okResult({ attachments: [{ name: '现场照片.jpg', sha256: 'AB'.repeat(32) }] }) });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), {
    taskId: task.id,
    version: 1,
    resultCode: 'no-issue',
    resultLabel: '未发现问题',
    inspectedOn: '2025-03-10',
    followUp: 'none',
    followUpLabel: '无需后续处置',
    followUpDeadline: null,
    correctsVersion: null,
    disclosureDeadline: '2025-04-08',
    createdBy: { inspectorId: 'WJ-01' },
    published: false,
    publishedAt: null,
    publication: null,
  });
  t.same(res.json().attachments, [{ name: '现场照片.jpg', sha256: 'ab'.repeat(32) }], 'sha256 normalized to lower case');

  const planner = await token('planner');
  res = await api('PUT', `/api/v1/tasks/${tasks[1].id}/result`, { token: planner, body: okResult() });
  t.equal(res.statusCode, 201, 'a planner may enter any task’s result');
  t.equal(res.json().createdBy.inspectorId, null);
  t.equal((await api('PUT', '/api/v1/tasks/999999/result', { token: planner, body: okResult() })).statusCode, 404);
});

t.test('values are checked: codes from the lists, dates, deadline, attachments', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const path = `/api/v1/tasks/${tasks[0].id}/result`;
  const put = (body: unknown) => api('PUT', path, { token: planner, body });
  const fields = (res: { json(): { details: { field?: string }[] } }) => res.json().details.map((d) => d.field);

  let res = await put(okResult({ resultCode: 'made-up' }));
  t.equal(res.statusCode, 422);
  t.same(fields(res), ['resultCode']);
  res = await put(okResult({ followUp: 'shrug' }));
  t.equal(res.statusCode, 422);
  t.same(fields(res), ['followUp']);
  res = await put(okResult({ resultCode: 'pending-action', followUp: 'order-correction' }));
  t.equal(res.statusCode, 422, '责令改正 needs a deadline');
  t.same(fields(res), ['followUpDeadline']);
  res = await put(okResult({ followUp: 'order-correction', followUpDeadline: '2025-03-01' }));
  t.same(fields(res), ['followUpDeadline'], 'deadline before the inspection');
  res = await put(okResult({ followUpDeadline: '2025-04-01' }));
  t.same(fields(res), ['followUpDeadline'], '无需后续处置 takes no deadline');
  const tomorrow = addDays(chinaDate(new Date()), 1);
  res = await put(okResult({ inspectedOn: tomorrow }));
  t.same(fields(res), ['inspectedOn'], 'not in the future');
  res = await put(okResult({ inspectedOn: '2025-03-02' }));
  t.same(fields(res), ['inspectedOn'], 'not before the draw (2025-03-03)');
  t.match(res.json().details[0].message, /before the draw/);
  res = await put(okResult({ inspectedOn: '2025-02-30' }));
  t.same(fields(res), ['inspectedOn'], 'not a calendar date');
  res = await put(okResult({ attachments: [{ name: '笔录' }] }));
  t.same(fields(res), ['attachments/0']);
  res = await put(okResult({ resultCode: 'made-up', followUp: 'shrug', inspectedOn: '2020-01-01' }));
  t.same(fields(res), ['resultCode', 'followUp', 'inspectedOn'], 'every bad field at once');
  t.equal((await put(okResult({ inspectedOn: '10.3.2025' }))).statusCode, 400, 'malformed date');
  t.equal((await put(okResult({ extra: 1 }))).statusCode, 400, 'unknown member');
  t.equal((await put({ inspectedOn: '2025-03-10' })).statusCode, 400, 'missing members');
  t.equal((await api('GET', path)).statusCode, 404, 'no invalid input was stored');

  res = await put(okResult({ resultCode: 'pending-action', followUp: 'order-correction', followUpDeadline: '2025-04-10' }));
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.json().followUpDeadline, '2025-04-10');
  t.equal(res.json().followUpLabel, '责令改正');
});

t.test('amendments until publication are kept with who and when; published results are frozen', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const [task] = tasks;
  const path = `/api/v1/tasks/${task.id}/result`;
  const sj1 = await token('inspector', 'SJ-001');
  const sj4 = await token('inspector', 'SJ-004');
  const planner = await token('planner');
  const tokenIds = new Map<string, string>();
  for (const r of (await api('GET', '/api/v1/tokens')).json().items) tokenIds.set(r.inspectorId ?? r.role, r.id);

  t.equal((await api('PUT', path, { token: sj1, body: okResult() })).statusCode, 201);
  let res = await api('PUT', path, {
    token: sj4,
    body: okResult({ resultCode: 'undisclosed-info', followUp: 'order-correction', followUpDeadline: '2025-04-30' }),
  });
  t.equal(res.statusCode, 200, 'amended in place');
  t.equal(res.json().version, 1);
  t.match(res.json(), { createdBy: { inspectorId: 'SJ-001' }, updatedBy: { inspectorId: 'SJ-004' } });
  res = await api('PUT', path, {
    token: sj4,
    body: okResult({ resultCode: 'undisclosed-info', followUp: 'order-correction', followUpDeadline: '2025-04-30' }),
  });
  t.equal(res.statusCode, 200, 'the same values again');
  res = await api('PUT', path, { token: planner, body: okResult({ resultCode: 'corrected', findings: '已责令改正，复查合格', followUp: 'none' }) });
  t.equal(res.statusCode, 200);

  const history = (await api('GET', `${path}/history`, { token: sj1 })).json().items;
  t.equal(history.length, 3, 'an unchanged PUT adds no history');
  t.same(
    history.map((h: { action: string }) => h.action),
    ['created', 'amended', 'amended'],
  );
  t.same(
    history.map((h: { changedBy: { inspectorId: string | null } }) => h.changedBy.inspectorId),
    ['SJ-001', 'SJ-004', null],
  );
  t.equal(history[0].changedBy.tokenId, tokenIds.get('SJ-001'));
  t.equal(history[2].changedBy.tokenId, tokenIds.get('planner'));
  t.same(history[1].values, {
    resultCode: 'undisclosed-info',
    inspectedOn: '2025-03-10',
    findings: '现场检查未发现问题',
    followUp: 'order-correction',
    followUpDeadline: '2025-04-30',
    attachments: [],
    mode: 'written',
  });
  t.equal(history[2].values.findings, '已责令改正，复查合格');
  for (const h of history) t.ok(Date.parse(h.changedAt) <= Date.now() && Date.parse(h.changedAt) > Date.now() - 600_000, 'changedAt is now');
  t.equal((await api('GET', `${path}/history`, { token: await token('inspector', 'SJ-002') })).statusCode, 404, 'not on the team: 404');

  t.equal((await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished' } })).statusCode, 201);
  res = await api('PUT', path, { token: sj1, body: okResult() });
  t.equal(res.statusCode, 409, 'no edits after publication');
  t.match(res.json().message, /published/);
  res = await api('PUT', path, { token: planner, body: okResult() });
  t.equal(res.statusCode, 409, 'not even by a planner');
  res = await api('GET', path);
  t.match(res.json(), { version: 1, resultCode: 'corrected', published: true, publication: { number: 1 } });

  // The database itself refuses to touch a published result, even for a superuser (its triggers).
  const admin = asAdmin(database).db;
  await t.rejects(admin.execute(sql`UPDATE results SET findings = 'x' WHERE task_id = ${task.id}`));
  await t.rejects(admin.execute(sql`DELETE FROM results WHERE task_id = ${task.id}`));
  await t.rejects(admin.execute(sql`DELETE FROM result_history`));
  t.equal((await api('GET', `${path}/history`)).json().items.length, 3);
});

t.test('a correction of a published result is a new pending version', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const member = await token('inspector', 'SJ-004');
  const path = `/api/v1/tasks/${tasks[0].id}/result`;
  t.equal((await api('PUT', path, { token: member, body: okResult({ correction: true }) })).statusCode, 409, 'nothing published to correct');
  t.equal((await api('PUT', path, { token: member, body: okResult() })).statusCode, 201);
  t.equal((await api('PUT', path, { token: member, body: okResult({ correction: true }) })).statusCode, 409, 'unpublished: amend instead');
  await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished' } });

  let res = await api('PUT', path, { token: member, body: okResult({ resultCode: 'unreachable', correction: true }) });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { version: 2, correctsVersion: 1, resultCode: 'unreachable', published: false });
  res = await api('PUT', path, { token: member, body: okResult({ resultCode: 'non-cooperation', correction: true }) });
  t.equal(res.statusCode, 200, 'the pending correction is amended');
  t.equal(res.json().version, 2);
  // The fixture is a joint plan (SCJG + WJW): the task is finished only once WJW has recorded its own result too.
  t.equal((await api('GET', `/api/v1/tasks/${tasks[0].id}`)).json().status, 'assigned');
  t.equal((await api('PUT', path, { token: await token('inspector', 'WJ-01'), body: okResult() })).statusCode, 201);
  t.equal((await api('GET', `/api/v1/tasks/${tasks[0].id}`)).json().status, 'correcting');
  const versions = (await api('GET', `${path}/versions?department=SCJG`)).json().items;
  t.same(
    versions.map((v: { version: number; resultCode: string; published: boolean }) => [v.version, v.resultCode, v.published]),
    [
      [1, 'no-issue', true],
      [2, 'non-cooperation', false],
    ],
  );
  const history = (await api('GET', `${path}/history`)).json().items;
  t.same(
    history.map((h: { department: string; action: string; version: number }) => [h.department, h.action, h.version]),
    [
      ['SCJG', 'created', 1],
      ['SCJG', 'correction', 2],
      ['SCJG', 'amended', 2],
      ['WJW', 'created', 1],
    ],
  );
});

t.test('result codes and follow-up actions: built-ins, department extensions', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  await database.db.execute(sql`INSERT INTO departments (code, name) VALUES ('STJ', '生态环境局')`);
  const planner = await token('planner');
  const inspector = await token('inspector', 'SJ-001');

  let res = await api('GET', '/api/v1/result-codes', { token: inspector });
  t.equal(res.statusCode, 200);
  const codes = res.json().items;
  t.equal(codes.length, BUILTIN_RESULT_CODES.length, 'the built-ins (14 standard categories, 已履约 and 未履约)');
  t.equal(codes.length, 16);
  t.same(
    codes.slice(0, 3).map((c: { label: string }) => c.label),
    ['未发现问题', '未按规定公示应当公示的信息', '公示信息隐瞒真实情况弄虚作假'],
  );
  t.ok(codes.every((c: { builtin: boolean; departmentCode: null }) => c.builtin && c.departmentCode === null));
  res = await api('GET', '/api/v1/follow-up-actions', { token: inspector });
  t.same(
    res.json().items.map((a: { label: string; requiresDeadline: boolean }) => [a.label, a.requiresDeadline]),
    [
      ['责令改正', true],
      ['抄告相关部门', false],
      ['移送办案机构', false],
      ['无需后续处置', false],
    ],
  );

  t.equal((await api('PUT', '/api/v1/result-codes/no-issue', { token: planner, body: { label: '没问题' } })).statusCode, 409, 'built-ins are fixed');
  t.equal((await api('PUT', '/api/v1/result-codes/x-1', { token: inspector, body: { label: 'x' } })).statusCode, 403);
  res = await api('PUT', '/api/v1/result-codes/x-1', { token: planner, body: { label: 'x', departmentCode: 'NOPE' } });
  t.equal(res.statusCode, 422);
  t.equal(res.json().details[0].field, 'departmentCode');

  res = await api('PUT', '/api/v1/result-codes/scjg-food-label', { token: planner, body: { label: '食品标签不合格', departmentCode: 'SCJG' } });
  t.equal(res.statusCode, 201);
  t.match(res.json(), { code: 'scjg-food-label', label: '食品标签不合格', departmentCode: 'SCJG', builtin: false, active: true });
  t.equal(
    (await api('PUT', '/api/v1/result-codes/scjg-food-label', { token: planner, body: { label: '食品标签标识不合格', departmentCode: 'SCJG' } }))
      .statusCode,
    200,
  );
  t.equal(
    (await api('PUT', '/api/v1/result-codes/stj-only', { token: planner, body: { label: '排污许可问题', departmentCode: 'STJ' } })).statusCode,
    201,
  );
  t.equal((await api('PUT', '/api/v1/result-codes/retired', { token: planner, body: { label: '旧分类', active: false } })).statusCode, 201);
  res = await api('PUT', '/api/v1/follow-up-actions/scjg-recheck', {
    token: planner,
    body: { label: '限期复查', departmentCode: 'SCJG', requiresDeadline: true },
  });
  t.equal(res.statusCode, 201);
  t.equal((await api('PUT', '/api/v1/follow-up-actions/none', { token: planner, body: { label: 'x' } })).statusCode, 409);
  t.equal(
    (await api('GET', '/api/v1/result-codes?department=STJ')).json().items.length,
    BUILTIN_RESULT_CODES.length + 2,
    'the common ones (incl. retired) and STJ’s',
  );

  // The task's departments are SCJG and WJW: SCJG's codes apply, STJ's do not, retired ones are refused.
  const path = `/api/v1/tasks/${tasks[0].id}/result`;
  res = await api('PUT', path, { token: planner, body: okResult({ resultCode: 'stj-only' }) });
  t.equal(res.statusCode, 422);
  t.match(res.json().details[0], { field: 'resultCode', message: /STJ/ });
  res = await api('PUT', path, { token: planner, body: okResult({ resultCode: 'retired' }) });
  t.match(res.json().details[0], { field: 'resultCode', message: /no longer/ });
  res = await api('PUT', path, { token: planner, body: okResult({ resultCode: 'scjg-food-label', followUp: 'scjg-recheck' }) });
  t.equal(res.statusCode, 422, 'the department’s action needs its deadline');
  res = await api('PUT', path, {
    token: planner,
    body: okResult({ resultCode: 'scjg-food-label', followUp: 'scjg-recheck', followUpDeadline: '2025-04-30' }),
  });
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.json().resultLabel, '食品标签标识不合格');

  const pub = await api('GET', '/public/v1/result-codes', { token: null });
  t.equal(pub.statusCode, 200);
  t.ok(pub.json().items.some((c: { code: string; label: string }) => c.code === 'scjg-food-label' && c.label === '食品标签标识不合格'));
  t.same(pub.json().items[0], { code: 'no-issue', label: '未发现问题', departmentCode: null, active: true });
  const actions = await api('GET', '/public/v1/follow-up-actions', { token: null });
  t.equal(actions.json().items.length, 5);
});
