/**
 * The public JSON API of 一公开 under /public/v1: no token. Plans from their commitment on (never drafts),
 * published results only, and the entity directory's public fields (企业名称 and 统一社会信用代码 are public
 * in China). Never a server seed before the draw, an unpublished result, findings, attachments, a token,
 * or a grade. GET /public/v1/plans/{id} and the ledger are served by routes/plans and routes/ledger.
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CODE_PATTERN, ID_PATTERN, Paging, errorResponses, page } from '../../schemas/common.ts';
import { notFound } from '../../domain/errors.ts';
import { createPublicRepository } from './repository.ts';
import { createPublicationRepository } from '../results/publication.ts';
import { Publication } from '../results/index.ts';

const PublicItem = Type.Object({ code: Type.String(), name: Type.String(), departmentCode: Type.Union([Type.String(), Type.Null()]) });
const PublicDepartment = Type.Object({ code: Type.String(), name: Type.String() });

const PublicPlan = Type.Object({
  id: Type.String(),
  title: Type.String(),
  status: Type.Union([Type.Literal('committed'), Type.Literal('drawn'), Type.Literal('voided')]),
  items: Type.Array(PublicItem, { description: '抽查事项' }),
  departments: Type.Array(PublicDepartment, { description: 'departments owning the items (several = 部门联合抽查)' }),
  windowFrom: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  windowTo: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  commitment: Type.String({ description: 'SHA-256 of the server seed, published at commit (spec §1)' }),
  entropySource: Type.String(),
  committedAt: Type.String({ format: 'date-time' }),
  drawnAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  voidedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  counts: Type.Object({
    pool: Type.Integer({ description: 'entities in the committed pool (sum of the strata populations)' }),
    drawn: Type.Integer({ description: 'tasks drawn' }),
    resultsPublished: Type.Integer({ description: 'tasks with a published result' }),
    publications: Type.Integer(),
  }),
  lastPublishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const PublishedResultFields = {
  seq: Type.Integer(),
  entityId: Type.String(),
  entityName: Type.String(),
  resultCode: Type.String(),
  resultLabel: Type.String({ description: '检查结果' }),
  followUp: Type.String(),
  followUpLabel: Type.String({ description: '后续处置' }),
  inspectedOn: Type.String({ format: 'date' }),
  publishedAt: Type.String({ format: 'date-time' }),
  publicationId: Type.Integer(),
  publicationNumber: Type.Integer({ description: '公示批次 within the plan' }),
  version: Type.Integer(),
  corrected: Type.Boolean({ description: 'this result corrects an earlier published one (更正)' }),
};
const PublishedResult = Type.Object(PublishedResultFields);

const PublicEntity = Type.Object({
  id: Type.String({ description: '统一社会信用代码 (or the registration number where there is none)' }),
  name: Type.String(),
  region: Type.String(),
  type: Type.String(),
});

const Inspection = Type.Object({
  planId: Type.String(),
  planTitle: Type.String(),
  items: Type.Array(PublicItem),
  departments: Type.Array(PublicDepartment, { description: 'the inspecting departments' }),
  ...PublishedResultFields,
});

const CodeList = Type.Object({
  items: Type.Array(
    Type.Object({
      code: Type.String(),
      label: Type.String(),
      departmentCode: Type.Union([Type.String(), Type.Null()]),
      active: Type.Boolean(),
    }),
  ),
});

export default async function publicRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.database.db;
  const repo = createPublicRepository(db);
  const publicationsRepo = createPublicationRepository(db);
  const planParams = Type.Object({ id: Type.String({ pattern: ID_PATTERN }) });

  async function publicPlanOr404(id: string) {
    const plan = await repo.publicPlan(id);
    // A draft answers exactly like a plan that does not exist.
    if (!plan) throw notFound(`no plan ${id}`);
    return plan;
  }

  app.get(
    '/plans',
    {
      schema: {
        tags: ['public'],
        summary: 'Committed, drawn and voided plans (抽查计划), newest first, with commitment and counts',
        querystring: Type.Intersect([
          Paging,
          Type.Object({
            department: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'a department owning one of the items' })),
            item: Type.Optional(Type.String({ pattern: CODE_PATTERN })),
            year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: 'year of the commitment (China time)' })),
            status: Type.Optional(Type.Union([Type.Literal('committed'), Type.Literal('drawn'), Type.Literal('voided')])),
          }),
        ]),
        response: { 200: page(PublicPlan), ...errorResponses(400) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await repo.listPlans({ department: q.department, item: q.item, year: q.year, status: q.status }, q.limit, q.offset);
      return { items, total, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/plans/:id/results',
    {
      schema: {
        tags: ['public'],
        summary: 'Published results of a plan (抽查结果公示), one per task by seq, with when each was published',
        params: planParams,
        querystring: Paging,
        response: { 200: page(PublishedResult), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      await publicPlanOr404(request.params.id);
      const q = request.query;
      const { items, total } = await repo.planResults(request.params.id, q.limit, q.offset);
      return { items, total, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/plans/:id/publications',
    {
      schema: {
        tags: ['public'],
        summary: 'Publications (公示批次) of a plan, with corrections and their ledger entries',
        params: planParams,
        response: { 200: Type.Object({ items: Type.Array(Publication) }), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      await publicPlanOr404(request.params.id);
      return { items: await publicationsRepo.list(request.params.id) };
    },
  );

  app.get(
    '/entities',
    {
      schema: {
        tags: ['public'],
        summary: 'Search entities (市场主体) by name substring or 统一社会信用代码/id prefix; public fields only',
        querystring: Type.Intersect([
          Paging,
          Type.Object({ q: Type.String({ minLength: 1, maxLength: 100, description: 'part of the name, or the start of the code' }) }),
        ]),
        response: { 200: page(PublicEntity), ...errorResponses(400) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await repo.searchEntities(q.q.trim() || q.q, q.limit, q.offset);
      return { items, total, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/entities/:id',
    {
      schema: {
        tags: ['public'],
        summary: 'An entity’s public fields and every published inspection of it',
        params: Type.Object({ id: Type.String({ pattern: ID_PATTERN }) }),
        response: {
          200: Type.Intersect([PublicEntity, Type.Object({ inspections: Type.Array(Inspection) })]),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const entity = await repo.entity(request.params.id);
      return entity ?? reply.notFound(`no entity ${request.params.id}`);
    },
  );

  app.get(
    '/result-codes',
    {
      schema: {
        tags: ['public'],
        summary: 'Result codes (检查结果) and their labels',
        response: { 200: CodeList },
      },
    },
    async () => ({ items: await repo.listResultCodes() }),
  );

  app.get(
    '/follow-up-actions',
    {
      schema: {
        tags: ['public'],
        summary: 'Follow-up actions (后续处置) and their labels',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                code: Type.String(),
                label: Type.String(),
                requiresDeadline: Type.Boolean(),
                departmentCode: Type.Union([Type.String(), Type.Null()]),
                active: Type.Boolean(),
              }),
            ),
          }),
        },
      },
    },
    async () => ({ items: await repo.listFollowUpActions() }),
  );
}
