/**
 * The draw ceremony (见证抽取, guide §2): a plan names its witnesses; at the draw each gives a value, and the
 * public entropy is composed from the contributions, so every witness can check that their value went in:
 *
 *   contribution file = per witness, in the plan's order: witness + "\t" + value + "\n"
 *   publicEntropy     = "ceremony-v1:" + SHA-256(contribution file)
 *
 * Pure: no I/O, runs in the browser.
 */
import { sha256Hex } from './sha256.ts';

export interface Contribution {
  witness: string;
  value: string;
}

/** Longest witness name, in characters (code points). */
export const WITNESS_NAME_MAX = 64;
/** Longest contribution value, in characters (code points). */
export const CONTRIBUTION_VALUE_MAX = 64;
/** The prefix of a composed public entropy. */
export const CEREMONY_PREFIX = 'ceremony-v1:';

/**
 * Why `s` is not a 1–`max`-character text without control characters (C0, DEL, C1) and without unpaired
 * surrogates, or null. Characters are code points.
 */
function textError(s: unknown, what: string, max: number): string | null {
  if (typeof s !== 'string') return `${what} must be a string, got ${s === null ? 'null' : typeof s}`;
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (!(d >= 0xdc00 && d <= 0xdfff)) return `${what} has an unpaired surrogate at index ${i}`;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return `${what} has an unpaired surrogate at index ${i}`;
    } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      return `${what} contains control character U+${c.toString(16).toUpperCase().padStart(4, '0')} at index ${i}`;
    }
    count++;
  }
  if (count === 0) return `${what} must not be empty`;
  if (count > max) return `${what} is ${count} characters long, at most ${max} allowed`;
  return null;
}

/** Why `name` cannot be a witness name (1–64 characters, no control characters), or null. */
export function witnessNameError(name: unknown): string | null {
  return textError(name, 'witness name', WITNESS_NAME_MAX);
}

/** Why `value` cannot be a contribution value (1–64 characters, no control characters), or null. */
export function contributionValueError(value: unknown): string | null {
  return textError(value, 'contribution value', CONTRIBUTION_VALUE_MAX);
}

/** The contribution file: `witness\tvalue\n` per contribution, in the given order. Throws on an invalid name or value. */
export function ceremonyFile(cs: readonly Contribution[]): string {
  if (!Array.isArray(cs) || cs.length === 0) throw new Error('a ceremony needs at least one contribution');
  let text = '';
  for (const c of cs) {
    const err = witnessNameError(c?.witness) ?? contributionValueError(c?.value);
    if (err !== null) throw new Error(err);
    text += c.witness + '\t' + c.value + '\n';
  }
  return text;
}

/** The public entropy of a ceremony: "ceremony-v1:" + SHA-256 of the contribution file (76 characters). */
export function composeCeremonyEntropy(cs: readonly Contribution[]): string {
  return CEREMONY_PREFIX + sha256Hex(ceremonyFile(cs));
}

/**
 * Why `cs` is not a valid set of contributions for a plan with these witnesses, or null: exactly one
 * `{witness, value}` per witness, in the plan's witness order, each value 1–64 characters without control
 * characters, and nothing else.
 */
export function contributionsError(cs: unknown, witnesses: readonly string[]): string | null {
  if (!Array.isArray(cs)) return 'contributions must be an array of {witness, value}';
  if (witnesses.length === 0) return 'the plan names no witnesses: give publicEntropy instead of contributions';
  if (cs.length !== witnesses.length) {
    return `the plan names ${witnesses.length} witness(es), ${cs.length} contribution(s) given: exactly one per witness, in the plan's order`;
  }
  for (let i = 0; i < witnesses.length; i++) {
    const c: unknown = cs[i];
    if (c === null || typeof c !== 'object' || Array.isArray(c)) return `contributions[${i}] must be an object {witness, value}`;
    const keys = Object.keys(c);
    if (keys.length !== 2 || !('witness' in c) || !('value' in c)) return `contributions[${i}] must have exactly the members witness and value`;
    const { witness, value } = c as Record<string, unknown>;
    if (witness !== witnesses[i]) {
      return `contributions[${i}] is from ${JSON.stringify(witness)}, but witness ${i + 1} of the plan is ${JSON.stringify(witnesses[i])}`;
    }
    const err = contributionValueError(value);
    if (err !== null) return `contribution of ${JSON.stringify(witnesses[i])}: ${err}`;
  }
  return null;
}
