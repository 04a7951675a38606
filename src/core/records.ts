/**
 * The public records of a draw (spec §5, records revision 2; revision 1 still built for commits without
 * entropyAt/poolRule) and their builders. Pure: no I/O, runs in the browser.
 *
 * Revision 1: the draw record lists the tasks in seq order (with grades only on a public scheme).
 * Revision 2 (`records: 2`): the commit record adds entropyAt and poolRule; the public draw record lists the
 * tasks sorted by entityId, without seq and grade unless the scheme is public, and binds the full task list by
 * `taskDigest` (SHA-256 of the task file, core/draw/taskfile.ts). A record without `records` is revision 1.
 */
import { composeCeremonyEntropy, contributionsError, type Contribution } from './ceremony.ts';
import { PROTOCOL, assertHex64, type Protocol } from './draw/ids.ts';
import { activeDepartments, validateGradeOrder, validateRatios } from './draw/params.ts';
import { prepareSnapshots, type PrepareSnapshotsInput, type RunDrawResult } from './draw/run.ts';
import { commitmentOf, computeSeed } from './draw/seed.ts';
import { publicTaskOrder, taskDigestOf } from './draw/taskfile.ts';
import type { Infeasibility, InspectorRef, SnapshotDigests, SnapshotFiles, TaskAssignment } from './draw/types.ts';
import type { Sha256Factory } from './sha256.ts';

// ---------------------------------------------------------------------------------------------
// Record types
// ---------------------------------------------------------------------------------------------

export interface CommitStratum {
  grade: string;
  population: number;
  ratioBp: number;
}

export interface DrawStratum extends CommitStratum {
  drawn: number;
}

/** How the pool was formed (§5): item codes, filters as given, cooldownDays, entities left out per exclusion. */
export type PoolRule = Record<string, string | number | string[]>;

/** The public commit record (§5), published before the draw. */
export interface CommitRecord {
  protocol: Protocol;
  /** 2 for revision 2; absent in revision 1. */
  records?: 2;
  planId: string;
  commitment: string;
  entitySnapshotDigest: string;
  inspectorSnapshotDigest: string;
  recusalDigest: string;
  gradeOrder: string[];
  strata: CommitStratum[];
  inspectorsPerTask: Record<string, number>;
  entropySource: string;
  /** Revision 2: the earliest moment the public entropy can be known (ISO 8601 UTC, ms, Z), later than the commit. */
  entropyAt?: string;
  /** Revision 2: how the pool was formed. */
  poolRule?: PoolRule;
  committedAt: string;
}

export interface PublishedTask {
  /** Revision 1: always. Revision 2: only in the full record, or where the grade scheme is public. */
  seq?: number;
  entityId: string;
  /** Only in the full (auditor) record, or where the grade scheme is public. */
  grade?: string;
  inspectors: InspectorRef[];
}

/** The draw record (§5). */
export interface DrawRecord {
  protocol: Protocol;
  /** 2 for revision 2; absent in revision 1. */
  records?: 2;
  planId: string;
  serverSeed: string;
  publicEntropy: string;
  /** After a draw ceremony: the witnesses' contributions that publicEntropy is composed of, in the plan's order. */
  contributions?: Contribution[];
  seed: string;
  strata: DrawStratum[];
  /** Revision 2: SHA-256 of the task file. */
  taskDigest?: string;
  tasks: PublishedTask[];
  drawnAt: string;
}

/** Body of a `plan.voided` ledger entry (§6). */
export interface VoidRecord {
  planId: string;
  reason: string;
  serverSeed: string;
}

/** The records revision of a commit or draw record: 2 when it says `records: 2`, otherwise 1. */
export function recordsRevision(r: { records?: number }): 1 | 2 {
  return r !== null && typeof r === 'object' && r.records === 2 ? 2 : 1;
}

const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An ISO 8601 UTC instant with milliseconds and `Z`, exactly as Date.prototype.toISOString writes it. */
export function isInstant(s: unknown): s is string {
  if (typeof s !== 'string' || !INSTANT_RE.test(s)) return false;
  const t = Date.parse(s);
  return !Number.isNaN(t) && new Date(t).toISOString() === s;
}

/** Why `v` is not a valid poolRule (an object of strings, integers and arrays of strings), or null. */
export function poolRuleError(v: unknown): string | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'poolRule must be an object';
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string') continue;
    if (typeof x === 'number' && Number.isSafeInteger(x)) continue;
    if (Array.isArray(x) && x.every((e) => typeof e === 'string')) continue;
    return `poolRule.${k} must be a string, an integer or an array of strings`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

function assertString(v: unknown, what: string): asserts v is string {
  if (typeof v !== 'string') throw new Error(`${what} must be a string`);
}

function assertCount(v: unknown, what: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`${what} must be a non-negative integer`);
}

export interface CommitRecordInput extends SnapshotDigests {
  planId: string;
  commitment: string;
  gradeOrder: readonly string[];
  strata: readonly CommitStratum[];
  inspectorsPerTask: Record<string, number>;
  entropySource: string;
  committedAt: string;
  /** With poolRule: a revision-2 record. Later than committedAt. */
  entropyAt?: string;
  /** With entropyAt: a revision-2 record. */
  poolRule?: PoolRule;
}

/**
 * Validates the parts and assembles a CommitRecord with exactly the §5 fields, in the §5 order: revision 2
 * when entropyAt and poolRule are given (both or neither), revision 1 without them.
 */
export function buildCommitRecord(p: CommitRecordInput): CommitRecord {
  assertString(p.planId, 'planId');
  assertHex64(p.commitment, 'commitment');
  assertHex64(p.entitySnapshotDigest, 'entitySnapshotDigest');
  assertHex64(p.inspectorSnapshotDigest, 'inspectorSnapshotDigest');
  assertHex64(p.recusalDigest, 'recusalDigest');
  assertString(p.entropySource, 'entropySource');
  if (p.entropySource.trim() === '') throw new Error('entropySource must name where the public entropy will come from');
  assertString(p.committedAt, 'committedAt');
  if (!Array.isArray(p.gradeOrder) || !Array.isArray(p.strata)) throw new Error('gradeOrder and strata must be arrays');
  if (p.strata.length !== p.gradeOrder.length) throw new Error('strata must have one entry per grade of gradeOrder');
  const strata = p.strata.map((s, i) => {
    if (s.grade !== p.gradeOrder[i]) throw new Error(`strata[${i}] is grade ${String(s.grade)}, gradeOrder says ${p.gradeOrder[i]}`);
    assertCount(s.population, `population of grade ${s.grade}`);
    return { grade: s.grade, population: s.population, ratioBp: s.ratioBp };
  });
  const ratiosBp = Object.fromEntries(strata.map((s) => [s.grade, s.ratioBp]));
  validateGradeOrder(p.gradeOrder);
  validateRatios(p.gradeOrder, ratiosBp);
  activeDepartments(p.inspectorsPerTask); // validates codes and k
  const common = {
    planId: p.planId,
    commitment: p.commitment,
    entitySnapshotDigest: p.entitySnapshotDigest,
    inspectorSnapshotDigest: p.inspectorSnapshotDigest,
    recusalDigest: p.recusalDigest,
    gradeOrder: [...p.gradeOrder],
    strata,
    inspectorsPerTask: { ...p.inspectorsPerTask },
    entropySource: p.entropySource,
  };
  if (p.entropyAt === undefined && p.poolRule === undefined) return { protocol: PROTOCOL, ...common, committedAt: p.committedAt };
  if (p.entropyAt === undefined || p.poolRule === undefined) throw new Error('a revision-2 commit record needs both entropyAt and poolRule');
  if (!isInstant(p.entropyAt)) throw new Error(`entropyAt ${JSON.stringify(p.entropyAt)} is not an ISO 8601 UTC instant with milliseconds`);
  if (!isInstant(p.committedAt)) throw new Error(`committedAt ${JSON.stringify(p.committedAt)} is not an ISO 8601 UTC instant with milliseconds`);
  if (!(Date.parse(p.entropyAt) > Date.parse(p.committedAt))) {
    throw new Error(`entropyAt ${p.entropyAt} must be later than the commit (${p.committedAt})`);
  }
  const ruleErr = poolRuleError(p.poolRule);
  if (ruleErr !== null) throw new Error(ruleErr);
  const poolRule: PoolRule = {};
  for (const [k, v] of Object.entries(p.poolRule)) poolRule[k] = Array.isArray(v) ? [...v] : v;
  return { protocol: PROTOCOL, records: 2, ...common, entropyAt: p.entropyAt, poolRule, committedAt: p.committedAt };
}

export interface PrepareCommitInput extends PrepareSnapshotsInput {
  planId: string;
  serverSeed: string;
  entropySource: string;
  committedAt: string;
  /** With poolRule: a revision-2 commit record. */
  entropyAt?: string;
  poolRule?: PoolRule;
}

export type PreparedCommit = { ok: true; record: CommitRecord; files: SnapshotFiles } | { ok: false; infeasibility: Infeasibility; message: string };

/**
 * Everything a commit needs, from rows: serializes the three snapshot files, digests them, counts
 * the strata, runs the §1 feasibility check and builds the commit record. Throws on invalid input;
 * returns ok:false (nothing half-made) when some entity could not be staffed.
 */
export function prepareCommit(p: PrepareCommitInput): PreparedCommit {
  const prepared = prepareSnapshots(p);
  const f = prepared.infeasibility;
  if (f !== null) {
    return {
      ok: false,
      infeasibility: f,
      message: `entity ${f.entityId} has only ${f.available} non-recused inspectors in department ${f.departmentCode}, ${f.required} required`,
    };
  }
  const record = buildCommitRecord({
    planId: p.planId,
    commitment: commitmentOf(p.serverSeed),
    ...prepared.digests,
    gradeOrder: p.gradeOrder,
    strata: prepared.strata,
    inspectorsPerTask: p.inspectorsPerTask,
    entropySource: p.entropySource,
    committedAt: p.committedAt,
    ...(p.entropyAt === undefined ? {} : { entropyAt: p.entropyAt }),
    ...(p.poolRule === undefined ? {} : { poolRule: p.poolRule }),
  });
  return { ok: true, record, files: prepared.files };
}

export interface FullDrawRecordInput {
  commit: CommitRecord;
  serverSeed: string;
  /** The public entropy; after a ceremony, composeCeremonyEntropy(contributions). */
  publicEntropy: string;
  /** The ceremony's contributions (in the plan's witness order), when publicEntropy was composed from them. */
  contributions?: readonly Contribution[];
  /** The result of runDraw on the committed files with this serverSeed and publicEntropy. */
  result: RunDrawResult;
  drawnAt: string;
  /** The SHA-256 for taskDigest (default: the portable one). */
  hash?: Sha256Factory;
}

export interface DrawRecordInput extends FullDrawRecordInput {
  /**
   * The grade scheme is public: each public task carries its seq and grade. (Revision 1: grades only;
   * seq always.)
   */
  includeGrades: boolean;
}

function inspectorsOf(t: TaskAssignment): InspectorRef[] {
  return t.inspectors.map((x) => ({ departmentCode: x.departmentCode, inspectorId: x.inspectorId }));
}

/** Everything a draw record holds besides its tasks, cross-checked against the commit; throws on any mismatch. */
function drawHead(p: FullDrawRecordInput) {
  const { commit, result } = p;
  if (commitmentOf(p.serverSeed) !== commit.commitment) throw new Error('serverSeed does not match the commitment');
  for (const k of ['entitySnapshotDigest', 'inspectorSnapshotDigest', 'recusalDigest'] as const) {
    if (result.digests[k] !== commit[k]) throw new Error(`${k} of the draw differs from the commit record`);
  }
  const seed = computeSeed({ serverSeed: p.serverSeed, publicEntropy: p.publicEntropy, ...result.digests });
  if (seed !== result.seed) throw new Error('result.seed does not match serverSeed/publicEntropy/digests');
  assertString(p.drawnAt, 'drawnAt');
  const rev = recordsRevision(commit);
  if (rev === 2) {
    if (!isInstant(p.drawnAt)) throw new Error(`drawnAt ${JSON.stringify(p.drawnAt)} is not an ISO 8601 UTC instant with milliseconds`);
    if (commit.entropyAt !== undefined && Date.parse(p.drawnAt) < Date.parse(commit.entropyAt)) {
      throw new Error(`a draw at ${p.drawnAt} is before entropyAt ${commit.entropyAt}: the public entropy cannot be known yet`);
    }
  }
  let contributions: Contribution[] | undefined;
  if (p.contributions !== undefined) {
    const err = contributionsError(
      p.contributions,
      p.contributions.map((c) => c?.witness),
    );
    if (err !== null) throw new Error(err);
    if (composeCeremonyEntropy(p.contributions) !== p.publicEntropy) throw new Error('publicEntropy is not the composition of the contributions');
    contributions = p.contributions.map((c) => ({ witness: c.witness, value: c.value }));
  }
  if (result.strata.length !== commit.strata.length) throw new Error('strata of the draw differ from the commit record');
  const strata = result.strata.map((s, i) => {
    const c = commit.strata[i];
    if (c.grade !== s.grade || c.population !== s.population || c.ratioBp !== s.ratioBp) {
      throw new Error(`stratum ${s.grade} of the draw differs from the commit record`);
    }
    return { grade: s.grade, population: s.population, ratioBp: s.ratioBp, drawn: s.drawn };
  });
  return { rev, seed, strata, contributions };
}

function assemble(p: FullDrawRecordInput, head: ReturnType<typeof drawHead>, tasks: PublishedTask[], taskDigest: string | undefined): DrawRecord {
  return {
    protocol: PROTOCOL,
    ...(head.rev === 2 ? { records: 2 as const } : {}),
    planId: p.commit.planId,
    serverSeed: p.serverSeed,
    publicEntropy: p.publicEntropy,
    ...(head.contributions === undefined ? {} : { contributions: head.contributions }),
    seed: head.seed,
    strata: head.strata,
    ...(taskDigest === undefined ? {} : { taskDigest }),
    tasks,
    drawnAt: p.drawnAt,
  };
}

/**
 * The PUBLIC draw record (§5), the body of `plan.drawn` (plus drawnAt). Revision 2 (the commit says
 * `records: 2`): tasks sorted by entityId, with seq and grade only when `includeGrades` (a public scheme),
 * and taskDigest. Revision 1: tasks in seq order, with grades when `includeGrades`. Cross-checks the result
 * against the commit (commitment, digests, seed, strata, contributions, entropyAt) and throws on any mismatch
 * — such a record must never be published. Task members are in JCS order, so the ledger's canonical
 * serialization needs no reordered copies (jcs.ts).
 */
export function buildDrawRecord(p: DrawRecordInput): DrawRecord {
  const head = drawHead(p);
  const tasks = p.result.tasks;
  if (head.rev === 1) {
    const published = tasks.map((t) => {
      const inspectors = inspectorsOf(t);
      return p.includeGrades ? { entityId: t.entityId, grade: t.grade, inspectors, seq: t.seq } : { entityId: t.entityId, inspectors, seq: t.seq };
    });
    return assemble(p, head, published, undefined);
  }
  const published = publicTaskOrder(tasks).map((t) => {
    const inspectors = inspectorsOf(t);
    return p.includeGrades ? { entityId: t.entityId, grade: t.grade, inspectors, seq: t.seq } : { entityId: t.entityId, inspectors };
  });
  return assemble(p, head, published, taskDigestOf(tasks, p.hash));
}

/**
 * The full draw record for auditors: every task with seq and grade, in seq order; in revision 2 with
 * taskDigest. Same checks as buildDrawRecord.
 */
export function buildFullDrawRecord(p: FullDrawRecordInput): DrawRecord {
  const head = drawHead(p);
  const tasks = p.result.tasks.map((t) => ({ entityId: t.entityId, grade: t.grade, inspectors: inspectorsOf(t), seq: t.seq }));
  return assemble(p, head, tasks, head.rev === 2 ? taskDigestOf(p.result.tasks, p.hash) : undefined);
}

/**
 * The public part of a full draw record (for a non-public grade scheme): revision 1, task grades removed;
 * revision 2, tasks sorted by entityId without seq and grade.
 */
export function withoutGrades(draw: DrawRecord): DrawRecord {
  if (recordsRevision(draw) === 1) {
    return { ...draw, tasks: draw.tasks.map((t) => ({ entityId: t.entityId, inspectors: t.inspectors, seq: t.seq })) };
  }
  return { ...draw, tasks: publicTaskOrder(draw.tasks).map((t) => ({ entityId: t.entityId, inspectors: t.inspectors })) };
}

/** Body of a `plan.voided` ledger entry: planId, reason and the revealed server seed. */
export function buildVoidRecord(p: { planId: string; reason: string; serverSeed: string; commitment?: string }): VoidRecord {
  assertString(p.planId, 'planId');
  assertString(p.reason, 'reason');
  assertHex64(p.serverSeed, 'serverSeed');
  if (p.commitment !== undefined && commitmentOf(p.serverSeed) !== p.commitment) {
    throw new Error('serverSeed does not match the commitment');
  }
  return { planId: p.planId, reason: p.reason, serverSeed: p.serverSeed };
}

/** When a draw is allowed (§5 timing): not before the commit record's entropyAt (always, in revision 1). */
export function drawTimingError(commit: Pick<CommitRecord, 'entropyAt'>, at: string): string | null {
  if (commit.entropyAt === undefined) return null;
  return Date.parse(at) < Date.parse(commit.entropyAt)
    ? `the public entropy is not known before ${commit.entropyAt}: a draw is refused until then`
    : null;
}

/** When a void is allowed (§5 timing): only before the commit record's entropyAt (always, in revision 1). */
export function voidTimingError(commit: Pick<CommitRecord, 'entropyAt'>, at: string): string | null {
  if (commit.entropyAt === undefined) return null;
  return Date.parse(at) >= Date.parse(commit.entropyAt)
    ? `from ${commit.entropyAt} on the public entropy may be known: the plan can no longer be voided`
    : null;
}
