/**
 * Input rules, in one place (issue 10). Every route's body, query string and path parameters go through the
 * validator compiled here, so a rule holds for every route without each schema repeating it:
 *
 * - Strings (values and member names) refuse control characters U+0000–U+001F and U+007F, and lone UTF-16
 *   surrogates (a JSON `\ud800` escape): PostgreSQL refuses NUL (a 500 before) and turns a lone surrogate into
 *   U+FFFD. Tab, line feed and carriage return are allowed only in fields marked multi-line (`x-multiline`,
 *   e.g. findings). Numbers must be finite (`1e400` parses to Infinity).
 * - Bodies are never coerced (`1` is not `"1"`); query strings and path parameters are, but only decimal
 *   number-like strings to numbers and `true`/`false` to booleans, where the schema asks for one (Ajv's own
 *   coercion would also take `0x10`, ` 5` or `""`).
 * - Unknown body members and unknown query parameters are refused, naming them: every object schema of a body
 *   or query string is compiled with `additionalProperties: false` unless it says otherwise, and a query string
 *   made of an intersection (allOf) is merged into one object first.
 * - Integers without a range get the int32 one (the columns they end up in), so no value reaches SQL as a
 *   bigint out of range, and none above 2^53 is silently rounded.
 * - JSON bodies are decoded as strict UTF-8: a bad byte is 400, never U+FFFD.
 *
 * Errors are Ajv-shaped, so that the one error mapping (plugins/errors.ts) names the field (`body/title`).
 */
import fp from 'fastify-plugin';
import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyInstance, FastifySchema, FastifySchemaValidationError } from 'fastify';
import { badRequest, unsupportedMediaType } from '../domain/errors.ts';
import { firstInvalidUtf8 } from '../domain/directories/import/utf8.ts';
import { MAX_INT32, MULTILINE } from '../schemas/common.ts';

type Schema = Record<string, unknown>;
type Part = 'body' | 'querystring' | 'params' | 'headers' | string;
type Validate = ((data: unknown) => boolean) & { errors?: FastifySchemaValidationError[] | null };

export interface InputError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message: string;
}

const MIN_INT32 = -(2 ** 31);
/** Deeper JSON than this is refused (no request schema nests half as deep; a deep body would cost stack). */
const MAX_DEPTH = 64;
const SINGLE_LINE = /[\u0000-\u001f\u007f]/;
const MULTI_LINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Number-like: decimal, optionally with a fraction and an exponent. Not hex, not blank, not padded. */
const NUMBER_LIKE = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPlain = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  // JSON.parse's objects, and the router's and query parser's null-prototype ones (find-my-way's NullObject)
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
};
const pointer = (path: string, key: string | number) => `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
const inputError = (instancePath: string, keyword: string, message: string, params: Record<string, unknown> = {}): InputError => ({
  instancePath,
  schemaPath: `#/${keyword}`,
  keyword,
  params,
  message,
});

// ─── Schema normalization (a copy: the route's schema, and so the OpenAPI document, stay as written) ────────

/** A query string schema that is an intersection of objects (`Type.Intersect([Paging, …])`) as one object. */
function mergeAllOf(schema: Schema): Schema {
  const parts = schema.allOf;
  if (!Array.isArray(parts) || !parts.every((p) => isSchema(p) && p.type === 'object' && p.properties)) return schema;
  const properties: Schema = {};
  const required: string[] = [];
  for (const p of parts as Schema[]) {
    Object.assign(properties, p.properties);
    if (Array.isArray(p.required)) required.push(...(p.required as string[]));
  }
  const { allOf: _, ...rest } = schema;
  return { ...rest, type: 'object', properties, ...(required.length ? { required } : {}) };
}

/** Closed objects and int32 ranges, recursively. */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!isSchema(schema)) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    // const/enum/default/examples are values, not schemas
    out[key] = key === 'const' || key === 'enum' || key === 'default' || key === 'examples' ? value : strict(value);
  }
  if (out.type === 'object' && (out.properties || out.patternProperties) && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  if (out.type === 'integer') {
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = MAX_INT32;
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = MIN_INT32;
  }
  return out;
}

// ─── Which strings may span lines ───────────────────────────────────────────────────────────────────────

/** Where in a value multi-line strings are allowed, from the schema (properties, records, items, unions). */
interface TextNode {
  multiline: boolean;
  props: Map<string, TextNode>;
  any: TextNode | null;
  items: TextNode | null;
}
const textNode = (): TextNode => ({ multiline: false, props: new Map(), any: null, items: null });

function textTree(schema: unknown, node = textNode(), depth = 0): TextNode {
  if (!isSchema(schema) || depth > MAX_DEPTH) return node;
  if (schema[MULTILINE] === true) node.multiline = true;
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = schema[key];
    if (Array.isArray(list)) for (const sub of list) textTree(sub, node, depth + 1);
  }
  if (isSchema(schema.properties)) {
    for (const [name, sub] of Object.entries(schema.properties)) {
      const child = node.props.get(name) ?? textNode();
      node.props.set(name, textTree(sub, child, depth + 1));
    }
  }
  const anyMember = [
    ...(isSchema(schema.patternProperties) ? Object.values(schema.patternProperties) : []),
    ...(isSchema(schema.additionalProperties) ? [schema.additionalProperties] : []),
  ];
  for (const sub of anyMember) node.any = textTree(sub, node.any ?? textNode(), depth + 1);
  if (isSchema(schema.items)) node.items = textTree(schema.items, node.items ?? textNode(), depth + 1);
  return node;
}

/** Why `s` is refused, or null. */
function stringProblem(s: string, multiline: boolean): string | null {
  const control = (multiline ? MULTI_LINE : SINGLE_LINE).exec(s);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    const allowed = multiline ? ' (line breaks and tabs are allowed here)' : '';
    return `must not contain control characters: U+${code} at index ${control.index}${allowed}`;
  }
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode text: it contains a lone surrogate (e.g. an unpaired \\ud800)';
  return null;
}

/**
 * Every string, member name and number of a parsed body, query string or path: the first problem, or null.
 * Iterative (a stack, not recursion), so a deeply nested body is a 400, not a stack overflow.
 */
export function inputProblem(data: unknown, tree: TextNode, memberWord: string): InputError | null {
  const stack: [unknown, string, TextNode | null, number][] = [[data, '', tree, 0]];
  while (stack.length) {
    const [value, path, node, depth] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = stringProblem(value, node?.multiline ?? false);
      if (problem) return inputError(path, 'text', problem);
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return inputError(path, 'finite', 'must be a finite number');
    } else if (Array.isArray(value) || isPlain(value)) {
      // named by its top-level member: the full path would be as long as the nesting
      if (depth >= MAX_DEPTH) return inputError(path.split('/').slice(0, 2).join('/'), 'depth', `is nested more than ${MAX_DEPTH} levels deep`);
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], pointer(path, i), node?.items ?? null, depth + 1]);
      } else {
        for (const key of Object.keys(value).reverse()) {
          const problem = stringProblem(key, false);
          if (problem) return inputError(path, 'text', `${memberWord} name ${JSON.stringify(key)} ${problem}`);
          stack.push([value[key], pointer(path, key), node ? (node.props.get(key) ?? node.any) : null, depth + 1]);
        }
      }
    }
  }
  return null;
}

// ─── Query string and path coercion ─────────────────────────────────────────────────────────────────────

/** The JSON types a schema admits, looking through unions (a Flag is boolean | '1' | '0'). */
function typesOf(schema: unknown, depth = 0): Set<string> {
  const types = new Set<string>();
  if (!isSchema(schema) || depth > 8) return types;
  if (typeof schema.type === 'string') types.add(schema.type);
  if (Array.isArray(schema.type)) for (const t of schema.type) types.add(String(t));
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const list = schema[key];
    if (Array.isArray(list)) for (const sub of list) for (const t of typesOf(sub, depth + 1)) types.add(t);
  }
  return types;
}

/** A query or path value as the schema wants it: a number-like string as a number, true/false as a boolean. */
function coerceValue(value: string, schema: unknown, path: string): { value: unknown } | InputError {
  const types = typesOf(schema);
  if ((types.has('integer') || types.has('number')) && NUMBER_LIKE.test(value)) {
    const n = Number(value);
    if (!Number.isFinite(n)) return inputError(path, 'finite', 'must be a finite number');
    return { value: n };
  }
  if (types.has('boolean') && (value === 'true' || value === 'false')) return { value: value === 'true' };
  return { value };
}

/** Coerces the members of a query string or params object in place; an error for a non-finite number. */
function coerceMembers(data: unknown, schema: Schema): InputError | null {
  if (!isPlain(data) || !isSchema(schema.properties)) return null;
  const properties = schema.properties as Schema;
  for (const [key, value] of Object.entries(data)) {
    const sub = properties[key];
    if (sub === undefined) continue;
    const path = pointer('', key);
    if (typeof value === 'string') {
      const types = typesOf(sub);
      if (types.has('array') && !types.has('string')) {
        // one ?x=… for an array parameter is a list of one
        const item = coerceValue(value, (sub as Schema).items, pointer(path, 0));
        if ('instancePath' in item) return item;
        data[key] = [item.value];
        continue;
      }
      const coerced = coerceValue(value, sub, path);
      if ('instancePath' in coerced) return coerced;
      data[key] = coerced.value;
    } else if (Array.isArray(value) && typesOf(sub).has('array')) {
      for (let i = 0; i < value.length; i++) {
        if (typeof value[i] !== 'string') continue;
        const coerced = coerceValue(value[i], (sub as Schema).items, pointer(path, i));
        if ('instancePath' in coerced) return coerced;
        value[i] = coerced.value;
      }
    }
  }
  return null;
}

// ─── Ajv's errors, said plainly ──────────────────────────────────────────────────────────────────────────

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

function explain(errors: AjvError[], memberWord: string): AjvError[] {
  return errors.map((e) => {
    if (e.keyword === 'additionalProperties' && typeof e.params.additionalProperty === 'string') {
      const name = e.params.additionalProperty;
      return { ...e, instancePath: pointer(e.instancePath, name), message: `unknown ${memberWord} \`${name}\`` };
    }
    if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) {
      const allowed = e.params.allowedValues as unknown[];
      const shown = allowed.slice(0, 12).map((v) => JSON.stringify(v));
      return { ...e, message: `must be one of ${shown.join(', ')}${allowed.length > shown.length ? `, … (${allowed.length} in all)` : ''}` };
    }
    return e;
  });
}

// ─── The compiler ────────────────────────────────────────────────────────────────────────────────────────

const AJV_OPTIONS = {
  // Query strings and params are coerced by coerceMembers above, before Ajv, by our narrower rule.
  coerceTypes: false,
  useDefaults: true,
  removeAdditional: false,
  // NaN and ±Infinity are not numbers of any schema.
  strictNumbers: true,
  allErrors: false,
  keywords: [MULTILINE],
} as const;

export function inputValidatorCompiler(getExternalSchemas: () => Record<string, unknown>) {
  let build: ReturnType<ReturnType<typeof AjvCompiler>> | null = null;
  return ({ schema, method, url, httpPart }: { schema: FastifySchema; method: string; url: string; httpPart?: Part }): Validate => {
    build ??= AjvCompiler()(getExternalSchemas() as never, { customOptions: AJV_OPTIONS } as never);
    const part = httpPart ?? 'body';
    const checked = part === 'body' || part === 'querystring' || part === 'params';
    let prepared = schema as unknown as Schema;
    if (part === 'querystring') prepared = mergeAllOf(prepared);
    if (checked) prepared = strict(prepared) as Schema;
    const ajv = build({ schema: prepared as never, method, url, httpPart: part }) as unknown as Validate;
    if (!checked) return ajv;
    const tree = textTree(prepared);
    const memberWord = part === 'body' ? 'member' : part === 'querystring' ? 'query parameter' : 'path parameter';
    const validate: Validate = (data: unknown) => {
      const problem = inputProblem(data, tree, memberWord) ?? (part === 'body' ? null : coerceMembers(data, prepared));
      if (problem) {
        validate.errors = [problem];
        return false;
      }
      const ok = ajv(data);
      validate.errors = ok ? null : (explain((ajv.errors ?? []) as AjvError[], memberWord) as FastifySchemaValidationError[]);
      return ok;
    };
    return validate;
  };
}

const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false };

/** JSON body text from bytes, refusing any byte that is not UTF-8 (instead of decoding it as U+FFFD). */
export function decodeJsonBody(body: Buffer, contentType: string | undefined): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') throw unsupportedMediaType(`JSON must be UTF-8, not ${charset}`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    const at = Math.max(0, firstInvalidUtf8(body));
    throw badRequest('the body is not valid UTF-8', [{ field: 'body', message: `invalid UTF-8 at byte ${at}` }]);
  }
}

export default fp(
  async function input(app: FastifyInstance) {
    app.setValidatorCompiler(inputValidatorCompiler(() => app.getSchemas()));
    // A route that takes no query parameters refuses them too (`?grade=D` is not silently ignored). Swagger UI's
    // own routes (/docs) are left alone.
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/docs')) return;
      const schema = (route.schema ?? {}) as FastifySchema;
      if (schema.querystring === undefined) route.schema = { ...schema, querystring: NO_QUERY };
    });
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      let text: string;
      try {
        text = decodeJsonBody(body as Buffer, request.headers['content-type']);
      } catch (err) {
        return done(err as Error, undefined);
      }
      parseJson(request, text, done);
    });
  },
  { name: 'input', dependencies: ['errors'] },
);
