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
  customType,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
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

export const items = pgTable('items', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  departmentCode: text('department_code').notNull().references(() => departments.code),
  gradeScheme: text('grade_scheme').notNull().references(() => gradeSchemes.code),
  targetType: text('target_type'),
  legalBasis: text('legal_basis'),
  active: boolean('active').notNull().default(true),
  createdAt: created(),
  updatedAt: updated(),
});

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
    tags: text('tags'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [index('entities_name_idx').on(t.name), index('entities_pool_idx').on(t.status, t.type, t.region)],
);

/** Every evaluation ever imported (history). */
export const gradeEvaluations = pgTable(
  'grade_evaluations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    entityId: text('entity_id').notNull().references(() => entities.id),
    scheme: text('scheme').notNull().references(() => gradeSchemes.code),
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
    entityId: text('entity_id').notNull().references(() => entities.id),
    scheme: text('scheme').notNull().references(() => gradeSchemes.code),
    grade: text('grade').notNull(),
    evaluatedAt: timestamp('evaluated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.scheme, t.entityId] })],
);

export const inspectors = pgTable(
  'inspectors',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    departmentCode: text('department_code').notNull().references(() => departments.code),
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
    inspectorId: text('inspector_id').notNull().references(() => inspectors.id),
    entityId: text('entity_id').notNull().references(() => entities.id),
    reason: text('reason').notNull(),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.inspectorId, t.entityId] }), index('recusals_entity_idx').on(t.entityId)],
);

export const plans = pgTable('plans', {
  id: text('id').primaryKey(),
  title: text('title').notNull(),
  status: text('status').notNull().default('draft'),
  items: text('items').array().notNull(),
  gradeScheme: text('grade_scheme').notNull().references(() => gradeSchemes.code),
  baseRatioBp: integer('base_ratio_bp'),
  ratiosBp: jsonb('ratios_bp').$type<Record<string, number>>().notNull(),
  inspectorsPerTask: jsonb('inspectors_per_task').$type<Record<string, number>>().notNull(),
  filters: jsonb('filters').$type<{ regions?: string[]; types?: string[]; industries?: string[] }>().notNull(),
  cooldownDays: integer('cooldown_days').notNull().default(0),
  entropySource: text('entropy_source').notNull(),
  windowFrom: date('window_from'),
  windowTo: date('window_to'),
  createdBy: text('created_by'),
  createdAt: created(),
  updatedAt: updated(),
});

/** Frozen at commit (spec §1). The snapshot files are kept exactly as serialized. */
export const planCommits = pgTable('plan_commits', {
  planId: text('plan_id').primaryKey().references(() => plans.id),
  serverSeed: text('server_seed').notNull(),
  commitment: text('commitment').notNull(),
  entitySnapshot: bytea('entity_snapshot').notNull(),
  inspectorSnapshot: bytea('inspector_snapshot').notNull(),
  recusalSnapshot: bytea('recusal_snapshot').notNull(),
  record: jsonb('record').notNull(),
  committedAt: timestamp('committed_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export const planDraws = pgTable('plan_draws', {
  planId: text('plan_id').primaryKey().references(() => plans.id),
  publicEntropy: text('public_entropy').notNull(),
  seed: text('seed').notNull(),
  /** The public draw record (spec §5). */
  record: jsonb('record').notNull(),
  idempotencyKey: text('idempotency_key'),
  drawnAt: timestamp('drawn_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export const planVoids = pgTable('plan_voids', {
  planId: text('plan_id').primaryKey().references(() => plans.id),
  reason: text('reason').notNull(),
  voidedBy: text('voided_by'),
  voidedAt: timestamp('voided_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export const tasks = pgTable(
  'tasks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    planId: text('plan_id').notNull().references(() => plans.id),
    seq: integer('seq').notNull(),
    entityId: text('entity_id').notNull().references(() => entities.id),
    grade: text('grade').notNull(),
    mode: text('mode').notNull(),
    status: text('status').notNull().default('assigned'),
    createdAt: created(),
  },
  (t) => [uniqueIndex('tasks_plan_seq_idx').on(t.planId, t.seq), index('tasks_entity_idx').on(t.entityId)],
);

/** A task's team: one row per member, in protocol order. */
export const taskInspectors = pgTable(
  'task_inspectors',
  {
    taskId: bigint('task_id', { mode: 'number' }).notNull().references(() => tasks.id),
    position: integer('position').notNull(),
    departmentCode: text('department_code').notNull(),
    inspectorId: text('inspector_id').notNull().references(() => inspectors.id),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.position] }), index('task_inspectors_inspector_idx').on(t.inspectorId)],
);

/** The append-only hash chain (spec §6). A trigger in the migration rejects UPDATE, DELETE and TRUNCATE. */
export const ledger = pgTable(
  'ledger',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    planId: text('plan_id'),
    /** ISO-8601 text exactly as hashed. */
    at: text('at').notNull(),
    body: jsonb('body').notNull(),
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
    statusCode: integer('status_code').notNull(),
    response: jsonb('response').notNull(),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.route, t.key] })],
);
