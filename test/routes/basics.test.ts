import t from 'tap';
import { buildTestApp, ADMIN_TOKEN } from '../helper.ts';

t.test('health answers when the database does', async (t) => {
  const { api } = await buildTestApp(t);
  const res = await api('GET', '/health', { token: null });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'ok' });
});

t.test('health answers 503 when the database is gone', async (t) => {
  const { api, database } = await buildTestApp(t);
  await database.close();
  const res = await api('GET', '/health', { token: null });
  t.equal(res.statusCode, 503);
});

t.test('management routes need a valid token with the right role', async (t) => {
  const { api, token } = await buildTestApp(t);
  let res = await api('GET', '/api/v1/departments', { token: null });
  t.equal(res.statusCode, 401);
  t.match(res.json(), { error: 'unauthorized', message: String, details: [] });
  res = await api('GET', '/api/v1/departments', { token: 'nope-not-a-token' });
  t.equal(res.statusCode, 401);
  const auditor = await token('auditor');
  res = await api('PUT', '/api/v1/departments/SCJG', { token: auditor, body: { name: '市场监管局' } });
  t.equal(res.statusCode, 403);
  t.equal(res.json().error, 'forbidden');
  res = await api('GET', '/api/v1/departments', { token: auditor });
  t.equal(res.statusCode, 200);
});

t.test('tokens: created once, stored as a hash, revocable', async (t) => {
  const { api, database } = await buildTestApp(t);
  const res = await api('POST', '/api/v1/tokens', { body: { role: 'planner', label: 'alice' } });
  t.equal(res.statusCode, 201);
  const { token, id } = res.json();
  t.match(token, /^sch_/);
  const stored = await database.rawTransaction((tx) => tx.query<{ token_hash: string }>('select token_hash from api_tokens'));
  t.notOk(
    stored.some((r) => r.token_hash === token || r.token_hash === ADMIN_TOKEN),
    'no plain token stored',
  );
  const list = await api('GET', '/api/v1/tokens');
  t.notOk(list.body.includes(token), 'the list never shows a token');
  t.equal((await api('PUT', '/api/v1/departments/SCJG', { token, body: { name: '市场监管局' } })).statusCode, 201);
  t.equal((await api('DELETE', `/api/v1/tokens/${id}`)).statusCode, 200);
  t.equal((await api('PUT', '/api/v1/departments/SCJG', { token, body: { name: '市场监管局' } })).statusCode, 401);
  const bad = await api('POST', '/api/v1/tokens', { body: { role: 'boss' } });
  t.equal(bad.statusCode, 400);
});

t.test('departments, grade schemes and items', async (t) => {
  const { api } = await buildTestApp(t);
  t.equal((await api('PUT', '/api/v1/departments/SCJG', { body: { name: '市场监管局' } })).statusCode, 201);
  const upd = await api('PUT', '/api/v1/departments/SCJG', { body: { name: '重庆市市场监督管理局' } });
  t.equal(upd.statusCode, 200);
  t.equal(upd.json().name, '重庆市市场监督管理局');
  t.equal((await api('GET', '/api/v1/departments/NOPE')).statusCode, 404);
  const bad = await api('PUT', '/api/v1/departments/bad code', { body: { name: 'x' } });
  t.equal(bad.statusCode, 400);

  const schemes = (await api('GET', '/api/v1/grade-schemes')).json().items.map((s: { code: string }) => s.code);
  for (const code of ['credit-4', 'credit-5', 'risk-4', 'public-4', 'env-4']) t.ok(schemes.includes(code), `built-in ${code}`);
  const credit4 = (await api('GET', '/api/v1/grade-schemes/credit-4')).json();
  t.same(
    credit4.grades.map((g: { code: string }) => g.code),
    ['A', 'B', 'C', 'D'],
  );

  const custom = await api('PUT', '/api/v1/grade-schemes/food-3', {
    body: {
      name: '食品安全风险分级',
      grades: [
        { code: 'LOW', label: '低风险', multiplierPct: 50, mode: 'written' },
        { code: 'HIGH', label: '高风险', multiplierPct: 200, mode: 'onsite' },
      ],
      defaultGrade: 'LOW',
      public: false,
    },
  });
  t.equal(custom.statusCode, 201, custom.body);
  const invalid = await api('PUT', '/api/v1/grade-schemes/food-4', {
    body: { name: 'x', grades: [{ code: 'A', label: 'a', multiplierPct: 100, mode: 'onsite' }], defaultGrade: 'Z', public: false },
  });
  t.equal(invalid.statusCode, 422);

  const item = await api('PUT', '/api/v1/items/SCJG-001', {
    body: { name: '企业公示信息抽查', departmentCode: 'SCJG', gradeScheme: 'credit-4', targetType: 'enterprise' },
  });
  t.equal(item.statusCode, 201, item.body);
  const unknownDept = await api('PUT', '/api/v1/items/X-1', { body: { name: 'x', departmentCode: 'NOPE', gradeScheme: 'credit-4' } });
  t.equal(unknownDept.statusCode, 422);
  t.match(unknownDept.json().details, [{ field: 'departmentCode' }]);
  const list = await api('GET', '/api/v1/items?department=SCJG');
  t.equal(list.json().total, 1);
});
