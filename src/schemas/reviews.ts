/**
 * Schemas of grade reviews (复核, issue 13): the findings list, its CSV export and the recording of a review.
 * The rule (which gaps, which results) is stated here once, in words, for the OpenAPI document and the README.
 */
import { Type, type Static } from 'typebox';
import { CODE_PATTERN, ID_PATTERN, MAX_INT32, MultilineText } from './common.ts';

/**
 * Built-in result codes (src/core/result-codes.ts) that say the inspection found a problem: the five
 * violation categories of the 公示系统, 发现问题经责令已改正 and 发现问题待后续处理. Not: no-issue, no-relevant-activity
 * and the status facts (closed, deregistered, revoked, cancelled, moved out), which say nothing of conduct.
 */
export const VIOLATION_RESULT_CODES = [
  'undisclosed-info',
  'false-disclosure',
  'unreachable',
  'non-cooperation',
  'corrected',
  'pending-action',
  'other-violation',
] as const;

/** Two tiers or more (两档以上: 以上 includes the number itself). */
export const MIN_GAP_TIERS = 2;

export const GAP_RULE =
  'A grade gap: an active entity’s latest evaluated grades (current grades; the default grade of an ungraded entity does ' +
  'not count) in two schemes, each grade placed on its scheme’s order normalized to [0, 1] (position p of n grades, ' +
  'best first, → p/(n−1)), whose difference, measured in tiers of the coarser scheme (× (n−1) of the scheme with fewer ' +
  `grades), is ${MIN_GAP_TIERS} or more (同一市场主体评价等级存在两档以上差距, 渝信用办发〔2023〕7号 §8). Two 4-grade schemes: A against C or D. ` +
  'credit-4 against credit-5: A against D or E (2.25 and 3 tiers), not A against C (1.5). `gap` is that difference ' +
  '(|p₁(n₂−1) − p₂(n₁−1)| / (max(n₁, n₂)−1)), compared exactly in integers. Schemes of one grade are left out.';

export const VIOLATION_RULE =
  'A violation on a best grade: an active entity whose latest PUBLISHED result (per task and department) has one of the ' +
  `codes ${VIOLATION_RESULT_CODES.join(', ')} (a problem was found) while its current grade in the plan’s scheme is that ` +
  'scheme’s best (first) grade.';

export const FindingKind = Type.Union([Type.Literal('gap'), Type.Literal('violation')], {
  description: '`gap`: two schemes two tiers or more apart; `violation`: a published violation on a best grade',
});
export const ReviewOutcome = Type.Union([Type.Literal('confirmed'), Type.Literal('corrected'), Type.Literal('dismissed')], {
  description: '`confirmed` (the grades stand), `corrected` (a grade is to be re-evaluated), `dismissed` (not a real discrepancy)',
});

const filterFields = {
  scheme: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'findings involving this grade scheme' })),
  department: Type.Optional(
    Type.String({
      pattern: CODE_PATTERN,
      description: 'findings concerning this department: a gap of a scheme one of its items uses, a violation it published',
    }),
  ),
  kind: Type.Optional(FindingKind),
  open: Type.Optional(Type.Boolean({ description: 'true: only findings without a review; false: only reviewed ones' })),
};

export const REVIEW_PAGE_MAX = 1000;

export const GradeReviewQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'opaque: `next` of the previous page' })),
    limit: Type.Integer({ minimum: 1, maximum: REVIEW_PAGE_MAX, default: 100 }),
    ...filterFields,
  },
  { additionalProperties: false },
);
export type GradeReviewQuery = Static<typeof GradeReviewQuery>;

export const GradeReviewCsvQuery = Type.Object(filterFields, { additionalProperties: false });
export type GradeReviewFilter = Static<typeof GradeReviewCsvQuery>;

const FindingGrade = Type.Object({
  scheme: Type.String(),
  grade: Type.String(),
  label: Type.String(),
  position: Type.Integer({ description: '0 = the scheme’s best grade' }),
  grades: Type.Integer({ description: 'how many grades the scheme has' }),
  normalized: Type.Number({ description: 'position / (grades − 1), on [0, 1]' }),
  evaluatedAt: Type.String({ format: 'date-time' }),
});

const Review = Type.Object({
  id: Type.Integer(),
  outcome: ReviewOutcome,
  note: Type.String(),
  reviewedBy: Type.Object({ tokenId: Type.String(), label: Type.Union([Type.String(), Type.Null()]) }),
  reviewedAt: Type.String({ format: 'date-time' }),
});

export const GradeReviewItem = Type.Object({
  kind: FindingKind,
  entity: Type.Object({ id: Type.String(), name: Type.String() }),
  grades: Type.Array(FindingGrade, { description: 'gap: the two schemes’ grades, by scheme code; violation: the grade in the plan’s scheme' }),
  gap: Type.Union([Type.Number(), Type.Null()], { description: 'gap: the difference in tiers of the coarser scheme; violation: null' }),
  result: Type.Union(
    [
      Type.Object({
        id: Type.Integer(),
        code: Type.String(),
        label: Type.String(),
        inspectedOn: Type.String({ format: 'date' }),
        publishedAt: Type.String({ format: 'date-time' }),
        planId: Type.String(),
        planTitle: Type.String(),
        taskId: Type.Integer(),
      }),
      Type.Null(),
    ],
    { description: 'violation: the published result; gap: null' },
  ),
  departments: Type.Array(Type.Object({ code: Type.String(), name: Type.String() }), {
    description: 'the departments concerned (相关部门): gap, those with an item in either scheme; violation, the result’s',
  }),
  review: Type.Union([Review, Type.Null()], { description: 'null while the finding is open' }),
});
export type GradeReviewItem = Static<typeof GradeReviewItem>;

export const GradeReviewPage = Type.Object({
  items: Type.Array(GradeReviewItem),
  limit: Type.Integer(),
  next: Type.Union([Type.String(), Type.Null()], { description: 'cursor of the next page, null after the last finding' }),
});
export type GradeReviewPage = Static<typeof GradeReviewPage>;

export const GradeReviewBody = Type.Object(
  {
    entityId: Type.String({ pattern: ID_PATTERN }),
    schemes: Type.Optional(
      Type.Array(Type.String({ pattern: CODE_PATTERN }), { minItems: 2, maxItems: 2, description: 'a gap: its two schemes (any order)' }),
    ),
    resultId: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INT32, description: 'a violation: its result (`result.id`)' })),
    outcome: ReviewOutcome,
    note: Type.Optional(MultilineText({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type GradeReviewBody = Static<typeof GradeReviewBody>;
