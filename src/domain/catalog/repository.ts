/**
 * Result codes (检查结果) and follow-up actions (后续处置) per department: the built-in lists of
 * src/core/result-codes.ts, seeded at start, which a department can extend with its own codes.
 */
import { asc, eq, isNull, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { departments, followUpActions, resultCodes } from '../../db/schema.ts';
import { BUILTIN_FOLLOW_UP_ACTIONS, BUILTIN_RESULT_CODES } from '../../core/result-codes.ts';

export type ResultCodeRow = typeof resultCodes.$inferSelect;
export type FollowUpActionRow = typeof followUpActions.$inferSelect;

export interface ResultCodeValues {
  label: string;
  departmentCode: string | null;
  active: boolean;
  sortOrder: number;
}

export interface FollowUpActionValues extends ResultCodeValues {
  requiresDeadline: boolean;
}

export function createCatalogRepository(db: Executor) {
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
        .where(departmentCode ? or(isNull(followUpActions.departmentCode), eq(followUpActions.departmentCode, departmentCode)) : undefined)
        .orderBy(asc(followUpActions.sortOrder), asc(followUpActions.code)),
    getCode: async (code: string): Promise<ResultCodeRow | null> =>
      (await db.select().from(resultCodes).where(eq(resultCodes.code, code)))[0] ?? null,
    getAction: async (code: string): Promise<FollowUpActionRow | null> =>
      (await db.select().from(followUpActions).where(eq(followUpActions.code, code)))[0] ?? null,
    async departmentExists(code: string): Promise<boolean> {
      const [dept] = await db.select({ code: departments.code }).from(departments).where(eq(departments.code, code));
      return dept !== undefined;
    },
    /** Inserts or updates a department's code; `row` is undefined when the code is built in (never updated). */
    async putCode(code: string, input: ResultCodeValues) {
      const [existing] = await db.select({ code: resultCodes.code }).from(resultCodes).where(eq(resultCodes.code, code));
      const [row] = await db
        .insert(resultCodes)
        .values({ code, ...input })
        .onConflictDoUpdate({ target: resultCodes.code, set: { ...input, updatedAt: new Date() }, setWhere: eq(resultCodes.builtin, false) })
        .returning();
      return { row: row as ResultCodeRow | undefined, created: !existing };
    },
    /** Like putCode, for follow-up actions. */
    async putAction(code: string, input: FollowUpActionValues) {
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
      return { row: row as FollowUpActionRow | undefined, created: !existing };
    },
  };
}
