/**
 * The directory reads of a commit (spec §1): the plan's scheme and items, the pool streamed through a
 * cursor, the inspectors of its departments and their recusals. SQL only; what goes into the snapshots
 * is decided in snapshot.ts.
 */
import { randomBytes } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { execRows, jsonValue, type Executor } from '../../db/client.ts';
import type { PlanFilters, SchemeGrade } from '../../db/schema.ts';
import { chinaYearStart } from '../../core/calendar.ts';
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
  /** the plan's general items (一般检查事项); key items are not limited */
  generalItems: string[];
  /** for each department owning one of the plan's general items: every item of that department */
  departmentItems: Map<string, string[]>;
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
  const itemRows = await execRows<{
    code: string;
    department_code: string;
    grade_scheme: string;
    target_type: string | null;
    active: boolean;
    kind: string;
  }>(q, sql`SELECT code, department_code, grade_scheme, target_type, active, kind FROM items WHERE code IN ${jsonList(plan.items)}`);
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
  const generalItems = plan.items.filter((code) => byCode.get(code)?.kind !== 'key');
  const generalDepartments = [...new Set(generalItems.map((code) => byCode.get(code)?.department_code ?? ''))];
  const departmentItems = new Map<string, string[]>();
  if (generalDepartments.length > 0) {
    const rows = await execRows<{ code: string; department_code: string }>(
      q,
      sql`SELECT code, department_code FROM items WHERE department_code IN ${jsonList(generalDepartments)} ORDER BY code`,
    );
    for (const r of rows) departmentItems.set(r.department_code, [...(departmentItems.get(r.department_code) ?? []), r.code]);
  }
  return {
    plan,
    scheme: { code: scheme.code, name: scheme.name, grades, defaultGrade: scheme.default_grade, public: Boolean(scheme.public) },
    gradeOrder: grades.map((g) => g.code),
    itemsByDepartment,
    targetType: targetTypes.size === 1 ? [...targetTypes][0] : null,
    generalItems,
    departmentItems,
  };
}

/**
 * The pool (spec §1.1) as `id, grade` sorted by id in byte order: active entities matching the filters
 * and the items' target type, minus those drawn for one of the plan's items within `cooldownDays`
 * before `now`, those a general item's yearly rule or their grade's frequency rule leaves out (below),
 * each with its current grade in the plan's scheme or the scheme's default grade.
 *
 * Cooldown counts from the draw time (plan_draws.drawn_at) of drawn plans that contain one of the
 * plan's items: it is fixed, public in the ledger and known for every drawn entity, so anyone can
 * recompute the exclusion — an inspection date is entered later, can be corrected, and is missing for
 * tasks not inspected yet. (Voided plans are never drawn, so they never count.)
 */
export function poolQuery(ctx: PlanContext, now: Date): SQL {
  const conditions: SQL[] = [sql`e.status = 'active'`, ...filterConditions(ctx)];
  const sets = exclusionSets(ctx, now);
  // One set of every excluded entity, one anti-join: the pool is read through a cursor, whose fast-start plan
  // turned one anti-join per rule into nested loops (20 × slower at 20k entities).
  const excluded =
    sets.length === 0
      ? sql``
      : sql`WITH excluded AS MATERIALIZED (${sql.join(
          sets.map((x) => x.query),
          sql` UNION `,
        )}) `;
  if (sets.length > 0) conditions.push(sql`NOT EXISTS (SELECT 1 FROM excluded x WHERE x.entity_id = e.id)`);
  return sql`${excluded}SELECT e.id, COALESCE(g.grade, ${ctx.scheme.defaultGrade}) AS grade
    FROM entities e
    LEFT JOIN current_grades g ON g.scheme = ${ctx.scheme.code} AND g.entity_id = e.id
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY e.id COLLATE "C"`;
}

/** The exclusions that apply to a plan, in the order that decides which one an entity is counted under. */
type ExclusionName = 'recent' | 'yearly' | 'frequency';
interface ExclusionSet {
  name: ExclusionName;
  query: SQL;
}

function exclusionSets(ctx: PlanContext, now: Date): ExclusionSet[] {
  const sets: ExclusionSet[] = [];
  const recent = recentlyDrawn(ctx, now);
  if (recent !== null) sets.push({ name: 'recent', query: recent });
  const yearly = drawnThisYear(ctx, now);
  if (yearly !== null) sets.push({ name: 'yearly', query: yearly });
  const frequency = frequencyLimited(ctx, now);
  if (frequency !== null) sets.push({ name: 'frequency', query: frequency });
  return sets;
}

const withClause = (sets: ExclusionSet[]) =>
  sets.length === 0
    ? sql``
    : sql`WITH ${sql.join(
        sets.map((x) => sql`${sql.raw(x.name)} AS MATERIALIZED (${x.query})`),
        sql`, `,
      )} `;

// The year of a plan's frequency rules is the China-time year of its draw time (the `now` of the commit, or of the
// preview): the pool is frozen then, and the commit record's committedAt lets anyone recompute it.

/**
 * 一般检查事项: the entities drawn this China-time year (before `now`) by a drawn plan containing one of the
 * plan's general items, or null when the plan has none. A voided plan was never drawn, so it never counts.
 */
function drawnThisYear(ctx: PlanContext, now: Date): SQL | null {
  if (ctx.generalItems.length === 0) return null;
  return sql`SELECT DISTINCT t.entity_id
      FROM plan_draws d
      JOIN plans p ON p.id = d.plan_id
      JOIN tasks t ON t.plan_id = d.plan_id
     WHERE d.drawn_at >= ${chinaYearStart(now).toISOString()}::timestamptz AND d.drawn_at <= ${now.toISOString()}::timestamptz
       AND p.items && ARRAY${jsonList(ctx.generalItems)}`;
}

/**
 * The entities a grade rule leaves out for the plan's general items, or null when no grade has a rule: per
 * department owning one of those items, the drawn plans this year containing any item of that department
 * (counted per plan: one task per entity and plan) reach the grade's maxPerYear, or the last such draw lies
 * within the grade's minIntervalDays. The grade is the one the pool uses: the entity's current grade in the
 * plan's scheme, else the scheme's default. Like the cooldown, one set computed from the draws (small) and
 * anti-joined, never probed per entity.
 */
function frequencyLimited(ctx: PlanContext, now: Date): SQL | null {
  const rules = ctx.scheme.grades
    .map((g) => ({ grade: g.code, max: g.maxPerYear ?? null, days: g.minIntervalDays ?? 0 }))
    .filter((r) => r.max !== null || r.days > 0);
  if (rules.length === 0 || ctx.departmentItems.size === 0) return null;
  const yearStart = chinaYearStart(now);
  const longest = Math.max(0, ...rules.map((r) => r.days));
  const since = new Date(Math.min(yearStart.getTime(), now.getTime() - longest * 86_400_000));
  const departments = [...ctx.departmentItems.entries()].map(([dept, codes]) => sql`SELECT ${dept}::text AS dept, ARRAY${jsonList(codes)} AS codes`);
  const ruleRows = rules.map((r) => sql`SELECT ${r.grade}::text AS grade, ${r.max}::int AS max_per_year, ${r.days}::int AS min_days`);
  return sql`SELECT DISTINCT f.entity_id
      FROM (SELECT t.entity_id, dp.dept,
                   count(DISTINCT t.plan_id) FILTER (WHERE d.drawn_at >= ${yearStart.toISOString()}::timestamptz) AS n,
                   max(d.drawn_at) AS last_at
              FROM plan_draws d
              JOIN plans p ON p.id = d.plan_id
              JOIN (${sql.join(departments, sql` UNION ALL `)}) dp ON p.items && dp.codes
              JOIN tasks t ON t.plan_id = d.plan_id
             WHERE d.drawn_at >= ${since.toISOString()}::timestamptz AND d.drawn_at <= ${now.toISOString()}::timestamptz
             GROUP BY t.entity_id, dp.dept) f
      LEFT JOIN current_grades g ON g.scheme = ${ctx.scheme.code} AND g.entity_id = f.entity_id
      JOIN (${sql.join(ruleRows, sql` UNION ALL `)}) r ON r.grade = COALESCE(g.grade, ${ctx.scheme.defaultGrade})
     WHERE (r.max_per_year IS NOT NULL AND f.n >= r.max_per_year)
        OR (r.min_days > 0 AND f.last_at > ${now.toISOString()}::timestamptz - r.min_days * interval '1 day')`;
}

/** The plan's filters as given and the items' target type, on entities `e`. */
function filterConditions(ctx: PlanContext): SQL[] {
  const f = ctx.plan.filters ?? {};
  const conditions: SQL[] = [];
  if (f.types?.length) conditions.push(sql`e.type IN ${jsonList(f.types)}`);
  if (f.regions?.length) conditions.push(sql`e.region IN ${jsonList(f.regions)}`);
  if (f.industries?.length) conditions.push(sql`e.industry IN ${jsonList(f.industries)}`);
  // Any of the tags / licence kinds: && on the arrays, which the GIN indexes serve.
  if (f.tags?.length) conditions.push(sql`e.tags && ARRAY${jsonList(f.tags)}`);
  if (f.licences?.length) conditions.push(sql`e.licences && ARRAY${jsonList(f.licences)}`);
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

export interface PoolExclusions {
  inactive: number;
  cooldown: number;
  /** general item already drawn this China-time year */
  yearly: number;
  /** the grade's maxPerYear or minIntervalDays */
  frequency: number;
}

/**
 * How many entities matching the filters and the target type the pool leaves out, per exclusion — one
 * aggregate query beside the pool's cursor. Each entity is counted once, under the first exclusion that
 * holds in this order: inactive, cooldown, yearly (general item drawn this year), frequency (grade rule).
 */
export async function poolExclusions(q: Executor, ctx: PlanContext, now: Date): Promise<PoolExclusions> {
  const conditions = filterConditions(ctx);
  const sets = exclusionSets(ctx, now);
  const has = (name: ExclusionName) => sets.some((x) => x.name === name);
  const hit = (name: ExclusionName) => sql.raw(`${name}.entity_id IS NOT NULL`);
  const miss = (name: ExclusionName) => (has(name) ? sql.raw(` AND ${name}.entity_id IS NULL`) : sql``);
  const counted = (name: ExclusionName, before: ExclusionName[]) =>
    has(name) ? sql`count(*) FILTER (WHERE e.status = 'active' AND ${hit(name)}${sql.join(before.map(miss), sql``)})` : sql`0`;
  const [row] = await execRows<{ inactive: number | string; cooldown: number | string; yearly: number | string; frequency: number | string }>(
    q,
    sql`${withClause(sets)}SELECT count(*) FILTER (WHERE e.status <> 'active') AS inactive,
               ${counted('recent', [])} AS cooldown,
               ${counted('yearly', ['recent'])} AS yearly,
               ${counted('frequency', ['recent', 'yearly'])} AS frequency
          FROM entities e
         ${sql.join(
           sets.map((x) => sql.raw(`LEFT JOIN ${x.name} ON ${x.name}.entity_id = e.id`)),
           sql` `,
         )}
         ${conditions.length > 0 ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``}`,
  );
  return { inactive: Number(row.inactive), cooldown: Number(row.cooldown), yearly: Number(row.yearly), frequency: Number(row.frequency) };
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
