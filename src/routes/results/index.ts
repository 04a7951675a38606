/**
 * Results management under /api/v1 (一公开): publication of a plan's results, the overdue list, the
 * results.csv export, and the lists behind them (result codes, follow-up actions, the working-day calendar).
 * Result entry itself lives with the tasks (PUT /api/v1/tasks/{id}/result).
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { bearer, errorResponses } from '../../schemas/common.ts';
import { OverduePage, OverdueQuery, PlanParams, Publication, PublishBody, PublishResponse } from '../../schemas/results.ts';
import { createPublicationService } from '../../domain/publication/service.ts';
import { createResultService } from '../../domain/results/service.ts';
import { calendarRoutes } from './calendar.ts';
import { catalogRoutes } from './catalog.ts';

export default async function resultRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const publications = createPublicationService(app.database);
  const results = createResultService(app.database, app.config);

  await app.register(catalogRoutes);
  await app.register(calendarRoutes);

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
          'published. A joint plan keeps one result per department (谁检查、谁公开): `department` publishes that ' +
          'department’s results only (and scope "all" then needs only its results); without it every department’s. ' +
          'The publication, the ledger entry (body: planId, publicationId, number, scope, department (when given), corrects, note, ' +
          'tasks[seq, entityId, department (joint plans), resultCode, inspectedOn]) and the marking of the results are one transaction. ' +
          '409 when there is nothing to publish or the plan is not drawn.',
        security: bearer,
        params: PlanParams,
        body: PublishBody,
        response: {
          201: PublishResponse,
          ...errorResponses(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => reply.code(201).send(await publications.publish(request.params.id, request.body, request.principal!.tokenId)),
  );

  app.get(
    '/plans/:id/publications',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['results'],
        summary: 'A plan’s publications (公示批次), in order',
        security: bearer,
        params: PlanParams,
        response: { 200: Type.Object({ items: Type.Array(Publication) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ items: await publications.list(request.params.id) }),
  );

  app.get(
    '/plans/:id/results.csv',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['results'],
        summary: 'Export a plan’s PUBLISHED results as CSV for the 国家企业信用信息公示系统',
        description:
          'One row per entity (task) and department with its latest published result (a joint plan’s task has a row per ' +
          'department, with that department’s items as 抽查事项 and the department as 检查实施机关): 统一社会信用代码（注册号）, 企业名称, ' +
          '抽查事项编码/名称, 检查实施机关, 检查日期, 检查结果代码/检查结果, 后续处置, 整改期限, 公示日期, 抽查计划编号, ' +
          '任务序号, 公示批次, 是否更正. Encoding UTF-8 with a byte-order mark (so Excel opens it as UTF-8), ' +
          'a header row, CRLF line ends, RFC 4180 quoting; several items or departments are joined with “；”. ' +
          'Unpublished results are never exported.',
        security: bearer,
        params: PlanParams,
        response: {
          200: Type.String({ description: 'text/csv; charset=utf-8, with BOM' }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { planId, csv } = await results.csv(request.params.id);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${planId}-results.csv"`)
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
          '调休 counted) has passed or falls within `soon` working days; and each department of a task’s team that has recorded ' +
          'nothing once the plan window has ended or ends within `soon` working days. A joint plan’s task is listed once per ' +
          'such department (`department`). Most overdue first. N is the service setting ' +
          'disclosureWorkingDays (SUICHA_DISCLOSURE_WORKING_DAYS, default 20).',
        security: bearer,
        querystring: OverdueQuery,
        response: {
          200: OverduePage,
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => results.overdue(request.query),
  );
}
