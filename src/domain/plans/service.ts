/** Draft plans: their rules (checked against the directories), creation, changes and reads. */
import type { Static } from 'typebox';
import type { Database, Executor } from '../../db/client.ts';
import type { PlanFilters, PlanTargeting, SchemeGrade } from '../../db/schema.ts';
import { GradeResolutionError, resolveRatiosBp } from '../../core/grade-schemes.ts';
import { canonicalJson } from '../../core/jcs.ts';
import { sha256Hex } from '../../core/sha256.ts';
import { witnessNameError } from '../../core/ceremony.ts';
import { MIN_LAW_ENFORCEMENT_OFFICERS } from '../../core/law.ts';
import { isIsoDate } from '../../core/calendar.ts';
import type { Equal } from '../../schemas/common.ts';
import type { PlanInput, PlanJson, PlanPatch, PlanStatus as PlanStatusSchema } from '../../schemas/plans.ts';
import { conflict, notFound, unprocessable, type ErrorDetail } from '../errors.ts';
import { checkPlanProgramme } from '../programmes/service.ts';
import { createPlanRepository, findGradeScheme, findItems, type PlanListFilter, type PlanRow, type PlanValues } from './repository.ts';
import type { PlanStatus } from './status.ts';

// The API's status schema lists exactly the statuses of status.ts.
const _statuses: Equal<Static<typeof PlanStatusSchema>, PlanStatus> = true;

/** 行政处罚法 第四十二条: 执法人员不得少于两人. */
const MIN_INSPECTORS_PER_DEPARTMENT = MIN_LAW_ENFORCEMENT_OFFICERS;

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** An ISO 8601 instant with a time zone (what the schema's date-time admits), or null. */
export function parseInstant(s: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(s)) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

const FILTER_KEYS = ['regions', 'types', 'industries', 'tags', 'licences', 'commitmentKinds'] as const;

function normalizeFilters(f: PlanFilters | undefined): PlanFilters {
  const out: PlanFilters = {};
  for (const key of FILTER_KEYS) {
    const v = f?.[key];
    // An empty list would match nothing; treat it as "no filter" like an absent one.
    if (v && v.length > 0) out[key] = [...new Set(v)].sort(byteOrder);
  }
  if (f?.commitmentsDueFrom !== undefined) out.commitmentsDueFrom = f.commitmentsDueFrom;
  if (f?.commitmentsDueTo !== undefined) out.commitmentsDueTo = f.commitmentsDueTo;
  return out;
}

/** A commitment plan (履约践诺) names its window whole and in order; kinds only with a window. */
function checkCommitmentWindow(f: PlanFilters, add: (field: string, message: string) => void): void {
  const from = f.commitmentsDueFrom;
  const to = f.commitmentsDueTo;
  if ((from === undefined) !== (to === undefined)) {
    add(
      from === undefined ? 'filters.commitmentsDueFrom' : 'filters.commitmentsDueTo',
      'a commitment plan gives both commitmentsDueFrom and commitmentsDueTo',
    );
  } else if (from !== undefined && to !== undefined) {
    if (!isIsoDate(from)) add('filters.commitmentsDueFrom', `${from} is not a date`);
    else if (!isIsoDate(to)) add('filters.commitmentsDueTo', `${to} is not a date`);
    else if (from > to) add('filters.commitmentsDueFrom', `commitmentsDueFrom ${from} is after commitmentsDueTo ${to}`);
  }
  if (f.commitmentKinds && from === undefined)
    add('filters.commitmentKinds', 'commitment kinds narrow a commitment plan: give commitmentsDueFrom and commitmentsDueTo');
}

/**
 * 定向抽查 narrows the pool by conditions (type, region, industry, tags, licences); 不定向抽查 sets none and draws
 * from the whole directory of the items' target type. So a targeted plan has at least one filter and an
 * untargeted one has none. Left out, the targeting follows the filters (plans made before it existed keep working).
 */
function checkTargeting(input: PlanInput, filters: PlanFilters, add: (field: string, message: string) => void): PlanTargeting {
  const given = Object.keys(filters) as (keyof PlanFilters)[];
  const targeting = input.targeting ?? (given.length > 0 ? 'targeted' : 'untargeted');
  if (targeting === 'targeted' && given.length === 0) {
    add('filters', `a targeted plan (定向抽查) needs at least one filter: give one of filters.${FILTER_KEYS.join(', filters.')}`);
  }
  if (targeting === 'untargeted') {
    for (const key of given) {
      add(`filters.${key}`, `an untargeted plan (不定向抽查) draws from the whole directory: drop filters.${key}, or make the plan targeted`);
    }
  }
  return targeting;
}

/** Every department owning an item sends at least two inspectors (行政处罚法 第四十二条); nobody else sends any. */
function checkInspectorsPerTask(
  input: PlanInput,
  departments: ReadonlySet<string>,
  allItemsKnown: boolean,
  add: (field: string, message: string) => void,
): Record<string, number> {
  const inspectorsPerTask: Record<string, number> = {};
  for (const d of [...departments].sort(byteOrder)) {
    const k = input.inspectorsPerTask[d];
    if (k === undefined) {
      add(
        `inspectorsPerTask.${d}`,
        `department ${d} owns an item of the plan and must send inspectors: give inspectorsPerTask.${d} ≥ ${MIN_INSPECTORS_PER_DEPARTMENT}`,
      );
    } else if (k < MIN_INSPECTORS_PER_DEPARTMENT) {
      add(
        `inspectorsPerTask.${d}`,
        `department ${d} sends ${k} inspector(s) per task; 行政处罚法 第四十二条 requires at least ${MIN_INSPECTORS_PER_DEPARTMENT}`,
      );
    } else {
      inspectorsPerTask[d] = k;
    }
  }
  for (const d of Object.keys(input.inspectorsPerTask).sort(byteOrder)) {
    if (!departments.has(d) && allItemsKnown) add(`inspectorsPerTask.${d}`, `department ${d} owns none of the plan's items`);
  }
  return inspectorsPerTask;
}

/**
 * Checks a complete plan against the directories and resolves its ratios. Collects every problem and
 * throws one 422 naming each field; changes nothing.
 */
export async function validatePlan(q: Executor, input: PlanInput): Promise<PlanValues> {
  const details: ErrorDetail[] = [];
  const add = (field: string, message: string) => details.push({ field, message });

  if (input.title.trim() === '') add('title', 'title must not be blank');
  if (input.entropySource.trim() === '') add('entropySource', 'entropySource must name where the public entropy will come from');

  const scheme = await findGradeScheme(q, input.gradeScheme);
  if (!scheme) add('gradeScheme', `unknown grade scheme ${input.gradeScheme}`);

  const byCode = new Map((await findItems(q, input.items)).map((r) => [r.code, r]));
  const departments = new Set<string>();
  const targetTypes = new Set<string>();
  input.items.forEach((code, i) => {
    const item = byCode.get(code);
    if (!item) {
      add(`items[${i}]`, `unknown item ${code}`);
      return;
    }
    if (!item.active) add(`items[${i}]`, `item ${code} is inactive`);
    if (scheme && item.gradeScheme !== scheme.code) {
      add(`items[${i}]`, `item ${code} uses grade scheme ${item.gradeScheme}, the plan uses ${scheme.code}: one plan, one scheme`);
    }
    if (item.targetType) targetTypes.add(item.targetType);
    departments.add(item.departmentCode);
  });
  if (targetTypes.size > 1) {
    add('items', `the items target different entity types (${[...targetTypes].sort(byteOrder).join(', ')}): no entity can match them all`);
  }

  let ratiosBp: Record<string, number> = {};
  if (scheme) {
    try {
      ratiosBp = resolveRatiosBp({ ...scheme, grades: scheme.grades as SchemeGrade[] }, { ratiosBp: input.ratiosBp, baseRatioBp: input.baseRatioBp });
    } catch (err) {
      if (!(err instanceof GradeResolutionError)) throw err;
      add(err.field, err.message);
    }
  }

  const inspectorsPerTask = checkInspectorsPerTask(
    input,
    departments,
    input.items.every((code) => byCode.has(code)),
    add,
  );

  const window = input.window ?? null;
  if (window && window.from > window.to) add('window', `window.from ${window.from} is after window.to ${window.to}`);

  const entropyAt = input.entropyAt ? parseInstant(input.entropyAt) : null;
  if (input.entropyAt && entropyAt === null) add('entropyAt', `entropyAt ${input.entropyAt} is not an ISO 8601 instant with a time zone`);
  const witnesses = (input.witnesses ?? []).map((w) => w.trim());
  witnesses.forEach((w, i) => {
    const problem = witnessNameError(w);
    if (problem !== null) add(`witnesses[${i}]`, problem);
  });
  if (new Set(witnesses).size !== witnesses.length) add('witnesses', 'each witness is named once');

  const filters = normalizeFilters(input.filters);
  checkCommitmentWindow(filters, add);
  const targeting = checkTargeting(input, filters, add);
  const programme = { programme: input.programme ?? null, batch: input.batch ?? null };
  await checkPlanProgramme(q, { items: input.items, ...programme, window }, add);

  if (details.length > 0) throw unprocessable(details[0].message, details);
  return {
    title: input.title.trim(),
    items: input.items,
    departments: [...departments].sort(byteOrder),
    gradeScheme: input.gradeScheme,
    baseRatioBp: input.baseRatioBp ?? null,
    ratiosBp,
    inspectorsPerTask,
    filters,
    targeting,
    cooldownDays: input.cooldownDays ?? 0,
    entropySource: input.entropySource.trim(),
    entropyAt,
    witnesses,
    windowFrom: window?.from ?? null,
    windowTo: window?.to ?? null,
    programmeId: programme.programme,
    batch: programme.batch,
  };
}

/** The stored plan as the input it came from (for PATCH: merge, then validate again). */
export function toInput(row: PlanRow): PlanInput {
  return {
    title: row.title,
    items: row.items,
    gradeScheme: row.gradeScheme,
    ...(row.baseRatioBp === null ? { ratiosBp: row.ratiosBp } : { baseRatioBp: row.baseRatioBp }),
    inspectorsPerTask: row.inspectorsPerTask,
    filters: row.filters,
    targeting: row.targeting,
    cooldownDays: row.cooldownDays,
    entropySource: row.entropySource,
    entropyAt: row.entropyAt?.toISOString() ?? null,
    witnesses: row.witnesses,
    window: row.windowFrom && row.windowTo ? { from: row.windowFrom, to: row.windowTo } : null,
    programme: row.programmeId,
    batch: row.batch,
  };
}

/** A draft with a change applied: given fields replace the stored ones; ratiosBp and baseRatioBp replace each other. */
function merged(row: PlanRow, patch: PlanPatch): PlanInput {
  const out: PlanInput = { ...toInput(row) };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  if (patch.ratiosBp !== undefined && patch.baseRatioBp === undefined) delete out.baseRatioBp;
  if (patch.baseRatioBp !== undefined && patch.ratiosBp === undefined) delete out.ratiosBp;
  // New filters without a targeting: it follows them again, as on creation.
  if (patch.filters !== undefined && patch.targeting === undefined) delete out.targeting;
  // Leaving the programme leaves its batch.
  if (patch.programme === null && patch.batch === undefined) out.batch = null;
  return out;
}

export function createPlanService(database: Pick<Database, 'db'>) {
  const { db } = database;
  const repo = createPlanRepository(db);

  async function get(id: string): Promise<PlanJson> {
    const plan = await repo.get(id);
    if (!plan) throw notFound(`no plan ${id}`);
    return plan;
  }

  return {
    get,

    list: (filter: PlanListFilter, limit: number, offset: number) => repo.list(filter, limit, offset),

    /**
     * Creates a draft. With an Idempotency-Key, a retry with the same body returns the plan it made
     * (`replayed`); the key with another body is refused.
     */
    async create(input: PlanInput, createdBy: string | null, idempotencyKey: string | null): Promise<{ plan: PlanJson; replayed: boolean }> {
      const values = await validatePlan(db, input);
      const idempotency = idempotencyKey === null ? null : { key: idempotencyKey, requestHash: sha256Hex(canonicalJson(input)) };
      const { row, replayed } = await repo.create(values, createdBy, idempotency);
      return { plan: await get(row.id), replayed };
    },

    /** Changes a draft (validated like a new plan); 409 once it is committed. */
    async patch(id: string, patch: PlanPatch): Promise<PlanJson> {
      const current = await repo.row(db, id);
      if (!current) throw notFound(`no plan ${id}`);
      if (current.status !== 'draft') throw conflict(`plan ${id} is ${current.status}: only a draft can be changed`);
      await repo.update(id, await validatePlan(db, merged(current, patch)));
      return get(id);
    },
  };
}
