import { eq } from 'drizzle-orm';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { inspectors } from '../../db/schema.ts';
import { ROLES } from '../../plugins/auth.ts';
import { bearer, errorResponses } from '../../schemas/common.ts';
import { createTokenRepository, publicToken } from './repository.ts';

const TokenInfo = Type.Object({
  id: Type.String(),
  role: Type.String(),
  label: Type.Union([Type.String(), Type.Null()]),
  inspectorId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export default async function tokenRoutes(app: FastifyInstance) {
  const tokens = createTokenRepository(app.database.db);
  const admin = app.requireRole('admin');

  app.post(
    '/tokens',
    {
      preHandler: admin,
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token (shown once; stored only as a hash)',
        security: bearer,
        body: Type.Object(
          {
            role: Type.Union(ROLES.map((r) => Type.Literal(r))),
            label: Type.Optional(Type.String({ maxLength: 200 })),
            inspectorId: Type.Optional(Type.String({ description: 'required for role inspector: whose tasks are "mine"' })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Intersect([TokenInfo, Type.Object({ token: Type.String() })]),
          ...errorResponses(400, 401, 403, 422),
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { role: (typeof ROLES)[number]; label?: string; inspectorId?: string };
      if (body.role === 'inspector') {
        if (!body.inspectorId) reply.unprocessable('an inspector token needs inspectorId', [{ field: 'inspectorId', message: 'required for role inspector' }]);
        const [found] = await app.database.db.select({ id: inspectors.id }).from(inspectors).where(eq(inspectors.id, body.inspectorId!));
        if (!found) reply.unprocessable(`unknown inspector ${body.inspectorId}`, [{ field: 'inspectorId', message: 'no such inspector' }]);
      } else if (body.inspectorId) {
        reply.unprocessable('inspectorId is only for role inspector', [{ field: 'inspectorId', message: 'only for role inspector' }]);
      }
      const { token, row } = await tokens.create({ ...body, createdBy: request.principal!.tokenId });
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
    async () => ({ items: (await tokens.list()).map(publicToken) }),
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
    async (request, reply) => {
      const row = await tokens.revoke((request.params as { id: string }).id);
      return row ? publicToken(row) : reply.notFound('no such token');
    },
  );
}
