/**
 * Publication of results (一公开): a publication freezes the results it contains, appends one
 * `results.published` entry to the public ledger and records itself — all in one transaction.
 * Corrections (更正) are new publications that name the publication they correct.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { execRows } from '../../db/client.ts';
import { plans, publications, results } from '../../db/schema.ts';
import { conflict, notFound, unprocessable } from '../../domain/errors.ts';
import { appendLedgerEntry } from '../../domain/ledger/repository.ts';
import { isoDate, isoInstant } from '../tasks/repository.ts';

export type PublicationScope = 'all' | 'finished';

export interface PublishInput {
  scope: PublicationScope;
  /** Id of the publication this one corrects. */
  corrects?: number;
  note?: string;
}

/** One task in a `results.published` ledger body: strings and integers only (JCS, spec §6). */
export interface PublishedTask {
  seq: number;
  entityId: string;
  resultCode: string;
  inspectedOn: string;
}

export interface PublicationBody {
  planId: string;
  publicationId: number;
  number: number;
  scope: PublicationScope;
  corrects?: { publicationId: number; number: number };
  note?: string;
  tasks: PublishedTask[];
}

export interface PublicationJson {
  id: number;
  planId: string;
  number: number;
  scope: string;
  corrects: { id: number; number: number } | null;
  note: string | null;
  taskCount: number;
  ledgerSeq: number;
  publishedAt: string;
}

interface PublicationRow {
  id: string | number;
  plan_id: string;
  number: number;
  scope: string;
  corrects_id: string | number | null;
  corrects_number: number | null;
  note: string | null;
  task_count: number;
  ledger_seq: string | number;
  published_at: string;
}

const publicationJson = (r: PublicationRow): PublicationJson => ({
  id: Number(r.id),
  planId: r.plan_id,
  number: Number(r.number),
  scope: r.scope,
  corrects: r.corrects_id === null ? null : { id: Number(r.corrects_id), number: Number(r.corrects_number) },
  note: r.note,
  taskCount: Number(r.task_count),
  ledgerSeq: Number(r.ledger_seq),
  publishedAt: r.published_at,
});

export function createPublicationRepository(db: Db) {
  return {
    /** A plan's publications, in order. */
    async list(planId: string): Promise<PublicationJson[]> {
      const rows = await execRows<PublicationRow>(
        db,
        sql`SELECT p.id, p.plan_id, p.number, p.scope, p.corrects_id, c.number AS corrects_number, p.note, p.task_count,
                   p.ledger_seq, ${isoInstant(sql`p.published_at`)} AS published_at
              FROM publications p LEFT JOIN publications c ON c.id = p.corrects_id
             WHERE p.plan_id = ${planId} ORDER BY p.number`,
      );
      return rows.map(publicationJson);
    },

    /**
     * Publish a plan's results. Without `corrects`: the plan's unpublished first results ("all" refuses
     * while any task has none). With `corrects`: the pending corrections of results published by that
     * publication. Returns the publication and the ledger body.
     */
    async publish(planId: string, input: PublishInput, publishedBy: string) {
      return db.transaction(async (tx) => {
        // The plan row lock serializes publications of one plan (numbering, which results go where).
        const [plan] = await tx.select({ id: plans.id, status: plans.status }).from(plans).where(eq(plans.id, planId)).for('no key update');
        if (!plan) throw notFound(`no plan ${planId}`);
        if (plan.status !== 'drawn') throw conflict(`plan ${planId} is ${plan.status}: only a drawn plan has results to publish`);

        let corrects: { id: number; number: number } | null = null;
        if (input.corrects !== undefined) {
          const [c] = await tx
            .select({ id: publications.id, number: publications.number })
            .from(publications)
            .where(and(eq(publications.id, input.corrects), eq(publications.planId, planId)));
          if (!c) throw unprocessable(`plan ${planId} has no publication ${input.corrects}`, [{ field: 'corrects', message: 'no such publication of this plan' }]);
          if (input.scope !== 'finished') {
            throw unprocessable('a correction publishes the pending corrections; use scope "finished"', [
              { field: 'scope', message: 'must be "finished" with corrects' },
            ]);
          }
          corrects = c;
        } else if (input.scope === 'all') {
          const missing = await execRows<{ seq: number; entity_id: string }>(
            tx,
            sql`SELECT t.seq, t.entity_id FROM tasks t
                 WHERE t.plan_id = ${planId} AND NOT EXISTS (SELECT 1 FROM results r WHERE r.task_id = t.id)
                 ORDER BY t.seq`,
          );
          if (missing.length) {
            throw unprocessable(
              `${missing.length} task(s) of plan ${planId} have no result yet; enter them or publish with scope "finished"`,
              missing.map((m) => ({ field: 'tasks', message: `task seq ${m.seq} (entity ${m.entity_id}) has no result` })),
            );
          }
        }

        // The versions to publish, locked: a concurrent amendment waits and is then refused (it is published).
        const candidates = await execRows<{ id: string | number; seq: number; entity_id: string; result_code: string; inspected_on: string }>(
          tx,
          sql`SELECT r.id, t.seq, t.entity_id, r.result_code, ${isoDate(sql`r.inspected_on`)} AS inspected_on
                FROM results r JOIN tasks t ON t.id = r.task_id
               WHERE t.plan_id = ${planId} AND r.publication_id IS NULL
                 AND ${
                   corrects
                     ? sql`r.corrects_result_id IN (SELECT id FROM results WHERE publication_id = ${corrects.id})`
                     : sql`r.corrects_result_id IS NULL`
                 }
               ORDER BY t.seq
               FOR UPDATE OF r`,
        );
        if (candidates.length === 0) {
          throw conflict(
            corrects
              ? `no pending corrections of results published in publication ${corrects.number}`
              : `plan ${planId} has no unpublished results`,
          );
        }

        const [{ id: rawId }] = await execRows<{ id: string | number }>(tx, sql`SELECT nextval(pg_get_serial_sequence('publications', 'id')) AS id`);
        const id = Number(rawId);
        const [{ next }] = await execRows<{ next: number }>(
          tx,
          sql`SELECT (COALESCE(max(number), 0) + 1)::int AS next FROM publications WHERE plan_id = ${planId}`,
        );
        const body: PublicationBody = {
          planId,
          publicationId: id,
          number: Number(next),
          scope: input.scope,
          ...(corrects ? { corrects: { publicationId: corrects.id, number: corrects.number } } : {}),
          ...(input.note ? { note: input.note } : {}),
          tasks: candidates.map((c) => ({ seq: Number(c.seq), entityId: c.entity_id, resultCode: c.result_code, inspectedOn: c.inspected_on })),
        };
        // The ledger append holds the chain's lock until commit, so the rows below are written under it:
        // two statements, and the publication becomes visible together with its ledger entry.
        const entry = await appendLedgerEntry(tx, { kind: 'results.published', planId, body });
        const publishedAt = new Date(entry.at);
        await tx.insert(publications).values({
          id,
          planId,
          number: body.number,
          scope: input.scope,
          correctsId: corrects?.id ?? null,
          note: input.note ?? null,
          ledgerSeq: entry.seq,
          taskCount: candidates.length,
          publishedBy,
          publishedAt,
        });
        await markPublished(tx, candidates.map((c) => Number(c.id)), id, publishedAt);
        const publication: PublicationJson = {
          id,
          planId,
          number: body.number,
          scope: input.scope,
          corrects,
          note: input.note ?? null,
          taskCount: candidates.length,
          ledgerSeq: entry.seq,
          publishedAt: entry.at,
        };
        return { publication, body, ledgerHash: entry.hash };
      });
    },
  };
}

async function markPublished(tx: Tx, ids: number[], publicationId: number, publishedAt: Date) {
  const BATCH = 5000;
  for (let i = 0; i < ids.length; i += BATCH) {
    await tx
      .update(results)
      .set({ publicationId, publishedAt })
      .where(and(inArray(results.id, ids.slice(i, i + BATCH)), sql`${results.publicationId} IS NULL`));
  }
}

export type PublicationRepository = ReturnType<typeof createPublicationRepository>;

