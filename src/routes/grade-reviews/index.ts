/**
 * Grade reviews (复核) under /api/v1: the findings list, its CSV export, and recording a review. Planners and
 * auditors read (an auditor checks that discrepancies are followed up); only planners — the departments'
 * staff who keep the directories and grades — record a review.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { bearer, errorResponses } from '../../schemas/common.ts';
import { Type } from 'typebox';
import {
  GAP_RULE,
  GradeReviewBody,
  GradeReviewCsvQuery,
  GradeReviewItem,
  GradeReviewPage,
  GradeReviewQuery,
  VIOLATION_RULE,
} from '../../schemas/reviews.ts';
import { createReviewService } from '../../domain/reviews/service.ts';

const ORDER =
  'Ordered by entity id, then kind, then the scheme pair or result (the database’s collation); keyset pages: follow `next` until it is null. ';

export default async function gradeReviewRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const reviews = createReviewService(app.database);

  app.get(
    '/grade-reviews',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['reviews'],
        summary: 'Findings for a grade review (复核): grade gaps of two tiers or more, and violations on a best grade',
        description:
          `${GAP_RULE} ${VIOLATION_RULE} ${ORDER}Computed in the database at each request; a reviewed finding carries its review ` +
          '(`open=true`: only those without one).',
        security: bearer,
        querystring: GradeReviewQuery,
        response: { 200: GradeReviewPage, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => reviews.list(request.query),
  );

  app.get(
    '/grade-reviews.csv',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['reviews'],
        summary: 'Export the grade-review findings as CSV, for the departments concerned (通报相关部门)',
        description:
          'The findings of GET /api/v1/grade-reviews with the same filters (`department`: the findings concerning that department), one ' +
          'row per finding: 类别, 统一社会信用代码, 企业名称, 等级体系一/等级一, 等级体系二/等级二, 差距（档）, 检查结果代码/检查结果, 检查日期, 公示时间, ' +
          '抽查计划编号/名称, 相关部门, 复核结论 (维持/修正/不予复核), 复核说明, 复核人, 复核时间. Streamed page by page; UTF-8 with a byte-order ' +
          'mark (Excel), a header row, CRLF line ends, RFC 4180 quoting.',
        security: bearer,
        querystring: GradeReviewCsvQuery,
        response: { 200: Type.String({ description: 'text/csv; charset=utf-8, with BOM' }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) =>
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="grade-reviews.csv"')
        .send(Readable.from(reviews.csv(request.query), { objectMode: false, highWaterMark: 64 * 1024 }) as never),
  );

  app.post(
    '/grade-reviews',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['reviews'],
        summary: 'Record the review (复核) of a finding: outcome and note; the reviewer is the token',
        description:
          'The finding is named by `entityId` and `schemes` (a grade gap: its two schemes, any order) or `entityId` and `resultId` (a ' +
          'violation). It must be a current finding (422 otherwise, naming the field: e.g. the grades changed since); a gap is keyed ' +
          'by the grades seen, so a later evaluation that still leaves a gap is a new finding. A finding is reviewed once (409 after). ' +
          'Answers the finding with its review.',
        security: bearer,
        body: GradeReviewBody,
        response: { 201: GradeReviewItem, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await reviews.record(request.body, request.principal!)),
  );
}
