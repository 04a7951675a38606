/**
 * The life of a plan after its draft: preview, commit, draw, void, and the records they leave.
 *
 * Each step is one transaction that first locks the plan row (SELECT … FOR UPDATE), so concurrent
 * requests — in one process or in several service processes on one PostgreSQL — take turns, and the
 * loser sees the winner's result. A step writes its record, its rows and its ledger entry together or
 * not at all. The protocol itself (serialization, digests, seed, draw, records) is the pure core's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import { jsonValue, execRows, type Database, type Executor, type Tx } from '../../db/client.ts';
import { ledger, planCommits, planDraws, plans, planVoids } from '../../db/schema.ts';
import {
  commitmentOf,
  computeSeed,
  countToDraw,
  drawParsed,
  parseSnapshotFiles,
  publicEntropyError,
  type RunDrawResult,
  type TaskAssignment,
} from '../../core/draw.ts';
import {
  buildCommitRecord,
  buildDrawRecord,
  buildVoidRecord,
  type CommitRecord,
  type DrawRecord,
} from '../../core/replay.ts';
import { conflict, notFound, unprocessable } from '../../domain/errors.ts';
import { appendLedgerEntry, appendLedgerEntryWithText } from '../../domain/ledger/repository.ts';
import { canonicalJson } from '../../core/jcs.ts';
import { createPlanRepository, toInput, validatePlan, type PlanRow } from './repository.ts';
import { buildSnapshots, inspectorLoad, loadPlanContext, type PlanContext, type PlanSpec } from './snapshot.ts';

/** Tasks (with their teams) inserted per statement in a draw. */
const TASK_BATCH = 20_000;
/** Below this overall ratio 企业公示信息抽查办法 is not met (抽查比例不低于 3%). */
const MIN_OVERALL_RATIO = 0.03;

export interface Actor {
  tokenId: string | null;
}

type FullDrawRecord = DrawRecord & { tasks: (DrawRecord['tasks'][number] & { grade: string })[] };


/** The commit record without committedAt (which is the entry's `at`): the body of `plan.committed` (spec §7). */
export function commitLedgerBody(record: CommitRecord): Omit<CommitRecord, 'committedAt'> {
  const { committedAt: _at, ...body } = record;
  return body;
}

/** The public draw record without drawnAt (the entry's `at`), like the commit: the body of `plan.drawn`. */
export function drawLedgerBody(record: DrawRecord): Omit<DrawRecord, 'drawnAt'> {
  const { drawnAt: _at, ...body } = record;
  return body;
}

/** The public draw record from its `plan.drawn` ledger entry: the body plus drawnAt (the entry's `at`). */
export function drawRecordOf(body: unknown, at: string): DrawRecord {
  return { ...jsonValue<Omit<DrawRecord, 'drawnAt'>>(body), drawnAt: at };
}

/**
 * The same record as JSON text, straight from the body's canonical text: a big draw's record is
 * megabytes, and this is what a draw and its idempotent retry answer, byte for byte.
 */
export function drawRecordText(bodyJson: string, at: string): string {
  if (!bodyJson.startsWith('{') || !bodyJson.endsWith('}') || bodyJson.length < 3) throw new Error('a draw body is a non-empty object');
  return `${bodyJson.slice(0, -1)},"drawnAt":${JSON.stringify(at)}}`;
}

function specOf(row: PlanRow): PlanSpec {
  return {
    id: row.id,
    items: row.items,
    gradeScheme: row.gradeScheme,
    ratiosBp: row.ratiosBp,
    inspectorsPerTask: row.inspectorsPerTask,
    filters: row.filters,
    cooldownDays: row.cooldownDays,
  };
}

/** Re-checks a draft against today's directories (items may have moved or gone) and reads its context. */
async function revalidate(q: Executor, row: PlanRow): Promise<PlanContext> {
  const values = await validatePlan(q, toInput(row));
  return loadPlanContext(q, { ...specOf(row), ratiosBp: values.ratiosBp, inspectorsPerTask: values.inspectorsPerTask });
}

const sortedKeys = (o: Record<string, number>) =>
  Object.fromEntries(Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((k) => [k, o[k]]));

export function createPlanService(database: Database, options: { taskBatch?: number } = {}) {
  const taskBatch = options.taskBatch ?? TASK_BATCH;
  const { db } = database;
  const repo = createPlanRepository(db);

  async function lockPlan(tx: Tx, id: string): Promise<PlanRow> {
    const row = await repo.row(tx, id, true);
    if (!row) throw notFound(`no plan ${id}`);
    return row;
  }

  return {
    /** What a commit would freeze right now — without making or revealing any seed, and writing nothing. */
    async preview(id: string) {
      return db.transaction(async (tx) => {
        await tx.execute(sql`SET TRANSACTION READ ONLY`);
        const row = await repo.row(tx, id);
        if (!row) throw notFound(`no plan ${id}`);
        if (row.status !== 'draft') throw conflict(`plan ${id} is ${row.status}: its pool is frozen in the commit record`);
        const ctx = await revalidate(tx, row);
        const now = new Date();
        const build = await buildSnapshots(tx, ctx, now, 20);
        const strata = ctx.scheme.grades.map((g, i) => {
          const s = build.strata[i];
          return { grade: g.code, label: g.label, mode: g.mode, population: s.population, ratioBp: s.ratioBp, drawn: countToDraw(s.ratioBp, s.population) };
        });
        const population = strata.reduce((n, s) => n + s.population, 0);
        const drawn = strata.reduce((n, s) => n + s.drawn, 0);
        const overallRatio = population === 0 ? 0 : drawn / population;
        const inspectors = inspectorLoad(ctx.plan.inspectorsPerTask, build.inspectors, drawn);
        const warnings: { code: string; message: string }[] = [];
        if (population > 0 && overallRatio < MIN_OVERALL_RATIO) {
          warnings.push({
            code: 'below_minimum_ratio',
            message: `the plan draws ${drawn} of ${population} entities (${(overallRatio * 100).toFixed(2)}%), below the 3% floor of 企业公示信息抽查办法`,
          });
        }
        const problems = build.problems;
        return {
          planId: id,
          computedAt: now.toISOString(),
          feasible: problems.length === 0,
          population,
          drawn,
          overallRatio,
          strata,
          inspectors,
          snapshot: { ...build.digests, recusals: build.recusalCount },
          warnings,
          problems,
        };
      });
    },

    /**
     * Freezes the pool, inspectors and recusals (spec §1), makes the server seed and publishes the
     * commitment: the commit record, the three files and a `plan.committed` entry in one transaction.
     */
    async commit(id: string, actor: Actor, idempotencyKey: string | null): Promise<{ statusCode: 200 | 201; record: CommitRecord }> {
      return db.transaction(async (tx) => {
        const row = await lockPlan(tx, id);
        if (idempotencyKey !== null) {
          const [done] = await tx.select({ record: planCommits.record, key: planCommits.idempotencyKey }).from(planCommits).where(eq(planCommits.planId, id));
          if (done && done.key === idempotencyKey) return { statusCode: 200, record: jsonValue<CommitRecord>(done.record) };
        }
        if (row.status !== 'draft') throw conflict(`plan ${id} is ${row.status}: only a draft can be committed`);
        const ctx = await revalidate(tx, row);
        const build = await buildSnapshots(tx, ctx, new Date(), 1);
        const problem = build.problems[0];
        if (problem) {
          const field = problem.departmentCode ? `inspectorsPerTask.${problem.departmentCode}` : problem.code === 'empty_pool' ? 'filters' : 'pool';
          throw unprocessable(`cannot commit plan ${id}: ${problem.message}`, build.problems.map((p) => ({ field, message: p.message })));
        }
        const serverSeed = randomBytes(32).toString('hex');
        const committedAt = new Date();
        const record = buildCommitRecord({
          planId: id,
          commitment: commitmentOf(serverSeed),
          ...build.digests,
          gradeOrder: ctx.gradeOrder,
          strata: build.strata,
          inspectorsPerTask: sortedKeys(ctx.plan.inspectorsPerTask),
          entropySource: row.entropySource,
          committedAt: committedAt.toISOString(),
        });
        await tx.insert(planCommits).values({
          planId: id,
          serverSeed,
          commitment: record.commitment,
          // sent as text and encoded by the database: half the bytes of a hex-encoded bytea parameter
          entitySnapshot: sql`convert_to(${build.entitySnapshot}, 'UTF8')`,
          inspectorSnapshot: sql`convert_to(${build.inspectorSnapshot}, 'UTF8')`,
          recusalSnapshot: sql`convert_to(${build.recusalSnapshot}, 'UTF8')`,
          record: sql`${JSON.stringify(record)}::json`,
          idempotencyKey,
          committedBy: actor.tokenId,
          committedAt,
        });
        await tx
          .update(plans)
          .set({ status: 'committed', ratiosBp: ctx.plan.ratiosBp, inspectorsPerTask: ctx.plan.inspectorsPerTask, updatedAt: committedAt })
          .where(eq(plans.id, id));
        await appendLedgerEntry(tx, { kind: 'plan.committed', planId: id, at: record.committedAt, body: commitLedgerBody(record) });
        return { statusCode: 201, record };
      });
    },

    /**
     * The draw (spec §2–4) with the operator's public entropy: reveals the server seed, creates the
     * tasks and teams and publishes the public draw record as `plan.drawn`. One draw per plan, ever.
     */
    async draw(id: string, publicEntropy: string, actor: Actor, idempotencyKey: string | null): Promise<{ statusCode: 200 | 201; recordJson: string }> {
      const entropyError = publicEntropyError(publicEntropy);
      if (entropyError !== null) throw unprocessable(entropyError, [{ field: 'publicEntropy', message: entropyError }]);
      return db.transaction(async (tx) => {
        const row = await lockPlan(tx, id);
        if (row.status === 'drawn') {
          const [done] = await tx.select().from(planDraws).where(eq(planDraws.planId, id));
          if (idempotencyKey !== null && done?.idempotencyKey === idempotencyKey) {
            if (done.publicEntropy !== publicEntropy) {
              throw unprocessable('this Idempotency-Key was used for a draw with another publicEntropy', [
                { field: 'publicEntropy', message: 'differs from the request that used this Idempotency-Key' },
              ]);
            }
            const [entry] = await tx.select({ at: ledger.at, body: ledger.body }).from(ledger).where(eq(ledger.seq, done.ledgerSeq));
            return { statusCode: 200, recordJson: drawRecordText(entry.body, entry.at) };
          }
          throw conflict(`plan ${id} was already drawn at ${done?.drawnAt.toISOString()}: a plan is drawn once`);
        }
        if (row.status !== 'committed') {
          throw conflict(row.status === 'draft' ? `plan ${id} is a draft: commit it before the draw` : `plan ${id} is voided and can never be drawn`);
        }
        const drawn = await computeDraw(tx, id, row.gradeScheme, publicEntropy);
        const { record, gradesPublic } = drawn;
        const body = drawLedgerBody(record);
        // The database writes the tasks while this process serializes the ledger body (megabytes of JCS).
        const [, bodyJson] = await Promise.all([
          insertTasks(tx, id, drawn.tasks!, drawn.modeOf, taskBatch),
          new Promise<string>((resolve, reject) =>
            setImmediate(() => {
              try {
                resolve(canonicalJson(body));
              } catch (err) {
                reject(err);
              }
            }),
          ),
        ]);
        drawn.tasks = null; // written: the list can go before the ledger's megabytes are sent
        await tx.update(plans).set({ status: 'drawn', updatedAt: new Date(record.drawnAt) }).where(eq(plans.id, id));
        const { entry } = await appendLedgerEntryWithText(tx, { kind: 'plan.drawn', planId: id, at: record.drawnAt, body, bodyJson });
        // The record itself is not stored again: it is the entry's body plus drawnAt (drawRecordOf).
        await tx.insert(planDraws).values({
          planId: id,
          publicEntropy,
          seed: record.seed,
          ledgerSeq: entry.seq,
          gradesPublic,
          idempotencyKey,
          drawnBy: actor.tokenId,
          drawnAt: new Date(record.drawnAt),
        });
        return { statusCode: 201, recordJson: drawRecordText(bodyJson, entry.at) };
      });
    },

    /** Abandons a committed plan before its draw and reveals the server seed, so the commitment can be checked. */
    async void(id: string, reason: string, actor: Actor, idempotencyKey: string | null) {
      if (reason.trim() === '') throw unprocessable('reason must not be blank', [{ field: 'reason', message: 'must not be blank' }]);
      return db.transaction(async (tx) => {
        const row = await lockPlan(tx, id);
        const [c] = await tx.select({ serverSeed: planCommits.serverSeed, commitment: planCommits.commitment }).from(planCommits).where(eq(planCommits.planId, id));
        if (row.status === 'voided' && idempotencyKey !== null) {
          const [v] = await tx.select().from(planVoids).where(eq(planVoids.planId, id));
          if (v?.idempotencyKey === idempotencyKey) {
            if (v.reason !== reason.trim()) {
              throw unprocessable('this Idempotency-Key was used to void with another reason', [{ field: 'reason', message: 'differs from the request that used this Idempotency-Key' }]);
            }
            return { planId: id, status: 'voided' as const, reason: v.reason, serverSeed: c.serverSeed, voidedAt: v.voidedAt.toISOString() };
          }
        }
        if (row.status !== 'committed') {
          const why = {
            draft: 'a draft has no commitment to void; it is simply not committed',
            drawn: 'a drawn plan cannot be voided: its draw is final',
            voided: 'it is already voided',
          }[row.status] ?? row.status;
          throw conflict(`plan ${id} is ${row.status}: ${why}`);
        }
        const voidedAt = new Date();
        const body = buildVoidRecord({ planId: id, reason: reason.trim(), serverSeed: c.serverSeed, commitment: c.commitment });
        await tx.insert(planVoids).values({ planId: id, reason: body.reason, idempotencyKey, voidedBy: actor.tokenId, voidedAt });
        await tx.update(plans).set({ status: 'voided', updatedAt: voidedAt }).where(eq(plans.id, id));
        await appendLedgerEntry(tx, { kind: 'plan.voided', planId: id, at: voidedAt.toISOString(), body });
        return { planId: id, status: 'voided' as const, reason: body.reason, serverSeed: c.serverSeed, voidedAt: voidedAt.toISOString() };
      });
    },

    /** For auditors: the commit record, the full draw record (task grades included) and the void. */
    async fullRecord(id: string) {
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
        db,
        sql`SELECT p.status, c.record AS commit_record, l.body AS draw_body, l.at AS drawn_at, d.grades_public,
                   v.reason AS void_reason, v.voided_at, c.server_seed
              FROM plans p JOIN plan_commits c ON c.plan_id = p.id
              LEFT JOIN plan_draws d ON d.plan_id = p.id
              LEFT JOIN ledger l ON l.seq = d.ledger_seq
              LEFT JOIN plan_voids v ON v.plan_id = p.id
             WHERE p.id = ${id}`,
      );
      if (!p) throw notFound(`no committed plan ${id}`);
      let draw: FullDrawRecord | null = null;
      if (p.draw_body !== null && p.draw_body !== undefined && p.drawn_at !== null) {
        const published = drawRecordOf(p.draw_body, p.drawn_at);
        // A non-public scheme's grades are not in the published record: they come from the tasks.
        const bySeq = new Map<number, string>();
        if (!p.grades_public) {
          const rows = await execRows<{ seq: number; grade: string }>(db, sql`SELECT seq, grade FROM tasks WHERE plan_id = ${id} ORDER BY seq`);
          for (const r of rows) bySeq.set(Number(r.seq), r.grade);
        }
        draw = {
          ...published,
          tasks: published.tasks.map((t) => ({ seq: t.seq, entityId: t.entityId, grade: t.grade ?? bySeq.get(t.seq) ?? '', inspectors: t.inspectors })),
        };
      }
      return {
        planId: id,
        status: p.status as 'committed' | 'drawn' | 'voided',
        commit: jsonValue<CommitRecord>(p.commit_record),
        draw,
        void:
          p.void_reason !== null && p.voided_at !== null
            ? { reason: p.void_reason, serverSeed: p.server_seed, voidedAt: new Date(p.voided_at).toISOString() }
            : null,
      };
    },

    /** A snapshot file, streamed in slices straight from the stored bytes (so its SHA-256 is the digest). */
    async snapshot(id: string, file: 'entities' | 'inspectors' | 'recusals') {
      const column = { entities: 'entity_snapshot', inspectors: 'inspector_snapshot', recusals: 'recusal_snapshot' }[file];
      const digestKey = ({ entities: 'entitySnapshotDigest', inspectors: 'inspectorSnapshotDigest', recusals: 'recusalDigest' } as const)[file];
      const [info] = await execRows<{ length: number | string; record: unknown }>(
        db,
        sql`SELECT octet_length(${sql.raw(column)}) AS length, record FROM plan_commits WHERE plan_id = ${id}`,
      );
      if (!info) throw notFound(`no committed plan ${id}`);
      const length = Number(info.length);
      const SLICE = 4 * 1024 * 1024;
      async function* slices() {
        for (let offset = 1; offset <= length; offset += SLICE) {
          const [r] = await execRows<{ part: Uint8Array }>(
            db,
            sql`SELECT substring(${sql.raw(column)} FROM ${offset} FOR ${SLICE}) AS part FROM plan_commits WHERE plan_id = ${id}`,
          );
          yield Buffer.from(r.part.buffer, r.part.byteOffset, r.part.byteLength);
        }
      }
      return { length, digest: jsonValue<CommitRecord>(info.record)[digestKey], stream: Readable.from(slices()) };
    },
  };
}

/**
 * The draw proper, from the stored commit: the core's runDraw step by step (parse the files, seed,
 * §3–4), with node's native SHA-256 for the digests of the stored bytes (the core's portable one takes
 * ~0.4 s on a million-line file). buildDrawRecord checks commitment, digests, seed and strata against
 * the commit record. Everything big (the files, the parsed pool) stays in here and is garbage after.
 */
async function computeDraw(tx: Tx, id: string, gradeScheme: string, publicEntropy: string) {
  // The files come as text (convert_from): the bytes travel once, not hex-encoded twice over.
  const [c] = await execRows<{ server_seed: string; record: unknown; e: string; i: string; r: string }>(
    tx,
    sql`SELECT server_seed, record, convert_from(entity_snapshot, 'UTF8') AS e, convert_from(inspector_snapshot, 'UTF8') AS i,
               convert_from(recusal_snapshot, 'UTF8') AS r
          FROM plan_commits WHERE plan_id = ${id}`,
  );
  const commit = jsonValue<CommitRecord>(c.record);
  const [scheme] = await execRows<{ public: boolean; grades: unknown }>(tx, sql`SELECT public, grades FROM grade_schemes WHERE code = ${gradeScheme}`);
  const modes = new Map(jsonValue<{ code: string; mode: string }[]>(scheme.grades).map((g) => [g.code, g.mode]));
  const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
  const digests = { entitySnapshotDigest: sha(c.e), inspectorSnapshotDigest: sha(c.i), recusalDigest: sha(c.r) };
  const parsed = parseSnapshotFiles({ entitySnapshot: c.e, inspectorSnapshot: c.i, recusalSnapshot: c.r });
  const seed = computeSeed({ serverSeed: c.server_seed, publicEntropy, ...digests });
  const params = {
    gradeOrder: commit.gradeOrder,
    ratiosBp: Object.fromEntries(commit.strata.map((s) => [s.grade, s.ratioBp])),
    inspectorsPerTask: commit.inspectorsPerTask,
  };
  const result: RunDrawResult = { seed, digests, ...drawParsed(seed, parsed, params) };

  // The team arrays have no foreign keys (bulk speed): check the team members exist, once. (The tasks'
  // entities need no check: they are the snapshot's, read from the directory, which never deletes.)
  const memberIds = [...new Set(parsed.inspectors.map((i) => i.inspectorId))];
  const [known] = await execRows<{ n: number | string }>(
    tx,
    sql`SELECT count(*) AS n FROM inspectors WHERE id = ANY(string_to_array(${memberIds.join(',')}, ','))`,
  );
  if (Number(known.n) !== memberIds.length) throw new Error(`plan ${id}: an inspector of the snapshot is missing from the directory`);
  const gradesPublic = Boolean(scheme.public);
  // The published record: task grades only where the scheme is public (the tasks keep them).
  const record = buildDrawRecord({ commit, serverSeed: c.server_seed, publicEntropy, result, drawnAt: new Date().toISOString(), includeGrades: gradesPublic });
  return {
    record,
    gradesPublic,
    tasks: result.tasks as TaskAssignment[] | null,
    modeOf: (grade: string) => modes.get(grade) ?? 'onsite',
  };
}

/**
 * Tasks with their teams, one INSERT per batch. Columns travel as comma-joined lists and each team as
 * "member|member|…" (ids, codes and grades never contain commas or bars: the snapshot formats forbid
 * them), which PostgreSQL splits with string_to_array and unnest — much cheaper than JSON or a
 * parameter per value.
 */
async function insertTasks(tx: Tx, planId: string, tasks: TaskAssignment[], modeOf: (grade: string) => string, batchSize: number) {
  const list = (values: (string | number)[]) => values.join(',');
  const batches: Promise<unknown>[] = [];
  // All batches are sent at once: on PostgreSQL they queue on the transaction's connection, so the
  // server never waits for this process between them.
  for (let start = 0; start < tasks.length; start += batchSize) {
    const batch = tasks.slice(start, start + batchSize);
    batches.push(tx.execute(
      sql`INSERT INTO tasks (plan_id, seq, entity_id, grade, mode, team_departments, team_inspectors)
          SELECT ${planId}, u.seq, u.entity_id, u.grade, u.mode, string_to_array(u.departments, '|'), string_to_array(u.inspectors, '|')
            FROM unnest(string_to_array(${list(batch.map((t) => t.seq))}, ',')::int[],
                        string_to_array(${list(batch.map((t) => t.entityId))}, ','),
                        string_to_array(${list(batch.map((t) => t.grade))}, ','),
                        string_to_array(${list(batch.map((t) => modeOf(t.grade)))}, ','),
                        string_to_array(${list(batch.map((t) => t.inspectors.map((m) => m.departmentCode).join('|')))}, ','),
                        string_to_array(${list(batch.map((t) => t.inspectors.map((m) => m.inspectorId).join('|')))}, ','))
                 AS u(seq, entity_id, grade, mode, departments, inspectors)`,
    ).then(() => undefined));
  }
  await Promise.all(batches);
}
