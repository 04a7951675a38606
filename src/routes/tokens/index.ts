import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createAccessService } from '../../domain/access/service.ts';
import type { TokenRow } from '../../domain/access/repository.ts';
import { TokenCreateBody } from '../../schemas/access.ts';
import { bearer, errorResponses } from '../../schemas/common.ts';

const TokenInfo = Type.Object({
  id: Type.String(),
  role: Type.String(),
  label: Type.Union([Type.String(), Type.Null()]),
  inspectorId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/** A token as listed: never the token itself, nor its hash. */
const publicToken = (row: TokenRow) => ({
  id: row.id,
  role: row.role,
  label: row.label,
  inspectorId: row.inspectorId,
  createdAt: row.createdAt.toISOString(),
  revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
});

export default async function tokenRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const access = createAccessService(app.database);
  const admin = app.requireRole('admin');

  app.post(
    '/tokens',
    {
      preHandler: admin,
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token (shown once; stored only as a hash)',
        security: bearer,
        body: TokenCreateBody,
        response: {
          201: Type.Intersect([TokenInfo, Type.Object({ token: Type.String() })]),
          ...errorResponses(400, 401, 403, 422),
        },
      },
    },
    async (request, reply) => {
      const { token, row } = await access.issue(request.body, request.principal!.tokenId);
      return reply.code(201).send({ ...publicToken(row), token });
    },
  );

  app.get(
    '/tokens',
    {
      preHandler: admin,
      schema: {
        tags: ['tokens'],
        summary: 'List tokens (never the token itself)',
        security: bearer,
        response: { 200: Type.Object({ items: Type.Array(TokenInfo) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: (await access.list()).map(publicToken) }),
  );

  app.delete(
    '/tokens/:id',
    {
      preHandler: admin,
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token',
        security: bearer,
        params: Type.Object({ id: Type.String() }),
        response: { 200: TokenInfo, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => publicToken(await access.revoke(request.params.id)),
  );
}
