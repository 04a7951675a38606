/**
 * What a commit freezes (spec §1), read from the directories: the pool, the eligible inspectors and the
 * recusals between them, serialized into the three snapshot files by the core. Preview and commit share
 * this code, so a preview shows exactly what a commit would freeze at that moment.
 *
 * Built for a million-entity pool: PostgreSQL streams the pool already sorted (COLLATE "C" = byte order;
 * protocol ids are ASCII), the core's entity-file builder serializes and hashes each batch as it
 * arrives, and only the entities with a recusal are kept for the feasibility check. Nothing is sorted
 * again in JavaScript.
 */
import type { Executor } from '../../db/client.ts';
import { isInspectorId } from '../../core/draw/ids.ts';
import { activeDepartments } from '../../core/draw/params.ts';
import { loadCap } from '../../core/draw/assign.ts';
import { listInfeasibilities } from '../../core/draw/feasibility.ts';
import {
  createEntitySnapshotBuilder,
  serializeInspectorSnapshot,
  serializeRecusalSnapshot,
  type EntitySnapshotProblem,
} from '../../core/draw/snapshot.ts';
import type { InspectorRow, RecusalRow, SnapshotDigests } from '../../core/draw/types.ts';
import type { CommitStratum } from '../../core/replay.ts';
import { sha256Hex } from '../../core/sha256.ts';
import { activeInspectorsOf, openPoolCursor, recusalsOf, type CandidateRow, type PlanContext, type PoolExclusions } from './pool.ts';
import { nodeSha256 } from '../sha256.ts';

export interface SnapshotProblem {
  code: string;
  message: string;
  entityId?: string;
  departmentCode?: string;
}

/** Eligible inspectors (spec §1.2): active, of a department with k > 0, qualified for all its items of the plan. */
async function eligibleInspectors(q: Executor, ctx: PlanContext): Promise<{ rows: InspectorRow[]; problems: SnapshotProblem[] }> {
  const departments = activeDepartments(ctx.plan.inspectorsPerTask);
  if (departments.length === 0) return { rows: [], problems: [] };
  const rows: InspectorRow[] = [];
  const problems: SnapshotProblem[] = [];
  for (const r of await activeInspectorsOf(q, departments)) {
    const needed = ctx.itemsByDepartment.get(r.departmentCode) ?? [];
    // No qualifications listed = qualified for every item of the department.
    if (r.qualifications.length > 0 && !needed.every((item) => r.qualifications.includes(item))) continue;
    if (!isInspectorId(r.id)) {
      problems.push({
        code: 'invalid_inspector_id',
        message: `inspector id ${JSON.stringify(r.id)} is not valid in draw-v1 ([0-9A-Za-z._-]{1,64})`,
        departmentCode: r.departmentCode,
      });
      continue;
    }
    rows.push({ departmentCode: r.departmentCode, inspectorId: r.id });
  }
  return { rows, problems };
}

function poolProblem(p: EntitySnapshotProblem, ctx: PlanContext): SnapshotProblem {
  return p.code === 'invalid_entity_id'
    ? { code: p.code, message: `entity id ${JSON.stringify(p.entityId)} is not valid in draw-v1 ([0-9A-Za-z._-]{1,64})`, entityId: p.entityId }
    : { code: p.code, message: `entity ${p.entityId} has grade ${p.grade}, which is not a grade of scheme ${ctx.scheme.code}`, entityId: p.entityId };
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
  /** The entities matching the filters and the target type that the pool leaves out, per exclusion. */
  excluded: PoolExclusions;
  problems: SnapshotProblem[];
}

/** The batch's pool rows; the others are counted under their exclusion. */
function poolRows(rows: CandidateRow[], excluded: PoolExclusions): CandidateRow[] {
  const pool: CandidateRow[] = [];
  for (const r of rows) {
    if (r.excluded === null) pool.push(r);
    else excluded[r.excluded]++;
  }
  return pool;
}

/**
 * Streams the pool inside `tx` and builds the three snapshot files, counting what the pool leaves out in the same pass.
 * `problems` lists what would make a commit fail (at most `maxProblems` of each kind): invalid ids,
 * grades outside the scheme, an empty pool, entities that cannot get k non-recused inspectors.
 */
export async function buildSnapshots(tx: Executor, ctx: PlanContext, now: Date, maxProblems: number): Promise<SnapshotBuild> {
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
  const recusedBy = await recusalsOf(
    tx,
    inspectors.map((i) => i.inspectorId),
  );
  const builder = createEntitySnapshotBuilder({ gradeOrder, hash: nodeSha256, maxProblems, recused: recusedBy });
  const cursor = await openPoolCursor(tx, ctx, now);
  const fetchBatch = () => {
    const batch = cursor.fetch();
    batch.catch(() => {}); // awaited below; if serializing a batch throws first, this one must not go unhandled
    return batch;
  };
  const excluded: PoolExclusions = { inactive: 0, cooldown: 0, yearly: 0, frequency: 0 };
  let next = fetchBatch();
  for (;;) {
    const rows = await next;
    if (rows.length === 0) break;
    // The next batch is read by the database while this one is checked and serialized.
    next = fetchBatch();
    builder.addBatch(poolRows(rows, excluded));
  }
  await cursor.close();
  const entities = builder.finish();
  problems.push(...entities.problems.map((p) => poolProblem(p, ctx)));

  const recusals: RecusalRow[] = [];
  for (const e of entities.feasibilityRows) for (const inspectorId of recusedBy.get(e.id) ?? []) recusals.push({ inspectorId, entityId: e.id });
  const recusalSnapshot = serializeRecusalSnapshot(recusals);

  const population = entities.populations.reduce((a, b) => a + b, 0);
  if (population === 0) problems.push({ code: 'empty_pool', message: 'the pool is empty: no active entity matches the plan' });

  // Unless a department has fewer than k inspectors at all (reported above), report the entities
  // that cannot be staffed, in id order.
  const shortDepartment = problems.some((p) => p.code === 'too_few_inspectors');
  const infeasible = shortDepartment ? [] : listInfeasibilities(entities.feasibilityRows, inspectors, plan.inspectorsPerTask, recusals, maxProblems);
  for (const f of infeasible) {
    problems.push({
      code: 'infeasible',
      message: `entity ${f.entityId} would have only ${f.available} non-recused inspectors of department ${f.departmentCode}, ${f.required} required`,
      entityId: f.entityId,
      departmentCode: f.departmentCode,
    });
  }

  return {
    entitySnapshot: entities.text,
    inspectorSnapshot,
    recusalSnapshot,
    digests: {
      entitySnapshotDigest: entities.digest,
      inspectorSnapshotDigest: sha256Hex(inspectorSnapshot),
      recusalDigest: sha256Hex(recusalSnapshot),
    },
    strata: gradeOrder.map((grade, i) => ({ grade, population: entities.populations[i], ratioBp: plan.ratiosBp[grade] })),
    inspectors,
    recusalCount: recusals.length,
    excluded,
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
