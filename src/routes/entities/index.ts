import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { chongqingRegionName } from '../../core/regions.ts';
import { entityImport } from '../../domain/directories/entities/import.ts';
import type { EntityRow } from '../../domain/directories/entities/repository.ts';
import { createEntityService } from '../../domain/directories/entities/service.ts';
import { chinaTime } from '../../domain/directories/import/values.ts';
import { ID_PATTERN, CODE_PATTERN, PagingFields, bearer, errorResponses, page } from '../../schemas/common.ts';
import { ENTITY_STATUSES, EntityFilterQuery, EntityPatchBody } from '../../schemas/directories.ts';
import { registerImportRoute } from '../import-route.ts';

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
  tags: Type.Array(Type.String(), { description: 'supervision tags (监管标签)' }),
  licences: Type.Array(Type.String(), { description: 'licence kinds held (e.g. 食品经营许可证), without numbers' }),
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

const entityJson = (r: EntityRow) => ({
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
  licences: r.licences,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export default async function entityRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const entityService = createEntityService(app.database);
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
        querystring: Type.Object({ ...PagingFields, ...EntityFilterQuery.properties }, { additionalProperties: false }),
        response: { 200: page(Entity), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit, offset, ...filter } = request.query;
      const { rows, total } = await entityService.list(filter, limit, offset);
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
    async (request) => {
      const { entity, grades } = await entityService.getWithGrades(request.params.id);
      return { ...entityJson(entity), grades: grades.map((g) => ({ ...g, evaluatedAt: chinaTime(g.evaluatedAt) })) };
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
        querystring: Type.Object({ ...PagingFields, scheme: Type.Optional(Type.String({ pattern: CODE_PATTERN })) }, { additionalProperties: false }),
        response: { 200: page(Evaluation), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { limit, offset, scheme } = request.query;
      const { rows, total } = await entityService.history(request.params.id, scheme, limit, offset);
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
        body: EntityPatchBody,
        response: { 200: Entity, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => entityJson(await entityService.update(request.params.id, request.body)),
  );
}
