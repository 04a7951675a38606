import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { apiTokens } from '../db/schema.ts';
import { forbidden, unauthorized } from '../domain/errors.ts';

export const ROLES = ['admin', 'planner', 'inspector', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  tokenId: string;
  role: Role;
  inspectorId: string | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler that requires a bearer token with one of `roles` (admin always passes). */
    requireRole(...roles: Role[]): preHandlerHookHandler;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Tokens are stored only as SHA-256: a database leak does not leak a usable token. */
export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
export const newToken = () => `sch_${randomBytes(24).toString('base64url')}`;

const BOOTSTRAP_ID = 'bootstrap-admin';

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : '';
}

export default fp(
  async function auth(app: FastifyInstance, opts: { adminToken: string | null }) {
    const { db } = app.database;
    if (opts.adminToken) {
      // Bootstrap: the configured admin token always works; rotating the variable replaces the old one.
      const tokenHash = hashToken(opts.adminToken);
      await db
        .insert(apiTokens)
        .values({ id: BOOTSTRAP_ID, tokenHash, role: 'admin', label: 'SUICHA_ADMIN_TOKEN' })
        .onConflictDoUpdate({ target: apiTokens.id, set: { tokenHash, revokedAt: null, role: 'admin' } });
    }

    app.decorateRequest('principal', null);

    async function authenticate(request: FastifyRequest): Promise<Principal> {
      const token = bearer(request);
      if (token === null) throw unauthorized();
      if (!token) throw unauthorized('the Authorization header must be "Bearer <token>"');
      const tokenHash = hashToken(token);
      const [row] = await db
        .select()
        .from(apiTokens)
        .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
        .limit(1);
      if (!row || !timingSafeEqual(Buffer.from(row.tokenHash), Buffer.from(tokenHash))) {
        throw unauthorized('the token is unknown or revoked');
      }
      return { tokenId: row.id, role: row.role as Role, inspectorId: row.inspectorId };
    }

    app.decorate('requireRole', function (...roles: Role[]): preHandlerHookHandler {
      return async function (request) {
        const principal = await authenticate(request);
        request.principal = principal;
        if (principal.role !== 'admin' && !roles.includes(principal.role)) {
          throw forbidden(`this action needs the role ${['admin', ...roles].join(' or ')}; the token has ${principal.role}`);
        }
      };
    });
  },
  { name: 'auth', dependencies: ['database'] },
);
