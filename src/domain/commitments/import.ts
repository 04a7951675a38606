/**
 * Commitment import (信用承诺): `source,reference,entityId,kind,madeOn,checkBy` — upserted by (source, reference),
 * the commitment's id in the system it comes from; an outcome already set stays.
 */
import { isIsoDate } from '../../core/calendar.ts';
import { COMMITMENT_KINDS } from '../../core/result-codes.ts';
import { duplicateCheck, referenceCheck, upsertSql, type ImportKind } from '../directories/import/pipeline.ts';
import { ID_RE, textProblem } from '../directories/import/values.ts';

const COLUMNS = [
  { name: 'source', required: true },
  { name: 'reference', required: true },
  { name: 'entityId', required: true },
  { name: 'kind', required: true },
  { name: 'madeOn', required: true },
  { name: 'checkBy', required: true },
] as const;
const [SOURCE, REFERENCE, ENTITY, KIND, MADE, CHECK_BY] = COLUMNS.map((_, k) => k);
const KINDS = new Set<string>(COMMITMENT_KINDS.map((k) => k.code));

export const commitmentImport: ImportKind = {
  name: 'commitments',
  noun: 'commitments',
  columns: COLUMNS,
  staging: [
    { name: 'source', type: 'text' },
    { name: 'reference', type: 'text' },
    { name: 'entity_id', type: 'text' },
    { name: 'kind', type: 'text' },
    { name: 'made_on', type: 'date' },
    { name: 'check_by', type: 'date' },
  ],
  validate(f, _ctx, report) {
    const source = textProblem(f[SOURCE]!, 64);
    if (source) report('source', `source ${source}`);
    const reference = textProblem(f[REFERENCE]!, 128);
    if (reference) report('reference', `reference ${reference}`);
    if (!ID_RE.test(f[ENTITY]!)) report('entityId', `unknown entity ${f[ENTITY]}`);
    if (!KINDS.has(f[KIND]!)) report('kind', `unknown kind ${f[KIND]}: one of ${[...KINDS].join(', ')}`);
    const made = f[MADE]!;
    const checkBy = f[CHECK_BY]!;
    if (!isIsoDate(made)) report('madeOn', `${made} is not a date (YYYY-MM-DD)`);
    if (!isIsoDate(checkBy)) report('checkBy', `${checkBy} is not a date (YYYY-MM-DD)`);
    else if (isIsoDate(made) && checkBy < made) report('checkBy', `checkBy ${checkBy} is before madeOn ${made}`);
    return [f[SOURCE]!, f[REFERENCE]!, f[ENTITY]!, f[KIND]!, made, checkBy];
  },
  checks: () => [
    duplicateCheck(commitmentImport, ['source', 'reference'], `format('the commitment %s / %s', s.source, s.reference)`, 'reference'),
    referenceCheck(commitmentImport, 'entity_id', 'entities', 'id', 'entity', 'entityId'),
  ],
  merge: (presence) =>
    upsertSql(commitmentImport, presence, {
      table: 'commitments',
      key: ['source', 'reference'],
      columns: [
        { column: 'source' },
        { column: 'reference' },
        { column: 'entity_id' },
        { column: 'kind' },
        { column: 'made_on' },
        { column: 'check_by' },
      ],
      touch: 'updated_at = now()',
    }),
};
