import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ErrorResponse } from '../schemas/common.ts';

/** The OpenAPI 3.1 document is generated from the route schemas; `openapi/openapi.json` is its committed copy. */
export default fp(
  async function openapi(app: FastifyInstance) {
    app.addSchema(ErrorResponse);
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Suicha 随查 API',
          description:
            'Provably fair 双随机、一公开 inspections: directories (检查对象名录库, 执法检查人员名录库, 抽查事项清单), ' +
            'sampling plans, committed and replayable draws (draw-v1), results and public disclosure.',
          version: '1.0.0',
        },
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
        },
      },
      refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'openapi' },
);
