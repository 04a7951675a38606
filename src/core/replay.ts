/**
 * Public records of a draw (spec §5) and their verification. Pure: no I/O, runs in the browser.
 */
import { PROTOCOL, assertGrade, assertHex64, isHex64, publicEntropyError, type Protocol } from './draw/ids.ts';
import { activeDepartments, validateGradeOrder, validateRatios } from './draw/params.ts';
import { parseSnapshotFiles } from './draw/parse.ts';
import { drawParsed, prepareSnapshots, type PrepareSnapshotsInput, type RunDrawResult } from './draw/run.ts';
import { commitmentOf, computeSeed } from './draw/seed.ts';
import type { Infeasibility, InspectorRef, ParsedSnapshots, SnapshotDigests, SnapshotFiles } from './draw/types.ts';
import { sha256Hex } from './sha256.ts';

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

/** The public commit record (§5), published before the draw. */
export interface CommitRecord {
  protocol: Protocol;
  planId: string;
  commitment: string;
  entitySnapshotDigest: string;
  inspectorSnapshotDigest: string;
  recusalDigest: string;
  gradeOrder: string[];
  strata: CommitStratum[];
  inspectorsPerTask: Record<string, number>;
  entropySource: string;
  committedAt: string;
}

export interface PublishedTask {
  seq: number;
  entityId: string;
  /** Only present in the full (auditor) record, or where the grade scheme is public. */
  grade?: string;
  inspectors: InspectorRef[];
}

/** The draw record (§5). Its public part omits task grades unless the grade scheme is public. */
export interface DrawRecord {
  protocol: Protocol;
  planId: string;
  serverSeed: string;
  publicEntropy: string;
  seed: string;
  strata: DrawStratum[];
  tasks: PublishedTask[];
  drawnAt: string;
}

/** Body of a `plan.voided` ledger entry (§6). */
export interface VoidRecord {
  planId: string;
  reason: string;
  serverSeed: string;
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
}

/** Validates the parts and assembles a CommitRecord with exactly the §5 fields, in the §5 order. */
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
  return {
    protocol: PROTOCOL,
    planId: p.planId,
    commitment: p.commitment,
    entitySnapshotDigest: p.entitySnapshotDigest,
    inspectorSnapshotDigest: p.inspectorSnapshotDigest,
    recusalDigest: p.recusalDigest,
    gradeOrder: [...p.gradeOrder],
    strata,
    inspectorsPerTask: { ...p.inspectorsPerTask },
    entropySource: p.entropySource,
    committedAt: p.committedAt,
  };
}

export interface PrepareCommitInput extends PrepareSnapshotsInput {
  planId: string;
  serverSeed: string;
  entropySource: string;
  committedAt: string;
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
  });
  return { ok: true, record, files: prepared.files };
}

export interface DrawRecordInput {
  commit: CommitRecord;
  serverSeed: string;
  publicEntropy: string;
  /** The result of runDraw on the committed files with this serverSeed and publicEntropy. */
  result: RunDrawResult;
  drawnAt: string;
  /** Include each task's grade (full/auditor record, or a public grade scheme). */
  includeGrades: boolean;
}

/**
 * Assembles the DrawRecord with exactly the §5 fields. Cross-checks the result against the commit
 * (commitment, digests, strata) and throws on any mismatch — such a record must never be published.
 */
export function buildDrawRecord(p: DrawRecordInput): DrawRecord {
  const { commit, result } = p;
  if (commitmentOf(p.serverSeed) !== commit.commitment) throw new Error('serverSeed does not match the commitment');
  for (const k of ['entitySnapshotDigest', 'inspectorSnapshotDigest', 'recusalDigest'] as const) {
    if (result.digests[k] !== commit[k]) throw new Error(`${k} of the draw differs from the commit record`);
  }
  const seed = computeSeed({ serverSeed: p.serverSeed, publicEntropy: p.publicEntropy, ...result.digests });
  if (seed !== result.seed) throw new Error('result.seed does not match serverSeed/publicEntropy/digests');
  assertString(p.drawnAt, 'drawnAt');
  if (result.strata.length !== commit.strata.length) throw new Error('strata of the draw differ from the commit record');
  const strata = result.strata.map((s, i) => {
    const c = commit.strata[i];
    if (c.grade !== s.grade || c.population !== s.population || c.ratioBp !== s.ratioBp) {
      throw new Error(`stratum ${s.grade} of the draw differs from the commit record`);
    }
    return { grade: s.grade, population: s.population, ratioBp: s.ratioBp, drawn: s.drawn };
  });
  // Members in JCS order, so the ledger's canonical serialization needs no reordered copies (jcs.ts).
  const tasks = result.tasks.map((t) => {
    const inspectors = t.inspectors.map((x) => ({ departmentCode: x.departmentCode, inspectorId: x.inspectorId }));
    return p.includeGrades ? { entityId: t.entityId, grade: t.grade, inspectors, seq: t.seq } : { entityId: t.entityId, inspectors, seq: t.seq };
  });
  return {
    protocol: PROTOCOL,
    planId: commit.planId,
    serverSeed: p.serverSeed,
    publicEntropy: p.publicEntropy,
    seed,
    strata,
    tasks,
    drawnAt: p.drawnAt,
  };
}

/** The public part of a full draw record: task grades removed (for a non-public grade scheme). */
export function withoutGrades(draw: DrawRecord): DrawRecord {
  return { ...draw, tasks: draw.tasks.map((t) => ({ entityId: t.entityId, inspectors: t.inspectors, seq: t.seq })) };
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

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

export type VerifyStep =
  | 'records' // malformed records, or commit and draw disagreeing on the plan / parameters
  | 'protocol'
  | 'commitment'
  | 'entitySnapshotDigest'
  | 'inspectorSnapshotDigest'
  | 'recusalDigest'
  | 'snapshotFormat' // a file hashes right but is not a valid snapshot
  | 'populations'
  | 'seed'
  | 'replay' // the replay itself failed (e.g. an entity cannot be staffed)
  | 'strata' // drawn counts
  | 'tasks';

export type VerifyResult = { ok: true; seed: string; tasks: number } | { ok: false; step: VerifyStep; message: string; seq?: number };

export interface VerifyInput {
  /** The commit record. May be omitted when `draw` also carries all commit fields. */
  commit?: CommitRecord;
  draw: DrawRecord;
  entitySnapshot: string;
  inspectorSnapshot: string;
  recusalSnapshot: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const str = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)));

function fmtTeam(inspectors: readonly InspectorRef[]): string {
  return inspectors.length === 0 ? '(none)' : inspectors.map((x) => `${str(x?.departmentCode)}:${str(x?.inspectorId)}`).join(', ');
}

/** Structural problems of the records, or null. */
function recordsProblem(c: Record<string, unknown>, d: Record<string, unknown>): string | null {
  if (typeof c.planId !== 'string') return 'commit record: planId missing';
  if (d.planId !== c.planId) return `planId mismatch: commit record says ${str(c.planId)}, draw record says ${str(d.planId)}`;
  for (const k of ['commitment', 'entitySnapshotDigest', 'inspectorSnapshotDigest', 'recusalDigest'] as const) {
    if (!isHex64(c[k])) return `commit record: ${k} is not 64 lowercase hex characters`;
  }
  if (!isHex64(d.serverSeed)) return 'draw record: serverSeed is not 64 lowercase hex characters';
  if (!isHex64(d.seed)) return 'draw record: seed is not 64 lowercase hex characters';
  if (typeof d.publicEntropy !== 'string') return 'draw record: publicEntropy missing';
  if (!Array.isArray(c.gradeOrder)) return 'commit record: gradeOrder missing';
  try {
    for (const g of c.gradeOrder) assertGrade(g);
    if (new Set(c.gradeOrder).size !== c.gradeOrder.length) return 'commit record: gradeOrder lists a grade twice';
    activeDepartments(c.inspectorsPerTask as Record<string, number>);
  } catch (e) {
    return `commit record: ${(e as Error).message}`;
  }
  for (const [name, rec] of [
    ['commit', c],
    ['draw', d],
  ] as const) {
    const strata = rec.strata;
    if (!Array.isArray(strata) || strata.length !== c.gradeOrder.length) {
      return `${name} record: strata must list the ${c.gradeOrder.length} grades of gradeOrder`;
    }
    for (let i = 0; i < strata.length; i++) {
      const s: unknown = strata[i];
      if (!isObj(s) || s.grade !== c.gradeOrder[i]) return `${name} record: strata[${i}] should be grade ${str(c.gradeOrder[i])}`;
      if (!isCount(s.population)) return `${name} record: population of grade ${s.grade} is not a non-negative integer`;
      if (!isCount(s.ratioBp) || s.ratioBp > 10000) return `${name} record: ratioBp of grade ${s.grade} is not an integer 0–10000`;
      if (name === 'draw' && !isCount(s.drawn)) return `draw record: drawn of grade ${s.grade} is not a non-negative integer`;
    }
  }
  if (!Array.isArray(d.tasks)) return 'draw record: tasks missing';
  for (let i = 0; i < d.tasks.length; i++) {
    const t: unknown = d.tasks[i];
    if (!isObj(t) || !Array.isArray(t.inspectors)) return `draw record: tasks[${i}] is malformed`;
  }
  return null;
}

/**
 * Verifies a draw from its public records and the three snapshot files, in this order:
 * protocol; SHA-256(serverSeed) = commitment; each file's digest; the files' format; per-grade
 * populations; the seed; the replay of §3–4 (drawn counts, then task by task). Reports the first
 * problem found.
 */
export function verifyDraw(input: VerifyInput): VerifyResult {
  const fail = (step: VerifyStep, message: string, seq?: number): VerifyResult =>
    seq === undefined ? { ok: false, step, message } : { ok: false, step, message, seq };

  const d = input.draw as unknown;
  const c = (input.commit ?? input.draw) as unknown;
  if (!isObj(d)) return fail('records', 'draw record missing or not an object');
  if (!isObj(c)) return fail('records', 'commit record missing or not an object');

  // 1. protocol
  if (c.protocol !== PROTOCOL) return fail('protocol', `commit record protocol is ${str(c.protocol)}, expected ${PROTOCOL}`);
  if (d.protocol !== PROTOCOL) return fail('protocol', `draw record protocol is ${str(d.protocol)}, expected ${PROTOCOL}`);

  const problem = recordsProblem(c, d);
  if (problem !== null) return fail('records', problem);
  const commit = c as unknown as CommitRecord;
  const draw = d as unknown as DrawRecord;

  // 2. commitment
  const commitment = sha256Hex(draw.serverSeed);
  if (commitment !== commit.commitment) {
    return fail('commitment', `serverSeed hashes to ${commitment}, commitment is ${commit.commitment}`);
  }

  // 3. file digests
  for (const [file, key] of [
    ['entitySnapshot', 'entitySnapshotDigest'],
    ['inspectorSnapshot', 'inspectorSnapshotDigest'],
    ['recusalSnapshot', 'recusalDigest'],
  ] as const) {
    const text = input[file];
    if (typeof text !== 'string') return fail(key, `${file} file missing`);
    const h = sha256Hex(text);
    if (h !== commit[key]) return fail(key, `${key} mismatch: file hashes to ${h}, record says ${commit[key]}`);
  }

  // 4. file format
  let parsed: ParsedSnapshots;
  try {
    parsed = parseSnapshotFiles(input);
  } catch (e) {
    return fail('snapshotFormat', (e as Error).message);
  }

  // 5. populations per grade
  const counts = new Map<string, number>(commit.gradeOrder.map((g) => [g, 0]));
  for (let i = 0; i < parsed.entityGrades.length; i++) {
    const g = parsed.entityGrades[i];
    const n = counts.get(g);
    if (n === undefined) return fail('populations', `entity ${parsed.entityIds[i]} has grade ${g}, which is not in gradeOrder`);
    counts.set(g, n + 1);
  }
  for (let i = 0; i < commit.gradeOrder.length; i++) {
    const g = commit.gradeOrder[i];
    const actual = counts.get(g)!;
    if (commit.strata[i].population !== actual) {
      return fail('populations', `grade ${g}: the entity file has ${actual} entities, commit record says ${commit.strata[i].population}`);
    }
    const ds = draw.strata[i];
    if (ds.population !== actual) {
      return fail('populations', `grade ${g}: the entity file has ${actual} entities, draw record says ${ds.population}`);
    }
    if (ds.ratioBp !== commit.strata[i].ratioBp) {
      return fail('records', `grade ${g}: ratioBp is ${commit.strata[i].ratioBp} in the commit record, ${ds.ratioBp} in the draw record`);
    }
  }

  // 6. seed
  const entropyErr = publicEntropyError(draw.publicEntropy);
  if (entropyErr !== null) return fail('seed', entropyErr);
  const seed = computeSeed({
    serverSeed: draw.serverSeed,
    publicEntropy: draw.publicEntropy,
    entitySnapshotDigest: commit.entitySnapshotDigest,
    inspectorSnapshotDigest: commit.inspectorSnapshotDigest,
    recusalDigest: commit.recusalDigest,
  });
  if (seed !== draw.seed) return fail('seed', `seed mismatch: recomputed ${seed}, record says ${draw.seed}`);

  // 7. replay
  let replay: ReturnType<typeof drawParsed>;
  try {
    const ratiosBp = Object.fromEntries(commit.strata.map((s) => [s.grade, s.ratioBp]));
    replay = drawParsed(seed, parsed, { gradeOrder: commit.gradeOrder, ratiosBp, inspectorsPerTask: commit.inspectorsPerTask });
  } catch (e) {
    return fail('replay', (e as Error).message);
  }
  const { strata, tasks: expected } = replay;
  for (let i = 0; i < strata.length; i++) {
    if (draw.strata[i].drawn !== strata[i].drawn) {
      return fail('strata', `grade ${strata[i].grade}: replay draws ${strata[i].drawn}, record says ${draw.strata[i].drawn}`);
    }
  }
  const published = draw.tasks;
  const common = Math.min(published.length, expected.length);
  for (let i = 0; i < common; i++) {
    const p = published[i];
    const e = expected[i];
    if (p.seq !== e.seq) return fail('tasks', `task #${i + 1} has seq ${str(p.seq)}, expected ${e.seq}`, e.seq);
    let same = p.entityId === e.entityId && (p.grade === undefined || p.grade === e.grade) && p.inspectors.length === e.inspectors.length;
    for (let j = 0; same && j < e.inspectors.length; j++) {
      const x = p.inspectors[j];
      same = isObj(x) && x.departmentCode === e.inspectors[j].departmentCode && x.inspectorId === e.inspectors[j].inspectorId;
    }
    if (!same) {
      const pg = p.grade === undefined ? '' : ` (grade ${str(p.grade)})`;
      return fail(
        'tasks',
        `task ${e.seq}: record has entity ${str(p.entityId)}${pg} with ${fmtTeam(p.inspectors)}; ` +
          `replay gives entity ${e.entityId} (grade ${e.grade}) with ${fmtTeam(e.inspectors)}`,
        e.seq,
      );
    }
  }
  if (published.length !== expected.length) {
    return fail('tasks', `task count mismatch: record has ${published.length} tasks, replay gives ${expected.length}`);
  }
  return { ok: true, seed, tasks: expected.length };
}
