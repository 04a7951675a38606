/**
 * Load shedding with @fastify/under-pressure: when this process's mean event-loop delay, heap used or RSS is above
 * its threshold (config; 0 = not checked), new requests get 503 with Retry-After at once instead of queueing until
 * the process falls over. Per instance by nature: it measures this process, and the proxy sends the client elsewhere.
 * /health answers 503 {"status": "unavailable"} too, so a proxy's health check takes the instance out meanwhile.
 */
import fp from 'fastify-plugin';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SECURITY_HEADERS } from '../portal/index.ts';
import { errorPage } from '../portal/pages/errors.ts';
import { type ErrorBody, isPortalUrl, requestPath } from './errors.ts';

/** Seconds a client is told to wait (Retry-After); the measurements are sampled every second. */
const RETRY_AFTER_SECONDS = 5;

/** The answer's status and headers, and its body: the one error shape, the portal's HTML page, or /health's own. */
function shed(request: FastifyRequest, reply: FastifyReply): string | object {
  reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS));
  const path = requestPath(request);
  if (path === '/health') return { status: 'unavailable' };
  if (isPortalUrl(path)) {
    // Sent before the portal's own hook runs: its strict headers here too.
    reply.headers(SECURITY_HEADERS).header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    return errorPage(503, '服务器繁忙，请稍后再试。');
  }
  if (path.startsWith('/api/')) reply.header('cache-control', 'no-store');
  return { error: 'service_unavailable', message: 'the service is overloaded, retry later', details: [] } satisfies ErrorBody;
}

export default fp(
  async function pressure(app: FastifyInstance) {
    const { maxEventLoopDelayMs, maxHeapBytes, maxRssBytes } = app.config;
    if (maxEventLoopDelayMs === 0 && maxHeapBytes === 0 && maxRssBytes === 0) return;
    let shedding = false;
    await app.register(underPressure, {
      maxEventLoopDelay: maxEventLoopDelayMs,
      maxHeapUsedBytes: maxHeapBytes,
      maxRssBytes,
      // The plugin sends what this returns and stops there (had it sent the reply itself, the plugin would call
      // next() and the later hooks and the handler would still run). Its type does not say it may return a body.
      pressureHandler: ((request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => {
        if (!shedding) request.log.warn({ type, value }, 'under pressure: shedding load with 503');
        shedding = true;
        return shed(request, reply);
      }) as unknown as (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => void,
    });
    // Logs the end of a pressure episode once (the plugin samples every second; the check is cheap).
    app.addHook('onResponse', async () => {
      if (shedding && !app.isUnderPressure()) {
        shedding = false;
        app.log.info('under pressure: no longer shedding load');
      }
    });
  },
  { name: 'pressure' },
);
