import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { gradeImport } from '../../domain/directories/grades/import.ts';
import { createGradeService } from '../../domain/directories/grades/service.ts';
import { CODE_PATTERN, bearer, errorResponses } from '../../schemas/common.ts';
import { registerImportRoute } from '../import-route.ts';

const Summary = Type.Object({
  scheme: Type.String(),
  defaultGrade: Type.String(),
  activeEntities: Type.Integer(),
  grades: Type.Array(
    Type.Object({
      grade: Type.String(),
      label: Type.String(),
      entities: Type.Integer({ description: 'active entities whose grade this is (evaluated, or by default)' }),
      evaluated: Type.Integer({ description: 'of which have an evaluation with this grade' }),
    }),
    { description: 'in the scheme’s order, best first' },
  ),
});

export default async function gradeRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const grades = createGradeService(app.database);

  await registerImportRoute(app, {
    url: '/grades/import',
    kind: gradeImport,
    summary: 'Import grade evaluations (信用分级分类结果) from CSV or NDJSON',
    description:
      'Each row is one evaluation of an entity in a grade scheme. Every evaluation is kept as history; the ' +
      'latest per entity and scheme is the current grade, so an evaluation older than the current one is recorded ' +
      'but does not replace it. `evaluatedAt`: a date (`2024-03-01`, `2024/3/1`) or a date-time ' +
      '(`2024-03-01T10:00:00+08:00`); without an offset, China Standard Time. Importing the same evaluation twice ' +
      'records it once. Answer: `imported` evaluations added to the history, `updated` current grades replaced ' +
      'by a newer evaluation.',
  });

  app.get(
    '/grades/summary',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['directories'],
        summary: 'How many active entities have each grade of a scheme (the strata a plan would draw from)',
        security: bearer,
        querystring: Type.Object({ scheme: Type.String({ pattern: CODE_PATTERN }) }, { additionalProperties: false }),
        response: { 200: Summary, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => grades.summary(request.query.scheme),
  );
}
