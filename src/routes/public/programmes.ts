/** The published annual programmes (计划公告) for everyone: the record as in the ledger, its plans and its progress. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createProgrammeService } from '../../domain/programmes/service.ts';
import { PagingFields, errorResponses } from '../../schemas/common.ts';
import { ProgrammeParams, PublicProgramme, PublicProgrammeSummary } from '../../schemas/programmes.ts';

export default async function publicProgrammeRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const programmes = createProgrammeService(app.database);

  app.get(
    '/programmes',
    {
      schema: {
        tags: ['public'],
        summary: 'Published annual programmes (年度抽查工作计划), latest year first',
        querystring: Type.Object(PagingFields, { additionalProperties: false }),
        response: {
          200: Type.Object({ items: Type.Array(PublicProgrammeSummary), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() }),
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      return { ...(await programmes.publicList(limit, offset)), limit, offset };
    },
  );

  app.get(
    '/programmes/:id',
    {
      schema: {
        tags: ['public'],
        summary: 'A published programme: its 计划公告 record (the programme.published ledger body), plans and progress',
        description:
          'Progress counts published results only; per grade only where the scheme’s grades are public (otherwise the counts ' +
          'of published results per grade would tie published entities to grades).',
        params: ProgrammeParams,
        response: { 200: PublicProgramme, ...errorResponses(400, 404) },
      },
    },
    async (request) => programmes.publicGet(request.params.id),
  );
}
