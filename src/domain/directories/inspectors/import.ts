/**
 * Inspector directory import (执法检查人员名录库): `id,name,department,certificateNo,qualifications`
 * plus optional `active`; upserted by id. Qualifications are item codes separated by `;` — empty means
 * every item of the department.
 */
import type { RawTx } from '../../../db/client.ts';
import { duplicateCheck, stagingTable, upsertSql, type ImportKind } from '../import/pipeline.ts';
import { ID_RE, parseBoolean, splitList, textProblem } from '../import/values.ts';
import { checkQualifications, type QualificationContext } from './qualifications.ts';

const COLUMNS = [
  { name: 'id', required: true },
  { name: 'name', required: true },
  { name: 'department', required: true },
  { name: 'certificateNo', required: true },
  { name: 'qualifications', required: false },
  { name: 'active', required: false },
] as const;
const [ID, NAME, DEPARTMENT, CERTIFICATE, QUALIFICATIONS, ACTIVE] = COLUMNS.map((_, k) => k);

/** Departments and items as the row check needs them, read in the import's transaction. */
async function loadQualificationContext(tx: RawTx): Promise<QualificationContext> {
  const departments = await tx.query<{ code: string }>('SELECT code FROM departments');
  const items = await tx.query<{ code: string; department_code: string }>('SELECT code, department_code FROM items');
  return { departments: new Set(departments.map((d) => d.code)), items: new Map(items.map((i) => [i.code, i.department_code])) };
}

/** A text[] literal for COPY; item codes are [0-9A-Za-z_-] only, so nothing needs quoting. */
const arrayLiteral = (codes: string[]) => `{${codes.join(',')}}`;

export const inspectorImport: ImportKind<QualificationContext> = {
  name: 'inspectors',
  noun: 'inspectors',
  columns: COLUMNS,
  staging: [
    { name: 'id', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'department_code', type: 'text' },
    { name: 'certificate_no', type: 'text' },
    { name: 'qualifications', type: 'text[]' },
    { name: 'active', type: 'boolean' },
  ],
  prepare: (tx) => loadQualificationContext(tx),
  validate(f, ctx, report) {
    const id = f[ID]!;
    if (!ID_RE.test(id)) report('id', 'an inspector id must be 1–64 characters from 0-9 A-Z a-z . _ -');
    const name = textProblem(f[NAME]!, 100);
    if (name) report('name', `name ${name}`);
    const department = f[DEPARTMENT]!;
    const knownDepartment = ctx.departments.has(department);
    if (!knownDepartment) report('department', `unknown department ${department}`);
    const certificate = textProblem(f[CERTIFICATE]!, 64);
    if (certificate) report('certificateNo', `certificateNo ${certificate}`);
    let qualifications: string[] = [];
    if (f[QUALIFICATIONS] && knownDepartment) {
      const checked = checkQualifications(splitList(f[QUALIFICATIONS]), department, ctx);
      if (checked.ok) qualifications = checked.codes;
      else report('qualifications', checked.messages.join('; '));
    }
    let active = true;
    if (f[ACTIVE]) {
      const parsed = parseBoolean(f[ACTIVE]);
      if (parsed === undefined) report('active', `active must be true or false, not "${f[ACTIVE]}"`);
      else active = parsed;
    }
    return [id, f[NAME]!, department, f[CERTIFICATE]!, arrayLiteral(qualifications), active];
  },
  checks(presence) {
    const checks = [duplicateCheck(inspectorImport, ['id'], `'inspector ' || s.id`, 'id')];
    if (presence('qualifications') !== 'all') {
      // Kept qualifications would name items of the old department.
      checks.push({
        column: 'qualifications',
        sql:
          `SELECT s.row, format('inspector %s moves from %s to %s: give the qualifications for the new department', ` +
          `s.id, i.department_code, s.department_code) AS message FROM ${stagingTable(inspectorImport)} s ` +
          `JOIN inspectors i ON i.id = s.id WHERE s.absent & ${1 << QUALIFICATIONS} <> 0 ` +
          `AND i.department_code <> s.department_code AND cardinality(i.qualifications) > 0`,
      });
    }
    return checks;
  },
  merge: (presence) =>
    upsertSql(inspectorImport, presence, {
      table: 'inspectors',
      key: ['id'],
      columns: [
        { column: 'id' },
        { column: 'name' },
        { column: 'department_code' },
        { column: 'certificate_no' },
        { column: 'qualifications', optional: { source: 'qualifications', insertDefault: `'{}'::text[]` } },
        { column: 'active', optional: { source: 'active', insertDefault: 'true' } },
      ],
      touch: 'updated_at = now()',
    }),
};
