/** Reading one entity with its grades, and changing an entity by hand (PATCH). */
import type { Database } from '../../../db/client.ts';
import type { EntityChanges, EntityFilter } from '../../../schemas/directories.ts';
import { notFound, unprocessable, type ErrorDetail } from '../../errors.ts';
import { textProblem } from '../import/values.ts';
import { createEntityRepository } from './repository.ts';
import { checkLabels, regionProblem } from './rules.ts';

/** Problems with hand-made changes (tags and licences come back trimmed, repeats dropped); the import checks the same values. */
function changeProblems(changes: EntityChanges): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (changes.region !== undefined) {
    const p = regionProblem(changes.region);
    if (p) problems.push({ field: 'region', message: p });
  }
  for (const field of ['name', 'type', 'industry', 'address'] as const) {
    const v = changes[field];
    const p = typeof v === 'string' ? textProblem(v, 500) : null;
    if (p) problems.push({ field, message: `${field} ${p}` });
  }
  for (const field of ['tags', 'licences'] as const) {
    const v = changes[field];
    if (v === undefined) continue;
    const checked = checkLabels(v, field);
    if (checked.ok) changes[field] = checked.values;
    else problems.push({ field, message: checked.message });
  }
  return problems;
}

export function createEntityService(database: Database) {
  const repo = createEntityRepository(database.db);

  async function existing(id: string) {
    const row = await repo.get(id);
    if (!row) throw notFound(`no entity ${id}`);
    return row;
  }

  return {
    list: (filter: EntityFilter, limit: number, offset: number) => repo.list(filter, limit, offset),

    /** The entity and its current grade in each scheme that has evaluated it, with the grade's label. */
    async getWithGrades(id: string) {
      const entity = await existing(id);
      const grades = (await repo.currentGrades(entity.id)).map((g) => ({
        scheme: g.scheme,
        schemeName: g.schemeName,
        public: g.schemePublic,
        grade: g.grade,
        gradeLabel: g.schemeGrades.find((x) => x.code === g.grade)?.label ?? null,
        evaluatedAt: g.evaluatedAt,
      }));
      return { entity, grades };
    },

    /** Evaluation history of an existing entity, newest first per scheme. */
    async history(id: string, scheme: string | undefined, limit: number, offset: number) {
      await existing(id);
      return repo.history(id, scheme, limit, offset);
    },

    async update(id: string, changes: EntityChanges) {
      const problems = changeProblems(changes);
      if (problems.length) throw unprocessable('invalid entity fields', problems);
      const row = await repo.update(id, changes);
      if (!row) throw notFound(`no entity ${id}`);
      return row;
    },
  };
}
