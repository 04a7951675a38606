/** SQL on inspectors (执法检查人员名录库). */
import { and, asc, count, eq, ilike, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../db/client.ts';
import { departments, inspectors, items } from '../../../db/schema.ts';
import { likeEscape } from '../../../db/sql.ts';
import type { InspectorChanges, InspectorFilter } from '../../../schemas/directories.ts';
import type { QualificationContext } from './qualifications.ts';

export type InspectorRow = typeof inspectors.$inferSelect;

export function createInspectorRepository(db: Executor) {
  const where = (f: InspectorFilter): SQL | undefined =>
    and(
      f.department ? eq(inspectors.departmentCode, f.department) : undefined,
      f.active === undefined ? undefined : eq(inspectors.active, f.active),
      f.q ? or(ilike(inspectors.id, `${likeEscape(f.q)}%`), ilike(inspectors.name, `%${likeEscape(f.q)}%`)) : undefined,
    );
  return {
    async list(filter: InspectorFilter, limit: number, offset: number) {
      const w = where(filter);
      const rows = await db.select().from(inspectors).where(w).orderBy(asc(inspectors.id)).limit(limit).offset(offset);
      const [{ total }] = await db.select({ total: count() }).from(inspectors).where(w);
      return { rows, total };
    },
    get: async (id: string) => (await db.select().from(inspectors).where(eq(inspectors.id, id)))[0] ?? null,
    async exists(id: string): Promise<boolean> {
      const [found] = await db.select({ id: inspectors.id }).from(inspectors).where(eq(inspectors.id, id));
      return Boolean(found);
    },
    /** Every department, and the department of every item. */
    async qualificationContext(): Promise<QualificationContext> {
      const depts = await db.select({ code: departments.code }).from(departments);
      const itemRows = await db.select({ code: items.code, departmentCode: items.departmentCode }).from(items);
      return { departments: new Set(depts.map((d) => d.code)), items: new Map(itemRows.map((i) => [i.code, i.departmentCode])) };
    },
    async update(id: string, changes: InspectorChanges) {
      const [row] = await db
        .update(inspectors)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(inspectors.id, id))
        .returning();
      return row ?? null;
    },
  };
}
