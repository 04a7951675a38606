/**
 * Tasks (抽查任务) and their results (检查结果), under /api/v1.
 *
 * Inspectors see and write only the tasks of their own team (谁检查、谁录入); planners and auditors see all,
 * planners may enter results too. Tasks themselves are created by the draw (routes/plans).
 */
import { Type } from 'typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CODE_PATTERN, ID_PATTERN, Paging, bearer, errorResponses, page } from '../../schemas/common.ts';
import { addWorkingDays, chinaDate, type Calendar } from '../../core/calendar.ts';
import { forbidden, notFound, unprocessable } from '../../domain/errors.ts';
import { createCalendarRepository, DATE_PATTERN } from '../results/calendar.ts';
import { createResultRepository, resultJson } from '../results/repository.ts';
import { overdueInspectedBy } from '../results/reports.ts';
import { createTaskRepository, isOnTeam, type TaskRow, type TeamMember } from './repository.ts';

/** A query flag: 1/0 or true/false. */
const Flag = (description: string) =>
  Type.Union([Type.Boolean(), Type.Literal('1'), Type.Literal('0')], { description: `${description}: 1/true or 0/false` });
const isSet = (v: boolean | '1' | '0' | undefined) => v === true || v === '1';

const Member = Type.Object({
  position: Type.Integer(),
  departmentCode: Type.String(),
  departmentName: Type.Union([Type.String(), Type.Null()]),
  inspectorId: Type.String(),
  inspectorName: Type.String(),
});

const Task = Type.Object({
  id: Type.Integer(),
  planId: Type.String(),
  planTitle: Type.String(),
  seq: Type.Integer({ description: 'the task’s number in the draw (spec §3)' }),
  entityId: Type.String(),
  entity: Type.Object({
    id: Type.String(),
    name: Type.String(),
    address: Type.Union([Type.String(), Type.Null()]),
    region: Type.String(),
  }),
  grade: Type.Union([Type.String(), Type.Null()], {
    description: 'the entity’s grade in the plan’s scheme at commit; null for inspector tokens unless the scheme is public (信用等级 is not shown beyond planners and auditors)',
  }),
  mode: Type.String({ description: 'onsite (现场检查), or written (书面检查) where the grade scheme allows a written check' }),
  team: Type.Array(Member, { description: 'the drawn team (执法检查人员), in protocol order' }),
  status: Type.Union([Type.Literal('assigned'), Type.Literal('recorded'), Type.Literal('published'), Type.Literal('correcting')], {
    description: 'assigned: no result; recorded: entered, not published; published; correcting: published with a pending correction',
  }),
  windowFrom: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  dueDate: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'end of the plan’s inspection window' }),
  result: Type.Union([
    Type.Object({
      version: Type.Integer(),
      resultCode: Type.String(),
      inspectedOn: Type.String({ format: 'date' }),
      disclosureDeadline: Type.String({ format: 'date', description: 'inspectedOn + N working days (谁检查、谁公开)' }),
      publishedVersion: Type.Union([Type.Integer(), Type.Null()]),
      publishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    }),
    Type.Null(),
  ]),
});

const Attachment = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    uri: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
  },
  { additionalProperties: false, description: 'a reference to evidence kept elsewhere: a uri, a SHA-256, or both' },
);

export const Result = Type.Object({
  taskId: Type.Integer(),
  version: Type.Integer({ description: '1 = the first result; each correction adds one' }),
  resultCode: Type.String(),
  resultLabel: Type.String(),
  inspectedOn: Type.String({ format: 'date' }),
  findings: Type.String(),
  followUp: Type.String(),
  followUpLabel: Type.String(),
  followUpDeadline: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  attachments: Type.Array(Attachment),
  correctsVersion: Type.Union([Type.Integer(), Type.Null()], { description: 'the published version this one corrects' }),
  disclosureDeadline: Type.String({ format: 'date' }),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.Object({ tokenId: Type.String(), inspectorId: Type.Union([Type.String(), Type.Null()]) }),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.Object({ tokenId: Type.String(), inspectorId: Type.Union([Type.String(), Type.Null()]) }),
  published: Type.Boolean(),
  publishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  publication: Type.Union([Type.Object({ id: Type.Integer(), number: Type.Integer() }), Type.Null()]),
});

const HistoryEntry = Type.Object({
  version: Type.Integer(),
  action: Type.Union([Type.Literal('created'), Type.Literal('amended'), Type.Literal('correction')]),
  values: Type.Object({
    resultCode: Type.String(),
    inspectedOn: Type.String(),
    findings: Type.String(),
    followUp: Type.String(),
    followUpDeadline: Type.Union([Type.String(), Type.Null()]),
    attachments: Type.Array(Attachment),
  }),
  changedBy: Type.Object({ tokenId: Type.String(), inspectorId: Type.Union([Type.String(), Type.Null()]) }),
  changedAt: Type.String({ format: 'date-time' }),
});

export function taskJson(r: TaskRow, team: TeamMember[], calendar: Calendar, workingDays: number, showGrade: boolean) {
  return {
    id: Number(r.task_id),
    planId: r.plan_id,
    planTitle: r.plan_title,
    seq: r.seq,
    entityId: r.entity_id,
    entity: { id: r.entity_id, name: r.entity_name, address: r.entity_address, region: r.entity_region },
    grade: showGrade || r.grade_public ? r.grade : null,
    mode: r.mode,
    team,
    status: r.status,
    windowFrom: r.window_from,
    dueDate: r.window_to,
    result:
      r.version === null
        ? null
        : {
            version: r.version,
            resultCode: r.result_code!,
            inspectedOn: r.inspected_on!,
            disclosureDeadline: addWorkingDays(r.inspected_on!, workingDays, calendar),
            publishedVersion: r.published_version,
            publishedAt: r.published_at,
          },
  };
}

export default async function taskRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.database.db;
  const tasks = createTaskRepository(db);
  const resultsRepo = createResultRepository(db);
  const calendars = createCalendarRepository(db);
  const workingDays = app.config.disclosureWorkingDays;
  const readers = app.requireRole('planner', 'auditor', 'inspector');
  const params = Type.Object({ id: Type.Integer({ minimum: 1 }) });

  /** 404 for a missing task; 403 for an inspector who is not on its team. */
  async function visibleTask(request: FastifyRequest, id: number) {
    const task = await tasks.get(id);
    if (!task) throw notFound(`no task ${id}`);
    const p = request.principal!;
    if (p.role === 'inspector' && !(p.inspectorId && (await isOnTeam(db, id, p.inspectorId)))) {
      throw forbidden(`task ${id} is not one of inspector ${p.inspectorId}’s tasks`);
    }
    return task;
  }

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
        querystring: Type.Intersect([
          Paging,
          Type.Object({
            mine: Type.Optional(Flag('only the token’s inspector’s tasks (inspector tokens)')),
            plan: Type.Optional(Type.String({ pattern: ID_PATTERN })),
            status: Type.Optional(
              Type.Union([Type.Literal('assigned'), Type.Literal('recorded'), Type.Literal('published'), Type.Literal('correcting')]),
            ),
            department: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'a department on the team' })),
            inspector: Type.Optional(Type.String({ pattern: ID_PATTERN })),
            entity: Type.Optional(Type.String({ pattern: ID_PATTERN })),
            overdue: Type.Optional(Flag('only overdue tasks')),
          }),
        ]),
        response: { 200: page(Task), ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const q = request.query;
      const p = request.principal!;
      let inspector = q.inspector;
      if (p.role === 'inspector') {
        if (!p.inspectorId) throw forbidden('this inspector token names no inspector');
        if (q.inspector !== undefined && q.inspector !== p.inspectorId) throw forbidden('an inspector sees only their own tasks');
        inspector = p.inspectorId;
      } else if (isSet(q.mine)) {
        throw unprocessable('mine=1 is for inspector tokens', [{ field: 'mine', message: 'this token acts for no inspector' }]);
      }
      const calendar = await calendars.load();
      let overdue;
      if (isSet(q.overdue)) {
        const today = chinaDate(new Date());
        overdue = { today, inspectedBy: overdueInspectedBy(today, workingDays, calendar) };
      }
      const { rows, total } = await tasks.list(
        { plan: q.plan, status: q.status, department: q.department, inspector, entity: q.entity, overdue },
        p.role === 'inspector' ? 'due' : 'plan',
        q.limit,
        q.offset,
      );
      const teams = await tasks.teams(rows.map((r) => Number(r.task_id)));
      return {
        items: rows.map((r) => taskJson(r, teams.get(Number(r.task_id)) ?? [], calendar, workingDays, p.role !== 'inspector')),
        total,
        limit: q.limit,
        offset: q.offset,
      };
    },
  );

  app.get(
    '/tasks/:id',
    {
      preHandler: readers,
      schema: {
        tags: ['tasks'],
        summary: 'Get a task (inspectors: only their own)',
        security: bearer,
        params,
        response: { 200: Task, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const task = await visibleTask(request, request.params.id);
      const teams = await tasks.teams([request.params.id]);
      return taskJson(task, teams.get(request.params.id) ?? [], await calendars.load(), workingDays, request.principal!.role !== 'inspector');
    },
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
          'followUpDeadline. Unknown or inapplicable codes: 422 naming the field.',
        security: bearer,
        params,
        body: Type.Object(
          {
            resultCode: Type.String({ pattern: CODE_PATTERN, description: 'from GET /api/v1/result-codes' }),
            inspectedOn: Type.String({ pattern: DATE_PATTERN, description: 'date of the inspection (YYYY-MM-DD, China)' }),
            findings: Type.Optional(Type.String({ maxLength: 20000, description: 'what was found (检查情况); internal, never published' })),
            followUp: Type.String({ pattern: CODE_PATTERN, description: 'from GET /api/v1/follow-up-actions' }),
            followUpDeadline: Type.Optional(Type.Union([Type.String({ pattern: DATE_PATTERN }), Type.Null()])),
            attachments: Type.Optional(Type.Array(Attachment, { maxItems: 50 })),
            correction: Type.Optional(Type.Boolean({ description: 'true to correct a published result (更正)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Result, 201: Result, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = request.principal!;
      const id = request.params.id;
      const { created } = await resultsRepo.enter(id, request.body, { tokenId: p.tokenId, role: p.role, inspectorId: p.inspectorId });
      const latest = (await resultsRepo.latest(id))!;
      return reply.code(created ? 201 : 200).send(resultJson(latest, await calendars.load(), workingDays));
    },
  );

  app.get(
    '/tasks/:id/result',
    {
      preHandler: readers,
      schema: {
        tags: ['tasks'],
        summary: 'Get a task’s current result (the latest version, published or not)',
        security: bearer,
        params,
        response: { 200: Result, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await visibleTask(request, request.params.id);
      const latest = await resultsRepo.latest(request.params.id);
      if (!latest) return reply.notFound(`task ${request.params.id} has no result yet`);
      return resultJson(latest, await calendars.load(), workingDays);
    },
  );

  app.get(
    '/tasks/:id/result/versions',
    {
      preHandler: readers,
      schema: {
        tags: ['tasks'],
        summary: 'Every version of a task’s result (the first and each correction), oldest first',
        security: bearer,
        params,
        response: { 200: Type.Object({ items: Type.Array(Result) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await visibleTask(request, request.params.id);
      const calendar = await calendars.load();
      return { items: (await resultsRepo.versions(request.params.id)).map((v) => resultJson(v, calendar, workingDays)) };
    },
  );

  app.get(
    '/tasks/:id/result/history',
    {
      preHandler: readers,
      schema: {
        tags: ['tasks'],
        summary: 'The audit trail of a task’s result: every entry, amendment and correction with who and when',
        security: bearer,
        params,
        response: { 200: Type.Object({ items: Type.Array(HistoryEntry) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await visibleTask(request, request.params.id);
      const rows = await resultsRepo.history(request.params.id);
      return {
        items: rows.map((h) => ({
          version: h.version,
          action: h.action as 'created' | 'amended' | 'correction',
          values: h.values as never,
          changedBy: { tokenId: h.changedBy, inspectorId: h.changedByInspector },
          changedAt: h.changedAt.toISOString(),
        })),
      };
    },
  );
}
