/**
 * The working-day calendar (法定节假日 and 调休) behind disclosure deadlines. Shipped years come from
 * src/core/calendar.ts; an admin enters later years' notices and local changes day by day.
 */
import { and, asc, eq, gte, lte } from 'drizzle-orm';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db, Executor } from '../../db/client.ts';
import { calendarDays } from '../../db/schema.ts';
import { BUILTIN_CALENDAR_DAYS, BUILTIN_CALENDAR_YEARS, calendarOf, chinaDate, isIsoDate, type Calendar, type CalendarDayKind } from '../../core/calendar.ts';
import { bearer, errorResponses } from '../../schemas/common.ts';

export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

const CalendarDayJson = Type.Object({
  date: Type.String({ format: 'date' }),
  kind: Type.Union([Type.Literal('holiday'), Type.Literal('workday')], {
    description: 'holiday: a public holiday (法定节假日, no work even on a weekday); workday: a weekend day worked (调休上班)',
  }),
  name: Type.String(),
  builtin: Type.Boolean({ description: 'shipped from the State Council notices (years 2025–2026)' }),
});

type Row = typeof calendarDays.$inferSelect;
const toJson = (r: Row) => ({ date: r.date, kind: r.kind as CalendarDayKind, name: r.name, builtin: r.builtin });

export function createCalendarRepository(db: Db) {
  return {
    /** Shipped days are inserted when missing; an admin's edits of them are kept. */
    async seedBuiltins() {
      await db
        .insert(calendarDays)
        .values(BUILTIN_CALENDAR_DAYS.map((d) => ({ date: d.date, kind: d.kind, name: d.name, builtin: true })))
        .onConflictDoNothing();
    },
    /** The whole calendar (a few dozen rows a year), for deadline arithmetic. */
    async load(q: Executor = db): Promise<Calendar> {
      const rows = await q.select({ date: calendarDays.date, kind: calendarDays.kind }).from(calendarDays);
      return calendarOf(rows.map((r) => ({ date: r.date, kind: r.kind as CalendarDayKind })));
    },
    list: (from: string, to: string) =>
      db
        .select()
        .from(calendarDays)
        .where(and(gte(calendarDays.date, from), lte(calendarDays.date, to)))
        .orderBy(asc(calendarDays.date)),
    async put(date: string, input: { kind: CalendarDayKind; name: string }, by: string) {
      const [existing] = await db.select({ date: calendarDays.date }).from(calendarDays).where(eq(calendarDays.date, date));
      const [row] = await db
        .insert(calendarDays)
        .values({ date, ...input, updatedBy: by })
        .onConflictDoUpdate({ target: calendarDays.date, set: { ...input, updatedBy: by, updatedAt: new Date() } })
        .returning();
      return { row, created: !existing };
    },
    async remove(date: string) {
      return (await db.delete(calendarDays).where(eq(calendarDays.date, date)).returning())[0] ?? null;
    },
  };
}

export type CalendarRepository = ReturnType<typeof createCalendarRepository>;

export async function calendarRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const repo = createCalendarRepository(app.database.db);
  const params = Type.Object({ date: Type.String({ pattern: DATE_PATTERN, description: 'YYYY-MM-DD' }) });

  app.get(
    '/calendar',
    {
      preHandler: app.requireRole('planner', 'auditor', 'inspector'),
      schema: {
        tags: ['results'],
        summary: 'List the calendar exceptions (法定节假日 and 调休上班) of a year; other days follow Monday–Friday',
        security: bearer,
        querystring: Type.Object({ year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: 'default: this year' })) }),
        response: {
          200: Type.Object({
            year: Type.Integer(),
            shipped: Type.Boolean({ description: 'whether the year’s State Council notice ships with the service' }),
            items: Type.Array(CalendarDayJson),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const year = request.query.year ?? Number(chinaDate(new Date()).slice(0, 4));
      const rows = await repo.list(`${year}-01-01`, `${year}-12-31`);
      return { year, shipped: BUILTIN_CALENDAR_YEARS.includes(year), items: rows.map(toJson) };
    },
  );

  app.put(
    '/calendar/:date',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        tags: ['results'],
        summary: 'Set a day as a public holiday or an adjusted working day (调休上班); admin only',
        security: bearer,
        params,
        body: Type.Object(
          {
            kind: Type.Union([Type.Literal('holiday'), Type.Literal('workday')]),
            name: Type.String({ minLength: 1, maxLength: 100, description: 'e.g. 春节, 春节调休上班' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: CalendarDayJson, 201: CalendarDayJson, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const { date } = request.params;
      if (!isIsoDate(date)) reply.unprocessable(`${date} is not a date`, [{ field: 'date', message: 'no such calendar date' }]);
      const { row, created } = await repo.put(date, request.body, request.principal!.tokenId);
      return reply.code(created ? 201 : 200).send(toJson(row));
    },
  );

  app.delete(
    '/calendar/:date',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        tags: ['results'],
        summary: 'Remove an entered day (the day follows Monday–Friday again); shipped days can only be changed with PUT',
        security: bearer,
        params,
        response: { 200: CalendarDayJson, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { date } = request.params;
      const [row] = await app.database.db.select().from(calendarDays).where(eq(calendarDays.date, isIsoDate(date) ? date : '1970-01-01'));
      if (!row) return reply.notFound(`no calendar entry for ${date}`);
      // A shipped day would come back at the next start; refusing says so instead of surprising later.
      if (row.builtin) reply.conflict(`${date} comes from the State Council notice shipped with the service; change it with PUT instead`);
      return toJson((await repo.remove(date))!);
    },
  );
}
