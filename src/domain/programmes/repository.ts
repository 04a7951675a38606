/** Annual programmes (年度抽查工作计划) in the database: drafts and their lines, publication, and the counts of their plans. */
import { and, arrayContains, asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import { execRows, jsonValue, type Executor } from '../../db/client.ts';
import { departments, items, plans, programmeLines, programmes, type ProgrammeBatch, type ProgrammeStratum } from '../../db/schema.ts';
import type { CommitRecord } from '../../core/replay.ts';
import { conflict, notFound } from '../errors.ts';

export type ProgrammeRow = typeof programmes.$inferSelect;
export type ProgrammeLineRow = typeof programmeLines.$inferSelect;
export type ProgrammeStatus = ProgrammeRow['status'];

/** A validated programme, ready to store. */
export interface ProgrammeValues {
  year: number;
  title: string;
  departments: string[];
  notes: string;
}

/** A validated line (position = its index in the programme). */
export interface LineValues {
  itemCode: string;
  gradeScheme: string;
  baseRatioBp: number | null;
  ratiosBp: Record<string, number>;
  batches: ProgrammeBatch[];
  notes: string;
}

export interface ProgrammeListFilter {
  status?: ProgrammeStatus;
  year?: number;
  department?: string;
}

/** A plan of a programme, with its commit record's strata once committed. */
export interface ProgrammePlanRow {
  id: string;
  title: string;
  status: string;
  batch: number;
  items: string[];
  strata: CommitRecord['strata'] | null;
}

/** Drawn tasks of a programme's plans with a result of a department, by plan and grade. */
export interface InspectedRow {
  planId: string;
  grade: string;
  departmentCode: string;
  n: number;
}

/** PROG-<year>-<n>: the programme's year, n from a database sequence (never reset). */
async function nextProgrammeId(q: Executor, year: number): Promise<string> {
  const [row] = await execRows<{ n: number | string }>(q, sql`SELECT nextval('programme_number_seq') AS n`);
  return `PROG-${year}-${String(row.n).padStart(4, '0')}`;
}

const lineRows = (programmeId: string, lines: LineValues[]) => lines.map((l, position) => ({ programmeId, position, ...l }));

export function createProgrammeRepository(db: Executor) {
  return {
    async row(q: Executor, id: string, forUpdate = false): Promise<ProgrammeRow | null> {
      const query = q.select().from(programmes).where(eq(programmes.id, id));
      const [row] = forUpdate ? await query.for('update') : await query;
      return row ?? null;
    },

    lines: (q: Executor, id: string): Promise<ProgrammeLineRow[]> =>
      q.select().from(programmeLines).where(eq(programmeLines.programmeId, id)).orderBy(asc(programmeLines.position)),

    async create(values: ProgrammeValues, lines: LineValues[], createdBy: string | null): Promise<string> {
      return db.transaction(async (tx) => {
        const id = await nextProgrammeId(tx, values.year);
        await tx.insert(programmes).values({ id, ...values, createdBy });
        await tx.insert(programmeLines).values(lineRows(id, lines));
        return id;
      });
    },

    /** Replaces a draft's fields and lines; 409 once it is published. */
    async update(id: string, values: ProgrammeValues, lines: LineValues[]): Promise<void> {
      await db.transaction(async (tx) => {
        const [current] = await tx.select().from(programmes).where(eq(programmes.id, id)).for('update');
        if (!current) throw notFound(`no programme ${id}`);
        if (current.status !== 'draft') throw conflict(`programme ${id} is published: its 计划公告 is in the ledger and cannot change`);
        await tx
          .update(programmes)
          .set({ ...values, updatedAt: new Date() })
          .where(eq(programmes.id, id));
        await tx.delete(programmeLines).where(eq(programmeLines.programmeId, id));
        await tx.insert(programmeLines).values(lineRows(id, lines));
      });
    },

    /** Fixes each line's strata, then marks the programme published with its ledger entry (caller's transaction). */
    async markPublished(
      tx: Executor,
      id: string,
      strata: Map<string, ProgrammeStratum[]>,
      published: { seq: number; at: Date; by: string | null },
    ): Promise<void> {
      for (const [itemCode, s] of strata) {
        await tx
          .update(programmeLines)
          .set({ strata: s })
          .where(and(eq(programmeLines.programmeId, id), eq(programmeLines.itemCode, itemCode)));
      }
      await tx
        .update(programmes)
        .set({ status: 'published', ledgerSeq: published.seq, publishedAt: published.at, publishedBy: published.by, updatedAt: published.at })
        .where(eq(programmes.id, id));
    },

    async list(filter: ProgrammeListFilter, limit: number, offset: number): Promise<{ rows: ProgrammeRow[]; total: number }> {
      const where = and(
        filter.status ? eq(programmes.status, filter.status) : undefined,
        filter.year ? eq(programmes.year, filter.year) : undefined,
        filter.department ? arrayContains(programmes.departments, [filter.department]) : undefined,
      );
      const rows = await db.select().from(programmes).where(where).orderBy(desc(programmes.year), desc(programmes.id)).limit(limit).offset(offset);
      const [{ total }] = await db.select({ total: count() }).from(programmes).where(where);
      return { rows, total };
    },

    /** The item codes of each programme's lines, in line order. */
    async itemsOf(ids: string[]): Promise<Map<string, string[]>> {
      if (ids.length === 0) return new Map();
      const rows = await db
        .select({ id: programmeLines.programmeId, item: programmeLines.itemCode })
        .from(programmeLines)
        .where(inArray(programmeLines.programmeId, ids))
        .orderBy(asc(programmeLines.programmeId), asc(programmeLines.position));
      const out = new Map<string, string[]>();
      for (const r of rows) out.set(r.id, [...(out.get(r.id) ?? []), r.item]);
      return out;
    },

    /** The programme's plans (every status), by batch and id, with their commit strata once committed. */
    async plansOf(q: Executor, id: string): Promise<ProgrammePlanRow[]> {
      const rows = await execRows<{ id: string; title: string; status: string; batch: number; items: string[]; record: unknown }>(
        q,
        sql`SELECT p.id, p.title, p.status, p.batch, p.items, c.record
              FROM plans p LEFT JOIN plan_commits c ON c.plan_id = p.id
             WHERE p.programme_id = ${id}
             ORDER BY p.batch, p.id`,
      );
      return rows.map((r) => ({
        id: r.id,
        title: r.title,
        status: r.status,
        batch: Number(r.batch),
        items: r.items,
        strata: r.record ? jsonValue<CommitRecord>(r.record).strata : null,
      }));
    },

    /** Tasks of the programme's drawn plans with a result (only published ones with `publishedOnly`), per plan, grade and department. */
    async inspected(q: Executor, id: string, publishedOnly: boolean): Promise<InspectedRow[]> {
      const rows = await execRows<{ plan_id: string; grade: string; department_code: string; n: number | string }>(
        q,
        sql`SELECT t.plan_id, t.grade, r.department_code, count(DISTINCT t.id) AS n
              FROM plans p
              JOIN tasks t ON t.plan_id = p.id
              JOIN results r ON r.task_id = t.id
             WHERE p.programme_id = ${id} AND p.status = 'drawn'
               ${publishedOnly ? sql`AND r.publication_id IS NOT NULL` : sql``}
             GROUP BY t.plan_id, t.grade, r.department_code`,
      );
      return rows.map((r) => ({ planId: r.plan_id, grade: r.grade, departmentCode: r.department_code, n: Number(r.n) }));
    },
  };
}

/** Active entities (of the target type, when set) per grade in a scheme: the current grade, else the scheme's default. */
export async function populationByGrade(q: Executor, scheme: string, defaultGrade: string, targetType: string | null): Promise<Map<string, number>> {
  const rows = await execRows<{ grade: string; n: number | string }>(
    q,
    sql`SELECT COALESCE(g.grade, ${defaultGrade}) AS grade, count(*) AS n
          FROM entities e
          LEFT JOIN current_grades g ON g.scheme = ${scheme} AND g.entity_id = e.id
         WHERE e.status = 'active' ${targetType === null ? sql`` : sql`AND e.type = ${targetType}`}
         GROUP BY 1`,
  );
  return new Map(rows.map((r) => [r.grade, Number(r.n)]));
}

/** The departments of these codes that exist, with their names. */
export async function findDepartments(q: Executor, codes: readonly string[]): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map();
  const rows = await q
    .select({ code: departments.code, name: departments.name })
    .from(departments)
    .where(inArray(departments.code, [...codes]));
  return new Map(rows.map((r) => [r.code, r.name]));
}

export type ItemInfo = Pick<typeof items.$inferSelect, 'code' | 'name' | 'departmentCode' | 'gradeScheme' | 'targetType' | 'active' | 'kind'>;

/** The items of these codes that exist. */
export async function findItemInfo(q: Executor, codes: readonly string[]): Promise<Map<string, ItemInfo>> {
  if (codes.length === 0) return new Map();
  const rows = await q
    .select({
      code: items.code,
      name: items.name,
      departmentCode: items.departmentCode,
      gradeScheme: items.gradeScheme,
      targetType: items.targetType,
      active: items.active,
      kind: items.kind,
    })
    .from(items)
    .where(inArray(items.code, [...codes]));
  return new Map(rows.map((r) => [r.code, r]));
}

/** Plans naming this programme (any status): a programme with plans keeps its lines' items. */
export async function planItemsOfProgramme(q: Executor, id: string): Promise<{ id: string; items: string[]; batch: number }[]> {
  const rows = await q.select({ id: plans.id, items: plans.items, batch: plans.batch }).from(plans).where(eq(plans.programmeId, id));
  return rows.map((r) => ({ id: r.id, items: r.items, batch: r.batch ?? 0 }));
}
