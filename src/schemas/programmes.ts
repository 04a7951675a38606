/** TypeBox shapes of annual programmes (年度抽查工作计划): the API's bodies and answers, and the types. */
import { Type, type Static } from 'typebox';
import { CODE_PATTERN, MultilineText, RatiosBp } from './common.ts';

export const PROGRAMME_ID_PATTERN = '^PROG-[0-9]{4}-[0-9]{4,}$';
/** At most this many batches per line (one a month, twice over). */
export const BATCHES_MAX = 24;
const DATE = Type.String({ format: 'date', description: 'YYYY-MM-DD' });

export const ProgrammeParams = Type.Object(
  { id: Type.String({ pattern: PROGRAMME_ID_PATTERN, description: 'e.g. PROG-2026-0001' }) },
  { additionalProperties: false },
);

const BatchInput = Type.Object(
  {
    from: DATE,
    to: DATE,
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'e.g. 第一批（春季）' })),
  },
  { additionalProperties: false, description: 'a date window of the programme year; batches are numbered 1, 2, … in the order given' },
);

const LineInput = Type.Object(
  {
    item: Type.String({ pattern: CODE_PATTERN, description: 'the inspection item (抽查事项); one line per item' }),
    ratiosBp: Type.Optional(RatiosBp),
    baseRatioBp: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10000, description: "annual base ratio; per grade × the scheme's multiplier, capped at 10000" }),
    ),
    batches: Type.Array(BatchInput, {
      minItems: 1,
      maxItems: BATCHES_MAX,
      description: "the planned batches (抽查批次), in date order, not overlapping, inside the programme's year",
    }),
    notes: Type.Optional(MultilineText({ maxLength: 2000 })),
  },
  { additionalProperties: false, description: 'give either ratiosBp (annual ratio per grade) or baseRatioBp' },
);

const programmeFields = {
  year: Type.Integer({ minimum: 2000, maximum: 2100, description: 'the calendar year (China time) the programme covers' }),
  title: Type.String({ minLength: 1, maxLength: 200 }),
  departments: Type.Array(Type.String({ pattern: CODE_PATTERN }), {
    minItems: 1,
    maxItems: 50,
    uniqueItems: true,
    description: 'the departments carrying it out; several make a joint programme (部门联合抽查), each owning at least one line',
  }),
  notes: Type.Optional(MultilineText({ maxLength: 4000, description: 'what the 计划公告 says beyond the lines (legal basis, contacts, …)' })),
  lines: Type.Array(LineInput, { minItems: 1, maxItems: 200, description: 'one line per inspection item' }),
};

export const ProgrammeCreateBody = Type.Object(programmeFields, { additionalProperties: false });

export const ProgrammePatchBody = Type.Object(
  {
    year: Type.Optional(programmeFields.year),
    title: Type.Optional(programmeFields.title),
    departments: Type.Optional(programmeFields.departments),
    notes: programmeFields.notes,
    lines: Type.Optional(programmeFields.lines),
  },
  { additionalProperties: false, description: 'the fields given replace the stored ones (lines: all of them)' },
);

export const ProgrammeStatus = Type.Union([Type.Literal('draft'), Type.Literal('published')]);

const Batch = Type.Object({
  number: Type.Integer({ minimum: 1, description: '第 n 批' }),
  from: Type.String(),
  to: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]),
});

const Stratum = Type.Object({
  grade: Type.String(),
  population: Type.Integer({ description: "active entities of the item's target type holding this grade (at publication; now, for a draft)" }),
  ratioBp: Type.Integer({ description: 'annual ratio' }),
  planned: Type.Integer({ description: 'the annual budget: ceil(population × ratio), as a draw counts (spec §3)' }),
});

/** A line as published: in the `programme.published` ledger entry and the public API. */
const PublishedLine = Type.Object({
  item: Type.String(),
  itemName: Type.String(),
  departmentCode: Type.String(),
  itemKind: Type.Union([Type.Literal('general'), Type.Literal('key')], { description: '一般检查事项 or 重点检查事项' }),
  gradeScheme: Type.String(),
  baseRatioBp: Type.Union([Type.Integer(), Type.Null()]),
  ratiosBp: Type.Record(Type.String(), Type.Integer(), { description: 'resolved annual ratio per grade' }),
  strata: Type.Array(Stratum),
  batches: Type.Array(Batch),
  notes: Type.String(),
});

/** The body of a `programme.published` ledger entry: strings, integers and null only (JCS, spec §6). */
export const ProgrammeRecord = Type.Object(
  {
    programmeId: Type.String(),
    year: Type.Integer(),
    title: Type.String(),
    departments: Type.Array(Type.String()),
    notes: Type.String(),
    lines: Type.Array(PublishedLine),
  },
  { title: 'Programme record (计划公告, the programme.published ledger body)' },
);

/** Planned (the annual budget), committed, drawn and inspected so far, for one grade of a line. */
const GradeProgress = Type.Object({
  grade: Type.String(),
  label: Type.String(),
  planned: Type.Integer(),
  committed: Type.Integer({ description: 'tasks committed plans of the programme will draw (not drawn yet)' }),
  drawn: Type.Integer({ description: 'tasks of drawn plans (voided plans never count)' }),
  inspected: Type.Integer({ description: "drawn tasks with a result of the item's department" }),
});

const LineProgress = Type.Object({
  item: Type.String(),
  grades: Type.Array(GradeProgress),
  planned: Type.Integer(),
  committed: Type.Integer(),
  drawn: Type.Integer(),
  inspected: Type.Integer(),
});

const ProgrammePlan = Type.Object({
  id: Type.String(),
  title: Type.String(),
  batch: Type.Integer(),
  status: Type.String(),
  items: Type.Array(Type.String()),
});

export const Programme = Type.Object({
  id: Type.String(),
  year: Type.Integer(),
  title: Type.String(),
  status: ProgrammeStatus,
  departments: Type.Array(Type.String()),
  notes: Type.String(),
  lines: Type.Array(PublishedLine),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  publishedAt: Type.Union([Type.String(), Type.Null()]),
  ledgerSeq: Type.Union([Type.Integer(), Type.Null()], { description: 'the programme.published ledger entry' }),
  plans: Type.Array(ProgrammePlan, { description: 'the plans of the programme, by batch and id' }),
  progress: Type.Array(LineProgress),
});

export const ProgrammeSummary = Type.Object({
  id: Type.String(),
  year: Type.Integer(),
  title: Type.String(),
  status: ProgrammeStatus,
  departments: Type.Array(Type.String()),
  items: Type.Array(Type.String()),
  publishedAt: Type.Union([Type.String(), Type.Null()]),
});

/** The public's view: counts inspected per grade only where the scheme's grades are public. */
const PublicGradeProgress = Type.Object({
  grade: Type.String(),
  label: Type.String(),
  planned: Type.Integer(),
  committed: Type.Integer(),
  drawn: Type.Integer(),
  inspected: Type.Union([Type.Integer(), Type.Null()], {
    description: 'published results of this grade; null when the grades are not public (it would tie published entities to grades)',
  }),
});

export const PublicProgramme = Type.Object({
  id: Type.String(),
  year: Type.Integer(),
  title: Type.String(),
  departments: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
  notes: Type.String(),
  publishedAt: Type.String(),
  record: ProgrammeRecord,
  ledger: Type.Object({ seq: Type.Integer(), hash: Type.String(), at: Type.String() }),
  plans: Type.Array(ProgrammePlan, { description: 'committed, drawn and voided plans of the programme (drafts are not public)' }),
  progress: Type.Array(
    Type.Object({
      item: Type.String(),
      gradesPublic: Type.Boolean(),
      grades: Type.Array(PublicGradeProgress),
      planned: Type.Integer(),
      committed: Type.Integer(),
      drawn: Type.Integer(),
      inspected: Type.Integer({ description: 'drawn tasks with a published result of the item’s department' }),
    }),
  ),
});

export const PublicProgrammeSummary = Type.Object({
  id: Type.String(),
  year: Type.Integer(),
  title: Type.String(),
  departments: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
  items: Type.Array(Type.String()),
  publishedAt: Type.String(),
});

/** In a plan preview: what the plan takes from its programme's annual budget, per item and grade. */
export const PreviewBudget = Type.Object({
  programmeId: Type.String(),
  batch: Type.Integer(),
  lines: Type.Array(
    Type.Object({
      item: Type.String(),
      grades: Type.Array(
        Type.Object({
          grade: Type.String(),
          planned: Type.Integer({ description: 'the annual budget' }),
          before: Type.Integer({ description: 'taken by the programme’s other committed and drawn plans' }),
          thisPlan: Type.Integer({ description: 'what this plan would draw' }),
          remaining: Type.Integer({ description: 'planned − before − thisPlan (negative: beyond the budget)' }),
        }),
      ),
    }),
  ),
});

export type ProgrammeInput = Static<typeof ProgrammeCreateBody>;
export type ProgrammePatch = Static<typeof ProgrammePatchBody>;
export type ProgrammeJson = Static<typeof Programme>;
export type ProgrammeSummaryJson = Static<typeof ProgrammeSummary>;
export type ProgrammeRecordJson = Static<typeof ProgrammeRecord>;
export type PublishedLineJson = Static<typeof PublishedLine>;
export type LineProgressJson = Static<typeof LineProgress>;
export type PublicProgrammeJson = Static<typeof PublicProgramme>;
export type PublicProgrammeSummaryJson = Static<typeof PublicProgrammeSummary>;
export type PreviewBudgetJson = Static<typeof PreviewBudget>;
