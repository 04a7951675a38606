import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createDepartmentRepository, type DepartmentRow } from '../../domain/directories/departments/repository.ts';
import { CODE_PATTERN, bearer, errorResponses } from '../../schemas/common.ts';
import { DepartmentPutBody } from '../../schemas/directories.ts';

const Department = Type.Object({
  code: Type.String(),
  name: Type.String(),
  active: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const toJson = (r: DepartmentRow) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() });

export default async function departmentRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const repo = createDepartmentRepository(app.database.db);
  const params = Type.Object({ code: Type.String({ pattern: CODE_PATTERN }) });

  app.put(
    '/departments/:code',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['directories'],
        summary: 'Create or update a department (e.g. SCJG 市场监管局)',
        security: bearer,
        params,
        body: DepartmentPutBody,
        response: { 200: Department, 201: Department, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { row, created } = await repo.put(request.params.code, request.body);
      return reply.code(created ? 201 : 200).send(toJson(row));
    },
  );

  app.get(
    '/departments',
    {
      preHandler: app.requireRole('planner', 'auditor', 'inspector'),
      schema: {
        tags: ['directories'],
        summary: 'List departments',
        security: bearer,
        response: { 200: Type.Object({ items: Type.Array(Department) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: (await repo.list()).map(toJson) }),
  );

  app.get(
    '/departments/:code',
    {
      preHandler: app.requireRole('planner', 'auditor', 'inspector'),
      schema: {
        tags: ['directories'],
        summary: 'Get a department',
        security: bearer,
        params,
        response: { 200: Department, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const row = await repo.get(request.params.code);
      return row ? toJson(row) : reply.notFound(`no department ${request.params.code}`);
    },
  );
}
