/**
 * Protocol "draw-v1" §1, the commit-time check: every entity of the pool can get k non-recused
 * inspectors of each department, so a draw can never fail once the seed exists.
 */
import { cmpAscii } from './ids.ts';
import { activeDepartments } from './params.ts';
import { departmentPools, toRecusalIndex } from './assign.ts';
import { entitiesSorted } from './snapshot.ts';
import type { EntityRow, Infeasibility, InspectorRow, RecusalIndex, RecusalRow } from './types.ts';

/** Index of `id` in rows sorted strictly by id (ASCII order), or −1. */
export function findSortedId(rows: readonly EntityRow[], id: string): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = rows[mid].id;
    if (m === id) return mid;
    if (m < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** checkFeasibility on validated, sorted entity rows. */
export function feasibilitySorted(
  rows: readonly EntityRow[],
  inspectors: readonly InspectorRow[],
  inspectorsPerTask: Record<string, number>,
  rec: RecusalIndex,
): Infeasibility | null {
  const depts = activeDepartments(inspectorsPerTask);
  if (rows.length === 0 || depts.length === 0) return null;
  const pools = departmentPools(inspectors);
  const sets = depts.map((d) => new Set(pools.get(d) ?? []));
  // Only entities with recusals can have fewer than M_d available inspectors. If an entity without
  // recusals fails, the first entity fails too (it has at most as many available), so it suffices
  // to check the first entity and the entities with recusals, in id order.
  const candidates: string[] = [rows[0].id];
  for (const id of rec.keys()) if (id !== rows[0].id && findSortedId(rows, id) >= 0) candidates.push(id);
  candidates.sort(cmpAscii);
  for (const id of candidates) {
    const recused = rec.get(id);
    for (let i = 0; i < depts.length; i++) {
      const k = inspectorsPerTask[depts[i]];
      let available = sets[i].size;
      if (recused !== undefined) for (const x of recused) if (sets[i].has(x)) available--;
      if (available < k) return { entityId: id, departmentCode: depts[i], available, required: k };
    }
  }
  return null;
}

/**
 * The commit-time check of §1: null when every entity has at least k non-recused inspectors in each
 * department with k > 0; otherwise the first failing entity (in id order) and its first failing
 * department (in code order).
 */
export function checkFeasibility(
  entities: readonly EntityRow[],
  inspectors: readonly InspectorRow[],
  inspectorsPerTask: Record<string, number>,
  recusals: readonly RecusalRow[] | RecusalIndex,
): Infeasibility | null {
  return feasibilitySorted(entitiesSorted(entities), inspectors, inspectorsPerTask, toRecusalIndex(recusals));
}

/**
 * checkFeasibility continued past each failing entity: up to `max` failing entities, in id order,
 * each with its first failing department (a preview lists them).
 */
export function listInfeasibilities(
  entities: readonly EntityRow[],
  inspectors: readonly InspectorRow[],
  inspectorsPerTask: Record<string, number>,
  recusals: readonly RecusalRow[] | RecusalIndex,
  max: number,
): Infeasibility[] {
  const rec = toRecusalIndex(recusals);
  const out: Infeasibility[] = [];
  let rows = entitiesSorted(entities);
  while (out.length < max && rows.length > 0) {
    const f = feasibilitySorted(rows, inspectors, inspectorsPerTask, rec);
    if (f === null) break;
    out.push(f);
    rows = rows.slice(findSortedId(rows, f.entityId) + 1);
  }
  return out;
}
