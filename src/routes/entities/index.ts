import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { chongqingRegionName } from '../../core/regions.ts';
import { registerImportRoute } from '../../lib/import/route.ts';
import { chinaTime, textProblem } from '../../lib/import/values.ts';
import { ID_PATTERN, CODE_PATTERN, Paging, bearer, errorResponses, page } from '../../schemas/common.ts';
import { ENTITY_STATUSES, entityImport, regionProblem } from './import.ts';
import { createEntityRepository, type EntityRow } from './repository.ts';

const Status = Type.Union(
  ENTITY_STATUSES.map((s) => Type.Literal(s)),
  { description: 'only active entities enter a draw; inactive, suspended (停业), revoked (吊销), closed (注销) do not' },
);
const nullableString = () => Type.Union([Type.String(), Type.Null()]);

const Entity = Type.Object({
  id: Type.String({ description: '统一社会信用代码, or another id (see idType)' }),
  idType: Type.String({ description: 'uscc, or the kind of another id (e.g. regNo)' }),
  name: Type.String(),
  type: Type.String(),
  region: Type.String({ description: '行政区划代码 (GB/T 2260)' }),
  regionName: Type.Union([Type.String(), Type.Null()], { description: 'district or county name, for 重庆 codes' }),
  industry: Type.String(),
  address: nullableString(),
  status: Type.String(),
  tags: nullableString(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const CurrentGrade = Type.Object({
  scheme: Type.String(),
  schemeName: Type.String(),
  public: Type.Boolean({ description: 'whether grades of this scheme may be shown publicly' }),
  grade: Type.String(),
  gradeLabel: nullableString(),
  evaluatedAt: Type.String({ format: 'date-time', description: 'China Standard Time (+08:00)' }),
});

const EntityDetail = Type.Object({
  ...Entity.properties,
  grades: Type.Array(CurrentGrade, { description: 'the current grade in each scheme that has evaluated the entity' }),
});

const Evaluation = Type.Object({
  scheme: Type.String(),
  grade: Type.String(),
  evaluatedAt: Type.String({ format: 'date-time' }),
  importedAt: Type.String({ format: 'date-time' }),
  current: Type.Boolean({ description: 'this evaluation is the entity’s current grade in the scheme' }),
});

export const entityJson = (r: EntityRow) => ({
  id: r.id,
  idType: r.idType,
  name: r.name,
  type: r.type,
  region: r.region,
  regionName: chongqingRegionName(r.region) ?? null,
  industry: r.industry,
  address: r.address,
  status: r.status,
  tags: r.tags,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export default async function entityRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const repo = createEntityRepository(app.database.db);
  const params = Type.Object({ id: Type.String({ pattern: ID_PATTERN }) });

  await registerImportRoute(app, {
    url: '/entities/import',
    kind: entityImport,
    summary: 'Import entities (检查对象名录库) from CSV or NDJSON',
    description:
      'Entities are upserted by id. An id of 18 characters must be a valid 统一社会信用代码 (GB 32100-2015 check ' +
      'character) unless idType is given and is not `uscc`; other ids (registration numbers, licence numbers) need ' +
      'an idType such as `regNo` and must match `[0-9A-Za-z._-]{1,64}`. `region` is a 6-digit 行政区划代码. `status`: ' +
      `${ENTITY_STATUSES.join(', ')} (empty = active); only active entities are drawn. Columns left out of the file ` +
      '(or keys left out of an NDJSON line) keep their stored values. Answer: `imported` new entities, `updated` existing ones.',
  });

  app.get(
    '/entities',
    {
      preHandler: app.requireRole('planner', 'auditor', 'inspector'),
      schema: {
        tags: ['directories'],
        summary: 'List entities (检查对象)',
        security: bearer,
        querystring: Type.Intersect([
          Paging,
          Type.Object({
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'id prefix, or part of the name' })),
            region: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
            type: Type.Optional(Type.String({ maxLength: 64 })),
            industry: Type.Optional(Type.String({ maxLength: 100 })),
            status: Type.Optional(Status),
          }),
        ]),
        response: { 200: page(Entity), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit, offset, ...filter } = request.query;
      const { rows, total } = await repo.list(filter, limit, offset);
      return { items: rows.map(entityJson), total, limit, offset };
    },
  );

  app.get(
    '/entities/:id',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['directories'],
        summary: 'Get an entity with its current grade in each scheme',
        security: bearer,
        params,
        response: { 200: EntityDetail, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const row = await repo.get(request.params.id);
      if (!row) return reply.notFound(`no entity ${request.params.id}`);
      const grades = (await repo.currentGrades(row.id)).map((g) => ({
        scheme: g.scheme,
        schemeName: g.schemeName,
        public: g.schemePublic,
        grade: g.grade,
        gradeLabel: g.schemeGrades.find((x) => x.code === g.grade)?.label ?? null,
        evaluatedAt: chinaTime(g.evaluatedAt),
      }));
      return { ...entityJson(row), grades };
    },
  );

  app.get(
    '/entities/:id/grades',
    {
      preHandler: app.requireRole('planner', 'auditor'),
      schema: {
        tags: ['directories'],
        summary: 'Grade evaluation history of an entity (newest first per scheme)',
        security: bearer,
        params,
        querystring: Type.Intersect([Paging, Type.Object({ scheme: Type.Optional(Type.String({ pattern: CODE_PATTERN })) })]),
        response: { 200: page(Evaluation), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await repo.get(id))) return reply.notFound(`no entity ${id}`);
      const { limit, offset, scheme } = request.query;
      const { rows, total } = await repo.history(id, scheme, limit, offset);
      const items = rows.map((r) => ({
        scheme: r.scheme,
        grade: r.grade,
        evaluatedAt: chinaTime(r.evaluatedAt),
        importedAt: r.importedAt.toISOString(),
        current: r.current,
      }));
      return { items, total, limit, offset };
    },
  );

  app.patch(
    '/entities/:id',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['directories'],
        summary: 'Change an entity (e.g. deactivate it: status inactive / closed)',
        security: bearer,
        params,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            region: Type.Optional(Type.String({ description: '行政区划代码' })),
            industry: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            // null first: with type coercion on, a string-first union would turn null into ""
            address: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 500 })])),
            status: Type.Optional(Status),
            tags: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 500 })])),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Entity, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const problems: { field: string; message: string }[] = [];
      if (body.region !== undefined) {
        const p = regionProblem(body.region);
        if (p) problems.push({ field: 'region', message: p });
      }
      for (const field of ['name', 'type', 'industry', 'address', 'tags'] as const) {
        const v = body[field];
        const p = typeof v === 'string' ? textProblem(v, 500) : null;
        if (p) problems.push({ field, message: `${field} ${p}` });
      }
      if (problems.length) reply.unprocessable('invalid entity fields', problems);
      const row = await repo.update(request.params.id, body);
      return row ? entityJson(row) : reply.notFound(`no entity ${request.params.id}`);
    },
  );
}
