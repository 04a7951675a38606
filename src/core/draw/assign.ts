/** Protocol "draw-v1" §4: the inspector teams of the drawn tasks, under recusals and a load cap. */
import { assertHex64, describe } from './ids.ts';
import { activeDepartments } from './params.ts';
import { rngFor } from './seed.ts';
import { inspectorsSorted } from './snapshot.ts';
import type { DrawnTask, InspectorRef, InspectorRow, RecusalIndex, RecusalRow, TaskAssignment } from './types.ts';

/** Builds entityId → Set(inspectorId) from recusal rows. */
export function buildRecusalIndex(recusals: readonly RecusalRow[]): RecusalIndex {
  const idx: RecusalIndex = new Map();
  for (const r of recusals) {
    let s = idx.get(r.entityId);
    if (s === undefined) {
      s = new Set();
      idx.set(r.entityId, s);
    }
    s.add(r.inspectorId);
  }
  return idx;
}

export function toRecusalIndex(recusals: readonly RecusalRow[] | RecusalIndex): RecusalIndex {
  return recusals instanceof Map ? recusals : buildRecusalIndex(recusals);
}

/** department code → its inspector ids, sorted. */
export function departmentPools(inspectors: readonly InspectorRow[]): Map<string, string[]> {
  const rows = inspectorsSorted(inspectors);
  const pools = new Map<string, string[]>();
  for (const r of rows) {
    let p = pools.get(r.departmentCode);
    if (p === undefined) {
      p = [];
      pools.set(r.departmentCode, p);
    }
    p.push(r.inspectorId);
  }
  return pools;
}

/** ceil(T × k / M) in exact integer arithmetic. */
export function loadCap(tasks: number, k: number, inspectors: number): number {
  const x = tasks * k + inspectors - 1;
  if (!Number.isSafeInteger(x)) throw new Error('loadCap: numbers too large');
  return (x - (x % inspectors)) / inspectors;
}

/** The p-th element (0-based) of 0, 1, 2, … with the ascending values skip[0 … n−1] left out. */
function nthSkipping(p: number, skip: Int32Array, n: number): number {
  let idx = p;
  for (let s = 0; s < n; s++) {
    if (skip[s] <= idx) idx++;
    else break;
  }
  return idx;
}

/**
 * §4: for each department with k > 0 (sorted by code), a team of k per task, drawn by a partial
 * Fisher–Yates over the non-recused inspectors under the load cap (falling back to all non-recused
 * inspectors when fewer than k are under the cap). Tasks must be in seq order (seq = 1, 2, …).
 * Throws if some task cannot get k inspectors (ruled out by checkFeasibility before commit).
 * The InspectorRef objects in the result are shared between tasks and frozen.
 *
 * Implementation note: the candidate list C of §4 is never materialized. `under` holds the pool
 * indices with load < cap in pool order; C is `under` (or the whole pool, in the fallback) minus the
 * entity's recused inspectors, and C[p] is found by skipping the recused positions. The k swaps of
 * the partial Fisher–Yates on the "copy of C" are recorded sparsely. This costs O(k + recusals) per
 * task instead of O(M), and yields exactly the protocol's result (tests compare it against a literal
 * transcription of §4).
 */
export function assignInspectors(
  seed: string,
  tasks: readonly DrawnTask[],
  inspectors: readonly InspectorRow[],
  inspectorsPerTask: Record<string, number>,
  recusals: readonly RecusalRow[] | RecusalIndex,
): TaskAssignment[] {
  assertHex64(seed, 'seed');
  const T = tasks.length;
  for (let i = 0; i < T; i++) {
    if (tasks[i].seq !== i + 1) throw new Error(`tasks must be numbered 1, 2, … in order; task ${i} has seq ${describe(tasks[i].seq)}`);
  }
  const rec = toRecusalIndex(recusals);
  // Each task's recusal set, looked up once (not once per department).
  const taskRecused: (ReadonlySet<string> | undefined)[] = new Array(T);
  if (rec.size > 0) for (let t = 0; t < T; t++) taskRecused[t] = rec.get(tasks[t].entityId);
  return assignTeams(tasks, taskRecused, inspectors, inspectorsPerTask, seed);
}

/** §4 proper. taskRecused[t] = the inspector ids recused from task t's entity (or undefined). */
export function assignTeams(
  tasks: readonly DrawnTask[],
  taskRecused: readonly (ReadonlySet<string> | undefined)[],
  inspectors: readonly InspectorRow[],
  inspectorsPerTask: Record<string, number>,
  seed: string,
): TaskAssignment[] {
  const T = tasks.length;
  const depts = activeDepartments(inspectorsPerTask);
  const pools = departmentPools(inspectors);
  let teamSize = 0;
  for (const d of depts) teamSize += inspectorsPerTask[d];
  const out: TaskAssignment[] = new Array(T);
  for (let i = 0; i < T; i++) {
    out[i] = { seq: tasks[i].seq, entityId: tasks[i].entityId, grade: tasks[i].grade, inspectors: new Array(teamSize) };
  }
  if (T === 0) return out;

  let offset = 0; // where this department's team starts in each task's inspector list
  for (const d of depts) {
    const k = inspectorsPerTask[d];
    const pool = pools.get(d) ?? [];
    const M = pool.length;
    if (M < k) {
      throw new Error(`department ${d} needs ${k} inspectors per task but has ${M} in the inspector snapshot`);
    }
    const cap = loadCap(T, k, M);
    const load = new Int32Array(M);
    const under = new Int32Array(M); // pool indices x with load[x] < cap, ascending
    const posInUnder = new Int32Array(M); // position of x in `under`, or −1
    for (let x = 0; x < M; x++) {
      under[x] = x;
      posInUnder[x] = x;
    }
    let U = M;
    const indexInPool = new Map<string, number>();
    for (let x = 0; x < M; x++) indexInPool.set(pool[x], x);
    const recPool = new Int32Array(M); // recused pool indices of the current task, ascending
    const recPos = new Int32Array(M); // their positions in `under` (those still under the cap), ascending
    // One shared, frozen reference object per inspector (instead of one per team seat).
    const refs: InspectorRef[] = pool.map((inspectorId) => Object.freeze({ departmentCode: d, inspectorId }));
    // Sparse record of the Fisher–Yates copy of C: position p holds swapVal[p] if swapStamp[p] = stamp.
    const swapStamp = new Int32Array(M);
    const swapVal = new Int32Array(M);
    let stamp = 0;
    const team = new Int32Array(k);
    const r = rngFor(seed, 'inspectors', d);

    for (let t = 0; t < T; t++) {
      const recused = taskRecused[t];
      let nRecPool = 0;
      let nRecPos = 0;
      if (recused !== undefined) {
        for (const id of recused) {
          const x = indexInPool.get(id);
          if (x !== undefined) recPool[nRecPool++] = x;
        }
        if (nRecPool > 1) recPool.subarray(0, nRecPool).sort(); // typed-array sort is numeric
        for (let i = 0; i < nRecPool; i++) {
          const p = posInUnder[recPool[i]];
          if (p >= 0) recPos[nRecPos++] = p; // ascending, since `under` is in pool order
        }
      }
      // C = under-cap, non-recused inspectors; if fewer than k, all non-recused inspectors.
      const capped = U - nRecPos >= k;
      const c = capped ? U - nRecPos : M - nRecPool;
      if (c < k) {
        throw new Error(`task ${tasks[t].seq} (entity ${tasks[t].entityId}): department ${d} has only ${c} non-recused inspectors, ${k} required`);
      }
      stamp++;
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(r() * (c - i));
        const vj = swapStamp[j] === stamp ? swapVal[j] : capped ? under[nthSkipping(j, recPos, nRecPos)] : nthSkipping(j, recPool, nRecPool);
        if (j !== i) {
          // position i is never read again (later steps only touch positions > i)
          swapVal[j] = swapStamp[i] === stamp ? swapVal[i] : capped ? under[nthSkipping(i, recPos, nRecPos)] : nthSkipping(i, recPool, nRecPool);
          swapStamp[j] = stamp;
        }
        team[i] = vj;
      }
      const members = out[t].inspectors;
      for (let i = 0; i < k; i++) {
        const x = team[i];
        members[offset + i] = refs[x];
        if (++load[x] >= cap) {
          const p = posInUnder[x];
          if (p >= 0) {
            // x reached the cap: drop it from `under` (at most M times per department)
            for (let q = p + 1; q < U; q++) {
              const y = under[q];
              under[q - 1] = y;
              posInUnder[y] = q - 1;
            }
            U--;
            posInUnder[x] = -1;
          }
        }
      }
    }
    offset += k;
  }
  return out;
}

/** 32-bit FNV-1a over UTF-16 code units. */
function hashId(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

interface RecusalBucket {
  entityId: string;
  inspectorIds: Set<string>;
  next: RecusalBucket | undefined;
}

/**
 * Each task's recusal set, from the recusal rows. Ids parsed from a big file are sliced strings, for
 * which V8's Map lookups are slow; an integer hash of the characters (computed for the drawn tasks and
 * the recusal pairs only) makes the join cheap. Equal hashes are confirmed by comparing the ids.
 */
export function taskRecusalSets(tasks: readonly DrawnTask[], recusals: readonly RecusalRow[]): (ReadonlySet<string> | undefined)[] {
  const buckets = new Map<number, RecusalBucket>();
  for (const r of recusals) {
    const h = hashId(r.entityId);
    let b = buckets.get(h);
    while (b !== undefined && b.entityId !== r.entityId) b = b.next;
    if (b === undefined) {
      b = { entityId: r.entityId, inspectorIds: new Set(), next: buckets.get(h) };
      buckets.set(h, b);
    }
    b.inspectorIds.add(r.inspectorId);
  }
  const taskRecused: (ReadonlySet<string> | undefined)[] = new Array(tasks.length);
  if (buckets.size > 0) {
    for (let t = 0; t < tasks.length; t++) {
      const id = tasks[t].entityId;
      let b = buckets.get(hashId(id));
      while (b !== undefined && b.entityId !== id) b = b.next;
      taskRecused[t] = b?.inspectorIds;
    }
  }
  return taskRecused;
}
