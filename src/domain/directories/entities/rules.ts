/** Value rules for entities, shared by the import and by changes to one entity. */
import { isChongqingRegionCode } from '../../../core/regions.ts';
import { usccCheckChar, validateUscc } from '../../../core/uscc.ts';
import { ID_RE, textProblem } from '../import/values.ts';

/** First two digits of GB/T 2260 codes: provinces, autonomous regions, municipalities, HK, Macao, Taiwan. */
const PROVINCES = new Set('11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82'.split(' '));

/** A 6-digit administrative division code (行政区划代码, GB/T 2260) that is in the region table (src/core/regions.ts). */
export function regionProblem(region: string): string | null {
  if (!/^[0-9]{6}$/.test(region)) return `"${region}" is not a 行政区划代码: 6 digits (GB/T 2260), e.g. 500112`;
  if (!PROVINCES.has(region.slice(0, 2))) return `"${region}" is not a 行政区划代码: no province ${region.slice(0, 2)} in GB/T 2260`;
  if (!isChongqingRegionCode(region))
    return `"${region}" is not in the region table: a district or county code of 重庆 (5001xx, 5002xx), e.g. 500112`;
  return null;
}

const USCC_SHAPE = /^[0-9A-HJ-NPQRTUW-Y]{18}$/;

export const ID_TYPE_RE = /^[A-Za-z][0-9A-Za-z_-]{0,31}$/;

/** The entity id checked against its type: a credit code must pass GB 32100; other ids the snapshot pattern. */
export function entityIdProblem(id: string, idType: string, idTypeGiven: boolean): string | null {
  if (idType === 'uscc') {
    // Fast path for the common case (a million rows are mostly valid codes); validateUscc explains failures.
    if (USCC_SHAPE.test(id) && usccCheckChar(id.slice(0, 17)) === id[17]) return null;
    const check = validateUscc(id);
    if (check.ok) return null;
    const hint = !idTypeGiven && id.length !== 18 ? '; for another kind of id (e.g. a registration number) give its idType' : '';
    return `not a valid 统一社会信用代码 (GB 32100-2015): ${check.message}${hint}`;
  }
  return ID_RE.test(id) ? null : 'an id must be 1–64 characters from 0-9 A-Z a-z . _ -';
}

/** At most this many tags, or licence kinds, per entity; each value at most LABEL_MAX characters. */
export const LABELS_MAX = 50;
export const LABEL_MAX = 64;

/**
 * Checks a list of supervision tags or licence kinds (import and PATCH alike) and returns it with
 * repeats dropped, order kept. `;` separates values in a CSV cell, so a value may not contain one.
 */
export function checkLabels(values: readonly string[], column: string): { ok: true; values: string[] } | { ok: false; message: string } {
  const out: string[] = [];
  for (const raw of values) {
    const v = raw.trim();
    if (v === '') return { ok: false, message: `${column} must not contain an empty value` };
    if (/[;；]/.test(v)) return { ok: false, message: `${column} value "${v}" must not contain ";" (it separates values)` };
    const problem = textProblem(v, LABEL_MAX);
    if (problem) return { ok: false, message: `${column} value ${problem}` };
    if (!out.includes(v)) out.push(v);
  }
  if (out.length > LABELS_MAX) return { ok: false, message: `${column} has ${out.length} values; at most ${LABELS_MAX}` };
  return { ok: true, values: out };
}

/** A PostgreSQL array literal of `values`, each quoted (tags may hold commas, quotes, braces). */
export const textArrayLiteral = (values: readonly string[]) => `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
