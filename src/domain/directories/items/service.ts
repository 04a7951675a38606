/** Inspection items: an item belongs to a known department and is graded in a known scheme. */
import type { Database } from '../../../db/client.ts';
import type { ItemFilter, ItemInput } from '../../../schemas/directories.ts';
import { unprocessable } from '../../errors.ts';
import { createDepartmentRepository } from '../departments/repository.ts';
import { createGradeSchemeRepository } from '../grade-schemes/repository.ts';
import { createItemRepository } from './repository.ts';

export function createItemService(database: Database) {
  const db = database.db;
  const repo = createItemRepository(db);
  const departments = createDepartmentRepository(db);
  const schemes = createGradeSchemeRepository(db);
  return {
    list: (filter: ItemFilter, limit: number, offset: number) => repo.list(filter, limit, offset),
    get: (code: string) => repo.get(code),
    /** Upsert; `created` tells a new item from an update. */
    async put(code: string, input: ItemInput) {
      if (!(await departments.exists(input.departmentCode))) {
        throw unprocessable(`unknown department ${input.departmentCode}`, [{ field: 'departmentCode', message: 'no such department' }]);
      }
      if (!(await schemes.exists(input.gradeScheme))) {
        throw unprocessable(`unknown grade scheme ${input.gradeScheme}`, [{ field: 'gradeScheme', message: 'no such grade scheme' }]);
      }
      return repo.put(code, {
        name: input.name,
        departmentCode: input.departmentCode,
        gradeScheme: input.gradeScheme,
        targetType: input.targetType ?? null,
        legalBasis: input.legalBasis ?? null,
        active: input.active ?? true,
        kind: input.kind ?? 'general',
      });
    },
  };
}
