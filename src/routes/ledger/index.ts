import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { MAX_INT32, errorResponses } from '../../schemas/common.ts';
import { Readable } from 'node:stream';
import { createLedgerRepository } from '../../domain/ledger/repository.ts';
import { PAGE_BODY_BUDGET, ledgerEntryStream, ledgerPageStream } from '../../domain/ledger/stream.ts';
import { HEX64, LedgerEntrySchema } from '../../schemas/records.ts';

const Head = Type.Object({
  seq: Type.Integer({ minimum: 0, description: '0 when the ledger is empty' }),
  hash: Type.String({ pattern: HEX64, description: '64 zeros when the ledger is empty' }),
});

const MAX_PAGE = 1000;

/** A byte stream with a small buffer: a slow reader holds back the reads from the database (backpressure). */
const streamOf = (chunks: AsyncGenerator<string>) => Readable.from(chunks, { objectMode: false, highWaterMark: 64 * 1024 });

/** The public ledger (spec §6) under /public/v1: no token, everything in it is public by design. */
export default async function ledgerRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const repo = createLedgerRepository(app.database.db);

  app.get(
    '/ledger',
    {
      schema: {
        tags: ['public'],
        summary: 'The public ledger (公示账本): hash-chained entries in ascending seq, paged',
        description:
          'Walk the chain with `from` = 1, then `from` = `next` until `next` is null. Every entry hashes to ' +
          '`hash` = SHA-256(JCS(entry without "hash")) and links to the previous one by `prevHash`. A page holds at most ' +
          `\`limit\` entries and, past its first entry, at most ${PAGE_BODY_BUDGET / 1024 / 1024} MiB of bodies: it may end before \`limit\` ` +
          'with `next` set (follow `next`, not the count). Streamed; each body is its stored canonical text.',
        querystring: Type.Object(
          {
            from: Type.Integer({ minimum: 1, maximum: MAX_INT32, default: 1, description: 'first seq to return' }),
            limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 100 }),
            plan: Type.Optional(Type.String({ maxLength: 64, description: 'only the entries of this plan' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(LedgerEntrySchema),
            from: Type.Integer(),
            limit: Type.Integer(),
            next: Type.Union([Type.Integer(), Type.Null()], { description: '`from` of the next page, null at the end' }),
          }),
          ...errorResponses(400),
        },
      },
    },
    async (request, reply) => {
      const { from, limit, plan } = request.query;
      const page = await ledgerPageStream(app.database.db, from, limit, plan);
      return reply.type('application/json; charset=utf-8').send(streamOf(page.chunks) as never);
    },
  );

  app.get(
    '/ledger/head',
    {
      schema: {
        tags: ['public'],
        summary: 'The head of the ledger: the last seq and hash',
        response: { 200: Head },
      },
    },
    async () => repo.head(),
  );

  app.get(
    '/ledger/:seq',
    {
      schema: {
        tags: ['public'],
        summary: 'One ledger entry',
        params: Type.Object({ seq: Type.Integer({ minimum: 1, maximum: MAX_INT32 }) }, { additionalProperties: false }),
        response: { 200: LedgerEntrySchema, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const entry = await ledgerEntryStream(app.database.db, request.params.seq);
      if (entry === null) return reply.notFound(`no ledger entry ${request.params.seq}`);
      return reply.type('application/json; charset=utf-8').send(streamOf(entry) as never);
    },
  );
}
