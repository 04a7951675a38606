/**
 * Valid-ish values from the JSON Schemas of the OpenAPI document, with hints (values that exist in the fuzz
 * test's database, by field name) so that a request gets past the schema to the domain checks, where one hostile
 * field is then put in.
 */
import fc from 'fast-check';

// biome-ignore lint/suspicious/noExplicitAny: a JSON Schema as the document gives it (any keyword, any value).
export type Schema = Record<string, any>;

/** Field name → values that make sense in the seeded state (ids that exist, codes the catalog knows). */
export type Hints = Record<string, unknown[]>;

/** Resolves `$ref`s to the document's components. */
export function resolver(doc: Schema) {
  return function resolve(schema: Schema | undefined): Schema {
    let s = schema ?? {};
    for (let i = 0; i < 10 && typeof s.$ref === 'string'; i++) {
      const name = s.$ref.replace(/^#\/components\/schemas\//, '');
      s = doc.components?.schemas?.[name] ?? {};
    }
    return s;
  };
}

const cap = (n: number | undefined, max: number) => Math.min(n ?? max, max);

const isoDate = (d: Date) => d.toISOString().slice(0, 10);
const DATE_RANGE = { min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true };

/** A valid-ish value of `schema`; `name` (the member or parameter name) picks hints first. */
export function validArb(
  schema: Schema | undefined,
  resolve: (s: Schema | undefined) => Schema,
  hints: Hints,
  name?: string,
  depth = 0,
): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  const hinted = name !== undefined ? hints[name] : undefined;
  const generated = fromSchema(s, resolve, hints, depth);
  if (hinted?.length) return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...hinted) }, { weight: 1, arbitrary: generated });
  return generated;
}

function fromSchema(s: Schema, resolve: (s: Schema | undefined) => Schema, hints: Hints, depth: number): fc.Arbitrary<unknown> {
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  const alternatives = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (alternatives?.length) return fc.oneof(...alternatives.map((a) => validArb(a, resolve, hints, undefined, depth + 1)));
  if (Array.isArray(s.allOf) && s.allOf.length) return validArb(s.allOf[0], resolve, hints, undefined, depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return stringArb(s);
    case 'integer': {
      const inRange = fc.integer({ min: Math.max(s.minimum ?? -1000, -1_000_000), max: Math.min(s.maximum ?? 1000, 1_000_000) });
      // The bounds themselves are valid and where off-by-one faults live.
      const bounds = [s.minimum, s.maximum].filter((b): b is number => typeof b === 'number');
      return bounds.length ? fc.oneof({ weight: 4, arbitrary: inRange }, { weight: 1, arbitrary: fc.constantFrom(...bounds) }) : inRange;
    }
    case 'number':
      return fc.double({ min: Math.max(s.minimum ?? -1000, -1e6), max: Math.min(s.maximum ?? 1000, 1e6), noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (depth > 6) return fc.constant([]);
      const item = validArb(s.items, resolve, hints, undefined, depth + 1);
      const constraints = { minLength: s.minItems ?? 0, maxLength: Math.max(s.minItems ?? 0, cap(s.maxItems, 4)) };
      return s.uniqueItems ? fc.uniqueArray(item, { ...constraints, selector: (v) => JSON.stringify(v) }) : fc.array(item, constraints);
    }
    case 'object':
      return objectArb(s, resolve, hints, depth);
    default:
      if (s.properties) return objectArb(s, resolve, hints, depth);
      return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean());
  }
}

function stringArb(s: Schema): fc.Arbitrary<string> {
  if (s.format === 'date') return fc.date(DATE_RANGE).map(isoDate);
  if (s.format === 'date-time') return fc.date(DATE_RANGE).map((d) => d.toISOString());
  if (s.format === 'uri') return fc.webUrl();
  const min = s.minLength ?? 0;
  const max = Math.max(min, cap(s.maxLength, 24));
  if (typeof s.pattern === 'string') {
    return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= min && v.length <= (s.maxLength ?? Number.POSITIVE_INFINITY));
  }
  const free = fc.string({ unit: 'grapheme', minLength: min, maxLength: max });
  if (typeof s.maxLength !== 'number' || s.maxLength > 100_000) return free;
  // At the limit: ASCII, CJK (3 bytes each in UTF-8) and astral characters (2 UTF-16 units, 4 bytes), each still valid.
  const n = s.maxLength;
  return fc.oneof(
    { weight: 5, arbitrary: free },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat(n), '重'.repeat(n), '𠀀'.repeat(n), `${'x'.repeat(n - 1)}𠀀`) },
  );
}

function objectArb(s: Schema, resolve: (s: Schema | undefined) => Schema, hints: Hints, depth: number): fc.Arbitrary<unknown> {
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const required = new Set<string>((s.required ?? []) as string[]);
  const keys = Object.keys(props);
  if (keys.length === 0 && s.additionalProperties && typeof s.additionalProperties === 'object') {
    return fc.dictionary(fc.stringMatching(/^[A-Z]{1,4}$/), validArb(s.additionalProperties, resolve, hints, undefined, depth + 1), { maxKeys: 4 });
  }
  const record = fc.record(Object.fromEntries(keys.map((k) => [k, validArb(props[k], resolve, hints, k, depth + 1)])), {
    requiredKeys: keys.filter((k) => required.has(k)),
  });
  // minProperties (PATCH bodies): at least one member.
  return s.minProperties ? record.filter((v) => Object.keys(v as object).length >= s.minProperties) : record;
}

/** Every path into a JSON value (the root is []), for one-field mutations. */
export function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) for (const [i, v] of value.entries()) pathsOf(v, [...prefix, i], out);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

/** `value` with the member at `path` replaced by `replacement` (a copy; the root path replaces everything). */
export function setAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[path[0]] = setAt(copy[path[0]], path.slice(1), replacement);
  return copy;
}

/** `value` without the member at `path` (a copy). */
export function deleteAt(value: unknown, path: (string | number)[]): unknown {
  if (path.length === 0) return value;
  if (path.length === 1) {
    if (Array.isArray(value)) return value.filter((_, i) => i !== path[0]);
    const { [path[0]]: _drop, ...rest } = value as Record<string, unknown>;
    return rest;
  }
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[path[0]] = deleteAt(copy[path[0]], path.slice(1));
  return copy;
}

/** The value at `path`. */
export const getAt = (value: unknown, path: (string | number)[]): unknown =>
  path.reduce<unknown>((v, k) => (v == null ? undefined : (v as Record<string | number, unknown>)[k]), value);
