/**
 * The life of a plan after its draft: preview, commit, draw, void, and the records they leave.
 *
 * Each step is one transaction that first locks the plan row (SELECT … FOR UPDATE), so concurrent
 * requests — in one process or in several service processes on one PostgreSQL — take turns, and the
 * loser sees the winner's result. A step writes its record, its rows and its ledger entry together or
 * not at all. The protocol itself (serialization, digests, seed, draw, records, ledger entries) is the
 * pure core's, run here with node's native SHA-256.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { Database, Executor, Tx } from '../../db/client.ts';
import { publicEntropyError } from '../../core/draw/ids.ts';
import { countToDraw } from '../../core/draw/entities.ts';
import { parseInspectorSnapshot } from '../../core/draw/parse.ts';
import { runDraw } from '../../core/draw/run.ts';
import { commitmentOf } from '../../core/draw/seed.ts';
import { canonicalJson } from '../../core/jcs.ts';
import type { Contribution } from '../../core/ceremony.ts';
import {
  buildCommitRecord,
  buildDrawRecord,
  buildFullDrawRecord,
  buildVoidRecord,
  drawTimingError,
  recordsRevision,
  voidTimingError,
  type CommitRecord,
  type DrawRecord,
} from '../../core/replay.ts';
import { serializeTaskFile } from '../../core/draw/taskfile.ts';
import type { FullDrawRecord } from '../../schemas/records.ts';
import type { DrawInput, FullRecordJson, PlanPreview, VoidResult } from '../../schemas/plans.ts';
import { conflict, notFound, unprocessable } from '../errors.ts';
import { appendLedgerEntry, appendLedgerEntryWithText } from '../ledger/repository.ts';
import { createPlanRepository, type PlanRow } from '../plans/repository.ts';
import { toInput, validatePlan } from '../plans/service.ts';
import { planBudget, programmeDraftProblem } from '../programmes/service.ts';
import { loadPlanContext, type PlanContext } from './pool.ts';
import { commitLedgerBody, drawLedgerBody, drawRecordOf, drawRecordText, fullRecordJson } from './records.ts';
import { bundleReadme, bundleStream } from './bundle.ts';
import { createLedgerRepository } from '../ledger/repository.ts';
import * as store from './repository.ts';
import { nodeSha256 } from '../sha256.ts';
import { sha256Hex } from '../../core/sha256.ts';
import { buildSnapshots, inspectorLoad } from './snapshot.ts';
import { announcedEntropyAt, beijingTime, entropyOf, MAX_AVERAGE_LOAD, previewWarnings } from './rules.ts';

/** Tasks read per query for the task file and the full record. */
const TASK_FILE_BATCH = 20_000;

/** A buffer in SNAPSHOT_SLICE pieces, for a stream. */
function* slicesOf(bytes: Buffer) {
  for (let offset = 0; offset < bytes.length; offset += SNAPSHOT_SLICE) yield bytes.subarray(offset, offset + SNAPSHOT_SLICE);
}

/** Tasks (with their teams) inserted per statement in a draw. */
const TASK_BATCH = 20_000;
/** Bytes per read of a snapshot file download. */
const SNAPSHOT_SLICE = 4 * 1024 * 1024;

export interface Actor {
  tokenId: string | null;
}

/** Re-checks a draft against today's directories (items may have moved or gone) and reads its context. */
async function revalidate(q: Executor, row: PlanRow): Promise<PlanContext> {
  const values = await validatePlan(q, toInput(row));
  return loadPlanContext(q, {
    id: row.id,
    items: row.items,
    gradeScheme: row.gradeScheme,
    ratiosBp: values.ratiosBp,
    inspectorsPerTask: values.inspectorsPerTask,
    filters: row.filters,
    cooldownDays: row.cooldownDays,
  });
}

const sortedKeys = (o: Record<string, number>) =>
  Object.fromEntries(
    Object.keys(o)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((k) => [k, o[k]]),
  );

/**
 * The draw proper, from the stored commit, through the core's runDraw (parse the files, digests with
 * node's native SHA-256, seed, §3–4). buildDrawRecord checks commitment, digests, seed and strata
 * against the commit record. Everything big (the files, the parsed pool) stays in here and is garbage after.
 */
async function computeDraw(tx: Tx, id: string, gradeScheme: string, publicEntropy: string, contributions: Contribution[] | null) {
  const { serverSeed, commit, files } = await store.committedFiles(tx, id);
  const scheme = await store.schemeModes(tx, gradeScheme);
  const ratiosBp = Object.fromEntries(commit.strata.map((s) => [s.grade, s.ratioBp]));
  const params = { gradeOrder: commit.gradeOrder, ratiosBp, inspectorsPerTask: commit.inspectorsPerTask };
  const result = runDraw({ ...files, serverSeed, publicEntropy, ...params }, nodeSha256);

  // The team arrays have no foreign keys (bulk speed): check the team members exist, once. (The tasks'
  // entities need no check: they are the snapshot's, read from the directory, which never deletes.)
  const memberIds = [...new Set(parseInspectorSnapshot(files.inspectorSnapshot).map((i) => i.inspectorId))];
  if ((await store.countKnownInspectors(tx, memberIds)) !== memberIds.length) {
    throw new Error(`plan ${id}: an inspector of the snapshot is missing from the directory`);
  }
  // The published record: task grades only where the scheme is public (the tasks keep them).
  // Revision 2 (the commit has `records`): tasks sorted by entityId, seq and grade only on a public scheme.
  const record = buildDrawRecord({
    commit,
    serverSeed,
    publicEntropy,
    ...(contributions === null ? {} : { contributions }),
    result,
    drawnAt: new Date().toISOString(),
    includeGrades: scheme.public,
  });
  return {
    record,
    gradesPublic: scheme.public,
    tasks: result.tasks as typeof result.tasks | null,
    modeOf: (grade: string) => scheme.modes.get(grade) ?? 'onsite',
  };
}

/** canonicalJson(body) on a later turn of the event loop, so the database can work meanwhile. */
const canonicalJsonSoon = (body: unknown) =>
  new Promise<string>((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(canonicalJson(body));
      } catch (err) {
        reject(err);
      }
    }),
  );

export function createDrawService(database: Database, options: { taskBatch?: number; maxAverageLoad?: number } = {}) {
  const taskBatch = options.taskBatch ?? TASK_BATCH;
  const maxAverageLoad = options.maxAverageLoad ?? MAX_AVERAGE_LOAD;
  const { db } = database;
  const plans = createPlanRepository(db);

  /** The task file text of a drawn plan (core serializeTaskFile over the tasks read in batches), or null before a draw. */
  async function taskFileText(id: string): Promise<string | null> {
    const draw = await store.findDraw(db, id);
    if (!draw) return null;
    return serializeTaskFile(await allTaskLines(id));
  }

  /** A plan's tasks in seq order, read TASK_FILE_BATCH at a time. */
  async function allTaskLines(id: string): Promise<store.TaskFileLine[]> {
    const lines: store.TaskFileLine[] = [];
    for (let after = 0; ; ) {
      const batch = await store.taskLines(db, id, after, TASK_FILE_BATCH);
      for (const line of batch) lines.push(line);
      if (batch.length < TASK_FILE_BATCH) return lines;
      after = batch[batch.length - 1].seq;
    }
  }

  /**
   * A revision-2 full draw record, by the core's buildFullDrawRecord from what is stored: the commit, the
   * public record (seed, strata, entropy, contributions) and the tasks in seq order; it must reproduce the
   * published taskDigest.
   */
  async function fullDrawRecord(commit: CommitRecord, published: DrawRecord, id: string): Promise<FullDrawRecord> {
    const { serverSeed } = await store.commitSeed(db, id);
    const tasks = await allTaskLines(id);
    const full = buildFullDrawRecord({
      commit,
      serverSeed,
      publicEntropy: published.publicEntropy,
      ...(published.contributions === undefined ? {} : { contributions: published.contributions }),
      result: {
        seed: published.seed,
        digests: {
          entitySnapshotDigest: commit.entitySnapshotDigest,
          inspectorSnapshotDigest: commit.inspectorSnapshotDigest,
          recusalDigest: commit.recusalDigest,
        },
        strata: published.strata,
        tasks,
      },
      drawnAt: published.drawnAt,
      hash: nodeSha256,
    });
    if (full.taskDigest !== published.taskDigest) throw new Error(`plan ${id}: the stored tasks do not hash to the published taskDigest`);
    return full as FullDrawRecord;
  }

  async function lockPlan(tx: Tx, id: string): Promise<PlanRow> {
    const row = await plans.row(tx, id, true);
    if (!row) throw notFound(`no plan ${id}`);
    return row;
  }

  return {
    /** What a commit would freeze right now — without making or revealing any seed, and writing nothing. */
    async preview(id: string): Promise<PlanPreview> {
      return db.transaction(async (tx) => {
        await tx.execute(sql`SET TRANSACTION READ ONLY`);
        const row = await plans.row(tx, id);
        if (!row) throw notFound(`no plan ${id}`);
        if (row.status !== 'draft') throw conflict(`plan ${id} is ${row.status}: its pool is frozen in the commit record`);
        const ctx = await revalidate(tx, row);
        const now = new Date();
        const build = await buildSnapshots(tx, ctx, now, 20);
        const { excluded } = build;
        const strata = ctx.scheme.grades.map((g, i) => {
          const s = build.strata[i];
          return {
            grade: g.code,
            label: g.label,
            mode: g.mode,
            population: s.population,
            ratioBp: s.ratioBp,
            drawn: countToDraw(s.ratioBp, s.population),
          };
        });
        const population = strata.reduce((n, s) => n + s.population, 0);
        const drawn = strata.reduce((n, s) => n + s.drawn, 0);
        const overallRatio = population === 0 ? 0 : drawn / population;
        const inspectors = inspectorLoad(ctx.plan.inspectorsPerTask, build.inspectors, drawn);
        const warnings = previewWarnings({ schemePublic: ctx.scheme.public, strata, inspectors, population, drawn }, maxAverageLoad);
        const programme = await planBudget(tx, row, new Map(strata.map((x) => [x.grade, x.drawn])), now);
        return {
          planId: id,
          computedAt: now.toISOString(),
          feasible: build.problems.length === 0,
          population,
          drawn,
          overallRatio,
          strata,
          inspectors,
          snapshot: { ...build.digests, recusals: build.recusalCount },
          excluded: {
            cooldown: excluded.cooldown,
            inactive: excluded.inactive,
            yearly: excluded.yearly,
            frequency: excluded.frequency,
          },
          budget: programme.budget,
          warnings: [...warnings, ...programme.warnings],
          problems: build.problems,
        };
      });
    },

    /**
     * Freezes the pool, inspectors and recusals (spec §1), makes the server seed and publishes the
     * commitment: the commit record, the three files and a `plan.committed` entry in one transaction.
     */
    async commit(
      id: string,
      actor: Actor,
      idempotencyKey: string | null,
      body: { entropyAt?: string } = {},
    ): Promise<{ statusCode: 200 | 201; record: CommitRecord }> {
      return db.transaction(async (tx) => {
        const row = await lockPlan(tx, id);
        if (idempotencyKey !== null) {
          const done = await store.findCommit(tx, id);
          if (done && done.key === idempotencyKey) return { statusCode: 200, record: done.record };
        }
        if (row.status !== 'draft') throw conflict(`plan ${id} is ${row.status}: only a draft can be committed`);
        const entropyAt = announcedEntropyAt(body.entropyAt, row.entropyAt, new Date());
        const ctx = await revalidate(tx, row);
        const draftProgramme = await programmeDraftProblem(tx, row.programmeId);
        if (draftProgramme !== null)
          throw unprocessable(`cannot commit plan ${id}: ${draftProgramme}`, [{ field: 'programme', message: draftProgramme }]);
        const poolAt = new Date();
        const build = await buildSnapshots(tx, ctx, poolAt, 1);
        const problem = build.problems[0];
        if (problem) {
          const field = problem.departmentCode ? `inspectorsPerTask.${problem.departmentCode}` : problem.code === 'empty_pool' ? 'filters' : 'pool';
          throw unprocessable(
            `cannot commit plan ${id}: ${problem.message}`,
            build.problems.map((p) => ({ field, message: p.message })),
          );
        }
        const { excluded } = build;
        const serverSeed = randomBytes(32).toString('hex');
        const committedAt = new Date();
        announcedEntropyAt(body.entropyAt, row.entropyAt, committedAt); // still later than the commit, after the pool's read
        const record = buildCommitRecord({
          planId: id,
          commitment: commitmentOf(serverSeed),
          ...build.digests,
          gradeOrder: ctx.gradeOrder,
          strata: build.strata,
          inspectorsPerTask: sortedKeys(ctx.plan.inspectorsPerTask),
          entropySource: row.entropySource,
          committedAt: committedAt.toISOString(),
          entropyAt: entropyAt.toISOString(),
          poolRule: {
            items: [...row.items],
            ...ctx.plan.filters,
            targeting: row.targeting,
            cooldownDays: row.cooldownDays,
            excludedCooldown: excluded.cooldown,
            excludedInactive: excluded.inactive,
            excludedYearly: excluded.yearly,
            excludedFrequency: excluded.frequency,
            // The annual programme (计划公告, in the ledger) and batch the plan carries out, bound into the commitment.
            ...(row.programmeId !== null && row.batch !== null ? { programme: row.programmeId, batch: row.batch } : {}),
          },
        });
        const files = { entitySnapshot: build.entitySnapshot, inspectorSnapshot: build.inspectorSnapshot, recusalSnapshot: build.recusalSnapshot };
        await store.insertCommit(tx, { planId: id, serverSeed, record, files, idempotencyKey, committedBy: actor.tokenId, committedAt, entropyAt });
        await store.markCommitted(tx, id, { ratiosBp: ctx.plan.ratiosBp, inspectorsPerTask: ctx.plan.inspectorsPerTask }, committedAt);
        await appendLedgerEntry(tx, { kind: 'plan.committed', planId: id, at: record.committedAt, body: commitLedgerBody(record) });
        return { statusCode: 201, record };
      });
    },

    /**
     * The draw (spec §2–4) with the operator's public entropy: reveals the server seed, creates the
     * tasks and teams and publishes the public draw record as `plan.drawn`. One draw per plan, ever.
     */
    async draw(id: string, input: DrawInput, actor: Actor, idempotencyKey: string | null): Promise<{ statusCode: 200 | 201; recordJson: string }> {
      if ((input.publicEntropy === undefined) === (input.contributions === undefined)) {
        const message = 'give exactly one of publicEntropy or contributions (the draw ceremony)';
        throw unprocessable(message, [{ field: input.publicEntropy === undefined ? 'publicEntropy' : 'contributions', message }]);
      }
      if (input.publicEntropy !== undefined) {
        const entropyError = publicEntropyError(input.publicEntropy);
        if (entropyError !== null) throw unprocessable(entropyError, [{ field: 'publicEntropy', message: entropyError }]);
      }
      return db.transaction(async (tx) => {
        const row = await lockPlan(tx, id);
        const { publicEntropy, contributions } = entropyOf(input, row.witnesses, id);
        if (row.status === 'drawn') {
          const done = await store.findDraw(tx, id);
          if (idempotencyKey !== null && done?.idempotencyKey === idempotencyKey) {
            if (done.publicEntropy !== publicEntropy) {
              throw unprocessable('this Idempotency-Key was used for a draw with another publicEntropy', [
                { field: 'publicEntropy', message: 'differs from the request that used this Idempotency-Key' },
              ]);
            }
            const entry = await store.ledgerEntryText(tx, done.ledgerSeq);
            return { statusCode: 200, recordJson: drawRecordText(entry.body, entry.at) };
          }
          throw conflict(`plan ${id} was already drawn at ${done?.drawnAt.toISOString()}: a plan is drawn once`);
        }
        if (row.status !== 'committed') {
          throw conflict(row.status === 'draft' ? `plan ${id} is a draft: commit it before the draw` : `plan ${id} is voided and can never be drawn`);
        }
        const { entropyAt } = await store.commitSeed(tx, id);
        if (entropyAt !== null && drawTimingError({ entropyAt: entropyAt.toISOString() }, new Date().toISOString()) !== null) {
          const message = `the draw is announced for ${entropyAt.toISOString()} (北京时间 ${beijingTime(entropyAt)}); it cannot be made earlier`;
          throw unprocessable(message, [{ field: 'entropyAt', message }]);
        }
        const drawn = await computeDraw(tx, id, row.gradeScheme, publicEntropy, contributions);
        const { record, gradesPublic } = drawn;
        const body = drawLedgerBody(record);
        // The database writes the tasks while this process serializes the ledger body (megabytes of JCS).
        const [, bodyJson] = await Promise.all([store.insertTasks(tx, id, drawn.tasks!, drawn.modeOf, taskBatch), canonicalJsonSoon(body)]);
        drawn.tasks = null; // written: the list can go before the ledger's megabytes are sent
        await store.markDrawn(tx, id, new Date(record.drawnAt));
        const { entry } = await appendLedgerEntryWithText(tx, { kind: 'plan.drawn', planId: id, at: record.drawnAt, body, bodyJson });
        // The record itself is not stored again: it is the entry's body plus drawnAt (drawRecordOf).
        await store.insertDraw(tx, {
          planId: id,
          publicEntropy,
          contributions,
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
    async void(id: string, reason: string, actor: Actor, idempotencyKey: string | null): Promise<VoidResult> {
      if (reason.trim() === '') throw unprocessable('reason must not be blank', [{ field: 'reason', message: 'must not be blank' }]);
      return db.transaction(async (tx) => {
        const row = await lockPlan(tx, id);
        const c = await store.commitSeed(tx, id);
        if (row.status === 'voided' && idempotencyKey !== null) {
          const v = await store.findVoid(tx, id);
          if (v?.idempotencyKey === idempotencyKey) {
            if (v.reason !== reason.trim()) {
              throw unprocessable('this Idempotency-Key was used to void with another reason', [
                { field: 'reason', message: 'differs from the request that used this Idempotency-Key' },
              ]);
            }
            return { planId: id, status: 'voided' as const, reason: v.reason, serverSeed: c.serverSeed, voidedAt: v.voidedAt.toISOString() };
          }
        }
        if (row.status !== 'committed') {
          const why =
            {
              draft: 'a draft has no commitment to void; it is simply not committed',
              drawn: 'a drawn plan cannot be voided: its draw is final',
              voided: 'it is already voided',
            }[row.status] ?? row.status;
          throw conflict(`plan ${id} is ${row.status}: ${why}`);
        }
        const voidedAt = new Date();
        if (c.entropyAt !== null && voidTimingError({ entropyAt: c.entropyAt.toISOString() }, voidedAt.toISOString()) !== null) {
          throw conflict(
            `plan ${id} can no longer be voided: its public entropy was announced for ${c.entropyAt.toISOString()} ` +
              `(北京时间 ${beijingTime(c.entropyAt)}), and from then on the entropy may be known — the plan must be drawn`,
          );
        }
        const body = buildVoidRecord({ planId: id, reason: reason.trim(), serverSeed: c.serverSeed, commitment: c.commitment });
        await store.insertVoid(tx, { planId: id, reason: body.reason, idempotencyKey, voidedBy: actor.tokenId, voidedAt });
        await store.markVoided(tx, id, voidedAt);
        await appendLedgerEntry(tx, { kind: 'plan.voided', planId: id, at: voidedAt.toISOString(), body });
        return { planId: id, status: 'voided' as const, reason: body.reason, serverSeed: c.serverSeed, voidedAt: voidedAt.toISOString() };
      });
    },

    /**
     * For auditors: the commit record, the full draw record (every task with seq and grade, in seq order;
     * in revision 2 with taskDigest) and the void.
     */
    async fullRecord(id: string): Promise<FullRecordJson> {
      const p = await store.fullRecordRow(db, id);
      if (!p) throw notFound(`no committed plan ${id}`);
      let draw: FullDrawRecord | null = null;
      if (p.drawEntry !== null) {
        const published = drawRecordOf(p.drawEntry.body, p.drawEntry.at);
        if (recordsRevision(published) === 2) {
          draw = await fullDrawRecord(p.commit, published, id);
        } else {
          // Revision 1: the published tasks in seq order; a non-public scheme's grades come from the tasks.
          const bySeq = p.gradesPublic ? new Map<number, string>() : await store.taskGrades(db, id);
          draw = {
            ...published,
            tasks: published.tasks.map((t) => ({
              seq: t.seq ?? 0,
              entityId: t.entityId,
              grade: t.grade ?? bySeq.get(t.seq ?? 0) ?? '',
              inspectors: t.inspectors,
            })),
          };
        }
      }
      return {
        planId: id,
        status: p.status as 'committed' | 'drawn' | 'voided',
        commit: p.commit,
        draw,
        void: p.void === null ? null : { reason: p.void.reason, serverSeed: p.void.serverSeed, voidedAt: p.void.voidedAt.toISOString() },
      };
    },

    /**
     * The task file (spec §5) of a drawn plan, byte for byte: read from the tasks in seq order, in batches,
     * and serialized by the core (so its SHA-256 is the record's taskDigest). The core serializes a whole
     * file at once (it checks seq 1…n), so the text is built in memory, like the full record, and sent in slices.
     */
    async taskFile(id: string): Promise<{ length: number; digest: string; stream: Readable }> {
      const text = await taskFileText(id);
      if (text === null) throw notFound(`plan ${id} has no draw`);
      const bytes = Buffer.from(text, 'utf8');
      return { length: bytes.length, digest: sha256Hex(text, nodeSha256), stream: Readable.from(slicesOf(bytes)) };
    },

    /**
     * The replay bundle (core BUNDLE_FILES under `<planId>/`): the full record, the three snapshot files,
     * the task file, the plan's ledger entries and a README, as a gzip'd tar stream.
     */
    async bundle(id: string): Promise<{ filename: string; stream: Readable }> {
      const full = await this.fullRecord(id);
      const taskText = await taskFileText(id);
      const snapshots = [];
      for (const file of ['entities', 'inspectors', 'recusals'] as const) {
        const info = await store.snapshotInfo(db, id, file);
        if (!info) throw notFound(`no committed plan ${id}`);
        snapshots.push({ file, length: info.length });
      }
      const entries = await createLedgerRepository(db).page(1, 100_000, id);
      const stream = bundleStream({
        planId: id,
        mtime: new Date(full.draw?.drawnAt ?? full.void?.voidedAt ?? full.commit.committedAt),
        recordJson: fullRecordJson(full),
        snapshots: snapshots.map(({ file, length }) => ({
          file,
          length,
          slices: async function* () {
            for (let offset = 1; offset <= length; offset += SNAPSHOT_SLICE) {
              const part = await store.snapshotSlice(db, id, file, offset, SNAPSHOT_SLICE);
              yield Buffer.from(part.buffer, part.byteOffset, part.byteLength);
            }
          },
        })),
        taskFile: taskText === null ? null : Buffer.from(taskText, 'utf8'),
        ledgerJson: JSON.stringify(entries),
        readme: bundleReadme(full, taskText),
      });
      return { filename: `${id}.tar.gz`, stream };
    },

    /** A snapshot file, streamed in slices straight from the stored bytes (so its SHA-256 is the digest). */
    async snapshot(id: string, file: store.SnapshotFile) {
      const digestKey = ({ entities: 'entitySnapshotDigest', inspectors: 'inspectorSnapshotDigest', recusals: 'recusalDigest' } as const)[file];
      const info = await store.snapshotInfo(db, id, file);
      if (!info) throw notFound(`no committed plan ${id}`);
      const { length } = info;
      async function* slices() {
        for (let offset = 1; offset <= length; offset += SNAPSHOT_SLICE) {
          const part = await store.snapshotSlice(db, id, file, offset, SNAPSHOT_SLICE);
          yield Buffer.from(part.buffer, part.byteOffset, part.byteLength);
        }
      }
      return { length, digest: info.record[digestKey], stream: Readable.from(slices()) };
    },
  };
}
