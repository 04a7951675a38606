/** Rectification follow-ups (限期整改 → 复查) in the database: made by publications, outcomes recorded and published. */
import { sql } from 'drizzle-orm';
import { execRows, type Executor } from '../../db/client.ts';
import { isoInstant } from '../../db/sql.ts';

export interface FollowUpRow {
  id: number | string;
  task_id: number | string;
  plan_id: string;
  entity_id: string;
  entity_name: string;
  department_code: string;
  result_id: number | string;
  result_code: string;
  inspected_on: string;
  due_on: string;
  team_inspectors: string[];
  status: 'due' | 'recorded' | 'published' | 'cancelled';
  checked_on: string | null;
  outcome: 'rectified' | 'not-rectified' | null;
  actions: string[];
  findings: string;
  recorded_by: string | null;
  recorded_by_inspector: string | null;
  recorded_at: string | null;
  ledger_seq: number | string | null;
  published_at: string | null;
}

export interface FollowUpFilter {
  status?: 'due' | 'recorded' | 'published' | 'cancelled' | 'overdue';
  plan?: string;
  department?: string;
  /** Only the follow-ups this inspector's team does. */
  inspector?: string;
  /** Today in China time, for `overdue`. */
  today: string;
}

export interface OutcomeValues {
  checkedOn: string;
  outcome: 'rectified' | 'not-rectified';
  actions: string[];
  findings: string;
  recordedBy: string;
  recordedByInspector: string | null;
}

const SELECT = sql`SELECT f.id, f.task_id, f.plan_id, f.entity_id, e.name AS entity_name, f.department_code, f.result_id,
       r.result_code, r.inspected_on::text AS inspected_on, f.due_on::text AS due_on, f.team_inspectors, f.status,
       f.checked_on::text AS checked_on, f.outcome, f.actions, f.findings, f.recorded_by, f.recorded_by_inspector,
       ${isoInstant(sql`f.recorded_at`)} AS recorded_at, f.ledger_seq, ${isoInstant(sql`f.published_at`)} AS published_at
  FROM follow_ups f
  JOIN entities e ON e.id = f.entity_id
  JOIN results r ON r.id = f.result_id`;

function where(f: FollowUpFilter) {
  const conditions = [sql`TRUE`];
  if (f.status === 'overdue') conditions.push(sql`f.status = 'due' AND f.due_on < ${f.today}::date`);
  else if (f.status) conditions.push(sql`f.status = ${f.status}`);
  if (f.plan) conditions.push(sql`f.plan_id = ${f.plan}`);
  if (f.department) conditions.push(sql`f.department_code = ${f.department}`);
  if (f.inspector) conditions.push(sql`f.team_inspectors @> ARRAY[${f.inspector}]::text[]`);
  return sql.join(conditions, sql` AND `);
}

export function createFollowUpRepository(db: Executor) {
  return {
    /**
     * After a publication: each published result whose follow-up action needs a deadline (责令改正) makes, or
     * re-points, the task and department's follow-up, due on that deadline and given to the department's members
     * of the team; a published result without one cancels an unpublished follow-up (a correction lifted the order).
     */
    async fromPublishedResults(tx: Executor, resultIds: number[]): Promise<void> {
      if (resultIds.length === 0) return;
      const ids = sql`(SELECT json_array_elements_text(${JSON.stringify(resultIds)}::json)::bigint)`;
      await tx.execute(sql`
        INSERT INTO follow_ups (task_id, department_code, result_id, plan_id, entity_id, due_on, team_inspectors)
        SELECT t.id, r.department_code, r.id, t.plan_id, t.entity_id, r.follow_up_deadline,
               ARRAY(SELECT u.inspector FROM unnest(t.team_inspectors, t.team_departments) AS u(inspector, department)
                      WHERE u.department = r.department_code)
          FROM results r
          JOIN tasks t ON t.id = r.task_id
          JOIN follow_up_actions a ON a.code = r.follow_up AND a.requires_deadline
         WHERE r.id IN ${ids} AND r.follow_up_deadline IS NOT NULL
        ON CONFLICT (task_id, department_code) DO UPDATE
           SET result_id = EXCLUDED.result_id, due_on = EXCLUDED.due_on, status = 'due', checked_on = NULL, outcome = NULL,
               actions = '{}', findings = '', recorded_by = NULL, recorded_by_inspector = NULL, recorded_at = NULL, updated_at = now()
         WHERE follow_ups.status <> 'published'`);
      await tx.execute(sql`
        UPDATE follow_ups f SET status = 'cancelled', checked_on = NULL, outcome = NULL, actions = '{}', updated_at = now()
          FROM results r
          LEFT JOIN follow_up_actions a ON a.code = r.follow_up AND a.requires_deadline
         WHERE r.id IN ${ids} AND f.task_id = r.task_id AND f.department_code = r.department_code
           AND f.result_id <> r.id AND f.status IN ('due', 'recorded')
           AND (a.code IS NULL OR r.follow_up_deadline IS NULL)`);
    },

    async list(f: FollowUpFilter, limit: number, offset: number): Promise<{ rows: FollowUpRow[]; total: number }> {
      const rows = await execRows<FollowUpRow>(
        db,
        sql`${SELECT} WHERE ${where(f)} ORDER BY f.due_on, f.plan_id, f.entity_id COLLATE "C", f.department_code LIMIT ${limit} OFFSET ${offset}`,
      );
      const [{ total }] = await execRows<{ total: number }>(db, sql`SELECT count(*)::int AS total FROM follow_ups f WHERE ${where(f)}`);
      return { rows, total: Number(total) };
    },

    async get(q: Executor, id: number, forUpdate = false): Promise<FollowUpRow | null> {
      const [row] = await execRows<FollowUpRow>(q, sql`${SELECT} WHERE f.id = ${id} ${forUpdate ? sql`FOR UPDATE OF f` : sql``}`);
      return row ?? null;
    },

    async recordOutcome(tx: Executor, id: number, v: OutcomeValues): Promise<void> {
      await tx.execute(sql`
        UPDATE follow_ups SET status = 'recorded', checked_on = ${v.checkedOn}::date, outcome = ${v.outcome},
               actions = ARRAY(SELECT json_array_elements_text(${JSON.stringify(v.actions)}::json)), findings = ${v.findings},
               recorded_by = ${v.recordedBy}, recorded_by_inspector = ${v.recordedByInspector}, recorded_at = now(), updated_at = now()
         WHERE id = ${id}`);
    },

    /** A plan's recorded, unpublished outcomes (of one department, when given), locked. */
    async publishable(tx: Executor, planId: string, department: string | null): Promise<FollowUpRow[]> {
      return execRows<FollowUpRow>(
        tx,
        sql`${SELECT} WHERE f.plan_id = ${planId} AND f.status = 'recorded'
             ${department === null ? sql`` : sql`AND f.department_code = ${department}`}
             ORDER BY f.entity_id COLLATE "C", f.department_code COLLATE "C" FOR UPDATE OF f`,
      );
    },

    async markPublished(tx: Executor, ids: number[], ledgerSeq: number, at: Date): Promise<void> {
      await tx.execute(sql`
        UPDATE follow_ups SET status = 'published', ledger_seq = ${ledgerSeq}, published_at = ${at.toISOString()}::timestamptz, updated_at = now()
         WHERE id IN (SELECT json_array_elements_text(${JSON.stringify(ids)}::json)::bigint)`);
    },

    /** The plan, locked for a publication of its follow-ups (publications of one plan take turns). */
    async lockPlan(tx: Executor, planId: string): Promise<{ id: string; departments: string[] } | null> {
      const [plan] = await execRows<{ id: string; departments: string[] }>(
        tx,
        sql`SELECT id, departments FROM plans WHERE id = ${planId} FOR UPDATE`,
      );
      return plan ?? null;
    },

    /** An entity's published outcomes, newest first (the public side). */
    async publishedOfEntity(entityId: string): Promise<FollowUpRow[]> {
      return execRows<FollowUpRow>(
        db,
        sql`${SELECT} WHERE f.entity_id = ${entityId} AND f.status = 'published' ORDER BY f.checked_on DESC, f.id DESC`,
      );
    },
  };
}

export type FollowUpRepository = ReturnType<typeof createFollowUpRepository>;
