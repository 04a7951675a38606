/** Plans in the database: drafts, their validation, and reads that never expose a secret seed. */
import { and, arrayContains, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import { jsonValue, execRows, type Db, type Executor } from '../../db/client.ts';
import { gradeSchemes, idempotencyKeys, items, plans, type PlanFilters, type SchemeGrade } from '../../db/schema.ts';
import { GradeResolutionError, resolveRatiosBp } from '../../core/grade-schemes.ts';
import { countToDraw } from '../../core/draw.ts';
import type { CommitRecord } from '../../core/replay.ts';
import { conflict, notFound, unprocessable, type ErrorDetail } from '../../domain/errors.ts';

export type PlanStatus = 'draft' | 'committed' | 'drawn' | 'voided';
export type PlanRow = typeof plans.$inferSelect;

const CREATE_ROUTE = 'POST /api/v1/plans';

/** 行政处罚法 第四十二条: 执法人员不得少于两人. */
export const MIN_INSPECTORS_PER_DEPARTMENT = 2;

export interface PlanInput {
  title: string;
  items: string[];
  gradeScheme: string;
  ratiosBp?: Record<string, number>;
  baseRatioBp?: number;
  inspectorsPerTask: Record<string, number>;
  filters?: PlanFilters;
  cooldownDays?: number;
  entropySource: string;
  window?: { from: string; to: string } | null;
}

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
  cooldownDays: number;
  entropySource: string;
  windowFrom: string | null;
  windowTo: string | null;
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function normalizeFilters(f: PlanFilters | undefined): PlanFilters {
  const out: PlanFilters = {};
  for (const key of ['regions', 'types', 'industries'] as const) {
    const v = f?.[key];
    // An empty list would match nothing; treat it as "no filter" like an absent one.
    if (v && v.length > 0) out[key] = [...new Set(v)].sort(byteOrder);
  }
  return out;
}

/**
 * Checks a complete plan against the directories and resolves its ratios. Collects every problem and
 * throws one 422 naming each field; changes nothing.
 */
export async function validatePlan(db: Executor, input: PlanInput): Promise<PlanValues> {
  const details: ErrorDetail[] = [];
  const add = (field: string, message: string) => details.push({ field, message });

  if (input.title.trim() === '') add('title', 'title must not be blank');
  if (input.entropySource.trim() === '') add('entropySource', 'entropySource must name where the public entropy will come from');

  const [scheme] = await db.select().from(gradeSchemes).where(eq(gradeSchemes.code, input.gradeScheme));
  if (!scheme) add('gradeScheme', `unknown grade scheme ${input.gradeScheme}`);

  const itemRows = input.items.length
    ? await db.select().from(items).where(sql`${items.code} IN (SELECT json_array_elements_text(${JSON.stringify(input.items)}::json))`)
    : [];
  const byCode = new Map(itemRows.map((r) => [r.code, r]));
  const departments = new Set<string>();
  const targetTypes = new Set<string>();
  input.items.forEach((code, i) => {
    const item = byCode.get(code);
    if (!item) return add(`items[${i}]`, `unknown item ${code}`);
    if (!item.active) add(`items[${i}]`, `item ${code} is inactive`);
    if (scheme && item.gradeScheme !== scheme.code) {
      add(`items[${i}]`, `item ${code} uses grade scheme ${item.gradeScheme}, the plan uses ${scheme.code}: one plan, one scheme`);
    }
    if (item.targetType) targetTypes.add(item.targetType);
    departments.add(item.departmentCode);
  });
  if (targetTypes.size > 1) {
    add('items', `the items target different entity types (${[...targetTypes].sort(byteOrder).join(', ')}): no entity can match them all`);
  }

  let ratiosBp: Record<string, number> = {};
  if (scheme) {
    try {
      ratiosBp = resolveRatiosBp(
        { ...scheme, grades: scheme.grades as SchemeGrade[] },
        { ratiosBp: input.ratiosBp, baseRatioBp: input.baseRatioBp },
      );
    } catch (err) {
      if (!(err instanceof GradeResolutionError)) throw err;
      add(err.field, err.message);
    }
  }

  // Every department owning an item sends at least two inspectors (行政处罚法 第四十二条); nobody else sends any.
  const inspectorsPerTask: Record<string, number> = {};
  for (const d of [...departments].sort(byteOrder)) {
    const k = input.inspectorsPerTask[d];
    if (k === undefined) {
      add(`inspectorsPerTask.${d}`, `department ${d} owns an item of the plan and must send inspectors: give inspectorsPerTask.${d} ≥ ${MIN_INSPECTORS_PER_DEPARTMENT}`);
    } else if (k < MIN_INSPECTORS_PER_DEPARTMENT) {
      add(`inspectorsPerTask.${d}`, `department ${d} sends ${k} inspector(s) per task; 行政处罚法 第四十二条 requires at least ${MIN_INSPECTORS_PER_DEPARTMENT}`);
    } else {
      inspectorsPerTask[d] = k;
    }
  }
  for (const d of Object.keys(input.inspectorsPerTask).sort(byteOrder)) {
    if (!departments.has(d) && input.items.every((code) => byCode.has(code))) {
      add(`inspectorsPerTask.${d}`, `department ${d} owns none of the plan's items`);
    }
  }

  const window = input.window ?? null;
  if (window && window.from > window.to) add('window', `window.from ${window.from} is after window.to ${window.to}`);

  if (details.length > 0) throw unprocessable(details[0].message, details);
  return {
    title: input.title.trim(),
    items: input.items,
    departments: [...departments].sort(byteOrder),
    gradeScheme: input.gradeScheme,
    baseRatioBp: input.baseRatioBp ?? null,
    ratiosBp,
    inspectorsPerTask,
    filters: normalizeFilters(input.filters),
    cooldownDays: input.cooldownDays ?? 0,
    entropySource: input.entropySource.trim(),
    windowFrom: window?.from ?? null,
    windowTo: window?.to ?? null,
  };
}

/** The stored plan as the input it came from (for PATCH: merge, then validate again). */
export function toInput(row: PlanRow): PlanInput {
  return {
    title: row.title,
    items: row.items,
    gradeScheme: row.gradeScheme,
    ...(row.baseRatioBp === null ? { ratiosBp: row.ratiosBp } : { baseRatioBp: row.baseRatioBp }),
    inspectorsPerTask: row.inspectorsPerTask,
    filters: row.filters,
    cooldownDays: row.cooldownDays,
    entropySource: row.entropySource,
    window: row.windowFrom && row.windowTo ? { from: row.windowFrom, to: row.windowTo } : null,
  };
}

/** PLAN-<year>-<n>: the year in China time (UTC+8, no DST), n from a database sequence (never reset). */
export async function nextPlanId(db: Executor, now = new Date()): Promise<string> {
  const [row] = await execRows<{ n: number | string }>(db, sql`SELECT nextval('plan_number_seq') AS n`);
  const year = new Date(now.getTime() + 8 * 3_600_000).getUTCFullYear();
  return `PLAN-${year}-${String(row.n).padStart(4, '0')}`;
}

interface Extras {
  commit_record: unknown;
  drawn_at: string | null;
  public_entropy: string | null;
  seed: string | null;
  void_reason: string | null;
  voided_at: string | null;
  revealed_seed: string | null;
}

const iso = (col: SQL) => sql`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Commit record, draw summary and void of plans; the server seed only where it is already public. */
async function extrasOf(db: Executor, ids: string[]): Promise<Map<string, Extras>> {
  if (ids.length === 0) return new Map();
  const rows = await execRows<Extras & { id: string }>(
    db,
    sql`SELECT p.id, c.record AS commit_record, ${iso(sql`d.drawn_at`)} AS drawn_at, d.public_entropy, d.seed,
               v.reason AS void_reason, ${iso(sql`v.voided_at`)} AS voided_at,
               CASE WHEN p.status IN ('drawn', 'voided') THEN c.server_seed END AS revealed_seed
          FROM plans p
          LEFT JOIN plan_commits c ON c.plan_id = p.id
          LEFT JOIN plan_draws d ON d.plan_id = p.id
          LEFT JOIN plan_voids v ON v.plan_id = p.id
         WHERE p.id IN (SELECT json_array_elements_text(${JSON.stringify(ids)}::json))`,
  );
  return new Map(rows.map((r) => [r.id, r]));
}


export function toPlanJson(row: PlanRow, extras: Extras | undefined) {
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
    cooldownDays: row.cooldownDays,
    entropySource: row.entropySource,
    window: row.windowFrom && row.windowTo ? { from: row.windowFrom, to: row.windowTo } : null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    commit,
    draw:
      extras?.drawn_at && extras.seed !== null && extras.public_entropy !== null
        ? { publicEntropy: extras.public_entropy, seed: extras.seed, tasks, drawnAt: extras.drawn_at }
        : null,
    void:
      extras?.voided_at && extras.void_reason !== null && extras.revealed_seed
        ? { reason: extras.void_reason, serverSeed: extras.revealed_seed, voidedAt: extras.voided_at }
        : null,
  };
}

export interface PlanListFilter {
  status?: PlanStatus;
  department?: string;
  item?: string;
}

export function createPlanRepository(db: Db) {
  return {
    async get(id: string) {
      const [row] = await db.select().from(plans).where(eq(plans.id, id));
      if (!row) return null;
      return toPlanJson(row, (await extrasOf(db, [id])).get(id));
    },
    async row(q: Executor, id: string, forUpdate = false): Promise<PlanRow | null> {
      const query = q.select().from(plans).where(eq(plans.id, id));
      const [row] = forUpdate ? await query.for('update') : await query;
      return row ?? null;
    },
    async list(filter: PlanListFilter, limit: number, offset: number) {
      const where = and(
        filter.status ? eq(plans.status, filter.status) : undefined,
        filter.department ? arrayContains(plans.departments, [filter.department]) : undefined,
        filter.item ? arrayContains(plans.items, [filter.item]) : undefined,
      );
      const rows = await db.select().from(plans).where(where).orderBy(desc(plans.createdAt), desc(plans.id)).limit(limit).offset(offset);
      const [{ total }] = await db.select({ total: count() }).from(plans).where(where);
      const extras = await extrasOf(db, rows.map((r) => r.id));
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
              throw unprocessable('this Idempotency-Key was used for another request', [{ field: 'Idempotency-Key', message: 'already used with a different body' }]);
            }
            const planId = (prior.response as { planId: string }).planId;
            const [row] = await tx.select().from(plans).where(eq(plans.id, planId));
            return { row, replayed: true };
          }
        }
        const id = await nextPlanId(tx);
        const [row] = await tx.insert(plans).values({ id, ...values, status: 'draft', createdBy }).returning();
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
        const [row] = await tx.update(plans).set({ ...values, updatedAt: new Date() }).where(eq(plans.id, id)).returning();
        return row;
      });
    },
  };
}
