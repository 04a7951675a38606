/**
 * Rate limits per client address, counted in the database (src/domain/ratelimit) so that every instance behind a
 * proxy shares them, through @fastify/rate-limit with a database store. Two buckets, each a window of a minute:
 * - public: every request to /public/v1 and to the portal's pages (not its /assets files, not /docs or /health);
 * - failed authentication: every 401 on /api/v1 counts; once an address has had `rateLimitAuthFailures` of them
 *   in its window, every /api/v1 request from it gets 429 until the window ends — a valid token too, so that
 *   guessing gets no answer either way. Authenticated management calls never count against the public bucket.
 * The client address is Fastify's request.ip: the socket's, or X-Forwarded-For's per `trustProxy` (app.ts).
 */
import fp from 'fastify-plugin';
import rateLimit, { normalizeIP, type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createRateLimitRepository, type RateLimitCount, type RateLimitRepository } from '../domain/ratelimit/repository.ts';
import { SECURITY_HEADERS } from '../portal/index.ts';
import { errorPage } from '../portal/pages/errors.ts';
import { type ErrorBody, isPortalUrl, requestPath } from './errors.ts';

const WINDOW_MS = 60_000;
/** How often each instance deletes ended windows (idempotent, so several instances doing it is harmless). */
const CLEANUP_MS = 60_000;

type Callback = (error: Error | null, result?: RateLimitCount) => void;

/** @fastify/rate-limit's store interface over the repository; one store serves every bucket (keys carry the bucket). */
function databaseStore(repository: RateLimitRepository, log: FastifyBaseLogger) {
  const report = (cb: Callback) => (err: unknown) => {
    // The plugin is set to skip a failed count (skipOnError): a database hiccup must not fail every request.
    log.warn({ err }, 'rate limit: the counter could not be read or written');
    cb(err instanceof Error ? err : new Error(String(err)));
  };
  return class DatabaseStore implements FastifyRateLimitStore {
    incr(key: string, cb: Callback, timeWindow: number): void {
      repository.hit(key, timeWindow).then((count) => cb(null, count), report(cb));
    }
    read(key: string, cb: Callback): void {
      repository.read(key).then((count) => cb(null, count), report(cb));
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  };
}

/** Public routes: the public API and the portal's pages; static assets are cheap and a page loads several. */
export function isPublicLimited(url: string): boolean {
  const path = url.split('?')[0];
  if (path.startsWith('/public/')) return true;
  return isPortalUrl(path) && !path.startsWith('/assets/');
}

const isApi = (path: string) => path.startsWith('/api/');

/**
 * The path the router matched (the route's pattern): the raw URL may be percent-encoded (`/%61pi/v1/…` reaches the
 * /api/v1 routes), and a check on it would put such a request in the wrong bucket. Unrouted: the raw path.
 */

const MESSAGES = {
  public: { en: 'too many requests from this address', zh: '来自您所在网络的请求过于频繁，请稍后再试。' },
  auth: { en: 'too many failed authentication attempts from this address', zh: '请求过于频繁，请稍后再试。' },
};

/** 429 in the one error shape (the portal: its Chinese HTML page), with Retry-After in seconds. */
function tooMany(request: FastifyRequest, reply: FastifyReply, bucket: keyof typeof MESSAGES, retryAfter: number) {
  reply.code(429).header('retry-after', String(Math.max(1, retryAfter)));
  if (isPortalUrl(requestPath(request))) {
    // Sent before the portal's own hook runs: its strict headers here too.
    return reply
      .headers(SECURITY_HEADERS)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(errorPage(429, MESSAGES[bucket].zh));
  }
  // app.ts's no-store hook reads the raw URL, which a percent-encoded /api path escapes.
  if (isApi(requestPath(request))) reply.header('cache-control', 'no-store');
  const body: ErrorBody = {
    error: 'too_many_requests',
    message: `${MESSAGES[bucket].en}: retry in ${Math.max(1, retryAfter)} s`,
    details: [],
  };
  return reply.send(body);
}

export default fp(
  async function rateLimits(app: FastifyInstance) {
    const { rateLimitPublic, rateLimitAuthFailures } = app.config;
    if (rateLimitPublic === 0 && rateLimitAuthFailures === 0) return;
    const repository = createRateLimitRepository(app.database.db);
    // global: false — no hook per route; the two hooks below decide which requests count in which bucket.
    await app.register(rateLimit, { global: false, store: databaseStore(repository, app.log), skipOnError: true });
    const limiter = (bucket: string, max: number) =>
      app.createRateLimit({ max, timeWindow: WINDOW_MS, keyGenerator: (request) => `${bucket}:${normalizeIP(request.ip)}` });

    if (rateLimitPublic > 0) {
      const publicLimit = limiter('public', rateLimitPublic);
      app.addHook('onRequest', async (request, reply) => {
        if (!isPublicLimited(requestPath(request))) return;
        const limit = await publicLimit(request);
        if (limit.isAllowed) return;
        reply.header('x-ratelimit-limit', limit.max).header('x-ratelimit-remaining', limit.remaining).header('x-ratelimit-reset', limit.ttlInSeconds);
        if (limit.isExceeded) return tooMany(request, reply, 'public', limit.ttlInSeconds);
      });
    }

    if (rateLimitAuthFailures > 0) {
      const authLimit = limiter('auth', rateLimitAuthFailures);
      // Before authentication (the role hooks are route-level onRequest hooks, so they run after this one).
      app.addHook('onRequest', async (request, reply) => {
        if (!isApi(requestPath(request))) return;
        const limit = await authLimit(request, { increment: false });
        if (!limit.isAllowed && limit.ttl > 0 && limit.remaining === 0) return tooMany(request, reply, 'auth', limit.ttlInSeconds);
      });
      // Counted before the 401 leaves, so that the client's next request already sees it.
      app.addHook('onSend', async (request, reply) => {
        if (reply.statusCode === 401 && isApi(requestPath(request))) await authLimit(request);
      });
    }

    const cleanup = setInterval(() => {
      repository.deleteExpired().catch((err) => app.log.warn({ err }, 'rate limit: could not delete ended windows'));
    }, CLEANUP_MS);
    cleanup.unref();
    app.addHook('onClose', async () => clearInterval(cleanup));
  },
  { name: 'rate-limits', dependencies: ['database'] },
);
