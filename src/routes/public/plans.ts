/**
 * Public plans under /public/v1: committed, drawn or voided, as published. Drafts do not exist here; the
 * server seed appears only inside the draw record or the void (both after it is revealed); task grades only
 * where the draw record carries them (a public grade scheme); lists of a plan's tasks come by entity id, never by seq.
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { IdParams, Paging, errorResponses, page } from '../../schemas/common.ts';
import { PublicPlanQuery, PublicPlanSummary, PublishedResult } from '../../schemas/public.ts';
import { Publication } from '../../schemas/results.ts';
import { PlanParams, PublicPlan } from '../../schemas/plans.ts';
import { notFound } from '../../domain/errors.ts';
import type { DisclosureService } from '../../domain/disclosure/service.ts';

export default async function publicPlanRoutes(fastify: FastifyInstance, { disclosure }: { disclosure: DisclosureService }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // A draft answers exactly like a plan that does not exist.
  const noPlan = (id: string) => notFound(`no plan ${id}`);

  app.get(
    '/plans/:id',
    {
      schema: {
        tags: ['public'],
        summary: 'A public plan: its items and departments, the commit record and, once drawn, the public draw record',
        description:
          'Replay the draw from `commit` and `draw` with the snapshot files (from an auditor) — `npm run replay`. A voided plan ' +
          'shows the revealed server seed, so anyone can check it against the commitment.',
        params: PlanParams,
        response: { 200: PublicPlan, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const json = await disclosure.planRecordJson(request.params.id);
      if (json === null) throw notFound(`no public plan ${request.params.id}`);
      // Already JSON text (the draw record is spliced in unparsed): sent as is, not through the serializer.
      return reply.type('application/json; charset=utf-8').send(json as never);
    },
  );

  app.get(
    '/plans',
    {
      schema: {
        tags: ['public'],
        summary: 'Committed, drawn and voided plans (抽查计划), newest first, with commitment and counts',
        querystring: PublicPlanQuery,
        response: { 200: page(PublicPlanSummary), ...errorResponses(400) },
      },
    },
    async (request) => {
      const { limit, offset, department, item, year, status } = request.query;
      const { items, total } = await disclosure.listPlans({ department, item, year, status }, limit, offset);
      return { items, total, limit, offset };
    },
  );

  app.get(
    '/plans/:id/results',
    {
      schema: {
        tags: ['public'],
        summary: 'Published results of a plan (抽查结果公示), one per task by entity id, with when each was published',
        params: IdParams,
        querystring: Paging,
        response: { 200: page(PublishedResult), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const found = await disclosure.planResults(request.params.id, limit, offset);
      if (!found) throw noPlan(request.params.id);
      return { items: found.items, total: found.total, limit, offset };
    },
  );

  app.get(
    '/plans/:id/publications',
    {
      schema: {
        tags: ['public'],
        summary: 'Publications (公示批次) of a plan, with corrections and their ledger entries',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(Publication) }), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const items = await disclosure.planPublications(request.params.id);
      if (!items) throw noPlan(request.params.id);
      return { items };
    },
  );
}
