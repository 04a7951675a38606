/** Listing and extending the result codes and follow-up actions; seeding them (and the calendar) at start. */
import type { Database, Executor } from '../../db/client.ts';
import type { FollowUpActionInput, FollowUpActionJson, ResultCodeInput, ResultCodeJson } from '../../schemas/results.ts';
import { createCalendarRepository } from '../calendar/repository.ts';
import { conflict, unprocessable } from '../errors.ts';
import { createCatalogRepository, type FollowUpActionRow, type ResultCodeRow } from './repository.ts';

/** Seed the built-in result codes, follow-up actions and shipped calendar years (missing rows only). */
export async function seedResultData(db: Executor) {
  await createCatalogRepository(db).seedBuiltins();
  await createCalendarRepository(db).seedBuiltins();
}

const codeJson = (r: ResultCodeRow): ResultCodeJson => ({
  code: r.code,
  label: r.label,
  departmentCode: r.departmentCode,
  builtin: r.builtin,
  active: r.active,
  sortOrder: r.sortOrder,
});
const actionJson = (r: FollowUpActionRow): FollowUpActionJson => ({ ...codeJson(r), requiresDeadline: r.requiresDeadline });

export function createCatalogService(database: Database) {
  const repo = createCatalogRepository(database.db);

  async function checkDepartment(code: string | null | undefined) {
    if (!code) return;
    if (!(await repo.departmentExists(code))) {
      throw unprocessable(`unknown department ${code}`, [{ field: 'departmentCode', message: 'no such department' }]);
    }
  }

  return {
    listCodes: async (department?: string) => (await repo.listCodes(department)).map(codeJson),
    listActions: async (department?: string) => (await repo.listActions(department)).map(actionJson),

    /** Create or update a department's result code; built-in codes cannot be changed (409). */
    async putCode(code: string, b: ResultCodeInput): Promise<{ created: boolean; code: ResultCodeJson }> {
      await checkDepartment(b.departmentCode);
      const { row, created } = await repo.putCode(code, {
        label: b.label,
        departmentCode: b.departmentCode ?? null,
        active: b.active ?? true,
        sortOrder: b.sortOrder ?? 1000,
      });
      if (!row) throw conflict(`result code ${code} is built in (a standard category) and cannot be changed`);
      return { created, code: codeJson(row) };
    },

    /** Create or update a department's follow-up action; built-in actions cannot be changed (409). */
    async putAction(code: string, b: FollowUpActionInput): Promise<{ created: boolean; action: FollowUpActionJson }> {
      await checkDepartment(b.departmentCode);
      const { row, created } = await repo.putAction(code, {
        label: b.label,
        requiresDeadline: b.requiresDeadline ?? false,
        departmentCode: b.departmentCode ?? null,
        active: b.active ?? true,
        sortOrder: b.sortOrder ?? 1000,
      });
      if (!row) throw conflict(`follow-up action ${code} is built in and cannot be changed`);
      return { created, action: actionJson(row) };
    },
  };
}
