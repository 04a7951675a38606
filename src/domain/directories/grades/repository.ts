/** SQL over current grades (current_grades, kept by the grade import). */
import { sql } from 'drizzle-orm';
import { execRows, type Executor } from '../../../db/client.ts';

export function createGradeRepository(db: Executor) {
  return {
    /** Active entities per current grade in `scheme`; grade null counts those with no evaluation in it. */
    activeEntitiesByGrade: (scheme: string) =>
      execRows<{ grade: string | null; entities: number | string }>(
        db,
        sql`SELECT c.grade, count(*) AS entities FROM entities e
           LEFT JOIN current_grades c ON c.entity_id = e.id AND c.scheme = ${scheme}
           WHERE e.status = 'active' GROUP BY c.grade`,
      ),
  };
}
