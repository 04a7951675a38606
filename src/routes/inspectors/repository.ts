import { and, asc, count, eq, ilike, or, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { inspectors } from '../../db/schema.ts';
import { likeEscape } from '../entities/repository.ts';

export type InspectorRow = typeof inspectors.$inferSelect;

export interface InspectorFilter {
  department?: string;
  active?: boolean;
  q?: string;
}

export function createInspectorRepository(db: Db) {
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
    async update(
      id: string,
      changes: Partial<Pick<InspectorRow, 'name' | 'departmentCode' | 'certificateNo' | 'qualifications' | 'active'>>,
    ) {
      const [row] = await db
        .update(inspectors)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(inspectors.id, id))
        .returning();
      return row ?? null;
    },
  };
}
