import { and, asc, eq, notInArray, sql } from 'drizzle-orm';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client.ts';
import { currentGrades, gradeSchemes } from '../../db/schema.ts';
import { BUILTIN_GRADE_SCHEMES, validateGradeScheme, type GradeScheme as CoreScheme } from '../../core/grade-schemes.ts';
import { CODE_PATTERN, bearer, errorResponses } from '../../schemas/common.ts';

const Grade = Type.Object({
  code: Type.String({ pattern: '^[0-9A-Za-z_-]{1,16}$' }),
  label: Type.String({ minLength: 1, maxLength: 100 }),
  multiplierPct: Type.Integer({ minimum: 0, maximum: 10000, description: 'ratio multiplier in percent: 50 = half the base ratio' }),
  mode: Type.Union([Type.Literal('onsite'), Type.Literal('written')]),
});

export const GradeSchemeBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    source: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    grades: Type.Array(Grade, { minItems: 1, maxItems: 50, description: 'ordered from best to worst' }),
    defaultGrade: Type.String({ description: 'the grade of an entity with no evaluation in this scheme' }),
    public: Type.Boolean({ description: 'whether grades in this scheme may be shown publicly' }),
  },
  { additionalProperties: false },
);

const GradeScheme = Type.Object({
  code: Type.String(),
  name: Type.String(),
  source: Type.Union([Type.String(), Type.Null()]),
  grades: Type.Array(Grade),
  defaultGrade: Type.String(),
  public: Type.Boolean(),
  builtin: Type.Boolean(),
});

type Row = typeof gradeSchemes.$inferSelect;
const toJson = (r: Row) => ({
  code: r.code,
  name: r.name,
  source: r.source,
  grades: r.grades,
  defaultGrade: r.defaultGrade,
  public: r.public,
  builtin: r.builtin,
});

export function createGradeSchemeRepository(db: Db) {
  return {
    list: () => db.select().from(gradeSchemes).orderBy(asc(gradeSchemes.code)),
    get: async (code: string) => (await db.select().from(gradeSchemes).where(eq(gradeSchemes.code, code)))[0] ?? null,
    /** Built-in schemes are inserted when missing; an admin's later edits are kept. */
    async seedBuiltins() {
      for (const s of BUILTIN_GRADE_SCHEMES) {
        await db
          .insert(gradeSchemes)
          .values({ ...toRow(s), builtin: true })
          .onConflictDoNothing();
      }
    },
    /** Grade codes of `scheme` that current evaluations use but `keep` would drop. */
    async gradesInUse(scheme: string, keep: string[]) {
      const rows = await db
        .selectDistinct({ grade: currentGrades.grade })
        .from(currentGrades)
        .where(and(eq(currentGrades.scheme, scheme), keep.length ? notInArray(currentGrades.grade, keep) : sql`true`));
      return rows.map((r) => r.grade);
    },
    async put(code: string, s: Omit<CoreScheme, 'code'>) {
      const [existing] = await db.select({ code: gradeSchemes.code }).from(gradeSchemes).where(eq(gradeSchemes.code, code));
      const values = toRow({ ...s, code });
      const [row] = await db
        .insert(gradeSchemes)
        .values(values)
        .onConflictDoUpdate({ target: gradeSchemes.code, set: { ...values, updatedAt: new Date() } })
        .returning();
      return { row, created: !existing };
    },
  };
}

function toRow(s: CoreScheme) {
  return {
    code: s.code,
    name: s.name,
    source: s.source ?? null,
    grades: s.grades.map((g) => ({ code: g.code, label: g.label, multiplierPct: g.multiplierPct, mode: g.mode })),
    defaultGrade: s.defaultGrade,
    public: s.public,
  };
}

export default async function gradeSchemeRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const repo = createGradeSchemeRepository(app.database.db);
  const params = Type.Object({ code: Type.String({ pattern: CODE_PATTERN }) });
  const readers = app.requireRole('planner', 'auditor', 'inspector');

  app.get(
    '/grade-schemes',
    {
      preHandler: readers,
      schema: {
        tags: ['directories'],
        summary: 'List grade schemes (built in: credit-4, credit-5, risk-4, public-4, env-4)',
        security: bearer,
        response: { 200: Type.Object({ items: Type.Array(GradeScheme) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: (await repo.list()).map(toJson) }),
  );

  app.get(
    '/grade-schemes/:code',
    {
      preHandler: readers,
      schema: { tags: ['directories'], summary: 'Get a grade scheme', security: bearer, params, response: { 200: GradeScheme, ...errorResponses(401, 403, 404) } },
    },
    async (request, reply) => {
      const row = await repo.get(request.params.code);
      return row ? toJson(row) : reply.notFound(`no grade scheme ${request.params.code}`);
    },
  );

  app.put(
    '/grade-schemes/:code',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        tags: ['directories'],
        summary: 'Create or replace a grade scheme (admin)',
        security: bearer,
        params,
        body: GradeSchemeBody,
        response: { 200: GradeScheme, 201: GradeScheme, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const scheme = { ...request.body, code: request.params.code, source: request.body.source ?? null };
      const problems = validateGradeScheme(scheme as CoreScheme);
      if (problems.length) reply.unprocessable('invalid grade scheme', problems.map((p) => ({ field: p.field, message: p.message })));
      const dropped = await repo.gradesInUse(scheme.code, scheme.grades.map((g) => g.code));
      if (dropped.length) {
        reply.conflict(`grades ${dropped.join(', ')} are in use by current evaluations and cannot be removed`);
      }
      const { row, created } = await repo.put(scheme.code, scheme as CoreScheme);
      return reply.code(created ? 201 : 200).send(toJson(row));
    },
  );
}
