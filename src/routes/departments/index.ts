import { asc, eq } from 'drizzle-orm';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.ts';
import { departments } from '../../db/schema.ts';
import { CODE_PATTERN, bearer, errorResponses } from '../../schemas/common.ts';

const Department = Type.Object({
  code: Type.String(),
  name: Type.String(),
  active: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

type Row = typeof departments.$inferSelect;
const toJson = (r: Row) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() });

export function createDepartmentRepository(db: Db) {
  return {
    list: () => db.select().from(departments).orderBy(asc(departments.code)),
    get: async (code: string) => (await db.select().from(departments).where(eq(departments.code, code)))[0] ?? null,
    /** Upsert; `created` tells a new department from an update. */
    async put(code: string, input: { name: string; active?: boolean }) {
      const [existing] = await db.select({ code: departments.code }).from(departments).where(eq(departments.code, code));
      const [row] = await db
        .insert(departments)
        .values({ code, name: input.name, active: input.active ?? true })
        .onConflictDoUpdate({
          target: departments.code,
          set: { name: input.name, active: input.active ?? true, updatedAt: new Date() },
        })
        .returning();
      return { row, created: !existing };
    },
  };
}

export default async function departmentRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const repo = createDepartmentRepository(app.database.db);
  const params = Type.Object({ code: Type.String({ pattern: CODE_PATTERN }) });

  app.put(
    '/departments/:code',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['directories'],
        summary: 'Create or update a department (e.g. SCJG 市场监管局)',
        security: bearer,
        params,
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }), active: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: Department, 201: Department, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { row, created } = await repo.put(request.params.code, request.body);
      return reply.code(created ? 201 : 200).send(toJson(row));
    },
  );

  app.get(
    '/departments',
    {
      preHandler: app.requireRole('planner', 'auditor', 'inspector'),
      schema: {
        tags: ['directories'],
        summary: 'List departments',
        security: bearer,
        response: { 200: Type.Object({ items: Type.Array(Department) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: (await repo.list()).map(toJson) }),
  );

  app.get(
    '/departments/:code',
    {
      preHandler: app.requireRole('planner', 'auditor', 'inspector'),
      schema: {
        tags: ['directories'],
        summary: 'Get a department',
        security: bearer,
        params,
        response: { 200: Department, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const row = await repo.get(request.params.code);
      return row ? toJson(row) : reply.notFound(`no department ${request.params.code}`);
    },
  );
}
