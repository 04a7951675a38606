import t from 'tap';
import fc from 'fast-check';
import {
  chinaYear,
  chinaYearStart,
  BUILTIN_CALENDAR_DAYS,
  addDays,
  addWorkingDays,
  calendarOf,
  chinaDate,
  dayOfWeek,
  isIsoDate,
  isWorkingDay,
  latestStartWithin,
  workingDaysBetween,
} from '../../src/core/calendar.ts';

const cal = calendarOf(BUILTIN_CALENDAR_DAYS);
const plain = calendarOf([]);

t.test('dates', async (t) => {
  t.ok(isIsoDate('2026-02-28'));
  t.notOk(isIsoDate('2026-02-29'), 'not a leap year');
  t.ok(isIsoDate('2028-02-29'));
  t.notOk(isIsoDate('2026-2-1'));
  t.notOk(isIsoDate('2026-13-01'));
  t.notOk(isIsoDate(20260101));
  t.equal(addDays('2025-12-31', 1), '2026-01-01');
  t.equal(addDays('2026-03-01', -1), '2026-02-28');
  t.equal(dayOfWeek('2026-02-14'), 6, '2026-02-14 is a Saturday');
  t.equal(chinaDate(new Date('2026-02-13T16:30:00Z')), '2026-02-14', 'UTC+8');
  t.equal(chinaDate(new Date('2026-02-13T15:59:59Z')), '2026-02-13');
  t.throws(() => addWorkingDays('2026-02-30', 1, cal), RangeError);
  t.throws(() => addWorkingDays('2026-02-10', -1, cal), RangeError);
  t.throws(() => addWorkingDays('2026-02-10', 1.5, cal), RangeError);
});

t.test('the shipped calendar follows the State Council notices', async (t) => {
  const holidays = (year: string) => BUILTIN_CALENDAR_DAYS.filter((d) => d.kind === 'holiday' && d.date.startsWith(year));
  const workdays = (year: string) => BUILTIN_CALENDAR_DAYS.filter((d) => d.kind === 'workday' && d.date.startsWith(year));
  // 2025: 元旦1 + 春节8 + 清明3 + 劳动5 + 端午3 + 国庆中秋8; 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7.
  t.equal(holidays('2025').length, 28);
  t.equal(holidays('2026').length, 33);
  t.same(
    workdays('2025').map((d) => d.date),
    ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
  );
  t.same(
    workdays('2026').map((d) => d.date),
    ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  );
  for (const d of workdays('')) t.ok([0, 6].includes(dayOfWeek(d.date)), `调休 ${d.date} is a weekend day`);
  t.equal(new Set(BUILTIN_CALENDAR_DAYS.map((d) => d.date)).size, BUILTIN_CALENDAR_DAYS.length, 'no date twice');
  const byDate = new Map(BUILTIN_CALENDAR_DAYS.map((d) => [d.date, d]));
  t.equal(byDate.get('2026-02-17')?.name, '春节');
  t.equal(byDate.get('2025-10-08')?.name, '国庆节、中秋节');
  t.equal(byDate.get('2026-02-14')?.name, '春节调休上班');
});

t.test('isWorkingDay: weekends, holidays and adjusted working days (调休)', async (t) => {
  t.ok(isWorkingDay('2026-02-13', cal), 'Friday');
  t.ok(isWorkingDay('2026-02-14', cal), 'Saturday made a working day for 春节 2026');
  t.notOk(isWorkingDay('2026-02-16', cal), 'Monday in 春节');
  t.notOk(isWorkingDay('2026-02-23', cal), 'Monday, last day of 春节 2026');
  t.ok(isWorkingDay('2026-02-28', cal), 'Saturday made a working day');
  t.notOk(isWorkingDay('2026-03-07', cal), 'ordinary Saturday');
  t.ok(isWorkingDay('2026-01-04', cal), 'Sunday made a working day for 元旦 2026');
  t.notOk(isWorkingDay('2025-01-01', cal), '元旦 2025 (Wednesday)');
  t.ok(isWorkingDay('2025-01-26', cal), 'Sunday made a working day for 春节 2025');
  t.ok(isWorkingDay('2026-02-16', plain), 'without a calendar only weekends count');
  t.ok(isWorkingDay('2027-02-08', cal), 'beyond the shipped years: Monday–Friday');
});

t.test('addWorkingDays across 春节 2026 and its 调休 Saturdays', async (t) => {
  // Inspected Thu 2026-02-12: Fri 13 (1), Sat 14 调休 (2), 15–23 春节, Tue 24 (3) … Fri 27 (6), Sat 28 调休 (7), Mon 3/2 (8).
  t.equal(addWorkingDays('2026-02-12', 0, cal), '2026-02-12');
  t.equal(addWorkingDays('2026-02-12', 1, cal), '2026-02-13');
  t.equal(addWorkingDays('2026-02-12', 2, cal), '2026-02-14');
  t.equal(addWorkingDays('2026-02-12', 3, cal), '2026-02-24');
  t.equal(addWorkingDays('2026-02-12', 7, cal), '2026-02-28');
  t.equal(addWorkingDays('2026-02-12', 8, cal), '2026-03-02');
  // The default 20 working days from Tue 2026-02-10: 4 before the holiday (incl. Sat 14), 2/24–2/28 (5), then March.
  t.equal(addWorkingDays('2026-02-10', 20, cal), '2026-03-16');
  t.equal(addWorkingDays('2026-02-10', 20, plain), '2026-03-10', 'the holiday moves the deadline by 4 working days');
  // Inspected during the holiday (a weekend check): counting starts after it.
  t.equal(addWorkingDays('2026-02-17', 1, cal), '2026-02-24');
});

t.test('addWorkingDays across 国庆 and 元旦 2025/2026', async (t) => {
  // Fri 2025-09-26: Sun 28 调休 (1), 29 (2), 30 (3), 10/1–10/8 holiday, Thu 9 (4), Fri 10 (5), Sat 11 调休 (6), Mon 13 (7).
  t.equal(addWorkingDays('2025-09-26', 1, cal), '2025-09-28');
  t.equal(addWorkingDays('2025-09-26', 4, cal), '2025-10-09');
  t.equal(addWorkingDays('2025-09-26', 6, cal), '2025-10-11');
  t.equal(addWorkingDays('2025-09-26', 7, cal), '2025-10-13');
  t.equal(addWorkingDays('2024-12-31', 1, cal), '2025-01-02', '元旦 2025 is one day');
  // Wed 2025-12-31: 1/1–1/3 元旦 2026, Sun 1/4 调休 (1), Mon 1/5 (2).
  t.equal(addWorkingDays('2025-12-31', 1, cal), '2026-01-04');
  t.equal(addWorkingDays('2025-12-31', 2, cal), '2026-01-05');
});

t.test('workingDaysBetween', async (t) => {
  t.equal(workingDaysBetween('2026-02-12', '2026-02-28', cal), 7);
  t.equal(workingDaysBetween('2026-02-28', '2026-02-12', cal), -7);
  t.equal(workingDaysBetween('2026-02-12', '2026-02-12', cal), 0);
  t.equal(workingDaysBetween('2026-02-14', '2026-02-23', cal), 0, 'all holiday');
});

t.test('latestStartWithin', async (t) => {
  // Deadline ≤ 2026-02-24 with n = 3 ⇔ inspected on or before 2026-02-12.
  t.equal(latestStartWithin('2026-02-24', 3, cal), '2026-02-12');
  t.equal(latestStartWithin('2026-02-23', 3, cal), '2026-02-11', 'a holiday limit counts back to the last working day');
  t.equal(latestStartWithin('2026-02-23', 0, cal), '2026-02-23');
});

t.test('properties over 2025–2026', async (t) => {
  const date = fc.integer({ min: 0, max: 729 }).map((i) => addDays('2025-01-01', i));
  const n = fc.integer({ min: 0, max: 40 });
  fc.assert(
    fc.property(date, n, (d, k) => {
      const deadline = addWorkingDays(d, k, cal);
      return workingDaysBetween(d, deadline, cal) === k && (k === 0 || isWorkingDay(deadline, cal));
    }),
  );
  fc.assert(
    fc.property(date, date, n, (d, limit, k) => addWorkingDays(d, k, cal) <= limit === d <= latestStartWithin(limit, k, cal)),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(date, date, n, (a, b, k) => a > b || addWorkingDays(a, k, cal) <= addWorkingDays(b, k, cal)),
    { numRuns: 500 },
  );
  // workingDaysBetween counts by weeks and exceptions; a plain day-by-day count must agree.
  const naive = (from: string, to: string) => {
    const [lo, hi, sign] = from <= to ? [from, to, 1] : [to, from, -1];
    let count = 0;
    for (let d = addDays(lo, 1); d <= hi; d = addDays(d, 1)) if (isWorkingDay(d, cal)) count++;
    return sign * count;
  };
  fc.assert(
    fc.property(date, date, (a, b) => workingDaysBetween(a, b, cal) === naive(a, b)),
    { numRuns: 300 },
  );
  t.pass('properties hold');
});

t.test('the China-time year: its start at 00:00 UTC+8 on 1 January', async (t) => {
  t.equal(chinaYear(new Date('2026-12-31T15:59:59.999Z')), 2026, 'still 2026 in China');
  t.equal(chinaYear(new Date('2026-12-31T16:00:00.000Z')), 2027, 'midnight in China');
  t.equal(chinaYearStart(new Date('2026-12-31T16:00:00.000Z')).toISOString(), '2026-12-31T16:00:00.000Z');
  t.equal(chinaYearStart(new Date('2026-06-01T00:00:00.000Z')).toISOString(), '2025-12-31T16:00:00.000Z');
});
