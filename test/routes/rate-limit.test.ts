/**
 * Rate limits (429, counted in the database and so shared by instances) and load shedding (503).
 * The suite's testConfig turns both off; every test here turns on what it checks.
 */
import t, { type Test } from 'tap';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { execRows } from '../../src/db/client.ts';
import { createRateLimitRepository } from '../../src/domain/ratelimit/repository.ts';
import { ADMIN_TOKEN, buildTestApp, onPostgres, openTestDatabase } from '../helper.ts';

const get = (app: FastifyInstance, url: string, remoteAddress: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, remoteAddress, headers });

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function assertErrorShape(t: Test, res: { body: string; headers: Record<string, unknown> }, error: string) {
  const body = JSON.parse(res.body);
  t.same(Object.keys(body).sort(), ['details', 'error', 'message'], 'the one error shape');
  t.equal(body.error, error);
  t.type(body.message, 'string');
  t.same(body.details, []);
}

const retryAfter = (res: { headers: Record<string, unknown> }) => Number(res.headers['retry-after']);

t.test('public routes: the limit per address answers 429 with Retry-After in the error shape, the portal in HTML', async (t) => {
  const { app } = await buildTestApp(t, { config: { rateLimitPublic: 5 } });
  for (let i = 1; i <= 3; i++) {
    const res = await get(app, '/public/v1/plans', '10.0.0.1');
    t.equal(res.statusCode, 200);
    t.equal(res.headers['x-ratelimit-limit'], '5');
    t.equal(res.headers['x-ratelimit-remaining'], String(5 - i));
  }
  // Portal pages and the public API share the bucket; static assets, /health and /docs are not counted.
  t.equal((await get(app, '/', '10.0.0.1')).statusCode, 200);
  t.equal((await get(app, '/ledger', '10.0.0.1')).statusCode, 200);
  for (let i = 0; i < 10; i++) {
    t.equal((await get(app, '/assets/portal.css', '10.0.0.1')).statusCode, 200);
    t.equal((await get(app, '/health', '10.0.0.1')).statusCode, 200);
  }
  t.equal((await get(app, '/docs/json', '10.0.0.1')).statusCode, 200);

  const limited = await get(app, '/public/v1/plans', '10.0.0.1');
  t.equal(limited.statusCode, 429);
  t.ok(retryAfter(limited) >= 1 && retryAfter(limited) <= 60, `Retry-After ${limited.headers['retry-after']}`);
  t.equal(limited.headers['x-ratelimit-remaining'], '0');
  assertErrorShape(t, limited, 'too_many_requests');

  const page = await get(app, '/plans/ANY', '10.0.0.1');
  t.equal(page.statusCode, 429);
  t.match(String(page.headers['content-type']), /^text\/html/);
  t.match(page.body, /请求过于频繁/);
  t.ok(retryAfter(page) >= 1);
  t.match(String(page.headers['content-security-policy']), /default-src 'none'/, "the portal's strict headers");

  // Another address has its own bucket; management calls with a token are not in the public bucket.
  t.equal((await get(app, '/public/v1/plans', '10.0.0.2')).statusCode, 200);
  for (let i = 0; i < 8; i++) t.equal((await get(app, '/api/v1/departments', '10.0.0.1', bearer(ADMIN_TOKEN))).statusCode, 200);
});

t.test('failed authentication: after the limit of 401s an address gets 429 on /api/v1, a valid token too; others are unaffected', async (t) => {
  const { app, api, token } = await buildTestApp(t, { config: { rateLimitAuthFailures: 3 } });
  const planner = await token('planner');
  const made = (await api('POST', '/api/v1/tokens', { body: { role: 'auditor' } })).json();
  const revoked: string = made.token;
  t.equal((await api('DELETE', `/api/v1/tokens/${made.id}`)).statusCode, 200);

  // Successful calls do not count.
  for (let i = 0; i < 10; i++) t.equal((await get(app, '/api/v1/departments', '10.1.0.1', bearer(planner))).statusCode, 200);
  // An unknown token, a revoked one and no token at all (through a percent-encoded path the router decodes): three 401s.
  t.equal((await get(app, '/api/v1/departments', '10.1.0.1', bearer('not-a-real-token-0000000000'))).statusCode, 401);
  t.equal((await get(app, '/api/v1/departments', '10.1.0.1', bearer(revoked))).statusCode, 401);
  t.equal((await get(app, '/%61pi/v1/departments', '10.1.0.1')).statusCode, 401);
  for (const [url, headers] of [
    ['/api/v1/departments', bearer('another-bad-token-000000000')],
    ['/api/v1/departments', bearer(planner)],
    ['/%61pi/v1/departments', bearer(planner)],
  ] as const) {
    const res = await get(app, url, '10.1.0.1', headers);
    t.equal(res.statusCode, 429, 'then 429, whatever the token');
    t.ok(retryAfter(res) >= 1 && retryAfter(res) <= 60, `Retry-After ${res.headers['retry-after']}`);
    t.equal(res.headers['cache-control'], 'no-store');
    assertErrorShape(t, res, 'too_many_requests');
  }
  // A good token from another address works; the public routes of the blocked address are another bucket (off here).
  t.equal((await get(app, '/api/v1/departments', '10.1.0.2', bearer(planner))).statusCode, 200);
  t.equal((await get(app, '/public/v1/plans', '10.1.0.1')).statusCode, 200);
  // A 403 (wrong role) is not a failed authentication.
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      remoteAddress: '10.1.0.3',
      headers: bearer(planner),
      payload: { role: 'admin' },
    });
    t.equal(res.statusCode, 403);
  }
});

t.test('trustProxy: X-Forwarded-For names the client only when configured, and only from a trusted proxy', async (t) => {
  const spoof = (i: number) => ({ 'x-forwarded-for': `203.0.113.${i}` });
  await t.test('off (the default): the socket address counts, the header is ignored', async (t) => {
    t.equal(loadConfig({}).trustProxy, false);
    const { app } = await buildTestApp(t, { config: { rateLimitPublic: 2 } });
    t.equal((await get(app, '/public/v1/plans', '127.0.0.1', spoof(1))).statusCode, 200);
    t.equal((await get(app, '/public/v1/plans', '127.0.0.1', spoof(2))).statusCode, 200);
    t.equal((await get(app, '/public/v1/plans', '127.0.0.1', spoof(3))).statusCode, 429, 'a new header value does not reset the limit');
  });
  await t.test('a trusted proxy address: its X-Forwarded-For counts, a stranger’s does not', async (t) => {
    const { app } = await buildTestApp(t, {
      config: { rateLimitPublic: 2, trustProxy: loadConfig({ SUICHA_TRUST_PROXY: '127.0.0.1, 10.9.0.0/16' }).trustProxy },
    });
    for (let i = 0; i < 4; i++)
      t.equal((await get(app, '/public/v1/plans', '127.0.0.1', spoof(10 + i))).statusCode, 200, 'each client its own bucket');
    t.equal((await get(app, '/public/v1/plans', '10.9.3.4', spoof(20))).statusCode, 200);
    t.equal((await get(app, '/public/v1/plans', '10.9.3.4', spoof(20))).statusCode, 200);
    t.equal((await get(app, '/public/v1/plans', '127.0.0.1', spoof(20))).statusCode, 429, 'the same client through either proxy');
    // Not a trusted proxy: its header is ignored, so it cannot pick a fresh bucket per request.
    t.equal((await get(app, '/public/v1/plans', '192.0.2.7', spoof(30))).statusCode, 200);
    t.equal((await get(app, '/public/v1/plans', '192.0.2.7', spoof(31))).statusCode, 200);
    t.equal((await get(app, '/public/v1/plans', '192.0.2.7', spoof(32))).statusCode, 429);
  });
  await t.test('behind a trusted proxy the client is the address it added, not what the client wrote before it', async (t) => {
    const { app } = await buildTestApp(t, { config: { rateLimitPublic: 1, trustProxy: ['127.0.0.1'] } });
    t.equal((await get(app, '/public/v1/plans', '127.0.0.1', { 'x-forwarded-for': '198.51.100.1, 203.0.113.5' })).statusCode, 200);
    t.equal((await get(app, '/public/v1/plans', '127.0.0.1', { 'x-forwarded-for': '198.51.100.2, 203.0.113.5' })).statusCode, 429);
    t.equal((await get(app, '/public/v1/plans', '127.0.0.1', { 'x-forwarded-for': '198.51.100.2, 203.0.113.6' })).statusCode, 200);
  });
});

t.test('two service instances on one database share the counters', async (t) => {
  const database = await openTestDatabase(t);
  const config = { rateLimitPublic: 4, rateLimitAuthFailures: 2 };
  const a = await buildTestApp(t, { database, config });
  const b = await buildTestApp(t, { database, config });
  t.equal((await get(a.app, '/public/v1/plans', '10.2.0.1')).statusCode, 200);
  t.equal((await get(b.app, '/public/v1/plans', '10.2.0.1')).statusCode, 200);
  t.equal((await get(a.app, '/', '10.2.0.1')).statusCode, 200);
  const last = await get(b.app, '/public/v1/plans', '10.2.0.1');
  t.equal(last.headers['x-ratelimit-remaining'], '0', 'four hits on two instances');
  t.equal((await get(a.app, '/public/v1/plans', '10.2.0.1')).statusCode, 429);
  t.equal((await get(b.app, '/public/v1/plans', '10.2.0.1')).statusCode, 429);

  t.equal((await get(a.app, '/api/v1/departments', '10.2.0.2', bearer('bad-token-aaaaaaaaaaaaaaaa'))).statusCode, 401);
  t.equal((await get(b.app, '/api/v1/departments', '10.2.0.2', bearer('bad-token-bbbbbbbbbbbbbbbb'))).statusCode, 401);
  t.equal((await get(a.app, '/api/v1/departments', '10.2.0.2', bearer(ADMIN_TOKEN))).statusCode, 429, 'blocked on the other instance too');
  t.equal((await get(b.app, '/api/v1/departments', '10.2.0.2', bearer(ADMIN_TOKEN))).statusCode, 429);
});

t.test('the store: one atomic UPSERT per hit, windows that end, reads that do not count, cleanup', async (t) => {
  const { database } = await openTestDatabase(t);
  const repo = createRateLimitRepository(database.db);
  const first = await repo.hit('k', 60_000);
  t.equal(first.current, 1);
  t.ok(first.ttl > 59_000 && first.ttl <= 60_000, `ttl ${first.ttl}`);
  t.equal((await repo.hit('k', 60_000)).current, 2);
  t.equal((await repo.read('k')).current, 2, 'a read does not count');
  t.equal((await repo.read('k')).current, 2);
  t.same(await repo.read('nobody'), { current: 0, ttl: 0 });

  // Concurrent hits (real concurrency on PostgreSQL's pool): every count once, none lost.
  const counts = await Promise.all(Array.from({ length: 40 }, () => repo.hit('race', 60_000)));
  t.same(
    counts.map((c) => c.current).sort((x, y) => x - y),
    Array.from({ length: 40 }, (_, i) => i + 1),
  );

  await repo.hit('short', 150);
  t.equal((await repo.hit('short', 150)).current, 2);
  await new Promise((resolve) => setTimeout(resolve, 250));
  t.same(await repo.read('short'), { current: 0, ttl: 0 }, 'an ended window reads as empty');
  t.equal(await repo.deleteExpired(), 1, 'cleanup removes the ended window only');
  const after = await repo.hit('short', 150);
  t.equal(after.current, 1, 'a hit after the end starts a new window');
  t.equal((await repo.read('k')).current, 2);

  const [table] = await execRows<{ relpersistence: string }>(database.db, sql`select relpersistence from pg_class where relname = 'rate_limit_hits'`);
  t.equal(table.relpersistence, 'u', `UNLOGGED on ${onPostgres ? 'PostgreSQL' : 'PGlite'}`);
});

t.test('under pressure: 503 with Retry-After in the error shape, HTML on the portal, /health unavailable, nothing runs', async (t) => {
  // A heap threshold of one byte: under pressure from the first sample on (the plugin samples every second).
  const { app, database } = await buildTestApp(t, { config: { maxHeapBytes: 1 } });
  let res = await get(app, '/public/v1/plans', '10.3.0.1');
  for (let i = 0; i < 50 && res.statusCode !== 503; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    res = await get(app, '/public/v1/plans', '10.3.0.1');
  }
  t.equal(res.statusCode, 503);
  t.ok(retryAfter(res) >= 1, `Retry-After ${res.headers['retry-after']}`);
  assertErrorShape(t, res, 'service_unavailable');

  const page = await get(app, '/', '10.3.0.1');
  t.equal(page.statusCode, 503);
  t.match(page.body, /服务繁忙/);
  t.match(String(page.headers['content-security-policy']), /default-src 'none'/);

  const health = await get(app, '/health', '10.3.0.1');
  t.equal(health.statusCode, 503);
  t.same(health.json(), { status: 'unavailable' });
  t.ok(retryAfter(health) >= 1);

  // A write is refused before its handler: nothing changes.
  const write = await app.inject({ method: 'PUT', url: '/api/v1/departments/PRESS', headers: bearer(ADMIN_TOKEN), payload: { name: '测试局' } });
  t.equal(write.statusCode, 503);
  assertErrorShape(t, write, 'service_unavailable');
  const rows = await execRows(database.db, sql`select 1 from departments where code = 'PRESS'`);
  t.equal(rows.length, 0, 'the handler did not run');
});

t.test('the configuration: defaults and bad values name the variable', async (t) => {
  const c = loadConfig({});
  t.equal(c.rateLimitPublic, 300);
  t.equal(c.rateLimitAuthFailures, 20);
  t.equal(c.maxEventLoopDelayMs, 1000);
  t.ok(c.maxHeapBytes > 0, 'the heap threshold defaults to 90% of V8’s limit');
  t.equal(c.maxRssBytes, 0);
  t.equal(loadConfig({ SUICHA_TRUST_PROXY: 'true' }).trustProxy, true);
  t.same(loadConfig({ SUICHA_TRUST_PROXY: 'loopback, 10.0.0.0/8,::1' }).trustProxy, ['loopback', '10.0.0.0/8', '::1']);
  t.equal(loadConfig({ SUICHA_RATE_LIMIT_PUBLIC: '0' }).rateLimitPublic, 0);
  const bad: [Record<string, string>, string][] = [
    [{ SUICHA_TRUST_PROXY: 'yes' }, 'SUICHA_TRUST_PROXY'],
    [{ SUICHA_TRUST_PROXY: '10.0.0.0/33' }, 'SUICHA_TRUST_PROXY'],
    [{ SUICHA_TRUST_PROXY: '2' }, 'SUICHA_TRUST_PROXY'],
    [{ SUICHA_RATE_LIMIT_PUBLIC: '-1' }, 'SUICHA_RATE_LIMIT_PUBLIC'],
    [{ SUICHA_RATE_LIMIT_AUTH_FAILURES: 'many' }, 'SUICHA_RATE_LIMIT_AUTH_FAILURES'],
    [{ SUICHA_MAX_EVENT_LOOP_DELAY_MS: '1.5' }, 'SUICHA_MAX_EVENT_LOOP_DELAY_MS'],
    [{ SUICHA_MAX_HEAP_BYTES: '1e9' }, 'SUICHA_MAX_HEAP_BYTES'],
  ];
  for (const [env, variable] of bad) {
    const error = (() => {
      try {
        loadConfig(env);
        return null;
      } catch (err) {
        return err;
      }
    })();
    t.ok(error instanceof ConfigError && error.variable === variable, `${JSON.stringify(env)}: ${(error as Error | null)?.message}`);
  }
});
