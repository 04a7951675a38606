/**
 * Rectification follow-ups (限期整改 → 复查): a published 责令改正 with a deadline makes a follow-up due on that date
 * for the same team; the team (or a planner) records the outcome — 已整改, or 未整改 with what follows (约谈, 移送,
 * 列入经营异常名录, 纳入失信记录) — and a planner publishes the outcomes into the ledger (`followups.published`),
 * after which they show on the entity's public page and in the credit-event feed.
 */
import type { Database, Executor } from '../../db/client.ts';
import { chinaDate, isIsoDate } from '../../core/calendar.ts';
import { escalationCodes, escalationLabel } from '../../core/result-codes.ts';
import type { Principal } from '../access/service.ts';
import type { FollowUpJson, FollowUpPublicationJson, FollowUpQueryInput, OutcomeInput, PublishedFollowUpJson } from '../../schemas/follow-ups.ts';
import { conflict, forbidden, notFound, unprocessable } from '../errors.ts';
import { appendLedgerEntry } from '../ledger/repository.ts';
import { createFollowUpRepository, type FollowUpRow } from './repository.ts';

export function toFollowUpJson(r: FollowUpRow, today: string): FollowUpJson {
  return {
    id: Number(r.id),
    taskId: Number(r.task_id),
    planId: r.plan_id,
    entityId: r.entity_id,
    entityName: r.entity_name,
    department: r.department_code,
    resultId: Number(r.result_id),
    resultCode: r.result_code,
    inspectedOn: r.inspected_on,
    dueOn: r.due_on,
    overdue: r.status === 'due' && r.due_on < today,
    team: r.team_inspectors,
    status: r.status,
    checkedOn: r.checked_on,
    outcome: r.outcome,
    actions: r.actions.map((code) => ({ code, label: escalationLabel(code) })),
    findings: r.findings,
    recordedBy: r.recorded_by === null ? null : { tokenId: r.recorded_by, inspectorId: r.recorded_by_inspector },
    recordedAt: r.recorded_at,
    ledgerSeq: r.ledger_seq === null ? null : Number(r.ledger_seq),
    publishedAt: r.published_at,
  };
}

/** The outcome's own rules (the schema checked the shapes): dates, and actions exactly when not rectified. */
function checkOutcome(input: OutcomeInput, row: FollowUpRow, today: string): void {
  const details: { field: string; message: string }[] = [];
  if (!isIsoDate(input.checkedOn)) details.push({ field: 'checkedOn', message: `${input.checkedOn} is not a date` });
  else if (input.checkedOn < row.inspected_on) {
    details.push({ field: 'checkedOn', message: `the 复查 (${input.checkedOn}) cannot be before the inspection (${row.inspected_on})` });
  } else if (input.checkedOn > today) details.push({ field: 'checkedOn', message: `${input.checkedOn} is in the future (today is ${today})` });
  const actions = input.actions ?? [];
  if (input.outcome === 'not-rectified' && actions.length === 0) {
    details.push({ field: 'actions', message: `a correction not made (未整改) is followed by an action: one of ${escalationCodes().join(', ')}` });
  }
  if (input.outcome === 'rectified' && actions.length > 0)
    details.push({ field: 'actions', message: 'a correction made (已整改) needs no further action' });
  if (details.length > 0) throw unprocessable(details[0].message, details);
}

/** Whether the principal may record this follow-up: a planner, or an inspector of its team (others: 404, like a missing one). */
function checkRecorder(row: FollowUpRow, actor: Principal): void {
  if (actor.role === 'inspector' && !(actor.inspectorId && row.team_inspectors.includes(actor.inspectorId))) {
    throw notFound(`no follow-up ${row.id}`);
  }
  if (actor.role === 'auditor') throw forbidden('auditors read follow-ups; the team or a planner records them');
}

export function createFollowUpService(database: Pick<Database, 'db'>) {
  const { db } = database;
  const repo = createFollowUpRepository(db);
  const today = () => chinaDate(new Date());

  async function visible(id: number, principal: Principal, q: Executor = db, forUpdate = false): Promise<FollowUpRow> {
    const row = await repo.get(q, id, forUpdate);
    // An inspector sees the follow-ups of their own teams only; another's id answers as a missing one.
    if (!row || (principal.role === 'inspector' && !(principal.inspectorId && row.team_inspectors.includes(principal.inspectorId)))) {
      throw notFound(`no follow-up ${id}`);
    }
    return row;
  }

  return {
    async list(principal: Principal, q: FollowUpQueryInput) {
      const inspector = principal.role === 'inspector' ? (principal.inspectorId ?? '\u0000') : undefined;
      const t = today();
      const { rows, total } = await repo.list({ status: q.status, plan: q.plan, department: q.department, inspector, today: t }, q.limit, q.offset);
      return { items: rows.map((r) => toFollowUpJson(r, t)), total, limit: q.limit, offset: q.offset };
    },

    get: async (principal: Principal, id: number) => toFollowUpJson(await visible(id, principal), today()),

    /** Records (or amends, until published) the outcome of a follow-up. */
    async recordOutcome(principal: Principal, id: number, input: OutcomeInput): Promise<FollowUpJson> {
      await db.transaction(async (tx) => {
        const row = await visible(id, principal, tx, true);
        checkRecorder(row, principal);
        if (row.status === 'published') throw conflict(`follow-up ${id} is published (ledger entry ${row.ledger_seq}): it cannot change`);
        if (row.status === 'cancelled') throw conflict(`follow-up ${id} is cancelled: a published correction of the result lifted the order`);
        checkOutcome(input, row, today());
        await repo.recordOutcome(tx, id, {
          checkedOn: input.checkedOn,
          outcome: input.outcome,
          actions: input.outcome === 'rectified' ? [] : [...(input.actions ?? [])].sort(),
          findings: input.findings?.trim() ?? '',
          recordedBy: principal.tokenId,
          recordedByInspector: principal.role === 'inspector' ? principal.inspectorId : null,
        });
      });
      return toFollowUpJson((await repo.get(db, id))!, today());
    },

    /** Publishes a plan's recorded outcomes (one department's, when given) as one `followups.published` entry. */
    async publish(planId: string, department: string | null): Promise<FollowUpPublicationJson> {
      return db.transaction(async (tx) => {
        const plan = await repo.lockPlan(tx, planId);
        if (!plan) throw notFound(`no plan ${planId}`);
        if (department !== null && !plan.departments.includes(department)) {
          throw unprocessable(`plan ${planId} has no department ${department}`, [{ field: 'department', message: 'not a department of the plan' }]);
        }
        const rows = await repo.publishable(tx, planId, department);
        if (rows.length === 0)
          throw conflict(`plan ${planId} has no recorded, unpublished follow-up outcomes${department ? ` of ${department}` : ''}`);
        const followUps: PublishedFollowUpJson[] = rows.map((r) => ({
          entityId: r.entity_id,
          department: r.department_code,
          dueOn: r.due_on,
          checkedOn: r.checked_on!,
          outcome: r.outcome!,
          actions: r.actions,
        }));
        const body = { planId, ...(department === null ? {} : { department }), followUps };
        const entry = await appendLedgerEntry(tx, { kind: 'followups.published', planId, body });
        await repo.markPublished(
          tx,
          rows.map((r) => Number(r.id)),
          entry.seq,
          new Date(entry.at),
        );
        return { planId, department, count: rows.length, ledgerSeq: entry.seq, ledgerHash: entry.hash, publishedAt: entry.at, followUps };
      });
    },
  };
}
