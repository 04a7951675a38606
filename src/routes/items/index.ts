import { and, asc, count, eq } from 'drizzle-orm';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.ts';
import { departments, gradeSchemes, items } from '../../db/schema.ts';
import { CODE_PATTERN, Paging, bearer, errorResponses, page } from '../../schemas/common.ts';

const Item = Type.Object({
  code: Type.String(),
  name: Type.String(),
  departmentCode: Type.String(),
  gradeScheme: Type.String(),
  targetType: Type.Union([Type.String(), Type.Null()]),
  legalBasis: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
});

type Row = typeof items.$inferSelect;
const toJson = (r: Row) => ({
  code: r.code,
  name: r.name,
  departmentCode: r.departmentCode,
  gradeScheme: r.gradeScheme,
  targetType: r.targetType,
  legalBasis: r.legalBasis,
  active: r.active,
});

export function createItemRepository(db: Db) {
  return {
    async list(filter: { departmentCode?: string; active?: boolean }, limit: number, offset: number) {
      const where = and(
        filter.departmentCode ? eq(items.departmentCode, filter.departmentCode) : undefined,
        filter.active === undefined ? undefined : eq(items.active, filter.active),
      );
      const rows = await db.select().from(items).where(where).orderBy(asc(items.code)).limit(limit).offset(offset);
      const [{ total }] = await db.select({ total: count() }).from(items).where(where);
      return { rows, total };
    },
    get: async (code: string) => (await db.select().from(items).where(eq(items.code, code)))[0] ?? null,
    async put(code: string, input: Omit<typeof items.$inferInsert, 'code'>) {
      const [existing] = await db.select({ code: items.code }).from(items).where(eq(items.code, code));
      const [row] = await db
        .insert(items)
        .values({ ...input, code })
        .onConflictDoUpdate({ target: items.code, set: { ...input, updatedAt: new Date() } })
        .returning();
      return { row, created: !existing };
    },
  };
}

export default async function itemRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.database.db;
  const repo = createItemRepository(db);
  const params = Type.Object({ code: Type.String({ pattern: CODE_PATTERN }) });
  const readers = app.requireRole('planner', 'auditor', 'inspector');

  app.put(
    '/items/:code',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['directories'],
        summary: 'Create or update an inspection item (抽查事项)',
        security: bearer,
        params,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 300 }),
            departmentCode: Type.String({ pattern: CODE_PATTERN }),
            gradeScheme: Type.String({ pattern: CODE_PATTERN }),
            targetType: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
            legalBasis: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
            active: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: Item, 201: Item, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const [dept] = await db.select({ code: departments.code }).from(departments).where(eq(departments.code, body.departmentCode));
      if (!dept) reply.unprocessable(`unknown department ${body.departmentCode}`, [{ field: 'departmentCode', message: 'no such department' }]);
      const [scheme] = await db.select({ code: gradeSchemes.code }).from(gradeSchemes).where(eq(gradeSchemes.code, body.gradeScheme));
      if (!scheme) reply.unprocessable(`unknown grade scheme ${body.gradeScheme}`, [{ field: 'gradeScheme', message: 'no such grade scheme' }]);
      const { row, created } = await repo.put(request.params.code, {
        name: body.name,
        departmentCode: body.departmentCode,
        gradeScheme: body.gradeScheme,
        targetType: body.targetType ?? null,
        legalBasis: body.legalBasis ?? null,
        active: body.active ?? true,
      });
      return reply.code(created ? 201 : 200).send(toJson(row));
    },
  );

  app.get(
    '/items',
    {
      preHandler: readers,
      schema: {
        tags: ['directories'],
        summary: 'List inspection items',
        security: bearer,
        querystring: Type.Intersect([
          Paging,
          Type.Object({ department: Type.Optional(Type.String()), active: Type.Optional(Type.Boolean()) }),
        ]),
        response: { 200: page(Item), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const { rows, total } = await repo.list({ departmentCode: q.department, active: q.active }, q.limit, q.offset);
      return { items: rows.map(toJson), total, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/items/:code',
    {
      preHandler: readers,
      schema: { tags: ['directories'], summary: 'Get an inspection item', security: bearer, params, response: { 200: Item, ...errorResponses(401, 403, 404) } },
    },
    async (request, reply) => {
      const row = await repo.get(request.params.code);
      return row ? toJson(row) : reply.notFound(`no item ${request.params.code}`);
    },
  );
}
