/**
 * The overdue list (谁检查、谁录入、谁公开 within N working days): tasks of drawn plans whose result is late
 * or due soon, with each one's deadline and the working days left.
 * - not-published: a first result is recorded but unpublished; deadline = inspectedOn + N working days;
 * - no-result: nothing recorded; deadline = the end of the plan's inspection window.
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

/** The items of the candidate rows, sorted by deadline (the most overdue first). */
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
    (a, b) =>
      (a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : 0) || (a.planId < b.planId ? -1 : a.planId > b.planId ? 1 : 0) || a.seq - b.seq,
  );
}
