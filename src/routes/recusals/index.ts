import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { recusalImport } from '../../domain/directories/recusals/import.ts';
import type { RecusalRow } from '../../domain/directories/recusals/repository.ts';
import { createRecusalService } from '../../domain/directories/recusals/service.ts';
import { ID_PATTERN, PagingFields, bearer, errorResponses, page } from '../../schemas/common.ts';
import { RecusalFilterQuery } from '../../schemas/directories.ts';
import { registerImportRoute } from '../import-route.ts';

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
  const recusalService = createRecusalService(app.database);
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
        querystring: Type.Object({ ...PagingFields, ...RecusalFilterQuery.properties }, { additionalProperties: false }),
        response: { 200: page(Recusal), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit, offset, ...filter } = request.query;
      const { rows, total } = await recusalService.list(filter, limit, offset);
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
      const row = await recusalService.put(inspectorId, entityId, request.body.reason);
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
    async (request) => {
      const { inspectorId, entityId } = request.params;
      return recusalJson(await recusalService.remove(inspectorId, entityId));
    },
  );
}
