/**
 * 统一社会信用代码 (unified social credit code, USCC) per GB 32100-2015.
 *
 * Layout of the 18 characters:
 *   1      registration authority code (登记管理部门码): 1 机构编制, 5 民政, 9 市场监管(工商), Y 其他 …
 *   2      entity type code (机构类别码), e.g. after 9: 1 企业, 2 个体工商户, 3 农民专业合作社
 *   3–8    6-digit administrative division code (登记管理机关行政区划码, GB/T 2260), e.g. 500112 渝北区
 *   9–17   organisation code (主体标识码, GB 11714 组织机构代码, 9 characters)
 *   18     check character over positions 1–17 (this module)
 *
 * Pure module: no I/O, no node: imports (it is bundled into the browser verifier).
 *
 * Only the GB 32100 check character (position 18) is enforced. Positions 9–17 end with their own
 * GB 11714 check character, but we deliberately do NOT verify it: many real codes were produced by
 * converting old registration numbers (营业执照注册号) of entities that never had an organisation code
 * (个体工商户 in particular), and the "organisation code" part of those codes is a placeholder that
 * does not satisfy GB 11714. Rejecting them would reject genuine, registered entities.
 * Likewise we do not enforce the registration-authority / entity-type table or the region part:
 * the table has been extended since 2015, and the checksum is what the standard defines as validity.
 */

/** The 31 characters a USCC may contain, in value order (value = index). No I, O, Z, S, V. */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** Weights of positions 1–17 (3^(i) mod 31). */
export const USCC_WEIGHTS: readonly number[] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

const USCC_LENGTH = 18;

const VALUE: Record<string, number> = Object.create(null);
for (let i = 0; i < USCC_ALPHABET.length; i++) VALUE[USCC_ALPHABET[i]] = i;
/** Value by char code (ASCII only), −1 when not in the alphabet: the hot path avoids string keys. */
const VALUE_BY_CODE = new Int8Array(128).fill(-1);
for (let i = 0; i < USCC_ALPHABET.length; i++) VALUE_BY_CODE[USCC_ALPHABET.charCodeAt(i)] = i;

function describeBadChar(ch: string, position: number): string {
  const shown = JSON.stringify(ch);
  const upper = ch.toUpperCase();
  if (upper !== ch && upper in VALUE) {
    return `invalid character ${shown} at position ${position}: codes use uppercase letters (${upper})`;
  }
  if ('IOZSV'.includes(upper)) {
    return `invalid character ${shown} at position ${position}: the letters I, O, Z, S and V are not used in credit codes`;
  }
  return `invalid character ${shown} at position ${position}`;
}

/**
 * Check character for the first 17 characters of a code.
 * check = 31 − (Σ value(c_i) × w_i mod 31), where 31 becomes 0.
 * @throws Error if `first17` is not 17 characters from {@link USCC_ALPHABET}.
 */
export function usccCheckChar(first17: string): string {
  if (typeof first17 !== 'string' || first17.length !== 17) {
    throw new Error(`expected 17 characters, got ${typeof first17 === 'string' ? first17.length : typeof first17}`);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = first17.charCodeAt(i);
    const v = c < 128 ? VALUE_BY_CODE[c] : -1;
    if (v < 0) throw new Error(describeBadChar(first17[i], i + 1));
    sum += v * USCC_WEIGHTS[i];
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

export type UsccValidation = { ok: true } | { ok: false; message: string };

/** Validates length, alphabet and check character. Messages are in English and name the problem. */
export function validateUscc(code: string): UsccValidation {
  if (typeof code !== 'string') return { ok: false, message: `expected a string, got ${typeof code}` };
  // Count code points so that a stray non-BMP character is reported as one character.
  const chars = Array.from(code);
  if (chars.length !== USCC_LENGTH) {
    return { ok: false, message: `wrong length: a credit code has ${USCC_LENGTH} characters, got ${chars.length}` };
  }
  for (let i = 0; i < USCC_LENGTH; i++) {
    if (VALUE[chars[i]] === undefined) return { ok: false, message: describeBadChar(chars[i], i + 1) };
  }
  const expected = usccCheckChar(code.slice(0, 17));
  if (expected !== code[17]) {
    return { ok: false, message: `check character (position 18) expected ${expected}, got ${code[17]}` };
  }
  return { ok: true };
}

export function isValidUscc(code: string): boolean {
  return validateUscc(code).ok;
}

/** Appends the check character to 17 characters. @throws Error on invalid input. */
export function makeUscc(first17: string): string {
  return first17 + usccCheckChar(first17);
}

export interface UsccParts {
  /** position 1, 登记管理部门码 */
  registrationAuthority: string;
  /** position 2, 机构类别码 */
  entityType: string;
  /** positions 3–8, 行政区划码 */
  region: string;
  /** positions 9–17, 主体标识码（组织机构代码） */
  organisationCode: string;
  /** position 18 */
  checkChar: string;
}

/** Splits a code into its parts (no validation; call {@link validateUscc} first). */
export function parseUscc(code: string): UsccParts {
  return {
    registrationAuthority: code.slice(0, 1),
    entityType: code.slice(1, 2),
    region: code.slice(2, 8),
    organisationCode: code.slice(8, 17),
    checkChar: code.slice(17, 18),
  };
}
