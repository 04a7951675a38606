/**
 * Publications of results (一公开) in the database: a plan's publications, and the reads and writes of
 * publishing (the service runs them in one transaction with the ledger append).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { execRows, type Executor } from '../../db/client.ts';
import { planDraws, plans, publications, results } from '../../db/schema.ts';
import { MIN_LAW_ENFORCEMENT_OFFICERS } from '../../core/law.ts';
import { isoDate, isoInstant } from '../../db/sql.ts';
import type { PublicationJson } from '../../schemas/results.ts';
import { departmentsOf } from '../results/repository.ts';

interface PublicationRow {
  id: string | number;
  plan_id: string;
  number: number;
  scope: string;
  department_code: string | null;
  corrects_id: string | number | null;
  corrects_number: number | null;
  note: string | null;
  task_count: number;
  ledger_seq: string | number;
  published_at: string;
}

/** A result version that a publication would publish. */
export interface CandidateRow {
  id: string | number;
  department_code: string;
  seq: number;
  entity_id: string;
  result_code: string;
  inspected_on: string;
  /** How many inspectors signed it (行政处罚法 第四十二条: it is published with two). */
  signatures: number | string;
  /** Two, or the department's members of the team where an old plan sent fewer. */
  signatures_needed: number | string;
}

export type NewPublication = typeof publications.$inferInsert;

const publicationJson = (r: PublicationRow): PublicationJson => ({
  id: Number(r.id),
  planId: r.plan_id,
  number: Number(r.number),
  scope: r.scope,
  department: r.department_code,
  corrects: r.corrects_id === null ? null : { id: Number(r.corrects_id), number: Number(r.corrects_number) },
  note: r.note,
  taskCount: Number(r.task_count),
  ledgerSeq: Number(r.ledger_seq),
  publishedAt: r.published_at,
});

/** Results are marked published in batches of this many ids (bounded statement size). */
const MARK_BATCH = 5000;

export function createPublicationRepository(db: Executor) {
  return {
    /** A plan's publications, in order. */
    async list(planId: string): Promise<PublicationJson[]> {
      const rows = await execRows<PublicationRow>(
        db,
        sql`SELECT p.id, p.plan_id, p.number, p.scope, p.department_code, p.corrects_id, c.number AS corrects_number, p.note, p.task_count,
                   p.ledger_seq, ${isoInstant(sql`p.published_at`)} AS published_at
              FROM publications p LEFT JOIN publications c ON c.id = p.corrects_id
             WHERE p.plan_id = ${planId} ORDER BY p.number`,
      );
      return rows.map(publicationJson);
    },

    /** The plan's status, its row locked: this serializes publications of one plan (numbering, which results go where). */
    async lockPlan(planId: string) {
      const [plan] = await db.select({ id: plans.id, status: plans.status }).from(plans).where(eq(plans.id, planId)).for('no key update');
      if (!plan) return null;
      const [draw] = await db.select({ gradesPublic: planDraws.gradesPublic }).from(planDraws).where(eq(planDraws.planId, planId));
      // The departments that record the plan's results: a joint plan (several) names each result's department.
      const departments = await execRows<{ code: string }>(
        db,
        sql`SELECT DISTINCT d.code FROM tasks t JOIN plans p ON p.id = t.plan_id CROSS JOIN LATERAL unnest(${departmentsOf(sql`t`, sql`p`)}) AS d(code)
             WHERE t.plan_id = ${planId} ORDER BY d.code`,
      );
      return { ...plan, gradesPublic: draw?.gradesPublic ?? false, departments: departments.map((d) => d.code) };
    },
    /** Publication `id` if it belongs to the plan. */
    async ofPlan(planId: string, id: number): Promise<{ id: number; number: number } | null> {
      const [c] = await db
        .select({ id: publications.id, number: publications.number })
        .from(publications)
        .where(and(eq(publications.id, id), eq(publications.planId, planId)));
      return c ?? null;
    },
    /** Tasks of the plan where a department (`department`, or any of the task's) has no result, by seq. */
    tasksWithoutResult(planId: string, department: string | null) {
      return execRows<{ seq: number; entity_id: string; department_code: string }>(
        db,
        sql`SELECT t.seq, t.entity_id, d.code AS department_code
              FROM tasks t JOIN plans p ON p.id = t.plan_id CROSS JOIN LATERAL unnest(${departmentsOf(sql`t`, sql`p`)}) AS d(code)
             WHERE t.plan_id = ${planId} AND ${department === null ? sql`true` : sql`d.code = ${department}`}
               AND NOT EXISTS (SELECT 1 FROM results r WHERE r.task_id = t.id AND r.department_code = d.code)
             ORDER BY t.seq, d.code`,
      );
    },
    /**
     * The unpublished versions to publish, by seq, locked: a concurrent amendment waits and is then refused
     * (it is published). Without `correctsId` the first results; with it, the pending corrections of
     * results that publication published.
     */
    candidates(planId: string, correctsId: number | null, department: string | null): Promise<CandidateRow[]> {
      return execRows<CandidateRow>(
        db,
        sql`SELECT r.id, r.department_code, t.seq, t.entity_id, r.result_code, ${isoDate(sql`r.inspected_on`)} AS inspected_on,
                   (SELECT count(*) FROM result_signatures s WHERE s.result_id = r.id) AS signatures,
                   (SELECT LEAST(${MIN_LAW_ENFORCEMENT_OFFICERS}, count(*))::int FROM unnest(t.team_departments) AS d(code) WHERE d.code = r.department_code)
                     AS signatures_needed
              FROM results r JOIN tasks t ON t.id = r.task_id
             WHERE t.plan_id = ${planId} AND r.publication_id IS NULL
               AND ${department === null ? sql`true` : sql`r.department_code = ${department}`}
               AND ${
                 correctsId !== null
                   ? sql`r.corrects_result_id IN (SELECT id FROM results WHERE publication_id = ${correctsId})`
                   : sql`r.corrects_result_id IS NULL`
               }
             ORDER BY t.seq, r.department_code
             FOR UPDATE OF r`,
      );
    },
    /** The id the next publication will have (taken before the ledger entry, whose body names it). */
    async nextId(): Promise<number> {
      const [{ id }] = await execRows<{ id: string | number }>(db, sql`SELECT nextval(pg_get_serial_sequence('publications', 'id')) AS id`);
      return Number(id);
    },
    /** The plan's next publication number: 1, 2, … */
    async nextNumber(planId: string): Promise<number> {
      const [{ next }] = await execRows<{ next: number }>(
        db,
        sql`SELECT (COALESCE(max(number), 0) + 1)::int AS next FROM publications WHERE plan_id = ${planId}`,
      );
      return Number(next);
    },
    async insert(publication: NewPublication) {
      await db.insert(publications).values(publication);
    },
    /** Marks the result versions `ids` as published by the publication. */
    async markPublished(ids: number[], publicationId: number, publishedAt: Date) {
      for (let i = 0; i < ids.length; i += MARK_BATCH) {
        await db
          .update(results)
          .set({ publicationId, publishedAt })
          .where(and(inArray(results.id, ids.slice(i, i + MARK_BATCH)), sql`${results.publicationId} IS NULL`));
      }
    },
  };
}

export type PublicationRepository = ReturnType<typeof createPublicationRepository>;
