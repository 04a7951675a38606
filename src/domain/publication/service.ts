/**
 * Publication of results (一公开): a publication freezes the results it contains, appends one
 * `results.published` entry to the public ledger and records itself — all in one transaction.
 * Corrections (更正) are new publications that name the publication they correct.
 */
import { compareUtf8 } from '../../core/draw/ids.ts';
import type { Database } from '../../db/client.ts';
import type { PublicationJson, PublicationScope, PublishedTask, PublishInput, PublishResult } from '../../schemas/results.ts';
import { conflict, notFound, unprocessable } from '../errors.ts';
import { appendLedgerEntry } from '../ledger/repository.ts';
import { createResultRepository } from '../results/repository.ts';
import { createFollowUpRepository } from '../follow-ups/repository.ts';
import { createCommitmentRepository } from '../commitments/repository.ts';
import { createPublicationRepository, type CandidateRow, type PublicationRepository } from './repository.ts';

/** The body of a `results.published` ledger entry: strings and integers only (JCS, spec §6). */
interface PublicationBody {
  planId: string;
  publicationId: number;
  number: number;
  scope: PublicationScope;
  /** Only in a publication of one department's results (joint plans). */
  department?: string;
  corrects?: { publicationId: number; number: number };
  note?: string;
  tasks: PublishedTask[];
}

/**
 * The publication `input.corrects` names, if any (422 unless it is one of the plan's and the scope is
 * "finished"); without it, scope "all" is refused (422, listing them) while any task has no result.
 */
async function correctedPublication(repo: PublicationRepository, planId: string, input: PublishInput, departments: string[]) {
  if (input.department !== undefined && !departments.includes(input.department)) {
    throw unprocessable(`plan ${planId} has no department ${input.department} (its departments: ${departments.join(', ') || 'none'})`, [
      { field: 'department', message: 'not a department of the plan' },
    ]);
  }
  if (input.corrects !== undefined) {
    const c = await repo.ofPlan(planId, input.corrects);
    if (!c)
      throw unprocessable(`plan ${planId} has no publication ${input.corrects}`, [
        { field: 'corrects', message: 'no such publication of this plan' },
      ]);
    if (input.scope !== 'finished') {
      throw unprocessable('a correction publishes the pending corrections; use scope "finished"', [
        { field: 'scope', message: 'must be "finished" with corrects' },
      ]);
    }
    return c;
  }
  if (input.scope === 'all') {
    const missing = await repo.tasksWithoutResult(planId, input.department ?? null);
    if (missing.length) {
      const joint = departments.length > 1;
      throw unprocessable(
        `${missing.length} result(s) of plan ${planId} are not entered yet; enter them or publish with scope "finished"`,
        missing.map((m) => ({
          field: 'tasks',
          message: `task seq ${m.seq} (entity ${m.entity_id}) has no result${joint ? ` of ${m.department_code}` : ''}`,
        })),
      );
    }
  }
  return null;
}

/**
 * The tasks of a publication as the public sees them: by entity id, and with `seq` only where the grades are
 * public — seq is the grade order of the draw (spec §3), so on a non-public scheme it would reveal each grade.
 */
function publishedTasks(
  candidates: { seq: number | string; entity_id: string; department_code: string; result_code: string; inspected_on: string }[],
  gradesPublic: boolean,
  joint: boolean,
): PublishedTask[] {
  // A single-department plan's entries keep their shape (no department): its ledger bodies read as before.
  return candidates
    .map((c) => ({
      ...(gradesPublic ? { seq: Number(c.seq) } : {}),
      entityId: c.entity_id,
      ...(joint ? { department: c.department_code } : {}),
      resultCode: c.result_code,
      inspectedOn: c.inspected_on,
    }))
    .sort((a, b) => compareUtf8(a.entityId, b.entityId) || compareUtf8(a.department ?? '', b.department ?? ''));
}

/**
 * The candidates two inspectors have signed (行政处罚法 第四十二条; all of the department's members of the team, where a
 * plan from before the two-inspector rule sent only one). Scope "all" means every result: one still awaiting a
 * signature refuses the publication (422, naming each); "finished" publishes the signed ones and leaves the rest.
 */
function signedOnly(pending: CandidateRow[], scope: PublicationScope, planId: string): CandidateRow[] {
  const signed = (c: CandidateRow) => Number(c.signatures) >= Number(c.signatures_needed);
  const unsigned = pending.filter((c) => !signed(c));
  if (scope === 'all' && unsigned.length > 0) {
    throw unprocessable(
      `${unsigned.length} result(s) of plan ${planId} await a signature; two inspectors sign each result before it is published`,
      unsigned.map((c) => ({
        field: 'tasks',
        message: `task seq ${c.seq} (entity ${c.entity_id}, ${c.department_code}) has ${Number(c.signatures)} of ${Number(c.signatures_needed)} signatures`,
      })),
    );
  }
  return pending.filter(signed);
}

export function createPublicationService(database: Database) {
  const { db } = database;
  const publications = createPublicationRepository(db);
  const results = createResultRepository(db);

  return {
    /** A plan's publications, in order (404 for a missing plan). */
    async list(planId: string): Promise<PublicationJson[]> {
      if (!(await results.plan(planId))) throw notFound(`no plan ${planId}`);
      return publications.list(planId);
    },

    /**
     * Publish a plan's results. Without `corrects`: the plan's unpublished first results ("all" refuses
     * while any task has none). With `corrects`: the pending corrections of results published by that
     * publication. 409 when the plan is not drawn or there is nothing to publish.
     */
    async publish(planId: string, input: PublishInput, publishedBy: string): Promise<PublishResult> {
      return db.transaction(async (tx) => {
        const repo = createPublicationRepository(tx);
        const plan = await repo.lockPlan(planId);
        if (!plan) throw notFound(`no plan ${planId}`);
        if (plan.status !== 'drawn') throw conflict(`plan ${planId} is ${plan.status}: only a drawn plan has results to publish`);

        const corrects = await correctedPublication(repo, planId, input, plan.departments);
        const department = input.department ?? null;
        const pending = await repo.candidates(planId, corrects?.id ?? null, department);
        const candidates = signedOnly(pending, input.scope, planId);
        if (candidates.length === 0) {
          const of = department === null ? '' : ` of ${department}`;
          const unsigned = pending.length > 0 ? `: ${pending.length} await their second signature (行政处罚法 第四十二条)` : '';
          throw conflict(
            corrects
              ? `no pending corrections${of} of results published in publication ${corrects.number}${unsigned}`
              : `plan ${planId} has no unpublished results${of} ready to publish${unsigned}`,
          );
        }

        const id = await repo.nextId();
        const number = await repo.nextNumber(planId);
        const body: PublicationBody = {
          planId,
          publicationId: id,
          number,
          scope: input.scope,
          ...(department !== null ? { department } : {}),
          ...(corrects ? { corrects: { publicationId: corrects.id, number: corrects.number } } : {}),
          ...(input.note ? { note: input.note } : {}),
          tasks: publishedTasks(candidates, plan.gradesPublic, plan.departments.length > 1),
        };
        // The ledger append holds the chain's lock until commit, so the rows below are written under it:
        // two statements, and the publication becomes visible together with its ledger entry.
        const entry = await appendLedgerEntry(tx, { kind: 'results.published', planId, body });
        const publishedAt = new Date(entry.at);
        await repo.insert({
          id,
          planId,
          number: body.number,
          scope: input.scope,
          departmentCode: department,
          correctsId: corrects?.id ?? null,
          note: input.note ?? null,
          ledgerSeq: entry.seq,
          taskCount: candidates.length,
          publishedBy,
          publishedAt,
        });
        await repo.markPublished(
          candidates.map((c) => Number(c.id)),
          id,
          publishedAt,
        );
        // A published 责令改正 with a deadline is due for its 复查 (限期整改); a correction without one lifts it.
        await createFollowUpRepository(tx).fromPublishedResults(
          tx,
          candidates.map((c) => Number(c.id)),
        );
        // A published 已履约 / 未履约 of a commitment plan is the commitment's outcome (履约践诺, fed back).
        await createCommitmentRepository(tx).fromPublishedResults(
          tx,
          candidates.map((c) => Number(c.id)),
        );
        return {
          id,
          planId,
          number: body.number,
          scope: input.scope,
          department,
          corrects,
          note: input.note ?? null,
          taskCount: candidates.length,
          ledgerSeq: entry.seq,
          publishedAt: entry.at,
          tasks: body.tasks,
          ledgerHash: entry.hash,
        };
      });
    },
  };
}
