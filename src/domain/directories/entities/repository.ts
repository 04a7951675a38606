/** SQL on entities (检查对象名录库) and their grade evaluations. */
import { and, asc, count, desc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../db/client.ts';
import { currentGrades, entities, gradeEvaluations, gradeSchemes } from '../../../db/schema.ts';
import { likeEscape } from '../../../db/sql.ts';
import type { EntityChanges, EntityFilter } from '../../../schemas/directories.ts';

export type EntityRow = typeof entities.$inferSelect;

export function createEntityRepository(db: Executor) {
  const where = (f: EntityFilter): SQL | undefined =>
    and(
      f.q ? or(ilike(entities.id, `${likeEscape(f.q)}%`), ilike(entities.name, `%${likeEscape(f.q)}%`)) : undefined,
      f.region ? eq(entities.region, f.region) : undefined,
      f.type ? eq(entities.type, f.type) : undefined,
      f.industry ? eq(entities.industry, f.industry) : undefined,
      f.status ? eq(entities.status, f.status) : undefined,
    );
  return {
    async list(filter: EntityFilter, limit: number, offset: number) {
      const w = where(filter);
      const rows = await db.select().from(entities).where(w).orderBy(asc(entities.id)).limit(limit).offset(offset);
      const [{ total }] = await db.select({ total: count() }).from(entities).where(w);
      return { rows, total };
    },
    get: async (id: string) => (await db.select().from(entities).where(eq(entities.id, id)))[0] ?? null,
    /** Current grade per scheme, with what a reader needs to interpret it. */
    currentGrades: (id: string) =>
      db
        .select({
          scheme: currentGrades.scheme,
          schemeName: gradeSchemes.name,
          schemePublic: gradeSchemes.public,
          schemeGrades: gradeSchemes.grades,
          grade: currentGrades.grade,
          evaluatedAt: currentGrades.evaluatedAt,
        })
        .from(currentGrades)
        .innerJoin(gradeSchemes, eq(gradeSchemes.code, currentGrades.scheme))
        .where(eq(currentGrades.entityId, id))
        .orderBy(asc(currentGrades.scheme)),
    /** Evaluation history, newest first; `current` marks the evaluation that counts. */
    async history(id: string, scheme: string | undefined, limit: number, offset: number) {
      const w = and(eq(gradeEvaluations.entityId, id), scheme ? eq(gradeEvaluations.scheme, scheme) : undefined);
      const rows = await db
        .select({
          scheme: gradeEvaluations.scheme,
          grade: gradeEvaluations.grade,
          evaluatedAt: gradeEvaluations.evaluatedAt,
          importedAt: gradeEvaluations.importedAt,
          // Qualified by hand: drizzle renders a column in a select without its table name.
          current: sql<boolean>`exists (select 1 from current_grades c where c.entity_id = grade_evaluations.entity_id
            and c.scheme = grade_evaluations.scheme and c.evaluated_at = grade_evaluations.evaluated_at
            and c.grade = grade_evaluations.grade)`,
        })
        .from(gradeEvaluations)
        .where(w)
        .orderBy(asc(gradeEvaluations.scheme), desc(gradeEvaluations.evaluatedAt), desc(gradeEvaluations.id))
        .limit(limit)
        .offset(offset);
      const [{ total }] = await db.select({ total: count() }).from(gradeEvaluations).where(w);
      return { rows, total };
    },
    async update(id: string, changes: EntityChanges) {
      const [row] = await db
        .update(entities)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(entities.id, id))
        .returning();
      return row ?? null;
    },
  };
}
