import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { assertRole, createAccessService, type Principal } from '../domain/access/service.ts';
import { unauthorized } from '../domain/errors.ts';
import type { Role } from '../schemas/access.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler that requires a bearer token with one of `roles` (admin always passes). */
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

    app.decorate('requireRole', function (...roles: Role[]): preHandlerHookHandler {
      return async function (request) {
        const principal = await authenticate(request);
        request.principal = principal;
        assertRole(principal, roles);
      };
    });
  },
  { name: 'auth', dependencies: ['database'] },
);
