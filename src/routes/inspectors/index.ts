import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { inspectorImport } from '../../domain/directories/inspectors/import.ts';
import type { InspectorRow } from '../../domain/directories/inspectors/repository.ts';
import { createInspectorService } from '../../domain/directories/inspectors/service.ts';
import { ID_PATTERN, PagingFields, bearer, errorResponses, page } from '../../schemas/common.ts';
import { InspectorFilterQuery, InspectorPatchBody } from '../../schemas/directories.ts';
import { registerImportRoute } from '../import-route.ts';

const Inspector = Type.Object({
  id: Type.String({ description: 'the inspector id used in draws (e.g. the 执法证 number)' }),
  name: Type.String(),
  departmentCode: Type.String(),
  certificateNo: Type.String({ description: '执法证号' }),
  qualifications: Type.Array(Type.String(), { description: 'item codes; empty = every item of the department' }),
  active: Type.Boolean({ description: 'only active inspectors are drawn' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const inspectorJson = (r: InspectorRow) => ({
  id: r.id,
  name: r.name,
  departmentCode: r.departmentCode,
  certificateNo: r.certificateNo,
  qualifications: r.qualifications,
  active: r.active,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export default async function inspectorRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const inspectorService = createInspectorService(app.database);
  const params = Type.Object({ id: Type.String({ pattern: ID_PATTERN }) });
  const readers = app.requireRole('planner', 'auditor', 'inspector');

  await registerImportRoute(app, {
    url: '/inspectors/import',
    kind: inspectorImport,
    summary: 'Import inspectors (执法检查人员名录库) from CSV or NDJSON',
    description:
      'Inspectors are upserted by id. `department` is a department code; `qualifications` are item codes of that ' +
      'department separated by `;` (empty = every item of the department); `active` is true/false (default true). ' +
      'Columns left out keep their stored values. Answer: `imported` new inspectors, `updated` existing ones.',
  });

  app.get(
    '/inspectors',
    {
      preHandler: readers,
      schema: {
        tags: ['directories'],
        summary: 'List inspectors (执法检查人员)',
        security: bearer,
        querystring: Type.Object({ ...PagingFields, ...InspectorFilterQuery.properties }, { additionalProperties: false }),
        response: { 200: page(Inspector), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit, offset, ...filter } = request.query;
      const { rows, total } = await inspectorService.list(filter, limit, offset);
      return { items: rows.map(inspectorJson), total, limit, offset };
    },
  );

  app.get(
    '/inspectors/:id',
    {
      preHandler: readers,
      schema: {
        tags: ['directories'],
        summary: 'Get an inspector',
        security: bearer,
        params,
        response: { 200: Inspector, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const row = await inspectorService.get(request.params.id);
      return row ? inspectorJson(row) : reply.notFound(`no inspector ${request.params.id}`);
    },
  );

  app.patch(
    '/inspectors/:id',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['directories'],
        summary: 'Change an inspector (e.g. deactivate, or change qualifications)',
        security: bearer,
        params,
        body: InspectorPatchBody,
        response: { 200: Inspector, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => inspectorJson(await inspectorService.update(request.params.id, request.body)),
  );
}
