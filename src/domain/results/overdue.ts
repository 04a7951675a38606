/**
 * The overdue list (谁检查、谁录入、谁公开 within N working days): tasks of drawn plans whose result is late
 * or due soon, with each one's deadline and the working days left, one item per task and department (a joint
 * plan's task, 部门联合抽查, has one result per department of its team, and each is due on its own):
 * - not-published: the department's first result is recorded but unpublished; deadline = its inspectedOn + N
 *   working days;
 * - no-result: the department has recorded nothing; deadline = the end of the plan's inspection window.
 */
import { addWorkingDays, latestStartWithin, workingDaysBetween, type Calendar } from '../../core/calendar.ts';
import type { OverdueItem } from '../../schemas/results.ts';
import type { OverdueFilter, OverdueRow } from './repository.ts';

export interface OverdueParams {
  today: string;
  /** Disclosure period N in working days. */
  workingDays: number;
  /** Also list what falls due within this many working days from today. */
  soon: number;
  plan?: string;
  department?: string;
}

/**
 * The candidate rows are selected in SQL with plain date bounds (latestStartWithin turns the
 * working-day deadline into one), so only listed rows are read.
 */
export function overdueFilter(q: OverdueParams, calendar: Calendar): OverdueFilter {
  const horizon = addWorkingDays(q.today, q.soon, calendar);
  return {
    inspectedBy: latestStartWithin(horizon, q.workingDays, calendar),
    windowEndsBy: horizon,
    plan: q.plan,
    department: q.department,
  };
}

/** The items of the candidate rows, sorted by deadline (the most overdue first), then plan, seq and department. */
export function overdueItems(rows: OverdueRow[], q: OverdueParams, calendar: Calendar): OverdueItem[] {
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
  // Teams repeat across a plan's tasks: sort each distinct team's departments once.
  const teams = new Map<string, string[]>();
  const departmentsOf = (team: string | null) => {
    if (!team) return [];
    let d = teams.get(team);
    if (d === undefined) teams.set(team, (d = [...new Set(team.split(','))].sort()));
    return d;
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
      department: r.department,
      departments: departmentsOf(r.departments),
      kind: r.kind,
      inspectedOn: r.inspected_on,
      deadline,
      overdue: deadline < q.today,
      workingDaysLeft: leftUntil(deadline),
    };
  });
  const order = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return items.sort((a, b) => order(a.deadline, b.deadline) || order(a.planId, b.planId) || a.seq - b.seq || order(a.department, b.department));
}
