/**
 * Reports on results: the overdue list (谁检查、谁录入、谁公开 within N working days) and the flat
 * export for the national enterprise credit information publicity system (国家企业信用信息公示系统).
 */
import { sql, type SQL } from 'drizzle-orm';
import { execRows, type Db } from '../../db/client.ts';
import {
  addDays,
  addWorkingDays,
  latestStartWithin,
  workingDaysBetween,
  type Calendar,
} from '../../core/calendar.ts';
import { isoDate } from '../tasks/repository.ts';

export type OverdueKind = 'not-published' | 'no-result';

export interface OverdueItem {
  taskId: number;
  planId: string;
  planTitle: string;
  seq: number;
  entityId: string;
  entityName: string;
  departments: string[];
  kind: OverdueKind;
  inspectedOn: string | null;
  deadline: string;
  overdue: boolean;
  workingDaysLeft: number;
}

export interface OverdueQuery {
  today: string;
  /** Disclosure period N in working days. */
  workingDays: number;
  /** Also list what falls due within this many working days from today. */
  soon: number;
  plan?: string;
  department?: string;
}

/**
 * Tasks of drawn plans whose result is late or due soon:
 * - not-published: a first result is recorded but unpublished; deadline = inspectedOn + N working days;
 * - no-result: nothing recorded; deadline = the end of the plan's inspection window.
 * Sorted by deadline (the most overdue first). The candidate rows are selected in SQL with plain date
 * bounds (latestStartWithin turns the working-day deadline into one), so only listed rows are read.
 */
export async function overdueResults(db: Db, calendar: Calendar, q: OverdueQuery): Promise<OverdueItem[]> {
  const horizon = addWorkingDays(q.today, q.soon, calendar);
  const inspectedBy = latestStartWithin(horizon, q.workingDays, calendar);
  const filters: SQL[] = [sql`p.status = 'drawn'`];
  if (q.plan !== undefined) filters.push(sql`t.plan_id = ${q.plan}`);
  if (q.department !== undefined) {
    filters.push(sql`t.team_departments @> ARRAY[${q.department}]::text[]`);
  }
  const where = sql.join(filters, sql` AND `);
  const rows = await execRows<{
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
  }>(
    db,
    sql`SELECT t.id::text AS task_id, t.plan_id, p.title AS plan_title, t.seq, t.entity_id, e.name AS entity_name,
               x.kind, ${isoDate(sql`x.inspected_on`)} AS inspected_on, ${isoDate(sql`p.window_to`)} AS window_to,
               (SELECT string_agg(DISTINCT d, ',') FROM unnest(t.team_departments) d) AS departments
          FROM tasks t
          JOIN plans p ON p.id = t.plan_id
          JOIN entities e ON e.id = t.entity_id
          JOIN (
                SELECT r.task_id, 'not-published' AS kind, r.inspected_on FROM results r
                 WHERE r.publication_id IS NULL AND r.corrects_result_id IS NULL AND r.inspected_on <= ${inspectedBy}::date
                UNION ALL
                SELECT t2.id, 'no-result', NULL::date FROM tasks t2 JOIN plans p2 ON p2.id = t2.plan_id
                 WHERE p2.window_to IS NOT NULL AND p2.window_to <= ${horizon}::date
                   AND NOT EXISTS (SELECT 1 FROM results r2 WHERE r2.task_id = t2.id)
               ) x ON x.task_id = t.id
         WHERE ${where}`,
  );
  // Many rows share a date: compute each deadline and each "days left" once.
  const deadlines = new Map<string, string>();
  const left = new Map<string, number>();
  const deadlineOf = (inspectedOn: string) => {
    let d = deadlines.get(inspectedOn);
    if (d === undefined) deadlines.set(inspectedOn, (d = addWorkingDays(inspectedOn, q.workingDays, calendar)));
    return d;
  };
  const leftUntil = (deadline: string) => {
    let n = left.get(deadline);
    if (n === undefined) left.set(deadline, (n = workingDaysBetween(q.today, deadline, calendar)));
    return n;
  };
  const items = rows.map((r): OverdueItem => {
    const deadline = r.kind === 'not-published' ? deadlineOf(r.inspected_on!) : r.window_to!;
    return {
      taskId: Number(r.task_id),
      planId: r.plan_id,
      planTitle: r.plan_title,
      seq: Number(r.seq),
      entityId: r.entity_id,
      entityName: r.entity_name,
      departments: r.departments ? r.departments.split(',').sort() : [],
      kind: r.kind,
      inspectedOn: r.inspected_on,
      deadline,
      overdue: deadline < q.today,
      workingDaysLeft: leftUntil(deadline),
    };
  });
  return items.sort(
    (a, b) => (a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : 0) || (a.planId < b.planId ? -1 : a.planId > b.planId ? 1 : 0) || a.seq - b.seq,
  );
}

/** The yesterday bound for "deadline passed": kept here so callers agree on it. */
export const overdueInspectedBy = (today: string, workingDays: number, calendar: Calendar) =>
  latestStartWithin(addDays(today, -1), workingDays, calendar);

// ─── results.csv ─────────────────────────────────────────────────────────────────────────────────

export const CSV_HEADER = [
  '统一社会信用代码（注册号）',
  '企业名称',
  '抽查事项编码',
  '抽查事项名称',
  '检查实施机关',
  '检查日期',
  '检查结果代码',
  '检查结果',
  '后续处置',
  '整改期限',
  '公示日期',
  '抽查计划编号',
  '任务序号',
  '公示批次',
  '是否更正',
];

/** RFC 4180 quoting; a leading = + - @ is defused with an apostrophe so spreadsheets never run it as a formula. */
function csvCell(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The published results of a plan, one row per task (= per entity), in the latest published version;
 * UTF-8 with a BOM (so Excel reads it as UTF-8) and CRLF line ends. Unpublished results never appear.
 */
export async function resultsCsv(db: Db, planId: string, plan: { items: string[] }): Promise<string> {
  const items = await execRows<{ code: string; name: string; department_code: string; department_name: string | null }>(
    db,
    sql`SELECT i.code, i.name, i.department_code, d.name AS department_name
          FROM items i LEFT JOIN departments d ON d.code = i.department_code
         WHERE ${plan.items.length ? sql`i.code IN (${sql.join(plan.items.map((c) => sql`${c}`), sql`, `)})` : sql`false`}`,
  );
  const byCode = new Map(items.map((i) => [i.code, i]));
  const planItems = plan.items.map((c) => byCode.get(c) ?? { code: c, name: c, department_code: '', department_name: null });
  const itemDepartments = [...new Set(planItems.map((i) => i.department_name ?? i.department_code).filter(Boolean))];

  const teams = await execRows<{ task_id: string; name: string }>(
    db,
    sql`SELECT t.id::text AS task_id, COALESCE(d.name, m.department_code) AS name
          FROM tasks t CROSS JOIN LATERAL unnest(t.team_departments) WITH ORDINALITY AS m(department_code, position)
          LEFT JOIN departments d ON d.code = m.department_code
         WHERE t.plan_id = ${planId} ORDER BY t.id, m.position`,
  );
  const departmentsOf = new Map<string, string[]>();
  for (const m of teams) {
    const list = departmentsOf.get(m.task_id) ?? [];
    if (!list.includes(m.name)) list.push(m.name);
    departmentsOf.set(m.task_id, list);
  }

  const rows = await execRows<{
    task_id: string;
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
  }>(
    db,
    sql`SELECT t.id::text AS task_id, t.seq, t.entity_id, e.name AS entity_name, ${isoDate(sql`r.inspected_on`)} AS inspected_on,
               r.result_code, rc.label AS result_label, fa.label AS follow_up_label,
               ${isoDate(sql`r.follow_up_deadline`)} AS follow_up_deadline,
               to_char(r.published_at AT TIME ZONE 'UTC' + interval '8 hours', 'YYYY-MM-DD') AS published_on,
               pb.number AS publication_number, r.corrects_result_id IS NOT NULL AS is_correction
          FROM tasks t
          JOIN entities e ON e.id = t.entity_id
          JOIN LATERAL (SELECT * FROM results r WHERE r.task_id = t.id AND r.publication_id IS NOT NULL
                         ORDER BY r.version DESC LIMIT 1) r ON true
          JOIN result_codes rc ON rc.code = r.result_code
          JOIN follow_up_actions fa ON fa.code = r.follow_up
          JOIN publications pb ON pb.id = r.publication_id
         WHERE t.plan_id = ${planId}
         ORDER BY t.seq`,
  );
  const lines = [CSV_HEADER.map(csvCell).join(',')];
  for (const r of rows) {
    const departments = departmentsOf.get(r.task_id) ?? itemDepartments;
    lines.push(
      [
        r.entity_id,
        r.entity_name,
        planItems.map((i) => i.code).join('；'),
        planItems.map((i) => i.name).join('；'),
        departments.join('；'),
        r.inspected_on,
        r.result_code,
        r.result_label,
        r.follow_up_label,
        r.follow_up_deadline,
        r.published_on,
        planId,
        Number(r.seq),
        Number(r.publication_number),
        r.is_correction ? '是' : '否',
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

