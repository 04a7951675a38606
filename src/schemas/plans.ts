/** TypeBox shapes of plans, their previews and draws; they are the OpenAPI document and the plan types. */
import { Type, type Static } from 'typebox';
import { CODE_PATTERN, MultilineText, RatiosBp } from './common.ts';
import { RegionCode } from './directories.ts';
import { BATCHES_MAX, PreviewBudget, PROGRAMME_ID_PATTERN } from './programmes.ts';
import { CommitmentKind } from './commitments.ts';
import { CommitRecordSchema, DrawRecordSchema, FullDrawRecordSchema, HEX64 } from './records.ts';
export const PLAN_ID_PATTERN = '^PLAN-[0-9]{4}-[0-9]{4,}$';
const DATE = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const ENTROPY_AT = Type.String({
  format: 'date-time',
  description:
    'ISO 8601 instant with a time zone, e.g. 2026-11-22T02:00:00.000Z: the earliest moment the public entropy can be known. ' +
    'It must be later than the commit; a draw before it is refused, and so is a void from it on',
});
/** At most this many witnesses per plan. */
export const WITNESSES_MAX = 10;
const WITNESS = Type.String({ minLength: 1, maxLength: 64, description: '1–64 characters, no control characters' });

export const PlanParams = Type.Object(
  { id: Type.String({ pattern: PLAN_ID_PATTERN, description: 'e.g. PLAN-2026-0001' }) },
  { additionalProperties: false },
);

const Filters = Type.Object(
  {
    regions: Type.Optional(Type.Array(RegionCode, { maxItems: 200, description: 'entity.region in these codes (行政区划代码 of the region table)' })),
    types: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 200, description: 'entity.type in these' })),
    industries: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 500, description: 'entity.industry in these' })),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50, description: 'entities carrying any of these supervision tags' }),
    ),
    licences: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50, description: 'entities holding any of these licence kinds' }),
    ),
    commitmentsDueFrom: Type.Optional(
      Type.String({
        format: 'date',
        description: 'a commitment plan (履约践诺): entities with an open credit commitment (信用承诺) whose checkBy is from this date …',
      }),
    ),
    commitmentsDueTo: Type.Optional(Type.String({ format: 'date', description: '… to this date (give both)' })),
    commitmentKinds: Type.Optional(Type.Array(CommitmentKind, { maxItems: 10, uniqueItems: true, description: '… of these kinds only' })),
  },
  {
    additionalProperties: false,
    description: 'each given list keeps entities matching any of its values; several lists must all match; an empty list is no filter',
  },
);

const Targeting = Type.Union([Type.Literal('targeted'), Type.Literal('untargeted')], {
  description:
    '定向抽查 (targeted: the pool is narrowed by at least one filter) or 不定向抽查 (untargeted: no filter, the whole directory of ' +
    "the items' target type); when left out, targeted exactly when a filter is given",
});

const Window = Type.Object({ from: DATE, to: DATE }, { additionalProperties: false, description: 'the inspection period' });

const InspectorsPerTask = Type.Record(Type.String({ pattern: CODE_PATTERN }), Type.Integer({ minimum: 0, maximum: 20 }), {
  description: 'department code → inspectors it sends to each task (行政处罚法 第四十二条: at least 2)',
});

const planFields = {
  title: Type.String({ minLength: 1, maxLength: 200 }),
  items: Type.Array(Type.String({ pattern: CODE_PATTERN }), {
    minItems: 1,
    maxItems: 100,
    uniqueItems: true,
    description: 'inspection item codes (抽查事项); items of several departments make a joint plan (部门联合抽查)',
  }),
  gradeScheme: Type.String({ pattern: CODE_PATTERN, description: 'the grade scheme all items use' }),
  ratiosBp: Type.Optional(RatiosBp),
  baseRatioBp: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 10000, description: "base ratio; per grade × the scheme's multiplier, capped at 10000" }),
  ),
  inspectorsPerTask: InspectorsPerTask,
  filters: Type.Optional(Filters),
  targeting: Type.Optional(Targeting),
  cooldownDays: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 3650,
      description:
        'leave out entities drawn for one of these items within this many days before the commit; counted from the draw ' +
        'time of drawn plans (fixed and public in the ledger), not from inspection dates entered later',
    }),
  ),
  entropySource: Type.String({
    minLength: 1,
    maxLength: 500,
    description: 'where the public entropy will come from, fixed before it is known (e.g. a dice roll with named witnesses)',
  }),
  entropyAt: Type.Optional(
    Type.Union([ENTROPY_AT, Type.Null()], {
      description: 'when the public entropy will be known (e.g. the time of the dice ceremony); the commit may override it',
    }),
  ),
  witnesses: Type.Optional(
    Type.Array(WITNESS, {
      maxItems: WITNESSES_MAX,
      uniqueItems: true,
      description:
        'the witnesses of the draw ceremony (见证人, e.g. 区司法局, 区纪委监委派驻组, 企业代表), in order: when given, the draw takes ' +
        'one contribution from each and the public entropy is their composition (ceremony-v1)',
    }),
  ),
  window: Type.Optional(Type.Union([Window, Type.Null()])),
  programme: Type.Optional(
    Type.Union([Type.String({ pattern: PROGRAMME_ID_PATTERN }), Type.Null()], {
      description: 'the annual programme (年度抽查工作计划) the plan carries out: every item must be one of its lines; give batch too',
    }),
  ),
  batch: Type.Optional(
    Type.Union([Type.Integer({ minimum: 1, maximum: BATCHES_MAX }), Type.Null()], {
      description: "the programme's batch (第 n 批) the plan draws; a window must lie inside the batch's",
    }),
  ),
};

export const PlanCreateBody = Type.Object(planFields, { additionalProperties: false });

export const PlanPatchBody = Type.Object(
  {
    title: Type.Optional(planFields.title),
    items: Type.Optional(planFields.items),
    gradeScheme: Type.Optional(planFields.gradeScheme),
    ratiosBp: planFields.ratiosBp,
    baseRatioBp: planFields.baseRatioBp,
    inspectorsPerTask: Type.Optional(planFields.inspectorsPerTask),
    filters: planFields.filters,
    targeting: planFields.targeting,
    cooldownDays: planFields.cooldownDays,
    entropySource: Type.Optional(planFields.entropySource),
    entropyAt: planFields.entropyAt,
    witnesses: planFields.witnesses,
    window: planFields.window,
    programme: planFields.programme,
    batch: planFields.batch,
  },
  { additionalProperties: false },
);

export const VoidInfo = Type.Object({
  reason: Type.String(),
  serverSeed: Type.String({ pattern: HEX64, description: 'revealed by the void, so anyone can check the commitment' }),
  voidedAt: Type.String(),
});

const ContributionSchema = Type.Object(
  {
    witness: Type.String({ minLength: 1, maxLength: 64 }),
    value: Type.String({ minLength: 1, maxLength: 64, description: 'what the witness rolled or wrote down: 1–64 characters, no control characters' }),
  },
  { additionalProperties: false },
);

export const DrawSummary = Type.Object({
  publicEntropy: Type.String(),
  contributions: Type.Union([Type.Array(ContributionSchema), Type.Null()], { description: 'the ceremony contributions, when there was one' }),
  seed: Type.String({ pattern: HEX64 }),
  tasks: Type.Integer(),
  drawnAt: Type.String(),
});

export const PlanStatus = Type.Union([Type.Literal('draft'), Type.Literal('committed'), Type.Literal('drawn'), Type.Literal('voided')]);

export const Plan = Type.Object({
  id: Type.String(),
  title: Type.String(),
  status: PlanStatus,
  items: Type.Array(Type.String()),
  departments: Type.Array(Type.String(), { description: 'departments owning the items, sorted' }),
  gradeScheme: Type.String(),
  baseRatioBp: Type.Union([Type.Integer(), Type.Null()]),
  ratiosBp: Type.Record(Type.String(), Type.Integer(), { description: 'resolved per-grade ratios: what gets committed' }),
  inspectorsPerTask: Type.Record(Type.String(), Type.Integer()),
  filters: Filters,
  targeting: Targeting,
  cooldownDays: Type.Integer(),
  entropySource: Type.String(),
  entropyAt: Type.Union([Type.String(), Type.Null()], {
    description: "the announced entropy time: the commit record's once committed (null for a plan committed under records revision 1)",
  }),
  witnesses: Type.Array(Type.String(), { description: 'the witnesses of the draw ceremony, in order (none: the operator gives publicEntropy)' }),
  window: Type.Union([Window, Type.Null()]),
  programme: Type.Union([Type.Object({ id: Type.String(), batch: Type.Integer() }), Type.Null()], {
    description: 'the annual programme and batch the plan carries out',
  }),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  commit: Type.Union([CommitRecordSchema, Type.Null()]),
  draw: Type.Union([DrawSummary, Type.Null()]),
  void: Type.Union([VoidInfo, Type.Null()]),
});

export const PreviewSchema = Type.Object({
  planId: Type.String(),
  computedAt: Type.String(),
  feasible: Type.Boolean({ description: 'a commit now would be accepted' }),
  population: Type.Integer(),
  drawn: Type.Integer({ description: 'tasks the draw will create' }),
  overallRatio: Type.Number({ description: 'drawn / population (0 when the pool is empty)' }),
  strata: Type.Array(
    Type.Object({
      grade: Type.String(),
      label: Type.String(),
      mode: Type.String({ description: 'inspection mode of drawn entities: onsite (现场检查) or written (书面检查)' }),
      population: Type.Integer(),
      ratioBp: Type.Integer(),
      drawn: Type.Integer(),
    }),
  ),
  inspectors: Type.Array(
    Type.Object({
      departmentCode: Type.String(),
      perTask: Type.Integer({ description: 'k' }),
      eligible: Type.Integer({ description: 'M: active, qualified inspectors of the department' }),
      averageLoad: Type.Number({ description: 'tasks × k / M' }),
      cap: Type.Integer({ description: 'ceil(tasks × k / M): the most tasks one inspector gets unless recusals force more' }),
    }),
  ),
  snapshot: Type.Object(
    {
      entitySnapshotDigest: Type.String({ pattern: HEX64 }),
      inspectorSnapshotDigest: Type.String({ pattern: HEX64 }),
      recusalDigest: Type.String({ pattern: HEX64 }),
      recusals: Type.Integer({ description: 'recusal pairs inside the pool' }),
    },
    { description: 'digests of the files a commit would freeze right now (directories may still change)' },
  ),
  excluded: Type.Object(
    {
      cooldown: Type.Integer({ description: 'drawn for one of the items within cooldownDays' }),
      inactive: Type.Integer({ description: 'not active (存续)' }),
      yearly: Type.Integer({ description: 'drawn for one of the general items this China-time year' }),
      frequency: Type.Integer({ description: "at their grade's maxPerYear, or within its minIntervalDays, for the departments' items" }),
    },
    {
      description:
        'entities matching the filters that the pool leaves out, each counted once (inactive, then cooldown, yearly, frequency): the poolRule counts a commit would publish',
    },
  ),
  budget: Type.Union([PreviewBudget, Type.Null()], {
    description: "for a plan of a programme: what it takes from the programme's annual budget (a warning when beyond it)",
  }),
  warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
  problems: Type.Array(
    Type.Object({
      code: Type.String(),
      message: Type.String(),
      entityId: Type.Optional(Type.String()),
      departmentCode: Type.Optional(Type.String()),
    }),
    { description: 'what would make a commit fail (the first ones)' },
  ),
});

export const VoidBody = Type.Object(
  { reason: MultilineText({ minLength: 1, maxLength: 1000, description: 'why the plan is voided (published)' }) },
  { additionalProperties: false },
);

export const CommitBody = Type.Object(
  { entropyAt: Type.Optional(ENTROPY_AT) },
  { additionalProperties: false, description: "optional: an entropyAt overriding the plan's" },
);

export const DrawBody = Type.Object(
  {
    publicEntropy: Type.Optional(
      Type.String({
        maxLength: 1024,
        description: 'the public entropy named by the entropy source: 0–256 characters, no control characters',
      }),
    ),
    contributions: Type.Optional(
      Type.Array(ContributionSchema, {
        maxItems: WITNESSES_MAX,
        description:
          "the draw ceremony: one {witness, value} per witness of the plan, in the plan's order; the public entropy is then " +
          '"ceremony-v1:" + SHA-256 of the lines `witness\\tvalue\\n`',
      }),
    ),
  },
  { additionalProperties: false, description: 'exactly one of publicEntropy or contributions (contributions when the plan names witnesses)' },
);

export const VoidResponse = Type.Object({
  planId: Type.String(),
  status: Type.Literal('voided'),
  reason: Type.String(),
  serverSeed: Type.String({ pattern: HEX64 }),
  voidedAt: Type.String(),
});

/** What an auditor gets: the commit record, the full draw record (with grades) and the void. */
export const FullRecord = Type.Object({
  planId: Type.String(),
  status: PlanStatus,
  commit: CommitRecordSchema,
  draw: Type.Union([FullDrawRecordSchema, Type.Null()]),
  void: Type.Union([VoidInfo, Type.Null()]),
});

export const PublicPlan = Type.Object({
  id: Type.String(),
  title: Type.String(),
  status: Type.Union([Type.Literal('committed'), Type.Literal('drawn'), Type.Literal('voided')]),
  items: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), departmentCode: Type.String() })),
  departments: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
  gradeScheme: Type.Object({ code: Type.String(), name: Type.String(), public: Type.Boolean() }),
  window: Type.Union([Window, Type.Null()]),
  programme: Type.Union([Type.Object({ id: Type.String(), title: Type.String(), batch: Type.Integer() }), Type.Null()], {
    description: 'the published annual programme (计划公告) and batch the plan carries out',
  }),
  commit: CommitRecordSchema,
  draw: Type.Union([DrawRecordSchema, Type.Null()], { description: 'the public draw record, once drawn' }),
  entityNames: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()], {
    description: 'names of the drawn entities, by entity id',
  }),
  void: Type.Union([VoidInfo, Type.Null()]),
  ledger: Type.Array(Type.Object({ seq: Type.Integer(), kind: Type.String(), at: Type.String(), hash: Type.String() }), {
    description: "the plan's ledger entries",
  }),
});

/** A new plan as the API takes it. */
export type PlanInput = Static<typeof PlanCreateBody>;
/** A change to a draft: the fields given replace the stored ones. */
export type PlanPatch = Static<typeof PlanPatchBody>;
export type PlanJson = Static<typeof Plan>;
export type PlanPreview = Static<typeof PreviewSchema>;
export type VoidResult = Static<typeof VoidResponse>;
export type FullRecordJson = Static<typeof FullRecord>;
export type DrawInput = Static<typeof DrawBody>;
