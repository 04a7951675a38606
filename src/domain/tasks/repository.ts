/**
 * Tasks (抽查任务) as inspectors and planners see them: the drawn entity, its team, the inspection mode,
 * the plan's window and the state of the result. Tasks are written by the draw (the plans domain); this
 * file only reads them. A task's status is derived from its results, never stored twice:
 *   assigned   – no result yet (of a joint plan's task: some department of its team has none yet)
 *   recorded   – a result is entered, not yet published (it can still be amended)
 *   published  – the latest result is public (of every department)
 *   correcting – published, and a correction is entered but not yet published
 * A joint plan's task has one result per department (results.department_code): it is finished only when every
 * department of its team has recorded; correcting wins over recorded over published across its departments.
 */
import { asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { execRows, type Executor } from '../../db/client.ts';
import { departments, inspectors, taskInspectors } from '../../db/schema.ts';
import { isoDate, isoInstant } from '../../db/sql.ts';
import { departmentsOf } from '../results/repository.ts';
import type { TaskStatus, TeamMember } from '../../schemas/tasks.ts';

/** The task read model: one row of TASKS below, shared by the tasks and results domains. */
export interface TaskRow {
  task_id: string;
  plan_id: string;
  plan_title: string;
  plan_status: string;
  seq: number;
  entity_id: string;
  entity_name: string;
  entity_address: string | null;
  entity_region: string;
  grade: string;
  /** Whether the plan's grade scheme is public (grades may be shown). */
  grade_public: boolean;
  mode: string;
  window_from: string | null;
  window_to: string | null;
  status: TaskStatus;
  version: number | null;
  result_code: string | null;
  inspected_on: string | null;
  published_version: number | null;
  published_at: string | null;
}

export interface TaskFilter {
  ids?: number[];
  plan?: string;
  inspector?: string;
  department?: string;
  entity?: string;
  status?: TaskStatus;
  /** Overdue: a recorded result inspected on or before `inspectedBy`, or no result and the window ended before `today`. */
  overdue?: { inspectedBy: string; today: string };
}

/** One row per task with the latest result version (cur) and the latest published one (pub). */
const TASKS = sql`
  SELECT t.id::text AS task_id, t.plan_id, p.title AS plan_title, p.status AS plan_status, t.seq, t.entity_id,
         e.name AS entity_name, e.address AS entity_address, e.region AS entity_region, t.grade,
         COALESCE(gs.public, false) AS grade_public, t.mode,
         ${isoDate(sql`p.window_from`)} AS window_from, ${isoDate(sql`p.window_to`)} AS window_to,
         p.window_to AS window_to_date,
         CASE WHEN cur.version IS NULL OR st.missing > 0 THEN 'assigned'
              WHEN st.correcting THEN 'correcting'
              WHEN st.recording THEN 'recorded'
              ELSE 'published' END AS status,
         cur.version, cur.result_code, ${isoDate(sql`cur.inspected_on`)} AS inspected_on, cur.inspected_on AS inspected_on_date,
         pub.version AS published_version, ${isoInstant(sql`pub.published_at`)} AS published_at,
         st.pending_inspected_on, t.id AS tid, t.team_inspectors, t.team_departments
    FROM tasks t
    JOIN plans p ON p.id = t.plan_id
    JOIN entities e ON e.id = t.entity_id
    LEFT JOIN grade_schemes gs ON gs.code = p.grade_scheme
    LEFT JOIN LATERAL (SELECT r.version, r.result_code, r.inspected_on, r.publication_id FROM results r
                        WHERE r.task_id = t.id ORDER BY r.version DESC, r.updated_at DESC LIMIT 1) cur ON true
    LEFT JOIN LATERAL (SELECT r.version, r.published_at FROM results r
                        WHERE r.task_id = t.id AND r.publication_id IS NOT NULL ORDER BY r.version DESC, r.published_at DESC LIMIT 1) pub ON true
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE c.version IS NULL) AS missing,
             coalesce(bool_or(c.publication_id IS NULL AND c.version IS NOT NULL AND c.has_published), false) AS correcting,
             coalesce(bool_or(c.publication_id IS NULL AND c.version IS NOT NULL AND NOT c.has_published), false) AS recording,
             -- the earliest inspection of a recorded, unpublished first result: its disclosure deadline runs (谁公开)
             min(c.inspected_on) FILTER (WHERE c.publication_id IS NULL AND c.version IS NOT NULL AND NOT c.has_published) AS pending_inspected_on
        FROM unnest(${departmentsOf(sql`t`, sql`p`)}) AS d(code)
        LEFT JOIN LATERAL (SELECT r.version, r.publication_id, r.inspected_on,
                                  EXISTS (SELECT 1 FROM results r2 WHERE r2.task_id = t.id AND r2.department_code = d.code
                                                                     AND r2.publication_id IS NOT NULL) AS has_published
                             FROM results r WHERE r.task_id = t.id AND r.department_code = d.code
                            ORDER BY r.version DESC LIMIT 1) c ON true) st ON true`;

/** Conditions on the task itself (id, plan, entity, team), on columns named for the query they go into. */
function baseConds(f: TaskFilter, c: { id: SQL; planId: SQL; entityId: SQL; teamInspectors: SQL; teamDepartments: SQL }): SQL[] {
  const conds: SQL[] = [sql`true`];
  if (f.ids)
    conds.push(
      f.ids.length
        ? sql`${c.id} IN (${sql.join(
            f.ids.map((id) => sql`${id}`),
            sql`, `,
          )})`
        : sql`false`,
    );
  if (f.plan !== undefined) conds.push(sql`${c.planId} = ${f.plan}`);
  if (f.entity !== undefined) conds.push(sql`${c.entityId} = ${f.entity}`);
  if (f.inspector !== undefined) {
    // @> on the array: the GIN index on tasks.team_inspectors answers it
    conds.push(sql`${c.teamInspectors} @> ARRAY[${f.inspector}]::text[]`);
  }
  if (f.department !== undefined) {
    conds.push(sql`${c.teamDepartments} @> ARRAY[${f.department}]::text[]`);
  }
  return conds;
}

/** Conditions on the derived state (status, overdue), on the TASKS columns. */
function stateConds(f: TaskFilter): SQL[] {
  const conds: SQL[] = [];
  if (f.status !== undefined) conds.push(sql`x.status = ${f.status}`);
  if (f.overdue) {
    // a joint task is overdue as soon as one department's recorded result is (its status may still be assigned)
    conds.push(sql`((x.pending_inspected_on <= ${f.overdue.inspectedBy}::date)
                    OR (x.status = 'assigned' AND x.window_to_date < ${f.overdue.today}::date))`);
  }
  return conds;
}

function whereOf(f: TaskFilter): SQL {
  return sql.join(
    [
      ...baseConds(f, {
        id: sql`x.tid`,
        planId: sql`x.plan_id`,
        entityId: sql`x.entity_id`,
        teamInspectors: sql`x.team_inspectors`,
        teamDepartments: sql`x.team_departments`,
      }),
      ...stateConds(f),
    ],
    sql` AND `,
  );
}

export function createTaskRepository(db: Executor) {
  return {
    async list(filter: TaskFilter, order: 'plan' | 'due', limit: number, offset: number) {
      const where = whereOf(filter);
      const orderBy = order === 'due' ? sql`x.window_to_date ASC NULLS LAST, x.plan_id, x.seq` : sql`x.plan_id, x.seq`;
      const rows = await execRows<TaskRow>(db, sql`SELECT * FROM (${TASKS}) x WHERE ${where} ORDER BY ${orderBy} LIMIT ${limit} OFFSET ${offset}`);
      // Without a state filter the count needs no result lookups: count the tasks themselves.
      const countQuery = stateConds(filter).length
        ? sql`SELECT count(*)::int AS total FROM (${TASKS}) x WHERE ${where}`
        : sql`SELECT count(*)::int AS total FROM tasks t
               WHERE ${sql.join(baseConds(filter, { id: sql`t.id`, planId: sql`t.plan_id`, entityId: sql`t.entity_id`, teamInspectors: sql`t.team_inspectors`, teamDepartments: sql`t.team_departments` }), sql` AND `)}`;
      const [{ total }] = await execRows<{ total: number }>(db, countQuery);
      return { rows: rows.map(normalize), total: Number(total) };
    },
    async get(id: number): Promise<TaskRow | null> {
      const [row] = await execRows<TaskRow>(db, sql`SELECT * FROM (${TASKS}) x WHERE x.tid = ${id}`);
      return row ? normalize(row) : null;
    },
    /** Teams of the given tasks, members in protocol order. */
    async teams(taskIds: number[]): Promise<Map<number, TeamMember[]>> {
      const teams = new Map<number, TeamMember[]>();
      if (taskIds.length === 0) return teams;
      const rows = await db
        .select({
          taskId: taskInspectors.taskId,
          position: taskInspectors.position,
          departmentCode: taskInspectors.departmentCode,
          departmentName: departments.name,
          inspectorId: taskInspectors.inspectorId,
          inspectorName: inspectors.name,
        })
        .from(taskInspectors)
        .innerJoin(inspectors, eq(inspectors.id, taskInspectors.inspectorId))
        .leftJoin(departments, eq(departments.code, taskInspectors.departmentCode))
        .where(inArray(taskInspectors.taskId, taskIds))
        .orderBy(asc(taskInspectors.taskId), asc(taskInspectors.position));
      for (const { taskId, ...m } of rows) {
        const team = teams.get(taskId) ?? [];
        team.push(m);
        teams.set(taskId, team);
      }
      return teams;
    },
    /** Whether `inspectorId` is on the team of task `taskId`. */
    async isOnTeam(taskId: number, inspectorId: string): Promise<boolean> {
      const rows = await execRows(db, sql`SELECT 1 FROM tasks WHERE id = ${taskId} AND ${inspectorId} = ANY (team_inspectors)`);
      return rows.length > 0;
    },
  };
}

function normalize(r: TaskRow): TaskRow {
  return {
    ...r,
    seq: Number(r.seq),
    version: r.version === null ? null : Number(r.version),
    published_version: r.published_version === null ? null : Number(r.published_version),
  };
}
