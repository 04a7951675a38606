/** Credit commitments (信用承诺) in the database: the register's reads, and outcomes set by published 履约践诺 results. */
import { sql, type SQL } from 'drizzle-orm';
import { execRows, type Executor } from '../../db/client.ts';
import { isoInstant } from '../../db/sql.ts';
import { COMMITMENT_RESULT_CODES } from '../../core/result-codes.ts';

export interface CommitmentRow {
  id: number | string;
  source: string;
  reference: string;
  entity_id: string;
  entity_name: string;
  kind: string;
  made_on: string;
  check_by: string;
  status: 'open' | 'fulfilled' | 'unfulfilled';
  outcome_plan_id: string | null;
  outcome_result_id: number | string | null;
  outcome_at: string | null;
}

export interface CommitmentFilter {
  status?: 'open' | 'fulfilled' | 'unfulfilled';
  dueFrom?: string;
  dueTo?: string;
  entity?: string;
  kind?: string;
  source?: string;
}

const SELECT = sql`SELECT c.id, c.source, c.reference, c.entity_id, e.name AS entity_name, c.kind, c.made_on::text AS made_on,
       c.check_by::text AS check_by, c.status, c.outcome_plan_id, c.outcome_result_id, ${isoInstant(sql`c.outcome_at`)} AS outcome_at
  FROM commitments c JOIN entities e ON e.id = c.entity_id`;

function where(f: CommitmentFilter): SQL {
  const conditions: SQL[] = [sql`TRUE`];
  if (f.status) conditions.push(sql`c.status = ${f.status}`);
  if (f.dueFrom) conditions.push(sql`c.check_by >= ${f.dueFrom}::date`);
  if (f.dueTo) conditions.push(sql`c.check_by <= ${f.dueTo}::date`);
  if (f.entity) conditions.push(sql`c.entity_id = ${f.entity}`);
  if (f.kind) conditions.push(sql`c.kind = ${f.kind}`);
  if (f.source) conditions.push(sql`c.source = ${f.source}`);
  return sql.join(conditions, sql` AND `);
}

export function createCommitmentRepository(db: Executor) {
  return {
    async list(f: CommitmentFilter, limit: number, offset: number): Promise<{ rows: CommitmentRow[]; total: number }> {
      const rows = await execRows<CommitmentRow>(db, sql`${SELECT} WHERE ${where(f)} ORDER BY c.check_by, c.id LIMIT ${limit} OFFSET ${offset}`);
      const [{ total }] = await execRows<{ total: number }>(db, sql`SELECT count(*)::int AS total FROM commitments c WHERE ${where(f)}`);
      return { rows, total: Number(total) };
    },

    /** Every matching commitment, `batch` at a time in (check_by, id) order, for the export. */
    async *walk(f: CommitmentFilter, batch = 5000): AsyncGenerator<CommitmentRow[]> {
      let after: { checkBy: string; id: number } | null = null;
      for (;;) {
        const position: SQL = after === null ? sql`` : sql`AND (c.check_by, c.id) > (${after.checkBy}::date, ${after.id})`;
        const rows: CommitmentRow[] = await execRows<CommitmentRow>(
          db,
          sql`${SELECT} WHERE ${where(f)} ${position} ORDER BY c.check_by, c.id LIMIT ${batch}`,
        );
        if (rows.length > 0) yield rows;
        if (rows.length < batch) return;
        const last: CommitmentRow = rows[rows.length - 1];
        after = { checkBy: last.check_by, id: Number(last.id) };
      }
    },

    /**
     * After a publication: a published result 已履约 / 未履约 of a commitment plan (its filters name the due window,
     * and the kinds) sets the outcome of the task entity's commitments due in that window that are open, or whose
     * outcome an earlier version of the same task's result set (a correction changes it).
     */
    async fromPublishedResults(tx: Executor, resultIds: number[]): Promise<void> {
      if (resultIds.length === 0) return;
      await tx.execute(sql`
        UPDATE commitments c
           SET status = CASE r.result_code WHEN ${COMMITMENT_RESULT_CODES.fulfilled} THEN 'fulfilled' ELSE 'unfulfilled' END,
               outcome_result_id = r.id, outcome_plan_id = t.plan_id, outcome_at = r.published_at, updated_at = now()
          FROM results r
          JOIN tasks t ON t.id = r.task_id
          JOIN plans p ON p.id = t.plan_id
         WHERE r.id IN (SELECT json_array_elements_text(${JSON.stringify(resultIds)}::json)::bigint)
           AND r.result_code IN (${COMMITMENT_RESULT_CODES.fulfilled}, ${COMMITMENT_RESULT_CODES.unfulfilled})
           AND p.filters ? 'commitmentsDueFrom'
           AND c.entity_id = t.entity_id
           AND c.check_by BETWEEN (p.filters->>'commitmentsDueFrom')::date AND (p.filters->>'commitmentsDueTo')::date
           AND (NOT p.filters ? 'commitmentKinds' OR c.kind IN (SELECT jsonb_array_elements_text(p.filters->'commitmentKinds')))
           AND (c.status = 'open' OR c.outcome_result_id IN (SELECT o.id FROM results o WHERE o.task_id = r.task_id AND o.department_code = r.department_code))`);
    },
  };
}
