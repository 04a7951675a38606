/** The working-day calendar (法定节假日 and 调休) behind disclosure deadlines: read it; an admin edits it. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { bearer, errorResponses } from '../../schemas/common.ts';
import { CalendarDateParams, CalendarDayBody, CalendarDayJson, CalendarYear, CalendarYearQuery } from '../../schemas/results.ts';
import { createCalendarService } from '../../domain/calendar/service.ts';

export async function calendarRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const calendar = createCalendarService(app.database);

  app.get(
    '/calendar',
    {
      preHandler: app.requireRole('planner', 'auditor', 'inspector'),
      schema: {
        tags: ['results'],
        summary: 'List the calendar exceptions (法定节假日 and 调休上班) of a year; other days follow Monday–Friday',
        security: bearer,
        querystring: CalendarYearQuery,
        response: {
          200: CalendarYear,
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => calendar.year(request.query.year),
  );

  app.put(
    '/calendar/:date',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        tags: ['results'],
        summary: 'Set a day as a public holiday or an adjusted working day (调休上班); admin only',
        security: bearer,
        params: CalendarDateParams,
        body: CalendarDayBody,
        response: { 200: CalendarDayJson, 201: CalendarDayJson, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const { created, day } = await calendar.put(request.params.date, request.body, request.principal!.tokenId);
      return reply.code(created ? 201 : 200).send(day);
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
        params: CalendarDateParams,
        response: { 200: CalendarDayJson, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => calendar.remove(request.params.date),
  );
}
