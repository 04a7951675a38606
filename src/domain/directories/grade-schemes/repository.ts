/** SQL on grade_schemes (分级分类 schemes), and which of a scheme's grades current evaluations use. */
import { and, asc, eq, notInArray, sql } from 'drizzle-orm';
import type { Executor } from '../../../db/client.ts';
import { currentGrades, gradeSchemes } from '../../../db/schema.ts';
import { BUILTIN_GRADE_SCHEMES, type GradeScheme } from '../../../core/grade-schemes.ts';

export type GradeSchemeRow = typeof gradeSchemes.$inferSelect;

function toRow(s: GradeScheme) {
  return {
    code: s.code,
    name: s.name,
    source: s.source ?? null,
    // Both frequency members always stored (null = no rule), so every reader sees the same shape.
    grades: s.grades.map((g) => ({
      code: g.code,
      label: g.label,
      multiplierPct: g.multiplierPct,
      mode: g.mode,
      maxPerYear: g.maxPerYear ?? null,
      minIntervalDays: g.minIntervalDays ?? null,
    })),
    defaultGrade: s.defaultGrade,
    public: s.public,
  };
}

export function createGradeSchemeRepository(db: Executor) {
  return {
    list: () => db.select().from(gradeSchemes).orderBy(asc(gradeSchemes.code)),
    get: async (code: string) => (await db.select().from(gradeSchemes).where(eq(gradeSchemes.code, code)))[0] ?? null,
    async exists(code: string): Promise<boolean> {
      const [found] = await db.select({ code: gradeSchemes.code }).from(gradeSchemes).where(eq(gradeSchemes.code, code));
      return Boolean(found);
    },
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
    async put(scheme: GradeScheme) {
      const [existing] = await db.select({ code: gradeSchemes.code }).from(gradeSchemes).where(eq(gradeSchemes.code, scheme.code));
      const values = toRow(scheme);
      const [row] = await db
        .insert(gradeSchemes)
        .values(values)
        .onConflictDoUpdate({ target: gradeSchemes.code, set: { ...values, updatedAt: new Date() } })
        .returning();
      return { row, created: !existing };
    },
  };
}
