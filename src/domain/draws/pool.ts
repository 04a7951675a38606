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

/** Why an entity matching the filters and the target type is left out of the pool: the PoolExclusions it counts under. */
export type ExclusionReason = keyof PoolExclusions;

export interface PoolExclusions {
  inactive: number;
  cooldown: number;
  /** general item already drawn this China-time year */
  yearly: number;
  /** the grade's maxPerYear or minIntervalDays */
  frequency: number;
}

/** A row of the candidates: `excluded` null = in the pool. */
export interface CandidateRow {
  id: string;
  grade: string;
  excluded: ExclusionReason | null;
}

/**
 * The candidates of the pool (spec §1.1): every entity matching the filters and the items' target type as
 * `id, grade, excluded`, sorted by id in byte order, with its current grade in the plan's scheme or the scheme's
 * default grade. `excluded` is null for the pool, else the first exclusion that holds in this order: inactive;
 * cooldown (drawn for one of the plan's items within `cooldownDays` before `now`); yearly (a general item's yearly
 * rule); frequency (the grade's rule) — see drawFacts. One pass gives both the pool and its exclusion counts: the
 * facts built from a year of tasks are the expensive part, and a second query for the counts built them again.
 *
 * Cooldown counts from the draw time (plan_draws.drawn_at) of drawn plans that contain one of the
 * plan's items: it is fixed, public in the ledger and known for every drawn entity, so anyone can
 * recompute the exclusion — an inspection date is entered later, can be corrected, and is missing for
 * tasks not inspected yet. (Voided plans are never drawn, so they never count.)
 */
export function candidateQuery(ctx: PlanContext, now: Date): SQL {
  const c = candidates(ctx, now);
  return sql`${c.with}SELECT e.id, ${c.grade} AS grade, ${c.reason} AS excluded ${c.from}
    ${c.where.length > 0 ? sql`WHERE ${sql.join(c.where, sql` AND `)}` : sql``}
    ORDER BY e.id COLLATE "C"`;
}

/** The pool alone as `id, grade` sorted by id in byte order (the candidates whose `excluded` is null). */
export function poolQuery(ctx: PlanContext, now: Date): SQL {
  const c = candidates(ctx, now);
  const where = [sql`e.status = 'active'`, ...c.where, sql`${c.reason} IS NULL`];
  return sql`${c.with}SELECT e.id, ${c.grade} AS grade ${c.from}
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY e.id COLLATE "C"`;
}

function candidates(ctx: PlanContext, now: Date): { with: SQL; grade: SQL; reason: SQL; from: SQL; where: SQL[] } {
  const grade = sql`COALESCE(g.grade, ${ctx.scheme.defaultGrade})`;
  const facts = drawFacts(ctx, now);
  const reasons: SQL[] = [sql`WHEN e.status <> 'active' THEN 'inactive'`];
  if (facts?.recent) reasons.push(sql`WHEN x.recent THEN 'cooldown'`);
  if (facts?.yearly) reasons.push(sql`WHEN x.yearly THEN 'yearly'`);
  if (facts && facts.rules.length > 0) reasons.push(sql`WHEN ${frequencyHit(facts, grade, now)} THEN 'frequency'`);
  return {
    // Inlined, the aggregate becomes the hash side of the join (420k rows for 1M entities) and the entities are probed:
    // materialized, its row count is a guess and the planner hashed the million entities instead (5–18 % slower).
    with: facts ? sql`WITH x AS NOT MATERIALIZED (${facts.query}) ` : sql``,
    grade,
    reason: sql`CASE ${sql.join(reasons, sql` `)} END`,
    from: sql`FROM entities e
      LEFT JOIN current_grades g ON g.scheme = ${ctx.scheme.code} AND g.entity_id = e.id
      ${facts ? sql`LEFT JOIN x ON x.entity_id = e.id` : sql``}`,
    where: filterConditions(ctx),
  };
}

interface FrequencyRule {
  grade: string;
  max: number | null;
  days: number;
}

interface DrawFacts {
  query: SQL;
  recent: boolean;
  yearly: boolean;
  rules: FrequencyRule[];
  /** how many departments the facts carry `n_<i>` and `last_<i>` for */
  departments: number;
}

// The year of a plan's frequency rules is the China-time year of its draw time (the `now` of the commit, or of the
// preview): the pool is frozen then, and the commit record's committedAt lets anyone recompute it.

/**
 * What the rules need to know about the drawn entities, one row per entity, from ONE scan of the tasks of the draws
 * that any rule looks at (a year of draws: half a million tasks for a million entities), or null when no rule applies:
 * - recent (cooldown): drawn for one of the plan's items within cooldownDays before `now`;
 * - yearly (一般检查事项): drawn this China-time year (before `now`) by a plan containing one of its general items;
 * - per department owning one of those items, over the drawn plans containing any item of that department: n_<i>,
 *   the plans this year that drew the entity (a draw picks an entity at most once, so tasks = plans), and last_<i>,
 *   its last draw within the longest minIntervalDays (and this year), for the grade rules applied by the caller.
 * A voided plan was never drawn, so it never counts.
 */
function drawFacts(ctx: PlanContext, now: Date): DrawFacts | null {
  const at = now.toISOString();
  const yearStart = chinaYearStart(now).toISOString();
  const flags: SQL[] = [];
  const columns: SQL[] = [];
  const recent = ctx.plan.cooldownDays > 0;
  if (recent) {
    const since = new Date(now.getTime() - ctx.plan.cooldownDays * 86_400_000).toISOString();
    flags.push(sql`(d.drawn_at > ${since}::timestamptz AND p.items && ARRAY${jsonList(ctx.plan.items)}) AS recent`);
    columns.push(sql`bool_or(dr.recent) AS recent`);
  }
  const yearly = ctx.generalItems.length > 0;
  if (yearly) {
    flags.push(
      sql`(d.drawn_at >= ${yearStart}::timestamptz AND d.drawn_at <= ${at}::timestamptz AND p.items && ARRAY${jsonList(ctx.generalItems)}) AS yearly`,
    );
    columns.push(sql`bool_or(dr.yearly) AS yearly`);
  }
  const rules = ctx.scheme.grades
    .map((g) => ({ grade: g.code, max: g.maxPerYear ?? null, days: g.minIntervalDays ?? 0 }))
    .filter((r) => r.max !== null || r.days > 0);
  const departments = rules.length > 0 ? [...ctx.departmentItems.values()] : [];
  if (departments.length > 0) {
    const longest = Math.max(0, ...rules.map((r) => r.days));
    const since = new Date(Math.min(chinaYearStart(now).getTime(), now.getTime() - longest * 86_400_000)).toISOString();
    for (const [i, codes] of departments.entries()) {
      const dept = sql.raw(`dept_${i}`);
      flags.push(sql`(d.drawn_at >= ${since}::timestamptz AND d.drawn_at <= ${at}::timestamptz AND p.items && ARRAY${jsonList(codes)}) AS ${dept}`);
      columns.push(sql`count(*) FILTER (WHERE dr.${dept} AND dr.drawn_at >= ${yearStart}::timestamptz) AS ${sql.raw(`n_${i}`)}`);
      columns.push(sql`max(dr.drawn_at) FILTER (WHERE dr.${dept}) AS ${sql.raw(`last_${i}`)}`);
    }
  }
  if (flags.length === 0) return null;
  const flagNames = [...(recent ? ['recent'] : []), ...(yearly ? ['yearly'] : []), ...departments.map((_, i) => `dept_${i}`)];
  return {
    query: sql`SELECT t.entity_id, ${sql.join(columns, sql`, `)}
        FROM (SELECT d.plan_id, d.drawn_at, ${sql.join(flags, sql`, `)} FROM plan_draws d JOIN plans p ON p.id = d.plan_id) dr
        JOIN tasks t ON t.plan_id = dr.plan_id
       WHERE ${sql.raw(flagNames.map((f) => `dr.${f}`).join(' OR '))}
       GROUP BY t.entity_id`,
    recent,
    yearly,
    rules: departments.length > 0 ? rules : [],
    departments: departments.length,
  };
}

/**
 * The grade rules on the facts `x` of an entity of grade `grade` (the pool's: current grade, else the scheme's
 * default): in some department, this year's draws reach the grade's maxPerYear, or the last draw lies within its
 * minIntervalDays. Null (no rule for the grade, or no facts) counts as false.
 */
function frequencyHit(facts: DrawFacts, grade: SQL, now: Date): SQL {
  const at = now.toISOString();
  const byGrade = facts.rules.map((r) => {
    const tests: SQL[] = [];
    for (let i = 0; i < facts.departments; i++) {
      if (r.max !== null) tests.push(sql`x.${sql.raw(`n_${i}`)} >= ${r.max}::int`);
      if (r.days > 0) tests.push(sql`x.${sql.raw(`last_${i}`)} > ${at}::timestamptz - ${r.days}::int * interval '1 day'`);
    }
    return sql`WHEN ${r.grade}::text THEN (${sql.join(tests, sql` OR `)})`;
  });
  return sql`(CASE ${grade} ${sql.join(byGrade, sql` `)} END)`;
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
  // A commitment plan (履约践诺): entities with an open commitment falling due in the window.
  if (f.commitmentsDueFrom && f.commitmentsDueTo) {
    conditions.push(sql`e.id IN (SELECT c.entity_id FROM commitments c WHERE c.status = 'open'
      AND c.check_by BETWEEN ${f.commitmentsDueFrom}::date AND ${f.commitmentsDueTo}::date
      ${f.commitmentKinds?.length ? sql`AND c.kind IN ${jsonList(f.commitmentKinds)}` : sql``})`);
  }
  if (ctx.targetType !== null) conditions.push(sql`e.type = ${ctx.targetType}`);
  return conditions;
}

export interface PoolCursor {
  /** The next POOL_BATCH rows (none at the end). */
  fetch(): Promise<CandidateRow[]>;
  close(): Promise<void>;
}

/** Opens a cursor over the candidates (the pool and what it leaves out) inside `tx` (a cursor needs a transaction). */
export async function openPoolCursor(tx: Executor, ctx: PlanContext, now: Date): Promise<PoolCursor> {
  const cursor = `plan_pool_${randomBytes(6).toString('hex')}`;
  await tx.execute(sql`DECLARE ${sql.raw(cursor)} NO SCROLL CURSOR FOR ${candidateQuery(ctx, now)}`);
  return {
    fetch: () => execRows<CandidateRow>(tx, sql.raw(`FETCH ${POOL_BATCH} FROM ${cursor}`)),
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
