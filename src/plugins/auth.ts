import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import { assertRole, createAccessService, type Principal } from '../domain/access/service.ts';
import { unauthorized } from '../domain/errors.ts';
import type { Role } from '../schemas/access.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Hook that requires a bearer token with one of `roles` (admin always passes). Routes name it as their
     * preHandler; it runs as the route's first onRequest hook, so authentication comes before body parsing and
     * validation (no token and a bad body: 401, not 400).
     */
    requireRole(...roles: Role[]): preHandlerHookHandler;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** The bearer token of the Authorization header: null without the header, '' when it is malformed. */
function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : '';
}

export default fp(
  async function auth(app: FastifyInstance, opts: { adminToken: string | null }) {
    const access = createAccessService(app.database);
    if (opts.adminToken) await access.bootstrapAdmin(opts.adminToken);

    app.decorateRequest('principal', null);

    async function authenticate(request: FastifyRequest): Promise<Principal> {
      const token = bearer(request);
      if (token === null) throw unauthorized();
      if (!token) throw unauthorized('the Authorization header must be "Bearer <token>"');
      return access.authenticate(token);
    }

    const roleHooks = new WeakSet<object>();
    app.decorate('requireRole', function (...roles: Role[]): preHandlerHookHandler {
      const hook = async function (request: FastifyRequest) {
        const principal = await authenticate(request);
        request.principal = principal;
        assertRole(principal, roles);
      };
      roleHooks.add(hook);
      return hook;
    });

    // Move role hooks from preHandler (after validation) to onRequest (before the body is even read).
    app.addHook('onRoute', (route) => {
      const pre = route.preHandler === undefined ? [] : ([] as unknown[]).concat(route.preHandler);
      const auth = pre.filter((h) => roleHooks.has(h as object)) as onRequestHookHandler[];
      if (auth.length === 0) return;
      const rest = pre.filter((h) => !roleHooks.has(h as object)) as preHandlerHookHandler[];
      route.preHandler = rest.length ? rest : undefined;
      const onRequest = route.onRequest === undefined ? [] : ([] as onRequestHookHandler[]).concat(route.onRequest);
      route.onRequest = [...auth, ...onRequest];
    });
  },
  { name: 'auth', dependencies: ['database'] },
);
