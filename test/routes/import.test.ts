/** The shared import pipeline (src/domain/directories/import), exercised through the entity and grade imports. */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import t from 'tap';
import { makeUscc } from '../../src/core/uscc.ts';
import { completeLength, firstInvalidUtf8 } from '../../src/domain/directories/import/utf8.ts';
import { parseBoolean, parseTimestamp, splitList, textProblem } from '../../src/domain/directories/import/values.ts';
import { ADMIN_TOKEN, buildTestApp, type TestApp } from '../helper.ts';

const uscc = (n: number) => makeUscc(`91500112MA${String(n).padStart(7, '0')}`);
const HEADER = 'id,name,type,region,industry';
const IMPORT = '/api/v1/entities/import';
const row = (n: number, name = `重庆${n}号有限公司`) => `${uscc(n)},${name},enterprise,500112,I65`;

const count = async (database: TestApp['database'], table = 'entities') =>
  Number((await database.rawTransaction((tx) => tx.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)))[0].n);

const rowsOf = (res: { json(): { details: { row: number; column?: string }[] } }) =>
  res.json().details.map((d) => (d.column ? { row: d.row, column: d.column } : { row: d.row }));

/** Sends `chunks` as a streamed body through app.inject. */
const streamed = (app: TestApp, chunks: (string | Buffer)[], contentType = 'text/csv') =>
  app.app.inject({
    method: 'POST',
    url: IMPORT,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': contentType },
    payload: Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))),
  });

t.test('UTF-8 helpers', async (t) => {
  const zhong = Buffer.from('重'); // 3 bytes
  t.equal(completeLength(Buffer.concat([Buffer.from('ab'), zhong.subarray(0, 2)])), 2, 'an incomplete character is cut');
  t.equal(completeLength(Buffer.concat([Buffer.from('ab'), zhong])), 5);
  t.equal(firstInvalidUtf8(Buffer.from('abc重庆')), -1);
  t.equal(firstInvalidUtf8(Buffer.from([0x61, 0xc4, 0xe3])), 1, 'GBK bytes');
  t.equal(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80])), 1, 'no surrogates');
  t.equal(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80])), 1, 'no overlong forms');
});

t.test('value helpers', async (t) => {
  t.match(parseTimestamp('2024/3/1'), { ok: true, iso: '2024-03-01T00:00:00+08:00' }, 'as Excel writes dates; China time');
  t.match(parseTimestamp('2024-02-29'), { ok: true });
  t.match(parseTimestamp('2023-02-29'), { ok: false });
  t.match(parseTimestamp('2024-03-01 10:30'), { ok: true, iso: '2024-03-01T10:30:00+08:00' });
  t.match(parseTimestamp('2024-03-01T10:30:00.5Z'), { ok: true, ms: Date.UTC(2024, 2, 1, 10, 30, 0, 500) });
  t.match(parseTimestamp('2024-03-01T25:00:00'), { ok: false });
  t.match(parseTimestamp('1 March 2024'), { ok: false });
  t.equal(parseBoolean('是'), true);
  t.equal(parseBoolean('FALSE'), false);
  t.equal(parseBoolean('maybe'), undefined);
  t.same(splitList(' A ;B；;C '), ['A', 'B', 'C']);
  t.equal(textProblem('重庆'.repeat(100), 200), null, '200 characters');
  t.match(textProblem('重庆'.repeat(100) + '市', 200), /longer than 200/);
  t.match(textProblem('a\nb', 10), /control characters/);
});

t.test('empty file, header only, BOM, blank lines, CRLF', async (t) => {
  const app = await buildTestApp(t);
  let res = await app.api('POST', IMPORT, { body: '' });
  t.equal(res.statusCode, 422);
  t.match(res.json().message, /the file is empty/);
  res = await app.api('POST', IMPORT, { body: '\ufeff' });
  t.equal(res.statusCode, 422);
  t.match(res.json().message, /the file is empty/);
  res = await app.api('POST', IMPORT, { body: `${HEADER}\n` });
  t.equal(res.statusCode, 422);
  t.match(res.json().message, /header but no data rows/);
  res = await app.api('POST', IMPORT, { body: '', contentType: 'application/x-ndjson' });
  t.equal(res.statusCode, 422);
  t.match(res.json().message, /empty/);
  t.equal(await count(app.database), 0);

  res = await app.api('POST', IMPORT, { body: `\ufeff${HEADER}\r\n${row(1)}\r\n\r\n${row(2)}\r\n` });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { imported: 2, updated: 0 });
  t.equal((await app.api('GET', `/api/v1/entities/${uscc(2)}`)).json().industry, 'I65', 'no stray \\r');
});

t.test('row numbers are line numbers, also across quoted line breaks and blank lines', async (t) => {
  const app = await buildTestApp(t);
  const body = [HEADER, `${uscc(1)},"甲, ""乙""\n丙",enterprise,500112,I65`, '', `${uscc(2)},丁,enterprise,bad,I65`].join('\n');
  const res = await app.api('POST', IMPORT, { body });
  t.equal(res.statusCode, 422);
  t.same(rowsOf(res), [
    { row: 2, column: 'name' }, // a line break inside a name
    { row: 5, column: 'region' },
  ]);
  t.match(res.json().message, /line numbers/);
  const unclosed = await app.api('POST', IMPORT, { body: `${HEADER}\n${row(1)}\n${uscc(2)},"丁,enterprise,500112,I65\n${row(3)}\n` });
  t.equal(unclosed.statusCode, 422);
  t.same(rowsOf(unclosed), [{ row: 3 }]);
  t.equal(await count(app.database), 0);
});

t.test('at most 100 problems are listed, in row order', async (t) => {
  const app = await buildTestApp(t);
  const lines = [HEADER];
  for (let i = 1; i <= 250; i++) lines.push(`${uscc(i)},x,enterprise,${i % 2 ? '500112' : '5001'},I65`);
  const res = await app.api('POST', IMPORT, { body: lines.join('\n') });
  t.equal(res.statusCode, 422);
  const details = res.json().details;
  t.equal(details.length, 100);
  t.same(
    details.slice(0, 2).map((d: { row: number }) => d.row),
    [3, 5],
  );
  t.match(res.json().message, /problems; the first 100 are listed/);
  t.equal(await count(app.database), 0);
});

t.test('invalid UTF-8 is reported on its line, wherever the chunks split', async (t) => {
  const app = await buildTestApp(t);
  const good = Buffer.from(`${HEADER}\n${row(1, '重庆火锅')}\n`);
  const bad = Buffer.concat([Buffer.from(`${uscc(2)},`), Buffer.from([0xd6, 0xd8, 0xc7, 0xec]), Buffer.from(`,enterprise,500112,I65\n${row(3)}\n`)]);
  for (const split of [1, good.length - 3, good.length + 5, good.length + 20]) {
    const whole = Buffer.concat([good, bad]);
    const res = await streamed(app, [whole.subarray(0, split), whole.subarray(split)]);
    t.equal(res.statusCode, 422, `split at ${split}`);
    t.same(rowsOf(res), [{ row: 3 }], `split at ${split}`);
  }
  // A valid multi-byte character split across chunks is fine.
  const cut = good.indexOf(Buffer.from('火')) + 1;
  const res = await streamed(app, [good.subarray(0, cut), good.subarray(cut)]);
  t.equal(res.statusCode, 200, res.body);
  t.equal((await app.api('GET', `/api/v1/entities/${uscc(1)}`)).json().name, '重庆火锅');
  // NDJSON: the line of the bad byte.
  const nd = await streamed(
    app,
    [`${JSON.stringify({ id: uscc(4), name: 'a', type: 'e', region: '500112', industry: 'I' })}\n{"id":"`, Buffer.from([0xff]), '"}\n'],
    'application/x-ndjson',
  );
  t.equal(nd.statusCode, 422);
  t.same(rowsOf(nd), [{ row: 2 }]);
  t.equal(await count(app.database), 1);
});

t.test('dry run, media types and charset', async (t) => {
  const app = await buildTestApp(t);
  let res = await app.api('POST', `${IMPORT}?dryRun=true`, { body: `${HEADER}\n${row(1)}\n${row(2)}\n` });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { imported: 2, updated: 0, dryRun: true });
  t.equal(await count(app.database), 0, 'a dry run writes nothing');
  res = await app.api('POST', IMPORT, { body: `${HEADER}\n${row(1)}\n`, contentType: 'text/csv; charset=gbk' });
  t.equal(res.statusCode, 415);
  t.match(res.json().message, /UTF-8/);
  res = await app.api('POST', IMPORT, { body: [{ id: 'x' }] });
  t.equal(res.statusCode, 415);
  res = await app.api('POST', IMPORT, { body: `${HEADER}\n${row(1)}\n`, headers: { 'content-encoding': 'gzip' } });
  t.equal(res.statusCode, 415);
  // Trailing commas (as Excel writes empty columns) are fine while those columns stay empty.
  res = await app.api('POST', `${IMPORT}?dryRun=true`, { body: `${HEADER},,\n${row(1)},,\n${row(2)},,x\n` });
  t.equal(res.statusCode, 422);
  t.same(rowsOf(res), [{ row: 3 }]);
  res = await app.api('POST', `${IMPORT}?dryRun=true`, { body: `${HEADER},\n${row(1)},\n` });
  t.equal(res.statusCode, 200, res.body);
  res = await app.api('POST', IMPORT, { body: `${HEADER}\n${row(1)}\n`, contentType: 'text/csv; charset=UTF-8' });
  t.equal(res.statusCode, 200, res.body);
  res = await app.api('POST', '/api/v1/grades/import', {
    body: `${JSON.stringify({ entityId: uscc(1), scheme: 'credit-4', grade: 'A', evaluatedAt: '2025-01-01' })}\n`,
    contentType: 'application/x-ndjson; charset=utf-8',
  });
  t.equal(res.statusCode, 200, res.body);
});

t.test('over real HTTP: a refused upload is read to the end, so the client gets the 422', async (t) => {
  const app = await buildTestApp(t);
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.app.server.address() as AddressInfo;
  const send = (chunks: () => AsyncGenerator<string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: IMPORT, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      Readable.from(chunks()).pipe(req);
    });
  // A bad header, then ~8 MB of rows that are never parsed.
  const refused = await send(async function* () {
    yield 'id,name,kind,region,industry\n';
    const block = `${row(1)}\n`.repeat(2000);
    for (let i = 0; i < 60; i++) yield block;
  });
  t.equal(refused.status, 422, refused.body);
  t.same(
    JSON.parse(refused.body).details.map((d: { row: number; column: string }) => [d.row, d.column]),
    [
      [1, 'kind'],
      [1, 'type'],
    ],
  );
  const accepted = await send(async function* () {
    yield `${HEADER}\n`;
    for (let i = 1; i <= 3000; i++) yield `${row(i)}\n`;
  });
  t.equal(accepted.status, 200, accepted.body);
  t.same(JSON.parse(accepted.body), { imported: 3000, updated: 0 });
});
