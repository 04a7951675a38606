/**
 * Schemas of results (检查结果), their publication (一公开), the overdue list, result codes and follow-up
 * actions, and the working-day calendar. The domain takes its types from these (Static<>).
 */
import { Type, type Static } from 'typebox';
import { CODE_PATTERN, ID_PATTERN, MAX_INT32, MultilineText, PagingFields, page } from './common.ts';

const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

export const PlanParams = Type.Object({ id: Type.String({ pattern: ID_PATTERN }) }, { additionalProperties: false });

// ─── Results of tasks ────────────────────────────────────────────────────────────────────────────

const Attachment = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    uri: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
  },
  { additionalProperties: false, description: 'a reference to evidence kept elsewhere: a uri, a SHA-256, or both' },
);

const Who = () => Type.Object({ tokenId: Type.String(), inspectorId: Type.Union([Type.String(), Type.Null()]) });

export const Result = Type.Object({
  taskId: Type.Integer(),
  department: Type.String({ description: 'the department whose result this is (a joint plan’s task has one per department of its team)' }),
  version: Type.Integer({ description: '1 = the first result; each correction adds one (per department)' }),
  resultCode: Type.String(),
  resultLabel: Type.String(),
  inspectedOn: Type.String({ format: 'date' }),
  findings: Type.String(),
  followUp: Type.String(),
  followUpLabel: Type.String(),
  followUpDeadline: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  attachments: Type.Array(Attachment),
  mode: Type.Union([Type.String(), Type.Null()], { description: 'the inspection mode actually used (null: entered before it was kept)' }),
  modeLabel: Type.Union([Type.String(), Type.Null()]),
  plannedMode: Type.String({ description: 'the mode the grade called for (the task’s)' }),
  correctsVersion: Type.Union([Type.Integer(), Type.Null()], { description: 'the published version this one corrects' }),
  disclosureDeadline: Type.String({ format: 'date' }),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Who(),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Who(),
  published: Type.Boolean(),
  publishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  publication: Type.Union([Type.Object({ id: Type.Integer(), number: Type.Integer() }), Type.Null()]),
  signatures: Type.Array(Type.Object({ inspectorId: Type.String(), signedAt: Type.String({ format: 'date-time' }) }), {
    description: 'the inspectors of the department on the task’s team who signed this version (行政处罚法 第四十二条); an amendment clears them',
  }),
  awaitingSignatures: Type.Integer({ description: 'signatures still needed before it can be published (0: ready)' }),
});
export type ResultJson = Static<typeof Result>;

export const SignBody = Type.Object(
  { department: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z_-]{1,32}$', description: 'the department whose result (default: your own)' })) },
  { additionalProperties: false },
);

/** The values a version holds, as kept in the audit trail. */
export const ResultValues = Type.Object({
  resultCode: Type.String(),
  inspectedOn: Type.String(),
  findings: Type.String(),
  followUp: Type.String(),
  followUpDeadline: Type.Union([Type.String(), Type.Null()]),
  attachments: Type.Array(Attachment),
  /** Absent in history entries from before the mode was kept. */
  mode: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type ResultValues = Static<typeof ResultValues>;

export const HistoryAction = Type.Union([Type.Literal('created'), Type.Literal('amended'), Type.Literal('correction')]);
export type HistoryAction = Static<typeof HistoryAction>;

export const HistoryEntry = Type.Object({
  department: Type.String(),
  version: Type.Integer(),
  action: HistoryAction,
  values: ResultValues,
  changedBy: Who(),
  changedAt: Type.String({ format: 'date-time' }),
});
export type HistoryEntryJson = Static<typeof HistoryEntry>;

export const InspectionModeSchema = Type.Union(
  [Type.Literal('onsite'), Type.Literal('written'), Type.Literal('online'), Type.Literal('third-party')],
  {
    description:
      'the inspection mode actually used: onsite (现场检查), written (书面检查), online (网络监测), third-party (委托第三方); ' +
      'the default is the mode the grade called for (the task’s mode)',
  },
);

export const ResultEntryBody = Type.Object(
  {
    resultCode: Type.String({ pattern: CODE_PATTERN, description: 'from GET /api/v1/result-codes' }),
    inspectedOn: Type.String({ pattern: DATE_PATTERN, description: 'date of the inspection (YYYY-MM-DD, China)' }),
    findings: Type.Optional(MultilineText({ maxLength: 20000, description: 'what was found (检查情况); internal, never published' })),
    followUp: Type.String({ pattern: CODE_PATTERN, description: 'from GET /api/v1/follow-up-actions' }),
    followUpDeadline: Type.Optional(Type.Union([Type.String({ pattern: DATE_PATTERN }), Type.Null()])),
    attachments: Type.Optional(Type.Array(Attachment, { maxItems: 50 })),
    mode: Type.Optional(InspectionModeSchema),
    correction: Type.Optional(Type.Boolean({ description: 'true to correct a published result (更正)' })),
    department: Type.Optional(
      Type.String({
        pattern: CODE_PATTERN,
        description:
          'whose result (joint plans): a department of the task; an inspector records for their own department (the default), ' +
          'a planner for any (the default: the task’s first department, the first on its team)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ResultInput = Static<typeof ResultEntryBody>;

export const ResultQuery = Type.Object(
  {
    department: Type.Optional(
      Type.String({
        pattern: CODE_PATTERN,
        description: 'whose result (joint plans); the default: an inspector’s own department, else the task’s first (the first on its team)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ResultQuery = Static<typeof ResultQuery>;

// ─── Publication (一公开) ─────────────────────────────────────────────────────────────────────────

export const Publication = Type.Object({
  id: Type.Integer(),
  planId: Type.String(),
  number: Type.Integer({ description: '1, 2, … within the plan (公示批次)' }),
  scope: Type.String({ description: 'all | finished' }),
  department: Type.Union([Type.String(), Type.Null()], { description: 'the department whose results it publishes; null: every department' }),
  corrects: Type.Union([Type.Object({ id: Type.Integer(), number: Type.Integer() }), Type.Null()], {
    description: 'the publication whose results this one corrects (更正)',
  }),
  note: Type.Union([Type.String(), Type.Null()]),
  taskCount: Type.Integer(),
  ledgerSeq: Type.Integer({ description: 'seq of its results.published ledger entry' }),
  publishedAt: Type.String({ format: 'date-time' }),
});
export type PublicationJson = Static<typeof Publication>;

/** One task of a publication; also the shape of a task in the `results.published` ledger body. */
export const PublishedTask = Type.Object({
  seq: Type.Optional(Type.Integer({ description: 'only where the grade scheme is public (the draw order is the grade order)' })),
  entityId: Type.String(),
  department: Type.Optional(Type.String({ description: 'joint plans only: the department whose result it is' })),
  resultCode: Type.String(),
  inspectedOn: Type.String({ format: 'date' }),
});
export type PublishedTask = Static<typeof PublishedTask>;

export const PublishBody = Type.Object(
  {
    scope: Type.Union([Type.Literal('all'), Type.Literal('finished')]),
    corrects: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INT32, description: 'id of the publication this one corrects' })),
    department: Type.Optional(
      Type.String({ pattern: CODE_PATTERN, description: 'publish only this department’s results (joint plans); omitted: every department’s' }),
    ),
    note: Type.Optional(MultilineText({ minLength: 1, maxLength: 2000, description: 'public note, e.g. the reason for a correction (更正说明)' })),
  },
  { additionalProperties: false },
);
export type PublishInput = Static<typeof PublishBody>;
export type PublicationScope = PublishInput['scope'];

export const PublishResponse = Type.Intersect([Publication, Type.Object({ tasks: Type.Array(PublishedTask), ledgerHash: Type.String() })]);
export type PublishResult = Static<typeof PublishResponse>;

// ─── Overdue (谁检查、谁录入、谁公开) ────────────────────────────────────────────────────────────────

export const OverdueItem = Type.Object({
  taskId: Type.Integer(),
  planId: Type.String(),
  planTitle: Type.String(),
  seq: Type.Integer(),
  entityId: Type.String(),
  entityName: Type.String(),
  department: Type.String({
    description: 'the department whose result is late or due: a joint plan’s task has one item per such department of its team',
  }),
  departments: Type.Array(Type.String(), { description: 'every department on the task’s team' }),
  kind: Type.Union([Type.Literal('not-published'), Type.Literal('no-result')], {
    description:
      'not-published: the department’s result is recorded, deadline = its inspectedOn + N working days; ' +
      'no-result: the department has recorded nothing, deadline = end of the plan window',
  }),
  inspectedOn: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  deadline: Type.String({ format: 'date' }),
  overdue: Type.Boolean({ description: 'the deadline has passed' }),
  workingDaysLeft: Type.Integer({ description: 'working days from today to the deadline; negative when late' }),
});
export type OverdueItem = Static<typeof OverdueItem>;
export type OverdueKind = OverdueItem['kind'];

export const OverdueQuery = Type.Object(
  {
    ...PagingFields,
    plan: Type.Optional(Type.String({ pattern: ID_PATTERN })),
    department: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'only this department’s late or due results' })),
    soon: Type.Integer({ minimum: 0, maximum: 60, default: 5, description: 'working days ahead counted as due soon' }),
  },
  { additionalProperties: false },
);
export type OverdueQuery = Static<typeof OverdueQuery>;

export const OverduePage = Type.Intersect([
  page(OverdueItem),
  Type.Object({ today: Type.String({ format: 'date' }), disclosureWorkingDays: Type.Integer() }),
]);
export type OverduePage = Static<typeof OverduePage>;

// ─── Result codes (检查结果) and follow-up actions (后续处置) ─────────────────────────────────────────

export const ResultCode = Type.Object({
  code: Type.String(),
  label: Type.String(),
  departmentCode: Type.Union([Type.String(), Type.Null()], { description: 'null: usable by every department' }),
  builtin: Type.Boolean(),
  active: Type.Boolean(),
  sortOrder: Type.Integer(),
});
export type ResultCodeJson = Static<typeof ResultCode>;

export const FollowUpAction = Type.Object({
  code: Type.String(),
  label: Type.String(),
  requiresDeadline: Type.Boolean({ description: 'a result with this follow-up must give followUpDeadline (责令改正: 限期改正)' }),
  departmentCode: Type.Union([Type.String(), Type.Null()]),
  builtin: Type.Boolean(),
  active: Type.Boolean(),
  sortOrder: Type.Integer(),
});
export type FollowUpActionJson = Static<typeof FollowUpAction>;

export const CodeParams = Type.Object({ code: Type.String({ pattern: CODE_PATTERN }) }, { additionalProperties: false });

export const CatalogListQuery = Type.Object(
  { department: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'only codes usable by this department' })) },
  { additionalProperties: false },
);

const codeBodyFields = {
  label: Type.String({ minLength: 1, maxLength: 200, description: 'Chinese label, as published' }),
  departmentCode: Type.Optional(
    Type.Union([Type.String({ pattern: CODE_PATTERN }), Type.Null()], {
      description: 'the department that may use it; omitted/null: every department',
    }),
  ),
  active: Type.Optional(Type.Boolean({ description: 'inactive codes stay on old results but cannot be chosen for new ones' })),
  sortOrder: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
};

export const ResultCodeBody = Type.Object(codeBodyFields, { additionalProperties: false });
export type ResultCodeInput = Static<typeof ResultCodeBody>;

export const FollowUpActionBody = Type.Object(
  { ...codeBodyFields, requiresDeadline: Type.Optional(Type.Boolean({ description: 'default false' })) },
  { additionalProperties: false },
);
export type FollowUpActionInput = Static<typeof FollowUpActionBody>;

// ─── The working-day calendar (法定节假日 and 调休) ─────────────────────────────────────────────────

export const CalendarDayJson = Type.Object({
  date: Type.String({ format: 'date' }),
  kind: Type.Union([Type.Literal('holiday'), Type.Literal('workday')], {
    description: 'holiday: a public holiday (法定节假日, no work even on a weekday); workday: a weekend day worked (调休上班)',
  }),
  name: Type.String(),
  builtin: Type.Boolean({ description: 'shipped from the State Council notices (years 2025–2026)' }),
});
export type CalendarDayJson = Static<typeof CalendarDayJson>;

export const CalendarDateParams = Type.Object(
  { date: Type.String({ pattern: DATE_PATTERN, description: 'YYYY-MM-DD' }) },
  { additionalProperties: false },
);

export const CalendarYearQuery = Type.Object(
  { year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: 'default: this year' })) },
  { additionalProperties: false },
);

export const CalendarYear = Type.Object({
  year: Type.Integer(),
  shipped: Type.Boolean({ description: 'whether the year’s State Council notice ships with the service' }),
  items: Type.Array(CalendarDayJson),
});
export type CalendarYear = Static<typeof CalendarYear>;

export const CalendarDayBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('holiday'), Type.Literal('workday')]),
    name: Type.String({ minLength: 1, maxLength: 100, description: 'e.g. 春节, 春节调休上班' }),
  },
  { additionalProperties: false },
);
export type CalendarDayInput = Static<typeof CalendarDayBody>;
