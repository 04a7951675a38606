import { Type } from 'typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { badRequest } from '../../domain/errors.ts';
import { createPlanService } from '../../domain/plans/service.ts';
import { createDrawService } from '../../domain/draws/service.ts';
import { fullRecordJson } from '../../domain/draws/records.ts';
import { CODE_PATTERN, PagingFields, bearer, errorResponses, page } from '../../schemas/common.ts';
import { CommitRecordSchema, DrawRecordSchema } from '../../schemas/records.ts';
import {
  CommitBody,
  DrawBody,
  FullRecord,
  Plan,
  PlanCreateBody,
  PlanParams,
  PlanPatchBody,
  PlanStatus,
  PreviewSchema,
  VoidBody,
  VoidResponse,
} from '../../schemas/plans.ts';
import { PROGRAMME_ID_PATTERN } from '../../schemas/programmes.ts';

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'retrying a request with the same key returns the first result (200) instead of acting twice',
    }),
  ),
});

function idempotencyKeyOf(request: FastifyRequest): string | null {
  const v = request.headers['idempotency-key'];
  if (v === undefined) return null;
  if (typeof v !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(v)) {
    throw badRequest('Idempotency-Key must be 1–255 visible ASCII characters', [{ field: 'Idempotency-Key', message: 'invalid' }]);
  }
  return v;
}

const SNAPSHOT_FILES = { 'entities.tsv': 'entities', 'inspectors.tsv': 'inspectors', 'recusals.tsv': 'recusals' } as const;

/** Sampling plans (抽查计划) and their draws, under /api/v1. */
export default async function planRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const plans = createPlanService(app.database);
  const draws = createDrawService(app.database, { maxAverageLoad: app.config.maxAverageLoad });
  const planners = app.requireRole('planner');
  const readers = app.requireRole('planner', 'auditor');
  const auditors = app.requireRole('auditor');
  const actor = (request: FastifyRequest) => ({ tokenId: request.principal?.tokenId ?? null });

  app.post(
    '/plans',
    {
      preHandler: planners,
      schema: {
        tags: ['plans'],
        summary: 'Create a draft sampling plan (抽查计划)',
        description:
          'Give either `ratiosBp` (per grade) or `baseRatioBp` (× each grade’s multiplier, capped at 10000). Every department ' +
          'owning one of the items sends at least 2 inspectors per task (行政处罚法 第四十二条); items of several ' +
          'departments make a joint plan (部门联合抽查): one task per entity, one team per department.',
        security: bearer,
        headers: IdempotencyHeaders,
        body: PlanCreateBody,
        response: { 200: Plan, 201: Plan, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const key = idempotencyKeyOf(request);
      const { plan, replayed } = await plans.create(request.body, actor(request).tokenId, key);
      return reply.code(replayed ? 200 : 201).send(plan);
    },
  );

  app.get(
    '/plans',
    {
      preHandler: readers,
      schema: {
        tags: ['plans'],
        summary: 'List plans, newest first',
        security: bearer,
        querystring: Type.Object(
          {
            ...PagingFields,
            status: Type.Optional(PlanStatus),
            department: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'plans this department takes part in' })),
            item: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'plans containing this item' })),
            programme: Type.Optional(Type.String({ pattern: PROGRAMME_ID_PATTERN, description: 'plans of this annual programme' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: page(Plan), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, department, item, programme, limit, offset } = request.query;
      const { items, total } = await plans.list({ status, department, item, programme }, limit, offset);
      return { items, total, limit, offset };
    },
  );

  app.get(
    '/plans/:id',
    {
      preHandler: readers,
      schema: {
        tags: ['plans'],
        summary: 'Get a plan',
        security: bearer,
        params: PlanParams,
        response: { 200: Plan, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => plans.get(request.params.id),
  );

  app.patch(
    '/plans/:id',
    {
      preHandler: planners,
      schema: {
        tags: ['plans'],
        summary: 'Change a draft plan',
        description: 'Fields given replace the stored ones; `ratiosBp` and `baseRatioBp` replace each other. Validated like a new plan.',
        security: bearer,
        params: PlanParams,
        body: PlanPatchBody,
        response: { 200: Plan, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => plans.patch(request.params.id, request.body),
  );

  app.get(
    '/plans/:id/preview',
    {
      preHandler: planners,
      schema: {
        tags: ['plans'],
        summary: 'Preview a draft: strata, how many each ratio draws, inspector load and what would stop a commit',
        description:
          'Runs the commit’s snapshot step without committing: no seed is made and nothing is written. Warnings (codes): ' +
          '`full_ratio_non_public` (a grade at 100% on a non-public scheme: undrawn pool entities are then known not to hold it), ' +
          '`single_draw_in_grade` (a grade drawing exactly 1 on a non-public scheme), `high_inspector_load` (average tasks per ' +
          'inspector above SUICHA_MAX_AVERAGE_LOAD, default 30), `below_minimum_ratio` (overall ratio below the 3% floor of 企业公示信息抽查办法).',
        security: bearer,
        params: PlanParams,
        response: { 200: PreviewSchema, ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request) => draws.preview(request.params.id),
  );

  app.post(
    '/plans/:id/commit',
    {
      preHandler: planners,
      schema: {
        tags: ['plans'],
        summary: 'Commit a draft (draw-v1 §1): freeze the pool, inspectors and recusals, publish the commitment',
        description:
          'Refused (422) when the pool is empty or some entity could not get k non-recused inspectors of a department — ' +
          'so a draw can never fail once the seed exists — and without an `entropyAt` later than the commit (the body’s, ' +
          'else the plan’s). The record is revision 2: `records`, `entropyAt` and `poolRule`. 409 unless the plan is a draft.',
        security: bearer,
        headers: IdempotencyHeaders,
        params: PlanParams,
        // optional: fastify validates an absent body as null
        body: Type.Union([CommitBody, Type.Null()]),
        response: { 200: CommitRecordSchema, 201: CommitRecordSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { statusCode, record } = await draws.commit(request.params.id, actor(request), idempotencyKeyOf(request), request.body ?? {});
      return reply.code(statusCode).send(record);
    },
  );

  app.post(
    '/plans/:id/draw',
    {
      preHandler: planners,
      schema: {
        tags: ['plans'],
        summary: 'Draw a committed plan with the public entropy (draw-v1 §2–4): reveals the seed, creates the tasks',
        description:
          'Returns the public draw record (revision 2: tasks sorted by entityId, with seq and grade only where the grade scheme ' +
          'is public; `taskDigest` binds the auditors’ task file). Give `publicEntropy`, or — when the plan names witnesses — ' +
          '`contributions`, one per witness in the plan’s order. Refused (422) before the commit’s `entropyAt`. A plan is drawn once: ' +
          'another draw is 409, even from another service process; a retry with the same Idempotency-Key returns the same record (200).',
        security: bearer,
        headers: IdempotencyHeaders,
        params: PlanParams,
        body: DrawBody,
        response: { 200: DrawRecordSchema, 201: DrawRecordSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { statusCode, recordJson } = await draws.draw(request.params.id, request.body, actor(request), idempotencyKeyOf(request));
      // pre-serialized from the ledger body's text (drawRecordText): a big draw's record is megabytes
      return reply
        .code(statusCode)
        .type('application/json; charset=utf-8')
        .send(recordJson as never);
    },
  );

  app.post(
    '/plans/:id/void',
    {
      preHandler: planners,
      schema: {
        tags: ['plans'],
        summary: 'Void a committed plan before its draw; the server seed is revealed in the ledger',
        description: 'Refused (409) from the commit’s `entropyAt` on: once the entropy may be known, the plan must be drawn.',
        security: bearer,
        headers: IdempotencyHeaders,
        params: PlanParams,
        body: VoidBody,
        response: { 200: VoidResponse, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => draws.void(request.params.id, request.body.reason, actor(request), idempotencyKeyOf(request)),
  );

  app.get(
    '/plans/:id/record',
    {
      preHandler: auditors,
      schema: {
        tags: ['plans'],
        summary: 'The full records of a plan for auditors: commit record, draw record with task grades, void',
        description: 'Feed it with the three snapshot files to `npm run replay` to check every step of the draw.',
        security: bearer,
        params: PlanParams,
        response: { 200: FullRecord, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const full = await draws.fullRecord(request.params.id);
      // pre-serialized (fullRecordJson): the draw record may be megabytes
      return reply.type('application/json; charset=utf-8').send(fullRecordJson(full) as never);
    },
  );

  app.get(
    '/plans/:id/snapshot/:file',
    {
      preHandler: auditors,
      schema: {
        tags: ['plans'],
        summary: 'A snapshot file of a committed plan, byte for byte (sha256sum = its digest in the commit record)',
        security: bearer,
        params: Type.Object({
          id: PlanParams.properties.id,
          file: Type.Union([Type.Literal('entities.tsv'), Type.Literal('inspectors.tsv'), Type.Literal('recusals.tsv')]),
        }),
        response: {
          200: {
            description: 'the snapshot file (draw-v1 §1)',
            content: { 'text/tab-separated-values': { schema: { type: 'string' } } },
          },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { id, file } = request.params;
      const { length, digest, stream } = await draws.snapshot(id, SNAPSHOT_FILES[file]);
      return (
        reply
          .header('content-type', 'text/tab-separated-values; charset=utf-8')
          .header('content-length', String(length))
          .header('etag', `"${digest}"`)
          .header('content-disposition', `attachment; filename="${id}-${file}"`)
          // the schema documents the body as a string; the bytes stream from the database
          .send(stream as unknown as string)
      );
    },
  );

  app.get(
    '/plans/:id/snapshot/tasks.tsv',
    {
      preHandler: auditors,
      schema: {
        tags: ['plans'],
        summary: 'The task file of a drawn plan (records revision 2 §5), byte for byte: sha256sum = the draw record’s taskDigest',
        description: 'One line per task in seq order: `seq\\tentityId\\tgrade\\tteam\\n`, team = `departmentCode:inspectorId` joined by `,`.',
        security: bearer,
        params: PlanParams,
        response: {
          200: { description: 'the task file', content: { 'text/tab-separated-values': { schema: { type: 'string' } } } },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { length, digest, stream } = await draws.taskFile(id);
      return reply
        .header('content-type', 'text/tab-separated-values; charset=utf-8')
        .header('content-length', String(length))
        .header('etag', `"${digest}"`)
        .header('content-disposition', `attachment; filename="${id}-tasks.tsv"`)
        .send(stream as unknown as string);
    },
  );

  app.get(
    '/plans/:id/bundle.tar.gz',
    {
      preHandler: auditors,
      schema: {
        tags: ['plans'],
        summary: 'The replay bundle of a committed plan: full record, snapshot files, task file, ledger entries and a README',
        description:
          'A gzip’d tar with one folder named by the planId: `record.json` (the body of GET …/record), `entities.tsv`, ' +
          '`inspectors.tsv`, `recusals.tsv`, `tasks.tsv` (once drawn), `ledger.json` (the plan’s ledger entries) and `README.md`. ' +
          'Check it with `npm run replay -- --bundle <file>` or in the browser verifier at /verify/{planId}.',
        security: bearer,
        params: PlanParams,
        response: {
          200: { description: 'the bundle (.tar.gz)', content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } } },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { filename, stream } = await draws.bundle(request.params.id);
      return reply
        .header('content-type', 'application/gzip')
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send(stream as unknown as string);
    },
  );
}
