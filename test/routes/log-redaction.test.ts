import t from 'tap';
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { serializeError } from '../../src/plugins/errors.ts';
import { ADMIN_TOKEN, asAdmin, buildLoggedApp } from '../helper.ts';
import { okResult, seedPlans } from '../fixtures/tasks.ts';

t.test('a failed result write logs neither the finding, nor SQL parameters, nor the token or its hash', async (t) => {
  const { app, database, lines } = await buildLoggedApp(t);
  const { tasks } = await seedPlans(database);
  const inject = (method: 'PUT' | 'POST', url: string, token: string, payload: unknown) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
  const created = await inject('POST', '/api/v1/tokens', ADMIN_TOKEN, { role: 'inspector', inspectorId: 'WJ-01' });
  t.equal(created.statusCode, 201, created.body);
  const token = created.json().token as string;
  const tokenHash = createHash('sha256').update(token, 'utf8').digest('hex');

  // A real database fault on the results table, as in test/routes/draw.test.ts for the ledger.
  const admin = asAdmin(database).db;
  await admin.execute(
    sql.raw(`CREATE FUNCTION test_refuse_result() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END; $$ LANGUAGE plpgsql`),
  );
  await admin.execute(sql.raw('CREATE TRIGGER test_refuse_result BEFORE INSERT ON results FOR EACH ROW EXECUTE FUNCTION test_refuse_result()'));
  t.teardown(async () => {
    await admin.execute(sql.raw('DROP TRIGGER IF EXISTS test_refuse_result ON results'));
    await admin.execute(sql.raw('DROP FUNCTION IF EXISTS test_refuse_result()'));
  });
  lines.length = 0;
  const secret = '机密检查发现：后厨存在严重问题 SECRET-FINDING-7f3a';
  const res = await inject('PUT', `/api/v1/tasks/${tasks[0].id}/result`, token, okResult({ findings: secret }));
  t.equal(res.statusCode, 500, res.body);
  t.same(res.json(), { error: 'internal', message: 'internal server error', details: [] });

  const entries = lines.map((l) => JSON.parse(l));
  const logged = entries.find((l) => l.msg === 'unhandled error');
  t.ok(logged, 'the 500 is logged');
  t.match(JSON.stringify(logged.err), /injected fault/, 'with its cause, so it can be diagnosed');
  const all = lines.join('\n');
  for (const [name, value] of Object.entries({ secret, token, tokenHash, 'finding (prefix)': 'SECRET-FINDING' })) {
    t.notOk(all.includes(value), `no ${name} in the log`);
  }
  t.notMatch(all, /"(params|parameters|args)"/, 'no parameter lists');
});

t.test('the error serializer keeps type, message, code and stack, and drops queries and parameters', async (t) => {
  const cause = Object.assign(new Error('duplicate key'), {
    code: '23505',
    query: 'INSERT x',
    parameters: ['p-secret'],
    detail: 'Key (h)=(p-secret)',
  });
  const err = Object.assign(new Error('Failed query: insert into "results" values ($1)\nparams: p-secret,other'), {
    query: 'insert',
    params: ['p-secret'],
    cause,
  });
  const out = serializeError(err);
  const text = JSON.stringify(out);
  t.notOk(text.includes('p-secret'), text);
  t.match(out, {
    type: 'Error',
    message: 'Failed query: insert into "results" values ($1)\nparams: [redacted]',
    cause: { code: '23505', message: 'duplicate key' },
  });
  t.match(out.stack, /^Error: Failed query: .*\nparams: \[redacted\]\n\s+at /);
});
