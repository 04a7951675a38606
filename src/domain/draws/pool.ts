/**
 * The directory reads of a commit (spec §1): the plan's scheme and items, the pool streamed through a
 * cursor, the inspectors of its departments and their recusals. SQL only; what goes into the snapshots
 * is decided in snapshot.ts.
 */
import { randomBytes } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { execRows, jsonValue, type Executor } from '../../db/client.ts';
import type { PlanFilters, SchemeGrade } from '../../db/schema.ts';
import { unprocessable } from '../errors.ts';

/** The parts of a plan that decide its snapshots. */
export interface PlanSpec {
  id: string;
  items: string[];
  gradeScheme: string;
  ratiosBp: Record<string, number>;
  inspectorsPerTask: Record<string, number>;
  filters: PlanFilters;
  cooldownDays: number;
}

export interface SchemeInfo {
  code: string;
  name: string;
  grades: SchemeGrade[];
  defaultGrade: string;
  public: boolean;
}

export interface PlanContext {
  plan: PlanSpec;
  scheme: SchemeInfo;
  gradeOrder: string[];
  /** department → the plan's items it owns */
  itemsByDepartment: Map<string, string[]>;
  /** the items' common target entity type, if any item sets one */
  targetType: string | null;
}

/** Rows fetched per round trip while streaming the pool. */
export const POOL_BATCH = 20_000;

const jsonList = (values: readonly string[]) => sql`(SELECT json_array_elements_text(${JSON.stringify(values)}::json))`;

/** Reads the scheme and items of a plan; 422 when they no longer fit (deleted, deactivated, other scheme). */
export async function loadPlanContext(q: Executor, plan: PlanSpec): Promise<PlanContext> {
  const [scheme] = await execRows<{ code: string; name: string; grades: unknown; default_grade: string; public: boolean }>(
    q,
    sql`SELECT code, name, grades, default_grade, public FROM grade_schemes WHERE code = ${plan.gradeScheme}`,
  );
  if (!scheme) throw unprocessable(`unknown grade scheme ${plan.gradeScheme}`, [{ field: 'gradeScheme', message: 'no such grade scheme' }]);
  const grades = jsonValue<SchemeGrade[]>(scheme.grades);
  const itemRows = await execRows<{ code: string; department_code: string; grade_scheme: string; target_type: string | null; active: boolean }>(
    q,
    sql`SELECT code, department_code, grade_scheme, target_type, active FROM items WHERE code IN ${jsonList(plan.items)}`,
  );
  const byCode = new Map(itemRows.map((r) => [r.code, r]));
  const itemsByDepartment = new Map<string, string[]>();
  const targetTypes = new Set<string>();
  const details = [];
  for (const [i, code] of plan.items.entries()) {
    const item = byCode.get(code);
    if (!item) {
      details.push({ field: `items[${i}]`, message: `unknown item ${code}` });
      continue;
    }
    if (!item.active) details.push({ field: `items[${i}]`, message: `item ${code} is inactive` });
    if (item.grade_scheme !== plan.gradeScheme) {
      details.push({ field: `items[${i}]`, message: `item ${code} uses grade scheme ${item.grade_scheme}, the plan uses ${plan.gradeScheme}` });
    }
    if (item.target_type) targetTypes.add(item.target_type);
    const list = itemsByDepartment.get(item.department_code) ?? [];
    list.push(code);
    itemsByDepartment.set(item.department_code, list);
  }
  if (targetTypes.size > 1) {
    details.push({
      field: 'items',
      message: `the items target different entity types (${[...targetTypes].sort().join(', ')}): no entity can match them all`,
    });
  }
  if (details.length > 0) throw unprocessable(details[0].message, details);
  return {
    plan,
    scheme: { code: scheme.code, name: scheme.name, grades, defaultGrade: scheme.default_grade, public: Boolean(scheme.public) },
    gradeOrder: grades.map((g) => g.code),
    itemsByDepartment,
    targetType: targetTypes.size === 1 ? [...targetTypes][0] : null,
  };
}

/**
 * The pool (spec §1.1) as `id, grade` sorted by id in byte order: active entities matching the filters
 * and the items' target type, minus those drawn for one of the plan's items within `cooldownDays`
 * before `now`, each with its current grade in the plan's scheme or the scheme's default grade.
 *
 * Cooldown counts from the draw time (plan_draws.drawn_at) of drawn plans that contain one of the
 * plan's items: it is fixed, public in the ledger and known for every drawn entity, so anyone can
 * recompute the exclusion — an inspection date is entered later, can be corrected, and is missing for
 * tasks not inspected yet. (Voided plans are never drawn, so they never count.)
 */
export function poolQuery(ctx: PlanContext, now: Date): SQL {
  const conditions: SQL[] = [sql`e.status = 'active'`, ...filterConditions(ctx)];
  const recent = recentlyDrawn(ctx, now);
  if (recent !== null) conditions.push(sql`NOT EXISTS (SELECT 1 FROM recent r WHERE r.entity_id = e.id)`);
  return sql`${recent === null ? sql`` : sql`WITH recent AS MATERIALIZED (${recent}) `}SELECT e.id, COALESCE(g.grade, ${ctx.scheme.defaultGrade}) AS grade
    FROM entities e
    LEFT JOIN current_grades g ON g.scheme = ${ctx.scheme.code} AND g.entity_id = e.id
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY e.id COLLATE "C"`;
}

/** The plan's filters as given and the items' target type, on entities `e`. */
function filterConditions(ctx: PlanContext): SQL[] {
  const f = ctx.plan.filters ?? {};
  const conditions: SQL[] = [];
  if (f.types?.length) conditions.push(sql`e.type IN ${jsonList(f.types)}`);
  if (f.regions?.length) conditions.push(sql`e.region IN ${jsonList(f.regions)}`);
  if (f.industries?.length) conditions.push(sql`e.industry IN ${jsonList(f.industries)}`);
  if (ctx.targetType !== null) conditions.push(sql`e.type = ${ctx.targetType}`);
  return conditions;
}

/**
 * The entities drawn for one of the plan's items within cooldownDays before `now`, once each, or null
 * without a cooldown. Computed once and anti-joined (a hash join), not probed per entity: a correlated
 * EXISTS made the planner walk the recent plans' tasks for each of 200k entities (minutes on PGlite).
 */
function recentlyDrawn(ctx: PlanContext, now: Date): SQL | null {
  const { plan } = ctx;
  if (plan.cooldownDays <= 0) return null;
  const since = new Date(now.getTime() - plan.cooldownDays * 86_400_000).toISOString();
  return sql`SELECT DISTINCT t.entity_id
      FROM plan_draws d
      JOIN plans p ON p.id = d.plan_id
      JOIN tasks t ON t.plan_id = d.plan_id
     WHERE d.drawn_at > ${since}::timestamptz AND p.items && ARRAY${jsonList(plan.items)}`;
}

/**
 * How many entities matching the filters and the target type the pool leaves out, per exclusion:
 * inactive ones, and active ones in cooldown — one aggregate query beside the pool's cursor.
 */
export async function poolExclusions(q: Executor, ctx: PlanContext, now: Date): Promise<{ inactive: number; cooldown: number }> {
  const conditions = filterConditions(ctx);
  const recent = recentlyDrawn(ctx, now);
  const [row] = await execRows<{ inactive: number | string; cooldown: number | string }>(
    q,
    sql`${recent === null ? sql`` : sql`WITH recent AS MATERIALIZED (${recent}) `}SELECT count(*) FILTER (WHERE e.status <> 'active') AS inactive,
               ${recent === null ? sql`0` : sql`count(*) FILTER (WHERE e.status = 'active' AND r.entity_id IS NOT NULL)`} AS cooldown
          FROM entities e
         ${recent === null ? sql`` : sql`LEFT JOIN recent r ON r.entity_id = e.id`}
         ${conditions.length > 0 ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``}`,
  );
  return { inactive: Number(row.inactive), cooldown: Number(row.cooldown) };
}

export interface PoolCursor {
  /** The next POOL_BATCH rows (none at the end). */
  fetch(): Promise<{ id: string; grade: string }[]>;
  close(): Promise<void>;
}

/** Opens a cursor over the pool inside `tx` (a cursor needs a transaction). */
export async function openPoolCursor(tx: Executor, ctx: PlanContext, now: Date): Promise<PoolCursor> {
  const cursor = `plan_pool_${randomBytes(6).toString('hex')}`;
  await tx.execute(sql`DECLARE ${sql.raw(cursor)} NO SCROLL CURSOR FOR ${poolQuery(ctx, now)}`);
  return {
    fetch: () => execRows<{ id: string; grade: string }>(tx, sql.raw(`FETCH ${POOL_BATCH} FROM ${cursor}`)),
    close: async () => {
      await tx.execute(sql.raw(`CLOSE ${cursor}`));
    },
  };
}

/** text[] comes back as an array from postgres.js and PGlite, but be safe with the literal form. */
function parseTextArray(v: string[] | string | null): string[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v;
  const inner = v.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',').map((s) => s.replace(/^"|"$/g, ''));
}

/** The active inspectors of these departments, with the items they are qualified for (none listed = all). */
export async function activeInspectorsOf(
  q: Executor,
  departments: readonly string[],
): Promise<{ id: string; departmentCode: string; qualifications: string[] }[]> {
  const rows = await execRows<{ id: string; department_code: string; qualifications: string[] | string | null }>(
    q,
    sql`SELECT id, department_code, qualifications FROM inspectors
         WHERE active AND department_code IN ${jsonList(departments)}`,
  );
  return rows.map((r) => ({ id: r.id, departmentCode: r.department_code, qualifications: parseTextArray(r.qualifications) }));
}

/** The recusals of these inspectors, as entity id → the inspectors recused from it. */
export async function recusalsOf(q: Executor, inspectorIds: readonly string[]): Promise<Map<string, string[]>> {
  const recusedBy = new Map<string, string[]>();
  if (inspectorIds.length === 0) return recusedBy;
  const rows = await execRows<{ inspector_id: string; entity_id: string }>(
    q,
    sql`SELECT inspector_id, entity_id FROM recusals WHERE inspector_id IN ${jsonList(inspectorIds)}`,
  );
  for (const r of rows) {
    const list = recusedBy.get(r.entity_id);
    if (list) list.push(r.inspector_id);
    else recusedBy.set(r.entity_id, [r.inspector_id]);
  }
  return recusedBy;
}
