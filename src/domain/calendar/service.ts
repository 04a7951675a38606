/**
 * The working-day calendar (法定节假日 and 调休) behind disclosure deadlines. Shipped years come from
 * src/core/calendar.ts; an admin enters later years' notices and local changes day by day.
 */
import type { Database } from '../../db/client.ts';
import { BUILTIN_CALENDAR_YEARS, chinaDate, isIsoDate, type CalendarDayKind } from '../../core/calendar.ts';
import type { CalendarDayInput, CalendarDayJson, CalendarYear } from '../../schemas/results.ts';
import { conflict, notFound, unprocessable } from '../errors.ts';
import { createCalendarRepository, type CalendarDayRow } from './repository.ts';

const dayJson = (r: CalendarDayRow): CalendarDayJson => ({ date: r.date, kind: r.kind as CalendarDayKind, name: r.name, builtin: r.builtin });

export function createCalendarService(database: Database) {
  const repo = createCalendarRepository(database.db);
  return {
    /** A year's exceptions; this year (in China) by default. */
    async year(year = Number(chinaDate(new Date()).slice(0, 4))): Promise<CalendarYear> {
      const rows = await repo.list(`${year}-01-01`, `${year}-12-31`);
      return { year, shipped: BUILTIN_CALENDAR_YEARS.includes(year), items: rows.map(dayJson) };
    },

    async put(date: string, input: CalendarDayInput, by: string): Promise<{ created: boolean; day: CalendarDayJson }> {
      if (!isIsoDate(date)) throw unprocessable(`${date} is not a date`, [{ field: 'date', message: 'no such calendar date' }]);
      const { row, created } = await repo.put(date, input, by);
      return { created, day: dayJson(row) };
    },

    async remove(date: string): Promise<CalendarDayJson> {
      // A well-formed but impossible date (2025-02-30) would be a SQL error: look up a day that is never entered.
      const row = await repo.get(isIsoDate(date) ? date : '1970-01-01');
      if (!row) throw notFound(`no calendar entry for ${date}`);
      // A shipped day would come back at the next start; refusing says so instead of surprising later.
      if (row.builtin) throw conflict(`${date} comes from the State Council notice shipped with the service; change it with PUT instead`);
      return dayJson((await repo.remove(date))!);
    },
  };
}
