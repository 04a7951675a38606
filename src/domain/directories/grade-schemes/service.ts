/** Creating or replacing a grade scheme: the core's checks, and no grade in use may disappear. */
import type { Database } from '../../../db/client.ts';
import { validateGradeScheme, type GradeScheme } from '../../../core/grade-schemes.ts';
import type { GradeSchemeInput } from '../../../schemas/directories.ts';
import { conflict, unprocessable } from '../../errors.ts';
import { createGradeSchemeRepository } from './repository.ts';

export function createGradeSchemeService(database: Database) {
  const repo = createGradeSchemeRepository(database.db);
  return {
    list: () => repo.list(),
    get: (code: string) => repo.get(code),
    /** `created` tells a new scheme from a replaced one. */
    async put(code: string, input: GradeSchemeInput) {
      const scheme: GradeScheme = { ...input, code, source: input.source ?? null };
      const problems = validateGradeScheme(scheme);
      if (problems.length)
        throw unprocessable(
          'invalid grade scheme',
          problems.map((p) => ({ field: p.field, message: p.message })),
        );
      const dropped = await repo.gradesInUse(
        scheme.code,
        scheme.grades.map((g) => g.code),
      );
      if (dropped.length) {
        throw conflict(`grades ${dropped.join(', ')} are in use by current evaluations and cannot be removed`);
      }
      return repo.put(scheme);
    },
  };
}
