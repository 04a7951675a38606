/**
 * Schemas of the directories (departments, items, grade schemes, entities, inspectors, recusals) whose
 * types the domain takes as input. Schemas only one route uses stay in that route.
 */
import { Type, type Static } from 'typebox';
import { CHONGQING_REGIONS } from '../core/regions.ts';
import { CODE_PATTERN, ID_PATTERN, MultilineText } from './common.ts';

/** A 行政区划代码 of the region table (src/core/regions.ts): a code that is not there is refused, naming the field. */
export const RegionCode = Type.String({
  pattern: '^[0-9]{6}$',
  enum: CHONGQING_REGIONS.map((r) => r.code),
  description: '行政区划代码 (GB/T 2260) from the region table: a district or county of 重庆',
} as Parameters<typeof Type.String>[0]);

/** The answer to a directory import. */
export const ImportResultSchema = Type.Object({
  imported: Type.Integer({ description: 'new records' }),
  updated: Type.Integer({ description: 'existing records updated' }),
  dryRun: Type.Optional(Type.Boolean({ description: 'present (true) when nothing was written: ?dryRun=true' })),
});
export type ImportResult = Static<typeof ImportResultSchema>;

export const DepartmentPutBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type DepartmentInput = Static<typeof DepartmentPutBody>;

export const ItemPutBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 300 }),
    departmentCode: Type.String({ pattern: CODE_PATTERN }),
    gradeScheme: Type.String({ pattern: CODE_PATTERN }),
    targetType: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
    legalBasis: Type.Optional(Type.Union([MultilineText({ maxLength: 2000 }), Type.Null()])),
    active: Type.Optional(Type.Boolean()),
    kind: Type.Optional(
      Type.Union([Type.Literal('general'), Type.Literal('key')], {
        description: "'general' (一般检查事项, the default): an entity at most once a year for the item; 'key' (重点检查事项): no upper limit",
      }),
    ),
  },
  { additionalProperties: false },
);
export type ItemInput = Static<typeof ItemPutBody>;

export const ItemFilterQuery = Type.Object(
  { department: Type.Optional(Type.String({ pattern: CODE_PATTERN })), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type ItemFilter = Static<typeof ItemFilterQuery>;

export const SchemeGrade = Type.Object(
  {
    code: Type.String({ pattern: '^[0-9A-Za-z_-]{1,16}$' }),
    label: Type.String({ minLength: 1, maxLength: 100 }),
    multiplierPct: Type.Integer({ minimum: 0, maximum: 10000, description: 'ratio multiplier in percent: 50 = half the base ratio' }),
    mode: Type.Union([Type.Literal('onsite'), Type.Literal('written')]),
    maxPerYear: Type.Optional(
      Type.Union([Type.Null(), Type.Integer({ minimum: 1, maximum: 366 })], {
        description: 'at most this many draws a calendar year (China time) for general items of one department; null or absent = no limit',
      }),
    ),
    minIntervalDays: Type.Optional(
      Type.Union([Type.Null(), Type.Integer({ minimum: 0, maximum: 3660 })], {
        description: 'at least this many days between two draws for general items of one department; null, 0 or absent = none',
      }),
    ),
  },
  { additionalProperties: false },
);

export const GradeSchemeBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    source: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    grades: Type.Array(SchemeGrade, { minItems: 1, maxItems: 50, description: 'ordered from best to worst' }),
    defaultGrade: Type.String({ description: 'the grade of an entity with no evaluation in this scheme' }),
    public: Type.Boolean({ description: 'whether grades in this scheme may be shown publicly' }),
  },
  { additionalProperties: false },
);
export type GradeSchemeInput = Static<typeof GradeSchemeBody>;

/** Entity statuses; only `active` entities enter a draw's pool. */
export const ENTITY_STATUSES = ['active', 'inactive', 'suspended', 'revoked', 'closed'] as const;

const EntityStatusSchema = Type.Union(
  ENTITY_STATUSES.map((s) => Type.Literal(s)),
  { description: 'only active entities enter a draw; inactive, suspended (停业), revoked (吊销), closed (注销) do not' },
);

export const EntityFilterQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'id prefix, or part of the name' })),
    region: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
    type: Type.Optional(Type.String({ maxLength: 64 })),
    industry: Type.Optional(Type.String({ maxLength: 100 })),
    status: Type.Optional(EntityStatusSchema),
  },
  { additionalProperties: false },
);
export type EntityFilter = Static<typeof EntityFilterQuery>;

/** Tags or licence kinds of an entity: the import takes the same values, `;`-separated in CSV. */
const EntityLabels = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 64, description: '1–64 characters, no ";" and no control characters' }), {
    maxItems: 50,
    description,
  });

export const EntityPatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    region: Type.Optional(Type.String({ description: '行政区划代码 (GB/T 2260) from the region table: a district or county of 重庆' })),
    industry: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    // null first: with type coercion on, a string-first union would turn null into ""
    address: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 500 })])),
    status: Type.Optional(EntityStatusSchema),
    tags: Type.Optional(EntityLabels('supervision tags (监管标签, e.g. 食品经营, 特种设备使用, 网络交易); [] clears')),
    licences: Type.Optional(EntityLabels('licence kinds held (e.g. 食品经营许可证), without numbers; [] clears')),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type EntityChanges = Static<typeof EntityPatchBody>;

export const InspectorFilterQuery = Type.Object(
  {
    department: Type.Optional(Type.String({ pattern: CODE_PATTERN })),
    active: Type.Optional(Type.Boolean()),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'id prefix, or part of the name' })),
  },
  { additionalProperties: false },
);
export type InspectorFilter = Static<typeof InspectorFilterQuery>;

export const InspectorPatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    departmentCode: Type.Optional(Type.String({ pattern: CODE_PATTERN })),
    certificateNo: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    qualifications: Type.Optional(
      Type.Array(Type.String({ pattern: CODE_PATTERN }), { maxItems: 1000, description: 'item codes; [] = every item of the department' }),
    ),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type InspectorChanges = Static<typeof InspectorPatchBody>;

export const RecusalFilterQuery = Type.Object(
  {
    inspectorId: Type.Optional(Type.String({ pattern: ID_PATTERN })),
    entityId: Type.Optional(Type.String({ pattern: ID_PATTERN })),
  },
  { additionalProperties: false },
);
export type RecusalFilter = Static<typeof RecusalFilterQuery>;
