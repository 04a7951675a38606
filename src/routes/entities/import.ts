/**
 * Entity directory import (检查对象名录库): `id,name,type,region,industry` plus optional
 * `address,status,tags,idType`; entities are upserted by id.
 */
import { usccCheckChar, validateUscc } from '../../core/uscc.ts';
import { duplicateCheck, upsertSql, type ImportKind } from '../../lib/import/pipeline.ts';
import { ID_RE, textProblem } from '../../lib/import/values.ts';

/** Entity statuses; only `active` entities enter a draw's pool. */
export const ENTITY_STATUSES = ['active', 'inactive', 'suspended', 'revoked', 'closed'] as const;
export type EntityStatus = (typeof ENTITY_STATUSES)[number];
const STATUSES: ReadonlySet<string> = new Set(ENTITY_STATUSES);

/** First two digits of GB/T 2260 codes: provinces, autonomous regions, municipalities, HK, Macao, Taiwan. */
const PROVINCES = new Set(
  '11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82'.split(' '),
);

/** A 6-digit administrative division code (行政区划代码, GB/T 2260) with a real province part. */
export function regionProblem(region: string): string | null {
  if (!/^[0-9]{6}$/.test(region)) return `"${region}" is not a 行政区划代码: 6 digits (GB/T 2260), e.g. 500112`;
  if (!PROVINCES.has(region.slice(0, 2))) return `"${region}" is not a 行政区划代码: no province ${region.slice(0, 2)} in GB/T 2260`;
  return null;
}

const USCC_SHAPE = /^[0-9A-HJ-NPQRTUW-Y]{18}$/;

export const ID_TYPE_RE = /^[A-Za-z][0-9A-Za-z_-]{0,31}$/;

/** The entity id checked against its type: a credit code must pass GB 32100; other ids the snapshot pattern. */
export function entityIdProblem(id: string, idType: string, idTypeGiven: boolean): string | null {
  if (idType === 'uscc') {
    // Fast path for the common case (a million rows are mostly valid codes); validateUscc explains failures.
    if (USCC_SHAPE.test(id) && usccCheckChar(id.slice(0, 17)) === id[17]) return null;
    const check = validateUscc(id);
    if (check.ok) return null;
    const hint = !idTypeGiven && id.length !== 18 ? '; for another kind of id (e.g. a registration number) give its idType' : '';
    return `not a valid 统一社会信用代码 (GB 32100-2015): ${check.message}${hint}`;
  }
  return ID_RE.test(id) ? null : 'an id must be 1–64 characters from 0-9 A-Z a-z . _ -';
}

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
] as const;
const [ID, NAME, TYPE, REGION, INDUSTRY, ADDRESS, STATUS, TAGS, ID_TYPE] = COLUMNS.map((_, k) => k);

const TEXT_LIMITS = [
  [NAME, 'name', 200],
  [TYPE, 'type', 64],
  [INDUSTRY, 'industry', 100],
  [ADDRESS, 'address', 500],
  [TAGS, 'tags', 500],
] as const;

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
    { name: 'tags', type: 'text' },
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
    return [id, idType, f[NAME]!, f[TYPE]!, f[REGION]!, f[INDUSTRY]!, f[ADDRESS] || null, status, f[TAGS] || null];
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
        { column: 'tags', optional: { source: 'tags', insertDefault: 'NULL' } },
      ],
      touch: 'updated_at = now()',
    }),
};
