import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { pingDatabase } from '../../db/client.ts';

export default async function healthRoutes(app: FastifyInstance) {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness and database check',
        response: {
          200: Type.Object({ status: Type.Literal('ok') }),
          503: Type.Object({ status: Type.Literal('unavailable') }),
        },
      },
    },
    async (request, reply) => {
      try {
        await pingDatabase(app.database);
        return { status: 'ok' as const };
      } catch (err) {
        request.log.warn({ err }, 'health check: database did not answer');
        return reply.code(503).send({ status: 'unavailable' as const });
      }
    },
  );
}
