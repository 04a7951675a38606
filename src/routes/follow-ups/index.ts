/** Rectification follow-ups (限期整改 → 复查) under /api/v1. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createFollowUpService } from '../../domain/follow-ups/service.ts';
import type { Principal } from '../../domain/access/service.ts';
import { bearer, errorResponses, page } from '../../schemas/common.ts';
import { PlanParams } from '../../schemas/plans.ts';
import { FollowUp, FollowUpParams, FollowUpPublication, FollowUpPublishBody, FollowUpQuery, OutcomeBody } from '../../schemas/follow-ups.ts';

export default async function followUpRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const followUps = createFollowUpService(app.database);
  const readers = app.requireRole('planner', 'auditor', 'inspector');
  const writers = app.requireRole('planner', 'inspector');
  const principal = (request: FastifyRequest) => request.principal as Principal;

  app.get(
    '/follow-ups',
    {
      preHandler: readers,
      schema: {
        tags: ['results'],
        summary: 'Rectification follow-ups (限期整改 → 复查), soonest due first',
        description:
          'A published result whose follow-up action needs a deadline (责令改正) makes a follow-up due on that deadline for ' +
          'the department’s members of the task’s team; `status=overdue` lists the due ones past their date (China time). ' +
          'Inspectors see the follow-ups of their own teams only.',
        security: bearer,
        querystring: FollowUpQuery,
        response: { 200: page(FollowUp), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => followUps.list(principal(request), request.query),
  );

  app.get(
    '/follow-ups/:id',
    {
      preHandler: readers,
      schema: {
        tags: ['results'],
        summary: 'Get a follow-up',
        security: bearer,
        params: FollowUpParams,
        response: { 200: FollowUp, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => followUps.get(principal(request), request.params.id),
  );

  app.put(
    '/follow-ups/:id/outcome',
    {
      preHandler: writers,
      schema: {
        tags: ['results'],
        summary: 'Record the outcome of a follow-up (复查): 已整改, or 未整改 with what follows',
        description:
          '`rectified` (已整改) takes no action; `not-rectified` (未整改) at least one of interview (约谈), refer-case (移送办案机构), ' +
          'abnormal-list (列入经营异常名录), dishonest-record (纳入失信记录). Amendable until published; the team’s inspectors or a planner.',
        security: bearer,
        params: FollowUpParams,
        body: OutcomeBody,
        response: { 200: FollowUp, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => followUps.recordOutcome(principal(request), request.params.id, request.body),
  );

  app.post(
    '/plans/:id/follow-ups/publish',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['results'],
        summary: 'Publish a plan’s recorded follow-up outcomes: a followups.published ledger entry',
        description:
          'The outcomes then show on each entity’s public page and in the credit-event feed, and cannot change. ' +
          '`department`: that department’s only (谁检查、谁公开).',
        security: bearer,
        params: PlanParams,
        body: FollowUpPublishBody,
        response: { 201: FollowUpPublication, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await followUps.publish(request.params.id, request.body.department ?? null)),
  );
}
