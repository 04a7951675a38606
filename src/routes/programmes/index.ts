/** Annual programmes (年度抽查工作计划) under /api/v1: planners draft and publish them, auditors read them. */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createProgrammeService } from '../../domain/programmes/service.ts';
import { CODE_PATTERN, PagingFields, bearer, errorResponses, page } from '../../schemas/common.ts';
import { Programme, ProgrammeCreateBody, ProgrammeParams, ProgrammePatchBody, ProgrammeStatus, ProgrammeSummary } from '../../schemas/programmes.ts';

export default async function programmeRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const programmes = createProgrammeService(app.database);
  const planners = app.requireRole('planner');
  const readers = app.requireRole('planner', 'auditor');

  app.post(
    '/programmes',
    {
      preHandler: planners,
      schema: {
        tags: ['programmes'],
        summary: 'Create a draft annual programme (年度抽查工作计划)',
        description:
          'One line per inspection item: its annual ratio per grade (`ratiosBp`, or `baseRatioBp` × the scheme’s multipliers) ' +
          'and its batches (抽查批次: date windows of the year, in order). Departments: those carrying it out; several make a ' +
          'joint programme (部门联合抽查), each owning at least one line’s item. Plans name the programme and a batch.',
        security: bearer,
        body: ProgrammeCreateBody,
        response: { 201: Programme, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await programmes.create(request.body, request.principal?.tokenId ?? null)),
  );

  app.get(
    '/programmes',
    {
      preHandler: readers,
      schema: {
        tags: ['programmes'],
        summary: 'List programmes, latest year first',
        security: bearer,
        querystring: Type.Object(
          {
            ...PagingFields,
            status: Type.Optional(ProgrammeStatus),
            year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100 })),
            department: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'programmes this department takes part in' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: page(ProgrammeSummary), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, year, department, limit, offset } = request.query;
      const { items, total } = await programmes.list({ status, year, department }, limit, offset);
      return { items, total, limit, offset };
    },
  );

  app.get(
    '/programmes/:id',
    {
      preHandler: readers,
      schema: {
        tags: ['programmes'],
        summary: 'Get a programme with its plans and its progress per item and grade',
        description:
          'planned: the annual budget per grade (from the directory at publication; for a draft, today’s); committed and ' +
          'drawn: tasks of its committed and drawn plans; inspected: drawn tasks with a result of the item’s department.',
        security: bearer,
        params: ProgrammeParams,
        response: { 200: Programme, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => programmes.get(request.params.id),
  );

  app.patch(
    '/programmes/:id',
    {
      preHandler: planners,
      schema: {
        tags: ['programmes'],
        summary: 'Change a draft programme (409 once published)',
        security: bearer,
        params: ProgrammeParams,
        body: ProgrammePatchBody,
        response: { 200: Programme, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => programmes.patch(request.params.id, request.body),
  );

  app.post(
    '/programmes/:id/publish',
    {
      preHandler: planners,
      schema: {
        tags: ['programmes'],
        summary: 'Publish a programme (计划公告): fix its budgets and append a programme.published ledger entry',
        description:
          'Each line’s population per grade is read from the directory now and fixed with its planned count; the programme ' +
          'appears on the portal and in /public/v1/programmes, and nothing in it can change afterwards. Plans of it can be ' +
          'committed only from now on.',
        security: bearer,
        params: ProgrammeParams,
        response: { 200: Programme, ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request) => programmes.publish(request.params.id, { tokenId: request.principal?.tokenId ?? null }),
  );
}
