/** How the active entities spread over the grades of a scheme: the strata a plan would draw from. */
import type { Database } from '../../../db/client.ts';
import { notFound } from '../../errors.ts';
import { createGradeSchemeRepository } from '../grade-schemes/repository.ts';
import { createGradeRepository } from './repository.ts';

export function createGradeService(database: Database) {
  return {
    summary: (scheme: string) =>
      database.db.transaction(async (tx) => {
        const s = await createGradeSchemeRepository(tx).get(scheme);
        if (!s) throw notFound(`no grade scheme ${scheme}`);
        const counts = await createGradeRepository(tx).activeEntitiesByGrade(scheme);
        const evaluated = new Map(counts.filter((c) => c.grade !== null).map((c) => [c.grade!, Number(c.entities)]));
        // Entities with no evaluation in the scheme have its default grade.
        const ungraded = Number(counts.find((c) => c.grade === null)?.entities ?? 0);
        const grades = s.grades.map((g) => {
          const n = evaluated.get(g.code) ?? 0;
          return { grade: g.code, label: g.label, evaluated: n, entities: n + (g.code === s.defaultGrade ? ungraded : 0) };
        });
        const activeEntities = counts.reduce((sum, c) => sum + Number(c.entities), 0);
        return { scheme, defaultGrade: s.defaultGrade, activeEntities, grades };
      }),
  };
}
