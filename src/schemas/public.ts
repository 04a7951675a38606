/**
 * Schemas of the public JSON API of 一公开 (/public/v1): plans from their commitment on, published results,
 * the entity directory's public fields and the public code lists. The disclosure domain and the portal take
 * their types from these (Static<>). The single public plan (with its records) is in schemas/plans.
 */
import { Type, type Static } from 'typebox';
import { CODE_PATTERN, PagingFields } from './common.ts';
import { PublicPlan } from './plans.ts';
import { DrawRecordSchema, DrawTaskSchema } from './records.ts';

/** Plan statuses the public may see (domain/plans/status.ts has the same list for code and SQL). */
export const PublicPlanStatus = Type.Union([Type.Literal('committed'), Type.Literal('drawn'), Type.Literal('voided')]);

export const PublicItem = Type.Object({ code: Type.String(), name: Type.String(), departmentCode: Type.Union([Type.String(), Type.Null()]) });
export const PublicDepartment = Type.Object({ code: Type.String(), name: Type.String() });

/** A plan as the public plan list shows it. */
export const PublicPlanSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  status: PublicPlanStatus,
  items: Type.Array(PublicItem, { description: '抽查事项' }),
  departments: Type.Array(PublicDepartment, { description: 'departments owning the items (several = 部门联合抽查)' }),
  windowFrom: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  windowTo: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  commitment: Type.String({ description: 'SHA-256 of the server seed, published at commit (spec §1)' }),
  entropySource: Type.String(),
  targeting: Type.Union([Type.Literal('targeted'), Type.Literal('untargeted')], {
    description: "定向抽查 (the pool narrowed by filters: see the commit record's poolRule) or 不定向抽查 (no filter)",
  }),
  committedAt: Type.String({ format: 'date-time' }),
  drawnAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  voidedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  counts: Type.Object({
    pool: Type.Integer({ description: 'entities in the committed pool (sum of the strata populations)' }),
    drawn: Type.Integer({ description: 'tasks drawn' }),
    resultsPublished: Type.Integer({ description: 'tasks with a published result' }),
    publications: Type.Integer(),
  }),
  lastPublishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type PublicPlanSummary = Static<typeof PublicPlanSummary>;

/** Filters of the public plan list (the portal's plan filters are the same). */
export const PublicPlanFilter = Type.Object(
  {
    department: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'a department owning one of the items' })),
    item: Type.Optional(Type.String({ pattern: CODE_PATTERN })),
    year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: 'year of the commitment (China time)' })),
    status: Type.Optional(PublicPlanStatus),
  },
  { additionalProperties: false },
);
export type PublicPlanFilter = Static<typeof PublicPlanFilter>;
export const PublicPlanQuery = Type.Object({ ...PagingFields, ...PublicPlanFilter.properties }, { additionalProperties: false });

const PublishedResultFields = {
  seq: Type.Optional(
    Type.Integer({ description: "the task's seq, only where the plan's grade scheme is public (seq follows the grade order, spec §3)" }),
  ),
  entityId: Type.String(),
  entityName: Type.String(),
  department: Type.Object(
    { code: Type.String(), name: Type.String() },
    { description: 'whose result it is (谁检查、谁公开): a joint plan’s entity has one result per department of its team' },
  ),
  resultCode: Type.String(),
  resultLabel: Type.String({ description: '检查结果' }),
  followUp: Type.String(),
  followUpLabel: Type.String({ description: '后续处置' }),
  inspectedOn: Type.String({ format: 'date' }),
  publishedAt: Type.String({ format: 'date-time' }),
  publicationId: Type.Integer(),
  publicationNumber: Type.Integer({ description: '公示批次 within the plan' }),
  version: Type.Integer(),
  corrected: Type.Boolean({ description: 'this result corrects an earlier published one (更正)' }),
};
/** The latest published version of a task's result of one department, with only its public columns. */
export const PublishedResult = Type.Object(PublishedResultFields);
export type PublishedResult = Static<typeof PublishedResult>;

export const PublicEntity = Type.Object({
  id: Type.String({ description: '统一社会信用代码 (or the registration number where there is none)' }),
  name: Type.String(),
  region: Type.String(),
  type: Type.String(),
});
export type PublicEntity = Static<typeof PublicEntity>;

export const EntitySearchQuery = Type.Object(
  { ...PagingFields, q: Type.String({ minLength: 1, maxLength: 100, description: 'part of the name, or the start of the code' }) },
  { additionalProperties: false },
);

/** A published inspection of an entity: its plan, the inspecting departments and the result. */
export const Inspection = Type.Object({
  planId: Type.String(),
  planTitle: Type.String(),
  items: Type.Array(PublicItem),
  departments: Type.Array(PublicDepartment, { description: 'the inspecting departments' }),
  ...PublishedResultFields,
});

/** A published rectification follow-up (整改复查) of an entity: no findings, no team. */
export const PublicFollowUp = Type.Object({
  planId: Type.String(),
  department: PublicDepartment,
  dueOn: Type.String({ description: 'the deadline of the 责令改正' }),
  checkedOn: Type.String({ description: 'the day of the 复查' }),
  outcome: Type.Union([Type.Literal('rectified'), Type.Literal('not-rectified')]),
  outcomeLabel: Type.String(),
  actions: Type.Array(Type.Object({ code: Type.String(), label: Type.String() }), { description: 'what followed a correction not made' }),
  publishedAt: Type.String(),
  ledgerSeq: Type.Integer({ description: 'its followups.published ledger entry' }),
});

export const PublicEntityDetail = Type.Intersect([
  PublicEntity,
  Type.Object({
    inspections: Type.Array(Inspection),
    followUps: Type.Array(PublicFollowUp, { description: 'published 复查 outcomes, newest first' }),
  }),
]);
export type PublicEntityDetail = Static<typeof PublicEntityDetail>;

export const PublicResultCodes = Type.Object({
  items: Type.Array(
    Type.Object({
      code: Type.String(),
      label: Type.String(),
      departmentCode: Type.Union([Type.String(), Type.Null()]),
      active: Type.Boolean(),
    }),
  ),
});
export type PublicResultCode = Static<typeof PublicResultCodes>['items'][number];

export const PublicFollowUpActions = Type.Object({
  items: Type.Array(
    Type.Object({
      code: Type.String(),
      label: Type.String(),
      requiresDeadline: Type.Boolean(),
      departmentCode: Type.Union([Type.String(), Type.Null()]),
      active: Type.Boolean(),
    }),
  ),
});
export type PublicFollowUpAction = Static<typeof PublicFollowUpActions>['items'][number];

/** Hard cap of a page of a plan's public task list (the plan record's first page and each /tasks page). */
export const TASK_PAGE_MAX = 1000;

export const PublicTaskQuery = Type.Object({
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 1024, description: 'opaque: `tasks.next` of the plan record or `next` of the previous page' }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: TASK_PAGE_MAX, default: TASK_PAGE_MAX }),
});

/** One page of a drawn plan's public task list, in the draw record's order of revision 2 (entity id, UTF-8 bytes). */
export const PublicTaskPage = Type.Object({
  items: Type.Array(DrawTaskSchema, {
    description: "the draw record's task objects exactly (seq and grade only where the record has them), by entity id",
  }),
  entityNames: Type.Record(Type.String(), Type.String(), { description: "names of this page's entities, by entity id" }),
  limit: Type.Integer(),
  next: Type.Union([Type.String(), Type.Null()], {
    description: 'cursor of the next page (GET /public/v1/plans/{id}/tasks?cursor=), null after the last task',
  }),
});
export type PublicTaskPage = Static<typeof PublicTaskPage>;

/** The public draw record without its task list, which comes page by page (PublicTaskPage). */
export const PublicDrawHeader = Type.Omit(DrawRecordSchema, ['tasks'], {
  title: 'Draw record header (draw-v1 §5, without tasks)',
  description:
    "the public draw record without `tasks`: the record is this plus `tasks` = every page's items (revision 1: sorted by seq), " +
    "byte for byte the body of its `plan.drawn` ledger entry plus `drawnAt` (the entry's `at`)",
});

/** A public plan: its header, the commit record, the draw record's header and the first page of its tasks. */
export const PublicPlanRecord = Type.Object({
  ...Type.Omit(PublicPlan, ['draw', 'entityNames', 'void', 'ledger']).properties,
  draw: Type.Union([PublicDrawHeader, Type.Null()], { description: 'the public draw record without its tasks, once drawn' }),
  tasks: Type.Union([PublicTaskPage, Type.Null()], { description: "the first page of the draw record's tasks, once drawn" }),
  void: PublicPlan.properties.void,
  ledger: PublicPlan.properties.ledger,
  download: Type.String({
    description: 'the whole public record in one document (the draw record with every task, entityNames), streamed',
  }),
});
export type PublicPlanRecord = Static<typeof PublicPlanRecord>;
