/** The credit-event feed under /api/v1: published results for credit evaluation, NDJSON or CSV, resumable by cursor. */
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CREDIT_EVENT_COLUMNS, createCreditEventService } from '../../domain/credit-events/service.ts';
import { bearer, errorResponses } from '../../schemas/common.ts';
import { CreditEvent, CreditEventsQuery } from '../../schemas/credit-events.ts';

export default async function creditEventRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const events = createCreditEventService(app.database);

  app.get(
    '/credit-events',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['results'],
        summary: 'Published results as credit events (信用监管结果), for the 公共信用信息平台 and grade evaluation',
        description:
          'Every published result version (a correction, 更正, is an event of kind result.corrected naming the one it ' +
          'corrects), in the order of the results.published ledger entries that published them; each event cites that ' +
          'entry (ledgerSeq, ledgerHash). `format=ndjson` (default): one JSON object per line; `format=csv`: UTF-8 with ' +
          `a BOM, a header row and the columns ${CREDIT_EVENT_COLUMNS.join(', ')} (lists joined with “;”). Every event ` +
          'carries a `cursor`: ask again with the last one you stored to get what came after it — nothing is lost or ' +
          'repeated, also while results are being published. An answer with fewer than `limit` events has reached the end.',
        security: bearer,
        querystring: CreditEventsQuery,
        response: {
          200: Type.Unsafe<unknown>({
            description: 'application/x-ndjson (one event a line) or text/csv',
            content: { 'application/x-ndjson': { schema: CreditEvent }, 'text/csv': { schema: Type.String() } },
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const { cursor, since, limit, format } = request.query;
      events.check(cursor, since);
      const body = format === 'csv' ? events.csv(cursor, since, limit) : events.ndjson(cursor, since, limit);
      return reply
        .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(Readable.from(body, { objectMode: false }));
    },
  );
}
