import t from 'tap';
import { ADMIN_TOKEN, buildLoggedApp } from '../helper.ts';

t.test('one log line per request, with a request id, and never a token', async (t) => {
  const { app, lines } = await buildLoggedApp(t);
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    payload: { role: 'planner' },
  });
  const planner = created.json().token as string;
  lines.length = 0;
  const res = await app.inject({
    method: 'GET',
    url: '/api/v1/departments',
    headers: { authorization: `Bearer ${planner}`, 'x-request-id': 'req-42' },
  });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['x-request-id'], 'req-42');
  await app.inject({ method: 'GET', url: '/api/v1/departments', headers: { authorization: 'Bearer wrong-token-value-1234' } });
  const requestLines = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
  t.equal(requestLines.length, 2, 'one line per request');
  t.match(requestLines[0], { reqId: 'req-42', method: 'GET', url: '/api/v1/departments', statusCode: 200 });
  t.equal(requestLines[1].statusCode, 401);
  const all = lines.join('\n');
  for (const secret of [ADMIN_TOKEN, planner, 'wrong-token-value-1234']) t.notOk(all.includes(secret), 'no token in the log');
});
