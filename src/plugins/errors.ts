import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance } from 'fastify';
import { DomainError, type DomainErrorCode, type ErrorDetail, badRequest, conflict, forbidden, notFound, unprocessable } from '../domain/errors.ts';

/** The one mapping from domain error codes to HTTP statuses. */
const STATUS: Record<DomainErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
};
/** The status an error answers with: a domain error's by its code, a framework client error's own, else 500. */
export function httpStatusOf(error: unknown): number {
  if (error instanceof DomainError) return STATUS[error.code];
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

const CODE_OF_STATUS: Record<number, DomainErrorCode> = Object.fromEntries(
  Object.entries(STATUS).map(([code, status]) => [status, code as DomainErrorCode]),
);

declare module 'fastify' {
  interface FastifyReply {
    /** Reply helpers: each throws the matching DomainError for the one error handler. */
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
function fromPostgres(err: PgError): DomainError | null {
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
      let http: DomainError | null = error instanceof DomainError ? error : null;
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
        http = new DomainError(CODE_OF_STATUS[error.statusCode] ?? 'bad_request', error.message);
      }
      if (!http) {
        request.log.error({ err: error }, 'unhandled error');
        return reply.code(500).send({ error: 'internal', message: 'internal server error', details: [] });
      }
      reply.code(STATUS[http.code]).send({ error: http.code, message: http.message, details: http.details });
    });
  },
  { name: 'errors' },
);
