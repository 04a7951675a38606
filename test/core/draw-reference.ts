/**
 * A deliberately literal, slow transcription of draw-protocol-v1.md §3–§4, written for clarity only.
 * The test suite checks the optimized implementation in src/core/draw/ against it on random inputs.
 * Not for production use (O(T × M × R) time).
 */
import seedrandom from 'seedrandom';
import type { EntityRow, InspectorRow, RecusalRow } from '../../src/core/draw/types.ts';

/** UTF-8 byte order, computed on actual bytes (independent of the core's compareUtf8). */
function byUtf8(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function ceilDiv(a: number, b: number): number {
  return Number((BigInt(a) + BigInt(b) - 1n) / BigInt(b));
}

interface ReferenceTask {
  seq: number;
  entityId: string;
  grade: string;
  inspectors: { departmentCode: string; inspectorId: string }[];
}

export interface ReferenceResult {
  strata: { grade: string; population: number; ratioBp: number; drawn: number }[];
  tasks: ReferenceTask[];
  /** Per department: how many tasks fell back to ignoring the cap, the cap, and the final loads. */
  departments: { departmentCode: string; cap: number; fallbacks: number; loads: Map<string, number> }[];
}

export function referenceDraw(p: {
  seed: string;
  entities: readonly EntityRow[];
  inspectors: readonly InspectorRow[];
  recusals: readonly RecusalRow[];
  gradeOrder: readonly string[];
  ratiosBp: Record<string, number>;
  inspectorsPerTask: Record<string, number>;
}): ReferenceResult {
  const rng = (label: string) => seedrandom(label);
  const recused = (x: string, e: string) => p.recusals.some((r) => r.inspectorId === x && r.entityId === e);

  // §3
  const strata: ReferenceResult['strata'] = [];
  const tasks: ReferenceTask[] = [];
  for (const g of p.gradeOrder) {
    const pool = p.entities
      .filter((e) => e.grade === g)
      .map((e) => e.id)
      .sort(byUtf8);
    const N = pool.length;
    const n = Math.min(N, Number((BigInt(p.ratiosBp[g]) * BigInt(N) + 9999n) / 10000n));
    strata.push({ grade: g, population: N, ratioBp: p.ratiosBp[g], drawn: N > 0 ? n : 0 });
    if (N === 0) continue;
    const r = rng(p.seed + '|entities|' + g);
    for (let i = 0; i <= n - 1; i++) {
      const j = i + Math.floor(r() * (N - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    for (const id of pool.slice(0, n)) tasks.push({ seq: tasks.length + 1, entityId: id, grade: g, inspectors: [] });
  }

  // §4
  const T = tasks.length;
  const departments: ReferenceResult['departments'] = [];
  const depts = Object.keys(p.inspectorsPerTask)
    .filter((d) => p.inspectorsPerTask[d] > 0)
    .sort(byUtf8);
  for (const d of depts) {
    if (T === 0) break;
    const k = p.inspectorsPerTask[d];
    const pool = p.inspectors
      .filter((x) => x.departmentCode === d)
      .map((x) => x.inspectorId)
      .sort(byUtf8);
    const M = pool.length;
    const cap = ceilDiv(T * k, M);
    const load = new Map<string, number>(pool.map((x) => [x, 0]));
    const r = rng(p.seed + '|inspectors|' + d);
    let fallbacks = 0;
    for (const task of tasks) {
      const e = task.entityId;
      let C = pool.filter((x) => !recused(x, e) && load.get(x)! < cap);
      if (C.length < k) {
        fallbacks++;
        C = pool.filter((x) => !recused(x, e));
      }
      if (C.length < k) throw new Error(`reference: task ${task.seq} cannot be staffed in ${d}`);
      const copy = [...C];
      for (let i = 0; i <= k - 1; i++) {
        const j = i + Math.floor(r() * (copy.length - i));
        [copy[i], copy[j]] = [copy[j], copy[i]];
      }
      for (const x of copy.slice(0, k)) {
        task.inspectors.push({ departmentCode: d, inspectorId: x });
        load.set(x, load.get(x)! + 1);
      }
    }
    departments.push({ departmentCode: d, cap, fallbacks, loads: load });
  }
  return { strata, tasks, departments };
}
