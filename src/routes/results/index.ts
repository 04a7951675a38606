/**
 * Results management under /api/v1 (一公开): publication of a plan's results, the overdue list, the
 * results.csv export, and the lists behind them (result codes, follow-up actions, the working-day calendar).
 * Result entry itself lives with the tasks (PUT /api/v1/tasks/{id}/result).
 */
import { eq } from 'drizzle-orm';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.ts';
import { plans } from '../../db/schema.ts';
import { chinaDate } from '../../core/calendar.ts';
import { notFound } from '../../domain/errors.ts';
import { CODE_PATTERN, ID_PATTERN, Paging, bearer, errorResponses, page } from '../../schemas/common.ts';
import { calendarRoutes, createCalendarRepository } from './calendar.ts';
import { catalogRoutes, createCatalogRepository } from './catalog.ts';
import { createPublicationRepository } from './publication.ts';
import { overdueResults, resultsCsv } from './reports.ts';

/** Seed the built-in result codes, follow-up actions and shipped calendar years (missing rows only). */
export async function seedResultData(db: Db) {
  await createCatalogRepository(db).seedBuiltins();
  await createCalendarRepository(db).seedBuiltins();
}

export const Publication = Type.Object({
  id: Type.Integer(),
  planId: Type.String(),
  number: Type.Integer({ description: '1, 2, … within the plan (公示批次)' }),
  scope: Type.String({ description: 'all | finished' }),
  corrects: Type.Union([Type.Object({ id: Type.Integer(), number: Type.Integer() }), Type.Null()], {
    description: 'the publication whose results this one corrects (更正)',
  }),
  note: Type.Union([Type.String(), Type.Null()]),
  taskCount: Type.Integer(),
  ledgerSeq: Type.Integer({ description: 'seq of its results.published ledger entry' }),
  publishedAt: Type.String({ format: 'date-time' }),
});

const PublishedTask = Type.Object({
  seq: Type.Integer(),
  entityId: Type.String(),
  resultCode: Type.String(),
  inspectedOn: Type.String({ format: 'date' }),
});

const OverdueItem = Type.Object({
  taskId: Type.Integer(),
  planId: Type.String(),
  planTitle: Type.String(),
  seq: Type.Integer(),
  entityId: Type.String(),
  entityName: Type.String(),
  departments: Type.Array(Type.String(), { description: 'departments on the team' }),
  kind: Type.Union([Type.Literal('not-published'), Type.Literal('no-result')], {
    description: 'not-published: recorded, deadline = inspectedOn + N working days; no-result: nothing recorded, deadline = end of the plan window',
  }),
  inspectedOn: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  deadline: Type.String({ format: 'date' }),
  overdue: Type.Boolean({ description: 'the deadline has passed' }),
  workingDaysLeft: Type.Integer({ description: 'working days from today to the deadline; negative when late' }),
});

export default async function resultRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.database.db;
  const publicationsRepo = createPublicationRepository(db);
  const calendars = createCalendarRepository(db);
  const workingDays = app.config.disclosureWorkingDays;
  const planParams = Type.Object({ id: Type.String({ pattern: ID_PATTERN }) });

  await app.register(catalogRoutes);
  await app.register(calendarRoutes);

  async function planOr404(id: string) {
    const [plan] = await db.select({ id: plans.id, status: plans.status, items: plans.items }).from(plans).where(eq(plans.id, id));
    if (!plan) throw notFound(`no plan ${id}`);
    return plan;
  }

  app.post(
    '/plans/:id/publish',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['results'],
        summary: 'Publish a plan’s results (一公开): freeze them and append a results.published ledger entry',
        description:
          'scope "all" publishes every task’s result and is refused (422, listing them) while any task has none; ' +
          '"finished" publishes the results recorded and not yet published. With `corrects` (a publication id of ' +
          'this plan, scope "finished") it publishes the pending corrections of the results that publication ' +
          'published. The publication, the ledger entry (body: planId, publicationId, number, scope, corrects, note, ' +
          'tasks[seq, entityId, resultCode, inspectedOn]) and the marking of the results are one transaction. ' +
          '409 when there is nothing to publish or the plan is not drawn.',
        security: bearer,
        params: planParams,
        body: Type.Object(
          {
            scope: Type.Union([Type.Literal('all'), Type.Literal('finished')]),
            corrects: Type.Optional(Type.Integer({ minimum: 1, description: 'id of the publication this one corrects' })),
            note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'public note, e.g. the reason for a correction (更正说明)' })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Intersect([Publication, Type.Object({ tasks: Type.Array(PublishedTask), ledgerHash: Type.String() })]),
          ...errorResponses(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const { publication, body, ledgerHash } = await publicationsRepo.publish(request.params.id, request.body, request.principal!.tokenId);
      return reply.code(201).send({ ...publication, tasks: body.tasks, ledgerHash });
    },
  );

  app.get(
    '/plans/:id/publications',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['results'],
        summary: 'A plan’s publications (公示批次), in order',
        security: bearer,
        params: planParams,
        response: { 200: Type.Object({ items: Type.Array(Publication) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await planOr404(request.params.id);
      return { items: await publicationsRepo.list(request.params.id) };
    },
  );

  app.get(
    '/plans/:id/results.csv',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['results'],
        summary: 'Export a plan’s PUBLISHED results as CSV for the 国家企业信用信息公示系统',
        description:
          'One row per entity (task) with its latest published result: 统一社会信用代码（注册号）, 企业名称, ' +
          '抽查事项编码/名称, 检查实施机关, 检查日期, 检查结果代码/检查结果, 后续处置, 整改期限, 公示日期, 抽查计划编号, ' +
          '任务序号, 公示批次, 是否更正. Encoding UTF-8 with a byte-order mark (so Excel opens it as UTF-8), ' +
          'a header row, CRLF line ends, RFC 4180 quoting; several items or departments are joined with “；”. ' +
          'Unpublished results are never exported.',
        security: bearer,
        params: planParams,
        response: {
          200: Type.String({ description: 'text/csv; charset=utf-8, with BOM' }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const plan = await planOr404(request.params.id);
      const csv = await resultsCsv(db, plan.id, plan);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${plan.id}-results.csv"`)
        .send(csv);
    },
  );

  app.get(
    '/overdue',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['results'],
        summary: 'Results that are late or due soon (谁检查、谁录入、谁公开 within N working days)',
        description:
          'Recorded results not yet published whose disclosure deadline (inspectedOn + N working days, holidays and ' +
          '调休 counted) has passed or falls within `soon` working days; and tasks with no result whose plan window ' +
          'has ended or ends within `soon` working days. Most overdue first. N is the service setting ' +
          'disclosureWorkingDays (SUICHA_DISCLOSURE_WORKING_DAYS, default 20).',
        security: bearer,
        querystring: Type.Intersect([
          Paging,
          Type.Object({
            plan: Type.Optional(Type.String({ pattern: ID_PATTERN })),
            department: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'a department on the team' })),
            soon: Type.Integer({ minimum: 0, maximum: 60, default: 5, description: 'working days ahead counted as due soon' }),
          }),
        ]),
        response: {
          200: Type.Intersect([
            page(OverdueItem),
            Type.Object({ today: Type.String({ format: 'date' }), disclosureWorkingDays: Type.Integer() }),
          ]),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const today = chinaDate(new Date());
      const items = await overdueResults(db, await calendars.load(), {
        today,
        workingDays,
        soon: q.soon,
        plan: q.plan,
        department: q.department,
      });
      return {
        items: items.slice(q.offset, q.offset + q.limit),
        total: items.length,
        limit: q.limit,
        offset: q.offset,
        today,
        disclosureWorkingDays: workingDays,
      };
    },
  );
}

