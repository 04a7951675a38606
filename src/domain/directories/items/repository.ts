/** SQL on items (抽查事项清单). */
import { and, asc, count, eq } from 'drizzle-orm';
import type { Executor } from '../../../db/client.ts';
import { items } from '../../../db/schema.ts';
import type { ItemFilter } from '../../../schemas/directories.ts';

export type ItemRow = typeof items.$inferSelect;

export function createItemRepository(db: Executor) {
  return {
    async list(filter: ItemFilter, limit: number, offset: number) {
      const where = and(
        filter.department ? eq(items.departmentCode, filter.department) : undefined,
        filter.active === undefined ? undefined : eq(items.active, filter.active),
      );
      const rows = await db.select().from(items).where(where).orderBy(asc(items.code)).limit(limit).offset(offset);
      const [{ total }] = await db.select({ total: count() }).from(items).where(where);
      return { rows, total };
    },
    get: async (code: string) => (await db.select().from(items).where(eq(items.code, code)))[0] ?? null,
    /** Upsert; `created` tells a new item from an update. */
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
