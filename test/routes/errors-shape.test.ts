import t, { type Test } from 'tap';
import { connect } from 'node:net';
import { buildTestApp } from '../helper.ts';

/** Every JSON error: exactly {error, message, details}. */
function assertShape(t: Test, res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, error?: string) {
  t.equal(res.statusCode, status, res.body.slice(0, 200));
  t.match(String(res.headers['content-type']), /^application\/json/);
  const body = JSON.parse(res.body);
  t.same(Object.keys(body).sort(), ['details', 'error', 'message'], 'the one error shape');
  t.type(body.error, 'string');
  t.type(body.message, 'string');
  t.ok(Array.isArray(body.details));
  t.ok(body.message.length <= 201, 'a short message');
  if (error) t.equal(body.error, error);
}

/** Portal errors: the Chinese HTML error page. */
function assertPage(t: Test, res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number) {
  t.equal(res.statusCode, status);
  t.match(String(res.headers['content-type']), /^text\/html/);
  t.match(res.body, /<html lang="zh-CN">/);
  t.match(res.body, /返回抽查计划列表/);
}

/** One raw HTTP/1.1 request over a socket (for what app.inject cannot send: raw bytes in the request line). */
function rawRequest(port: number, requestLine: Buffer): Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [status, ...lines] = head.split('\r\n');
      const headers: Record<string, unknown> = {};
      for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      resolve({ statusCode: Number(status.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(Buffer.concat([requestLine, Buffer.from(' HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')]));
  });
}

t.test('framework errors answer in the one error shape on the APIs, with the HTML error page on the portal', async (t) => {
  const { app, api } = await buildTestApp(t);

  // Bad URL encoding (FST_ERR_BAD_URL before).
  assertShape(t, await api('GET', '/api/v1/plans/%ff'), 400, 'bad_request');
  assertShape(t, await api('GET', '/public/v1/plans/%ff', { token: null }), 400, 'bad_request');
  assertPage(t, await app.inject({ method: 'GET', url: '/plans/%ff' }), 400);

  // A too long parameter: 414, in the shape, with a short message.
  const long = 'x'.repeat(10_000);
  assertShape(t, await api('GET', `/api/v1/plans/${long}`), 414, 'uri_too_long');
  assertShape(t, await api('GET', `/public/v1/plans/${long}`, { token: null }), 414, 'uri_too_long');
  assertPage(t, await app.inject({ method: 'GET', url: `/plans/${long}` }), 414);

  // Unknown routes.
  assertShape(t, await api('GET', '/api/v1/nope'), 404, 'not_found');
  assertShape(t, await api('GET', '/public/v1/nope', { token: null }), 404, 'not_found');
  assertShape(t, await api('DELETE', '/api/v1/departments'), 404, 'not_found');
  assertPage(t, await app.inject({ method: 'GET', url: '/no/such/page' }), 404);
  assertPage(t, await app.inject({ method: 'POST', url: '/plans', payload: 'x' }), 404);

  // Unsupported media type and a body too large.
  assertShape(
    t,
    await api('PUT', '/api/v1/departments/SCJG', { body: '<name>x</name>', contentType: 'application/xml' }),
    415,
    'unsupported_media_type',
  );
  assertShape(t, await api('PUT', '/api/v1/departments/SCJG', { body: { name: 'y'.repeat(2_000_000) } }), 413, 'payload_too_large');
  // Malformed JSON.
  assertShape(t, await api('PUT', '/api/v1/departments/SCJG', { body: '{"name":', contentType: 'application/json' }), 400, 'bad_request');
});

t.test('errors of the HTTP parser (raw UTF-8 in the URL) are in the shape too, and HTML for portal paths', async (t) => {
  const { app } = await buildTestApp(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const utf8 = (path: string) => Buffer.concat([Buffer.from('GET '), Buffer.from(path, 'utf8')]);

  const api = await rawRequest(port, utf8('/public/v1/entities?q=重庆'));
  assertShape(t, api, 400, 'bad_request');
  t.equal(api.headers['cache-control'], 'no-store');
  t.equal(api.headers['x-content-type-options'], 'nosniff');
  assertShape(t, await rawRequest(port, utf8('/api/v1/plans/计划')), 400, 'bad_request');
  assertPage(t, await rawRequest(port, utf8('/entities?q=重庆')), 400);
  assertPage(t, await rawRequest(port, utf8('/plans/计划')), 400);
});
