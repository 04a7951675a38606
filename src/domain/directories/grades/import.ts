/**
 * Grade evaluations import (信用分级分类结果): `entityId,scheme,grade,evaluatedAt`. Every evaluation is kept
 * as history (grade_evaluations); the latest per entity and scheme is the current grade (current_grades).
 */
import type { RawTx } from '../../../db/client.ts';
import { duplicateCheck, referenceCheck, stagingTable, type ImportKind } from '../import/pipeline.ts';
import { ID_RE, parseTimestamp } from '../import/values.ts';

/** A timestamptz as China Standard Time text, whatever the session's time zone. */
const CHINA_TIME_SQL = (column: string) => `to_char(${column} AT TIME ZONE INTERVAL '+08:00', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"')`;

/** Evaluations dated further ahead than this are refused: a future date would pin the grade until then. */
const FUTURE_TOLERANCE_MS = 24 * 3600_000;
const EARLIEST_MS = Date.UTC(1990, 0, 1);

const COLUMNS = [
  { name: 'entityId', required: true },
  { name: 'scheme', required: true },
  { name: 'grade', required: true },
  { name: 'evaluatedAt', required: true },
] as const;
const [ENTITY, SCHEME, GRADE, EVALUATED_AT] = COLUMNS.map((_, k) => k);

interface Ctx {
  schemes: Map<string, string[]>;
  now: number;
}

export const gradeImport: ImportKind<Ctx> = {
  name: 'grades',
  noun: 'grade evaluations',
  columns: COLUMNS,
  staging: [
    { name: 'entity_id', type: 'text' },
    { name: 'scheme', type: 'text' },
    { name: 'grade', type: 'text' },
    { name: 'evaluated_at', type: 'timestamptz' },
  ],
  async prepare(tx: RawTx) {
    const rows = await tx.query<{ code: string; grades: { code: string }[] }>('SELECT code, grades FROM grade_schemes');
    return { schemes: new Map(rows.map((r) => [r.code, r.grades.map((g) => g.code)])), now: Date.now() };
  },
  validate(f, ctx, report) {
    const entityId = f[ENTITY]!;
    if (!ID_RE.test(entityId)) report('entityId', `unknown entity ${entityId}`);
    const scheme = f[SCHEME]!;
    const grades = ctx.schemes.get(scheme);
    if (!grades) report('scheme', `unknown grade scheme ${scheme}; the schemes are ${[...ctx.schemes.keys()].join(', ')}`);
    const grade = f[GRADE]!;
    if (grades && !grades.includes(grade)) report('grade', `grade ${grade} is not in scheme ${scheme} (${grades.join(', ')})`);
    const at = parseTimestamp(f[EVALUATED_AT]!);
    if (!at.ok) report('evaluatedAt', at.message);
    else if (at.ms > ctx.now + FUTURE_TOLERANCE_MS) report('evaluatedAt', `${f[EVALUATED_AT]} is in the future`);
    else if (at.ms < EARLIEST_MS) report('evaluatedAt', `${f[EVALUATED_AT]} is before 1990`);
    return [entityId, scheme, grade, at.ok ? at.iso : null];
  },
  checks: () => [
    duplicateCheck(
      gradeImport,
      ['entity_id', 'scheme', 'evaluated_at'],
      `format('the evaluation of %s in %s at %s', s.entity_id, s.scheme, ${CHINA_TIME_SQL('s.evaluated_at')})`,
      'entityId',
    ),
    referenceCheck(gradeImport, 'entity_id', 'entities', 'id', 'entity', 'entityId'),
  ],
  /*
   * History: every evaluation not recorded yet (an exact repeat of a recorded one is skipped, so importing
   * a file twice changes nothing). Current grade: the file's latest evaluation per entity and scheme
   * replaces the stored one only if it is at least as recent. `imported` counts evaluations added to the
   * history, `updated` current grades replaced by a newer evaluation.
   */
  merge: () => {
    const s = stagingTable(gradeImport);
    return `
      WITH added AS (
        INSERT INTO grade_evaluations (entity_id, scheme, grade, evaluated_at)
        SELECT s.entity_id, s.scheme, s.grade, s.evaluated_at FROM ${s} s
        WHERE NOT EXISTS (
          SELECT 1 FROM grade_evaluations g
          WHERE g.entity_id = s.entity_id AND g.scheme = s.scheme AND g.evaluated_at = s.evaluated_at AND g.grade = s.grade)
        RETURNING 1
      ), latest AS (
        SELECT DISTINCT ON (entity_id, scheme) entity_id, scheme, grade, evaluated_at FROM ${s}
        ORDER BY entity_id, scheme, evaluated_at DESC
      ), current AS (
        INSERT INTO current_grades AS c (entity_id, scheme, grade, evaluated_at)
        SELECT entity_id, scheme, grade, evaluated_at FROM latest
        ON CONFLICT (scheme, entity_id) DO UPDATE SET grade = excluded.grade, evaluated_at = excluded.evaluated_at
        WHERE excluded.evaluated_at >= c.evaluated_at
          AND (c.grade, c.evaluated_at) IS DISTINCT FROM (excluded.grade, excluded.evaluated_at)
        RETURNING (xmax = 0) AS inserted
      )
      SELECT (SELECT count(*) FROM added)::int AS imported,
             (SELECT count(*) FILTER (WHERE NOT inserted) FROM current)::int AS updated`;
  },
};
