/**
 * The rules a draw request is held to before anything is written: the planner's preview warnings, the
 * announced entropyAt of a commit, and where a draw's public entropy comes from (the operator or the
 * witnesses' contributions).
 */
import { composeCeremonyEntropy, contributionsError, type Contribution } from '../../core/ceremony.ts';
import type { DrawInput } from '../../schemas/plans.ts';
import { unprocessable } from '../errors.ts';
import { parseInstant } from '../plans/service.ts';

/** Below this overall ratio 企业公示信息抽查办法 is not met (抽查比例不低于 3%). */
const MIN_OVERALL_RATIO = 0.03;

/** Default of SUICHA_MAX_AVERAGE_LOAD: a preview warns above this many tasks per inspector on average. */
export const MAX_AVERAGE_LOAD = 30;

/** "2026-11-22 10:00:00" in Beijing time (UTC+8 all year, no daylight saving), as notices print it. */
export function beijingTime(d: Date): string {
  const s = new Date(d.getTime() + 8 * 3_600_000).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 19)}`;
}

type Warning = { code: string; message: string };

/**
 * The planner's warnings of a preview: what the published records would give away (a 100% ratio or a
 * single draw in a grade of a non-public scheme), heavy inspector load, and the 3% floor.
 */
export function previewWarnings(
  p: {
    schemePublic: boolean;
    strata: { grade: string; population: number; ratioBp: number; drawn: number }[];
    inspectors: { departmentCode: string; averageLoad: number }[];
    population: number;
    drawn: number;
  },
  maxAverageLoad: number,
): Warning[] {
  const warnings: Warning[] = [];
  if (!p.schemePublic) {
    for (const s of p.strata) {
      if (s.ratioBp === 10000 && s.population > 0) {
        warnings.push({
          code: 'full_ratio_non_public',
          message:
            `grade ${s.grade} is drawn at 100% on a non-public grade scheme: the published records then show that every pool ` +
            `entity of grade ${s.grade} is drawn, so any pool entity not drawn is known not to hold grade ${s.grade}`,
        });
      }
    }
    for (const s of p.strata) {
      if (s.drawn === 1) {
        warnings.push({
          code: 'single_draw_in_grade',
          message:
            `grade ${s.grade} draws exactly 1 entity on a non-public grade scheme: whatever becomes known about one drawn entity's ` +
            `grade (e.g. through its result) points at the only one of grade ${s.grade}`,
        });
      }
    }
  }
  for (const d of p.inspectors) {
    if (d.averageLoad > maxAverageLoad) {
      warnings.push({
        code: 'high_inspector_load',
        message: `department ${d.departmentCode}: ${d.averageLoad} tasks per inspector on average, above ${maxAverageLoad} (SUICHA_MAX_AVERAGE_LOAD)`,
      });
    }
  }
  const overallRatio = p.population === 0 ? 0 : p.drawn / p.population;
  if (p.population > 0 && overallRatio < MIN_OVERALL_RATIO) {
    warnings.push({
      code: 'below_minimum_ratio',
      message: `the plan draws ${p.drawn} of ${p.population} entities (${(overallRatio * 100).toFixed(2)}%), below the 3% floor of 企业公示信息抽查办法`,
    });
  }
  return warnings;
}

/**
 * The public entropy of a draw request: the operator's, or — when the plan names witnesses — the
 * composition of their contributions (ceremony-v1), checked against the plan's witness list.
 */
export function entropyOf(
  input: DrawInput,
  witnesses: readonly string[],
  planId: string,
): { publicEntropy: string; contributions: Contribution[] | null } {
  if (witnesses.length > 0) {
    if (input.contributions === undefined) {
      const message = `plan ${planId} names witnesses (${witnesses.join(', ')}): its draw takes their contributions, not a publicEntropy`;
      throw unprocessable(message, [{ field: 'contributions', message }]);
    }
    const problem = contributionsError(input.contributions, witnesses);
    if (problem !== null) throw unprocessable(problem, [{ field: 'contributions', message: problem }]);
    const contributions = input.contributions.map((c) => ({ witness: c.witness, value: c.value }));
    return { publicEntropy: composeCeremonyEntropy(contributions), contributions };
  }
  if (input.contributions !== undefined) {
    const message = `plan ${planId} names no witnesses: give publicEntropy instead of contributions`;
    throw unprocessable(message, [{ field: 'contributions', message }]);
  }
  return { publicEntropy: input.publicEntropy ?? '', contributions: null };
}

/**
 * The commit's entropyAt: the commit body's, else the plan's; one is required and it must be later
 * than the commit (`at`). 422 naming entropyAt otherwise.
 */
export function announcedEntropyAt(given: string | undefined, planned: Date | null, at: Date): Date {
  const fail = (message: string) => unprocessable(message, [{ field: 'entropyAt', message }]);
  let entropyAt = planned;
  if (given !== undefined) {
    entropyAt = parseInstant(given);
    if (entropyAt === null) throw fail(`entropyAt ${given} is not an ISO 8601 instant with a time zone`);
  }
  if (entropyAt === null) {
    throw fail('a commit needs entropyAt, the moment the public entropy can first be known: give it in the plan or in the commit body');
  }
  if (entropyAt.getTime() <= at.getTime()) {
    throw fail(`entropyAt ${entropyAt.toISOString()} (北京时间 ${beijingTime(entropyAt)}) is not later than the commit (${at.toISOString()})`);
  }
  return entropyAt;
}
