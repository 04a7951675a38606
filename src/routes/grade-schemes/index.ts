import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { GradeSchemeRow } from '../../domain/directories/grade-schemes/repository.ts';
import { createGradeSchemeService } from '../../domain/directories/grade-schemes/service.ts';
import { CODE_PATTERN, bearer, errorResponses } from '../../schemas/common.ts';
import { GradeSchemeBody, SchemeGrade } from '../../schemas/directories.ts';

const GradeScheme = Type.Object({
  code: Type.String(),
  name: Type.String(),
  source: Type.Union([Type.String(), Type.Null()]),
  grades: Type.Array(SchemeGrade),
  defaultGrade: Type.String(),
  public: Type.Boolean(),
  builtin: Type.Boolean(),
});

const toJson = (r: GradeSchemeRow) => ({
  code: r.code,
  name: r.name,
  source: r.source,
  grades: r.grades,
  defaultGrade: r.defaultGrade,
  public: r.public,
  builtin: r.builtin,
});

export default async function gradeSchemeRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const schemes = createGradeSchemeService(app.database);
  const params = Type.Object({ code: Type.String({ pattern: CODE_PATTERN }) });
  const readers = app.requireRole('planner', 'auditor', 'inspector');

  app.get(
    '/grade-schemes',
    {
      preHandler: readers,
      schema: {
        tags: ['directories'],
        summary: 'List grade schemes (built in: credit-4, credit-5, risk-4, public-4, env-4)',
        security: bearer,
        response: { 200: Type.Object({ items: Type.Array(GradeScheme) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: (await schemes.list()).map(toJson) }),
  );

  app.get(
    '/grade-schemes/:code',
    {
      preHandler: readers,
      schema: {
        tags: ['directories'],
        summary: 'Get a grade scheme',
        security: bearer,
        params,
        response: { 200: GradeScheme, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const row = await schemes.get(request.params.code);
      return row ? toJson(row) : reply.notFound(`no grade scheme ${request.params.code}`);
    },
  );

  app.put(
    '/grade-schemes/:code',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        tags: ['directories'],
        summary: 'Create or replace a grade scheme (admin)',
        security: bearer,
        params,
        body: GradeSchemeBody,
        response: { 200: GradeScheme, 201: GradeScheme, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const { row, created } = await schemes.put(request.params.code, request.body);
      return reply.code(created ? 201 : 200).send(toJson(row));
    },
  );
}
