import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { registerImportRoute } from '../../lib/import/route.ts';
import { textProblem } from '../../lib/import/values.ts';
import { CODE_PATTERN, ID_PATTERN, Paging, bearer, errorResponses, page } from '../../schemas/common.ts';
import { checkQualifications, inspectorImport, type QualificationContext } from './import.ts';
import { departments, items } from '../../db/schema.ts';
import { createInspectorRepository, type InspectorRow } from './repository.ts';

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

export const inspectorJson = (r: InspectorRow) => ({
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
  const database = app.database;
  const repo = createInspectorRepository(database.db);
  const params = Type.Object({ id: Type.String({ pattern: ID_PATTERN }) });
  const readers = app.requireRole('planner', 'auditor', 'inspector');
  const qualificationContext = async (): Promise<QualificationContext> => {
    const db = database.db;
    const depts = await db.select({ code: departments.code }).from(departments);
    const itemRows = await db.select({ code: items.code, departmentCode: items.departmentCode }).from(items);
    return { departments: new Set(depts.map((d) => d.code)), items: new Map(itemRows.map((i) => [i.code, i.departmentCode])) };
  };

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
        querystring: Type.Intersect([
          Paging,
          Type.Object({
            department: Type.Optional(Type.String({ pattern: CODE_PATTERN })),
            active: Type.Optional(Type.Boolean()),
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'id prefix, or part of the name' })),
          }),
        ]),
        response: { 200: page(Inspector), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit, offset, ...filter } = request.query;
      const { rows, total } = await repo.list(filter, limit, offset);
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
      const row = await repo.get(request.params.id);
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
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            departmentCode: Type.Optional(Type.String({ pattern: CODE_PATTERN })),
            certificateNo: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            qualifications: Type.Optional(
              Type.Array(Type.String({ pattern: CODE_PATTERN }), { maxItems: 1000, description: 'item codes; [] = every item of the department' }),
            ),
            active: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Inspector, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const body = request.body;
      const current = await repo.get(id);
      if (!current) return reply.notFound(`no inspector ${id}`);
      const problems: { field: string; message: string }[] = [];
      for (const field of ['name', 'certificateNo'] as const) {
        const p = body[field] === undefined ? null : textProblem(body[field], 100);
        if (p) problems.push({ field, message: `${field} ${p}` });
      }
      const department = body.departmentCode ?? current.departmentCode;
      const ctx = await qualificationContext();
      if (!ctx.departments.has(department)) problems.push({ field: 'departmentCode', message: `unknown department ${department}` });
      let qualifications = body.qualifications;
      if (qualifications === undefined && department !== current.departmentCode && current.qualifications.length > 0) {
        // The kept qualifications would name items of the old department.
        problems.push({ field: 'qualifications', message: 'give the qualifications for the new department' });
      }
      if (qualifications !== undefined && ctx.departments.has(department)) {
        const checked = checkQualifications(qualifications, department, ctx);
        if (checked.ok) qualifications = checked.codes;
        else problems.push(...checked.messages.map((message) => ({ field: 'qualifications', message })));
      }
      if (problems.length) return reply.unprocessable('invalid inspector fields', problems);
      const row = await repo.update(id, { ...body, qualifications });
      return row ? inspectorJson(row) : reply.notFound(`no inspector ${id}`);
    },
  );
}
