/** Protocol "draw-v1": checks of the plan parameters a draw depends on (grade order, ratios, team sizes). */
import { assertDepartmentCode, assertGrade, compareUtf8, describe } from './ids.ts';

function assertRatioBp(grade: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 10000) {
    throw new Error(`invalid ratioBp ${describe(v)} for grade ${grade}: must be an integer 0–10000`);
  }
}

function assertK(dept: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new Error(`invalid inspectorsPerTask ${describe(v)} for department ${dept}: must be an integer ≥ 0`);
  }
}

/** Validates gradeOrder: valid, distinct grade codes (an empty list is allowed). */
export function validateGradeOrder(gradeOrder: readonly string[]): void {
  if (!Array.isArray(gradeOrder)) throw new Error('gradeOrder must be an array of grade codes');
  const seen = new Set<string>();
  for (const g of gradeOrder) {
    assertGrade(g);
    if (seen.has(g)) throw new Error(`gradeOrder lists grade ${g} twice`);
    seen.add(g);
  }
}

/** Validates ratiosBp: an integer 0–10000 for each grade of gradeOrder, and for no other grade. */
export function validateRatios(gradeOrder: readonly string[], ratiosBp: Record<string, number>): void {
  if (ratiosBp === null || typeof ratiosBp !== 'object') throw new Error('ratiosBp must be an object');
  const inOrder = new Set(gradeOrder);
  for (const g of gradeOrder) {
    if (!Object.hasOwn(ratiosBp, g)) throw new Error(`no ratioBp given for grade ${g}`);
    assertRatioBp(g, ratiosBp[g]);
  }
  for (const g of Object.keys(ratiosBp)) {
    if (!inOrder.has(g)) throw new Error(`ratioBp given for grade ${describe(g)} which is not in gradeOrder`);
  }
}

/** Department codes with k > 0, sorted by code (UTF-8 byte order); validates the whole map. */
export function activeDepartments(inspectorsPerTask: Record<string, number>): string[] {
  if (inspectorsPerTask === null || typeof inspectorsPerTask !== 'object') {
    throw new Error('inspectorsPerTask must be an object');
  }
  const out: string[] = [];
  for (const d of Object.keys(inspectorsPerTask)) {
    assertDepartmentCode(d);
    const k = inspectorsPerTask[d];
    assertK(d, k);
    if (k > 0) out.push(d);
  }
  return out.sort(compareUtf8);
}
