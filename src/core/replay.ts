/**
 * Verification of a draw by an auditor (spec §5): the full replay from the public records and the three snapshot
 * files, in revision 1 and revision 2 (incl. the task file against taskDigest). Pure: no I/O, runs in the browser.
 *
 * The records themselves and their builders are in records.ts, the checks anyone can do without the files in
 * verify-public.ts; both are re-exported here, so `core/replay.ts` stays the one entry point.
 */
import { composeCeremonyEntropy } from './ceremony.ts';
import { PROTOCOL, assertGrade, describe, isHex64, publicEntropyError } from './draw/ids.ts';
import { activeDepartments } from './draw/params.ts';
import { parseSnapshotFiles } from './draw/parse.ts';
import { drawParsed } from './draw/run.ts';
import { computeSeed } from './draw/seed.ts';
import { publicTaskOrder, serializeTaskFile } from './draw/taskfile.ts';
import type { InspectorRef, ParsedSnapshots, TaskAssignment } from './draw/types.ts';
import type { CommitRecord, DrawRecord, PublishedTask } from './records.ts';
import { sha256Hex } from './sha256.ts';

export * from './records.ts';
export * from './verify-public.ts';

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
  | 'tasks'
  | 'taskDigest'; // revision 2: the replayed task file (and the given one) against taskDigest

export type VerifyResult = { ok: true; seed: string; tasks: number } | { ok: false; step: VerifyStep; message: string; seq?: number };

export interface VerifyInput {
  /** The commit record. May be omitted when `draw` also carries all commit fields. */
  commit?: CommitRecord;
  draw: DrawRecord;
  entitySnapshot: string;
  inspectorSnapshot: string;
  recusalSnapshot: string;
  /** The task file (optional): must hash to taskDigest (revision 2) and equal the replayed one. */
  taskFile?: string;
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
  for (const [name, rec] of [
    ['commit', c],
    ['draw', d],
  ] as const) {
    if (rec.records !== undefined && rec.records !== 2) return `${name} record: unknown records revision ${str(rec.records)}`;
  }
  if (c.records !== d.records) {
    return `the commit record is revision ${c.records === 2 ? 2 : 1}, the draw record revision ${d.records === 2 ? 2 : 1}`;
  }
  if (d.records === 2 && !isHex64(d.taskDigest)) return 'draw record: taskDigest is not 64 lowercase hex characters';
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
 * populations; the seed (after a ceremony, publicEntropy composed from the contributions); the replay of
 * §3–4 (drawn counts, then task by task: in seq order, or in revision 2's public order by entityId); in
 * revision 2 the replayed task file against taskDigest; and a given task file against both. Reports the
 * first problem found.
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
  if (draw.contributions !== undefined) {
    let composed: string;
    try {
      composed = composeCeremonyEntropy(draw.contributions);
    } catch (e) {
      return fail('seed', `contributions: ${(e as Error).message}`);
    }
    if (composed !== draw.publicEntropy) {
      return fail('seed', `publicEntropy ${describe(draw.publicEntropy)} is not the composition of the contributions (${composed})`);
    }
  }
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
  const tasksProblem = compareTasks(draw, expected);
  if (tasksProblem !== null) return tasksProblem;

  // 8. the task file (revision 2: against taskDigest)
  const replayedFile = serializeTaskFile(expected);
  if (draw.records === 2) {
    const h = sha256Hex(replayedFile);
    if (h !== draw.taskDigest) return fail('taskDigest', `the replayed task file hashes to ${h}, the record's taskDigest is ${str(draw.taskDigest)}`);
  }
  if (input.taskFile !== undefined) {
    if (typeof input.taskFile !== 'string') return fail('taskDigest', 'the task file is not text');
    if (draw.records === 2) {
      const h = sha256Hex(input.taskFile);
      if (h !== draw.taskDigest) return fail('taskDigest', `the task file hashes to ${h}, the record's taskDigest is ${str(draw.taskDigest)}`);
    }
    if (input.taskFile !== replayedFile) {
      const step = draw.records === 2 ? 'taskDigest' : 'tasks';
      const a = input.taskFile.split('\n');
      const b = replayedFile.split('\n');
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      const got = i < a.length ? describe(a[i]) : 'the end of the file';
      const want = i < b.length && b[i] !== '' ? describe(b[i]) : 'the end of the file';
      return fail(
        step,
        `task file line ${i + 1} differs from the replay: the file has ${got}, the replay gives ${want}`,
        i < expected.length ? i + 1 : undefined,
      );
    }
  }
  return { ok: true, seed, tasks: expected.length };
}

function sameTask(p: PublishedTask, e: TaskAssignment): boolean {
  let same =
    p.entityId === e.entityId &&
    (p.grade === undefined || p.grade === e.grade) &&
    (p.seq === undefined || p.seq === e.seq) &&
    p.inspectors.length === e.inspectors.length;
  for (let j = 0; same && j < e.inspectors.length; j++) {
    const x = p.inspectors[j];
    same = isObj(x) && x.departmentCode === e.inspectors[j].departmentCode && x.inspectorId === e.inspectors[j].inspectorId;
  }
  return same;
}

/**
 * The record's tasks against the replay's. Revision 1, and a revision-2 full record (every task with seq,
 * numbered 1…n in order): in seq order. A revision-2 public record: the replay sorted by entityId; seq and
 * grade, where present, must match too.
 */
function compareTasks(draw: DrawRecord, expected: readonly TaskAssignment[]): VerifyResult | null {
  const published = draw.tasks;
  const inSeqOrder = draw.records !== 2 || published.every((t, i) => t.seq === i + 1);
  const order = inSeqOrder ? expected : publicTaskOrder(expected);
  const common = Math.min(published.length, order.length);
  for (let i = 0; i < common; i++) {
    const p = published[i];
    const e = order[i];
    if (inSeqOrder && p.seq !== e.seq)
      return { ok: false, step: 'tasks', message: `task #${i + 1} has seq ${str(p.seq)}, expected ${e.seq}`, seq: e.seq };
    if (!sameTask(p, e)) {
      const pg = p.grade === undefined ? '' : ` (grade ${str(p.grade)})`;
      const ps = inSeqOrder || p.seq === undefined ? '' : ` seq ${str(p.seq)}`;
      const where = inSeqOrder ? `task ${e.seq}` : `public task #${i + 1} (sorted by entityId)`;
      const es = inSeqOrder ? `grade ${e.grade}` : `seq ${e.seq}, grade ${e.grade}`;
      return {
        ok: false,
        step: 'tasks',
        message:
          `${where}: record has entity ${str(p.entityId)}${ps}${pg} with ${fmtTeam(p.inspectors)}; ` +
          `replay gives entity ${e.entityId} (${es}) with ${fmtTeam(e.inspectors)}`,
        seq: e.seq,
      };
    }
  }
  if (published.length !== order.length) {
    return { ok: false, step: 'tasks', message: `task count mismatch: record has ${published.length} tasks, replay gives ${order.length}` };
  }
  return null;
}
