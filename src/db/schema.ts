/**
 * The one schema for both drivers (PGlite and PostgreSQL). drizzle-kit generates `migrations/` from it.
 * Ids in the directories are the domain's own (统一社会信用代码, 执法证 ids, department codes), so they are
 * the primary keys; snapshot files refer to them directly.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  date,
  index,
  integer,
  json,
  jsonb,
  pgSequence,
  pgTable,
  pgView,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

const created = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const updated = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  tokenHash: text('token_hash').notNull().unique(),
  role: text('role').notNull(),
  label: text('label'),
  /** Inspector this token acts for (role inspector): "own tasks" are this inspector's. */
  inspectorId: text('inspector_id'),
  createdBy: text('created_by'),
  createdAt: created(),
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
});

export const departments = pgTable('departments', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: created(),
  updatedAt: updated(),
});

export interface SchemeGrade {
  code: string;
  label: string;
  multiplierPct: number;
  mode: 'onsite' | 'written';
  /** Draws per calendar year (China time) for items of one department; null or absent = no limit. */
  maxPerYear?: number | null;
  /** Days after a draw for an item of the same department before the next; null, 0 or absent = none. */
  minIntervalDays?: number | null;
}

export const gradeSchemes = pgTable('grade_schemes', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  source: text('source'),
  grades: jsonb('grades').$type<SchemeGrade[]>().notNull(),
  defaultGrade: text('default_grade').notNull(),
  public: boolean('public').notNull().default(false),
  builtin: boolean('builtin').notNull().default(false),
  createdAt: created(),
  updatedAt: updated(),
});

export const items = pgTable(
  'items',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    departmentCode: text('department_code')
      .notNull()
      .references(() => departments.code),
    gradeScheme: text('grade_scheme')
      .notNull()
      .references(() => gradeSchemes.code),
    targetType: text('target_type'),
    legalBasis: text('legal_basis'),
    active: boolean('active').notNull().default(true),
    /** 'general' (一般检查事项: an entity at most once a year for the item) or 'key' (重点检查事项: no upper limit). */
    kind: text('kind').$type<'general' | 'key'>().notNull().default('general'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [check('items_kind_check', sql`${t.kind} IN ('general', 'key')`)],
);

export const entities = pgTable(
  'entities',
  {
    id: text('id').primaryKey(),
    idType: text('id_type').notNull().default('uscc'),
    name: text('name').notNull(),
    type: text('type').notNull(),
    region: text('region').notNull(),
    industry: text('industry').notNull(),
    address: text('address'),
    status: text('status').notNull().default('active'),
    /** Supervision tags (监管标签, e.g. 食品经营); a targeted plan's pool may filter on them. */
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    /** Licence kinds held (e.g. 食品经营许可证): kinds only, no licence numbers. */
    licences: text('licences').array().notNull().default(sql`'{}'::text[]`),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    index('entities_name_idx').on(t.name),
    index('entities_pool_idx').on(t.status, t.type, t.region),
    index('entities_tags_idx').using('gin', t.tags),
    index('entities_licences_idx').using('gin', t.licences),
  ],
);

/** Every evaluation ever imported (history). */
export const gradeEvaluations = pgTable(
  'grade_evaluations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    entityId: text('entity_id')
      .notNull()
      .references(() => entities.id),
    scheme: text('scheme')
      .notNull()
      .references(() => gradeSchemes.code),
    grade: text('grade').notNull(),
    evaluatedAt: timestamp('evaluated_at', { withTimezone: true, mode: 'date' }).notNull(),
    importedAt: timestamp('imported_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('grade_evaluations_entity_idx').on(t.entityId, t.scheme, t.evaluatedAt)],
);

/** The latest evaluation per entity and scheme — the one that counts; kept in step by the grades import. */
export const currentGrades = pgTable(
  'current_grades',
  {
    entityId: text('entity_id')
      .notNull()
      .references(() => entities.id),
    scheme: text('scheme')
      .notNull()
      .references(() => gradeSchemes.code),
    grade: text('grade').notNull(),
    evaluatedAt: timestamp('evaluated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.scheme, t.entityId] }),
    // grade reviews (复核) walk an entity's grades in entity order and look up its other schemes
    index('current_grades_entity_idx').on(t.entityId, t.scheme),
  ],
);

export const inspectors = pgTable(
  'inspectors',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    departmentCode: text('department_code')
      .notNull()
      .references(() => departments.code),
    certificateNo: text('certificate_no').notNull(),
    /** Item codes this inspector may check; empty = every item of the department. */
    qualifications: text('qualifications').array().notNull().default(sql`'{}'::text[]`),
    active: boolean('active').notNull().default(true),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [index('inspectors_department_idx').on(t.departmentCode)],
);

/** Pairs that must never meet (回避). */
export const recusals = pgTable(
  'recusals',
  {
    inspectorId: text('inspector_id')
      .notNull()
      .references(() => inspectors.id),
    entityId: text('entity_id')
      .notNull()
      .references(() => entities.id),
    reason: text('reason').notNull(),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.inspectorId, t.entityId] }), index('recusals_entity_idx').on(t.entityId)],
);

/** Plan numbers (PLAN-<year>-<n>) come from this sequence: two service instances never hand out the same one. */
export const planNumberSeq = pgSequence('plan_number_seq', { startWith: 1 });

/* ─── Annual programmes (年度抽查工作计划) ───────────────────────────────────────────────────────── */

export const programmeNumberSeq = pgSequence('programme_number_seq', { startWith: 1 });

/** A batch of a programme line: the n-th (1, 2, …) date window of the year in which plans of the item draw. */
export interface ProgrammeBatch {
  number: number;
  from: string;
  to: string;
  title: string | null;
}

/** A line's grade at publication: the directory's population then, the annual ratio and what it plans to draw. */
export interface ProgrammeStratum {
  grade: string;
  population: number;
  ratioBp: number;
  planned: number;
}

/**
 * A year's programme: draft (the planners' work) → published (the 计划公告: a `programme.published` ledger
 * entry, after which a trigger refuses every change to it and its lines). Plans name one and a batch.
 */
export const programmes = pgTable(
  'programmes',
  {
    id: text('id').primaryKey(),
    year: integer('year').notNull(),
    title: text('title').notNull(),
    /** Several = a joint programme (部门联合抽查). */
    departments: text('departments').array().notNull(),
    notes: text('notes').notNull().default(''),
    status: text('status').$type<'draft' | 'published'>().notNull().default('draft'),
    createdBy: text('created_by'),
    createdAt: created(),
    updatedAt: updated(),
    publishedBy: text('published_by'),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
    ledgerSeq: bigint('ledger_seq', { mode: 'number' })
      .unique()
      .references((): AnyPgColumn => ledger.seq),
  },
  (t) => [
    index('programmes_status_idx').on(t.status, t.year, t.id),
    check('programmes_status_check', sql`${t.status} IN ('draft', 'published')`),
    check('programmes_published_check', sql`(${t.status} = 'published') = (${t.ledgerSeq} IS NOT NULL)`),
  ],
);

/** One item of a programme: its annual ratio per grade and its batches; `strata` is fixed at publication. */
export const programmeLines = pgTable(
  'programme_lines',
  {
    programmeId: text('programme_id')
      .notNull()
      .references(() => programmes.id),
    position: integer('position').notNull(),
    itemCode: text('item_code')
      .notNull()
      .references(() => items.code),
    gradeScheme: text('grade_scheme')
      .notNull()
      .references(() => gradeSchemes.code),
    baseRatioBp: integer('base_ratio_bp'),
    ratiosBp: jsonb('ratios_bp').$type<Record<string, number>>().notNull(),
    batches: jsonb('batches').$type<ProgrammeBatch[]>().notNull(),
    notes: text('notes').notNull().default(''),
    strata: jsonb('strata').$type<ProgrammeStratum[]>(),
  },
  (t) => [primaryKey({ columns: [t.programmeId, t.itemCode] })],
);

export interface PlanFilters {
  regions?: string[];
  types?: string[];
  industries?: string[];
  /** any of these supervision tags */
  tags?: string[];
  /** any of these licence kinds */
  licences?: string[];
  /** A commitment plan (履约践诺): entities with an open credit commitment whose checkBy falls in this window … */
  commitmentsDueFrom?: string;
  commitmentsDueTo?: string;
  /** … of these kinds (any, when absent). */
  commitmentKinds?: string[];
}

/** 定向抽查 (the pool narrowed by filters) or 不定向抽查 (the whole directory of the items' target type). */
export type PlanTargeting = 'targeted' | 'untargeted';

export const plans = pgTable(
  'plans',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    /** draft → committed → drawn, or committed → voided. Never deleted. */
    status: text('status').notNull().default('draft'),
    items: text('items').array().notNull(),
    /** Departments owning the plan's items (derived from items; several = 部门联合抽查). */
    departments: text('departments').array().notNull().default(sql`'{}'::text[]`),
    gradeScheme: text('grade_scheme')
      .notNull()
      .references(() => gradeSchemes.code),
    baseRatioBp: integer('base_ratio_bp'),
    /** Resolved per-grade ratios (what gets committed). */
    ratiosBp: jsonb('ratios_bp').$type<Record<string, number>>().notNull(),
    inspectorsPerTask: jsonb('inspectors_per_task').$type<Record<string, number>>().notNull(),
    filters: jsonb('filters').$type<PlanFilters>().notNull(),
    targeting: text('targeting').$type<PlanTargeting>().notNull().default('untargeted'),
    cooldownDays: integer('cooldown_days').notNull().default(0),
    entropySource: text('entropy_source').notNull(),
    /** The announced earliest moment of the public entropy (records rev 2); the commit may override it. */
    entropyAt: timestamp('entropy_at', { withTimezone: true, mode: 'date' }),
    /** The draw ceremony's witnesses (见证人), in order; none = the operator types the public entropy. */
    witnesses: text('witnesses').array().notNull().default(sql`'{}'::text[]`),
    windowFrom: date('window_from'),
    windowTo: date('window_to'),
    /** The annual programme and its batch (1, 2, …) the plan carries out; both or neither. */
    programmeId: text('programme_id').references((): AnyPgColumn => programmes.id),
    batch: integer('batch'),
    createdBy: text('created_by'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    index('plans_status_idx').on(t.status, t.id),
    index('plans_programme_idx').on(t.programmeId, t.batch),
    check('plans_programme_batch_check', sql`(${t.programmeId} IS NULL) = (${t.batch} IS NULL)`),
  ],
);

/**
 * Frozen at commit (spec §1). The snapshot files are kept exactly as serialized. `record` is the public
 * commit record as text (json keeps the §5 member order); server_seed stays secret until the draw or void.
 */
export const planCommits = pgTable('plan_commits', {
  planId: text('plan_id')
    .primaryKey()
    .references(() => plans.id),
  serverSeed: text('server_seed').notNull(),
  commitment: text('commitment').notNull(),
  entitySnapshot: bytea('entity_snapshot').notNull(),
  inspectorSnapshot: bytea('inspector_snapshot').notNull(),
  recusalSnapshot: bytea('recusal_snapshot').notNull(),
  record: json('record').notNull(),
  /** Idempotency-Key of the request that made the commit: its retry gets the same record. */
  idempotencyKey: text('idempotency_key'),
  committedBy: text('committed_by'),
  committedAt: timestamp('committed_at', { withTimezone: true, mode: 'date' }).notNull(),
  /** The commit record's entropyAt (records rev 2); null for a revision-1 commit. */
  entropyAt: timestamp('entropy_at', { withTimezone: true, mode: 'date' }),
});

/** One draw per plan: the primary key on plan_id is the backstop against a second draw. */
export const planDraws = pgTable('plan_draws', {
  planId: text('plan_id')
    .primaryKey()
    .references(() => plans.id),
  publicEntropy: text('public_entropy').notNull(),
  /** The ceremony's contributions `[{witness, value}]` the public entropy was composed of; null without a ceremony. */
  contributions: json('contributions').$type<{ witness: string; value: string }[]>(),
  seed: text('seed').notNull(),
  /**
   * The `plan.drawn` ledger entry. The public draw record (spec §5) is its body plus drawnAt (its
   * `at`), stored once: task grades only when the scheme was public at draw time.
   */
  ledgerSeq: bigint('ledger_seq', { mode: 'number' })
    .notNull()
    .unique()
    .references(() => ledger.seq),
  /** Whether the record carries task grades (the scheme was public when the plan was drawn). */
  gradesPublic: boolean('grades_public').notNull().default(false),
  idempotencyKey: text('idempotency_key'),
  drawnBy: text('drawn_by'),
  drawnAt: timestamp('drawn_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export const planVoids = pgTable('plan_voids', {
  planId: text('plan_id')
    .primaryKey()
    .references(() => plans.id),
  reason: text('reason').notNull(),
  idempotencyKey: text('idempotency_key'),
  voidedBy: text('voided_by'),
  voidedAt: timestamp('voided_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * A drawn task: one entity of one plan (one task per entity, one team per department). Written only by
 * the draw, tens of thousands at a time, in the transaction that locks the plan and from ids frozen in
 * its snapshot. The team is two parallel arrays in protocol order (spec §4: the departments' teams
 * concatenated in department order): one row per task instead of one per member, because the rows
 * and their index entries are most of what a million-entity draw writes. A GIN index answers "tasks of
 * inspector X". No foreign keys on plan_id, entity_id or the members: their per-row checks lock and
 * dirty the referenced rows and cost more than the whole rest of such a draw; the draw checks the ids
 * set-wise instead, and plans, entities and inspectors are never deleted.
 */
export const tasks = pgTable(
  'tasks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    planId: text('plan_id').notNull(),
    seq: integer('seq').notNull(),
    entityId: text('entity_id').notNull(),
    grade: text('grade').notNull(),
    /** From the grade's scheme: 'onsite' (现场检查) or 'written' (书面检查). */
    mode: text('mode').notNull(),
    status: text('status').notNull().default('assigned'),
    /** The department of each team member, parallel to team_inspectors. */
    teamDepartments: text('team_departments').array().notNull(),
    /** The team's inspector ids in protocol order (position 0, 1, … across departments). */
    teamInspectors: text('team_inspectors').array().notNull(),
    createdAt: created(),
  },
  (t) => [
    uniqueIndex('tasks_plan_seq_idx').on(t.planId, t.seq),
    index('tasks_entity_idx').on(t.entityId),
    index('tasks_team_inspectors_idx').using('gin', t.teamInspectors),
    // a plan's public task list and its pages go by entity id in UTF-8 byte order (keyset cursor), never by seq
    index('tasks_plan_entity_idx').on(t.planId, sql`${t.entityId} COLLATE "C"`),
  ],
);

/**
 * A task's team, one row per member (position 0, 1, …): a view over the arrays on `tasks`, created in
 * the migration, for queries that read members with their names.
 */
export const taskInspectors = pgView('task_inspectors', {
  taskId: bigint('task_id', { mode: 'number' }).notNull(),
  position: integer('position').notNull(),
  departmentCode: text('department_code').notNull(),
  inspectorId: text('inspector_id').notNull(),
}).existing();

/**
 * The append-only hash chain (spec §6). A trigger in the migration rejects UPDATE, DELETE and TRUNCATE;
 * appends are serialized with an advisory lock (routes/ledger/repository.ts), and the unique
 * constraints on prev_hash and hash make a fork impossible even if that were bypassed.
 */
export const ledger = pgTable(
  'ledger',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    planId: text('plan_id'),
    /** ISO-8601 text exactly as hashed. */
    at: text('at').notNull(),
    /**
     * The body's JCS text (spec §6), exactly as hashed: text, not json — the service wrote it from a
     * canonical serialization, so the database does not parse megabytes of a draw body again. Stored
     * lz4-compressed where the server has lz4 (PostgreSQL; PGlite uses the default).
     */
    body: text('body').notNull(),
    prevHash: text('prev_hash').notNull().unique(),
    hash: text('hash').notNull().unique(),
  },
  (t) => [index('ledger_plan_idx').on(t.planId)],
);

/** Idempotency records for retried POSTs (Idempotency-Key). */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    key: text('key').notNull(),
    route: text('route').notNull(),
    /** SHA-256 of the request (method, path, body): the same key with another request is refused. */
    requestHash: text('request_hash').notNull().default(''),
    statusCode: integer('status_code').notNull(),
    response: jsonb('response').notNull(),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.route, t.key] })],
);

/* ─── Results and public disclosure (一公开) ─────────────────────────────────────────────────────── */

/** Result categories (检查结果). Built-ins are seeded from src/core/result-codes.ts; departments add theirs. */
export const resultCodes = pgTable('result_codes', {
  code: text('code').primaryKey(),
  label: text('label').notNull(),
  /** null = every department may use it; otherwise only tasks of that department. */
  departmentCode: text('department_code').references(() => departments.code),
  builtin: boolean('builtin').notNull().default(false),
  active: boolean('active').notNull().default(true),
  sortOrder: integer('sort_order').notNull().default(1000),
  createdAt: created(),
  updatedAt: updated(),
});

/** Follow-up actions (后续处置), like result codes. */
export const followUpActions = pgTable('follow_up_actions', {
  code: text('code').primaryKey(),
  label: text('label').notNull(),
  requiresDeadline: boolean('requires_deadline').notNull().default(false),
  departmentCode: text('department_code').references(() => departments.code),
  builtin: boolean('builtin').notNull().default(false),
  active: boolean('active').notNull().default(true),
  sortOrder: integer('sort_order').notNull().default(1000),
  createdAt: created(),
  updatedAt: updated(),
});

/** One publication (公示) of a plan's results; each is one `results.published` ledger entry. */
export const publications = pgTable(
  'publications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    planId: text('plan_id')
      .notNull()
      .references(() => plans.id),
    /** 1, 2, … per plan. */
    number: integer('number').notNull(),
    scope: text('scope').notNull(),
    /** The department whose results it publishes (joint plans: 谁检查、谁公开); null: every department's. */
    departmentCode: text('department_code'),
    /** The earlier publication whose results this one corrects (更正). */
    correctsId: bigint('corrects_id', { mode: 'number' }).references((): AnyPgColumn => publications.id),
    note: text('note'),
    ledgerSeq: bigint('ledger_seq', { mode: 'number' })
      .notNull()
      .references(() => ledger.seq),
    taskCount: integer('task_count').notNull(),
    publishedBy: text('published_by'),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('publications_plan_number_idx').on(t.planId, t.number),
    // the credit-event feed walks publications in ledger order
    uniqueIndex('publications_ledger_seq_idx').on(t.ledgerSeq),
  ],
);

export interface ResultAttachment {
  name: string;
  uri?: string;
  sha256?: string;
}

/**
 * Versions of a task's result. Version 1 is the first entry; it is amended in place until published.
 * A published version is frozen (a trigger rejects UPDATE/DELETE); a correction is a new version that
 * names the published one it corrects. At most one unpublished version per task.
 */
export const results = pgTable(
  'results',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    taskId: bigint('task_id', { mode: 'number' })
      .notNull()
      .references(() => tasks.id),
    /** The department whose result this is: a joint plan's task has one result per department of its team. */
    departmentCode: text('department_code').notNull(),
    /** 1, 2, … per task and department. */
    version: integer('version').notNull(),
    resultCode: text('result_code')
      .notNull()
      .references(() => resultCodes.code),
    inspectedOn: date('inspected_on').notNull(),
    findings: text('findings').notNull().default(''),
    followUp: text('follow_up')
      .notNull()
      .references(() => followUpActions.code),
    followUpDeadline: date('follow_up_deadline'),
    /** The inspection mode actually used (onsite, written, online, third-party); null for results from before it was kept. */
    mode: text('mode'),
    attachments: jsonb('attachments').$type<ResultAttachment[]>().notNull().default(sql`'[]'::jsonb`),
    correctsResultId: bigint('corrects_result_id', { mode: 'number' }).references((): AnyPgColumn => results.id),
    /** Who entered / last changed it: token id, and the inspector for inspector tokens. */
    createdBy: text('created_by').notNull(),
    createdByInspector: text('created_by_inspector'),
    updatedBy: text('updated_by').notNull(),
    updatedByInspector: text('updated_by_inspector'),
    createdAt: created(),
    updatedAt: updated(),
    publicationId: bigint('publication_id', { mode: 'number' }).references(() => publications.id),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('results_task_department_version_idx').on(t.taskId, t.departmentCode, t.version),
    uniqueIndex('results_one_pending_idx').on(t.taskId, t.departmentCode).where(sql`publication_id is null`),
    index('results_publication_idx').on(t.publicationId),
    check('results_mode_check', sql`${t.mode} IS NULL OR ${t.mode} IN ('onsite', 'written', 'online', 'third-party')`),
  ],
);

/** Every change to a result (audit trail): who, when, and the values after the change. Append-only. */
export const resultHistory = pgTable(
  'result_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    resultId: bigint('result_id', { mode: 'number' })
      .notNull()
      .references(() => results.id),
    taskId: bigint('task_id', { mode: 'number' })
      .notNull()
      .references(() => tasks.id),
    departmentCode: text('department_code').notNull(),
    version: integer('version').notNull(),
    /** created | amended | correction */
    action: text('action').notNull(),
    values: jsonb('values').notNull(),
    changedBy: text('changed_by').notNull(),
    changedByInspector: text('changed_by_inspector'),
    changedAt: timestamp('changed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('result_history_task_idx').on(t.taskId, t.id)],
);

/** Public holidays and adjusted working days (调休); every other day follows Monday–Friday. */
export const calendarDays = pgTable('calendar_days', {
  date: date('date').primaryKey(),
  /** holiday | workday */
  kind: text('kind').notNull(),
  name: text('name').notNull(),
  builtin: boolean('builtin').notNull().default(false),
  updatedBy: text('updated_by'),
  updatedAt: updated(),
});

/**
 * Rate-limit counters (src/domain/ratelimit), shared by every service instance on the database. One row per
 * bucket and client address: its window ends at `expires_at`. UNLOGGED on PostgreSQL (migration 0010): counters
 * are worth no WAL and may be lost in a crash.
 */
export const rateLimitHits = pgTable('rate_limit_hits', {
  key: text('key').primaryKey(),
  count: integer('count').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/* ─── Grade reviews (复核) ──────────────────────────────────────────────────────────────────────────── */

export type GradeReviewKind = 'gap' | 'violation';
export type GradeReviewOutcome = 'confirmed' | 'corrected' | 'dismissed';

/**
 * One reviewed finding of the grade-review list (src/domain/reviews): a gap of two tiers or more between an
 * entity's latest grades in two schemes (scheme_a < scheme_b, with the grades seen then: a new evaluation makes a
 * new finding), or a violation found by a published result while the entity held its scheme's best grade (the
 * result). Reviewed once; never changed.
 */
export const gradeReviews = pgTable(
  'grade_reviews',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').$type<GradeReviewKind>().notNull(),
    entityId: text('entity_id')
      .notNull()
      .references(() => entities.id),
    schemeA: text('scheme_a').notNull(),
    gradeA: text('grade_a').notNull(),
    schemeB: text('scheme_b'),
    gradeB: text('grade_b'),
    resultId: bigint('result_id', { mode: 'number' }).references(() => results.id),
    outcome: text('outcome').$type<GradeReviewOutcome>().notNull(),
    note: text('note').notNull().default(''),
    /** The reviewer's token id, and its label then. */
    reviewedBy: text('reviewed_by').notNull(),
    reviewerLabel: text('reviewer_label'),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    check('grade_reviews_kind_check', sql`${t.kind} IN ('gap', 'violation')`),
    check('grade_reviews_outcome_check', sql`${t.outcome} IN ('confirmed', 'corrected', 'dismissed')`),
    check(
      'grade_reviews_key_check',
      sql`(${t.kind} = 'gap' AND ${t.schemeB} IS NOT NULL AND ${t.gradeB} IS NOT NULL AND ${t.resultId} IS NULL) OR (${t.kind} = 'violation' AND ${t.schemeB} IS NULL AND ${t.resultId} IS NOT NULL)`,
    ),
    uniqueIndex('grade_reviews_gap_idx').on(t.entityId, t.schemeA, t.schemeB, t.gradeA, t.gradeB).where(sql`${t.kind} = 'gap'`),
    uniqueIndex('grade_reviews_violation_idx').on(t.resultId).where(sql`${t.kind} = 'violation'`),
  ],
);

/* ─── Rectification follow-ups (限期整改 → 复查) ──────────────────────────────────────────────────── */

/** 约谈, 移送, 列入经营异常名录 …: what follows a correction that was not made (未整改). */
export type FollowUpOutcome = 'rectified' | 'not-rectified';

/**
 * One follow-up check (复查) per task and department whose latest published result ordered a correction with
 * a deadline (a follow-up action with requiresDeadline, 责令改正): due on that deadline, assigned to the same
 * team. Its outcome is recorded (amendable) and then published into the ledger (`followups.published`), after
 * which a trigger refuses any change. A published correction of the result without such an order cancels an
 * unpublished one.
 */
export const followUps = pgTable(
  'follow_ups',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    taskId: bigint('task_id', { mode: 'number' })
      .notNull()
      .references(() => tasks.id),
    departmentCode: text('department_code').notNull(),
    /** The published result (version) that ordered the correction. */
    resultId: bigint('result_id', { mode: 'number' })
      .notNull()
      .references(() => results.id),
    planId: text('plan_id').notNull(),
    entityId: text('entity_id').notNull(),
    dueOn: date('due_on').notNull(),
    /** The department's members of the task's team: who does the 复查. */
    teamInspectors: text('team_inspectors').array().notNull(),
    status: text('status').$type<'due' | 'recorded' | 'published' | 'cancelled'>().notNull().default('due'),
    checkedOn: date('checked_on'),
    outcome: text('outcome').$type<FollowUpOutcome>(),
    /** For not-rectified: the actions taken (codes, e.g. interview, refer-case, abnormal-list). */
    actions: text('actions').array().notNull().default(sql`'{}'::text[]`),
    findings: text('findings').notNull().default(''),
    recordedBy: text('recorded_by'),
    recordedByInspector: text('recorded_by_inspector'),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }),
    ledgerSeq: bigint('ledger_seq', { mode: 'number' }).references(() => ledger.seq),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    uniqueIndex('follow_ups_task_department_idx').on(t.taskId, t.departmentCode),
    index('follow_ups_status_due_idx').on(t.status, t.dueOn),
    index('follow_ups_entity_idx').on(t.entityId),
    index('follow_ups_ledger_seq_idx').on(t.ledgerSeq),
    index('follow_ups_team_idx').using('gin', t.teamInspectors),
    check('follow_ups_status_check', sql`${t.status} IN ('due', 'recorded', 'published', 'cancelled')`),
    check('follow_ups_outcome_check', sql`${t.outcome} IS NULL OR ${t.outcome} IN ('rectified', 'not-rectified')`),
    check('follow_ups_recorded_check', sql`(${t.status} IN ('recorded', 'published')) = (${t.outcome} IS NOT NULL AND ${t.checkedOn} IS NOT NULL)`),
    check('follow_ups_published_check', sql`(${t.status} = 'published') = (${t.ledgerSeq} IS NOT NULL)`),
  ],
);

/**
 * 行政处罚法 第四十二条 (two or more law-enforcement officers): the inspectors of a result's department on the task's
 * team who signed a version. A version is published only with two; amending a pending version clears them.
 */
export const resultSignatures = pgTable(
  'result_signatures',
  {
    resultId: bigint('result_id', { mode: 'number' })
      .notNull()
      .references(() => results.id),
    inspectorId: text('inspector_id')
      .notNull()
      .references(() => inspectors.id),
    tokenId: text('token_id'),
    signedAt: timestamp('signed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.resultId, t.inspectorId] })],
);

/* ─── Credit commitments (信用承诺, 履约践诺) ─────────────────────────────────────────────────────── */

/**
 * The register of credit commitments an entity made (告知承诺, 信用修复承诺, …), imported from their source system by
 * (source, reference). A commitment plan (filters commitmentsDueFrom/To) draws among the entities with open ones
 * falling due in its window; a published result 已履约 / 未履约 of such a plan sets the outcome, which is exported back.
 */
export const commitments = pgTable(
  'commitments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    source: text('source').notNull(),
    reference: text('reference').notNull(),
    entityId: text('entity_id')
      .notNull()
      .references(() => entities.id),
    kind: text('kind').notNull(),
    madeOn: date('made_on').notNull(),
    /** The end of the commitment's period: it is checked by then. */
    checkBy: date('check_by').notNull(),
    status: text('status').$type<'open' | 'fulfilled' | 'unfulfilled'>().notNull().default('open'),
    outcomeResultId: bigint('outcome_result_id', { mode: 'number' }).references(() => results.id),
    outcomePlanId: text('outcome_plan_id'),
    outcomeAt: timestamp('outcome_at', { withTimezone: true, mode: 'date' }),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    uniqueIndex('commitments_source_reference_idx').on(t.source, t.reference),
    index('commitments_due_idx').on(t.status, t.checkBy, t.entityId),
    index('commitments_entity_idx').on(t.entityId),
    check('commitments_status_check', sql`${t.status} IN ('open', 'fulfilled', 'unfulfilled')`),
    check('commitments_dates_check', sql`${t.checkBy} >= ${t.madeOn}`),
    check('commitments_outcome_check', sql`(${t.status} = 'open') = (${t.outcomeResultId} IS NULL)`),
  ],
);
