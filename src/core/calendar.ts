/**
 * Working-day arithmetic for the disclosure deadline (谁检查、谁录入、谁公开: a result is public within N
 * working days of the inspection).
 *
 * A working day is Monday–Friday, except public holidays (法定节假日, kind 'holiday'), plus the weekend
 * days the State Council turns into working days to make the holidays contiguous (调休上班, kind 'workday').
 * Dates are calendar dates in China ('YYYY-MM-DD', no time zone); arithmetic runs on UTC midnights so the
 * host's time zone never matters.
 *
 * Pure module: no I/O.
 */

export type CalendarDayKind = 'holiday' | 'workday';

export interface CalendarDay {
  date: string;
  kind: CalendarDayKind;
  name: string;
}

/** Dates that differ from the Monday–Friday rule, by date. */
export type Calendar = ReadonlyMap<string, CalendarDayKind>;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
/** No calendar has this many non-working days in a row; past it the calendar data is broken. */
const MAX_NON_WORKING_RUN = 366;

/** Whether `s` is a real date written 'YYYY-MM-DD' (2026-02-30 is not). */
export function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(t).toISOString().slice(0, 10) === s;
}

function toTime(date: string): number {
  if (!isIsoDate(date)) throw new RangeError(`not a date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return Date.parse(`${date}T00:00:00Z`);
}

const fromTime = (t: number) => new Date(t).toISOString().slice(0, 10);

/*
 * Internally days are whole numbers (days since 1970-01-01, a Thursday), so the loops below do integer
 * steps and a map lookup, not date parsing; a calendar's numeric form is built once and cached.
 */
const dayNumber = (date: string) => toTime(date) / DAY_MS;
const dateOfDay = (day: number) => fromTime(day * DAY_MS);
const weekdayOfDay = (day: number) => (((day + 4) % 7) + 7) % 7;
const numericCalendars = new WeakMap<Calendar, Map<number, CalendarDayKind>>();

function numeric(calendar: Calendar): Map<number, CalendarDayKind> {
  let m = numericCalendars.get(calendar);
  if (!m) {
    m = new Map();
    for (const [date, kind] of calendar) if (isIsoDate(date)) m.set(dayNumber(date), kind);
    numericCalendars.set(calendar, m);
  }
  return m;
}

function isWorkingDayNumber(day: number, cal: Map<number, CalendarDayKind>): boolean {
  const kind = cal.get(day);
  if (kind === 'holiday') return false;
  if (kind === 'workday') return true;
  const dow = weekdayOfDay(day);
  return dow !== 0 && dow !== 6;
}

export function addDays(date: string, n: number): string {
  return fromTime(toTime(date) + n * DAY_MS);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  return weekdayOfDay(dayNumber(date));
}

/** China time is UTC+8 all year (no daylight saving). */
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** The date in China (UTC+8 all year, no daylight saving) at an instant. */
export function chinaDate(instant: Date): string {
  return fromTime(instant.getTime() + CHINA_OFFSET_MS);
}

/** The calendar year of an instant in China time (plan ids, the year of the frequency rules). */
export function chinaYear(instant: Date): number {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).getUTCFullYear();
}

/** The instant the China-time calendar year of `instant` began (00:00 on 1 January, UTC+8). */
export function chinaYearStart(instant: Date): Date {
  return new Date(Date.UTC(chinaYear(instant), 0, 1) - CHINA_OFFSET_MS);
}

export function calendarOf(days: Iterable<Pick<CalendarDay, 'date' | 'kind'>>): Calendar {
  const map = new Map<string, CalendarDayKind>();
  for (const d of days) map.set(d.date, d.kind);
  return map;
}

export function isWorkingDay(date: string, calendar: Calendar): boolean {
  return isWorkingDayNumber(dayNumber(date), numeric(calendar));
}

function step(day: number, direction: 1 | -1, cal: Map<number, CalendarDayKind>): number {
  let d = day;
  for (let i = 0; i < MAX_NON_WORKING_RUN; i++) {
    d += direction;
    if (isWorkingDayNumber(d, cal)) return d;
  }
  throw new RangeError(`no working day within ${MAX_NON_WORKING_RUN} days of ${dateOfDay(day)}: the calendar data is wrong`);
}

function checkCount(n: number) {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be a whole number ≥ 0, got ${n}`);
}

/**
 * The n-th working day after `date` (the day itself does not count, whether it is a working day or not);
 * n = 0 gives `date`. The disclosure deadline is addWorkingDays(inspectedOn, N).
 */
export function addWorkingDays(date: string, n: number, calendar: Calendar): string {
  checkCount(n);
  const cal = numeric(calendar);
  let d = dayNumber(date);
  for (let i = 0; i < n; i++) d = step(d, 1, cal);
  return dateOfDay(d);
}

/**
 * The latest date d with addWorkingDays(d, n) ≤ limit. addWorkingDays is non-decreasing in its date, so
 * "deadline ≤ limit" is exactly "inspectedOn ≤ latestStartWithin(limit, n)" — a plain date comparison a
 * database can run.
 */
export function latestStartWithin(limit: string, n: number, calendar: Calendar): string {
  checkCount(n);
  if (n === 0) return limit;
  const cal = numeric(calendar);
  // w = the n-th working day counting back from limit (limit itself included); d must lie before it.
  const end = dayNumber(limit);
  let w = isWorkingDayNumber(end, cal) ? end : step(end, -1, cal);
  for (let i = 1; i < n; i++) w = step(w, -1, cal);
  return dateOfDay(w - 1);
}

/** Monday–Friday days in (lo, hi], lo ≤ hi, by whole weeks plus the remainder. */
function weekdaysBetween(lo: number, hi: number): number {
  const len = hi - lo;
  let count = Math.floor(len / 7) * 5;
  for (let d = lo + Math.floor(len / 7) * 7 + 1; d <= hi; d++) {
    const dow = weekdayOfDay(d);
    if (dow !== 0 && dow !== 6) count++;
  }
  return count;
}

/**
 * Working days from `from` to `to`: the count of working days in (from, to] when to ≥ from, and minus the
 * count in (to, from] when to < from. workingDaysBetween(today, deadline) is what is left (negative: late).
 */
export function workingDaysBetween(from: string, to: string, calendar: Calendar): number {
  const a = dayNumber(from);
  const b = dayNumber(to);
  const [lo, hi, sign] = a <= b ? [a, b, 1] : [b, a, -1];
  let count = weekdaysBetween(lo, hi);
  // Exceptions inside the range: a holiday on a weekday takes one away, a 调休 weekend day adds one.
  for (const [day, kind] of numeric(calendar)) {
    if (day <= lo || day > hi) continue;
    const weekend = weekdayOfDay(day) === 0 || weekdayOfDay(day) === 6;
    if (kind === 'holiday' && !weekend) count--;
    else if (kind === 'workday' && weekend) count++;
  }
  return sign * count;
}

// ─── Shipped data ─────────────────────────────────────────────────────────────────────────────────

function range(from: string, to: string, kind: CalendarDayKind, name: string): CalendarDay[] {
  const days: CalendarDay[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push({ date: d, kind, name });
  return days;
}

const work = (date: string, name: string): CalendarDay => ({ date, kind: 'workday', name: `${name}调休上班` });

/**
 * 2025: 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024年11月12日）.
 * The first year under the 2024 revision of 《全国年节及纪念日放假办法》 (春节 and 劳动节 one day longer).
 */
const DAYS_2025: CalendarDay[] = [
  ...range('2025-01-01', '2025-01-01', 'holiday', '元旦'),
  ...range('2025-01-28', '2025-02-04', 'holiday', '春节'),
  work('2025-01-26', '春节'),
  work('2025-02-08', '春节'),
  ...range('2025-04-04', '2025-04-06', 'holiday', '清明节'),
  ...range('2025-05-01', '2025-05-05', 'holiday', '劳动节'),
  work('2025-04-27', '劳动节'),
  ...range('2025-05-31', '2025-06-02', 'holiday', '端午节'),
  ...range('2025-10-01', '2025-10-08', 'holiday', '国庆节、中秋节'),
  work('2025-09-28', '国庆节、中秋节'),
  work('2025-10-11', '国庆节、中秋节'),
];

/** 2026: 国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日，新华社同日全文播发）. */
const DAYS_2026: CalendarDay[] = [
  ...range('2026-01-01', '2026-01-03', 'holiday', '元旦'),
  work('2026-01-04', '元旦'),
  ...range('2026-02-15', '2026-02-23', 'holiday', '春节'),
  work('2026-02-14', '春节'),
  work('2026-02-28', '春节'),
  ...range('2026-04-04', '2026-04-06', 'holiday', '清明节'),
  ...range('2026-05-01', '2026-05-05', 'holiday', '劳动节'),
  work('2026-05-09', '劳动节'),
  ...range('2026-06-19', '2026-06-21', 'holiday', '端午节'),
  ...range('2026-09-25', '2026-09-27', 'holiday', '中秋节'),
  ...range('2026-10-01', '2026-10-07', 'holiday', '国庆节'),
  work('2026-09-20', '国庆节'),
  work('2026-10-10', '国庆节'),
];

/** Years whose holidays are shipped; later years need the next notice entered (PUT /api/v1/calendar/{date}). */
export const BUILTIN_CALENDAR_YEARS: readonly number[] = [2025, 2026];

export const BUILTIN_CALENDAR_DAYS: readonly CalendarDay[] = [...DAYS_2025, ...DAYS_2026].sort((a, b) =>
  a.date < b.date ? -1 : a.date > b.date ? 1 : 0,
);
