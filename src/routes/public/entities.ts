/** The entity directory's public fields (企业名称 and 统一社会信用代码 are public in China) and published inspections. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { IdParams, errorResponses, page } from '../../schemas/common.ts';
import { EntitySearchQuery, PublicEntity, PublicEntityDetail } from '../../schemas/public.ts';
import { notFound } from '../../domain/errors.ts';
import type { DisclosureService } from '../../domain/disclosure/service.ts';

export default async function publicEntityRoutes(fastify: FastifyInstance, { disclosure }: { disclosure: DisclosureService }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/entities',
    {
      schema: {
        tags: ['public'],
        summary: 'Search entities (市场主体) by name substring or 统一社会信用代码/id prefix; public fields only',
        querystring: EntitySearchQuery,
        response: { 200: page(PublicEntity), ...errorResponses(400) },
      },
    },
    async (request) => {
      const { q, limit, offset } = request.query;
      const { items, total } = await disclosure.searchEntities(q.trim() || q, limit, offset);
      return { items, total, limit, offset };
    },
  );

  app.get(
    '/entities/:id',
    {
      schema: {
        tags: ['public'],
        summary: 'An entity’s public fields and every published inspection of it',
        params: IdParams,
        response: { 200: PublicEntityDetail, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const entity = await disclosure.entity(request.params.id);
      if (!entity) throw notFound(`no entity ${request.params.id}`);
      return entity;
    },
  );
}
