import t, { type Test } from 'tap';
import { buildTestApp, type TestApp } from '../helper.ts';

const HEADER = 'id,name,department,certificateNo,qualifications';
const IMPORT = '/api/v1/inspectors/import';

async function seeded(t: Test) {
  const app = await buildTestApp(t);
  for (const [code, name] of [
    ['SCJG', '市场监管局'],
    ['WJW', '卫健委'],
  ]) {
    t.equal((await app.api('PUT', `/api/v1/departments/${code}`, { body: { name } })).statusCode, 201);
  }
  for (const [code, dept] of [
    ['SCJG-001', 'SCJG'],
    ['SCJG-002', 'SCJG'],
    ['WJW-001', 'WJW'],
  ]) {
    const res = await app.api('PUT', `/api/v1/items/${code}`, { body: { name: code, departmentCode: dept, gradeScheme: 'credit-4' } });
    t.equal(res.statusCode, 201, res.body);
  }
  const res = await app.api('POST', IMPORT, {
    body: [HEADER, 'SJ-001,张三,SCJG,5000000001,', 'SJ-002,李四,SCJG,5000000002,SCJG-002;SCJG-001', 'WJ-01,王五,WJW,5000000003,WJW-001'].join('\n'),
  });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { imported: 3, updated: 0 });
  return app;
}

async function inspectorState(database: TestApp['database']) {
  return database.rawTransaction((tx) =>
    tx.query(`SELECT id, name, department_code, certificate_no, qualifications, active, updated_at::text FROM inspectors ORDER BY id`),
  );
}

const get = async (app: TestApp, id: string) => (await app.api('GET', `/api/v1/inspectors/${id}`)).json();

t.test('import, update (columns left out are kept), qualifications', async (t) => {
  const app = await seeded(t);
  t.match(await get(app, 'SJ-001'), { name: '张三', departmentCode: 'SCJG', certificateNo: '5000000001', qualifications: [], active: true });
  t.same((await get(app, 'SJ-002')).qualifications, ['SCJG-001', 'SCJG-002'], 'sorted');
  // A file without qualifications, with active.
  const res = await app.api('POST', IMPORT, {
    body: 'id,name,department,certificateNo,active\nSJ-002,李四,SCJG,5000000002,false\nSJ-003,赵六,SCJG,5000000004,是\n',
  });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { imported: 1, updated: 1 });
  t.match(await get(app, 'SJ-002'), { active: false, qualifications: ['SCJG-001', 'SCJG-002'] });
  t.match(await get(app, 'SJ-003'), { active: true, qualifications: [] });

  const nd = await app.api('POST', IMPORT, {
    contentType: 'application/x-ndjson',
    body: JSON.stringify({
      id: 'SJ-003',
      name: '赵六',
      department: 'SCJG',
      certificateNo: '5000000004',
      qualifications: ['SCJG-001'],
      active: false,
    }),
  });
  t.equal(nd.statusCode, 200, nd.body);
  t.same(nd.json(), { imported: 0, updated: 1 });
  t.match(await get(app, 'SJ-003'), { active: false, qualifications: ['SCJG-001'] });

  const list = (await app.api('GET', '/api/v1/inspectors?department=SCJG&active=true')).json();
  t.same(
    list.items.map((i: { id: string }) => i.id),
    ['SJ-001'],
  );
  t.equal((await app.api('GET', '/api/v1/inspectors?limit=2')).json().total, 4);
  t.equal((await app.api('GET', '/api/v1/inspectors/NOPE')).statusCode, 404);
});

t.test('bad rows are refused with row and column; nothing changes', async (t) => {
  const app = await seeded(t);
  const before = await inspectorState(app.database);
  const update = 'SJ-001,张三（改）,SCJG,5000000001,SCJG-001';
  const cases: [string, string, { row: number; column?: string }[]][] = [
    ['unknown department', `${HEADER}\n${update}\nSJ-009,某,SJJ,1,\n`, [{ row: 3, column: 'department' }]],
    ['unknown item', `${HEADER}\n${update}\nSJ-009,某,SCJG,1,SCJG-001;SCJG-999\n`, [{ row: 3, column: 'qualifications' }]],
    ['item of another department', `${HEADER}\n${update}\nSJ-009,某,SCJG,1,WJW-001\n`, [{ row: 3, column: 'qualifications' }]],
    ['duplicate id', `${HEADER}\n${update}\nSJ-009,某,SCJG,1,\nSJ-009,某,SCJG,2,\n`, [{ row: 4, column: 'id' }]],
    ['bad id', `${HEADER}\n${update}\nSJ 009,某,SCJG,1,\n`, [{ row: 3, column: 'id' }]],
    ['missing certificate', `${HEADER}\n${update}\nSJ-009,某,SCJG,,\n`, [{ row: 3, column: 'certificateNo' }]],
    ['bad active', `${HEADER},active\n${update},true\nSJ-009,某,SCJG,1,,maybe\n`, [{ row: 3, column: 'active' }]],
    ['wrong field count', `${HEADER}\n${update}\nSJ-009,某,SCJG\n`, [{ row: 3 }]],
    // Moving to another department while keeping qualifications of the old one.
    [
      'department change',
      `id,name,department,certificateNo\nWJ-01,王五,WJW,5000000003\nSJ-002,李四,WJW,5000000002\n`,
      [{ row: 3, column: 'qualifications' }],
    ],
  ];
  for (const [what, body, expected] of cases) {
    const res = await app.api('POST', IMPORT, { body });
    t.equal(res.statusCode, 422, `${what}: ${res.body}`);
    t.same(
      res.json().details.map((d: { row: number; column?: string }) => (d.column ? { row: d.row, column: d.column } : { row: d.row })),
      expected,
      what,
    );
    t.same(await inspectorState(app.database), before, `${what}: nothing changed`);
  }
});

t.test('PATCH an inspector', async (t) => {
  const app = await seeded(t);
  let res = await app.api('PATCH', '/api/v1/inspectors/SJ-001', { body: { active: false } });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { active: false, name: '张三' });
  res = await app.api('PATCH', '/api/v1/inspectors/SJ-001', { body: { qualifications: ['WJW-001'] } });
  t.equal(res.statusCode, 422);
  t.match(res.json().details, [{ field: 'qualifications' }]);
  res = await app.api('PATCH', '/api/v1/inspectors/SJ-002', { body: { departmentCode: 'WJW' } });
  t.equal(res.statusCode, 422, 'its qualifications are SCJG items');
  res = await app.api('PATCH', '/api/v1/inspectors/SJ-002', { body: { departmentCode: 'WJW', qualifications: ['WJW-001', 'WJW-001'] } });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { departmentCode: 'WJW', qualifications: ['WJW-001'] });
  t.equal((await app.api('PATCH', '/api/v1/inspectors/NOPE', { body: { active: true } })).statusCode, 404);
  t.equal((await app.api('PATCH', '/api/v1/inspectors/SJ-001', { body: { departmentCode: 'NOPE' } })).statusCode, 422);
});

t.test('roles', async (t) => {
  const app = await seeded(t);
  const auditor = await app.token('auditor');
  const inspector = await app.token('inspector', 'SJ-001');
  const body = `${HEADER}\nSJ-009,某,SCJG,1,\n`;
  t.equal((await app.api('POST', IMPORT, { body, token: null })).statusCode, 401);
  t.equal((await app.api('POST', IMPORT, { body, token: auditor })).statusCode, 403);
  t.equal((await app.api('POST', IMPORT, { body, token: inspector })).statusCode, 403);
  t.equal((await app.api('PATCH', '/api/v1/inspectors/SJ-001', { body: { active: false }, token: inspector })).statusCode, 403);
  t.equal((await app.api('GET', '/api/v1/inspectors', { token: inspector })).statusCode, 200, 'a read-only directory list');
  t.equal((await app.api('GET', '/api/v1/entities', { token: inspector })).statusCode, 200);
  t.equal((await app.api('GET', '/api/v1/recusals', { token: inspector })).statusCode, 403, 'recusal reasons are not for inspectors');
  t.equal((await app.api('GET', '/api/v1/inspectors', { token: auditor })).json().total, 3);
});
