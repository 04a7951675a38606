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
import { MIN_LAW_ENFORCEMENT_OFFICERS } from '../../core/law.ts';
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
  mode: results.mode,
  plannedMode: sql<string>`(SELECT mt.mode FROM tasks mt WHERE mt.id = ${results.taskId})`,
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
  /** The inspectors who signed this version (行政处罚法 第四十二条), as JSON [{inspectorId, signedAt}], first signed first. */
  signatures: sql<unknown>`(SELECT coalesce(json_agg(json_build_object('inspectorId', s.inspector_id, 'signedAt',
      to_char(s.signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY s.signed_at, s.inspector_id), '[]'::json)
      FROM result_signatures s WHERE s.result_id = ${results.id})`,
  /** Signatures it needs: two, or all the department's members of the team where a plan from before the two-inspector rule sent fewer. */
  signaturesNeeded: sql<number>`(SELECT LEAST(${MIN_LAW_ENFORCEMENT_OFFICERS}, count(*))::int FROM tasks st CROSS JOIN LATERAL unnest(st.team_departments) AS sd(code)
      WHERE st.id = ${results.taskId} AND sd.code = ${results.departmentCode})`,
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
  /** The inspection mode the task's grade calls for. */
  mode: string;
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
  /** The department whose result is late or due. */
  department: string;
  kind: OverdueKind;
  inspected_on: string | null;
  window_to: string | null;
  /** The team's departments, one per member, comma-separated (repeats are removed in JS, once per distinct team). */
  departments: string | null;
}

export interface OverdueFilter {
  /** Recorded results inspected on or before this date. */
  inspectedBy: string;
  /** Departments without a result on a task whose window ends on or before this date. */
  windowEndsBy: string;
  plan?: string;
  /** Only this department's rows (not every row of a task whose team it is on). */
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
        sql`SELECT t.id, t.plan_id, p.status AS plan_status, t.mode,
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
    /** Signs a pending version (a second signature by the same inspector changes nothing). */
    async sign(resultId: number, inspectorId: string, tokenId: string): Promise<void> {
      await db.execute(
        sql`INSERT INTO result_signatures (result_id, inspector_id, token_id) VALUES (${resultId}, ${inspectorId}, ${tokenId}) ON CONFLICT DO NOTHING`,
      );
    },
    /** An amended version was not what was signed: its signatures go. */
    async clearSignatures(resultId: number): Promise<void> {
      await db.execute(sql`DELETE FROM result_signatures WHERE result_id = ${resultId}`);
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
     * One row per task and department (谁检查、谁录入、谁公开) of drawn plans: the department's first result is
     * recorded and unpublished (not-published), or the department has recorded nothing (no-result), within the
     * filter's date bounds. A joint plan's task where SCJG has recorded and WJW has not gives a row for each.
     */
    overdueCandidates(f: OverdueFilter): Promise<OverdueRow[]> {
      const byPlan = (col: SQL) => (f.plan === undefined ? sql`true` : sql`${col} = ${f.plan}`);
      const byDepartment = (col: SQL) => (f.department === undefined ? sql`true` : sql`${col} = ${f.department}`);
      return execRows<OverdueRow>(
        db,
        sql`SELECT t.id::text AS task_id, t.plan_id, p.title AS plan_title, t.seq, t.entity_id, e.name AS entity_name,
                   x.department, x.kind, ${isoDate(sql`x.inspected_on`)} AS inspected_on, ${isoDate(sql`p.window_to`)} AS window_to,
                   array_to_string(t.team_departments, ',') AS departments
              FROM (
                    -- each department's deadline runs from its own inspection
                    SELECT r.task_id, r.department_code AS department, 'not-published' AS kind, r.inspected_on FROM results r
                     WHERE r.publication_id IS NULL AND r.corrects_result_id IS NULL AND r.inspected_on <= ${f.inspectedBy}::date
                       AND ${byDepartment(sql`r.department_code`)}
                    UNION ALL
                    -- a department of the task (departmentsOf: as a result write checks it) without any result
                    SELECT t2.id, d.code, 'no-result', NULL::date
                      FROM tasks t2 JOIN plans p2 ON p2.id = t2.plan_id
                     CROSS JOIN LATERAL unnest(${departmentsOf(sql`t2`, sql`p2`)}) AS d(code)
                     WHERE p2.status = 'drawn' AND p2.window_to IS NOT NULL AND p2.window_to <= ${f.windowEndsBy}::date
                       AND ${byPlan(sql`t2.plan_id`)} AND ${byDepartment(sql`d.code`)}
                       AND NOT EXISTS (SELECT 1 FROM results r2 WHERE r2.task_id = t2.id AND r2.department_code = d.code)
                   ) x
              JOIN tasks t ON t.id = x.task_id
              JOIN plans p ON p.id = t.plan_id
              JOIN entities e ON e.id = t.entity_id
             WHERE p.status = 'drawn' AND ${byPlan(sql`t.plan_id`)}`,
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
