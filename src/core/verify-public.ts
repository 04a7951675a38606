/**
 * The checks anyone can do from the public records alone, without the snapshot files (spec §5 "Verification
 * by anyone", guide §7): commitment, ceremony, seed, drawn counts, the public task list (count, uniqueness,
 * order, team sizes) and the ledger chain, hashed by the verifier itself. Pure: no I/O, runs in the browser.
 *
 * Each check is reported by code with an English detail (the verifier maps codes to Chinese). A check that does
 * not apply (no ceremony, no ledger given, revision 1 without entropyAt) is left out of `checks`.
 */
import { composeCeremonyEntropy } from './ceremony.ts';
import { activeDepartments } from './draw/params.ts';
import { compareUtf8, describe, isEntityId, isHex64, publicEntropyError } from './draw/ids.ts';
import { computeSeed } from './draw/seed.ts';
import { canonicalJson } from './jcs.ts';
import { verifyLedger, type LedgerEntry } from './ledger.ts';
import { isInstant, type CommitRecord, type DrawRecord } from './records.ts';
import { sha256Hex } from './sha256.ts';

export type PublicCheckCode =
  | 'commitment'
  | 'ceremony'
  | 'seed'
  | 'strata'
  | 'task_count'
  | 'task_unique'
  | 'task_order'
  | 'team_size'
  | 'ledger_chain'
  | 'ledger_records'
  | 'entropy_timing';

export interface PublicCheck {
  code: PublicCheckCode;
  ok: boolean;
  detail: string;
}

export interface PublicVerification {
  /** Every check in `checks` passed. */
  ok: boolean;
  checks: PublicCheck[];
}

export interface PublicVerifyInput {
  commit: CommitRecord;
  /** null for a plan committed but not drawn yet: only the ledger and timing checks of the commit run. */
  draw: DrawRecord | null;
  /** The WHOLE public ledger from seq 1, as downloaded (GET /public/v1/ledger pages). */
  ledger?: readonly LedgerEntry[];
}

type Outcome = { ok: boolean; detail: string };
const pass = (detail: string): Outcome => ({ ok: true, detail });
const failed = (detail: string): Outcome => ({ ok: false, detail });
const str = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)));
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function withoutMember(o: object, key: string): Record<string, unknown> {
  const { [key]: _drop, ...rest } = o as Record<string, unknown>;
  return rest;
}

/** The checks of §5 "Verification by anyone" on a plan's public commit and draw records (and the ledger). */
export function verifyPublicRecords(input: PublicVerifyInput): PublicVerification {
  const checks: PublicCheck[] = [];
  const run = (code: PublicCheckCode, fn: () => Outcome) => {
    let o: Outcome;
    try {
      o = fn();
    } catch (e) {
      o = failed(`malformed records: ${(e as Error).message}`);
    }
    checks.push({ code, ...o });
  };
  const commit = input.commit as unknown;
  const draw = input.draw as unknown;
  if (!isObj(commit)) {
    checks.push({ code: 'commitment', ok: false, detail: 'the commit record is missing or not an object' });
    return { ok: false, checks };
  }
  const c = commit as unknown as CommitRecord;
  const d = isObj(draw) ? (draw as unknown as DrawRecord) : null;
  const rev2 = c.records === 2;

  if (d !== null) {
    run('commitment', () => commitmentCheck(c, d));
    if (d.contributions !== undefined) run('ceremony', () => ceremonyCheck(d));
    run('seed', () => seedCheck(c, d));
    run('strata', () => strataCheck(c, d));
    run('task_count', () => taskCountCheck(d));
    run('task_unique', () => taskUniqueCheck(d));
    run('task_order', () => taskOrderCheck(d));
    run('team_size', () => teamSizeCheck(c, d));
  } else if (draw !== null && draw !== undefined) {
    checks.push({ code: 'commitment', ok: false, detail: 'the draw record is not an object' });
  }

  let commitAt: string | undefined = typeof c.committedAt === 'string' ? c.committedAt : undefined;
  let drawAt: string | undefined = d !== null && typeof d.drawnAt === 'string' ? d.drawnAt : undefined;
  let timesFrom = "the records' own times";
  if (input.ledger !== undefined) {
    const ledger = input.ledger;
    run('ledger_chain', () => {
      if (!Array.isArray(ledger)) return failed('the ledger is not an array of entries');
      const v = verifyLedger(ledger);
      return v.ok ? pass(`all ${v.seq} entries hash correctly and link to the one before; head ${v.hash}`) : failed(`entry ${v.seq}: ${v.reason}`);
    });
    run('ledger_records', () => {
      const r = ledgerRecordsCheck(c, d, ledger);
      if (r.ok) {
        commitAt = r.commitAt;
        drawAt = r.drawAt;
        timesFrom = 'the ledger entries';
      }
      return r;
    });
  }
  if (rev2 || c.entropyAt !== undefined) {
    run('entropy_timing', () => {
      if (!isInstant(c.entropyAt)) return failed(`entropyAt ${describe(c.entropyAt)} is not an ISO 8601 UTC instant with milliseconds`);
      const at = Date.parse(c.entropyAt);
      if (commitAt !== undefined && !(Date.parse(commitAt) < at)) return failed(`committed at ${commitAt}, not before entropyAt ${c.entropyAt}`);
      if (d === null) return pass(`committed at ${commitAt ?? '(unknown)'}, before entropyAt ${c.entropyAt} (by ${timesFrom}); not drawn yet`);
      if (drawAt === undefined) return failed('the time of the draw is unknown');
      if (!(Date.parse(drawAt) >= at))
        return failed(`drawn at ${drawAt}, before entropyAt ${c.entropyAt}: the public entropy could not be known yet`);
      return pass(`committed at ${commitAt ?? '(unknown)'}, drawn at ${drawAt}, not before entropyAt ${c.entropyAt} (by ${timesFrom})`);
    });
  }
  return { ok: checks.every((x) => x.ok), checks };
}

function commitmentCheck(c: CommitRecord, d: DrawRecord): Outcome {
  if (d.planId !== c.planId) return failed(`the draw record is of plan ${str(d.planId)}, the commit record of plan ${str(c.planId)}`);
  for (const [name, r] of [
    ['commit', c],
    ['draw', d],
  ] as const) {
    const rec = (r as { records?: unknown }).records;
    if (rec !== undefined && rec !== 2) return failed(`the ${name} record has an unknown records revision ${str(rec)}`);
  }
  if (c.records !== d.records) return failed(`the commit record is revision ${c.records ?? 1}, the draw record revision ${d.records ?? 1}`);
  if (!isHex64(c.commitment)) return failed('the commitment is not 64 lowercase hex characters');
  if (!isHex64(d.serverSeed)) return failed('serverSeed is not 64 lowercase hex characters');
  const h = sha256Hex(d.serverSeed);
  return h === c.commitment
    ? pass(`SHA-256(serverSeed) = ${h} = commitment`)
    : failed(`serverSeed hashes to ${h}, the commitment is ${c.commitment}`);
}

function ceremonyCheck(d: DrawRecord): Outcome {
  const composed = composeCeremonyEntropy(d.contributions!);
  return composed === d.publicEntropy
    ? pass(`publicEntropy ${composed} is the composition of the ${d.contributions!.length} contributions`)
    : failed(`the contributions compose to ${composed}, the record's publicEntropy is ${describe(d.publicEntropy)}`);
}

function seedCheck(c: CommitRecord, d: DrawRecord): Outcome {
  const err = publicEntropyError(d.publicEntropy);
  if (err !== null) return failed(err);
  for (const k of ['entitySnapshotDigest', 'inspectorSnapshotDigest', 'recusalDigest'] as const) {
    if (!isHex64(c[k])) return failed(`the commit record's ${k} is not 64 lowercase hex characters`);
  }
  if (!isHex64(d.serverSeed)) return failed('serverSeed is not 64 lowercase hex characters');
  const seed = computeSeed({
    serverSeed: d.serverSeed,
    publicEntropy: d.publicEntropy,
    entitySnapshotDigest: c.entitySnapshotDigest,
    inspectorSnapshotDigest: c.inspectorSnapshotDigest,
    recusalDigest: c.recusalDigest,
  });
  return seed === d.seed ? pass(`seed ${seed} recomputed`) : failed(`the seed recomputes to ${seed}, the record says ${str(d.seed)}`);
}

function strataCheck(c: CommitRecord, d: DrawRecord): Outcome {
  if (!Array.isArray(c.gradeOrder) || !Array.isArray(c.strata) || !Array.isArray(d.strata)) return failed('gradeOrder or strata missing');
  if (c.strata.length !== c.gradeOrder.length || d.strata.length !== c.gradeOrder.length) {
    return failed(`the strata must list the ${c.gradeOrder.length} grades of gradeOrder`);
  }
  for (let i = 0; i < c.gradeOrder.length; i++) {
    const g = c.gradeOrder[i];
    const cs = c.strata[i];
    const ds = d.strata[i];
    if (!isObj(cs) || !isObj(ds) || cs.grade !== g || ds.grade !== g) return failed(`strata[${i}] should be grade ${str(g)} in both records`);
    if (!isCount(cs.population) || !isCount(cs.ratioBp) || cs.ratioBp > 10000) return failed(`grade ${g}: population or ratioBp malformed`);
    if (ds.population !== cs.population || ds.ratioBp !== cs.ratioBp) {
      return failed(
        `grade ${g}: the draw record says population ${str(ds.population)} at ${str(ds.ratioBp)} bp, the commit record ${cs.population} at ${cs.ratioBp} bp`,
      );
    }
    const n = Math.min(cs.population, Math.floor((cs.ratioBp * cs.population + 9999) / 10000));
    if (ds.drawn !== n) return failed(`grade ${g}: ${cs.ratioBp} bp of ${cs.population} is ${n}, the record says ${str(ds.drawn)} drawn`);
  }
  // Where the tasks carry their grades (a public scheme), the per-grade counts must match too.
  if (Array.isArray(d.tasks) && d.tasks.length > 0 && d.tasks.every((t) => isObj(t) && t.grade !== undefined)) {
    for (const s of d.strata) {
      const k = d.tasks.filter((t) => t.grade === s.grade).length;
      if (k !== s.drawn) return failed(`grade ${s.grade}: ${k} tasks carry the grade, ${s.drawn} drawn`);
    }
  }
  const total = d.strata.reduce((a, s) => a + s.drawn, 0);
  return pass(`every grade's drawn count is its ratio of the population, rounded up (${total} in all)`);
}

function taskCountCheck(d: DrawRecord): Outcome {
  if (!Array.isArray(d.tasks)) return failed('tasks missing');
  const total = d.strata.reduce((a, s) => a + (isCount(s.drawn) ? s.drawn : Number.NaN), 0);
  return d.tasks.length === total
    ? pass(`${total} tasks = the sum of the drawn counts`)
    : failed(`${d.tasks.length} tasks, the drawn counts add up to ${total}`);
}

function taskUniqueCheck(d: DrawRecord): Outcome {
  const seen = new Set<string>();
  for (let i = 0; i < d.tasks.length; i++) {
    const t = d.tasks[i];
    if (!isObj(t) || !isEntityId(t.entityId)) return failed(`tasks[${i}] has no valid entityId`);
    if (seen.has(t.entityId)) return failed(`entity ${t.entityId} appears twice`);
    seen.add(t.entityId);
  }
  return pass(`${seen.size} different entities`);
}

function taskOrderCheck(d: DrawRecord): Outcome {
  const tasks = d.tasks;
  if (d.records !== 2) {
    for (let i = 0; i < tasks.length; i++) {
      if (tasks[i].seq !== i + 1) return failed(`revision 1: tasks[${i}] has seq ${str(tasks[i].seq)}, expected ${i + 1}`);
    }
    return pass('revision 1: tasks numbered 1… in order');
  }
  for (let i = 1; i < tasks.length; i++) {
    if (!(compareUtf8(String(tasks[i - 1].entityId), String(tasks[i].entityId)) < 0)) {
      return failed(`tasks[${i}] (${str(tasks[i].entityId)}) does not follow ${str(tasks[i - 1].entityId)} in entityId order`);
    }
  }
  const withSeq = tasks.filter((t) => t.seq !== undefined).length;
  if (withSeq !== 0) {
    if (withSeq !== tasks.length) return failed(`${withSeq} of ${tasks.length} tasks carry a seq: all or none`);
    const seqs = new Set(tasks.map((t) => t.seq));
    for (let s = 1; s <= tasks.length; s++) if (!seqs.has(s)) return failed(`no task has seq ${s}`);
  }
  return pass('revision 2: tasks sorted by entityId');
}

function teamSizeCheck(c: CommitRecord, d: DrawRecord): Outcome {
  const depts = activeDepartments(c.inspectorsPerTask);
  const k = c.inspectorsPerTask;
  const size = depts.reduce((a, x) => a + k[x], 0);
  for (let i = 0; i < d.tasks.length; i++) {
    const t = d.tasks[i];
    const team = t.inspectors;
    const who = `task of entity ${str(t.entityId)}`;
    if (!Array.isArray(team) || team.length !== size)
      return failed(`${who}: ${Array.isArray(team) ? team.length : 'no'} inspectors, ${size} expected`);
    let at = 0;
    for (const dep of depts) {
      const members = new Set<string>();
      for (let j = 0; j < k[dep]; j++, at++) {
        const x: unknown = team[at];
        if (!isObj(x) || x.departmentCode !== dep || typeof x.inspectorId !== 'string') {
          return failed(`${who}: inspector ${at + 1} should be of department ${dep} (${k[dep]} per task, departments in code order)`);
        }
        if (members.has(x.inspectorId)) return failed(`${who}: inspector ${x.inspectorId} is in the team twice`);
        members.add(x.inspectorId);
      }
    }
  }
  return pass(`every task has ${depts.map((x) => `${k[x]} of ${x}`).join(', ') || 'no inspectors'}`);
}

function ledgerRecordsCheck(c: CommitRecord, d: DrawRecord | null, ledger: readonly LedgerEntry[]): Outcome & { commitAt?: string; drawAt?: string } {
  if (!Array.isArray(ledger)) return failed('the ledger is not an array of entries');
  const mine = ledger.filter((e) => isObj(e) && e.planId === c.planId);
  const committed = mine.filter((e) => e.kind === 'plan.committed');
  const drawn = mine.filter((e) => e.kind === 'plan.drawn');
  if (committed.length !== 1) return failed(`the ledger has ${committed.length} plan.committed entries for ${str(c.planId)}, 1 expected`);
  const ce = committed[0];
  if (canonicalJson(ce.body) !== canonicalJson(withoutMember(c, 'committedAt'))) {
    return failed(`the plan.committed entry (seq ${ce.seq}) differs from the commit record`);
  }
  if (c.committedAt !== undefined && c.committedAt !== ce.at) return failed(`the record says committed at ${c.committedAt}, the ledger ${ce.at}`);
  if (d === null) {
    if (drawn.length !== 0) return failed('the ledger has a plan.drawn entry, but no draw record was given');
    return { ...pass(`the commit record is entry ${ce.seq}`), commitAt: ce.at };
  }
  if (drawn.length !== 1) return failed(`the ledger has ${drawn.length} plan.drawn entries for ${str(c.planId)}, 1 expected`);
  const de = drawn[0];
  if (canonicalJson(de.body) !== canonicalJson(withoutMember(d, 'drawnAt'))) {
    return failed(`the plan.drawn entry (seq ${de.seq}) differs from the public draw record`);
  }
  if (d.drawnAt !== undefined && d.drawnAt !== de.at) return failed(`the record says drawn at ${d.drawnAt}, the ledger ${de.at}`);
  if (!(de.seq > ce.seq)) return failed(`the plan.drawn entry (seq ${de.seq}) comes before the plan.committed entry (seq ${ce.seq})`);
  return { ...pass(`the commit record is entry ${ce.seq}, the draw record entry ${de.seq}`), commitAt: ce.at, drawAt: de.at };
}
