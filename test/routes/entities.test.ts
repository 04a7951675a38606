import t, { type Test } from 'tap';
import { makeUscc } from '../../src/core/uscc.ts';
import { buildTestApp, type TestApp } from '../helper.ts';

/** A valid credit code, distinct per n (渝北区, 市场监管 enterprise). */
const uscc = (n: number) => makeUscc(`91500112MA${String(n).padStart(7, '0')}`);
/** The same code with a wrong check character. */
const badCheck = (code: string) => code.slice(0, 17) + (code[17] === '0' ? '1' : '0');

const HEADER = 'id,name,type,region,industry';
const IMPORT = '/api/v1/entities/import';

/** Everything an import could change, to compare before and after a refused one. */
async function entityState(database: TestApp['database']) {
  return database.rawTransaction((tx) =>
    tx.query(`SELECT id, id_type, name, type, region, industry, address, status, tags, updated_at::text FROM entities ORDER BY id`),
  );
}

/** Imports `body` expecting a 422 and the database unchanged; returns the details as {row, column}. */
async function refused(t: Test, app: TestApp, body: string, contentType?: string) {
  const before = await entityState(app.database);
  const res = await app.api('POST', IMPORT, { body, contentType });
  t.equal(res.statusCode, 422, res.body);
  t.equal(res.json().error, 'unprocessable');
  t.same(await entityState(app.database), before, 'the database is unchanged');
  return res.json().details.map((d: { row?: number; column?: string }) => ({ row: d.row, column: d.column }));
}

async function seeded(t: Test) {
  const app = await buildTestApp(t);
  const csv = [
    `${HEADER},address,status`,
    `${uscc(1)},重庆甲有限公司,enterprise,500112,I65,渝北区一路1号,active`,
    `${uscc(2)},重庆乙有限公司,enterprise,500103,H62,渝中区二路2号,active`,
    `${uscc(3)},重庆丙火锅店,individual,500103,H62,,inactive`,
  ].join('\n');
  const res = await app.api('POST', IMPORT, { body: `${csv}\n` });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { imported: 3, updated: 0 });
  return app;
}

t.test('CSV import: new entities, then an update counts updated; columns left out keep their values', async (t) => {
  const app = await seeded(t);
  const { api } = app;
  // A file without address/status: names change, addresses and statuses stay.
  const res = await api('POST', IMPORT, {
    body: `\ufeff${HEADER}\r\n${uscc(1)},重庆甲（新名）有限公司,enterprise,500112,I65\r\n${uscc(4)},重庆丁有限公司,enterprise,500105,F52\r\n`,
  });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { imported: 1, updated: 1 });
  const one = (await api('GET', `/api/v1/entities/${uscc(1)}`)).json();
  t.match(one, { id: uscc(1), idType: 'uscc', name: '重庆甲（新名）有限公司', address: '渝北区一路1号', status: 'active', regionName: '渝北区' });
  const three = (await api('GET', `/api/v1/entities/${uscc(3)}`)).json();
  t.equal(three.status, 'inactive', 'not in the file: untouched');
  const four = (await api('GET', `/api/v1/entities/${uscc(4)}`)).json();
  t.match(four, { status: 'active', address: null, tags: [], licences: [] });
  t.equal((await api('GET', '/api/v1/entities')).json().total, 4);
});

t.test('NDJSON import with the same fields; missing keys keep stored values, null clears', async (t) => {
  const app = await seeded(t);
  const lines = [
    { id: uscc(2), name: '重庆乙有限公司', type: 'enterprise', region: '500103', industry: 'H62', address: null, tags: ['餐饮', '重点'] },
    { id: uscc(5), name: '重庆戊有限公司', type: 'enterprise', region: 500106, industry: 'C13', status: 'active' },
    { id: '500112600123456', idType: 'regNo', name: '渝北区某某便利店', type: 'individual', region: '500112', industry: 'F52' },
  ];
  const res = await app.api('POST', IMPORT, {
    body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n\n',
    contentType: 'application/x-ndjson',
  });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { imported: 2, updated: 1 });
  const two = (await app.api('GET', `/api/v1/entities/${uscc(2)}`)).json();
  t.same([two.tags, two.licences], [['餐饮', '重点'], []]);
  t.match(two, { address: null, status: 'active' });
  const five = (await app.api('GET', `/api/v1/entities/${uscc(5)}`)).json();
  t.match(five, { region: '500106', address: null });
  const reg = (await app.api('GET', '/api/v1/entities/500112600123456')).json();
  t.match(reg, { idType: 'regNo', name: '渝北区某某便利店' });
});

t.test('every kind of bad row is refused with its row and column, and nothing changes', async (t) => {
  const app = await seeded(t);
  // An update of an existing entity rides along in each file: it must not be applied either.
  const update = `${uscc(1)},改过的名字,enterprise,500112,I65`;

  t.same(await refused(t, app, `${HEADER}\n${update}\n${badCheck(uscc(9))},坏校验位,enterprise,500112,I65\n`), [{ row: 3, column: 'id' }]);
  t.same(await refused(t, app, `${HEADER}\n${update}\n${uscc(9)},甲,enterprise,500112,I65\n${uscc(9)},乙,enterprise,500112,I65\n`), [
    { row: 4, column: 'id' },
  ]);
  t.same(await refused(t, app, `${HEADER}\n${update}\n${uscc(9)},甲,enterprise,500112\n${uscc(10)},乙,enterprise,500112,I65,extra\n`), [
    { row: 3, column: undefined },
    { row: 4, column: undefined },
  ]);
  t.same(await refused(t, app, `${HEADER}\n${update}\n${uscc(9)},,enterprise,500112,I65\n`), [{ row: 3, column: 'name' }]);
  // Row problems and cross-row problems are reported together.
  t.same(
    await refused(
      t,
      app,
      `${HEADER}\n${update}\n${uscc(9)},甲,enterprise,5001,I65\n${uscc(10)},乙,enterprise,500112,I65\n${uscc(10)},丙,enterprise,500112,I65\n`,
    ),
    [
      { row: 3, column: 'region' },
      { row: 5, column: 'id' },
    ],
  );
  t.same(await refused(t, app, `${HEADER}\n${update}\n${uscc(9)},甲,enterprise,50011,I65\n${uscc(10)},乙,enterprise,990000,I65\n`), [
    { row: 3, column: 'region' },
    { row: 4, column: 'region' },
  ]);
  t.same(await refused(t, app, `${HEADER},status\n${update},active\n${uscc(9)},甲,enterprise,500112,I65,dead\n`), [{ row: 3, column: 'status' }]);
  // Not a credit code without an idType; with one, the id must still fit the snapshot pattern.
  t.same(await refused(t, app, `${HEADER},idType\n${update},\nREG-1,甲,individual,500112,F52,\nREG 2,乙,individual,500112,F52,regNo\n`), [
    { row: 3, column: 'id' },
    { row: 4, column: 'id' },
  ]);
  // An 18-character id with idType uscc given explicitly is still checked.
  t.same(await refused(t, app, `${HEADER},idType\n${update},\n${badCheck(uscc(9))},甲,enterprise,500112,I65,USCC\n`), [{ row: 3, column: 'id' }]);
  // Invalid UTF-8 (GBK bytes of 你好) on line 3.
  const gbk = Buffer.concat([
    Buffer.from(`${HEADER}\n${update}\n${uscc(9)},`),
    Buffer.from([0xc4, 0xe3, 0xba, 0xc3]),
    Buffer.from(`,enterprise,500112,I65\n${uscc(10)},乙,enterprise,500112,I65\n`),
  ]);
  const before = await entityState(app.database);
  const res = await app.api('POST', IMPORT, { body: gbk });
  t.equal(res.statusCode, 422);
  t.same(
    res.json().details.map((d: { row: number }) => d.row),
    [3],
  );
  t.match(res.json().details[0].message, /UTF-8/);
  t.same(await entityState(app.database), before);
  // Unknown and missing columns are header problems on row 1.
  t.same(await refused(t, app, `id,name,type,region,industry,owner,phone\n${update},x,y\n`), [
    { row: 1, column: 'owner' },
    { row: 1, column: 'phone' },
  ]);
  t.same(await refused(t, app, `id,name,region,industry\n${uscc(9)},甲,500112,I65\n`), [{ row: 1, column: 'type' }]);
  // NDJSON: rows are line numbers too.
  t.same(
    await refused(
      t,
      app,
      [
        JSON.stringify({ id: uscc(1), name: 'x', type: 'e', region: '500112', industry: 'I' }),
        '{"id": ',
        JSON.stringify({ id: uscc(9), name: 'x', type: 'e', region: '500112', industry: 'I', owner: 'me' }),
      ].join('\n'),
      'application/x-ndjson',
    ),
    [
      { row: 2, column: undefined },
      { row: 3, column: 'owner' },
    ],
  );
});

t.test('list, filter, get and change entities', async (t) => {
  const app = await seeded(t);
  const { api } = app;
  let list = (await api('GET', '/api/v1/entities?region=500103')).json();
  t.equal(list.total, 2);
  t.same(
    list.items.map((e: { id: string }) => e.id),
    [uscc(2), uscc(3)].sort(),
  );
  list = (await api('GET', `/api/v1/entities?q=${encodeURIComponent('火锅')}`)).json();
  t.same(
    list.items.map((e: { id: string }) => e.id),
    [uscc(3)],
  );
  list = (await api('GET', `/api/v1/entities?q=${uscc(2).slice(0, 12)}`)).json();
  t.ok(list.total >= 1, 'id prefix');
  list = (await api('GET', '/api/v1/entities?status=inactive&type=individual')).json();
  t.equal(list.total, 1);
  list = (await api('GET', '/api/v1/entities?limit=1&offset=1')).json();
  t.match(list, { total: 3, limit: 1, offset: 1 });
  t.equal(list.items.length, 1);
  t.equal((await api('GET', '/api/v1/entities?status=dead')).statusCode, 400);

  const patched = await api('PATCH', `/api/v1/entities/${uscc(1)}`, { body: { status: 'closed', address: null } });
  t.equal(patched.statusCode, 200, patched.body);
  t.match(patched.json(), { status: 'closed', address: null, name: '重庆甲有限公司' });
  t.equal((await api('PATCH', `/api/v1/entities/${uscc(1)}`, { body: { region: '12345' } })).statusCode, 422);
  t.equal((await api('PATCH', `/api/v1/entities/${uscc(1)}`, { body: { id: 'x' } })).statusCode, 400);
  t.equal((await api('PATCH', `/api/v1/entities/${uscc(99)}`, { body: { status: 'active' } })).statusCode, 404);
  t.equal((await api('GET', `/api/v1/entities/${uscc(99)}`)).statusCode, 404);
});

t.test('roles: planner imports, auditor reads but may not import, no token is 401', async (t) => {
  const app = await buildTestApp(t);
  const planner = await app.token('planner');
  const auditor = await app.token('auditor');
  const body = `${HEADER}\n${uscc(1)},甲,enterprise,500112,I65\n`;
  t.equal((await app.api('POST', IMPORT, { body, token: null })).statusCode, 401);
  t.equal((await app.api('POST', IMPORT, { body, token: auditor })).statusCode, 403);
  t.equal((await app.api('GET', '/api/v1/entities', { token: null })).statusCode, 401);
  t.equal((await entityState(app.database)).length, 0, 'refused imports wrote nothing');
  const res = await app.api('POST', IMPORT, { body, token: planner });
  t.equal(res.statusCode, 200, res.body);
  t.equal((await app.api('GET', '/api/v1/entities', { token: auditor })).json().total, 1);
  t.equal((await app.api('GET', `/api/v1/entities/${uscc(1)}`, { token: auditor })).statusCode, 200);
  t.equal((await app.api('PATCH', `/api/v1/entities/${uscc(1)}`, { token: auditor, body: { status: 'closed' } })).statusCode, 403);
});
