import t, { type Test } from 'tap';
import { makeUscc } from '../../src/core/uscc.ts';
import { buildTestApp, type TestApp } from '../helper.ts';

const uscc = (n: number) => makeUscc(`91500112MA${String(n).padStart(7, '0')}`);
const HEADER = 'inspectorId,entityId,reason';
const IMPORT = '/api/v1/recusals/import';

async function seeded(t: Test) {
  const app = await buildTestApp(t);
  t.equal((await app.api('PUT', '/api/v1/departments/SCJG', { body: { name: '市场监管局' } })).statusCode, 201);
  let res = await app.api('POST', '/api/v1/inspectors/import', {
    body: 'id,name,department,certificateNo,qualifications\nSJ-001,张三,SCJG,1,\nSJ-002,李四,SCJG,2,\n',
  });
  t.equal(res.statusCode, 200, res.body);
  const entities = [1, 2, 3].map((n) => `${uscc(n)},重庆${n}号有限公司,enterprise,500112,I65`).join('\n');
  res = await app.api('POST', '/api/v1/entities/import', { body: `id,name,type,region,industry\n${entities}\n` });
  t.equal(res.statusCode, 200, res.body);
  res = await app.api('POST', IMPORT, { body: `${HEADER}\nSJ-001,${uscc(1)},亲属关系\nSJ-002,${uscc(1)},曾在该企业任职\n` });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { imported: 2, updated: 0 });
  return app;
}

const recusalState = (database: TestApp['database']) =>
  database.rawTransaction((tx) => tx.query('SELECT inspector_id, entity_id, reason FROM recusals ORDER BY 1, 2'));

t.test('import upserts by pair; list, put and delete', async (t) => {
  const app = await seeded(t);
  let res = await app.api('POST', IMPORT, {
    contentType: 'application/x-ndjson',
    body: [
      { inspectorId: 'SJ-001', entityId: uscc(1), reason: '近亲属在该企业任职' },
      { inspectorId: 'SJ-001', entityId: uscc(2), reason: '本人申请回避' },
    ]
      .map((x) => JSON.stringify(x))
      .join('\n'),
  });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { imported: 1, updated: 1 });
  let list = (await app.api('GET', '/api/v1/recusals?inspectorId=SJ-001')).json();
  t.same(
    list.items.map((r: { entityId: string; reason: string }) => [r.entityId, r.reason]),
    [
      [uscc(1), '近亲属在该企业任职'],
      [uscc(2), '本人申请回避'],
    ].sort(),
  );
  list = (await app.api('GET', `/api/v1/recusals?entityId=${uscc(1)}`)).json();
  t.equal(list.total, 2);

  res = await app.api('PUT', `/api/v1/recusals/SJ-002/${uscc(3)}`, { body: { reason: '与该企业存在经济往来' } });
  t.equal(res.statusCode, 201, res.body);
  res = await app.api('PUT', `/api/v1/recusals/SJ-002/${uscc(3)}`, { body: { reason: '与该企业负责人有利害关系' } });
  t.equal(res.statusCode, 200);
  t.equal(res.json().reason, '与该企业负责人有利害关系');
  res = await app.api('PUT', `/api/v1/recusals/SJ-009/${uscc(3)}`, { body: { reason: 'x' } });
  t.equal(res.statusCode, 422);
  t.match(res.json().details, [{ field: 'inspectorId' }]);

  res = await app.api('DELETE', `/api/v1/recusals/SJ-001/${uscc(2)}`);
  t.equal(res.statusCode, 200);
  t.equal((await app.api('DELETE', `/api/v1/recusals/SJ-001/${uscc(2)}`)).statusCode, 404);
  t.equal((await app.api('GET', '/api/v1/recusals')).json().total, 3);
});

t.test('bad rows are refused with row and column; nothing changes', async (t) => {
  const app = await seeded(t);
  const before = await recusalState(app.database);
  const update = `SJ-001,${uscc(1)},改过的理由`;
  const cases: [string, string, { row: number; column?: string }[]][] = [
    ['unknown inspector', `${HEADER}\n${update}\nSJ-009,${uscc(2)},亲属关系\n`, [{ row: 3, column: 'inspectorId' }]],
    ['unknown entity', `${HEADER}\n${update}\nSJ-002,${uscc(9)},亲属关系\n`, [{ row: 3, column: 'entityId' }]],
    ['the same pair twice', `${HEADER}\n${update}\nSJ-002,${uscc(2)},甲\nSJ-002,${uscc(2)},乙\n`, [{ row: 4, column: 'entityId' }]],
    ['missing reason', `${HEADER}\n${update}\nSJ-002,${uscc(2)},\n`, [{ row: 3, column: 'reason' }]],
    ['unknown column', `${HEADER},note\n${update},x\n`, [{ row: 1, column: 'note' }]],
  ];
  for (const [what, body, expected] of cases) {
    const res = await app.api('POST', IMPORT, { body });
    t.equal(res.statusCode, 422, `${what}: ${res.body}`);
    t.same(
      res.json().details.map((d: { row: number; column?: string }) => (d.column ? { row: d.row, column: d.column } : { row: d.row })),
      expected,
      what,
    );
    t.same(await recusalState(app.database), before, `${what}: nothing changed`);
  }
});

t.test('roles', async (t) => {
  const app = await seeded(t);
  const auditor = await app.token('auditor');
  const planner = await app.token('planner');
  const body = `${HEADER}\nSJ-002,${uscc(2)},亲属关系\n`;
  t.equal((await app.api('POST', IMPORT, { body, token: null })).statusCode, 401);
  t.equal((await app.api('POST', IMPORT, { body, token: auditor })).statusCode, 403);
  t.equal((await app.api('DELETE', `/api/v1/recusals/SJ-001/${uscc(1)}`, { token: auditor })).statusCode, 403);
  t.equal((await app.api('GET', '/api/v1/recusals', { token: auditor })).json().total, 2);
  t.equal((await app.api('POST', IMPORT, { body, token: planner })).statusCode, 200);
  t.equal((await app.api('GET', '/api/v1/recusals', { token: planner })).json().total, 3);
});
