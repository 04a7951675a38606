/** Changing an inspector by hand (PATCH): the same rules as the import, qualifications included. */
import type { Database } from '../../../db/client.ts';
import type { InspectorChanges, InspectorFilter } from '../../../schemas/directories.ts';
import { notFound, unprocessable, type ErrorDetail } from '../../errors.ts';
import { textProblem } from '../import/values.ts';
import { checkQualifications } from './qualifications.ts';
import { createInspectorRepository, type InspectorRow } from './repository.ts';

export function createInspectorService(database: Database) {
  const repo = createInspectorRepository(database.db);

  /** The changes with their qualifications sorted and de-duplicated, or the problems with them. */
  async function checkChanges(current: InspectorRow, changes: InspectorChanges) {
    const problems: ErrorDetail[] = [];
    for (const field of ['name', 'certificateNo'] as const) {
      const p = changes[field] === undefined ? null : textProblem(changes[field], 100);
      if (p) problems.push({ field, message: `${field} ${p}` });
    }
    const department = changes.departmentCode ?? current.departmentCode;
    const ctx = await repo.qualificationContext();
    if (!ctx.departments.has(department)) problems.push({ field: 'departmentCode', message: `unknown department ${department}` });
    let qualifications = changes.qualifications;
    if (qualifications === undefined && department !== current.departmentCode && current.qualifications.length > 0) {
      // The kept qualifications would name items of the old department.
      problems.push({ field: 'qualifications', message: 'give the qualifications for the new department' });
    }
    if (qualifications !== undefined && ctx.departments.has(department)) {
      const checked = checkQualifications(qualifications, department, ctx);
      if (checked.ok) qualifications = checked.codes;
      else problems.push(...checked.messages.map((message) => ({ field: 'qualifications', message })));
    }
    return { problems, changes: { ...changes, qualifications } };
  }

  return {
    list: (filter: InspectorFilter, limit: number, offset: number) => repo.list(filter, limit, offset),
    get: (id: string) => repo.get(id),
    async update(id: string, input: InspectorChanges) {
      const current = await repo.get(id);
      if (!current) throw notFound(`no inspector ${id}`);
      const { problems, changes } = await checkChanges(current, input);
      if (problems.length) throw unprocessable('invalid inspector fields', problems);
      const row = await repo.update(id, changes);
      if (!row) throw notFound(`no inspector ${id}`);
      return row;
    },
  };
}
