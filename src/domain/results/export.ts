/**
 * The flat export of a plan's published results for the national enterprise credit information publicity
 * system (国家企业信用信息公示系统): results.csv. Formatting only; the rows come from the results repository.
 */
import { compareUtf8 } from '../../core/draw/ids.ts';
import type { PlanItemRow, PublishedResultRow, TeamDepartmentRow } from './repository.ts';

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
export function csvCell(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Each task's departments (codes and names), in team order, without repeats. */
function departmentsByTask(teams: TeamDepartmentRow[]): Map<string, { code: string; name: string }[]> {
  const departmentsOf = new Map<string, { code: string; name: string }[]>();
  for (const m of teams) {
    const list = departmentsOf.get(m.task_id) ?? [];
    if (!list.some((d) => d.code === m.code)) list.push({ code: m.code, name: m.name });
    departmentsOf.set(m.task_id, list);
  }
  return departmentsOf;
}

export interface ResultsCsvInput {
  planId: string;
  /** The plan's item codes, in plan order. */
  planItems: string[];
  /** The rows of those items that exist. */
  items: PlanItemRow[];
  teams: TeamDepartmentRow[];
  rows: PublishedResultRow[];
}

/** By entity id as UTF-8 bytes (the order of the public task list, spec §5), never by seq (the grade order); then department. */
const byEntityId = (a: PublishedResultRow, b: PublishedResultRow) =>
  compareUtf8(a.entity_id, b.entity_id) || compareUtf8(a.department_code, b.department_code);

/**
 * The published results of a plan, one row per task (= per entity) and department, in the latest published
 * version, by entity id; UTF-8 with a BOM (so Excel reads it as UTF-8) and CRLF line ends. Unpublished results
 * never appear. A joint task's row (of a task with several departments) names its own department as 检查实施机关
 * and that department's items (all the plan's, if it has none of its own); a single department's row is as before.
 */
export function resultsCsv({ planId, planItems: codes, items, teams, rows }: ResultsCsvInput): string {
  const byCode = new Map(items.map((i) => [i.code, i]));
  const planItems = codes.map((c) => byCode.get(c) ?? { code: c, name: c, department_code: '', department_name: null });
  const itemDepartments = [...new Set(planItems.map((i) => i.department_name ?? i.department_code).filter(Boolean))];
  const departmentsOf = departmentsByTask(teams);

  const lines = [CSV_HEADER.map(csvCell).join(',')];
  for (const r of [...rows].sort(byEntityId)) {
    const team = departmentsOf.get(r.task_id);
    let departments = team ? team.map((d) => d.name) : itemDepartments;
    let rowItems = planItems;
    if (team && team.length > 1) {
      departments = team.filter((d) => d.code === r.department_code).map((d) => d.name);
      const own = planItems.filter((i) => i.department_code === r.department_code);
      if (own.length) rowItems = own;
    }
    lines.push(
      [
        r.entity_id,
        r.entity_name,
        rowItems.map((i) => i.code).join('；'),
        rowItems.map((i) => i.name).join('；'),
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
