import type { Socket } from 'node:net';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorPage } from '../portal/pages/errors.ts';
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

/** Codes for framework client errors whose status no domain error has (e.g. 414 from a too long parameter). */
const CODE_OF_OTHER_STATUS: Record<number, string> = {
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  411: 'length_required',
  414: 'uri_too_long',
  416: 'range_not_satisfiable',
  431: 'request_header_fields_too_large',
};

/** The one error shape of every JSON error answer. */
export interface ErrorBody {
  error: string;
  message: string;
  details: ErrorDetail[];
}

/** API, public JSON and the docs answer in JSON; everything else at the root is the portal (HTML errors). */
/**
 * The path a request was routed by (`/%61pi/v1/tokens` is `/api/v1/tokens`): its route's pattern, or for an
 * unrouted request its decoded path. Decisions by area (no-store, HTML errors, limits) use this, never the raw URL.
 */
export function requestPath(request: FastifyRequest): string {
  const routed = request.routeOptions?.url;
  if (routed) return routed;
  const raw = (request.raw.url ?? request.url).split('?')[0];
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function isPortalUrl(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0];
  return !/^\/(api|public|docs|health)(\/|$)/.test(path);
}

const PORTAL_MESSAGES: Record<number, string> = {
  404: '没有这个页面。',
  413: '请求内容过大。',
  414: '请求的地址过长。',
  415: '不支持的请求内容类型。',
  500: '页面暂时无法显示，请稍后再试。',
};
/** The Chinese message of a portal error page for `status`. */
export const portalMessage = (status: number) => PORTAL_MESSAGES[status] ?? (status >= 500 ? PORTAL_MESSAGES[500] : '请求的地址或参数无效。');

/** Status and JSON body of any error: domain, validation, PostgreSQL client fault, framework client error; else 500. */
export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  const e = error as FastifyError & PgError;
  let http: DomainError | null = error instanceof DomainError ? error : null;
  if (!http && e?.validation) {
    http = badRequest(
      `invalid ${e.validationContext ?? 'request'}: ${e.message}`,
      e.validation.map((v) => ({
        field: `${e.validationContext ?? ''}${v.instancePath || (v.params && 'missingProperty' in v.params ? `/${String(v.params.missingProperty)}` : '')}`,
        message: v.message ?? 'invalid',
      })),
    );
  }
  if (!http && typeof e?.code === 'string' && /^\d{2}[0-9A-Z]{3}$/.test(e.code)) http = fromPostgres(e);
  if (http) return { status: STATUS[http.code], body: { error: http.code, message: http.message, details: http.details } };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = CODE_OF_STATUS[status] ?? CODE_OF_OTHER_STATUS[status] ?? 'bad_request';
    // Framework messages may quote the URL (a 10k-character parameter): keep them short.
    const message = String(e.message || code);
    return { status, body: { error: code, message: message.length > 200 ? `${message.slice(0, 200)}…` : message, details: [] } };
  }
  return { status: 500, body: { error: 'internal', message: 'internal server error', details: [] } };
}

/** Security headers of answers sent before any hook ran (helmet's included): fit for JSON and the HTML error page. */
const FRAMEWORK_ERROR_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/** Fastify's frameworkErrors option (bad URL encoding, async constraint errors): the one shape, or the portal's page. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = errorResponse(error);
  reply.headers(FRAMEWORK_ERROR_HEADERS);
  sendError(request, reply, status, body);
}

function sendError(request: FastifyRequest, reply: FastifyReply, status: number, body: ErrorBody) {
  const path = requestPath(request);
  if (isPortalUrl(path)) {
    return reply
      .code(status)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(errorPage(status, portalMessage(status)));
  }
  if (path.startsWith('/api/')) reply.header('cache-control', 'no-store');
  return reply.code(status).send(body);
}

/**
 * Fastify's clientErrorHandler option: errors of Node's HTTP parser (raw non-ASCII bytes in the URL, a malformed
 * header), which happen before there is a request. The request line, when it can be read, tells portal from API.
 */
export function clientErrorHandler(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (!socket.writable) return;
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const url = Buffer.isBuffer(err.rawPacket) ? /^[A-Z]+ (\S*)/.exec(err.rawPacket.toString('latin1'))?.[1] : undefined;
  const portal = url !== undefined && isPortalUrl(url);
  const code = status === 400 ? 'bad_request' : CODE_OF_OTHER_STATUS[status];
  const body = portal
    ? errorPage(status, portalMessage(status))
    : JSON.stringify({ error: code, message: 'the request could not be parsed', details: [] } satisfies ErrorBody);
  const type = portal ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
  const headers = Object.entries(FRAMEWORK_ERROR_HEADERS)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const reason = status === 400 ? 'Bad Request' : status === 431 ? 'Request Header Fields Too Large' : 'Request Timeout';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: ${type}\r\nCache-Control: no-store\r\n${headers}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

const SECRET_KEYS = /params|parameters|query|args|values|body|finding/i;

/** The message of an error, without the parameters drizzle appends to it ("Failed query: …\nparams: …"). */
function scrub(text: unknown): string {
  if (typeof text !== 'string') return '';
  const at = text.indexOf('\nparams:');
  return at < 0 ? text : `${text.slice(0, at)}\nparams: [redacted]`;
}

/** The stack without the message it starts with (which may list parameters): the scrubbed message and the frames. */
function scrubStack(stack: unknown, message: unknown): string {
  if (typeof stack !== 'string') return '';
  if (typeof message === 'string' && message && stack.includes(message)) return stack.replace(message, () => scrub(message));
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
}

/**
 * pino's `err` serializer: type, message, code, stack and cause only. Database errors carry the SQL and its
 * parameters (postgres: query/parameters/args, drizzle: params and a message that lists them, PGlite: query/params);
 * a parameter can be a finding or a token hash, so none of that reaches a log line.
 */
export function serializeError(err: unknown, depth = 0): { [key: string]: unknown; type: string; message: string; stack: string } {
  if (!err || typeof err !== 'object') return { type: typeof err, message: String(err), stack: '' };
  const e = err as Error & Record<string, unknown>;
  const out: { [key: string]: unknown; type: string; message: string; stack: string } = {
    type: e.constructor?.name ?? 'Error',
    message: scrub(e.message),
    stack: scrubStack(e.stack, e.message),
  };
  for (const key of ['code', 'severity', 'routine', 'constraint_name', 'table_name', 'column_name', 'statusCode']) {
    if (typeof e[key] === 'string' || typeof e[key] === 'number') out[key] = e[key];
  }
  if (e.cause && depth < 3) out.cause = serializeError(e.cause, depth + 1);
  for (const key of Object.keys(out)) if (SECRET_KEYS.test(key)) delete out[key];
  return out;
}

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
      sendError(request, reply, 404, { error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}`, details: [] });
    });

    app.setErrorHandler((error: FastifyError & PgError, request, reply) => {
      const { status, body } = errorResponse(error);
      if (status === 500) request.log.error({ err: error }, 'unhandled error');
      return sendError(request, reply, status, body);
    });
  },
  { name: 'errors' },
);
