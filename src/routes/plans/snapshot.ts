/**
 * What a commit freezes (spec §1), read from the directories: the pool, the eligible inspectors and the
 * recusals between them, serialized into the three snapshot files. Preview and commit share this code,
 * so a preview shows exactly what a commit would freeze at that moment.
 *
 * Built for a million-entity pool: PostgreSQL streams the pool already sorted (COLLATE "C" = byte order;
 * protocol ids are ASCII), each batch is serialized and hashed as it arrives, and only the entities
 * with a recusal are kept for the feasibility check. Nothing is sorted again in JavaScript.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { execRows, jsonValue, type Executor } from '../../db/client.ts';
import type { PlanFilters, SchemeGrade } from '../../db/schema.ts';
import {
  INSPECTOR_ID_RE,
  isEntityId,
  activeDepartments,
  checkFeasibility,
  loadCap,
  serializeInspectorSnapshot,
  serializeRecusalSnapshot,
  type EntityRow,
  type Infeasibility,
  type InspectorRow,
  type RecusalRow,
  type SnapshotDigests,
} from '../../core/draw.ts';
import { sha256Hex } from '../../core/sha256.ts';
import type { CommitStratum } from '../../core/replay.ts';
import { unprocessable } from '../../domain/errors.ts';

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

export interface SnapshotProblem {
  code: string;
  message: string;
  entityId?: string;
  departmentCode?: string;
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
    details.push({ field: 'items', message: `the items target different entity types (${[...targetTypes].sort().join(', ')}): no entity can match them all` });
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
  const { plan } = ctx;
  const f = plan.filters ?? {};
  const conditions: SQL[] = [sql`e.status = 'active'`];
  if (f.types?.length) conditions.push(sql`e.type IN ${jsonList(f.types)}`);
  if (f.regions?.length) conditions.push(sql`e.region IN ${jsonList(f.regions)}`);
  if (f.industries?.length) conditions.push(sql`e.industry IN ${jsonList(f.industries)}`);
  if (ctx.targetType !== null) conditions.push(sql`e.type = ${ctx.targetType}`);
  if (plan.cooldownDays > 0) {
    const since = new Date(now.getTime() - plan.cooldownDays * 86_400_000).toISOString();
    conditions.push(sql`NOT EXISTS (
      SELECT 1 FROM tasks t
        JOIN plan_draws d ON d.plan_id = t.plan_id
        JOIN plans p ON p.id = t.plan_id
       WHERE t.entity_id = e.id AND d.drawn_at > ${since}::timestamptz
         AND p.items && ARRAY${jsonList(plan.items)})`);
  }
  return sql`SELECT e.id, COALESCE(g.grade, ${ctx.scheme.defaultGrade}) AS grade
    FROM entities e
    LEFT JOIN current_grades g ON g.scheme = ${ctx.scheme.code} AND g.entity_id = e.id
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY e.id COLLATE "C"`;
}

/** Eligible inspectors (spec §1.2): active, of a department with k > 0, qualified for all its items of the plan. */
export async function eligibleInspectors(q: Executor, ctx: PlanContext): Promise<{ rows: InspectorRow[]; problems: SnapshotProblem[] }> {
  const departments = activeDepartments(ctx.plan.inspectorsPerTask);
  if (departments.length === 0) return { rows: [], problems: [] };
  const found = await execRows<{ id: string; department_code: string; qualifications: string[] | string | null }>(
    q,
    sql`SELECT id, department_code, qualifications FROM inspectors
         WHERE active AND department_code IN ${jsonList(departments)}`,
  );
  const rows: InspectorRow[] = [];
  const problems: SnapshotProblem[] = [];
  for (const r of found) {
    const quals = parseTextArray(r.qualifications);
    const needed = ctx.itemsByDepartment.get(r.department_code) ?? [];
    // No qualifications listed = qualified for every item of the department.
    if (quals.length > 0 && !needed.every((item) => quals.includes(item))) continue;
    if (!INSPECTOR_ID_RE.test(r.id)) {
      problems.push({ code: 'invalid_inspector_id', message: `inspector id ${JSON.stringify(r.id)} is not valid in draw-v1 ([0-9A-Za-z._-]{1,64})`, departmentCode: r.department_code });
      continue;
    }
    rows.push({ departmentCode: r.department_code, inspectorId: r.id });
  }
  return { rows, problems };
}

/** text[] comes back as an array from postgres.js and PGlite, but be safe with the literal form. */
function parseTextArray(v: string[] | string | null): string[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v;
  const inner = v.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',').map((s) => s.replace(/^"|"$/g, ''));
}

export interface SnapshotBuild {
  /** The entity file (ASCII). */
  entitySnapshot: string;
  inspectorSnapshot: string;
  recusalSnapshot: string;
  digests: SnapshotDigests;
  strata: CommitStratum[];
  inspectors: InspectorRow[];
  recusalCount: number;
  problems: SnapshotProblem[];
}

/**
 * Streams the pool inside `tx` (a cursor needs a transaction) and builds the three snapshot files.
 * `problems` lists what would make a commit fail (at most `maxProblems` of each kind): invalid ids,
 * grades outside the scheme, an empty pool, entities that cannot get k non-recused inspectors.
 */
export async function buildSnapshots(
  tx: Executor,
  ctx: PlanContext,
  now: Date,
  maxProblems: number,
): Promise<SnapshotBuild> {
  const { plan, gradeOrder } = ctx;
  const { rows: inspectors, problems } = await eligibleInspectors(tx, ctx);
  const inspectorSnapshot = serializeInspectorSnapshot(inspectors);
  for (const d of inspectorLoad(plan.inspectorsPerTask, inspectors, 0)) {
    if (d.eligible < d.perTask) {
      problems.push({
        code: 'too_few_inspectors',
        message: `department ${d.departmentCode} has ${d.eligible} eligible inspectors (active and qualified for its items of the plan), ${d.perTask} needed per task`,
        departmentCode: d.departmentCode,
      });
    }
  }

  // Recusals of the eligible inspectors, by entity; only pairs inside the pool go into the snapshot.
  const recusedBy = new Map<string, string[]>();
  if (inspectors.length > 0) {
    const rows = await execRows<{ inspector_id: string; entity_id: string }>(
      tx,
      sql`SELECT inspector_id, entity_id FROM recusals WHERE inspector_id IN ${jsonList(inspectors.map((i) => i.inspectorId))}`,
    );
    for (const r of rows) {
      const list = recusedBy.get(r.entity_id);
      if (list) list.push(r.inspector_id);
      else recusedBy.set(r.entity_id, [r.inspector_id]);
    }
  }

  const gradeIndex = new Map(gradeOrder.map((g, i) => [g, i]));
  const counts = new Array<number>(gradeOrder.length).fill(0);
  // node's SHA-256 (native) for the big file: the core's portable one runs at ~50 MB/s.
  const hasher = createHash('sha256');
  const chunks: Buffer[] = [];
  const recusedInPool: EntityRow[] = [];
  let first: EntityRow | null = null;
  let prev = '';
  let badIds = 0;
  let badGrades = 0;

  const cursor = `plan_pool_${randomBytes(6).toString('hex')}`;
  await tx.execute(sql`DECLARE ${sql.raw(cursor)} NO SCROLL CURSOR FOR ${poolQuery(ctx, now)}`);
  const fetchBatch = () => {
    const batch = execRows<{ id: string; grade: string }>(tx, sql.raw(`FETCH ${POOL_BATCH} FROM ${cursor}`));
    batch.catch(() => {}); // awaited below; if serializing a batch throws first, this one must not go unhandled
    return batch;
  };
  let next = fetchBatch();
  for (;;) {
    const rows = await next;
    if (rows.length === 0) break;
    // The next batch is read by the database while this one is checked and serialized.
    next = fetchBatch();
    let text = '';
    for (let i = 0; i < rows.length; i++) {
      const id = rows[i].id;
      const grade = rows[i].grade;
      if (!isEntityId(id)) {
        if (badIds++ < maxProblems) {
          problems.push({ code: 'invalid_entity_id', message: `entity id ${JSON.stringify(id)} is not valid in draw-v1 ([0-9A-Za-z._-]{1,64})`, entityId: id });
        }
        continue;
      }
      // COLLATE "C" sorts by bytes, which for ASCII ids is JavaScript's < : the file comes out sorted.
      if (!(prev < id)) throw new Error(`pool not strictly ascending at ${id} (after ${prev})`);
      prev = id;
      const g = gradeIndex.get(grade);
      if (g === undefined) {
        if (badGrades++ < maxProblems) {
          problems.push({ code: 'unknown_grade', message: `entity ${id} has grade ${grade}, which is not a grade of scheme ${ctx.scheme.code}`, entityId: id });
        }
        continue;
      }
      counts[g]++;
      text += id + '\t' + grade + '\n';
      if (first === null) first = { id, grade };
      if (recusedBy.has(id)) recusedInPool.push({ id, grade });
    }
    // One flat copy per batch (ids and grades are ASCII, checked above: latin1 = UTF-8 here); joining
    // the concatenated strings themselves at the end would flatten a million-node rope, several times slower.
    const chunk = Buffer.from(text, 'latin1');
    hasher.update(chunk);
    chunks.push(chunk);
  }
  await tx.execute(sql.raw(`CLOSE ${cursor}`));
  const entitySnapshot = Buffer.concat(chunks).toString('latin1');

  const recusals: RecusalRow[] = [];
  for (const e of recusedInPool) for (const inspectorId of recusedBy.get(e.id)!) recusals.push({ inspectorId, entityId: e.id });
  const recusalSnapshot = serializeRecusalSnapshot(recusals);

  const population = counts.reduce((a, b) => a + b, 0);
  if (population === 0) problems.push({ code: 'empty_pool', message: 'the pool is empty: no active entity matches the plan' });

  // Only entities with a recusal can fall short of k, unless a department has fewer than k inspectors
  // at all — then the first entity already does. checkFeasibility reports in id order.
  let candidates: EntityRow[] = first !== null && !recusedBy.has(first.id) ? [first, ...recusedInPool] : recusedInPool;
  const infeasible: Infeasibility[] = [];
  const shortDepartment = problems.some((p) => p.code === 'too_few_inspectors');
  while (!shortDepartment && infeasible.length < maxProblems && candidates.length > 0) {
    const f = checkFeasibility(candidates, inspectors, plan.inspectorsPerTask, recusals);
    if (f === null) break;
    infeasible.push(f);
    const at = candidates.findIndex((e) => e.id === f.entityId);
    candidates = candidates.slice(at + 1);
  }
  for (const f of infeasible) {
    problems.push({
      code: 'infeasible',
      message: `entity ${f.entityId} would have only ${f.available} non-recused inspectors of department ${f.departmentCode}, ${f.required} required`,
      entityId: f.entityId,
      departmentCode: f.departmentCode,
    });
  }

  return {
    entitySnapshot,
    inspectorSnapshot,
    recusalSnapshot,
    digests: {
      entitySnapshotDigest: hasher.digest('hex'),
      inspectorSnapshotDigest: sha256Hex(inspectorSnapshot),
      recusalDigest: sha256Hex(recusalSnapshot),
    },
    strata: gradeOrder.map((grade, i) => ({ grade, population: counts[i], ratioBp: plan.ratiosBp[grade] })),
    inspectors,
    recusalCount: recusals.length,
    problems,
  };
}

/** Per department: k, eligible inspectors M, average load T × k / M and the cap ceil(T × k / M). */
export function inspectorLoad(inspectorsPerTask: Record<string, number>, inspectors: InspectorRow[], tasks: number) {
  const perDept = new Map<string, number>();
  for (const i of inspectors) perDept.set(i.departmentCode, (perDept.get(i.departmentCode) ?? 0) + 1);
  return activeDepartments(inspectorsPerTask).map((d) => {
    const k = inspectorsPerTask[d];
    const m = perDept.get(d) ?? 0;
    return {
      departmentCode: d,
      perTask: k,
      eligible: m,
      averageLoad: m === 0 ? 0 : Math.round((tasks * k * 100) / m) / 100,
      cap: m === 0 ? 0 : loadCap(tasks, k, m),
    };
  });
}
