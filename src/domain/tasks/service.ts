/**
 * Tasks as their readers see them. Inspectors see only the tasks of their own team (谁检查、谁录入);
 * planners and auditors see all, and only they see grades of a scheme that is not public.
 */
import type { Database } from '../../db/client.ts';
import { addWorkingDays, chinaDate, type Calendar } from '../../core/calendar.ts';
import { isSet, type TaskJson, type TaskListQuery, type TeamMember } from '../../schemas/tasks.ts';
import type { Principal } from '../access/service.ts';
import { createCalendarRepository } from '../calendar/repository.ts';
import { overdueInspectedBy, type DisclosureSettings } from '../calendar/deadlines.ts';
import { forbidden, notFound, unprocessable } from '../errors.ts';
import { createTaskRepository, type TaskRow } from './repository.ts';

/** The JSON of a task; `calendar` and `workingDays` give its result's disclosure deadline. */
function taskJson(r: TaskRow, team: TeamMember[], calendar: Calendar, workingDays: number, showGrade: boolean): TaskJson {
  return {
    id: Number(r.task_id),
    planId: r.plan_id,
    planTitle: r.plan_title,
    seq: r.seq,
    entityId: r.entity_id,
    entity: { id: r.entity_id, name: r.entity_name, address: r.entity_address, region: r.entity_region },
    grade: showGrade || r.grade_public ? r.grade : null,
    mode: r.mode,
    team,
    status: r.status,
    windowFrom: r.window_from,
    dueDate: r.window_to,
    result:
      r.version === null
        ? null
        : {
            version: r.version,
            resultCode: r.result_code!,
            inspectedOn: r.inspected_on!,
            disclosureDeadline: addWorkingDays(r.inspected_on!, workingDays, calendar),
            publishedVersion: r.published_version,
            publishedAt: r.published_at,
          },
  };
}

export function createTaskService(database: Database, settings: DisclosureSettings) {
  const tasks = createTaskRepository(database.db);
  const calendars = createCalendarRepository(database.db);
  const workingDays = settings.disclosureWorkingDays;

  /** The task; 404 for a missing one and, alike (task ids cannot be probed), for an inspector not on its team. */
  async function visibleTask(principal: Principal, id: number): Promise<TaskRow> {
    const task = await tasks.get(id);
    if (!task) throw notFound(`no task ${id}`);
    if (principal.role === 'inspector' && !(principal.inspectorId && (await tasks.isOnTeam(id, principal.inspectorId)))) {
      throw notFound(`no task ${id}`);
    }
    return task;
  }

  /** The inspector filter of a listing: an inspector token only ever lists its own inspector's tasks. */
  function inspectorOf(principal: Principal, q: TaskListQuery): string | undefined {
    if (principal.role === 'inspector') {
      if (!principal.inspectorId) throw forbidden('this inspector token names no inspector');
      if (q.inspector !== undefined && q.inspector !== principal.inspectorId) throw forbidden('an inspector sees only their own tasks');
      return principal.inspectorId;
    }
    if (isSet(q.mine)) {
      throw unprocessable('mine=1 is for inspector tokens', [{ field: 'mine', message: 'this token acts for no inspector' }]);
    }
    return q.inspector;
  }

  return {
    visibleTask,

    /** A page of tasks: an inspector's own by due date, or any for planners and auditors by plan. */
    async list(principal: Principal, q: TaskListQuery) {
      const inspector = inspectorOf(principal, q);
      const calendar = await calendars.load();
      let overdue;
      if (isSet(q.overdue)) {
        const today = chinaDate(new Date());
        overdue = { today, inspectedBy: overdueInspectedBy(today, workingDays, calendar) };
      }
      const { rows, total } = await tasks.list(
        { plan: q.plan, status: q.status, department: q.department, inspector, entity: q.entity, overdue },
        principal.role === 'inspector' ? 'due' : 'plan',
        q.limit,
        q.offset,
      );
      const teams = await tasks.teams(rows.map((r) => Number(r.task_id)));
      const showGrade = principal.role !== 'inspector';
      return {
        items: rows.map((r) => taskJson(r, teams.get(Number(r.task_id)) ?? [], calendar, workingDays, showGrade)),
        total,
        limit: q.limit,
        offset: q.offset,
      };
    },

    async get(principal: Principal, id: number): Promise<TaskJson> {
      const task = await visibleTask(principal, id);
      const teams = await tasks.teams([id]);
      return taskJson(task, teams.get(id) ?? [], await calendars.load(), workingDays, principal.role !== 'inspector');
    },
  };
}
