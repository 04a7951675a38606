import t from 'tap';
import { buildTestApp } from '../helper.ts';
import { SECURITY_HEADERS } from '../../src/portal/index.ts';

const HELMET = ['x-content-type-options', 'x-frame-options', 'content-security-policy', 'strict-transport-security', 'referrer-policy'];

t.test('helmet on the APIs; Cache-Control: no-store on every /api/v1 answer, errors and POST /tokens included', async (t) => {
  const { api } = await buildTestApp(t);
  const answers = {
    list: await api('GET', '/api/v1/departments'),
    created: await api('POST', '/api/v1/tokens', { body: { role: 'planner' } }),
    unauthorized: await api('GET', '/api/v1/departments', { token: null }),
    unknownRoute: await api('GET', '/api/v1/nope'),
    badUrl: await api('GET', '/api/v1/plans/%ff'),
    invalid: await api('PUT', '/api/v1/departments/X', { body: { nope: 1 } }),
    // percent-encoded: routed to /api/v1/tokens, so it is an API answer, whatever the raw URL says
    encodedPath: await api('POST', '/%61pi/v1/tokens', { body: { role: 'planner' } }),
    encodedUnknown: await api('GET', '/%61pi/v1/nope'),
  };
  t.equal(answers.encodedPath.statusCode, 201, 'the encoded path reaches the route');
  t.match(answers.encodedUnknown.headers['content-type'], /json/, 'an unknown encoded API path: JSON, not the portal page');
  t.equal(answers.list.statusCode, 200);
  t.equal(answers.created.statusCode, 201);
  t.equal(answers.unauthorized.statusCode, 401);
  for (const [name, res] of Object.entries(answers)) {
    t.equal(res.headers['cache-control'], 'no-store', `${name}: no-store`);
    // A bad URL is refused before any hook (helmet's too): it gets a fixed strict set, without HSTS.
    for (const h of name === 'badUrl' ? HELMET.filter((h) => h !== 'strict-transport-security') : HELMET) t.ok(res.headers[h], `${name}: ${h}`);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
  }
  const pub = await api('GET', '/public/v1/plans', { token: null });
  t.equal(pub.statusCode, 200);
  for (const h of HELMET) t.ok(pub.headers[h], `public: ${h}`);
});

t.test('/docs has helmet headers with a CSP that lets Swagger UI load', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/docs/' });
  t.equal(res.statusCode, 200);
  const csp = String(res.headers['content-security-policy']);
  t.match(csp, /default-src 'self'/);
  t.match(csp, /script-src 'self'/);
  t.match(csp, /style-src 'self'[^;]*'unsafe-inline'/, 'swagger-ui sets inline styles');
  t.match(csp, /img-src 'self' data:/, 'swagger-ui uses data: images');
  t.notMatch(csp, /upgrade-insecure-requests/, 'a plain-HTTP deployment still loads its assets');
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  // Every script of the page is a same-origin file (script-src 'self' forbids inline scripts), and they all load.
  const scripts = [...res.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  t.ok(scripts.length > 0);
  for (const [, attrs, inline] of scripts) {
    t.equal(inline.trim(), '', 'no inline script');
    const src = /src="([^"]+)"/.exec(attrs)?.[1];
    t.ok(src && !/^(https?:)?\/\//.test(src), `same-origin script ${src}`);
    const url = new URL(src!, 'http://localhost/docs/').pathname;
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, `${url} loads`);
  }
  for (const [, href] of res.body.matchAll(/<link[^>]+href="([^"]+)"/g)) t.notOk(/^(https?:)?\/\//.test(href), `same-origin ${href}`);
  const json = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(json.statusCode, 200, 'the document it fetches (connect-src self)');
});

t.test('the portal keeps its own strict headers', async (t) => {
  const { app } = await buildTestApp(t);
  for (const url of ['/', '/ledger', '/plans/NOPE', '/assets/portal.css']) {
    const res = await app.inject({ method: 'GET', url });
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) t.equal(res.headers[name], value, `${url}: ${name}`);
    t.not(res.headers['cache-control'], 'no-store');
  }
});
