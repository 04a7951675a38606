import t from 'tap';
import { buildTestApp } from '../helper.ts';
import { okResult, seedPlans } from '../fixtures/tasks.ts';

t.test('a deactivated inspector’s token stops working, and works again on reactivation', async (t) => {
  const { api, database, token } = await buildTestApp(t);
  const { tasks } = await seedPlans(database);
  const sj1 = await token('inspector', 'SJ-001');
  const task = `/api/v1/tasks/${tasks[0].id}`;
  t.equal((await api('GET', task, { token: sj1 })).statusCode, 200);

  t.equal((await api('PATCH', '/api/v1/inspectors/SJ-001', { body: { active: false } })).statusCode, 200);
  for (const [method, path, body] of [
    ['GET', '/api/v1/tasks?mine=1', undefined],
    ['GET', task, undefined],
    ['PUT', `${task}/result`, okResult()],
  ] as const) {
    const res = await api(method, path, { token: sj1, body });
    t.equal(res.statusCode, 401, `${method} ${path}: ${res.body}`);
    t.equal(res.json().error, 'unauthorized');
  }
  t.equal((await api('GET', `${task}/result`)).statusCode, 404, 'nothing was written');
  // Other tokens are unaffected.
  t.equal((await api('GET', task, { token: await token('planner') })).statusCode, 200);

  t.equal((await api('PATCH', '/api/v1/inspectors/SJ-001', { body: { active: true } })).statusCode, 200);
  t.equal((await api('GET', task, { token: sj1 })).statusCode, 200, 'reactivated');
});

t.test('a task an inspector may not see is 404, exactly like a missing one', async (t) => {
  const { api, database, token } = await buildTestApp(t);
  const { tasks } = await seedPlans(database);
  const sj1 = await token('inspector', 'SJ-001'); // on the teams of seq 1 and 5, not seq 2
  const other = tasks[1].id;
  const missing = 999_999;
  for (const suffix of ['', '/result', '/result/versions', '/result/history']) {
    const hidden = await api('GET', `/api/v1/tasks/${other}${suffix}`, { token: sj1 });
    const absent = await api('GET', `/api/v1/tasks/${missing}${suffix}`, { token: sj1 });
    t.equal(hidden.statusCode, 404, `${suffix || 'task'}: not on the team → 404`);
    t.equal(absent.statusCode, 404, `${suffix || 'task'}: missing → 404`);
    t.same(
      { ...hidden.json(), message: hidden.json().message.replace(String(other), 'N') },
      { ...absent.json(), message: absent.json().message.replace(String(missing), 'N') },
      'the same answer',
    );
  }
  t.equal((await api('GET', `/api/v1/tasks/${tasks[0].id}`, { token: sj1 })).statusCode, 200, 'own task');
});

t.test('authentication runs before body parsing and validation', async (t) => {
  const { api, token } = await buildTestApp(t);
  const path = '/api/v1/departments/XX';
  const bad = [
    { body: { unknown: 1 } },
    { body: { name: 42 } },
    { body: '{"name":', contentType: 'application/json' },
    { body: '<x/>', contentType: 'application/xml' },
  ];
  for (const b of bad) {
    const none = await api('PUT', path, { token: null, ...b });
    t.equal(none.statusCode, 401, `no token: ${none.body}`);
    t.same(Object.keys(none.json()).sort(), ['details', 'error', 'message']);
    t.equal((await api('PUT', path, { token: 'sch_not-a-real-token-at-all', ...b })).statusCode, 401, 'bad token');
  }
  const auditor = await token('auditor');
  t.equal((await api('PUT', path, { token: auditor, body: { unknown: 1 } })).statusCode, 403, 'wrong role before validation');
  const planner = await token('planner');
  t.equal((await api('PUT', path, { token: planner, body: { unknown: 1 } })).statusCode, 400, 'a valid token gets the validation error');
  const ok = await api('PUT', path, { token: planner, body: { name: '测试局' } });
  t.ok(ok.statusCode === 200 || ok.statusCode === 201, `and a valid body works: ${ok.body}`);
});
