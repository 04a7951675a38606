/** SQL on departments (实施部门). */
import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../../db/client.ts';
import { departments } from '../../../db/schema.ts';
import type { DepartmentInput } from '../../../schemas/directories.ts';

export type DepartmentRow = typeof departments.$inferSelect;

export function createDepartmentRepository(db: Executor) {
  async function exists(code: string): Promise<boolean> {
    const [found] = await db.select({ code: departments.code }).from(departments).where(eq(departments.code, code));
    return Boolean(found);
  }
  return {
    list: () => db.select().from(departments).orderBy(asc(departments.code)),
    get: async (code: string) => (await db.select().from(departments).where(eq(departments.code, code)))[0] ?? null,
    exists,
    /** Upsert; `created` tells a new department from an update. */
    async put(code: string, input: DepartmentInput) {
      const created = !(await exists(code));
      const [row] = await db
        .insert(departments)
        .values({ code, name: input.name, active: input.active ?? true })
        .onConflictDoUpdate({
          target: departments.code,
          set: { name: input.name, active: input.active ?? true, updatedAt: new Date() },
        })
        .returning();
      return { row, created };
    },
  };
}
