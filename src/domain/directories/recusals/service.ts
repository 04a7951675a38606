/** Recording and removing one recusal by hand; the pair must exist and the reason be plain text. */
import type { Database } from '../../../db/client.ts';
import type { RecusalFilter } from '../../../schemas/directories.ts';
import { notFound, unprocessable, type ErrorDetail } from '../../errors.ts';
import { textProblem } from '../import/values.ts';
import { createRecusalRepository } from './repository.ts';

export function createRecusalService(database: Database) {
  const repo = createRecusalRepository(database.db);
  return {
    list: (filter: RecusalFilter, limit: number, offset: number) => repo.list(filter, limit, offset),

    /** Records the pair, or gives it the new reason; `created` tells which. */
    async put(inspectorId: string, entityId: string, reason: string) {
      const problems: ErrorDetail[] = [];
      const reasonProblem = textProblem(reason, 500);
      if (reasonProblem) problems.push({ field: 'reason', message: `reason ${reasonProblem}` });
      const known = await repo.known(inspectorId, entityId);
      if (!known.inspector) problems.push({ field: 'inspectorId', message: `unknown inspector ${inspectorId}` });
      if (!known.entity) problems.push({ field: 'entityId', message: `unknown entity ${entityId}` });
      if (problems.length) throw unprocessable('invalid recusal', problems);
      return repo.put(inspectorId, entityId, reason.trim());
    },

    async remove(inspectorId: string, entityId: string) {
      const row = await repo.remove(inspectorId, entityId);
      if (!row) throw notFound(`no recusal of inspector ${inspectorId} for entity ${entityId}`);
      return row;
    },
  };
}
