/** SQL on recusals (回避): inspector–entity pairs that must never meet in a draw. */
import { and, asc, count, eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../db/client.ts';
import { entities, inspectors, recusals } from '../../../db/schema.ts';
import type { RecusalFilter } from '../../../schemas/directories.ts';

export type RecusalRow = typeof recusals.$inferSelect;

export function createRecusalRepository(db: Executor) {
  return {
    async list(filter: RecusalFilter, limit: number, offset: number) {
      const w: SQL | undefined = and(
        filter.inspectorId ? eq(recusals.inspectorId, filter.inspectorId) : undefined,
        filter.entityId ? eq(recusals.entityId, filter.entityId) : undefined,
      );
      const rows = await db.select().from(recusals).where(w).orderBy(asc(recusals.inspectorId), asc(recusals.entityId)).limit(limit).offset(offset);
      const [{ total }] = await db.select({ total: count() }).from(recusals).where(w);
      return { rows, total };
    },
    /** Which of the pair exist, so that an unknown one can be named. */
    async known(inspectorId: string, entityId: string) {
      const [inspector] = await db.select({ id: inspectors.id }).from(inspectors).where(eq(inspectors.id, inspectorId));
      const [entity] = await db.select({ id: entities.id }).from(entities).where(eq(entities.id, entityId));
      return { inspector: Boolean(inspector), entity: Boolean(entity) };
    },
    async put(inspectorId: string, entityId: string, reason: string) {
      const [row] = await db
        .insert(recusals)
        .values({ inspectorId, entityId, reason })
        .onConflictDoUpdate({ target: [recusals.inspectorId, recusals.entityId], set: { reason } })
        .returning({
          inspectorId: recusals.inspectorId,
          entityId: recusals.entityId,
          reason: recusals.reason,
          createdAt: recusals.createdAt,
          // xmax = 0 only for a row this statement inserted
          created: sql<boolean>`(xmax = 0)`,
        });
      return row;
    },
    async remove(inspectorId: string, entityId: string) {
      const rows = await db
        .delete(recusals)
        .where(and(eq(recusals.inspectorId, inspectorId), eq(recusals.entityId, entityId)))
        .returning();
      return rows[0] ?? null;
    },
  };
}
