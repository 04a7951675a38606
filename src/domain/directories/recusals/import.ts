/** Recusal import (回避): `inspectorId,entityId,reason` — pairs that must never meet; upserted by the pair. */
import { duplicateCheck, referenceCheck, upsertSql, type ImportKind } from '../import/pipeline.ts';
import { ID_RE, textProblem } from '../import/values.ts';

const COLUMNS = [
  { name: 'inspectorId', required: true },
  { name: 'entityId', required: true },
  { name: 'reason', required: true },
] as const;
const [INSPECTOR, ENTITY, REASON] = COLUMNS.map((_, k) => k);

export const recusalImport: ImportKind = {
  name: 'recusals',
  noun: 'recusals',
  columns: COLUMNS,
  staging: [
    { name: 'inspector_id', type: 'text' },
    { name: 'entity_id', type: 'text' },
    { name: 'reason', type: 'text' },
  ],
  validate(f, _ctx, report) {
    if (!ID_RE.test(f[INSPECTOR]!)) report('inspectorId', `unknown inspector ${f[INSPECTOR]}`);
    if (!ID_RE.test(f[ENTITY]!)) report('entityId', `unknown entity ${f[ENTITY]}`);
    const reason = textProblem(f[REASON]!, 500);
    if (reason) report('reason', `reason ${reason}`);
    return [f[INSPECTOR]!, f[ENTITY]!, f[REASON]!];
  },
  checks: () => [
    duplicateCheck(recusalImport, ['inspector_id', 'entity_id'], `format('the pair %s / %s', s.inspector_id, s.entity_id)`, 'entityId'),
    referenceCheck(recusalImport, 'inspector_id', 'inspectors', 'id', 'inspector', 'inspectorId'),
    referenceCheck(recusalImport, 'entity_id', 'entities', 'id', 'entity', 'entityId'),
  ],
  merge: (presence) =>
    upsertSql(recusalImport, presence, {
      table: 'recusals',
      key: ['inspector_id', 'entity_id'],
      columns: [{ column: 'inspector_id' }, { column: 'entity_id' }, { column: 'reason' }],
    }),
};
