import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { registerImportRoute } from '../../lib/import/route.ts';
import { textProblem } from '../../lib/import/values.ts';
import { ID_PATTERN, Paging, bearer, errorResponses, page } from '../../schemas/common.ts';
import { recusalImport } from './import.ts';
import { createRecusalRepository, type RecusalRow } from './repository.ts';

const Recusal = Type.Object({
  inspectorId: Type.String(),
  entityId: Type.String(),
  reason: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

const recusalJson = (r: Pick<RecusalRow, 'inspectorId' | 'entityId' | 'reason' | 'createdAt'>) => ({
  inspectorId: r.inspectorId,
  entityId: r.entityId,
  reason: r.reason,
  createdAt: r.createdAt.toISOString(),
});

export default async function recusalRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const repo = createRecusalRepository(app.database.db);
  const params = Type.Object({ inspectorId: Type.String({ pattern: ID_PATTERN }), entityId: Type.String({ pattern: ID_PATTERN }) });

  await registerImportRoute(app, {
    url: '/recusals/import',
    kind: recusalImport,
    summary: 'Import recusals (回避) from CSV or NDJSON',
    description:
      'Pairs of an inspector and an entity that must never meet in a draw, with the reason (e.g. 亲属关系). ' +
      'Upserted by the pair: an existing pair gets the new reason. Answer: `imported` new pairs, `updated` existing ones.',
  });

  app.get(
    '/recusals',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['directories'],
        summary: 'List recusals (回避)',
        security: bearer,
        querystring: Type.Intersect([
          Paging,
          Type.Object({
            inspectorId: Type.Optional(Type.String({ pattern: ID_PATTERN })),
            entityId: Type.Optional(Type.String({ pattern: ID_PATTERN })),
          }),
        ]),
        response: { 200: page(Recusal), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit, offset, ...filter } = request.query;
      const { rows, total } = await repo.list(filter, limit, offset);
      return { items: rows.map(recusalJson), total, limit, offset };
    },
  );

  app.put(
    '/recusals/:inspectorId/:entityId',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['directories'],
        summary: 'Record one recusal (回避), or change its reason',
        security: bearer,
        params,
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
        response: { 200: Recusal, 201: Recusal, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const { inspectorId, entityId } = request.params;
      const problems: { field: string; message: string }[] = [];
      const reason = textProblem(request.body.reason, 500);
      if (reason) problems.push({ field: 'reason', message: `reason ${reason}` });
      const known = await repo.known(inspectorId, entityId);
      if (!known.inspector) problems.push({ field: 'inspectorId', message: `unknown inspector ${inspectorId}` });
      if (!known.entity) problems.push({ field: 'entityId', message: `unknown entity ${entityId}` });
      if (problems.length) return reply.unprocessable('invalid recusal', problems);
      const row = await repo.put(inspectorId, entityId, request.body.reason.trim());
      return reply.code(row.created ? 201 : 200).send(recusalJson(row));
    },
  );

  app.delete(
    '/recusals/:inspectorId/:entityId',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['directories'],
        summary: 'Remove a recusal that no longer applies',
        description: 'Plans committed before keep the recusal in their frozen snapshot; only later commits are affected.',
        security: bearer,
        params,
        response: { 200: Recusal, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { inspectorId, entityId } = request.params;
      const row = await repo.remove(inspectorId, entityId);
      return row ? recusalJson(row) : reply.notFound(`no recusal of inspector ${inspectorId} for entity ${entityId}`);
    },
  );
}
