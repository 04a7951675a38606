import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import databasePlugin from './plugins/database.ts';
import helmet from '@fastify/helmet';
import errorsPlugin, { clientErrorHandler, frameworkErrors, requestPath, serializeError } from './plugins/errors.ts';
import inputPlugin from './plugins/input.ts';
import authPlugin from './plugins/auth.ts';
import pressurePlugin from './plugins/pressure.ts';
import rateLimitPlugin from './plugins/rate-limit.ts';
import openapiPlugin from './plugins/openapi.ts';
import healthRoutes from './routes/health/index.ts';
import tokenRoutes from './routes/tokens/index.ts';
import departmentRoutes from './routes/departments/index.ts';
import gradeSchemeRoutes from './routes/grade-schemes/index.ts';
import { createGradeSchemeRepository } from './domain/directories/grade-schemes/repository.ts';
import itemRoutes from './routes/items/index.ts';
import entityRoutes from './routes/entities/index.ts';
import gradeRoutes from './routes/grades/index.ts';
import inspectorRoutes from './routes/inspectors/index.ts';
import recusalRoutes from './routes/recusals/index.ts';
import commitmentRoutes from './routes/commitments/index.ts';
import programmeRoutes from './routes/programmes/index.ts';
import planRoutes from './routes/plans/index.ts';
import ledgerRoutes from './routes/ledger/index.ts';
import taskRoutes from './routes/tasks/index.ts';
import resultRoutes from './routes/results/index.ts';
import creditEventRoutes from './routes/credit-events/index.ts';
import followUpRoutes from './routes/follow-ups/index.ts';
import gradeReviewRoutes from './routes/grade-reviews/index.ts';
import { seedResultData } from './domain/catalog/service.ts';
import publicRoutes from './routes/public/index.ts';
import portalRoutes from './portal/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The validated configuration (e.g. disclosureWorkingDays for result deadlines). */
    config: Config;
  }
}

export interface AppOptions {
  config: Config;
  database: Database;
  /** Close the database when the app closes (true for the server; tests share theirs). */
  closeDatabase?: boolean;
  logger?: boolean | object;
}

/** Management resources under /api/v1, each one plugin. */
const MANAGEMENT_ROUTES = [
  tokenRoutes,
  departmentRoutes,
  gradeSchemeRoutes,
  itemRoutes,
  entityRoutes,
  gradeRoutes,
  inspectorRoutes,
  recusalRoutes,
  commitmentRoutes,
  programmeRoutes,
  planRoutes,
  taskRoutes,
  resultRoutes,
  followUpRoutes,
  creditEventRoutes,
  gradeReviewRoutes,
];
/** Read-only routes for everyone under /public/v1: no token, only published data. */
const PUBLIC_ROUTES = [ledgerRoutes, publicRoutes];

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const app = Fastify({
    logger:
      opts.logger === false
        ? false
        : {
            level: config.logLevel,
            // Tokens travel only in the Authorization header; never log it.
            redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
            // Errors are logged without SQL parameters, queries or bodies (a parameter can be a finding or a token hash).
            serializers: { err: serializeError, error: serializeError },
            ...(typeof opts.logger === 'object' ? opts.logger : {}),
          },
    // One log line per request (onResponse below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Whom to believe for X-Forwarded-For (request.ip, the rate limits' client address): SUICHA_TRUST_PROXY.
    trustProxy: config.trustProxy,
    // Framework and HTTP-parser errors answer in the one error shape too (the portal: its HTML error page).
    frameworkErrors,
    clientErrorHandler,
    // Validation is src/plugins/input.ts's (its own Ajv set-up, no coercion of bodies); this is only Fastify's fallback.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : crypto.randomUUID();
    },
  });

  app.decorate('config', config);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  await app.register(databasePlugin, { database: opts.database, closeOnExit: opts.closeDatabase ?? false });
  await app.register(errorsPlugin);
  await app.register(inputPlugin);
  // Security headers on every response; the portal overrides them with its own stricter set (src/portal).
  await app.register(helmet, {
    contentSecurityPolicy: {
      // Swagger UI at /docs: its own script and style files, inline styles, data: images, the document via fetch.
      directives: { 'upgrade-insecure-requests': null },
    },
  });
  // Management answers (tokens shown once, internal records) are never cached, errors included.
  app.addHook('onRequest', async (request, reply) => {
    if (requestPath(request).startsWith('/api/')) reply.header('cache-control', 'no-store');
  });
  // Shed load (503) before anything costs work, then the rate limits (429), both before authentication.
  await app.register(pressurePlugin);
  await app.register(rateLimitPlugin);
  await app.register(openapiPlugin);
  await app.register(authPlugin, { adminToken: config.adminToken });
  await createGradeSchemeRepository(opts.database.db).seedBuiltins();
  await seedResultData(opts.database.db);

  await app.register(healthRoutes);
  await app.register(
    async (api) => {
      for (const routes of MANAGEMENT_ROUTES) await api.register(routes);
    },
    { prefix: '/api/v1' },
  );
  await app.register(
    async (pub) => {
      for (const routes of PUBLIC_ROUTES) await pub.register(routes);
    },
    { prefix: '/public/v1' },
  );
  // The public portal (server-rendered, Simplified Chinese) at the site root.
  await app.register(portalRoutes);
  return app;
}
