/** The working-day calendar rows (法定节假日 and 调休): the exceptions to Monday–Friday. */
import { and, asc, eq, gte, lte } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { calendarDays } from '../../db/schema.ts';
import { BUILTIN_CALENDAR_DAYS, calendarOf, type Calendar, type CalendarDayKind } from '../../core/calendar.ts';

export type CalendarDayRow = typeof calendarDays.$inferSelect;

export function createCalendarRepository(db: Executor) {
  return {
    /** Shipped days are inserted when missing; an admin's edits of them are kept. */
    async seedBuiltins() {
      await db
        .insert(calendarDays)
        .values(BUILTIN_CALENDAR_DAYS.map((d) => ({ date: d.date, kind: d.kind, name: d.name, builtin: true })))
        .onConflictDoNothing();
    },
    /** The whole calendar (a few dozen rows a year), for deadline arithmetic. */
    async load(): Promise<Calendar> {
      const rows = await db.select({ date: calendarDays.date, kind: calendarDays.kind }).from(calendarDays);
      return calendarOf(rows.map((r) => ({ date: r.date, kind: r.kind as CalendarDayKind })));
    },
    list: (from: string, to: string) =>
      db
        .select()
        .from(calendarDays)
        .where(and(gte(calendarDays.date, from), lte(calendarDays.date, to)))
        .orderBy(asc(calendarDays.date)),
    async get(date: string): Promise<CalendarDayRow | null> {
      return (await db.select().from(calendarDays).where(eq(calendarDays.date, date)))[0] ?? null;
    },
    async put(date: string, input: { kind: CalendarDayKind; name: string }, by: string) {
      const [existing] = await db.select({ date: calendarDays.date }).from(calendarDays).where(eq(calendarDays.date, date));
      const [row] = await db
        .insert(calendarDays)
        .values({ date, ...input, updatedBy: by })
        .onConflictDoUpdate({ target: calendarDays.date, set: { ...input, updatedBy: by, updatedAt: new Date() } })
        .returning();
      return { row, created: !existing };
    },
    async remove(date: string): Promise<CalendarDayRow | null> {
      return (await db.delete(calendarDays).where(eq(calendarDays.date, date)).returning())[0] ?? null;
    },
  };
}
