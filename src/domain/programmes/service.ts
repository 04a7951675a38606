/**
 * Annual programmes (年度抽查工作计划): drafts checked against the directories, publication as the 计划公告 (a
 * `programme.published` ledger entry, after which nothing changes), progress per item and grade, the public
 * read, and what plans need of them (their programme and batch, the preview's budget).
 */
import type { Database, Executor } from '../../db/client.ts';
import type { ProgrammeBatch, ProgrammeStratum, SchemeGrade } from '../../db/schema.ts';
import { chinaDate, isIsoDate } from '../../core/calendar.ts';
import { GradeResolutionError, resolveRatiosBp } from '../../core/grade-schemes.ts';
import { canonicalJson } from '../../core/jcs.ts';
import type {
  ProgrammeInput,
  ProgrammeJson,
  ProgrammePatch,
  ProgrammeRecordJson,
  ProgrammeSummaryJson,
  PublicProgrammeJson,
  PublicProgrammeSummaryJson,
  PublishedLineJson,
} from '../../schemas/programmes.ts';
import { conflict, notFound, unprocessable, type ErrorDetail } from '../errors.ts';
import { appendLedgerEntry, createLedgerRepository } from '../ledger/repository.ts';
import { findGradeScheme, type GradeSchemeRow } from '../plans/repository.ts';
import { lineProgress, plannedStrata, previewBudget, type BudgetWarning, type ProgressLine } from './progress.ts';
import {
  createProgrammeRepository,
  findDepartments,
  findItemInfo,
  planItemsOfProgramme,
  populationByGrade,
  type ItemInfo,
  type LineValues,
  type ProgrammeLineRow,
  type ProgrammeListFilter,
  type ProgrammeRow,
  type ProgrammeValues,
} from './repository.ts';

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type Add = (field: string, message: string) => void;

/** Batches: real dates inside the year, each from ≤ to, in date order and not overlapping. */
function checkBatches(year: number, batches: ProgrammeInput['lines'][number]['batches'], at: string, add: Add): ProgrammeBatch[] {
  const out: ProgrammeBatch[] = [];
  batches.forEach((b, j) => {
    const field = `${at}.batches[${j}]`;
    for (const key of ['from', 'to'] as const) {
      if (!isIsoDate(b[key])) add(`${field}.${key}`, `${b[key]} is not a date (YYYY-MM-DD)`);
      else if (Number(b[key].slice(0, 4)) !== year) add(`${field}.${key}`, `${b[key]} is outside the programme's year ${year}`);
    }
    if (b.from > b.to) add(field, `from ${b.from} is after to ${b.to}`);
    const previous = batches[j - 1];
    if (previous && b.from <= previous.to)
      add(field, `batch ${j + 1} starts on ${b.from}, not after batch ${j} ends (${previous.to}): batches are in date order and do not overlap`);
    out.push({ number: j + 1, from: b.from, to: b.to, title: b.title?.trim() || null });
  });
  return out;
}

interface LineCheck {
  item: ItemInfo | undefined;
  scheme: GradeSchemeRow | null;
  departments: ReadonlySet<string>;
}

function checkLine(input: ProgrammeInput, i: number, c: LineCheck, add: Add): LineValues | null {
  const line = input.lines[i];
  const at = `lines[${i}]`;
  const batches = checkBatches(input.year, line.batches, at, add);
  if (!c.item) {
    add(`${at}.item`, `unknown item ${line.item}`);
    return null;
  }
  if (!c.item.active) add(`${at}.item`, `item ${line.item} is inactive`);
  if (!c.departments.has(c.item.departmentCode)) {
    add(`${at}.item`, `item ${line.item} belongs to department ${c.item.departmentCode}, which is not one of the programme's departments`);
  }
  if (!c.scheme) return null;
  let ratiosBp: Record<string, number> = {};
  try {
    ratiosBp = resolveRatiosBp({ ...c.scheme, grades: c.scheme.grades as SchemeGrade[] }, { ratiosBp: line.ratiosBp, baseRatioBp: line.baseRatioBp });
  } catch (err) {
    if (!(err instanceof GradeResolutionError)) throw err;
    add(`${at}.${err.field}`, err.message);
  }
  return {
    itemCode: line.item,
    gradeScheme: c.scheme.code,
    baseRatioBp: line.baseRatioBp ?? null,
    ratiosBp,
    batches,
    notes: line.notes?.trim() ?? '',
  };
}

/** Checks a complete programme against the directories; one 422 naming every problem, nothing changed. */
export async function validateProgramme(q: Executor, input: ProgrammeInput): Promise<{ values: ProgrammeValues; lines: LineValues[] }> {
  const details: ErrorDetail[] = [];
  const add: Add = (field, message) => details.push({ field, message });
  if (input.title.trim() === '') add('title', 'title must not be blank');
  const known = await findDepartments(q, input.departments);
  input.departments.forEach((d, i) => {
    if (!known.has(d)) add(`departments[${i}]`, `unknown department ${d}`);
  });
  const itemInfo = await findItemInfo(
    q,
    input.lines.map((l) => l.item),
  );
  const schemes = new Map<string, GradeSchemeRow | null>();
  for (const info of itemInfo.values()) if (!schemes.has(info.gradeScheme)) schemes.set(info.gradeScheme, await findGradeScheme(q, info.gradeScheme));
  const departments = new Set(input.departments);
  const seen = new Map<string, number>();
  const lines: LineValues[] = [];
  input.lines.forEach((line, i) => {
    const first = seen.get(line.item);
    if (first !== undefined) add(`lines[${i}].item`, `item ${line.item} has a line already (lines[${first}]): one line per item`);
    seen.set(line.item, first ?? i);
    const item = itemInfo.get(line.item);
    const checked = checkLine(input, i, { item, scheme: item ? (schemes.get(item.gradeScheme) ?? null) : null, departments }, add);
    if (checked) lines.push(checked);
  });
  const owning = new Set([...itemInfo.values()].map((x) => x.departmentCode));
  input.departments.forEach((d, i) => {
    if (known.has(d) && !owning.has(d))
      add(`departments[${i}]`, `department ${d} owns none of the programme's items: give it a line, or leave it out`);
  });
  if (details.length > 0) throw unprocessable(details[0].message, details);
  return {
    values: { year: input.year, title: input.title.trim(), departments: [...departments].sort(byteOrder), notes: input.notes?.trim() ?? '' },
    lines,
  };
}

/** The stored programme as the input it came from (PATCH merges into it, then validates again). */
function toInput(row: ProgrammeRow, lines: ProgrammeLineRow[]): ProgrammeInput {
  return {
    year: row.year,
    title: row.title,
    departments: row.departments,
    notes: row.notes,
    lines: lines.map((l) => ({
      item: l.itemCode,
      ...(l.baseRatioBp === null ? { ratiosBp: l.ratiosBp } : { baseRatioBp: l.baseRatioBp }),
      batches: l.batches.map((b) => ({ from: b.from, to: b.to, ...(b.title === null ? {} : { title: b.title }) })),
      notes: l.notes,
    })),
  };
}

/** Ratios in the scheme's grade order (the JCS of the record sorts them anyway; the API shows them in order). */
const inGradeOrder = (grades: SchemeGrade[], ratios: Record<string, number>) => Object.fromEntries(grades.map((g) => [g.code, ratios[g.code] ?? 0]));

/** Each line's scheme grades (for labels and order), read once per scheme. */
async function schemesOf(q: Executor, lines: ProgrammeLineRow[]): Promise<Map<string, GradeSchemeRow>> {
  const out = new Map<string, GradeSchemeRow>();
  for (const l of lines) {
    if (out.has(l.gradeScheme)) continue;
    const s = await findGradeScheme(q, l.gradeScheme);
    if (s) out.set(l.gradeScheme, s);
  }
  return out;
}

/** A draft's strata from today's directory; a published line's are fixed at publication. */
/** Population per grade by (scheme, target type): lines of one scheme and type share one count of the directory. */
type PopulationCache = Map<string, Promise<Map<string, number>>>;

async function strataOf(
  q: Executor,
  line: ProgrammeLineRow,
  scheme: GradeSchemeRow,
  item: ItemInfo | undefined,
  cache: PopulationCache,
): Promise<ProgrammeStratum[]> {
  if (line.strata) return line.strata;
  const targetType = item?.targetType ?? null;
  const key = JSON.stringify([scheme.code, targetType]);
  let population = cache.get(key);
  if (!population) cache.set(key, (population = populationByGrade(q, scheme.code, scheme.defaultGrade, targetType)));
  return plannedStrata(scheme.grades as SchemeGrade[], line.ratiosBp, await population);
}

/** The lines as published (or as they would be published now, for a draft). */
async function publishedLines(q: Executor, lines: ProgrammeLineRow[]): Promise<PublishedLineJson[]> {
  const schemes = await schemesOf(q, lines);
  const info = await findItemInfo(
    q,
    lines.map((l) => l.itemCode),
  );
  const out: PublishedLineJson[] = [];
  const populations: PopulationCache = new Map();
  for (const l of lines) {
    const scheme = schemes.get(l.gradeScheme)!;
    const item = info.get(l.itemCode);
    out.push({
      item: l.itemCode,
      itemName: item?.name ?? l.itemCode,
      departmentCode: item?.departmentCode ?? '',
      itemKind: item?.kind ?? 'general',
      gradeScheme: l.gradeScheme,
      baseRatioBp: l.baseRatioBp,
      ratiosBp: inGradeOrder(scheme.grades as SchemeGrade[], l.ratiosBp),
      strata: await strataOf(q, l, scheme, item, populations),
      batches: l.batches,
      notes: l.notes,
    });
  }
  return out;
}

/** The record a publication puts in the ledger: the programme as the public reads it. */
function recordOf(row: ProgrammeRow, lines: PublishedLineJson[]): ProgrammeRecordJson {
  return { programmeId: row.id, year: row.year, title: row.title, departments: row.departments, notes: row.notes, lines };
}

/** The published record, read back from its ledger entry: what was published is what is shown. */
async function publishedRecord(q: Executor, row: ProgrammeRow): Promise<{ record: ProgrammeRecordJson; seq: number; hash: string; at: string }> {
  const entry = await createLedgerRepository(q).get(row.ledgerSeq!);
  if (!entry) throw new Error(`programme ${row.id}: its ledger entry ${row.ledgerSeq} is missing`);
  return { record: entry.body as ProgrammeRecordJson, seq: entry.seq, hash: entry.hash, at: entry.at };
}

/** The lines of a programme as shown: as published (from the ledger), or as they would be published now. */
async function linesOf(q: Executor, row: ProgrammeRow, only?: readonly string[]): Promise<PublishedLineJson[]> {
  const keep = <L>(lines: L[], item: (l: L) => string) => (only === undefined ? lines : lines.filter((l) => only.includes(item(l))));
  if (row.status === 'published') return keep((await publishedRecord(q, row)).record.lines, (l) => l.item);
  // a draft's budgets are counted from the directory: only for the lines asked for
  return publishedLines(
    q,
    keep(await createProgrammeRepository(q).lines(q, row.id), (l) => l.itemCode),
  );
}

export function createProgrammeService(database: Pick<Database, 'db'>) {
  const { db } = database;
  const repo = createProgrammeRepository(db);

  async function progressOf(q: Executor, row: ProgrammeRow, lines: PublishedLineJson[], publishedOnly: boolean) {
    const schemes = new Map<string, GradeSchemeRow>();
    for (const l of lines) if (!schemes.has(l.gradeScheme)) schemes.set(l.gradeScheme, (await findGradeScheme(q, l.gradeScheme))!);
    const plans = await repo.plansOf(q, row.id);
    const inspected = await repo.inspected(q, row.id, publishedOnly);
    const progress = lines.map((l) =>
      lineProgress(
        { itemCode: l.item, departmentCode: l.departmentCode, grades: schemes.get(l.gradeScheme)!.grades as SchemeGrade[], strata: l.strata },
        plans,
        inspected,
      ),
    );
    return { plans, progress, schemes };
  }

  async function get(id: string): Promise<ProgrammeJson> {
    const row = await repo.row(db, id);
    if (!row) throw notFound(`no programme ${id}`);
    const lines = await linesOf(db, row);
    const { plans, progress } = await progressOf(db, row, lines, false);
    return {
      id: row.id,
      year: row.year,
      title: row.title,
      status: row.status,
      departments: row.departments,
      notes: row.notes,
      lines,
      createdBy: row.createdBy,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      publishedAt: row.publishedAt?.toISOString() ?? null,
      ledgerSeq: row.ledgerSeq,
      plans: plans.map(({ strata: _s, ...p }) => p),
      progress,
    };
  }

  async function summaries(rows: ProgrammeRow[]): Promise<ProgrammeSummaryJson[]> {
    const items = await repo.itemsOf(rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      year: r.year,
      title: r.title,
      status: r.status,
      departments: r.departments,
      items: items.get(r.id) ?? [],
      publishedAt: r.publishedAt?.toISOString() ?? null,
    }));
  }

  return {
    get,

    async list(filter: ProgrammeListFilter, limit: number, offset: number) {
      const { rows, total } = await repo.list(filter, limit, offset);
      return { items: await summaries(rows), total };
    },

    async create(input: ProgrammeInput, createdBy: string | null): Promise<ProgrammeJson> {
      const { values, lines } = await validateProgramme(db, input);
      return get(await repo.create(values, lines, createdBy));
    },

    /** Changes a draft (validated like a new one); 409 once published. Lines given replace all lines. */
    async patch(id: string, patch: ProgrammePatch): Promise<ProgrammeJson> {
      const row = await repo.row(db, id);
      if (!row) throw notFound(`no programme ${id}`);
      if (row.status !== 'draft') throw conflict(`programme ${id} is published: its 计划公告 is in the ledger and cannot change`);
      const merged: ProgrammeInput = { ...toInput(row, await repo.lines(db, id)) };
      for (const [k, v] of Object.entries(patch)) if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
      const { values, lines } = await validateProgramme(db, merged);
      await checkPlansStillFit(db, id, lines);
      await repo.update(id, values, lines);
      return get(id);
    },

    /**
     * Publishes the 计划公告: checks the draft again, fixes each line's strata from today's directory, and
     * appends `programme.published` — one transaction. Publishing twice is refused (409).
     */
    async publish(id: string, actor: { tokenId: string | null }): Promise<ProgrammeJson> {
      await db.transaction(async (tx) => {
        const row = await repo.row(tx, id, true);
        if (!row) throw notFound(`no programme ${id}`);
        if (row.status !== 'draft') throw conflict(`programme ${id} is published already (ledger entry ${row.ledgerSeq})`);
        const stored = await repo.lines(tx, id);
        await validateProgramme(tx, toInput(row, stored));
        const lines = await publishedLines(tx, stored);
        const at = new Date();
        const body = recordOf(row, lines);
        const entry = await appendLedgerEntry(tx, {
          kind: 'programme.published',
          planId: id,
          at: at.toISOString(),
          body,
          bodyJson: canonicalJson(body),
        });
        await repo.markPublished(tx, id, new Map(lines.map((l) => [l.item, l.strata])), { seq: entry.seq, at, by: actor.tokenId });
      });
      return get(id);
    },

    async publicList(limit: number, offset: number): Promise<{ items: PublicProgrammeSummaryJson[]; total: number }> {
      const { rows, total } = await repo.list({ status: 'published' }, limit, offset);
      const names = await findDepartments(db, [...new Set(rows.flatMap((r) => r.departments))]);
      const items = (await summaries(rows)).map((s) => ({
        id: s.id,
        year: s.year,
        title: s.title,
        departments: s.departments.map((code) => ({ code, name: names.get(code) ?? code })),
        items: s.items,
        publishedAt: s.publishedAt!,
      }));
      return { items, total };
    },

    /** A published programme as the public reads it: the record, its public plans, progress without grade leaks. 404 for drafts. */
    async publicGet(id: string): Promise<PublicProgrammeJson> {
      const row = await repo.row(db, id);
      if (row?.status !== 'published') throw notFound(`no published programme ${id}`);
      const published = await publishedRecord(db, row);
      const { plans, progress, schemes } = await progressOf(db, row, published.record.lines, true);
      const names = await findDepartments(db, row.departments);
      return {
        id: row.id,
        year: row.year,
        title: row.title,
        departments: row.departments.map((code) => ({ code, name: names.get(code) ?? code })),
        notes: row.notes,
        publishedAt: published.at,
        record: published.record,
        ledger: { seq: published.seq, hash: published.hash, at: published.at },
        plans: plans.filter((p) => p.status !== 'draft').map(({ strata: _s, ...p }) => p),
        progress: progress.map((p, i) => {
          // Published results per grade would tie published entities to grades the scheme keeps private.
          const gradesPublic = Boolean(schemes.get(published.record.lines[i].gradeScheme)?.public);
          return { ...p, gradesPublic, grades: p.grades.map((g) => ({ ...g, inspected: gradesPublic ? g.inspected : null })) };
        }),
      };
    },
  };
}

/** A draft's new lines must keep every plan already naming the programme valid (its items and batch). */
async function checkPlansStillFit(q: Executor, id: string, lines: LineValues[]): Promise<void> {
  const byItem = new Map(lines.map((l) => [l.itemCode, l]));
  const details: ErrorDetail[] = [];
  for (const plan of await planItemsOfProgramme(q, id)) {
    for (const item of plan.items) {
      const line = byItem.get(item);
      if (!line) details.push({ field: 'lines', message: `plan ${plan.id} draws item ${item}: the programme must keep a line for it` });
      else if (line.batches.length < plan.batch)
        details.push({ field: 'lines', message: `plan ${plan.id} is batch ${plan.batch} of item ${item}: keep that batch` });
    }
  }
  if (details.length > 0) throw unprocessable(details[0].message, details);
}

// ─── What plans need of programmes ─────────────────────────────────────────────────────────────────

/** The programme and lines a plan names, for its checks (null when the programme does not exist). */
export async function programmeForPlan(q: Executor, id: string): Promise<{ row: ProgrammeRow; lines: ProgrammeLineRow[] } | null> {
  const repo = createProgrammeRepository(q);
  const row = await repo.row(q, id);
  return row ? { row, lines: await repo.lines(q, id) } : null;
}

export interface PlanLinkInput {
  items: string[];
  programme: string | null;
  batch: number | null;
  window: { from: string; to: string } | null;
}

/** Checks a plan's programme and batch: both or neither, every item a line, the batch in every line, the window inside it. */
export async function checkPlanProgramme(q: Executor, plan: PlanLinkInput, add: Add): Promise<void> {
  if (plan.programme === null && plan.batch === null) return;
  if (plan.programme === null) return add('programme', 'a batch belongs to a programme: give programme too');
  if (plan.batch === null) return add('batch', `give the batch (第 n 批) of programme ${plan.programme} the plan draws`);
  const found = await programmeForPlan(q, plan.programme);
  if (!found) return add('programme', `unknown programme ${plan.programme}`);
  const byItem = new Map(found.lines.map((l) => [l.itemCode, l]));
  const batch = plan.batch;
  for (const [i, code] of plan.items.entries()) {
    const line = byItem.get(code);
    const window = line?.batches[batch - 1];
    if (!line) add(`items[${i}]`, `item ${code} is not a line of programme ${plan.programme}`);
    else if (!window) add('batch', `programme ${plan.programme} plans ${line.batches.length} batch(es) of item ${code}, not ${batch}`);
    else if (plan.window && (plan.window.from < window.from || plan.window.to > window.to)) {
      add('window', `the window ${plan.window.from}–${plan.window.to} is not inside batch ${batch} of item ${code} (${window.from}–${window.to})`);
    }
  }
}

/** Commit and preview: a plan of a programme draws only once its 计划公告 is published. */
export async function programmeDraftProblem(q: Executor, programmeId: string | null): Promise<string | null> {
  if (programmeId === null) return null;
  const found = await programmeForPlan(q, programmeId);
  if (found?.row.status === 'published') return null;
  return `programme ${programmeId} is not published: publish its 计划公告 before a plan of it is committed`;
}

/**
 * A preview's share of the programme's budget per item and grade, and its warnings: beyond the annual budget,
 * outside the batch's dates, or the programme still a draft.
 */
export async function planBudget(
  q: Executor,
  plan: { id: string; items: string[]; programmeId: string | null; batch: number | null },
  drawnByGrade: Map<string, number>,
  now: Date,
): Promise<{ budget: ReturnType<typeof previewBudget>['budget'] | null; warnings: BudgetWarning[] }> {
  if (plan.programmeId === null || plan.batch === null) return { budget: null, warnings: [] };
  const found = await programmeForPlan(q, plan.programmeId);
  if (!found) return { budget: null, warnings: [] };
  const lines = await linesOf(q, found.row, plan.items);
  const schemes = new Map<string, SchemeGrade[]>();
  for (const l of lines)
    if (!schemes.has(l.gradeScheme)) schemes.set(l.gradeScheme, ((await findGradeScheme(q, l.gradeScheme))?.grades ?? []) as SchemeGrade[]);
  const progressLines: ProgressLine[] = lines.map((l) => ({
    itemCode: l.item,
    departmentCode: l.departmentCode,
    grades: schemes.get(l.gradeScheme)!,
    strata: l.strata,
  }));
  const others = (await createProgrammeRepository(q).plansOf(q, plan.programmeId)).filter((p) => p.id !== plan.id);
  const { budget, warnings } = previewBudget({ id: plan.programmeId, batch: plan.batch }, progressLines, others, drawnByGrade);
  const today = chinaDate(now);
  for (const l of found.lines.filter((x) => plan.items.includes(x.itemCode))) {
    const b = l.batches[plan.batch - 1];
    if (b && (today < b.from || today > b.to)) {
      warnings.push({ code: 'outside_batch', message: `today (${today}) is outside batch ${plan.batch} of item ${l.itemCode} (${b.from}–${b.to})` });
    }
  }
  if (found.row.status !== 'published') {
    warnings.push({
      code: 'programme_draft',
      message: `programme ${plan.programmeId} is a draft: a commit is refused until its 计划公告 is published`,
    });
  }
  return { budget, warnings };
}
