import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance } from 'fastify';
import { HttpError, type ErrorDetail, badRequest, conflict, forbidden, notFound, unprocessable } from '../lib/errors.ts';

declare module 'fastify' {
  interface FastifyReply {
    /** Reply helpers: each throws the matching HttpError for the one error handler. */
    notFound(message: string): never;
    conflict(message: string, details?: ErrorDetail[]): never;
    unprocessable(message: string, details?: ErrorDetail[]): never;
    badRequest(message: string, details?: ErrorDetail[]): never;
    forbidden(message?: string): never;
  }
}

interface PgError {
  code?: string;
  detail?: string;
  constraint?: string;
  constraint_name?: string;
  message: string;
}

/** Postgres SQLSTATEs that are the client's fault, not ours. */
function fromPostgres(err: PgError): HttpError | null {
  switch (err.code) {
    case '23505':
      return conflict('this already exists', [{ message: err.detail ?? err.message }]);
    case '23503':
      return unprocessable('a referenced record does not exist', [{ message: err.detail ?? err.message }]);
    case '22P02':
    case '22007':
    case '22008':
      return badRequest('malformed value', [{ message: err.message }]);
    default:
      return null;
  }
}

export default fp(
  async function errors(app: FastifyInstance) {
    app.decorateReply('notFound', function (message: string): never {
      throw notFound(message);
    });
    app.decorateReply('conflict', function (message: string, details?: ErrorDetail[]): never {
      throw conflict(message, details);
    });
    app.decorateReply('unprocessable', function (message: string, details?: ErrorDetail[]): never {
      throw unprocessable(message, details);
    });
    app.decorateReply('badRequest', function (message: string, details?: ErrorDetail[]): never {
      throw badRequest(message, details);
    });
    app.decorateReply('forbidden', function (message?: string): never {
      throw forbidden(message);
    });

    app.setNotFoundHandler((request, reply) => {
      reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}`, details: [] });
    });

    app.setErrorHandler((error: FastifyError & PgError, request, reply) => {
      let http: HttpError | null = error instanceof HttpError ? error : null;
      if (!http && error.validation) {
        http = badRequest(
          `invalid ${error.validationContext ?? 'request'}: ${error.message}`,
          error.validation.map((v) => ({
            field: `${error.validationContext ?? ''}${v.instancePath || (v.params && 'missingProperty' in v.params ? `/${String(v.params.missingProperty)}` : '')}`,
            message: v.message ?? 'invalid',
          })),
        );
      }
      if (!http && error.code && /^\d{2}[0-9A-Z]{3}$/.test(error.code)) http = fromPostgres(error);
      if (!http && typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        const codes: Record<number, string> = { 413: 'payload_too_large', 415: 'unsupported_media_type', 404: 'not_found' };
        http = new HttpError(error.statusCode, codes[error.statusCode] ?? 'bad_request', error.message);
      }
      if (!http) {
        request.log.error({ err: error }, 'unhandled error');
        http = new HttpError(500, 'internal', 'internal server error');
      }
      reply.code(http.statusCode).send({ error: http.code, message: http.message, details: http.details });
    });
  },
  { name: 'errors' },
);
