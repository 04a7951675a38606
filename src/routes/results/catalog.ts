/** Result codes (检查结果) and follow-up actions (后续处置): list them, and extend them per department (planner). */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { bearer, errorResponses } from '../../schemas/common.ts';
import { CatalogListQuery, CodeParams, FollowUpAction, FollowUpActionBody, ResultCode, ResultCodeBody } from '../../schemas/results.ts';
import { createCatalogService } from '../../domain/catalog/service.ts';

export async function catalogRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const catalog = createCatalogService(app.database);
  const readers = app.requireRole('planner', 'auditor', 'inspector');

  app.get(
    '/result-codes',
    {
      preHandler: readers,
      schema: {
        tags: ['results'],
        summary: 'List result codes (检查结果): the standard categories and departments’ own',
        security: bearer,
        querystring: CatalogListQuery,
        response: { 200: Type.Object({ items: Type.Array(ResultCode) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ items: await catalog.listCodes(request.query.department) }),
  );

  app.put(
    '/result-codes/:code',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['results'],
        summary: 'Create or update a department’s result code (built-in codes cannot be changed: 409)',
        security: bearer,
        params: CodeParams,
        body: ResultCodeBody,
        response: { 200: ResultCode, 201: ResultCode, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const { created, code } = await catalog.putCode(request.params.code, request.body);
      return reply.code(created ? 201 : 200).send(code);
    },
  );

  app.get(
    '/follow-up-actions',
    {
      preHandler: readers,
      schema: {
        tags: ['results'],
        summary: 'List follow-up actions (后续处置)',
        security: bearer,
        querystring: CatalogListQuery,
        response: { 200: Type.Object({ items: Type.Array(FollowUpAction) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ items: await catalog.listActions(request.query.department) }),
  );

  app.put(
    '/follow-up-actions/:code',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['results'],
        summary: 'Create or update a department’s follow-up action (built-in actions cannot be changed: 409)',
        security: bearer,
        params: CodeParams,
        body: FollowUpActionBody,
        response: { 200: FollowUpAction, 201: FollowUpAction, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const { created, action } = await catalog.putAction(request.params.code, request.body);
      return reply.code(created ? 201 : 200).send(action);
    },
  );
}
