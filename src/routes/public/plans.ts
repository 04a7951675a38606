/**
 * Public plans under /public/v1: committed, drawn or voided, as published. Drafts do not exist here; the
 * server seed appears only inside the draw record or the void (both after it is revealed); task grades only
 * where the draw record carries them (a public grade scheme); lists of a plan's tasks come by entity id, never by seq.
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { IdParams, Paging, errorResponses, page } from '../../schemas/common.ts';
import { Readable } from 'node:stream';
import {
  PublicPlanQuery,
  PublicPlanRecord,
  PublicPlanSummary,
  PublicTaskPage,
  PublicTaskQuery,
  PublishedResult,
  TASK_PAGE_MAX,
} from '../../schemas/public.ts';
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
        summary: 'A public plan: its items and departments, the commit record and, once drawn, the public draw record and its first task page',
        description:
          "Bounded whatever the plan's size: `draw` is the public draw record without `tasks`, and `tasks` the first page of them " +
          `(at most ${TASK_PAGE_MAX}, by entity id, each exactly as the record lists it); follow \`tasks.next\` with ` +
          "`GET /public/v1/plans/{id}/tasks?cursor=` until it is null. The draw record is `draw` with `tasks` = every page's items " +
          '(revision 1: sorted by seq): byte for byte the body of its `plan.drawn` ledger entry plus `drawnAt`. `download` is the whole ' +
          'record in one streamed document. Replay the draw from `commit` and `draw` with the snapshot files (from an auditor) — ' +
          '`npm run replay`. A voided plan shows the revealed server seed, so anyone can check it against the commitment.',
        params: PlanParams,
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: TASK_PAGE_MAX, default: TASK_PAGE_MAX, description: 'tasks in the first page' }),
        }),
        response: { 200: PublicPlanRecord, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const record = await disclosure.planRecord(request.params.id, request.query.limit);
      if (record === null) throw notFound(`no public plan ${request.params.id}`);
      return record;
    },
  );

  app.get(
    '/plans/:id/tasks',
    {
      schema: {
        tags: ['public'],
        summary: "A page of a drawn plan's public task list (the draw record's tasks), by entity id",
        description:
          'Keyset pages in entity id order (UTF-8 bytes), the order of the revision-2 record; never by seq or grade, which are shown only ' +
          'where the record carries them. Start without `cursor` (or from `tasks.next` of the plan) and follow `next` until it is null.',
        params: PlanParams,
        querystring: PublicTaskQuery,
        response: { 200: PublicTaskPage, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      const page = await disclosure.planTaskPage(request.params.id, cursor ?? null, limit);
      if (page === null) throw notFound(`no drawn public plan ${request.params.id}`);
      return page;
    },
  );

  app.get(
    '/plans/:id/record.json',
    {
      schema: {
        tags: ['public'],
        summary: "The whole public record of a plan in one JSON document, streamed (the portal's download)",
        description:
          'The plan as `GET /public/v1/plans/{id}` shows it, but with `draw` the complete public draw record (streamed from its ledger ' +
          "body: the hashed text plus `drawnAt`) and `entityNames` every drawn entity's name; `npm run replay -- --record` reads it.",
        params: PlanParams,
        response: { 200: PublicPlan, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const chunks = await disclosure.planRecordStream(request.params.id);
      if (chunks === null) throw notFound(`no public plan ${request.params.id}`);
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${request.params.id.replace(/[^A-Za-z0-9._-]/g, '_')}.json"`)
        .send(Readable.from(chunks, { objectMode: false, highWaterMark: 64 * 1024 }) as never);
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
