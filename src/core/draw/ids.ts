/**
 * Protocol "draw-v1": the shapes of its ids, codes and inputs (§1, §2), and the order of ids.
 *
 * No I/O and no node: imports: the core also runs bundled in the browser verifier.
 */
export const PROTOCOL = 'draw-v1' as const;
export type Protocol = typeof PROTOCOL;

/** Entity id: 1–64 characters from [0-9A-Za-z._-] (a USCC for entities that have one). */
export const ENTITY_ID_RE = /^[0-9A-Za-z._-]{1,64}$/;
/** Grade code: 1–16 characters from [0-9A-Za-z_-]. */
export const GRADE_RE = /^[0-9A-Za-z_-]{1,16}$/;
/** Department code: 1–32 characters from [0-9A-Za-z_-]. */
export const DEPARTMENT_RE = /^[0-9A-Za-z_-]{1,32}$/;
/** Inspector id: 1–64 characters from [0-9A-Za-z._-]. */
export const INSPECTOR_ID_RE = /^[0-9A-Za-z._-]{1,64}$/;
/** 64 lowercase hex characters (SHA-256 digests, the server seed). */
export const HEX64_RE = /^[0-9a-f]{64}$/;

const PUBLIC_ENTROPY_MAX_CHARS = 256;

// Character classes of the fields, for fast validation and the one-pass file scanner (parse.ts). The
// regexes above are the reference; tests check that both agree.
/** [0-9A-Za-z._-]: entity ids, inspector ids */
export const ID_CHARS = 1;
/** [0-9A-Za-z_-]: grade codes, department codes */
export const CODE_CHARS = 2;
/** ASCII code → the classes it belongs to (bit mask of ID_CHARS, CODE_CHARS). */
export const CHAR_CLASS: Uint8Array = (() => {
  const t = new Uint8Array(128);
  const all = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-';
  for (let i = 0; i < all.length; i++) t[all.charCodeAt(i)] = ID_CHARS | CODE_CHARS;
  t['.'.charCodeAt(0)] = ID_CHARS;
  return t;
})();

function fieldOk(s: unknown, cls: number, max: number): boolean {
  if (typeof s !== 'string' || s.length === 0 || s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CHAR_CLASS[c] & cls) === 0) return false;
  }
  return true;
}

/** Same as ENTITY_ID_RE.test(s), faster. */
export const isEntityId = (s: unknown): s is string => fieldOk(s, ID_CHARS, 64);
/** Same as GRADE_RE.test(s), faster. */
export const isGrade = (s: unknown): s is string => fieldOk(s, CODE_CHARS, 16);
/** Same as DEPARTMENT_RE.test(s), faster. */
export const isDepartmentCode = (s: unknown): s is string => fieldOk(s, CODE_CHARS, 32);
/** Same as INSPECTOR_ID_RE.test(s), faster. */
export const isInspectorId = (s: unknown): s is string => fieldOk(s, ID_CHARS, 64);

export function isHex64(s: unknown): s is string {
  return typeof s === 'string' && HEX64_RE.test(s);
}

/** A value for an error message: strings quoted and cut at 80 characters. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? v.slice(0, 80) + '…' : v);
  return String(v);
}

function assertPattern(re: RegExp, what: string, v: unknown): asserts v is string {
  if (typeof v !== 'string' || !re.test(v)) {
    throw new Error(`invalid ${what} ${describe(v)}: must match ${re.source}`);
  }
}

export function assertEntityId(v: unknown): asserts v is string {
  if (!isEntityId(v)) assertPattern(ENTITY_ID_RE, 'entity id', v);
}
export function assertGrade(v: unknown): asserts v is string {
  if (!isGrade(v)) assertPattern(GRADE_RE, 'grade code', v);
}
export function assertDepartmentCode(v: unknown): asserts v is string {
  if (!isDepartmentCode(v)) assertPattern(DEPARTMENT_RE, 'department code', v);
}
export function assertInspectorId(v: unknown): asserts v is string {
  if (!isInspectorId(v)) assertPattern(INSPECTOR_ID_RE, 'inspector id', v);
}
export function assertHex64(v: unknown, what: string): asserts v is string {
  if (!isHex64(v)) throw new Error(`invalid ${what} ${describe(v)}: must be 64 lowercase hex characters`);
}

/**
 * Why `s` is not acceptable as publicEntropy (§2: 0–256 characters, no control characters), or null.
 * "Characters" are Unicode code points. Control characters are C0 (U+0000–U+001F), DEL and C1
 * (U+007F–U+009F). Unpaired surrogates are refused too, since they have no UTF-8 encoding.
 */
export function publicEntropyError(s: unknown): string | null {
  if (typeof s !== 'string') return `publicEntropy must be a string, got ${typeof s}`;
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
      } else {
        return `publicEntropy has an unpaired surrogate at index ${i}`;
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return `publicEntropy has an unpaired surrogate at index ${i}`;
    } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      return `publicEntropy contains control character U+${c.toString(16).toUpperCase().padStart(4, '0')} at index ${i}`;
    }
    count++;
  }
  if (count > PUBLIC_ENTROPY_MAX_CHARS) {
    return `publicEntropy is ${count} characters long, at most ${PUBLIC_ENTROPY_MAX_CHARS} allowed`;
  }
  return null;
}

/** Throws a clear Error unless `s` is a valid publicEntropy (see publicEntropyError). */
export function validatePublicEntropy(s: unknown): asserts s is string {
  const err = publicEntropyError(s);
  if (err !== null) throw new Error(err);
}

/**
 * Compares two strings by the bytes of their UTF-8 encodings (= Unicode code point order).
 * JS `<` compares UTF-16 code units, which differs only when the first difference is between a
 * surrogate (a code point ≥ U+10000) and a code unit in U+E000–U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // surrogates (D800–DFFF) encode code points above every BMP unit in E000–FFFF
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : 1;
}

/** Validated ids/codes are ASCII, where UTF-16 order = UTF-8 order: a plain `<` is exact there. */
export function cmpAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
