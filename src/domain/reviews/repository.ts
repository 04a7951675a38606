/**
 * Grade reviews (复核) in the database: the findings, computed set-wise, and the recorded reviews. The rules are
 * stated in src/schemas/reviews.ts (GAP_RULE, VIOLATION_RULE).
 *
 * Findings are ordered by (entity id, kind, key) in the database's collation, the order of the keyset cursor. A page
 * is read range by range of current_grades in entity order (its (entity_id, scheme) index), one statement per range,
 * so a page reads about as many grades as it takes to fill it, wherever the cursor stands.
 */
import { sql, type SQL } from 'drizzle-orm';
import { execRows, type Executor } from '../../db/client.ts';
import { gradeReviews, type GradeReviewKind, type GradeReviewOutcome } from '../../db/schema.ts';
import { isoDate, isoInstant } from '../../db/sql.ts';
import { MIN_GAP_TIERS, VIOLATION_RESULT_CODES } from '../../schemas/reviews.ts';

/** Where a page starts: after the finding with this sort key. */
export interface FindingKey {
  entityId: string;
  kind: GradeReviewKind;
  /** gap: "schemeA schemeB"; violation: the result id, zero-padded to 20 digits. */
  key: string;
}

export interface FindingFilter {
  scheme?: string;
  department?: string;
  kind?: GradeReviewKind;
  open?: boolean;
  /** One entity's findings only (recording a review). */
  entityId?: string;
  /** With entityId: the gap of this scheme pair (either order), or the violation of this result. */
  pair?: [string, string];
  resultId?: number;
}

export interface FindingRow {
  kind: GradeReviewKind;
  entity_id: string;
  entity_name: string;
  sort_key: string;
  scheme_a: string;
  grade_a: string;
  label_a: string;
  pos_a: number;
  n_a: number;
  evaluated_a: string;
  scheme_b: string | null;
  grade_b: string | null;
  label_b: string | null;
  pos_b: number | null;
  n_b: number | null;
  evaluated_b: string | null;
  gap_num: number | null;
  gap_den: number | null;
  departments: string[] | string;
  result_id: string | number | null;
  result_code: string | null;
  result_label: string | null;
  inspected_on: string | null;
  published_at: string | null;
  plan_id: string | null;
  plan_title: string | null;
  task_id: string | number | null;
  review_id: string | number | null;
  outcome: GradeReviewOutcome | null;
  note: string | null;
  reviewed_by: string | null;
  reviewer_label: string | null;
  reviewed_at: string | null;
}

const VIOLATION_CODES = sql.join(
  VIOLATION_RESULT_CODES.map((c) => sql`${c}`),
  sql`, `,
);

const and = (parts: SQL[]) => (parts.length ? sql.join(parts, sql` AND `) : sql`TRUE`);

/**
 * Rows strictly after `after` in (entity, kind, key) order, for a branch of constant `kind` whose entity and key are
 * these expressions. The first condition alone lets the planner start the index scan at the cursor's entity.
 */
function afterKey(after: FindingKey | null, entity: SQL, kind: GradeReviewKind, key: SQL): SQL[] {
  if (!after) return [];
  if (kind > after.kind) return [sql`${entity} >= ${after.entityId}`];
  if (kind < after.kind) return [sql`${entity} > ${after.entityId}`];
  return [sql`${entity} >= ${after.entityId}`, sql`(${entity} > ${after.entityId} OR ${key} > ${after.key})`];
}

/** The entity range of one statement: after a cursor's key or from an entity id (inclusive), up to one (exclusive). */
interface Range {
  after: FindingKey | null;
  from: string | null;
  to: string | null;
}

function bounds(range: Range, entity: SQL, kind: GradeReviewKind, key: SQL): SQL[] {
  const out = afterKey(range.after, entity, kind, key);
  if (range.from !== null) out.push(sql`${entity} >= ${range.from}`);
  if (range.to !== null) out.push(sql`${entity} < ${range.to}`);
  return out;
}

/** Only the entity range of `range` (no tie on the cursor's key), for a second expression of the same entity. */
function rangeOf(range: Range, entity: SQL): SQL[] {
  const from = range.after?.entityId ?? range.from;
  return [...(from !== null ? [sql`${entity} >= ${from}`] : []), ...(range.to !== null ? [sql`${entity} < ${range.to}`] : [])];
}

const reviewColumns = (r: SQL) => sql`${r}.id AS review_id, ${r}.outcome, ${r}.note, ${r}.reviewed_by, ${r}.reviewer_label,
       ${isoInstant(sql`${r}.reviewed_at`)} AS reviewed_at`;

const openCondition = (open: boolean | undefined, r: SQL): SQL[] =>
  open === undefined ? [] : [open ? sql`${r}.id IS NULL` : sql`${r}.id IS NOT NULL`];

/**
 * The current grades of the statement's entity range with their positions: the gap branch joins it with itself.
 * A materialized CTE has no index to probe, so that join is a hash join of two range-sized inputs, whatever the
 * planner estimates of the positions join (which it underestimates a hundredfold, and then probed current_grades per row).
 */
function gradedCte(f: FindingFilter, range: Range): SQL {
  const where = rangeOf(range, sql`cg.entity_id`);
  if (f.entityId) where.push(sql`cg.entity_id = ${f.entityId}`);
  return sql`graded AS MATERIALIZED (
    SELECT cg.entity_id, cg.scheme, cg.grade, cg.evaluated_at, p.label, p.pos, p.n
      FROM current_grades cg JOIN positions p ON p.scheme = cg.scheme AND p.grade = cg.grade
     WHERE ${and(where)}
  )`;
}

function gapBranch(f: FindingFilter, range: Range): SQL {
  const key = sql`(a.scheme || ' ' || b.scheme)`;
  const where: SQL[] = [
    // |p₁(n₂−1) − p₂(n₁−1)| / (max(n₁, n₂)−1) ≥ MIN_GAP_TIERS, in integers
    sql`abs(a.pos * (b.n - 1) - b.pos * (a.n - 1)) >= ${sql.raw(String(MIN_GAP_TIERS))} * (greatest(a.n, b.n) - 1)`,
    ...afterKey(range.after, sql`a.entity_id`, 'gap', key),
    ...openCondition(f.open, sql`r`),
  ];
  if (f.scheme) where.push(sql`(a.scheme = ${f.scheme} OR b.scheme = ${f.scheme})`);
  if (f.department) where.push(sql`${f.department} = ANY (coalesce(da.departments, '{}') || coalesce(db.departments, '{}'))`);
  // either order: which of the two is scheme_a follows the database's collation
  if (f.pair) {
    const [x, y] = f.pair;
    where.push(sql`((a.scheme = ${x} AND b.scheme = ${y}) OR (a.scheme = ${y} AND b.scheme = ${x}))`);
  }
  return sql`
    SELECT 'gap'::text AS kind, a.entity_id, e.name AS entity_name, ${key} AS sort_key,
           a.scheme AS scheme_a, a.grade AS grade_a, a.label AS label_a, a.pos AS pos_a, a.n AS n_a, ${isoInstant(sql`a.evaluated_at`)} AS evaluated_a,
           b.scheme AS scheme_b, b.grade AS grade_b, b.label AS label_b, b.pos AS pos_b, b.n AS n_b, ${isoInstant(sql`b.evaluated_at`)} AS evaluated_b,
           abs(a.pos * (b.n - 1) - b.pos * (a.n - 1)) AS gap_num, greatest(a.n, b.n) - 1 AS gap_den,
           coalesce(da.departments, '{}') || coalesce(db.departments, '{}') AS departments,
           NULL::bigint AS result_id, NULL::text AS result_code, NULL::text AS result_label, NULL::text AS inspected_on,
           NULL::text AS published_at, NULL::text AS plan_id, NULL::text AS plan_title, NULL::bigint AS task_id,
           ${reviewColumns(sql`r`)}
      FROM graded a
      JOIN graded b ON b.entity_id = a.entity_id AND b.scheme > a.scheme
      JOIN entities e ON e.id = a.entity_id AND e.status = 'active'
      LEFT JOIN scheme_departments da ON da.scheme = a.scheme
      LEFT JOIN scheme_departments db ON db.scheme = b.scheme
      LEFT JOIN grade_reviews r ON r.kind = 'gap' AND r.entity_id = a.entity_id AND r.scheme_a = a.scheme AND r.scheme_b = b.scheme
                               AND r.grade_a = a.grade AND r.grade_b = b.grade
     WHERE ${and(where)}`;
}

function violationBranch(f: FindingFilter, range: Range): SQL {
  const key = sql`lpad(res.id::text, 20, '0')`;
  const where: SQL[] = [
    sql`res.publication_id IS NOT NULL`,
    sql`res.result_code IN (${VIOLATION_CODES})`,
    // the latest published version of the task's result for its department
    sql`NOT EXISTS (SELECT FROM results later WHERE later.task_id = res.task_id AND later.department_code = res.department_code
                       AND later.version > res.version AND later.publication_id IS NOT NULL)`,
    ...bounds(range, sql`t.entity_id`, 'violation', key),
    ...openCondition(f.open, sql`r`),
  ];
  if (f.scheme) where.push(sql`p.grade_scheme = ${f.scheme}`);
  if (f.department) where.push(sql`res.department_code = ${f.department}`);
  if (f.entityId) where.push(sql`t.entity_id = ${f.entityId}`);
  if (f.resultId !== undefined) where.push(sql`res.id = ${f.resultId}`);
  return sql`
    SELECT 'violation'::text AS kind, t.entity_id, e.name AS entity_name, ${key} AS sort_key,
           cg.scheme AS scheme_a, cg.grade AS grade_a, pa.label AS label_a, pa.pos AS pos_a, pa.n AS n_a, ${isoInstant(sql`cg.evaluated_at`)} AS evaluated_a,
           NULL::text AS scheme_b, NULL::text AS grade_b, NULL::text AS label_b, NULL::int AS pos_b, NULL::int AS n_b, NULL::text AS evaluated_b,
           NULL::int AS gap_num, NULL::int AS gap_den, ARRAY[res.department_code]::text[] AS departments,
           res.id AS result_id, res.result_code, rc.label AS result_label, ${isoDate(sql`res.inspected_on`)} AS inspected_on,
           ${isoInstant(sql`res.published_at`)} AS published_at, p.id AS plan_id, p.title AS plan_title, t.id AS task_id,
           ${reviewColumns(sql`r`)}
      FROM results res
      JOIN result_codes rc ON rc.code = res.result_code
      JOIN tasks t ON t.id = res.task_id
      JOIN plans p ON p.id = t.plan_id
      JOIN current_grades cg ON cg.scheme = p.grade_scheme AND cg.entity_id = t.entity_id
      JOIN positions pa ON pa.scheme = cg.scheme AND pa.grade = cg.grade AND pa.pos = 0
      JOIN entities e ON e.id = t.entity_id AND e.status = 'active'
      LEFT JOIN grade_reviews r ON r.kind = 'violation' AND r.result_id = res.id
     WHERE ${and(where)}`;
}

/** Each scheme's grades with their positions (0 = best) and the scheme's size; schemes of one grade have no order to compare. */
const CONTEXT = sql`
  WITH positions AS MATERIALIZED (
    SELECT s.code AS scheme, g.value->>'code' AS grade, coalesce(g.value->>'label', g.value->>'code') AS label,
           (g.ord - 1)::int AS pos, jsonb_array_length(s.grades)::int AS n
      FROM grade_schemes s CROSS JOIN LATERAL jsonb_array_elements(s.grades) WITH ORDINALITY AS g(value, ord)
     WHERE jsonb_array_length(s.grades) >= 2
  ), scheme_departments AS MATERIALIZED (
    SELECT grade_scheme AS scheme, array_agg(DISTINCT department_code) AS departments FROM items GROUP BY grade_scheme
  )`;

/** current_grades rows per statement of the list: the first range, and the most a range grows to (tests pass smaller ones). */
const CHUNK_ROWS = 20_000;
const CHUNK_ROWS_MAX = 160_000;

export function createReviewRepository(db: Executor, chunk: { rows: number; maxRows: number } = { rows: CHUNK_ROWS, maxRows: CHUNK_ROWS_MAX }) {
  /** The findings within `range`, in order, at most `limit`. */
  function findingsIn(f: FindingFilter, range: Range, limit: number): Promise<FindingRow[]> {
    const branches: SQL[] = [];
    if (f.kind !== 'violation' && f.resultId === undefined) branches.push(gapBranch(f, range));
    if (f.kind !== 'gap' && f.pair === undefined) branches.push(violationBranch(f, range));
    if (branches.length === 0) return Promise.resolve([]);
    return execRows<FindingRow>(
      db,
      sql`${CONTEXT}, ${gradedCte(f, range)}
          SELECT * FROM (${sql.join(branches, sql` UNION ALL `)}) f
           ORDER BY f.entity_id, f.kind, f.sort_key
           LIMIT ${limit}`,
    );
  }

  /**
   * The entity id `rows` current-grade rows past `start` (null: from the first), in the index's entity order: the
   * exclusive end of the next range, always past `start`; null when fewer rows remain.
   */
  async function entityAfter(start: string | null, rows: number): Promise<string | null> {
    const found = await execRows<{ entity_id: string }>(
      db,
      start === null
        ? sql`SELECT entity_id FROM current_grades ORDER BY entity_id OFFSET ${rows} LIMIT 1`
        : sql`SELECT entity_id FROM current_grades WHERE entity_id > ${start} ORDER BY entity_id OFFSET ${rows - 1} LIMIT 1`,
    );
    return found[0]?.entity_id ?? null;
  }

  return {
    /**
     * Up to `limit` findings after `after`, in (entity, kind, key) order: statement by statement over consecutive
     * ranges of current_grades in entity order (CHUNK_ROWS rows, doubling while a range yields too little), so each
     * statement costs its range whatever the planner guesses of how many rows the rule keeps. One entity's findings
     * (recording a review) take one statement.
     */
    async findings(f: FindingFilter, after: FindingKey | null, limit: number): Promise<FindingRow[]> {
      if (f.entityId !== undefined) return findingsIn(f, { after, from: null, to: null }, limit);
      const out: FindingRow[] = [];
      let range: Range = { after, from: null, to: null };
      for (let rows = chunk.rows; ; rows = Math.min(rows * 2, chunk.maxRows)) {
        const start = range.after?.entityId ?? range.from;
        range.to = await entityAfter(start, rows);
        out.push(...(await findingsIn(f, range, limit - out.length)));
        if (out.length >= limit || range.to === null) return out;
        range = { after: null, from: range.to, to: null };
      }
    },

    /** The label of a token (the reviewer's name as the admin gave it), or null. */
    async tokenLabel(tokenId: string): Promise<string | null> {
      const rows = await execRows<{ label: string | null }>(db, sql`SELECT label FROM api_tokens WHERE id = ${tokenId}`);
      return rows[0]?.label ?? null;
    },

    /** Records a review; false when the finding already has one (the unique indexes decide, also under a race). */
    async insert(row: typeof gradeReviews.$inferInsert): Promise<boolean> {
      const inserted = await db.insert(gradeReviews).values(row).onConflictDoNothing().returning({ id: gradeReviews.id });
      return inserted.length === 1;
    },
  };
}
