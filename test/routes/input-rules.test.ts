/**
 * The input rules of issue 10 (src/plugins/input.ts): the 31 requests that answered 500 before, each as a
 * regression test, and the other rules — no coercion of bodies, unknown members and query parameters named,
 * strict UTF-8 in JSON and NDJSON, region codes from the region table. Every refusal is checked for its status,
 * the one error shape, the named field, and (for writes) an unchanged database.
 */
import t, { type Test } from 'tap';
import { buildTestApp, type ApiResponse, type TestApp } from '../helper.ts';
import { DRAWN_PLAN, okResult, seedPlans } from '../fixtures/tasks.ts';
import { planBody, seedDirectories } from '../fixtures/directories.ts';
import { MAX_INT32 } from '../../src/schemas/common.ts';
import { makeUscc } from '../../src/core/uscc.ts';

interface Refusal {
  status?: number;
  field: string;
  message?: RegExp;
}

/** A JSON error in the one shape, naming `field` in its details. */
function refused(t: Test, res: Pick<ApiResponse, 'statusCode' | 'headers' | 'body'>, want: Refusal, what = '') {
  const status = want.status ?? 400;
  t.equal(res.statusCode, status, `${what} ${status}: ${res.body.slice(0, 300)}`);
  t.match(String(res.headers['content-type']), /^application\/json/, `${what} JSON`);
  const body = JSON.parse(res.body);
  t.same(Object.keys(body).sort(), ['details', 'error', 'message'], `${what} the one error shape`);
  t.equal(body.error, status === 400 ? 'bad_request' : 'unprocessable');
  const detail = (body.details as { field?: string; column?: string; row?: number; message: string }[]).find(
    (d) => d.field === want.field || d.column === want.field,
  );
  t.ok(detail, `${what} names ${want.field}: ${JSON.stringify(body.details)}`);
  if (detail && want.message) t.match(detail.message, want.message, `${what} says why`);
  return body;
}

/** The portal's Chinese HTML error page. */
function refusedPage(t: Test, res: { statusCode: number; headers: Record<string, unknown>; body: string }, name: string, what = '') {
  t.equal(res.statusCode, 400, `${what} 400`);
  t.match(String(res.headers['content-type']), /^text\/html/, `${what} an HTML page`);
  t.match(res.body, /<html lang="zh-CN">/);
  t.match(res.body, new RegExp(`参数 ${name}`), `${what} names the parameter`);
}

/** What refused writes must leave alone: every row of the tables they would touch. */
async function snapshot(app: TestApp) {
  return app.database.rawTransaction(async (tx) => {
    const out: Record<string, unknown[]> = {};
    for (const table of ['departments', 'items', 'entities', 'plans', 'results', 'ledger', 'publications', 'inspectors', 'recusals']) {
      out[table] = await tx.query(`SELECT to_jsonb(x)::text AS row FROM ${table} x ORDER BY 1`);
    }
    return out;
  });
}

const BIG = ['9223372036854775808', 'Infinity', '99999999999999999999'];

t.test('a control character in a body is 400 naming the field, and nothing is written', async (t) => {
  const app = await buildTestApp(t);
  const { api } = app;
  const { tasks } = await seedPlans(app.database);
  const before = await snapshot(app);

  // #1 department name
  refused(t, await api('PUT', '/api/v1/departments/SCJG', { body: { name: '市场\u0000监管局' } }), {
    field: 'body/name',
    message: /control characters: U\+0000 at index 2/,
  });
  // #2 plan title
  refused(t, await api('POST', '/api/v1/plans', { body: planBody({ title: '抽查\u0000计划' }) }), { field: 'body/title', message: /U\+0000/ });
  // #3 result findings
  const path = `/api/v1/tasks/${tasks[0].id}/result`;
  refused(t, await api('PUT', path, { body: okResult({ findings: '现场\u0000检查' }) }), { field: 'body/findings', message: /U\+0000/ });
  // Other control characters, DEL, and a tab in a one-line field.
  refused(t, await api('PUT', '/api/v1/departments/SCJG', { body: { name: 'a\u001bb' } }), { field: 'body/name', message: /U\+001B/ });
  refused(t, await api('PUT', '/api/v1/departments/SCJG', { body: { name: 'a\u007fb' } }), { field: 'body/name', message: /U\+007F/ });
  refused(t, await api('POST', '/api/v1/plans', { body: planBody({ title: '抽查\t计划' }) }), { field: 'body/title', message: /U\+0009/ });
  // Deep in the body: an array item, a record key.
  refused(t, await api('POST', '/api/v1/plans', { body: planBody({ witnesses: ['区司法局', '纪委\u0000'] }) }), { field: 'body/witnesses/1' });
  refused(t, await api('POST', '/api/v1/plans', { body: planBody({ inspectorsPerTask: { 'SC\u0000JG': 2 } }) }), {
    field: 'body/inspectorsPerTask',
    message: /member name/,
  });
  // A control character in a multi-line field that is not a line break or tab.
  refused(t, await api('PUT', path, { body: okResult({ findings: '第一行\n\u0007' }) }), { field: 'body/findings', message: /U\+0007.*line breaks/ });
  // A lone surrogate (a JSON \ud800 escape) is not text.
  refused(t, await api('PUT', '/api/v1/departments/SCJG', { body: Buffer.from('{"name":"市场\\ud800监管局"}'), contentType: 'application/json' }), {
    field: 'body/name',
    message: /lone surrogate/,
  });
  t.same(await snapshot(app), before, 'the database is unchanged');

  // Line breaks and tabs are fine where a text spans lines.
  const res = await api('PUT', path, { body: okResult({ findings: '第一行\r\n第二行\t（附表）' }) });
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.json().findings, '第一行\r\n第二行\t（附表）');
});

t.test('a control character in a query string is 400 naming the parameter (JSON on the APIs, a page on the portal)', async (t) => {
  const app = await buildTestApp(t);
  const { api } = app;
  await seedPlans(app.database);
  // #4 q on the public entity search, #5 on the API's, #6 on the portal
  refused(t, await api('GET', '/public/v1/entities?q=%00', { token: null }), { field: 'querystring/q', message: /U\+0000/ }, 'public q');
  refused(t, await api('GET', '/api/v1/entities?q=%00'), { field: 'querystring/q', message: /U\+0000/ }, 'api q');
  refusedPage(t, await app.app.inject({ method: 'GET', url: '/entities?q=%E9%87%8D%00' }), 'q', 'portal q');
  // #7 type, #8 industry, #9 department, #10 the ledger's plan
  refused(t, await api('GET', '/api/v1/entities?type=%00'), { field: 'querystring/type' }, 'type');
  refused(t, await api('GET', '/api/v1/entities?industry=a%00'), { field: 'querystring/industry' }, 'industry');
  refused(t, await api('GET', '/api/v1/items?department=%00'), { field: 'querystring/department' }, 'department');
  refused(t, await api('GET', '/public/v1/ledger?plan=%00', { token: null }), { field: 'querystring/plan' }, 'ledger plan');
  refusedPage(t, await app.app.inject({ method: 'GET', url: '/ledger?plan=%00' }), 'plan', 'portal ledger plan');
  // A path parameter too.
  refused(t, await api('GET', '/public/v1/entities/a%00b', { token: null }), { field: 'params/id', message: /U\+0000/ });
  // What was refused works when it is text.
  t.equal((await api('GET', '/public/v1/entities?q=%E9%87%8D%E5%BA%86', { token: null })).statusCode, 200);
  t.equal((await app.app.inject({ method: 'GET', url: '/entities?q=%E9%87%8D%E5%BA%86' })).statusCode, 200);
});

t.test('integers out of range are 400 naming the parameter, never a bigint error or a rounded value', async (t) => {
  const app = await buildTestApp(t);
  const { api } = app;
  const { tasks } = await seedPlans(app.database);
  const cases: [string, (v: string) => string, string, string | null][] = [
    // #11–#13 public entities, #14–#16 public plans, #17–#19 a plan's published results, #20–#22 ledger from,
    // #23–#25 one ledger entry, #26–#28 one task, #29–#31 the API's plan list
    ['public entities offset', (v) => `/public/v1/entities?q=%E9%87%8D&offset=${v}`, 'querystring/offset', null],
    ['public plans offset', (v) => `/public/v1/plans?offset=${v}`, 'querystring/offset', null],
    ['public results offset', (v) => `/public/v1/plans/${DRAWN_PLAN}/results?offset=${v}`, 'querystring/offset', null],
    ['ledger from', (v) => `/public/v1/ledger?from=${v}`, 'querystring/from', null],
    ['ledger seq', (v) => `/public/v1/ledger/${v}`, 'params/seq', null],
    ['task id', (v) => `/api/v1/tasks/${v}`, 'params/id', 'admin'],
    ['api plans offset', (v) => `/api/v1/plans?offset=${v}`, 'querystring/offset', 'admin'],
  ];
  for (const [what, url, field, token] of cases) {
    for (const v of BIG) {
      const body = refused(t, await api('GET', url(v), token ? {} : { token: null }), { field }, `${what}=${v}`);
      t.notMatch(body.message, /bigint|out of range for type/, 'not the database speaking');
    }
    // the largest value in range is fine (an empty page, or no such entry)
    const top = await api('GET', url(String(MAX_INT32)), token ? {} : { token: null });
    t.ok([200, 404].includes(top.statusCode), `${what}=${MAX_INT32}: ${top.statusCode} ${top.body.slice(0, 200)}`);
  }
  // 2^53 + 1 would round to 2^53: refused for the range, not silently rounded.
  refused(t, await api('GET', '/public/v1/plans?offset=9007199254740993', { token: null }), {
    field: 'querystring/offset',
    message: /<= 2147483647/,
  });
  // 1e400 is Infinity once parsed: refused as not finite, in a query and in a body.
  refused(t, await api('GET', '/public/v1/ledger?from=1e400', { token: null }), { field: 'querystring/from', message: /finite/ });
  // Only decimal numbers are numbers: not hex, not blank, not padded.
  for (const v of ['0x10', '', '%205', '1_000']) {
    refused(t, await api('GET', `/public/v1/plans?limit=${v}`, { token: null }), { field: 'querystring/limit' }, `limit=${v}`);
  }
  const res = await api('GET', '/public/v1/plans?limit=5&offset=0', { token: null });
  t.equal(res.statusCode, 200, 'number-like strings are numbers in a query string');
  t.equal(res.json().limit, 5);
  t.equal((await api('GET', `/api/v1/tasks/${tasks[0].id}`)).statusCode, 200);
});

t.test('bodies are not coerced; numbers must be finite and in range', async (t) => {
  const app = await buildTestApp(t);
  const { api } = app;
  await seedPlans(app.database);
  await api('POST', '/api/v1/plans', { body: planBody() }); // not the point: the seeded directories may not fit
  const before = await snapshot(app);
  refused(t, await api('PUT', '/api/v1/departments/SCJG', { body: { name: 1 } }), { field: 'body/name', message: /must be string/ }, '1 → "1"');
  refused(t, await api('POST', '/api/v1/plans', { body: planBody({ baseRatioBp: '500', ratiosBp: undefined }) }), {
    field: 'body/baseRatioBp',
    message: /must be integer/,
  });
  refused(
    t,
    await api('PUT', '/api/v1/departments/SCJG', { body: { name: '市场监管局', active: 'true' } }),
    { field: 'body/active' },
    '"true" → true',
  );
  refused(t, await api('PUT', '/api/v1/departments/SCJG', { body: { name: ['市场监管局'] } }), { field: 'body/name' }, '[x] → x');
  const raw = JSON.stringify(planBody({ ratiosBp: undefined })).replace(/}$/, ',"baseRatioBp":1e400}');
  refused(t, await api('POST', '/api/v1/plans', { body: Buffer.from(raw), contentType: 'application/json' }), {
    field: 'body/baseRatioBp',
    message: /finite/,
  });
  refused(t, await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { body: { scope: 'all', corrects: 2 ** 63 } }), {
    field: 'body/corrects',
    message: /<= 2147483647/,
  });
  // Deep nesting is refused before anything walks it.
  const deep = `{"name":"x","active":${'['.repeat(5000)}${']'.repeat(5000)}}`;
  refused(t, await api('PUT', '/api/v1/departments/SCJG', { body: Buffer.from(deep), contentType: 'application/json' }), {
    field: 'body/active',
    message: /nested/,
  });
  t.same(await snapshot(app), before, 'the database is unchanged');
});

t.test('unknown body members and unknown query parameters are refused, naming them', async (t) => {
  const app = await buildTestApp(t);
  const { api } = app;
  await seedPlans(app.database);
  const before = await snapshot(app);
  refused(t, await api('PUT', '/api/v1/departments/SCJG', { body: { name: '市场监管局', foo: 1 } }), {
    field: 'body/foo',
    message: /^unknown member `foo`$/,
  });
  refused(t, await api('POST', '/api/v1/plans', { body: planBody({ filters: { regions: ['500112'], grade: 'D' } }) }), {
    field: 'body/filters/grade',
    message: /unknown member `grade`/,
  });
  refused(
    t,
    await api('PUT', '/api/v1/grade-schemes/my-4', {
      body: { name: 'x', grades: [{ code: 'A', label: '好', multiplierPct: 50, mode: 'onsite', colour: 'green' }], defaultGrade: 'A', public: false },
    }),
    { field: 'body/grades/0/colour', message: /unknown member/ },
  );
  t.same(await snapshot(app), before, 'the database is unchanged');

  // Query strings: on routes with parameters, and on routes with none.
  refused(t, await api('GET', '/public/v1/plans?grade=D', { token: null }), {
    field: 'querystring/grade',
    message: /^unknown query parameter `grade`$/,
  });
  refused(t, await api('GET', '/api/v1/tasks?grade=D'), { field: 'querystring/grade' });
  refused(t, await api('GET', `/public/v1/plans/${DRAWN_PLAN}?grade=D`, { token: null }), { field: 'querystring/grade' });
  refused(t, await api('GET', '/public/v1/ledger/head?x=1', { token: null }), { field: 'querystring/x' });
  refusedPage(t, await app.app.inject({ method: 'GET', url: '/?grade=D' }), 'grade', 'portal');
  refusedPage(t, await app.app.inject({ method: 'GET', url: `/plans/${DRAWN_PLAN}?grade=D` }), 'grade', 'portal plan');
  // The parameters a route has still work, a repeated one on the portal too.
  t.equal((await api('GET', '/public/v1/plans?status=drawn&limit=1', { token: null })).statusCode, 200);
  t.equal((await app.app.inject({ method: 'GET', url: '/?status=drawn&page=1&page=2' })).statusCode, 200);
  t.equal((await app.app.inject({ method: 'GET', url: '/?page=abc' })).statusCode, 200, 'the portal still reads its own parameters leniently');
});

t.test('JSON bodies are strict UTF-8: a bad byte is 400, never U+FFFD', async (t) => {
  const app = await buildTestApp(t);
  const { api } = app;
  await seedPlans(app.database);
  const before = await snapshot(app);
  const bad = Buffer.concat([Buffer.from('{"name":"市场'), Buffer.from([0xff, 0xfe]), Buffer.from('监管局"}')]);
  refused(t, await api('PUT', '/api/v1/departments/SCJG', { body: bad, contentType: 'application/json' }), {
    field: 'body',
    message: /invalid UTF-8 at byte 15/,
  });
  // A character cut in the middle (GBK read as UTF-8 looks like this).
  const cut = Buffer.concat([Buffer.from('{"name":"'), Buffer.from('市').subarray(0, 2), Buffer.from('"}')]);
  refused(t, await api('PUT', '/api/v1/departments/SCJG', { body: cut, contentType: 'application/json; charset=utf-8' }), { field: 'body' });
  const latin1 = await api('PUT', '/api/v1/departments/SCJG', { body: Buffer.from('{"name":"x"}'), contentType: 'application/json; charset=latin1' });
  t.equal(latin1.statusCode, 415, 'another charset is refused');
  t.same(await snapshot(app), before, 'the database is unchanged');
  const ok = await api('PUT', '/api/v1/departments/SCJG', { body: Buffer.from('{"name":"市场监管局（新）"}'), contentType: 'application/json' });
  t.equal(ok.statusCode, 200, ok.body);
});

const uscc = (n: number) => makeUscc(`91500112MA${String(n).padStart(7, '0')}`);
const IMPORT = '/api/v1/entities/import';
const ndLine = (id: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({ id, name: '重庆某有限公司', type: 'company', region: '500112', industry: 'F52', ...over });

/** The {row, column} of an import's problems. */
const problems = (res: ApiResponse) =>
  (res.json().details as { row: number; column?: string }[]).map((d) => (d.column ? { row: d.row, column: d.column } : { row: d.row }));

t.test('imports: invalid UTF-8 and bad text in NDJSON are refused like in CSV, naming the row', async (t) => {
  const app = await buildTestApp(t);
  const { api } = app;
  await seedPlans(app.database);
  const before = await snapshot(app);
  const ndjson = Buffer.concat([Buffer.from(`${ndLine(uscc(1))}\n{"id":"${uscc(2)}","name":"重庆`), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
  let res = await api('POST', IMPORT, { body: ndjson, contentType: 'application/x-ndjson' });
  t.equal(res.statusCode, 422, res.body);
  t.same(problems(res), [{ row: 2 }], 'the line of the bad byte');
  t.match(res.json().details[0].message, /invalid UTF-8/);
  // Escapes decode to what a raw byte cannot be: a NUL, a lone surrogate.
  const escaped = `${ndLine(uscc(1), { name: '重庆\\u0000公司' })}\n${ndLine(uscc(2), { name: '重庆\\ud800公司' })}\n`.replace(/\\\\u/g, '\\u');
  res = await api('POST', IMPORT, { body: escaped, contentType: 'application/x-ndjson' });
  t.equal(res.statusCode, 422, res.body);
  t.same(problems(res), [
    { row: 1, column: 'name' },
    { row: 2, column: 'name' },
  ]);
  t.match(res.json().details[1].message, /lone surrogate/);
  // CSV, for comparison: the same refusal.
  res = await api('POST', IMPORT, {
    body: Buffer.concat([
      Buffer.from(`id,name,type,region,industry\n${uscc(1)},重庆`),
      Buffer.from([0xd6, 0xd8]),
      Buffer.from(',company,500112,F52\n'),
    ]),
  });
  t.equal(res.statusCode, 422);
  t.same(problems(res), [{ row: 2 }]);
  t.same(await snapshot(app), before, 'the database is unchanged');
});

t.test('region codes must be in the region table (500199 is not)', async (t) => {
  const app = await buildTestApp(t);
  const { api } = app;
  await seedPlans(app.database);
  await seedDirectories(app.database.db, { entities: [{ id: uscc(9), region: '500112' }] });
  const before = await snapshot(app);
  // CSV and NDJSON imports: the row and the column.
  let res = await api('POST', IMPORT, {
    body: `id,name,type,region,industry\n${uscc(1)},重庆甲公司,company,500112,F52\n${uscc(2)},重庆乙公司,company,500199,F52\n`,
  });
  t.equal(res.statusCode, 422, res.body);
  t.same(problems(res), [{ row: 3, column: 'region' }]);
  t.match(res.json().details[0].message, /"500199" is not in the region table/);
  res = await api('POST', IMPORT, { body: `${ndLine(uscc(1), { region: '500199' })}\n`, contentType: 'application/x-ndjson' });
  t.equal(res.statusCode, 422, res.body);
  t.same(problems(res), [{ row: 1, column: 'region' }]);
  // A change by hand, and a plan's region filter: the field.
  refused(t, await api('PATCH', `/api/v1/entities/${uscc(9)}`, { body: { region: '500199' } }), {
    status: 422,
    field: 'region',
    message: /region table/,
  });
  refused(t, await api('POST', '/api/v1/plans', { body: planBody({ filters: { regions: ['500112', '500199'] } }) }), {
    field: 'body/filters/regions/1',
    message: /must be one of "500101"/,
  });
  t.same(await snapshot(app), before, 'the database is unchanged');
  // A code in the table is fine.
  res = await api('PATCH', `/api/v1/entities/${uscc(9)}`, { body: { region: '500243' } });
  t.equal(res.statusCode, 200, res.body);
});
