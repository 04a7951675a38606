/** Field checks shared by the import kinds and by hand-made changes (PATCH), so both accept the same values. */
import { ID_PATTERN } from '../../../schemas/common.ts';

export const ID_RE = new RegExp(ID_PATTERN);

const CONTROL_RE = /[\u0000-\u0008\u000a-\u001f\u007f]/;
/** An unpaired UTF-16 surrogate (an NDJSON `\ud800` escape): PostgreSQL would get U+FFFD in its place. */
const LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Problem with a plain text value, or null. Lengths count characters (code points), as users see them. */
export function textProblem(value: string, max: number): string | null {
  if (CONTROL_RE.test(value)) return 'must not contain control characters or line breaks';
  if (LONE_SURROGATE_RE.test(value)) return 'must be valid Unicode text (it contains a lone surrogate)';
  // .length counts UTF-16 units, never fewer than code points: count exactly only when it might matter.
  if (value.length > max && [...value].length > max) return `is longer than ${max} characters`;
  return null;
}

const TRUE = new Set(['true', '1', 'yes', 'y', 't', '是']);
const FALSE = new Set(['false', '0', 'no', 'n', 'f', '否']);

/** true/false (also 1/0, yes/no, 是/否), or undefined when it is none of them. */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.toLowerCase();
  return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
}

/** China Standard Time: evaluations are dated by Chinese authorities, so a bare date is a date there. */
const CHINA_OFFSET = '+08:00';

const DATE_RE = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A date or date-time: `2024-03-01`, `2024/3/1` (as Excel writes it), `2024-03-01T10:00:00+08:00`,
 * `2024-03-01 10:00`. Without an offset the time is China Standard Time. Returns an ISO 8601 string with
 * its offset (for COPY into timestamptz) or a problem.
 */
export function parseTimestamp(value: string): { ok: true; iso: string; ms: number } | { ok: false; message: string } {
  const m = DATE_RE.exec(value);
  const bad = { ok: false as const, message: `"${value}" is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SS+08:00)` };
  if (!m) return bad;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return { ok: false, message: `"${value}" is not a real date` };
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return { ok: false, message: `"${value}" is not a real time` };
  let offset = CHINA_OFFSET;
  if (zone === 'Z') offset = 'Z';
  else if (zone) offset = zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  if (offset !== 'Z' && (Number(offset.slice(1, 3)) > 14 || Number(offset.slice(4)) > 59)) return bad;
  const pad = (x: number | string, n = 2) => String(x).padStart(n, '0');
  const iso = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${h}:${mi}:${s}${frac}${offset}`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return bad;
  return { ok: true, iso, ms };
}

/** An ISO string of `date` in China Standard Time (`2024-03-01T00:00:00.000+08:00`). */
export function chinaTime(date: Date): string {
  const shifted = new Date(date.getTime() + 8 * 3600_000).toISOString();
  return `${shifted.slice(0, -1)}${CHINA_OFFSET}`;
}

/** `a;b；c` → ['a','b','c'] (full-width ； too, as Chinese input methods type it), trimmed, blanks dropped. */
export function splitList(value: string): string[] {
  return value
    .split(/[;；]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
