/**
 * Entity directory import (检查对象名录库): `id,name,type,region,industry` plus optional
 * `address,status,tags,idType,licences`; entities are upserted by id. `tags` (supervision tags) and `licences`
 * (licence kinds, e.g. 食品经营许可证 — no numbers) are `;`-separated in CSV, arrays of strings in NDJSON.
 */
import { ENTITY_STATUSES } from '../../../schemas/directories.ts';
import { duplicateCheck, upsertSql, type ImportKind } from '../import/pipeline.ts';
import { splitList, textProblem } from '../import/values.ts';
import { ID_TYPE_RE, checkLabels, entityIdProblem, regionProblem, textArrayLiteral } from './rules.ts';

const STATUSES: ReadonlySet<string> = new Set(ENTITY_STATUSES);

const COLUMNS = [
  { name: 'id', required: true },
  { name: 'name', required: true },
  { name: 'type', required: true },
  { name: 'region', required: true },
  { name: 'industry', required: true },
  { name: 'address', required: false },
  { name: 'status', required: false },
  { name: 'tags', required: false },
  { name: 'idType', required: false },
  { name: 'licences', required: false },
] as const;
const [ID, NAME, TYPE, REGION, INDUSTRY, ADDRESS, STATUS, TAGS, ID_TYPE, LICENCES] = COLUMNS.map((_, k) => k);

const TEXT_LIMITS = [
  [NAME, 'name', 200],
  [TYPE, 'type', 64],
  [INDUSTRY, 'industry', 100],
  [ADDRESS, 'address', 500],
] as const;

/** A `;`-separated cell (an NDJSON array arrives joined the same way) as a checked array literal; blank = none. */
function labels(value: string | undefined, column: string, report: (column: string, message: string) => void): string {
  const checked = checkLabels(value ? splitList(value) : [], column);
  if (checked.ok) return textArrayLiteral(checked.values);
  report(column, checked.message);
  return '{}';
}

export const entityImport: ImportKind = {
  name: 'entities',
  noun: 'entities',
  columns: COLUMNS,
  staging: [
    { name: 'id', type: 'text' },
    { name: 'id_type', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'type', type: 'text' },
    { name: 'region', type: 'text' },
    { name: 'industry', type: 'text' },
    { name: 'address', type: 'text' },
    { name: 'status', type: 'text' },
    { name: 'tags', type: 'text[]' },
    { name: 'licences', type: 'text[]' },
  ],
  validate(f, _ctx, report) {
    const id = f[ID]!;
    const given = f[ID_TYPE] ? f[ID_TYPE] : null;
    let idType = 'uscc';
    if (given !== null) {
      if (!ID_TYPE_RE.test(given)) report('idType', 'idType must be a short code such as uscc, regNo or license');
      else idType = given.toLowerCase() === 'uscc' ? 'uscc' : given;
    }
    const idProblem = entityIdProblem(id, idType, given !== null);
    if (idProblem) report('id', idProblem);
    for (const [k, column, max] of TEXT_LIMITS) {
      const v = f[k];
      const problem = v ? textProblem(v, max) : null;
      if (problem) report(column, `${column} ${problem}`);
    }
    const region = regionProblem(f[REGION]!);
    if (region) report('region', region);
    const status = f[STATUS] ? f[STATUS].toLowerCase() : 'active';
    if (!STATUSES.has(status)) report('status', `unknown status "${f[STATUS]}"; use one of ${ENTITY_STATUSES.join(', ')}`);
    const tags = labels(f[TAGS], 'tags', report);
    const licences = labels(f[LICENCES], 'licences', report);
    return [id, idType, f[NAME]!, f[TYPE]!, f[REGION]!, f[INDUSTRY]!, f[ADDRESS] || null, status, tags, licences];
  },
  checks: () => [duplicateCheck(entityImport, ['id'], `'id ' || s.id`, 'id')],
  merge: (presence) =>
    upsertSql(entityImport, presence, {
      table: 'entities',
      key: ['id'],
      columns: [
        { column: 'id' },
        { column: 'id_type' },
        { column: 'name' },
        { column: 'type' },
        { column: 'region' },
        { column: 'industry' },
        { column: 'address', optional: { source: 'address', insertDefault: 'NULL' } },
        { column: 'status', optional: { source: 'status', insertDefault: `'active'` } },
        { column: 'tags', optional: { source: 'tags', insertDefault: `'{}'::text[]` } },
        { column: 'licences', optional: { source: 'licences', insertDefault: `'{}'::text[]` } },
      ],
      touch: 'updated_at = now()',
    }),
};
