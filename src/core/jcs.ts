/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), restricted to the value domain of the protocol's
 * ledger (spec §6): strings, safe integers, booleans, null, arrays and plain objects.
 *
 * - Object members are sorted by the UTF-16 code units of their names (RFC 8785 §3.2.3).
 * - Strings are escaped exactly as ECMAScript JSON.stringify does (RFC 8785 §3.2.2.2); strings containing
 *   a lone surrogate are rejected (not representable in UTF-8 / I-JSON).
 * - Numbers must be safe integers (|n| ≤ 2^53 − 1); NaN, ±Infinity and fractional numbers are rejected
 *   because the protocol forbids them (and their cross-language serialization is error-prone). −0 → "0".
 * - Members whose value is undefined are omitted, like JSON.stringify. Functions, symbols, bigints,
 *   Maps, Sets and other non-plain objects are rejected rather than silently dropped. Objects with a
 *   toJSON() method (e.g. Date) are replaced by its result, like JSON.stringify.
 */

const LONE_SURROGATE = /\p{Surrogate}/u; // with the u flag, only unpaired surrogates match
/** String.prototype.isWellFormed (ES2024) where the runtime has it: native, and much faster than the regex. */
const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !LONE_SURROGATE.test(s);

/**
 * The path of the value being serialized, as segments (member names and array indices), turned into
 * text ("$.tasks[3].entityId") only when an error is reported: building a path string for every value
 * made a multi-megabyte ledger body (a draw of 70k tasks) several times slower than necessary.
 */
type Path = (string | number)[];

function pathText(path: Path, memberName = false): string {
  let s = '$';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : `.${seg}`;
  return memberName ? `${s} (member name)` : s;
}

function fail(path: Path, what: string, memberName = false): never {
  throw new Error(`canonicalJson: ${what} at ${pathText(path, memberName)}`);
}

// The checks of the value domain, shared by both serializers below.
function checkString(s: string, path: Path, memberName = false): void {
  if (!isWellFormed(s)) fail(path, 'string with a lone surrogate (not valid UTF-8)', memberName);
}

function checkInteger(n: number, path: Path): void {
  if (!Number.isFinite(n)) fail(path, `non-finite number ${String(n)} (only integers are allowed)`);
  if (!Number.isInteger(n)) fail(path, `fractional number ${String(n)} (only integers are allowed)`);
  if (!Number.isSafeInteger(n)) fail(path, `integer ${String(n)} beyond ±(2^53−1)`);
}

function checkPlainObject(v: object, path: Path): void {
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) fail(path, `unsupported object type ${v.constructor?.name ?? 'object'}`);
}

function unsupported(value: unknown, path: Path): never {
  fail(path, value === undefined ? 'undefined value' : `unsupported value of type ${typeof value}`);
}

function serializeString(s: string, path: Path, memberName = false): string {
  checkString(s, path, memberName);
  return JSON.stringify(s);
}

function ser(value: unknown, path: Path, stack: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, path);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      checkInteger(value, path);
      return value === 0 ? '0' : String(value);
    case 'object': {
      if (value === null) return 'null';
      if (stack.has(value)) fail(path, 'circular reference');
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        stack.add(value);
        const out = ser(toJSON.call(value), path, stack);
        stack.delete(value);
        return out;
      }
      stack.add(value);
      let out: string;
      if (Array.isArray(value)) {
        out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const el = value[i];
          // like JSON.stringify: undefined array elements become null
          if (el === undefined) {
            out += 'null';
          } else {
            path.push(i);
            out += ser(el, path, stack);
            path.pop();
          }
        }
        out += ']';
      } else {
        checkPlainObject(value, path);
        const obj = value as Record<string, unknown>;
        // Default sort compares UTF-16 code units, which is exactly what RFC 8785 requires.
        const keys = Object.keys(obj).sort();
        out = '{';
        let first = true;
        for (const k of keys) {
          const v = obj[k];
          if (v === undefined) continue;
          if (!first) out += ',';
          first = false;
          out += serializeString(k, path, true) + ':';
          path.push(k);
          out += ser(v, path, stack);
          path.pop();
        }
        out += '}';
      }
      stack.delete(value);
      return out;
    }
    default:
      unsupported(value, path);
  }
}

/** An object has a member name V8 would list first (an array index): JSON.stringify would reorder it. */
class IndexLikeKey extends Error {}
const INDEX_LIKE = /^(?:0|[1-9][0-9]{0,9})$/;

/**
 * `value` with every object's members in JCS order, after the same checks as `ser`: the value itself
 * where it already is (members inserted in sorted order, as the protocol's records are built), a copy
 * only of what is not. JSON.stringify of the result is the canonical text: JCS serializes strings,
 * integers, true, false and null exactly as JSON.stringify does (RFC 8785 §3.2.2), and objects are then
 * emitted in insertion order — except for array-index-like names, which V8 always lists first
 * (IndexLikeKey). Undefined members and array elements need no copy: JSON.stringify omits the one and
 * writes null for the other, as JCS does here.
 */
function canonical(value: unknown, path: Path, stack: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
      checkString(value, path);
      return value;
    case 'boolean':
      return value;
    case 'number':
      checkInteger(value, path);
      return value;
    case 'object': {
      if (value === null) return null;
      if (stack.has(value)) fail(path, 'circular reference');
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      stack.add(value);
      let out: unknown = value;
      if (typeof toJSON === 'function') {
        // the replacement differs from `value`, so the parent copies it in: stringify never calls toJSON
        // (toJSON returning `value` itself is refused as circular, as before)
        out = canonical(toJSON.call(value), path, stack);
      } else if (Array.isArray(value)) {
        let copy: unknown[] | null = null;
        for (let i = 0; i < value.length; i++) {
          const el = value[i];
          if (el === undefined) {
            if (copy) copy.push(null);
            continue;
          }
          path.push(i);
          const c = canonical(el, path, stack);
          path.pop();
          if (copy) copy.push(c);
          else if (c !== el) (copy = value.slice(0, i)).push(c);
        }
        if (copy) out = copy;
      } else {
        checkPlainObject(value, path);
        const obj = value as Record<string, unknown>;
        const keys = Object.keys(obj);
        let inOrder = true;
        const values = new Array<unknown>(keys.length);
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i];
          if (i > 0 && !(keys[i - 1] < k)) inOrder = false;
          if (INDEX_LIKE.test(k)) throw new IndexLikeKey();
          checkString(k, path, true);
          const v = obj[k];
          if (v === undefined) continue;
          path.push(k);
          const c = canonical(v, path, stack);
          path.pop();
          values[i] = c;
          if (c !== v) inOrder = false;
        }
        if (!inOrder) {
          const order = keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
          const copy: Record<string, unknown> = {};
          for (const i of order) if (values[i] !== undefined) copy[keys[i]] = values[i];
          out = copy;
        }
      }
      stack.delete(value);
      return out;
    }
    default:
      unsupported(value, path);
  }
}

/** RFC 8785 canonical JSON text of `value` (see module comment for the accepted domain). */
export function canonicalJson(value: unknown): string {
  // Fast path: the native JSON.stringify of the value in member order (a 20 MB ledger body in a
  // fraction of the time); objects with array-index-like member names take the general serializer.
  try {
    return JSON.stringify(canonical(value, [], new Set()));
  } catch (err) {
    if (!(err instanceof IndexLikeKey)) throw err;
  }
  return ser(value, [], new Set());
}
