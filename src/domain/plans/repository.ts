/** Plans in the database: drafts, the directory rows they are checked against, and reads that never expose a secret seed. */
import { and, arrayContains, count, desc, eq, sql } from 'drizzle-orm';
import { jsonValue, execRows, type Executor } from '../../db/client.ts';
import { gradeSchemes, idempotencyKeys, items, plans, type PlanFilters, type PlanTargeting } from '../../db/schema.ts';
import { isoInstant } from '../../db/sql.ts';
import { chinaYear } from '../../core/calendar.ts';
import { countToDraw } from '../../core/draw/entities.ts';
import type { CommitRecord } from '../../core/replay.ts';
import type { PlanJson } from '../../schemas/plans.ts';
import { conflict, notFound, unprocessable } from '../errors.ts';
import type { PlanStatus } from './status.ts';

export type PlanRow = typeof plans.$inferSelect;
export type GradeSchemeRow = typeof gradeSchemes.$inferSelect;
export type ItemRow = typeof items.$inferSelect;

const CREATE_ROUTE = 'POST /api/v1/plans';

/** A validated plan, ready to store. */
export interface PlanValues {
  title: string;
  items: string[];
  departments: string[];
  gradeScheme: string;
  baseRatioBp: number | null;
  ratiosBp: Record<string, number>;
  inspectorsPerTask: Record<string, number>;
  filters: PlanFilters;
  targeting: PlanTargeting;
  cooldownDays: number;
  entropySource: string;
  /** The announced entropy time (the commit may override it). */
  entropyAt: Date | null;
  witnesses: string[];
  windowFrom: string | null;
  windowTo: string | null;
  /** The annual programme and batch the plan carries out (both or neither). */
  programmeId: string | null;
  batch: number | null;
}

export interface PlanListFilter {
  status?: PlanStatus;
  department?: string;
  item?: string;
  programme?: string;
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** PLAN-<year>-<n>: the year in China time (UTC+8, no DST), n from a database sequence (never reset). */
async function nextPlanId(db: Executor, now = new Date()): Promise<string> {
  const [row] = await execRows<{ n: number | string }>(db, sql`SELECT nextval('plan_number_seq') AS n`);
  return `PLAN-${chinaYear(now)}-${String(row.n).padStart(4, '0')}`;
}

interface Extras {
  commit_record: unknown;
  drawn_at: string | null;
  public_entropy: string | null;
  contributions: unknown;
  seed: string | null;
  void_reason: string | null;
  voided_at: string | null;
  revealed_seed: string | null;
}

/** Commit record, draw summary and void of plans; the server seed only where it is already public. */
async function extrasOf(db: Executor, ids: string[]): Promise<Map<string, Extras>> {
  if (ids.length === 0) return new Map();
  const rows = await execRows<Extras & { id: string }>(
    db,
    sql`SELECT p.id, c.record AS commit_record, ${isoInstant(sql`d.drawn_at`)} AS drawn_at, d.public_entropy, d.contributions, d.seed,
               v.reason AS void_reason, ${isoInstant(sql`v.voided_at`)} AS voided_at,
               CASE WHEN p.status IN ('drawn', 'voided') THEN c.server_seed END AS revealed_seed
          FROM plans p
          LEFT JOIN plan_commits c ON c.plan_id = p.id
          LEFT JOIN plan_draws d ON d.plan_id = p.id
          LEFT JOIN plan_voids v ON v.plan_id = p.id
         WHERE p.id IN (SELECT json_array_elements_text(${JSON.stringify(ids)}::json))`,
  );
  return new Map(rows.map((r) => [r.id, r]));
}

function toPlanJson(row: PlanRow, extras: Extras | undefined): PlanJson {
  const commit = extras?.commit_record ? jsonValue<CommitRecord>(extras.commit_record) : null;
  const tasks = commit ? commit.strata.reduce((n, s) => n + countToDraw(s.ratioBp, s.population), 0) : 0;
  return {
    id: row.id,
    title: row.title,
    status: row.status as PlanStatus,
    items: row.items,
    departments: row.departments,
    gradeScheme: row.gradeScheme,
    baseRatioBp: row.baseRatioBp,
    ratiosBp: row.ratiosBp,
    inspectorsPerTask: Object.fromEntries(Object.entries(row.inspectorsPerTask).sort(([a], [b]) => byteOrder(a, b))),
    filters: row.filters,
    targeting: row.targeting,
    cooldownDays: row.cooldownDays,
    entropySource: row.entropySource,
    // Once committed, the commit record's (the commit may have overridden the plan's); a rev-1 commit has none.
    entropyAt: commit ? (commit.entropyAt ?? null) : (row.entropyAt?.toISOString() ?? null),
    witnesses: row.witnesses,
    window: row.windowFrom && row.windowTo ? { from: row.windowFrom, to: row.windowTo } : null,
    programme: row.programmeId !== null && row.batch !== null ? { id: row.programmeId, batch: row.batch } : null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    commit,
    draw:
      extras?.drawn_at && extras.seed !== null && extras.public_entropy !== null
        ? {
            publicEntropy: extras.public_entropy,
            contributions: extras.contributions ? jsonValue<{ witness: string; value: string }[]>(extras.contributions) : null,
            seed: extras.seed,
            tasks,
            drawnAt: extras.drawn_at,
          }
        : null,
    void:
      extras?.voided_at && extras.void_reason !== null && extras.revealed_seed
        ? { reason: extras.void_reason, serverSeed: extras.revealed_seed, voidedAt: extras.voided_at }
        : null,
  };
}

export function createPlanRepository(db: Executor) {
  return {
    /** The plan as the API shows it, or null. */
    async get(id: string): Promise<PlanJson | null> {
      const [row] = await db.select().from(plans).where(eq(plans.id, id));
      if (!row) return null;
      return toPlanJson(row, (await extrasOf(db, [id])).get(id));
    },
    /** The stored row, locked for the caller's transaction with `forUpdate`. */
    async row(q: Executor, id: string, forUpdate = false): Promise<PlanRow | null> {
      const query = q.select().from(plans).where(eq(plans.id, id));
      const [row] = forUpdate ? await query.for('update') : await query;
      return row ?? null;
    },
    async list(filter: PlanListFilter, limit: number, offset: number): Promise<{ items: PlanJson[]; total: number }> {
      const where = and(
        filter.status ? eq(plans.status, filter.status) : undefined,
        filter.department ? arrayContains(plans.departments, [filter.department]) : undefined,
        filter.item ? arrayContains(plans.items, [filter.item]) : undefined,
        filter.programme ? eq(plans.programmeId, filter.programme) : undefined,
      );
      const rows = await db.select().from(plans).where(where).orderBy(desc(plans.createdAt), desc(plans.id)).limit(limit).offset(offset);
      const [{ total }] = await db.select({ total: count() }).from(plans).where(where);
      const extras = await extrasOf(
        db,
        rows.map((r) => r.id),
      );
      return { items: rows.map((r) => toPlanJson(r, extras.get(r.id))), total };
    },
    /**
     * Creates a draft. With an Idempotency-Key, a retry of the same request returns the plan it made
     * (`replayed`), and the same key with another request is refused.
     */
    async create(values: PlanValues, createdBy: string | null, idempotency: { key: string; requestHash: string } | null) {
      return db.transaction(async (tx) => {
        if (idempotency) {
          // Two retries racing with one key take turns here, in one process or several.
          await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`${CREATE_ROUTE} ${idempotency.key}`}))`);
          const [prior] = await tx
            .select()
            .from(idempotencyKeys)
            .where(and(eq(idempotencyKeys.route, CREATE_ROUTE), eq(idempotencyKeys.key, idempotency.key)));
          if (prior) {
            if (prior.requestHash !== idempotency.requestHash) {
              throw unprocessable('this Idempotency-Key was used for another request', [
                { field: 'Idempotency-Key', message: 'already used with a different body' },
              ]);
            }
            const planId = (prior.response as { planId: string }).planId;
            const [row] = await tx.select().from(plans).where(eq(plans.id, planId));
            return { row, replayed: true };
          }
        }
        const id = await nextPlanId(tx);
        const [row] = await tx
          .insert(plans)
          .values({ id, ...values, status: 'draft', createdBy })
          .returning();
        if (idempotency) {
          await tx.insert(idempotencyKeys).values({
            key: idempotency.key,
            route: CREATE_ROUTE,
            requestHash: idempotency.requestHash,
            statusCode: 201,
            response: { planId: id },
          });
        }
        return { row, replayed: false };
      });
    },
    /** Replaces a draft's fields (already validated); 409 unless it is still a draft. */
    async update(id: string, values: PlanValues) {
      return db.transaction(async (tx) => {
        const [current] = await tx.select().from(plans).where(eq(plans.id, id)).for('update');
        if (!current) throw notFound(`no plan ${id}`);
        if (current.status !== 'draft') throw conflict(`plan ${id} is ${current.status}: only a draft can be changed`);
        const [row] = await tx
          .update(plans)
          .set({ ...values, updatedAt: new Date() })
          .where(eq(plans.id, id))
          .returning();
        return row;
      });
    },
  };
}

/** The grade scheme of that code, or null. */
export async function findGradeScheme(q: Executor, code: string): Promise<GradeSchemeRow | null> {
  const [scheme] = await q.select().from(gradeSchemes).where(eq(gradeSchemes.code, code));
  return scheme ?? null;
}

/** The items of these codes that exist. */
export async function findItems(q: Executor, codes: readonly string[]): Promise<ItemRow[]> {
  if (codes.length === 0) return [];
  return q
    .select()
    .from(items)
    .where(sql`${items.code} IN (SELECT json_array_elements_text(${JSON.stringify(codes)}::json))`);
}
