/**
 * Results of tasks (检查结果): entry, amendment, corrections and the audit trail.
 *
 * A task's results are versions. Version 1 is entered by the team (or a planner) and amended in place
 * until it is published; every change is also appended to result_history with who made it and when.
 * Once published a version is frozen (the service never updates it, and a trigger rejects it anyway); a
 * correction (更正) is a new pending version naming the published one it corrects, published later by a
 * publication that says which publication it corrects.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db, Executor, Tx } from '../../db/client.ts';
import { execRows } from '../../db/client.ts';
import {
  followUpActions,
  publications,
  resultCodes,
  resultHistory,
  results,
  type ResultAttachment,
} from '../../db/schema.ts';
import { addWorkingDays, chinaDate, isIsoDate, type Calendar } from '../../core/calendar.ts';
import { conflict, forbidden, notFound, unprocessable, type ErrorDetail } from '../../domain/errors.ts';
import { isOnTeam } from '../tasks/repository.ts';

export interface Actor {
  tokenId: string;
  role: string;
  inspectorId: string | null;
}

export interface ResultInput {
  resultCode: string;
  inspectedOn: string;
  findings?: string;
  followUp: string;
  followUpDeadline?: string | null;
  attachments?: ResultAttachment[];
  correction?: boolean;
}

/** The values a version holds, as kept in the audit trail. */
export interface ResultValues {
  resultCode: string;
  inspectedOn: string;
  findings: string;
  followUp: string;
  followUpDeadline: string | null;
  attachments: ResultAttachment[];
}

const corrected = alias(results, 'corrected');

const versionColumns = {
  id: results.id,
  taskId: results.taskId,
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

export type ResultVersion = Awaited<ReturnType<ReturnType<typeof createResultRepository>['versions']>>[number];

/** The JSON of a version; `calendar` and `workingDays` give the disclosure deadline. */
export function resultJson(v: ResultVersion, calendar: Calendar, workingDays: number) {
  return {
    taskId: v.taskId,
    version: v.version,
    resultCode: v.resultCode,
    resultLabel: v.resultLabel,
    inspectedOn: v.inspectedOn,
    findings: v.findings,
    followUp: v.followUp,
    followUpLabel: v.followUpLabel,
    followUpDeadline: v.followUpDeadline,
    attachments: v.attachments,
    correctsVersion: v.correctsVersion,
    disclosureDeadline: addWorkingDays(v.inspectedOn, workingDays, calendar),
    createdAt: v.createdAt.toISOString(),
    createdBy: { tokenId: v.createdBy, inspectorId: v.createdByInspector },
    updatedAt: v.updatedAt.toISOString(),
    updatedBy: { tokenId: v.updatedBy, inspectorId: v.updatedByInspector },
    published: v.publicationId !== null,
    publishedAt: v.publishedAt ? v.publishedAt.toISOString() : null,
    publication: v.publicationId !== null ? { id: v.publicationId, number: v.publicationNumber! } : null,
  };
}

/** Exactly the ResultValues members of `r` (which may carry more), attachments without empty fields. */
const valuesOf = (r: ResultValues): ResultValues => ({
  resultCode: r.resultCode,
  inspectedOn: r.inspectedOn,
  findings: r.findings,
  followUp: r.followUp,
  followUpDeadline: r.followUpDeadline,
  attachments: r.attachments.map((a) => ({ name: a.name, ...(a.uri ? { uri: a.uri } : {}), ...(a.sha256 ? { sha256: a.sha256 } : {}) })),
});

interface TaskContext {
  id: number;
  plan_id: string;
  plan_status: string;
  drawn_on: string;
}

export function createResultRepository(db: Db) {
  function selectVersions(q: Executor) {
    return q
      .select(versionColumns)
      .from(results)
      .innerJoin(resultCodes, eq(resultCodes.code, results.resultCode))
      .innerJoin(followUpActions, eq(followUpActions.code, results.followUp))
      .leftJoin(publications, eq(publications.id, results.publicationId))
      .leftJoin(corrected, eq(corrected.id, results.correctsResultId));
  }

  return {
    /** Every version of a task's result, oldest first. */
    versions: (taskId: number, q: Executor = db) =>
      selectVersions(q).where(eq(results.taskId, taskId)).orderBy(asc(results.version)),
    latest: async (taskId: number, q: Executor = db) =>
      (await selectVersions(q).where(eq(results.taskId, taskId)).orderBy(desc(results.version)).limit(1))[0] ?? null,
    history: (taskId: number) =>
      db.select().from(resultHistory).where(eq(resultHistory.taskId, taskId)).orderBy(asc(resultHistory.id)),

    /**
     * Enter, amend or correct the result of a task, in one transaction. Checks, in order: the task exists
     * (404), the actor may write it (403), the plan is drawn (409), the values are valid (422), and the
     * state allows it (409: published without `correction`, or `correction` with nothing published).
     */
    async enter(taskId: number, input: ResultInput, actor: Actor) {
      return db.transaction(async (tx) => {
        // Locking the task serializes writers of the same task (version numbers, the one pending version).
        const [task] = await execRows<TaskContext>(
          tx,
          sql`SELECT t.id, t.plan_id, p.status AS plan_status,
                     to_char(COALESCE(d.drawn_at, t.created_at) AT TIME ZONE 'UTC' + interval '8 hours', 'YYYY-MM-DD') AS drawn_on
                FROM tasks t JOIN plans p ON p.id = t.plan_id LEFT JOIN plan_draws d ON d.plan_id = t.plan_id
               WHERE t.id = ${taskId} FOR UPDATE OF t`,
        );
        if (!task) throw notFound(`no task ${taskId}`);
        if (actor.role === 'inspector') {
          if (!actor.inspectorId || !(await isOnTeam(tx, taskId, actor.inspectorId))) {
            throw forbidden(`inspector ${actor.inspectorId ?? '?'} is not on the team of task ${taskId}`);
          }
        } else if (actor.role !== 'planner' && actor.role !== 'admin') {
          throw forbidden('results are entered by the task’s team or a planner');
        }
        if (task.plan_status !== 'drawn') throw conflict(`plan ${task.plan_id} is ${task.plan_status}, not drawn: no results can be entered`);

        const values = await validate(tx, taskId, task, input);
        const latest = (await selectVersions(tx).where(eq(results.taskId, taskId)).orderBy(desc(results.version)).limit(1))[0];
        const who = { tokenId: actor.tokenId, inspectorId: actor.inspectorId };

        if (!latest || latest.publicationId !== null) {
          // A new version: the first result, or a correction of the published one.
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
          const [row] = await tx
            .insert(results)
            .values({
              taskId,
              version: latest ? latest.version + 1 : 1,
              ...values,
              correctsResultId: latest ? latest.id : null,
              createdBy: who.tokenId,
              createdByInspector: who.inspectorId,
              updatedBy: who.tokenId,
              updatedByInspector: who.inspectorId,
            })
            .returning({ id: results.id, version: results.version });
          await appendHistory(tx, row.id, taskId, row.version, latest ? 'correction' : 'created', values, who);
          return { created: true, changed: true };
        }

        // The pending version is amended in place (a pending correction too).
        if (input.correction && latest.correctsVersion === null) {
          throw conflict(`the result of task ${taskId} is not published yet; amend it without "correction"`, [
            { field: 'correction', message: 'nothing published to correct' },
          ]);
        }
        if (JSON.stringify(valuesOf(latest)) === JSON.stringify(values)) return { created: false, changed: false };
        // publication_id IS NULL in the WHERE: a publication that committed meanwhile wins, and this edit is refused.
        const updated = await tx
          .update(results)
          .set({ ...values, updatedBy: who.tokenId, updatedByInspector: who.inspectorId, updatedAt: new Date() })
          .where(and(eq(results.id, latest.id), sql`${results.publicationId} IS NULL`))
          .returning({ id: results.id });
        if (updated.length === 0) throw conflict(`the result of task ${taskId} was published meanwhile; send "correction": true to correct it`);
        await appendHistory(tx, latest.id, taskId, latest.version, 'amended', values, who);
        return { created: false, changed: true };
      });
    },
  };
}

export type ResultRepository = ReturnType<typeof createResultRepository>;

async function appendHistory(
  tx: Tx,
  resultId: number,
  taskId: number,
  version: number,
  action: 'created' | 'amended' | 'correction',
  values: ResultValues,
  who: { tokenId: string; inspectorId: string | null },
) {
  await tx.insert(resultHistory).values({
    resultId,
    taskId,
    version,
    action,
    values,
    changedBy: who.tokenId,
    changedByInspector: who.inspectorId,
  });
}

/** Checks the input against the lists and dates; 422 naming every bad field at once. */
async function validate(tx: Tx, taskId: number, task: TaskContext, input: ResultInput): Promise<ResultValues> {
  const details: ErrorDetail[] = [];
  // Department codes the task belongs to: its team's and its plan's items'.
  const depts = (
    await execRows<{ code: string }>(
      tx,
      sql`SELECT unnest(team_departments) AS code FROM tasks WHERE id = ${taskId}
          UNION SELECT i.department_code FROM items i JOIN plans p ON i.code = ANY (p.items) WHERE p.id = ${task.plan_id}`,
    )
  ).map((r) => r.code);

  const [code] = await tx.select().from(resultCodes).where(eq(resultCodes.code, input.resultCode));
  if (!code) details.push({ field: 'resultCode', message: `unknown result code ${input.resultCode} (see GET /api/v1/result-codes)` });
  else if (!code.active) details.push({ field: 'resultCode', message: `result code ${input.resultCode} is no longer in use` });
  else if (code.departmentCode && !depts.includes(code.departmentCode)) {
    details.push({ field: 'resultCode', message: `result code ${input.resultCode} belongs to department ${code.departmentCode}, not to this task` });
  }

  const [action] = await tx.select().from(followUpActions).where(eq(followUpActions.code, input.followUp));
  if (!action) details.push({ field: 'followUp', message: `unknown follow-up action ${input.followUp} (see GET /api/v1/follow-up-actions)` });
  else if (!action.active) details.push({ field: 'followUp', message: `follow-up action ${input.followUp} is no longer in use` });
  else if (action.departmentCode && !depts.includes(action.departmentCode)) {
    details.push({ field: 'followUp', message: `follow-up action ${input.followUp} belongs to department ${action.departmentCode}, not to this task` });
  }

  const today = chinaDate(new Date());
  if (!isIsoDate(input.inspectedOn)) details.push({ field: 'inspectedOn', message: `${input.inspectedOn} is not a calendar date` });
  else if (input.inspectedOn > today) details.push({ field: 'inspectedOn', message: `${input.inspectedOn} is in the future (today is ${today})` });
  else if (input.inspectedOn < task.drawn_on) {
    details.push({ field: 'inspectedOn', message: `${input.inspectedOn} is before the draw (${task.drawn_on})` });
  }

  const deadline = input.followUpDeadline ?? null;
  if (action?.requiresDeadline && deadline === null) {
    details.push({ field: 'followUpDeadline', message: `${action.label} needs a deadline (限期改正)` });
  } else if (action && !action.requiresDeadline && deadline !== null) {
    details.push({ field: 'followUpDeadline', message: `${action.label} takes no deadline` });
  } else if (deadline !== null && !isIsoDate(deadline)) {
    details.push({ field: 'followUpDeadline', message: `${deadline} is not a calendar date` });
  } else if (deadline !== null && isIsoDate(input.inspectedOn) && deadline < input.inspectedOn) {
    details.push({ field: 'followUpDeadline', message: `the deadline ${deadline} is before the inspection (${input.inspectedOn})` });
  }

  (input.attachments ?? []).forEach((a, i) => {
    if (!a.uri && !a.sha256) details.push({ field: `attachments/${i}`, message: 'an attachment needs a uri or a sha256' });
  });

  if (details.length) throw unprocessable(`invalid result for task ${taskId}`, details);
  return valuesOf({
    resultCode: input.resultCode,
    inspectedOn: input.inspectedOn,
    findings: input.findings ?? '',
    followUp: input.followUp,
    followUpDeadline: deadline,
    attachments: (input.attachments ?? []).map((a) => ({ ...a, ...(a.sha256 ? { sha256: a.sha256.toLowerCase() } : {}) })),
  });
}
