/**
 * Results of tasks (检查结果) in the database: versions, the audit trail, and the reads behind the overdue
 * list and the results.csv export.
 *
 * A task's results are versions. Version 1 is entered by the team (or a planner) and amended in place
 * until it is published; every change is also appended to result_history with who made it and when.
 * Once published a version is frozen (the service never updates it, and a trigger rejects it anyway); a
 * correction (更正) is a new pending version naming the published one it corrects.
 */
import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { execRows, type Executor } from '../../db/client.ts';
import { followUpActions, plans, publications, resultCodes, resultHistory, results } from '../../db/schema.ts';
import { chinaDateOf, isoDate } from '../../db/sql.ts';
import { textArray } from '../disclosure/items.ts';
import type { HistoryAction, OverdueKind, ResultValues } from '../../schemas/results.ts';

const corrected = alias(results, 'corrected');

const versionColumns = {
  id: results.id,
  taskId: results.taskId,
  department: results.departmentCode,
  version: results.version,
  resultCode: results.resultCode,
  resultLabel: resultCodes.label,
  inspectedOn: results.inspectedOn,
  findings: results.findings,
  followUp: results.followUp,
  followUpLabel: followUpActions.label,
  followUpDeadline: results.followUpDeadline,
  attachments: results.attachments,
  correctsVersion: corrected.version,
  createdBy: results.createdBy,
  createdByInspector: results.createdByInspector,
  createdAt: results.createdAt,
  updatedBy: results.updatedBy,
  updatedByInspector: results.updatedByInspector,
  updatedAt: results.updatedAt,
  publicationId: results.publicationId,
  publicationNumber: publications.number,
  publishedAt: results.publishedAt,
};

export type ResultVersion = Awaited<ReturnType<ResultRepository['versions']>>[number];

/** Who makes a change: the token, and the inspector for inspector tokens. */
export interface ChangedBy {
  tokenId: string;
  inspectorId: string | null;
}

/** The task a result is entered for, locked. `drawn_on` is the China date of the draw. */
export interface TaskContext {
  id: number;
  plan_id: string;
  plan_status: string;
  drawn_on: string;
  /** The departments that record a result for the task, in team order (see `departmentsOf`). */
  departments: string[];
}

export interface OverdueRow {
  task_id: string;
  plan_id: string;
  plan_title: string;
  seq: number;
  entity_id: string;
  entity_name: string;
  kind: OverdueKind;
  inspected_on: string | null;
  window_to: string | null;
  departments: string | null;
}

export interface OverdueFilter {
  /** Recorded results inspected on or before this date. */
  inspectedBy: string;
  /** Tasks without a result whose window ends on or before this date. */
  windowEndsBy: string;
  plan?: string;
  department?: string;
}

export interface PlanItemRow {
  code: string;
  name: string;
  department_code: string;
  department_name: string | null;
}

export interface TeamDepartmentRow {
  task_id: string;
  code: string;
  name: string;
}

/** A task's latest published result, with what results.csv shows of it. */
export interface PublishedResultRow {
  task_id: string;
  department_code: string;
  seq: number;
  entity_id: string;
  entity_name: string;
  inspected_on: string;
  result_code: string;
  result_label: string;
  follow_up_label: string;
  follow_up_deadline: string | null;
  published_on: string;
  publication_number: number;
  is_correction: boolean;
}

/**
 * The departments that record a task's results (谁检查、谁录入), as SQL over the task `t` and its plan `p`: its
 * team's departments in team order without repeats, or, for a task without a team, its plan's items' departments.
 */
export function departmentsOf(t: SQL, p: SQL): SQL {
  return sql`COALESCE(
    (SELECT array_agg(m.code ORDER BY m.n) FROM (SELECT code, min(n) AS n FROM unnest(${t}.team_departments) WITH ORDINALITY AS u(code, n)
                                                  GROUP BY code) m),
    (SELECT array_agg(DISTINCT i.department_code) FROM items i WHERE i.code = ANY (${p}.items)),
    ARRAY[]::text[])`;
}

export function createResultRepository(db: Executor) {
  const selectVersions = () =>
    db
      .select(versionColumns)
      .from(results)
      .innerJoin(resultCodes, eq(resultCodes.code, results.resultCode))
      .innerJoin(followUpActions, eq(followUpActions.code, results.followUp))
      .leftJoin(publications, eq(publications.id, results.publicationId))
      .leftJoin(corrected, eq(corrected.id, results.correctsResultId));

  return {
    /** Every version of a task's results (of one department, or of each), by department then oldest first. */
    versions: (taskId: number, department?: string) =>
      selectVersions()
        .where(and(eq(results.taskId, taskId), department === undefined ? undefined : eq(results.departmentCode, department)))
        .orderBy(asc(results.departmentCode), asc(results.version)),
    /** The latest version of a department's result for the task. */
    latest: async (taskId: number, department: string) =>
      (
        await selectVersions()
          .where(and(eq(results.taskId, taskId), eq(results.departmentCode, department)))
          .orderBy(desc(results.version))
          .limit(1)
      )[0] ?? null,
    history: (taskId: number, department?: string) =>
      db
        .select()
        .from(resultHistory)
        .where(and(eq(resultHistory.taskId, taskId), department === undefined ? undefined : eq(resultHistory.departmentCode, department)))
        .orderBy(asc(resultHistory.id)),
    /** The departments that record the task's results; [] for no task. */
    async departments(taskId: number): Promise<string[]> {
      const [row] = await execRows<{ departments: string[] }>(
        db,
        sql`SELECT ${departmentsOf(sql`t`, sql`p`)} AS departments
                                                                     FROM tasks t JOIN plans p ON p.id = t.plan_id WHERE t.id = ${taskId}`,
      );
      return row ? textArray(row.departments) : [];
    },

    /** The task with its plan's status and draw date, locked FOR UPDATE; null when there is none. */
    async lockTask(taskId: number): Promise<TaskContext | null> {
      // Locking the task serializes writers of the same task (version numbers, the one pending version).
      const [task] = await execRows<TaskContext>(
        db,
        sql`SELECT t.id, t.plan_id, p.status AS plan_status,
                   ${chinaDateOf(sql`COALESCE(d.drawn_at, t.created_at)`)} AS drawn_on, ${departmentsOf(sql`t`, sql`p`)} AS departments
              FROM tasks t JOIN plans p ON p.id = t.plan_id LEFT JOIN plan_draws d ON d.plan_id = t.plan_id
             WHERE t.id = ${taskId} FOR UPDATE OF t`,
      );
      return task ? { ...task, departments: textArray(task.departments) } : null;
    },
    /** The departments the inspector is on the task's team for (one, as a rule). */
    async inspectorDepartments(taskId: number, inspectorId: string): Promise<string[]> {
      const rows = await execRows<{ code: string }>(
        db,
        sql`SELECT DISTINCT m.code FROM tasks t CROSS JOIN LATERAL unnest(t.team_departments, t.team_inspectors) AS m(code, inspector_id)
             WHERE t.id = ${taskId} AND m.inspector_id = ${inspectorId}`,
      );
      return rows.map((r) => r.code);
    },
    async insertVersion(taskId: number, department: string, version: number, values: ResultValues, correctsResultId: number | null, who: ChangedBy) {
      const [row] = await db
        .insert(results)
        .values({
          taskId,
          departmentCode: department,
          version,
          ...values,
          correctsResultId,
          createdBy: who.tokenId,
          createdByInspector: who.inspectorId,
          updatedBy: who.tokenId,
          updatedByInspector: who.inspectorId,
        })
        .returning({ id: results.id, version: results.version });
      return row;
    },
    /** Amends an unpublished version in place; false when it was published meanwhile. */
    async updatePending(resultId: number, values: ResultValues, who: ChangedBy): Promise<boolean> {
      // publication_id IS NULL in the WHERE: a publication that committed meanwhile wins, and this edit is refused.
      const updated = await db
        .update(results)
        .set({ ...values, updatedBy: who.tokenId, updatedByInspector: who.inspectorId, updatedAt: new Date() })
        .where(and(eq(results.id, resultId), sql`${results.publicationId} IS NULL`))
        .returning({ id: results.id });
      return updated.length > 0;
    },
    async appendHistory(
      resultId: number,
      taskId: number,
      department: string,
      version: number,
      action: HistoryAction,
      values: ResultValues,
      who: ChangedBy,
    ) {
      await db.insert(resultHistory).values({
        resultId,
        taskId,
        departmentCode: department,
        version,
        action,
        values,
        changedBy: who.tokenId,
        changedByInspector: who.inspectorId,
      });
    },

    /** A plan's id, status and items; null when there is none. */
    async plan(planId: string) {
      const [plan] = await db.select({ id: plans.id, status: plans.status, items: plans.items }).from(plans).where(eq(plans.id, planId));
      return plan ?? null;
    },

    /**
     * Tasks of drawn plans with a first result recorded and unpublished (not-published), or with no
     * result (no-result), within the filter's date bounds.
     */
    overdueCandidates(f: OverdueFilter): Promise<OverdueRow[]> {
      const filters: SQL[] = [sql`p.status = 'drawn'`];
      if (f.plan !== undefined) filters.push(sql`t.plan_id = ${f.plan}`);
      if (f.department !== undefined) {
        filters.push(sql`t.team_departments @> ARRAY[${f.department}]::text[]`);
      }
      const where = sql.join(filters, sql` AND `);
      return execRows<OverdueRow>(
        db,
        sql`SELECT t.id::text AS task_id, t.plan_id, p.title AS plan_title, t.seq, t.entity_id, e.name AS entity_name,
                   x.kind, ${isoDate(sql`x.inspected_on`)} AS inspected_on, ${isoDate(sql`p.window_to`)} AS window_to,
                   (SELECT string_agg(DISTINCT d, ',') FROM unnest(t.team_departments) d) AS departments
              FROM tasks t
              JOIN plans p ON p.id = t.plan_id
              JOIN entities e ON e.id = t.entity_id
              JOIN (
                    -- a joint task with several pending results is listed once, by the earliest inspection
                    (SELECT DISTINCT ON (r.task_id) r.task_id, 'not-published' AS kind, r.inspected_on FROM results r
                      WHERE r.publication_id IS NULL AND r.corrects_result_id IS NULL AND r.inspected_on <= ${f.inspectedBy}::date
                      ORDER BY r.task_id, r.inspected_on)
                    UNION ALL
                    SELECT t2.id, 'no-result', NULL::date FROM tasks t2 JOIN plans p2 ON p2.id = t2.plan_id
                     WHERE p2.window_to IS NOT NULL AND p2.window_to <= ${f.windowEndsBy}::date
                       AND NOT EXISTS (SELECT 1 FROM results r2 WHERE r2.task_id = t2.id)
                   ) x ON x.task_id = t.id
             WHERE ${where}`,
      );
    },

    /** The items with these codes and their departments' names. */
    planItems(codes: string[]): Promise<PlanItemRow[]> {
      return execRows<PlanItemRow>(
        db,
        sql`SELECT i.code, i.name, i.department_code, d.name AS department_name
              FROM items i LEFT JOIN departments d ON d.code = i.department_code
             WHERE ${
               codes.length
                 ? sql`i.code IN (${sql.join(
                     codes.map((c) => sql`${c}`),
                     sql`, `,
                   )})`
                 : sql`false`
             }`,
      );
    },
    /** The department name (or code) of each team member of the plan's tasks, by task id and team order. */
    teamDepartments(planId: string): Promise<TeamDepartmentRow[]> {
      return execRows<TeamDepartmentRow>(
        db,
        sql`SELECT t.id::text AS task_id, m.department_code AS code, COALESCE(d.name, m.department_code) AS name
              FROM tasks t CROSS JOIN LATERAL unnest(t.team_departments) WITH ORDINALITY AS m(department_code, position)
              LEFT JOIN departments d ON d.code = m.department_code
             WHERE t.plan_id = ${planId} ORDER BY t.id, m.position`,
      );
    },
    /** Each task's latest published result of each department, by seq; unpublished results never appear. */
    publishedResults(planId: string): Promise<PublishedResultRow[]> {
      return execRows<PublishedResultRow>(
        db,
        sql`SELECT t.id::text AS task_id, r.department_code, t.seq, t.entity_id, e.name AS entity_name, ${isoDate(sql`r.inspected_on`)} AS inspected_on,
                   r.result_code, rc.label AS result_label, fa.label AS follow_up_label,
                   ${isoDate(sql`r.follow_up_deadline`)} AS follow_up_deadline,
                   ${chinaDateOf(sql`r.published_at`)} AS published_on,
                   pb.number AS publication_number, r.corrects_result_id IS NOT NULL AS is_correction
              FROM tasks t
              JOIN entities e ON e.id = t.entity_id
              JOIN LATERAL (SELECT DISTINCT ON (r.department_code) * FROM results r WHERE r.task_id = t.id AND r.publication_id IS NOT NULL
                             ORDER BY r.department_code, r.version DESC) r ON true
              JOIN result_codes rc ON rc.code = r.result_code
              JOIN follow_up_actions fa ON fa.code = r.follow_up
              JOIN publications pb ON pb.id = r.publication_id
             WHERE t.plan_id = ${planId}
             ORDER BY t.seq, r.department_code`,
      );
    },
  };
}

export type ResultRepository = ReturnType<typeof createResultRepository>;
