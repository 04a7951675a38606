/**
 * Result codes (检查结果) and follow-up actions (后续处置): the built-in lists of src/core/result-codes.ts,
 * seeded at start, which a department can extend with its own codes.
 */
import { asc, eq, isNull, or } from 'drizzle-orm';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db, Executor } from '../../db/client.ts';
import { departments, followUpActions, resultCodes } from '../../db/schema.ts';
import { BUILTIN_FOLLOW_UP_ACTIONS, BUILTIN_RESULT_CODES } from '../../core/result-codes.ts';
import { CODE_PATTERN, bearer, errorResponses } from '../../schemas/common.ts';
import { unprocessable } from '../../domain/errors.ts';

export const ResultCode = Type.Object({
  code: Type.String(),
  label: Type.String(),
  departmentCode: Type.Union([Type.String(), Type.Null()], { description: 'null: usable by every department' }),
  builtin: Type.Boolean(),
  active: Type.Boolean(),
  sortOrder: Type.Integer(),
});

export const FollowUpAction = Type.Object({
  code: Type.String(),
  label: Type.String(),
  requiresDeadline: Type.Boolean({ description: 'a result with this follow-up must give followUpDeadline (责令改正: 限期改正)' }),
  departmentCode: Type.Union([Type.String(), Type.Null()]),
  builtin: Type.Boolean(),
  active: Type.Boolean(),
  sortOrder: Type.Integer(),
});

type CodeRow = typeof resultCodes.$inferSelect;
type ActionRow = typeof followUpActions.$inferSelect;
const codeJson = (r: CodeRow) => ({
  code: r.code,
  label: r.label,
  departmentCode: r.departmentCode,
  builtin: r.builtin,
  active: r.active,
  sortOrder: r.sortOrder,
});
const actionJson = (r: ActionRow) => ({ ...codeJson(r as unknown as CodeRow), requiresDeadline: r.requiresDeadline });

export function createCatalogRepository(db: Db) {
  return {
    /** Built-ins are inserted when missing, in list order; they are never edited through the API. */
    async seedBuiltins() {
      await db
        .insert(resultCodes)
        .values(BUILTIN_RESULT_CODES.map((c, i) => ({ code: c.code, label: c.label, builtin: true, sortOrder: (i + 1) * 10 })))
        .onConflictDoNothing();
      await db
        .insert(followUpActions)
        .values(
          BUILTIN_FOLLOW_UP_ACTIONS.map((a, i) => ({
            code: a.code,
            label: a.label,
            requiresDeadline: a.requiresDeadline,
            builtin: true,
            sortOrder: (i + 1) * 10,
          })),
        )
        .onConflictDoNothing();
    },
    listCodes: (departmentCode?: string) =>
      db
        .select()
        .from(resultCodes)
        .where(departmentCode ? or(isNull(resultCodes.departmentCode), eq(resultCodes.departmentCode, departmentCode)) : undefined)
        .orderBy(asc(resultCodes.sortOrder), asc(resultCodes.code)),
    listActions: (departmentCode?: string) =>
      db
        .select()
        .from(followUpActions)
        .where(
          departmentCode ? or(isNull(followUpActions.departmentCode), eq(followUpActions.departmentCode, departmentCode)) : undefined,
        )
        .orderBy(asc(followUpActions.sortOrder), asc(followUpActions.code)),
    getCode: async (q: Executor, code: string) => (await q.select().from(resultCodes).where(eq(resultCodes.code, code)))[0] ?? null,
    getAction: async (q: Executor, code: string) =>
      (await q.select().from(followUpActions).where(eq(followUpActions.code, code)))[0] ?? null,
    async putCode(code: string, input: { label: string; departmentCode: string | null; active: boolean; sortOrder: number }) {
      const [existing] = await db.select({ code: resultCodes.code }).from(resultCodes).where(eq(resultCodes.code, code));
      const [row] = await db
        .insert(resultCodes)
        .values({ code, ...input })
        .onConflictDoUpdate({ target: resultCodes.code, set: { ...input, updatedAt: new Date() }, setWhere: eq(resultCodes.builtin, false) })
        .returning();
      return { row, created: !existing };
    },
    async putAction(
      code: string,
      input: { label: string; requiresDeadline: boolean; departmentCode: string | null; active: boolean; sortOrder: number },
    ) {
      const [existing] = await db.select({ code: followUpActions.code }).from(followUpActions).where(eq(followUpActions.code, code));
      const [row] = await db
        .insert(followUpActions)
        .values({ code, ...input })
        .onConflictDoUpdate({
          target: followUpActions.code,
          set: { ...input, updatedAt: new Date() },
          setWhere: eq(followUpActions.builtin, false),
        })
        .returning();
      return { row, created: !existing };
    },
  };
}

export type CatalogRepository = ReturnType<typeof createCatalogRepository>;

/** Management routes: list and extend the lists (admin or planner). */
export async function catalogRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.database.db;
  const repo = createCatalogRepository(db);
  const params = Type.Object({ code: Type.String({ pattern: CODE_PATTERN }) });
  const readers = app.requireRole('planner', 'auditor', 'inspector');
  const listQuery = Type.Object({
    department: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'only codes usable by this department' })),
  });
  const common = {
    label: Type.String({ minLength: 1, maxLength: 200, description: 'Chinese label, as published' }),
    departmentCode: Type.Optional(
      Type.Union([Type.String({ pattern: CODE_PATTERN }), Type.Null()], { description: 'the department that may use it; omitted/null: every department' }),
    ),
    active: Type.Optional(Type.Boolean({ description: 'inactive codes stay on old results but cannot be chosen for new ones' })),
    sortOrder: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  };

  async function checkDepartment(code: string | null | undefined) {
    if (!code) return;
    const [dept] = await db.select({ code: departments.code }).from(departments).where(eq(departments.code, code));
    if (!dept) throw unprocessable(`unknown department ${code}`, [{ field: 'departmentCode', message: 'no such department' }]);
  }

  app.get(
    '/result-codes',
    {
      preHandler: readers,
      schema: {
        tags: ['results'],
        summary: 'List result codes (检查结果): the standard categories and departments’ own',
        security: bearer,
        querystring: listQuery,
        response: { 200: Type.Object({ items: Type.Array(ResultCode) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ items: (await repo.listCodes(request.query.department)).map(codeJson) }),
  );

  app.put(
    '/result-codes/:code',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['results'],
        summary: 'Create or update a department’s result code (built-in codes cannot be changed: 409)',
        security: bearer,
        params,
        body: Type.Object(common, { additionalProperties: false }),
        response: { 200: ResultCode, 201: ResultCode, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      await checkDepartment(b.departmentCode);
      const { row, created } = await repo.putCode(request.params.code, {
        label: b.label,
        departmentCode: b.departmentCode ?? null,
        active: b.active ?? true,
        sortOrder: b.sortOrder ?? 1000,
      });
      if (!row) reply.conflict(`result code ${request.params.code} is built in (a standard category) and cannot be changed`);
      return reply.code(created ? 201 : 200).send(codeJson(row));
    },
  );

  app.get(
    '/follow-up-actions',
    {
      preHandler: readers,
      schema: {
        tags: ['results'],
        summary: 'List follow-up actions (后续处置)',
        security: bearer,
        querystring: listQuery,
        response: { 200: Type.Object({ items: Type.Array(FollowUpAction) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ items: (await repo.listActions(request.query.department)).map(actionJson) }),
  );

  app.put(
    '/follow-up-actions/:code',
    {
      preHandler: app.requireRole('planner'),
      schema: {
        tags: ['results'],
        summary: 'Create or update a department’s follow-up action (built-in actions cannot be changed: 409)',
        security: bearer,
        params,
        body: Type.Object(
          { ...common, requiresDeadline: Type.Optional(Type.Boolean({ description: 'default false' })) },
          { additionalProperties: false },
        ),
        response: { 200: FollowUpAction, 201: FollowUpAction, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      await checkDepartment(b.departmentCode);
      const { row, created } = await repo.putAction(request.params.code, {
        label: b.label,
        requiresDeadline: b.requiresDeadline ?? false,
        departmentCode: b.departmentCode ?? null,
        active: b.active ?? true,
        sortOrder: b.sortOrder ?? 1000,
      });
      if (!row) reply.conflict(`follow-up action ${request.params.code} is built in and cannot be changed`);
      return reply.code(created ? 201 : 200).send(actionJson(row));
    },
  );
}
