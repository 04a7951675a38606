/**
 * A programme's progress per line and grade — planned (the annual budget), committed, drawn, inspected — and a
 * plan preview's share of the budget. Pure: computed from the lines' strata, the plans' commit records (a draw
 * takes exactly countToDraw per stratum, spec §3, so the records give the drawn counts without reading tasks)
 * and the result counts.
 */
import { countToDraw } from '../../core/draw/entities.ts';
import type { ProgrammeStratum, SchemeGrade } from '../../db/schema.ts';
import type { LineProgressJson, PreviewBudgetJson } from '../../schemas/programmes.ts';
import type { InspectedRow, ProgrammePlanRow } from './repository.ts';

export interface ProgressLine {
  itemCode: string;
  departmentCode: string;
  grades: SchemeGrade[];
  strata: ProgrammeStratum[];
}

/** Tasks per grade a committed or drawn plan draws (from its commit record). */
function drawnByGrade(plan: ProgrammePlanRow): Map<string, number> {
  return new Map((plan.strata ?? []).map((s) => [s.grade, countToDraw(s.ratioBp, s.population)]));
}

const sum = (xs: number[]) => xs.reduce((n, x) => n + x, 0);

export function lineProgress(line: ProgressLine, plans: ProgrammePlanRow[], inspected: InspectedRow[]): LineProgressJson {
  const mine = plans.filter((p) => p.items.includes(line.itemCode));
  const drawnIds = new Set(mine.filter((p) => p.status === 'drawn').map((p) => p.id));
  const grades = line.grades.map((g) => {
    const counts = (status: string) => sum(mine.filter((p) => p.status === status).map((p) => drawnByGrade(p).get(g.code) ?? 0));
    return {
      grade: g.code,
      label: g.label,
      planned: line.strata.find((s) => s.grade === g.code)?.planned ?? 0,
      committed: counts('committed'),
      drawn: counts('drawn'),
      inspected: sum(
        inspected.filter((r) => drawnIds.has(r.planId) && r.grade === g.code && r.departmentCode === line.departmentCode).map((r) => r.n),
      ),
    };
  });
  return {
    item: line.itemCode,
    grades,
    planned: sum(grades.map((g) => g.planned)),
    committed: sum(grades.map((g) => g.committed)),
    drawn: sum(grades.map((g) => g.drawn)),
    inspected: sum(grades.map((g) => g.inspected)),
  };
}

export interface BudgetWarning {
  code: string;
  message: string;
}

/**
 * What a plan would take from each of its lines' annual budgets: `before` is what the programme's other
 * committed and drawn plans take (voided and draft plans take nothing), `thisPlan` the preview's counts.
 */
export function previewBudget(
  programme: { id: string; batch: number },
  lines: ProgressLine[],
  otherPlans: ProgrammePlanRow[],
  thisPlan: Map<string, number>,
): { budget: PreviewBudgetJson; warnings: BudgetWarning[] } {
  const taking = otherPlans.filter((p) => p.status === 'committed' || p.status === 'drawn');
  const warnings: BudgetWarning[] = [];
  const budgetLines = lines.map((line) => {
    const before = taking.filter((p) => p.items.includes(line.itemCode)).map(drawnByGrade);
    const grades = line.grades.map((g) => {
      const planned = line.strata.find((s) => s.grade === g.code)?.planned ?? 0;
      const taken = sum(before.map((m) => m.get(g.code) ?? 0));
      const now = thisPlan.get(g.code) ?? 0;
      const remaining = planned - taken - now;
      if (remaining < 0 && now > 0) {
        warnings.push({
          code: 'programme_budget_exceeded',
          message:
            `item ${line.itemCode}, grade ${g.code}: the programme ${programme.id} plans ${planned} for the year, ` +
            `its other plans take ${taken} and this batch ${now}: ${-remaining} beyond the annual budget (超出年度计划)`,
        });
      }
      return { grade: g.code, planned, before: taken, thisPlan: now, remaining };
    });
    return { item: line.itemCode, grades };
  });
  return { budget: { programmeId: programme.id, batch: programme.batch, lines: budgetLines }, warnings };
}

/** The line's strata: each grade's population now (or at publication) with its annual ratio and planned count. */
export function plannedStrata(grades: SchemeGrade[], ratiosBp: Record<string, number>, population: Map<string, number>): ProgrammeStratum[] {
  return grades.map((g) => {
    const n = population.get(g.code) ?? 0;
    const ratioBp = ratiosBp[g.code] ?? 0;
    return { grade: g.code, population: n, ratioBp, planned: countToDraw(ratioBp, n) };
  });
}
