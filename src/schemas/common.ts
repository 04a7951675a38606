/** TypeBox schemas shared by several resources. Route schemas are the single source of the OpenAPI file. */
import { Type } from 'typebox';

export const ErrorResponse = Type.Object(
  {
    error: Type.String({ description: 'machine-readable code, e.g. not_found, unprocessable' }),
    message: Type.String(),
    details: Type.Array(
      Type.Object({
        row: Type.Optional(Type.Integer()),
        column: Type.Optional(Type.String()),
        field: Type.Optional(Type.String()),
        message: Type.String(),
      }),
    ),
  },
  { $id: 'ErrorResponse', title: 'Error' },
);

/** Standard error responses for management routes. */
export const errorResponses = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, Type.Ref('ErrorResponse')]));

/** The largest int32: ids, sequence numbers and offsets of every table fit (the columns are integer or bigint). */
export const MAX_INT32 = 2 ** 31 - 1;

/** Schema keyword of a string that may hold line breaks and tabs (every other string refuses control characters). */
export const MULTILINE = 'x-multiline';

/** A multi-line text (findings, notes, reasons): tab, LF and CR allowed; other control characters refused. */
export const MultilineText = (options: Parameters<typeof Type.String>[0] = {}) =>
  Type.String({ ...options, [MULTILINE]: true, description: `${options.description ? `${options.description}; ` : ''}may span lines` });

/** Paging members, to spread into a query string schema (query strings are one closed object: unknown parameters are refused). */
export const PagingFields = {
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, maximum: MAX_INT32, default: 0 }),
};
export const Paging = Type.Object(PagingFields, { additionalProperties: false });

export const page = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer(),
    limit: Type.Integer(),
    offset: Type.Integer(),
  });

export const CODE_PATTERN = '^[0-9A-Za-z_-]{1,32}$';
export const GRADE_PATTERN = '^[0-9A-Za-z_-]{1,16}$';
export const RatiosBp = Type.Record(Type.String({ pattern: GRADE_PATTERN }), Type.Integer({ minimum: 0, maximum: 10000 }), {
  description: 'sampling ratio per grade in basis points (500 = 5%)',
});

export const ID_PATTERN = '^[0-9A-Za-z._-]{1,64}$';
/** `{id}` path parameter of a directory id or plan id (a plan's own routes check its PLAN-… form). */
export const IdParams = Type.Object({ id: Type.String({ pattern: ID_PATTERN }) }, { additionalProperties: false });
export const bearer = [{ bearerAuth: [] }];

/**
 * True when A and B are the same type (not merely assignable either way). For compile-time checks
 * that a schema's Static<> is exactly a type defined elsewhere (e.g. a core record):
 * `const _check: Equal<Static<typeof X>, Y> = true;`
 */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
