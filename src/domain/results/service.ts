/**
 * Results of tasks (检查结果): entry, amendment, corrections and the audit trail, by the task's team
 * (谁检查、谁录入) or a planner; and the reports on them: the overdue list and the results.csv export.
 */
import { jsonValue, type Database, type Tx } from '../../db/client.ts';
import { inspectionModeLabel } from '../../core/result-codes.ts';
import { addWorkingDays, chinaDate, type Calendar } from '../../core/calendar.ts';
import type { HistoryAction, HistoryEntryJson, OverduePage, OverdueQuery, ResultInput, ResultJson, ResultValues } from '../../schemas/results.ts';
import type { Principal } from '../access/service.ts';
import { createCalendarRepository } from '../calendar/repository.ts';
import type { DisclosureSettings } from '../calendar/deadlines.ts';
import { createCatalogRepository } from '../catalog/repository.ts';
import { conflict, forbidden, notFound, unprocessable } from '../errors.ts';
import { createTaskRepository } from '../tasks/repository.ts';
import { createTaskService } from '../tasks/service.ts';
import { resultsCsv } from './export.ts';
import { overdueFilter, overdueItems } from './overdue.ts';
import { createResultRepository, type ChangedBy, type ResultRepository, type ResultVersion, type TaskContext } from './repository.ts';
import { checkResult, valuesOf } from './rules.ts';

/** The JSON of a version; `calendar` and `workingDays` give the disclosure deadline. */
function resultJson(v: ResultVersion, calendar: Calendar, workingDays: number): ResultJson {
  const signatures = jsonValue<ResultJson['signatures']>(v.signatures) ?? [];
  return {
    taskId: v.taskId,
    department: v.department,
    version: v.version,
    resultCode: v.resultCode,
    resultLabel: v.resultLabel,
    inspectedOn: v.inspectedOn,
    findings: v.findings,
    followUp: v.followUp,
    followUpLabel: v.followUpLabel,
    followUpDeadline: v.followUpDeadline,
    attachments: v.attachments,
    mode: v.mode,
    modeLabel: v.mode === null ? null : inspectionModeLabel(v.mode),
    plannedMode: v.plannedMode,
    correctsVersion: v.correctsVersion,
    disclosureDeadline: addWorkingDays(v.inspectedOn, workingDays, calendar),
    createdAt: v.createdAt.toISOString(),
    createdBy: { tokenId: v.createdBy, inspectorId: v.createdByInspector },
    updatedAt: v.updatedAt.toISOString(),
    updatedBy: { tokenId: v.updatedBy, inspectorId: v.updatedByInspector },
    published: v.publicationId !== null,
    publishedAt: v.publishedAt ? v.publishedAt.toISOString() : null,
    publication: v.publicationId !== null ? { id: v.publicationId, number: v.publicationNumber! } : null,
    signatures,
    awaitingSignatures: Math.max(0, Number(v.signaturesNeeded) - signatures.length),
  };
}

/**
 * Refuses unless the principal may write the task's result: an inspector on its team, or a planner (or
 * admin). A task an inspector is not on is 404, like a missing one, so task ids cannot be probed.
 */
async function checkWriter(tx: Tx, taskId: number, actor: Principal) {
  if (actor.role === 'inspector') {
    if (!actor.inspectorId || !(await createTaskRepository(tx).isOnTeam(taskId, actor.inspectorId))) {
      throw notFound(`no task ${taskId}`);
    }
  } else if (actor.role !== 'planner' && actor.role !== 'admin') {
    throw forbidden('results are entered by the task’s team or a planner');
  }
}

/** The input checked against the catalog and the task's dates (422), as the values to store; codes must suit `department`. */
async function validated(tx: Tx, task: TaskContext, department: string, input: ResultInput): Promise<ResultValues> {
  const catalog = createCatalogRepository(tx);
  const code = await catalog.getCode(input.resultCode);
  const action = await catalog.getAction(input.followUp);
  return checkResult(input, {
    taskId: task.id,
    drawnOn: task.drawn_on,
    departments: [department],
    code,
    action,
    today: chinaDate(new Date()),
    plannedMode: task.mode,
  });
}

/** 422 unless `department` is one of the task's (the departments that record its results). */
function checkDepartment(taskId: number, departments: string[], department: string): string {
  if (!departments.includes(department)) {
    throw unprocessable(`task ${taskId} has no department ${department} (its departments: ${departments.join(', ') || 'none'})`, [
      { field: 'department', message: 'not a department of the task' },
    ]);
  }
  return department;
}

/**
 * Whose result a write is (谁检查、谁录入): an inspector's own department on the task's team (403 for another
 * department's); a planner names it, or it is the task's only department.
 */
async function writerDepartment(tx: Tx, task: TaskContext, actor: Principal, requested: string | undefined): Promise<string> {
  if (actor.role === 'inspector') {
    const own = await createResultRepository(tx).inspectorDepartments(task.id, actor.inspectorId!);
    const department = requested ?? own[0];
    if (!own.includes(department)) {
      throw forbidden(`an inspector records the result of their own department (${own.join(', ')}), not of ${department}`);
    }
    return checkDepartment(task.id, task.departments, department);
  }
  return chosenDepartment(task.id, task.departments, requested);
}

/**
 * The department asked for (422 unless the task's), else the task's first: its only one, or a joint task's lead
 * department (the first on its team), so that clients written before joint results keep working.
 */
function chosenDepartment(taskId: number, departments: string[], requested: string | undefined): string {
  if (requested !== undefined) return checkDepartment(taskId, departments, requested);
  if (departments.length === 0) {
    throw unprocessable(`task ${taskId} has no department to record for`, [{ field: 'department', message: 'the task has no department' }]);
  }
  return departments[0];
}

/** A new version: the first result, or a correction of the published `latest`. */
async function addVersion(
  repo: ResultRepository,
  taskId: number,
  department: string,
  latest: ResultVersion | null,
  input: ResultInput,
  values: ResultValues,
  who: ChangedBy,
) {
  if (latest && !input.correction) {
    throw conflict(
      `the result of task ${taskId} was published${latest.publishedAt ? ` at ${latest.publishedAt.toISOString()}` : ''} ` +
        `(publication ${latest.publicationNumber}); it cannot be changed — send "correction": true to enter a correction`,
      [{ field: 'correction', message: 'a published result is only changed by a correction' }],
    );
  }
  if (!latest && input.correction) {
    throw conflict(`task ${taskId} has no published result to correct; enter it without "correction"`, [
      { field: 'correction', message: 'nothing published to correct' },
    ]);
  }
  const row = await repo.insertVersion(taskId, department, latest ? latest.version + 1 : 1, values, latest ? latest.id : null, who);
  const action: HistoryAction = latest ? 'correction' : 'created';
  await repo.appendHistory(row.id, taskId, department, row.version, action, values, who);
}

/** The pending version (a pending correction too) is amended in place; an unchanged one is left alone. */
async function amendPending(
  repo: ResultRepository,
  taskId: number,
  pending: ResultVersion,
  input: ResultInput,
  values: ResultValues,
  who: ChangedBy,
) {
  if (input.correction && pending.correctsVersion === null) {
    throw conflict(`the result of task ${taskId} is not published yet; amend it without "correction"`, [
      { field: 'correction', message: 'nothing published to correct' },
    ]);
  }
  if (JSON.stringify(valuesOf(pending)) === JSON.stringify(values)) return false;
  if (!(await repo.updatePending(pending.id, values, who))) {
    throw conflict(`the result of task ${taskId} was published meanwhile; send "correction": true to correct it`);
  }
  await repo.appendHistory(pending.id, taskId, pending.department, pending.version, 'amended', values, who);
  // What was signed is no longer what it says.
  await repo.clearSignatures(pending.id);
  return true;
}

export function createResultService(database: Database, settings: DisclosureSettings) {
  const { db } = database;
  const results = createResultRepository(db);
  const calendars = createCalendarRepository(db);
  const tasks = createTaskService(database, settings);
  const workingDays = settings.disclosureWorkingDays;

  /** The department a read is about: the one asked for, an inspector's own, or the task's first (see chosenDepartment). */
  async function readDepartment(principal: Principal, taskId: number, requested: string | undefined): Promise<string> {
    const departments = await results.departments(taskId);
    if (requested === undefined && principal.role === 'inspector' && departments.length > 1) {
      const own = await results.inspectorDepartments(taskId, principal.inspectorId!);
      if (own.length) return own[0];
    }
    return chosenDepartment(taskId, departments, requested);
  }

  async function planOr404(id: string) {
    const plan = await results.plan(id);
    if (!plan) throw notFound(`no plan ${id}`);
    return plan;
  }

  return {
    /**
     * Enter, amend or correct the result of a task, in one transaction. Checks, in order: the task exists
     * (404), the actor may write it (403), the plan is drawn (409), the values are valid (422), and the
     * state allows it (409: published without `correction`, or `correction` with nothing published).
     * `created`: a new version (the first or a correction) rather than an amendment.
     */
    async enter(taskId: number, input: ResultInput, actor: Principal): Promise<{ created: boolean; result: ResultJson }> {
      const written = await db.transaction(async (tx) => {
        const repo = createResultRepository(tx);
        const task = await repo.lockTask(taskId);
        if (!task) throw notFound(`no task ${taskId}`);
        await checkWriter(tx, taskId, actor);
        if (task.plan_status !== 'drawn') throw conflict(`plan ${task.plan_id} is ${task.plan_status}, not drawn: no results can be entered`);

        const department = await writerDepartment(tx, task, actor, input.department);
        const values = await validated(tx, task, department, input);
        const latest = await repo.latest(taskId, department);
        const who = { tokenId: actor.tokenId, inspectorId: actor.inspectorId };
        let created = false;
        if (!latest || latest.publicationId !== null) {
          await addVersion(repo, taskId, department, latest, input, values, who);
          created = true;
        } else {
          await amendPending(repo, taskId, latest, input, values, who);
        }
        // An inspector who enters (or re-enters) a result signs it: the first of the two signatures.
        if (actor.role === 'inspector' && actor.inspectorId) {
          const written = (await repo.latest(taskId, department))!;
          await repo.sign(written.id, actor.inspectorId, actor.tokenId);
        }
        return { department, created };
      });
      const latest = (await results.latest(taskId, written.department))!;
      return { created: written.created, result: resultJson(latest, await calendars.load(), workingDays) };
    },

    /**
     * An inspector of the result's department on the task's team signs its pending version (行政处罚法 第四十二条:
     * two officers); a planner cannot sign for them. 404 off the team, 403 for another department's result, 409
     * when nothing is pending.
     */
    async sign(taskId: number, department: string | undefined, actor: Principal): Promise<ResultJson> {
      const signed = await db.transaction(async (tx) => {
        const repo = createResultRepository(tx);
        const task = await repo.lockTask(taskId);
        if (!task) throw notFound(`no task ${taskId}`);
        await checkWriter(tx, taskId, actor);
        if (actor.role !== 'inspector' || !actor.inspectorId) {
          throw forbidden('a result is signed by the inspectors who did the inspection, with their own tokens');
        }
        const own = await writerDepartment(tx, task, actor, department);
        const latest = await repo.latest(taskId, own);
        if (!latest) throw conflict(`task ${taskId} has no result of ${own} to sign yet`);
        if (latest.publicationId !== null) throw conflict(`the result of task ${taskId} (${own}) is published; a correction is signed anew`);
        await repo.sign(latest.id, actor.inspectorId, actor.tokenId);
        return own;
      });
      const latest = (await results.latest(taskId, signed))!;
      return resultJson(latest, await calendars.load(), workingDays);
    },

    /** The latest version of a department's result, published or not (404 when there is none yet). */
    async current(principal: Principal, taskId: number, requested?: string): Promise<ResultJson> {
      await tasks.visibleTask(principal, taskId);
      const department = await readDepartment(principal, taskId, requested);
      const latest = await results.latest(taskId, department);
      if (!latest) throw notFound(`task ${taskId} has no result${requested === undefined ? '' : ` of ${department}`} yet`);
      return resultJson(latest, await calendars.load(), workingDays);
    },

    /** Every version (of one department, or of each by department), oldest first. */
    async versions(principal: Principal, taskId: number, department?: string): Promise<ResultJson[]> {
      await tasks.visibleTask(principal, taskId);
      if (department !== undefined) checkDepartment(taskId, await results.departments(taskId), department);
      const calendar = await calendars.load();
      return (await results.versions(taskId, department)).map((v) => resultJson(v, calendar, workingDays));
    },

    /** The audit trail (of one department, or of each): every entry, amendment and correction with who and when. */
    async history(principal: Principal, taskId: number, department?: string): Promise<HistoryEntryJson[]> {
      await tasks.visibleTask(principal, taskId);
      if (department !== undefined) checkDepartment(taskId, await results.departments(taskId), department);
      return (await results.history(taskId, department)).map((h) => ({
        department: h.departmentCode,
        version: h.version,
        action: h.action as HistoryAction,
        values: h.values as ResultValues,
        changedBy: { tokenId: h.changedBy, inspectorId: h.changedByInspector },
        changedAt: h.changedAt.toISOString(),
      }));
    },

    /** A page of the results late or due within `soon` working days, most overdue first. */
    async overdue(q: OverdueQuery): Promise<OverduePage> {
      const today = chinaDate(new Date());
      const calendar = await calendars.load();
      const params = { today, workingDays, soon: q.soon, plan: q.plan, department: q.department };
      const items = overdueItems(await results.overdueCandidates(overdueFilter(params, calendar)), params, calendar);
      return {
        items: items.slice(q.offset, q.offset + q.limit),
        total: items.length,
        limit: q.limit,
        offset: q.offset,
        today,
        disclosureWorkingDays: workingDays,
      };
    },

    /** results.csv of a plan's published results (404 for a missing plan). */
    async csv(planId: string): Promise<{ planId: string; csv: string }> {
      const plan = await planOr404(planId);
      const items = await results.planItems(plan.items);
      const teams = await results.teamDepartments(plan.id);
      const rows = await results.publishedResults(plan.id);
      return { planId: plan.id, csv: resultsCsv({ planId: plan.id, planItems: plan.items, items, teams, rows }) };
    },
  };
}
