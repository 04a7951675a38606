/** The credit-commitment register (信用承诺) under /api/v1: import, list, and the export of its 履约践诺 outcomes. */
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { commitmentImport } from '../../domain/commitments/import.ts';
import { COMMITMENT_CSV_HEADER, createCommitmentService } from '../../domain/commitments/service.ts';
import { bearer, errorResponses, page } from '../../schemas/common.ts';
import { Commitment, CommitmentExportQuery, CommitmentQuery } from '../../schemas/commitments.ts';
import { registerImportRoute } from '../import-route.ts';

export default async function commitmentRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const commitments = createCommitmentService(app.database);

  await registerImportRoute(app, {
    url: '/commitments/import',
    kind: commitmentImport,
    summary: 'Import credit commitments (信用承诺) from CSV or NDJSON',
    description:
      'The commitments entities made (告知承诺, 信用修复承诺, …) with their period: `source` and `reference` name it in the ' +
      'system it comes from (the upsert key), `kind` one of notification, approval-substitute, deficiency-acceptance, ' +
      'credit-repair, self-discipline, `checkBy` the end of its period. A commitment plan (filters commitmentsDueFrom / ' +
      'commitmentsDueTo, optionally commitmentKinds) draws among the entities with open commitments due in its window; a ' +
      'published result fulfilled (已履约) or unfulfilled (未履约) of it sets the outcome. Answer: `imported` new, `updated` changed.',
  });

  app.get(
    '/commitments',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['directories'],
        summary: 'List credit commitments (信用承诺), soonest due first',
        security: bearer,
        querystring: CommitmentQuery,
        response: { 200: page(Commitment), ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) => commitments.list(request.query),
  );

  app.get(
    '/commitments.csv',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['directories'],
        summary: 'Export credit commitments with their 履约践诺 outcomes, for the commitment system',
        description: `CSV, UTF-8 with a BOM, CRLF: ${COMMITMENT_CSV_HEADER.join(', ')}. Streamed; the same filters as the list.`,
        security: bearer,
        querystring: CommitmentExportQuery,
        response: { 200: Type.String({ description: 'text/csv; charset=utf-8, with BOM' }), ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      commitments.check(request.query);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="commitments.csv"')
        .send(Readable.from(commitments.csv(request.query), { objectMode: false }) as never);
    },
  );
}
