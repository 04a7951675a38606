/** Protocol "draw-v1" §3: how many entities each stratum draws, and which. */
import { assertHex64, describe } from './ids.ts';
import { validateGradeOrder, validateRatios } from './params.ts';
import { rngFor } from './seed.ts';
import { entitiesSorted } from './snapshot.ts';
import type { DrawnTask, EntityRow, Stratum } from './types.ts';

/** n = min(N, ceil(ratioBp × N / 10000)), in exact integer arithmetic. */
export function countToDraw(ratioBp: number, population: number): number {
  if (!Number.isInteger(ratioBp) || ratioBp < 0 || ratioBp > 10000) {
    throw new Error(`invalid ratioBp ${describe(ratioBp)}: must be an integer 0–10000`);
  }
  if (!Number.isSafeInteger(population) || population < 0) {
    throw new Error(`invalid population ${describe(population)}: must be a non-negative integer`);
  }
  const x = ratioBp * population + 9999;
  if (!Number.isSafeInteger(x)) throw new Error(`population ${population} too large`);
  const n = (x - (x % 10000)) / 10000; // exact integer division
  return n < population ? n : population;
}

export interface EntityDrawResult {
  strata: Required<Stratum>[];
  tasks: DrawnTask[];
}

/** Per-grade populations in gradeOrder (entities whose grade is not in gradeOrder are an error). */
export function computeStrata(gradeOrder: readonly string[], ratiosBp: Record<string, number>, entities: readonly EntityRow[]): Stratum[] {
  validateGradeOrder(gradeOrder);
  validateRatios(gradeOrder, ratiosBp);
  const counts = new Map<string, number>();
  for (const g of gradeOrder) counts.set(g, 0);
  for (const e of entities) {
    const c = counts.get(e.grade);
    if (c === undefined) throw new Error(`entity ${e.id} has grade ${describe(e.grade)} which is not in gradeOrder`);
    counts.set(e.grade, c + 1);
  }
  return gradeOrder.map((g) => ({ grade: g, population: counts.get(g)!, ratioBp: ratiosBp[g] }));
}

/**
 * §3 on validated columns: ids sorted strictly ascending, gradeOrder and ratios validated. The pools
 * hold entity indices (integers) rather than strings.
 */
export function drawEntityColumns(
  seed: string,
  gradeOrder: readonly string[],
  ratiosBp: Record<string, number>,
  ids: readonly string[],
  grades: readonly string[],
): EntityDrawResult {
  const G = gradeOrder.length;
  const gradeIndex = new Map<string, number>();
  for (let g = 0; g < G; g++) gradeIndex.set(gradeOrder[g], g);
  const E = ids.length;
  const entityGrade = new Int32Array(E);
  const counts = new Int32Array(G);
  for (let i = 0; i < E; i++) {
    const g = gradeIndex.get(grades[i]);
    if (g === undefined) {
      throw new Error(`entity ${ids[i]} has grade ${describe(grades[i])} which is not in gradeOrder`);
    }
    entityGrade[i] = g;
    counts[g]++;
  }
  // pools[g] = indices of the entities of grade g, ascending (ids are sorted, so pools are sorted)
  const pools = Array.from(counts, (n) => new Int32Array(n));
  const fill = new Int32Array(G);
  for (let i = 0; i < E; i++) {
    const g = entityGrade[i];
    pools[g][fill[g]++] = i;
  }
  const strata: Required<Stratum>[] = [];
  let total = 0;
  for (let g = 0; g < G; g++) {
    const grade = gradeOrder[g];
    const n = countToDraw(ratiosBp[grade], counts[g]);
    strata.push({ grade, population: counts[g], ratioBp: ratiosBp[grade], drawn: n });
    total += n;
  }
  const tasks: DrawnTask[] = new Array(total);
  let t = 0;
  for (let g = 0; g < G; g++) {
    const n = strata[g].drawn;
    if (n === 0) continue;
    const pool = pools[g];
    const N = pool.length;
    const grade = gradeOrder[g];
    const r = rngFor(seed, 'entities', grade);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(r() * (N - i));
      const x = pool[j];
      pool[j] = pool[i];
      pool[i] = x;
      tasks[t] = { seq: t + 1, entityId: ids[x], grade };
      t++;
    }
  }
  return { strata, tasks };
}

/**
 * §3: per grade in gradeOrder, a partial Fisher–Yates over the grade's sorted ids with
 * rng(seed + "|entities|" + grade); tasks are the selections concatenated, seq from 1.
 * `entities` need not be sorted (sortedness is checked in one pass; unsorted input is sorted).
 */
export function drawEntities(
  seed: string,
  gradeOrder: readonly string[],
  ratiosBp: Record<string, number>,
  entities: readonly EntityRow[],
): EntityDrawResult {
  assertHex64(seed, 'seed');
  validateGradeOrder(gradeOrder);
  validateRatios(gradeOrder, ratiosBp);
  const rows = entitiesSorted(entities);
  const ids = new Array<string>(rows.length);
  const grades = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    ids[i] = rows[i].id;
    grades[i] = rows[i].grade;
  }
  return drawEntityColumns(seed, gradeOrder, ratiosBp, ids, grades);
}
