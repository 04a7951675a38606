import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ItemRow } from '../../domain/directories/items/repository.ts';
import { createItemService } from '../../domain/directories/items/service.ts';
import { CODE_PATTERN, PagingFields, bearer, errorResponses, page } from '../../schemas/common.ts';
import { ItemFilterQuery, ItemPutBody } from '../../schemas/directories.ts';

const Item = Type.Object({
  code: Type.String(),
  name: Type.String(),
  departmentCode: Type.String(),
  gradeScheme: Type.String(),
  targetType: Type.Union([Type.String(), Type.Null()]),
  legalBasis: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
  kind: Type.Union([Type.Literal('general'), Type.Literal('key')]),
});

const toJson = (r: ItemRow) => ({
  code: r.code,
  name: r.name,
  departmentCode: r.departmentCode,
  gradeScheme: r.gradeScheme,
  targetType: r.targetType,
  legalBasis: r.legalBasis,
  active: r.active,
  kind: r.kind,
});

export default async function itemRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const itemService = createItemService(app.database);
  const params = Type.Object({ code: Type.String({ pattern: CODE_PATTERN }) });
  const readers = app.requireRole('planner', 'auditor', 'inspector');

  app.put(
    '/items/:code',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['directories'],
        summary: 'Create or update an inspection item (抽查事项)',
        security: bearer,
        params,
        body: ItemPutBody,
        response: { 200: Item, 201: Item, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const { row, created } = await itemService.put(request.params.code, request.body);
      return reply.code(created ? 201 : 200).send(toJson(row));
    },
  );

  app.get(
    '/items',
    {
      preHandler: readers,
      schema: {
        tags: ['directories'],
        summary: 'List inspection items',
        security: bearer,
        querystring: Type.Object({ ...PagingFields, ...ItemFilterQuery.properties }, { additionalProperties: false }),
        response: { 200: page(Item), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit, offset, department, active } = request.query;
      const { rows, total } = await itemService.list({ department, active }, limit, offset);
      return { items: rows.map(toJson), total, limit, offset };
    },
  );

  app.get(
    '/items/:code',
    {
      preHandler: readers,
      schema: {
        tags: ['directories'],
        summary: 'Get an inspection item',
        security: bearer,
        params,
        response: { 200: Item, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const row = await itemService.get(request.params.code);
      return row ? toJson(row) : reply.notFound(`no item ${request.params.code}`);
    },
  );
}
