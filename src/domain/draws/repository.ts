/**
 * Commits, draws and voids in the database: the rows each step writes and the reads of what it froze.
 * SQL only. Every function runs on the executor it is given (the step's transaction, which has locked
 * the plan row first).
 */
import { eq, sql } from 'drizzle-orm';
import { execRows, jsonValue, type Executor } from '../../db/client.ts';
import { ledger, planCommits, planDraws, plans, planVoids } from '../../db/schema.ts';
import type { InspectorRef, TaskAssignment } from '../../core/draw/types.ts';
import type { CommitRecord } from '../../core/replay.ts';

export type SnapshotFile = 'entities' | 'inspectors' | 'recusals';
const SNAPSHOT_COLUMN: Record<SnapshotFile, string> = { entities: 'entity_snapshot', inspectors: 'inspector_snapshot', recusals: 'recusal_snapshot' };

// ─── Commit ──────────────────────────────────────────────────────────────────────────────────────

/** The commit's record and the Idempotency-Key that made it, or null before the commit. */
export async function findCommit(q: Executor, planId: string): Promise<{ record: CommitRecord; key: string | null } | null> {
  const [done] = await q
    .select({ record: planCommits.record, key: planCommits.idempotencyKey })
    .from(planCommits)
    .where(eq(planCommits.planId, planId));
  return done ? { record: jsonValue<CommitRecord>(done.record), key: done.key } : null;
}

export interface CommitRow {
  planId: string;
  serverSeed: string;
  record: CommitRecord;
  files: { entitySnapshot: string; inspectorSnapshot: string; recusalSnapshot: string };
  idempotencyKey: string | null;
  committedBy: string | null;
  committedAt: Date;
  /** The record's entropyAt (records rev 2). */
  entropyAt: Date;
}

/** Stores the commit: its secret seed, the three files and the record. */
export async function insertCommit(q: Executor, c: CommitRow): Promise<void> {
  await q.insert(planCommits).values({
    planId: c.planId,
    serverSeed: c.serverSeed,
    commitment: c.record.commitment,
    // sent as text and encoded by the database: half the bytes of a hex-encoded bytea parameter
    entitySnapshot: sql`convert_to(${c.files.entitySnapshot}, 'UTF8')`,
    inspectorSnapshot: sql`convert_to(${c.files.inspectorSnapshot}, 'UTF8')`,
    recusalSnapshot: sql`convert_to(${c.files.recusalSnapshot}, 'UTF8')`,
    record: sql`${JSON.stringify(c.record)}::json`,
    idempotencyKey: c.idempotencyKey,
    committedBy: c.committedBy,
    committedAt: c.committedAt,
    entropyAt: c.entropyAt,
  });
}

/** A plan becomes committed with the ratios and team sizes it was committed with. */
export async function markCommitted(
  q: Executor,
  planId: string,
  params: { ratiosBp: Record<string, number>; inspectorsPerTask: Record<string, number> },
  at: Date,
) {
  await q
    .update(plans)
    .set({ status: 'committed', ...params, updatedAt: at })
    .where(eq(plans.id, planId));
}

/** The server seed, the commitment to it and the announced entropyAt (null for a revision-1 commit). */
export async function commitSeed(q: Executor, planId: string): Promise<{ serverSeed: string; commitment: string; entropyAt: Date | null }> {
  const [c] = await q
    .select({ serverSeed: planCommits.serverSeed, commitment: planCommits.commitment, entropyAt: planCommits.entropyAt })
    .from(planCommits)
    .where(eq(planCommits.planId, planId));
  return c;
}

/** What the draw runs on: the seed, the commit record and the three files (as text: the bytes travel once, not hex-encoded). */
export async function committedFiles(q: Executor, planId: string) {
  const [c] = await execRows<{ server_seed: string; record: unknown; e: string; i: string; r: string }>(
    q,
    sql`SELECT server_seed, record, convert_from(entity_snapshot, 'UTF8') AS e, convert_from(inspector_snapshot, 'UTF8') AS i,
               convert_from(recusal_snapshot, 'UTF8') AS r
          FROM plan_commits WHERE plan_id = ${planId}`,
  );
  return {
    serverSeed: c.server_seed,
    commit: jsonValue<CommitRecord>(c.record),
    files: { entitySnapshot: c.e, inspectorSnapshot: c.i, recusalSnapshot: c.r },
  };
}

// ─── Draw ────────────────────────────────────────────────────────────────────────────────────────

export type DrawRow = typeof planDraws.$inferSelect;

export async function findDraw(q: Executor, planId: string): Promise<DrawRow | null> {
  const [done] = await q.select().from(planDraws).where(eq(planDraws.planId, planId));
  return done ?? null;
}

/** The `at` and stored body text of a ledger entry. */
export async function ledgerEntryText(q: Executor, seq: number): Promise<{ at: string; body: string }> {
  const [entry] = await q.select({ at: ledger.at, body: ledger.body }).from(ledger).where(eq(ledger.seq, seq));
  return entry;
}

/** Whether the scheme is public, and each grade's inspection mode. */
export async function schemeModes(q: Executor, code: string): Promise<{ public: boolean; modes: Map<string, string> }> {
  const [scheme] = await execRows<{ public: boolean; grades: unknown }>(q, sql`SELECT public, grades FROM grade_schemes WHERE code = ${code}`);
  return { public: Boolean(scheme.public), modes: new Map(jsonValue<{ code: string; mode: string }[]>(scheme.grades).map((g) => [g.code, g.mode])) };
}

/** How many of these inspector ids the directory has. */
export async function countKnownInspectors(q: Executor, ids: readonly string[]): Promise<number> {
  const [known] = await execRows<{ n: number | string }>(
    q,
    sql`SELECT count(*) AS n FROM inspectors WHERE id = ANY(string_to_array(${ids.join(',')}, ','))`,
  );
  return Number(known.n);
}

/**
 * Tasks with their teams, one INSERT per batch. Columns travel as comma-joined lists and each team as
 * "member|member|…" (ids, codes and grades never contain commas or bars: the snapshot formats forbid
 * them), which PostgreSQL splits with string_to_array and unnest — much cheaper than JSON or a
 * parameter per value.
 */
export async function insertTasks(q: Executor, planId: string, tasks: TaskAssignment[], modeOf: (grade: string) => string, batchSize: number) {
  const list = (values: (string | number)[]) => values.join(',');
  const batches: Promise<unknown>[] = [];
  // All batches are sent at once: on PostgreSQL they queue on the transaction's connection, so the
  // server never waits for this process between them.
  for (let start = 0; start < tasks.length; start += batchSize) {
    const batch = tasks.slice(start, start + batchSize);
    batches.push(
      q
        .execute(
          sql`INSERT INTO tasks (plan_id, seq, entity_id, grade, mode, team_departments, team_inspectors)
          SELECT ${planId}, u.seq, u.entity_id, u.grade, u.mode, string_to_array(u.departments, '|'), string_to_array(u.inspectors, '|')
            FROM unnest(string_to_array(${list(batch.map((t) => t.seq))}, ',')::int[],
                        string_to_array(${list(batch.map((t) => t.entityId))}, ','),
                        string_to_array(${list(batch.map((t) => t.grade))}, ','),
                        string_to_array(${list(batch.map((t) => modeOf(t.grade)))}, ','),
                        string_to_array(${list(batch.map((t) => t.inspectors.map((m) => m.departmentCode).join('|')))}, ','),
                        string_to_array(${list(batch.map((t) => t.inspectors.map((m) => m.inspectorId).join('|')))}, ','))
                 AS u(seq, entity_id, grade, mode, departments, inspectors)`,
        )
        .then(() => undefined),
    );
  }
  await Promise.all(batches);
}

export async function markDrawn(q: Executor, planId: string, at: Date) {
  await q.update(plans).set({ status: 'drawn', updatedAt: at }).where(eq(plans.id, planId));
}

export async function insertDraw(q: Executor, row: typeof planDraws.$inferInsert) {
  await q.insert(planDraws).values(row);
}

// ─── Void ────────────────────────────────────────────────────────────────────────────────────────

export async function findVoid(q: Executor, planId: string) {
  const [v] = await q.select().from(planVoids).where(eq(planVoids.planId, planId));
  return v ?? null;
}

export async function insertVoid(q: Executor, row: typeof planVoids.$inferInsert) {
  await q.insert(planVoids).values(row);
}

export async function markVoided(q: Executor, planId: string, at: Date) {
  await q.update(plans).set({ status: 'voided', updatedAt: at }).where(eq(plans.id, planId));
}

// ─── Records for auditors ────────────────────────────────────────────────────────────────────────

/** A committed plan's status, commit record, `plan.drawn` entry and void; null for a draft or no plan. */
export async function fullRecordRow(q: Executor, planId: string) {
  const [p] = await execRows<{
    status: string;
    commit_record: unknown;
    draw_body: unknown;
    drawn_at: string | null;
    grades_public: boolean | null;
    void_reason: string | null;
    voided_at: Date | string | null;
    server_seed: string;
  }>(
    q,
    sql`SELECT p.status, c.record AS commit_record, l.body AS draw_body, l.at AS drawn_at, d.grades_public,
               v.reason AS void_reason, v.voided_at, c.server_seed
          FROM plans p JOIN plan_commits c ON c.plan_id = p.id
          LEFT JOIN plan_draws d ON d.plan_id = p.id
          LEFT JOIN ledger l ON l.seq = d.ledger_seq
          LEFT JOIN plan_voids v ON v.plan_id = p.id
         WHERE p.id = ${planId}`,
  );
  if (!p) return null;
  return {
    status: p.status,
    commit: jsonValue<CommitRecord>(p.commit_record),
    drawEntry: p.draw_body !== null && p.draw_body !== undefined && p.drawn_at !== null ? { body: p.draw_body, at: p.drawn_at } : null,
    gradesPublic: Boolean(p.grades_public),
    void:
      p.void_reason !== null && p.voided_at !== null ? { reason: p.void_reason, voidedAt: new Date(p.voided_at), serverSeed: p.server_seed } : null,
  };
}

/** A batch of a plan's tasks in seq order after `afterSeq`, as task-file lines (spec §5), at most `limit`. */
export async function taskLines(q: Executor, planId: string, afterSeq: number, limit: number): Promise<TaskFileLine[]> {
  // Teams travel as "a|b|…" (ids and codes never contain a bar), the same as insertTasks writes them.
  const rows = await execRows<{ seq: number; entity_id: string; grade: string; departments: string; inspectors: string }>(
    q,
    sql`SELECT seq, entity_id, grade, array_to_string(team_departments, '|') AS departments, array_to_string(team_inspectors, '|') AS inspectors
          FROM tasks WHERE plan_id = ${planId} AND seq > ${afterSeq} ORDER BY seq LIMIT ${limit}`,
  );
  return rows.map((r) => {
    const departments = r.departments === '' ? [] : r.departments.split('|');
    const inspectors = r.inspectors === '' ? [] : r.inspectors.split('|');
    return {
      seq: Number(r.seq),
      entityId: r.entity_id,
      grade: r.grade,
      inspectors: inspectors.map((inspectorId, i) => ({ departmentCode: departments[i], inspectorId })),
    };
  });
}

export interface TaskFileLine {
  seq: number;
  entityId: string;
  grade: string;
  inspectors: InspectorRef[];
}

/** seq → grade of a plan's tasks. */
export async function taskGrades(q: Executor, planId: string): Promise<Map<number, string>> {
  const rows = await execRows<{ seq: number; grade: string }>(q, sql`SELECT seq, grade FROM tasks WHERE plan_id = ${planId} ORDER BY seq`);
  return new Map(rows.map((r) => [Number(r.seq), r.grade]));
}

/** A snapshot file's length in bytes and the commit record (for its digest), or null without a commit. */
export async function snapshotInfo(q: Executor, planId: string, file: SnapshotFile): Promise<{ length: number; record: CommitRecord } | null> {
  const [info] = await execRows<{ length: number | string; record: unknown }>(
    q,
    sql`SELECT octet_length(${sql.raw(SNAPSHOT_COLUMN[file])}) AS length, record FROM plan_commits WHERE plan_id = ${planId}`,
  );
  return info ? { length: Number(info.length), record: jsonValue<CommitRecord>(info.record) } : null;
}

/** `size` bytes of a snapshot file from byte `offset` (1-based, as SQL's substring). */
export async function snapshotSlice(q: Executor, planId: string, file: SnapshotFile, offset: number, size: number): Promise<Uint8Array> {
  const [r] = await execRows<{ part: Uint8Array }>(
    q,
    sql`SELECT substring(${sql.raw(SNAPSHOT_COLUMN[file])} FROM ${offset} FOR ${size}) AS part FROM plan_commits WHERE plan_id = ${planId}`,
  );
  return r.part;
}
