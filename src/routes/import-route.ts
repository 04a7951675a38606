/**
 * Registers a streaming import route: `POST <url>` taking `text/csv` or `application/x-ndjson`.
 * The body is handed through as the raw request stream (no buffering, no Fastify body limit: the import
 * enforces its own, far larger one while it reads).
 */
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { payloadTooLarge, unsupportedMediaType } from '../domain/errors.ts';
import { runImport, type ImportKind, type MediaKind } from '../domain/directories/import/pipeline.ts';
import { bearer, errorResponses } from '../schemas/common.ts';
import { ImportResultSchema } from '../schemas/directories.ts';
import { BodyReader, IMPORT_BODY_LIMIT } from './import-body.ts';

const MEDIA: Record<string, MediaKind> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
};

function mediaOf(contentType: string | undefined): MediaKind {
  const [type, ...params] = (contentType ?? '').split(';').map((s) => s.trim().toLowerCase());
  const media = MEDIA[type];
  if (!media) {
    throw unsupportedMediaType('send the file as text/csv or application/x-ndjson');
  }
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw unsupportedMediaType(`only UTF-8 files are accepted, not ${charset}: save the file as UTF-8 (in Excel: "CSV UTF-8")`);
  }
  return media;
}

export interface ImportRouteOptions<C> {
  url: string;
  kind: ImportKind<C>;
  summary: string;
  /** What the file holds; the common rules (all or nothing, row numbers, NDJSON) are appended. */
  description: string;
}

export async function registerImportRoute<C>(parent: FastifyInstance, options: ImportRouteOptions<C>): Promise<void> {
  const { kind } = options;
  const columns = kind.columns.map((c) => (c.required ? `\`${c.name}\`` : `\`${c.name}\` (optional)`)).join(', ');
  const description =
    `${options.description}\n\nColumns: ${columns}. CSV: UTF-8 (a BOM is accepted), a header line naming the columns ` +
    `in any order; unknown columns are refused. NDJSON: one JSON object per line with the same fields. ` +
    `All or nothing: if any row has a problem, nothing is imported and the answer is 422 with the first 100 ` +
    `problems as \`details\` [{row, column, message}], \`row\` being the line number in the file (the CSV header is line 1). ` +
    `The file is streamed, never held in memory (limit ${IMPORT_BODY_LIMIT / 2 ** 30} GiB). ` +
    '`?dryRun=true` checks the file and reports the counts without changing anything.';
  const fileSchema = (what: string) => ({ schema: Type.Unsafe<unknown>({ description: what }) });

  // A child plugin, so that the stream-through parsers apply to this route only.
  await parent.register(async (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    app.addContentTypeParser(Object.keys(MEDIA), (_request, payload, done) => done(null, payload));
    app.post(
      options.url,
      {
        // Not enforced by Fastify for a stream handed through; the reader enforces it (and says so).
        bodyLimit: IMPORT_BODY_LIMIT,
        preHandler: app.requireRole('planner'),
        schema: {
          tags: ['imports'],
          summary: options.summary,
          description,
          security: bearer,
          querystring: Type.Object(
            { dryRun: Type.Boolean({ default: false, description: 'check only: run every check, then roll back' }) },
            { additionalProperties: false },
          ),
          body: {
            content: {
              'text/csv': fileSchema(`CSV with the header ${kind.columns.map((c) => c.name).join(',')}`),
              'application/x-ndjson': fileSchema('one JSON object per line'),
            },
          } as never,
          response: { 200: ImportResultSchema, ...errorResponses(400, 401, 403, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const media = mediaOf(request.headers['content-type']);
        const encoding = request.headers['content-encoding'];
        if (encoding && encoding !== 'identity') {
          throw unsupportedMediaType(`send the file uncompressed (Content-Encoding ${encoding} is not supported)`);
        }
        const stream = request.body as Readable | undefined;
        if (!stream || typeof (stream as Readable).pipe !== 'function') {
          throw unsupportedMediaType('send the file as text/csv or application/x-ndjson');
        }
        const declared = Number(request.headers['content-length']);
        if (declared > IMPORT_BODY_LIMIT) {
          reply.header('connection', 'close');
          throw payloadTooLarge(`the file is larger than the import limit of ${IMPORT_BODY_LIMIT} bytes`);
        }
        const reader = new BodyReader(stream);
        try {
          return await runImport(app.database, kind, reader, { media, dryRun: request.query.dryRun });
        } finally {
          // Read what is left so that the client gets our answer; after too much, hang up instead.
          if (reader.tooLarge) reply.header('connection', 'close');
          else await reader.drain();
        }
      },
    );
  });
}
