/**
 * Tasks (抽查任务) and their results (检查结果), under /api/v1.
 *
 * Inspectors see and write only the tasks of their own team (谁检查、谁录入); planners and auditors see all,
 * planners may enter results too. Tasks themselves are created by the draw (routes/plans).
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { bearer, errorResponses, page } from '../../schemas/common.ts';
import { HistoryEntry, Result, ResultEntryBody, ResultQuery, SignBody } from '../../schemas/results.ts';
import { Task, TaskListQuery, TaskParams } from '../../schemas/tasks.ts';
import { createResultService } from '../../domain/results/service.ts';
import { createTaskService } from '../../domain/tasks/service.ts';

export default async function taskRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tasks = createTaskService(app.database, app.config);
  const results = createResultService(app.database, app.config);
  const readers = app.requireRole('planner', 'auditor', 'inspector');

  app.get(
    '/tasks',
    {
      preHandler: readers,
      schema: {
        tags: ['tasks'],
        summary: 'List tasks: an inspector’s own (mine=1), or a plan’s for planners and auditors',
        description:
          'Inspector tokens only ever see the tasks of their own team (mine=1 is implied), ordered by due date. ' +
          'Planners and auditors filter by plan, status, team department, inspector, entity and overdue ' +
          '(a recorded result past its disclosure deadline, or no result after the plan’s window ended).',
        security: bearer,
        querystring: TaskListQuery,
        response: { 200: page(Task), ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) => tasks.list(request.principal!, request.query),
  );

  app.get(
    '/tasks/:id',
    {
      preHandler: readers,
      schema: {
        tags: ['tasks'],
        summary: 'Get a task (inspectors: only their own)',
        description: 'Every role may read tasks; an inspector asking for another team’s task gets 404, as for a task that does not exist.',
        security: bearer,
        params: TaskParams,
        response: { 200: Task, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => tasks.get(request.principal!, request.params.id),
  );

  app.post(
    '/tasks/:id/result/sign',
    {
      preHandler: app.requireRole('inspector'),
      schema: {
        tags: ['tasks'],
        summary: 'Sign a task’s pending result (行政处罚法 第四十二条: two officers)',
        description:
          'A result is published only once two inspectors of its department on the task’s team have signed its pending version. ' +
          'Entering or amending it as an inspector signs it too; any amendment of its values clears the signatures (what was ' +
          'signed no longer says the same). Inspectors sign with their own tokens (planners cannot); `awaitingSignatures` in ' +
          'the answer says how many are still needed. 404 off the team, 403 for another department’s result, 409 when there is ' +
          'no pending version.',
        security: bearer,
        params: TaskParams,
        body: SignBody,
        response: { 200: Result, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => results.sign(request.params.id, request.body.department, request.principal!),
  );

  app.put(
    '/tasks/:id/result',
    {
      preHandler: app.requireRole('inspector', 'planner'),
      schema: {
        tags: ['tasks'],
        summary: 'Enter or amend a task’s result (检查结果录入); by the task’s team or a planner',
        description:
          'Creates version 1 (201) or amends the unpublished version in place (200); every change is kept in ' +
          'the result history with who made it and when. A published result is frozen (409); to correct it, send ' +
          '`"correction": true`, which creates a new pending version (201) to be published by a publication with ' +
          '`corrects`. inspectedOn may not be in the future nor before the draw; 责令改正 (order-correction) needs ' +
          'followUpDeadline. Unknown or inapplicable codes: 422 naming the field. An inspector not on the task’s team gets 404 ' +
          '(as for a task that does not exist); 403 is for a role that may not write results (auditors), or an inspector ' +
          'writing for another department than their own. A joint plan’s task keeps one result per department of its team (`department`).',
        security: bearer,
        params: TaskParams,
        body: ResultEntryBody,
        response: { 200: Result, 201: Result, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { created, result } = await results.enter(request.params.id, request.body, request.principal!);
      return reply.code(created ? 201 : 200).send(result);
    },
  );

  app.get(
    '/tasks/:id/result',
    {
      preHandler: readers,
      schema: {
        tags: ['tasks'],
        summary: 'Get a task’s current result (the latest version, published or not) of a department',
        description:
          'A joint plan’s task has one result per department of its team: name it with `department` (the default: an inspector’s own, ' +
          'else the task’s first department).',
        security: bearer,
        params: TaskParams,
        querystring: ResultQuery,
        response: { 200: Result, ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (request) => results.current(request.principal!, request.params.id, request.query.department),
  );

  app.get(
    '/tasks/:id/result/versions',
    {
      preHandler: readers,
      schema: {
        tags: ['tasks'],
        summary: 'Every version of a task’s result (the first and each correction), by department, oldest first',
        security: bearer,
        params: TaskParams,
        querystring: ResultQuery,
        response: { 200: Type.Object({ items: Type.Array(Result) }), ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (request) => ({ items: await results.versions(request.principal!, request.params.id, request.query.department) }),
  );

  app.get(
    '/tasks/:id/result/history',
    {
      preHandler: readers,
      schema: {
        tags: ['tasks'],
        summary: 'The audit trail of a task’s results: every entry, amendment and correction with who, when and whose (department)',
        security: bearer,
        params: TaskParams,
        querystring: ResultQuery,
        response: { 200: Type.Object({ items: Type.Array(HistoryEntry) }), ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (request) => ({ items: await results.history(request.principal!, request.params.id, request.query.department) }),
  );
}
