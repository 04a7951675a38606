import t from 'tap';
import { serializeEntitySnapshot, serializeInspectorSnapshot, serializeRecusalSnapshot } from '../../src/core/draw/snapshot.ts';
import { parseEntitySnapshot, parseInspectorSnapshot, parseRecusalSnapshot } from '../../src/core/draw/parse.ts';
import { commitmentOf, computeSeed } from '../../src/core/draw/seed.ts';
import { runDraw } from '../../src/core/draw/run.ts';
import type { EntityRow, InspectorRow, RecusalRow } from '../../src/core/draw/types.ts';
import {
  buildCommitRecord,
  buildDrawRecord,
  buildVoidRecord,
  prepareCommit,
  verifyDraw,
  withoutGrades,
  type CommitRecord,
  type DrawRecord,
  type VerifyInput,
} from '../../src/core/replay.ts';
import { sha256Hex } from '../../src/core/sha256.ts';
import { SPEC_EXAMPLE as EX, SPEC_EXAMPLE_EXPECTED } from './spec-example.ts';

function specRecords(includeGrades = true) {
  const prepared = prepareCommit({
    planId: EX.planId,
    serverSeed: EX.serverSeed,
    entities: parseEntitySnapshot(EX.entitySnapshot).reverse(),
    inspectors: parseInspectorSnapshot(EX.inspectorSnapshot).reverse(),
    // plus a pair outside the snapshots, which prepareCommit must drop
    recusals: [...parseRecusalSnapshot(EX.recusalSnapshot), { inspectorId: 'NOBODY', entityId: '915001033AGYGLUY2P' }],
    gradeOrder: EX.gradeOrder,
    ratiosBp: EX.ratiosBp,
    inspectorsPerTask: EX.inspectorsPerTask,
    entropySource: EX.entropySource,
    committedAt: EX.committedAt,
  });
  if (!prepared.ok) throw new Error(prepared.message);
  const result = runDraw({ ...EX, ...prepared.files });
  const draw = buildDrawRecord({
    commit: prepared.record,
    serverSeed: EX.serverSeed,
    publicEntropy: EX.publicEntropy,
    result,
    drawnAt: '2026-11-29T02:00:00.000Z',
    includeGrades,
  });
  return { commit: prepared.record, draw, files: prepared.files };
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

t.test('records of the §7 example', async (t) => {
  const { commit, draw, files } = specRecords();
  t.equal(files.entitySnapshot, EX.entitySnapshot);
  t.equal(files.inspectorSnapshot, EX.inspectorSnapshot);
  t.equal(files.recusalSnapshot, EX.recusalSnapshot, 'out-of-snapshot recusal dropped');
  // the commit record is the §7 ledger body plus committedAt, field for field
  t.strictSame(commit, { ...SPEC_EXAMPLE_EXPECTED.ledgerEntry.body, committedAt: EX.committedAt });
  t.strictSame(Object.keys(commit), [
    'protocol',
    'planId',
    'commitment',
    'entitySnapshotDigest',
    'inspectorSnapshotDigest',
    'recusalDigest',
    'gradeOrder',
    'strata',
    'inspectorsPerTask',
    'entropySource',
    'committedAt',
  ]);
  t.strictSame(Object.keys(draw), ['protocol', 'planId', 'serverSeed', 'publicEntropy', 'seed', 'strata', 'tasks', 'drawnAt']);
  t.equal(draw.seed, SPEC_EXAMPLE_EXPECTED.seed);
  t.strictSame(draw.strata, SPEC_EXAMPLE_EXPECTED.strata);
  t.strictSame(
    draw.tasks.map((x) => [x.seq, x.entityId, x.grade, x.inspectors.map((i) => `${i.departmentCode}:${i.inspectorId}`)]),
    SPEC_EXAMPLE_EXPECTED.tasks,
  );
  // members in JCS order, so the ledger's canonical text needs no reordered copy
  t.strictSame(Object.keys(draw.tasks[0]), ['entityId', 'grade', 'inspectors', 'seq']);
  const pub = specRecords(false).draw;
  t.strictSame(Object.keys(pub.tasks[0]), ['entityId', 'inspectors', 'seq'], 'public record: no grades');
  t.strictSame(withoutGrades(draw), pub);
});

t.test('verifyDraw accepts honest records (full, public, embedded commit)', async (t) => {
  const { commit, draw, files } = specRecords();
  t.strictSame(verifyDraw({ commit, draw, ...files }), { ok: true, seed: SPEC_EXAMPLE_EXPECTED.seed, tasks: 7 });
  t.match(verifyDraw({ commit, draw: withoutGrades(draw), ...files }), { ok: true });
  t.match(verifyDraw({ draw: { ...commit, ...draw } as DrawRecord, ...files }), { ok: true }, 'commit fields embedded in the draw');
  // records that went through JSON (as downloaded) verify too
  t.match(verifyDraw({ commit: clone(commit), draw: clone(draw), ...files }), { ok: true });
});

t.test('each kind of tampering is reported at the right step', async (t) => {
  const honest = specRecords();
  type Case = [name: string, edit: (v: { commit: CommitRecord; draw: DrawRecord } & VerifyInput) => void, step: string, msg?: RegExp];
  const otherSeed = 'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffee0000';
  const cases: Case[] = [
    [
      'protocol of the draw',
      (v) => void ((v.draw as { protocol: string }).protocol = 'draw-v2'),
      'protocol',
      /draw record protocol is draw-v2, expected draw-v1/,
    ],
    ['protocol of the commit', (v) => void ((v.commit as { protocol: string }).protocol = 'draw-v0'), 'protocol'],
    ['planId', (v) => void (v.draw.planId = 'PLAN-2026-0002'), 'records', /planId mismatch/],
    ['tasks missing', (v) => void delete (v.draw as Partial<DrawRecord>).tasks, 'records'],
    ['server seed', (v) => void (v.draw.serverSeed = otherSeed), 'commitment', /serverSeed hashes to [0-9a-f]{64}, commitment is 1c341f37/],
    ['commitment', (v) => void (v.commit.commitment = commitmentOf(otherSeed)), 'commitment'],
    [
      'an entity file line',
      (v) => void (v.entitySnapshot = v.entitySnapshot.replace('92500103PA2HH99E7G\tC', '92500103PA2HH99E7G\tB')),
      'entitySnapshotDigest',
      /^entitySnapshotDigest mismatch: file hashes to [0-9a-f]{64}, record says 8de5549b/,
    ],
    ['an entity file line removed', (v) => void (v.entitySnapshot = v.entitySnapshot.replace('92500103PA2HH99E7G\tC\n', '')), 'entitySnapshotDigest'],
    ['an inspector file line', (v) => void (v.inspectorSnapshot = v.inspectorSnapshot.replace('SJ-003', 'SJ-005')), 'inspectorSnapshotDigest'],
    ['a recusal line dropped', (v) => void (v.recusalSnapshot = v.recusalSnapshot.replace('WJ-01\t92500108RQUKWFCX6A\n', '')), 'recusalDigest'],
    ['an empty recusal file', (v) => void (v.recusalSnapshot = ''), 'recusalDigest'],
    [
      'a population in the commit',
      (v) => void (v.commit.strata[1].population = 5),
      'populations',
      /grade B: the entity file has 4 entities, commit record says 5/,
    ],
    ['a population in the draw', (v) => void (v.draw.strata[2].population = 3), 'populations'],
    [
      'public entropy',
      (v) => void (v.draw.publicEntropy = '6 2 5 3 1 4 4 2 6 2'),
      'seed',
      /seed mismatch: recomputed [0-9a-f]{64}, record says f7fe2d47/,
    ],
    ['entropy with a control character', (v) => void (v.draw.publicEntropy = '6 2 5\n'), 'seed', /control character/],
    ['the seed', (v) => void (v.draw.seed = sha256Hex('x')), 'seed'],
    [
      're-rolled entropy with a matching seed',
      (v) => {
        v.draw.publicEntropy = '1 1 1 1 1 1 1 1 1 1';
        v.draw.seed = computeSeed({ serverSeed: v.draw.serverSeed, publicEntropy: v.draw.publicEntropy, ...v.commit });
      },
      'tasks',
    ],
    ['a stratum count', (v) => void (v.draw.strata[3].drawn = 2), 'strata', /grade D: replay draws 3, record says 2/],
    ['a ratio in both records', (v) => void (v.commit.strata[0].ratioBp = v.draw.strata[0].ratioBp = 10000), 'strata'],
    ['a ratio in one record', (v) => void (v.commit.strata[0].ratioBp = 10000), 'records'],
    [
      "a task's entity",
      (v) => void (v.draw.tasks[2].entityId = '91500106RJHTPQQF9H'),
      'tasks',
      /^task 3: record has entity 91500106RJHTPQQF9H \(grade B\) with SCJG:SJ-003, SCJG:SJ-002, WJW:WJ-02; replay gives entity 91500110XBRCPGL20W \(grade B\) with SCJG:SJ-003, SCJG:SJ-002, WJW:WJ-02$/,
    ],
    [
      "a task's inspector",
      (v) => void (v.draw.tasks[4].inspectors[1].inspectorId = 'SJ-001'),
      'tasks',
      /^task 5: .*SCJG:SJ-003, SCJG:SJ-001, WJW:WJ-02; replay gives .*SCJG:SJ-003, SCJG:SJ-004, WJW:WJ-02$/,
    ],
    ["a task's inspector order", (v) => void v.draw.tasks[0].inspectors.reverse(), 'tasks', /^task 1:/],
    ["a task's inspector department", (v) => void (v.draw.tasks[6].inspectors[2].departmentCode = 'SCJG'), 'tasks', /^task 7:/],
    ["a task's grade", (v) => void (v.draw.tasks[1].grade = 'A'), 'tasks', /^task 2:/],
    ['two tasks swapped', (v) => void ([v.draw.tasks[5], v.draw.tasks[6]] = [v.draw.tasks[6], v.draw.tasks[5]]), 'tasks', /seq 7, expected 6/],
    ['a task dropped', (v) => void v.draw.tasks.pop(), 'tasks', /task count mismatch: record has 6 tasks, replay gives 7/],
    ['a task added', (v) => void v.draw.tasks.push({ seq: 8, entityId: 'X', inspectors: [] }), 'tasks', /record has 8 tasks, replay gives 7/],
    ['inspectorsPerTask', (v) => void (v.commit.inspectorsPerTask = { SCJG: 1, WJW: 1 }), 'tasks'],
    ['an unstaffable commit', (v) => void (v.commit.inspectorsPerTask = { SCJG: 2, WJW: 2 }), 'replay', /only 1 non-recused/],
  ];
  for (const [name, edit, step, msg] of cases) {
    const v = { commit: clone(honest.commit), draw: clone(honest.draw), ...honest.files };
    edit(v);
    const r = verifyDraw(v);
    t.equal(r.ok, false, `${name}: rejected`);
    if (!r.ok) {
      t.equal(r.step, step, `${name}: step ${step} (${r.message})`);
      if (msg) t.match(r.message, msg, `${name}: message`);
    }
  }
});

t.test('a commit to a malformed file fails at snapshotFormat', async (t) => {
  const { commit, draw, files } = specRecords();
  const unsorted = files.entitySnapshot.split('\n').slice(0, -1).reverse().join('\n') + '\n';
  const c = { ...clone(commit), entitySnapshotDigest: sha256Hex(unsorted) };
  t.match(verifyDraw({ commit: c, draw, ...files, entitySnapshot: unsorted }), {
    ok: false,
    step: 'snapshotFormat',
    message: /entity snapshot line 2: not sorted/,
  });
  const crlf = files.inspectorSnapshot.replace(/\n/g, '\r\n');
  const c2 = { ...clone(commit), inspectorSnapshotDigest: sha256Hex(crlf) };
  t.match(verifyDraw({ commit: c2, draw, ...files, inspectorSnapshot: crlf }), {
    ok: false,
    step: 'snapshotFormat',
    message: /inspector snapshot line 1: .*CRLF/,
  });
});

t.test('verifyDraw never throws on junk', async (t) => {
  const { commit, draw, files } = specRecords();
  const junk: unknown[] = [null, 1, 'x', [], {}, { protocol: 'draw-v1' }];
  for (const j of junk) {
    t.doesNotThrow(() => verifyDraw({ commit: j as CommitRecord, draw, ...files }));
    t.doesNotThrow(() => verifyDraw({ commit, draw: j as DrawRecord, ...files }));
    const r = verifyDraw({ commit, draw: j as DrawRecord, ...files });
    t.equal(r.ok, false);
  }
  const d = clone(draw) as unknown as { tasks: unknown[] };
  d.tasks[0] = { seq: 1, entityId: 5, inspectors: [null, 3] };
  t.match(verifyDraw({ commit, draw: d as unknown as DrawRecord, ...files }), { ok: false, step: 'tasks' });
  t.match(verifyDraw({ commit, draw, ...files, entitySnapshot: undefined as unknown as string }), {
    ok: false,
    step: 'entitySnapshotDigest',
    message: /missing/,
  });
});

t.test('builders refuse inconsistent input', async (t) => {
  const { commit, files } = specRecords();
  const result = runDraw({ ...EX, ...files });
  const base = { commit, serverSeed: EX.serverSeed, publicEntropy: EX.publicEntropy, result, drawnAt: 'now', includeGrades: true };
  t.throws(() => buildDrawRecord({ ...base, serverSeed: 'ab'.repeat(32) }), /does not match the commitment/);
  t.throws(() => buildDrawRecord({ ...base, publicEntropy: 'other' }), /result.seed does not match/);
  t.throws(() => buildDrawRecord({ ...base, commit: { ...commit, recusalDigest: sha256Hex('') } }), /recusalDigest/);
  t.throws(() => buildCommitRecord({ ...commit, commitment: 'x' }), /commitment/);
  t.throws(() => buildCommitRecord({ ...commit, entropySource: ' ' }), /entropySource/);
  t.throws(() => buildCommitRecord({ ...commit, gradeOrder: ['A', 'B', 'D', 'C'] }), /strata\[2\] is grade C, gradeOrder says D/);
  t.throws(() => buildCommitRecord({ ...commit, strata: commit.strata.slice(1) }), /one entry per grade/);
  t.throws(() => buildCommitRecord({ ...commit, strata: [{ ...commit.strata[0], ratioBp: 20000 }, ...commit.strata.slice(1)] }), /ratioBp/);
  t.throws(() => buildCommitRecord({ ...commit, inspectorsPerTask: { SCJG: -1 } }), /inspectorsPerTask/);
  t.strictSame(buildCommitRecord(commit), commit);

  t.strictSame(buildVoidRecord({ planId: 'P', reason: 'court order', serverSeed: EX.serverSeed, commitment: commit.commitment }), {
    planId: 'P',
    reason: 'court order',
    serverSeed: EX.serverSeed,
  });
  t.throws(() => buildVoidRecord({ planId: 'P', reason: 'r', serverSeed: 'ab'.repeat(32), commitment: commit.commitment }), /commitment/);
});

t.test('prepareCommit refuses an unstaffable pool, naming the entity', async (t) => {
  const r = prepareCommit({
    planId: 'P',
    serverSeed: EX.serverSeed,
    entities: parseEntitySnapshot(EX.entitySnapshot),
    inspectors: parseInspectorSnapshot(EX.inspectorSnapshot),
    recusals: [...parseRecusalSnapshot(EX.recusalSnapshot), { inspectorId: 'SJ-003', entityId: '9150010839T3E0TW3H' }],
    gradeOrder: EX.gradeOrder,
    ratiosBp: EX.ratiosBp,
    inspectorsPerTask: EX.inspectorsPerTask,
    entropySource: 'dice',
    committedAt: 'now',
  });
  t.match(r, {
    ok: false,
    infeasibility: { entityId: '9150010839T3E0TW3H', departmentCode: 'SCJG', available: 1, required: 2 },
    message: 'entity 9150010839T3E0TW3H has only 1 non-recused inspectors in department SCJG, 2 required',
  });
});

t.test('a generated mid-size draw verifies, and a single changed inspector is pinpointed', async (t) => {
  // deterministic pseudo-random data
  let x = 12345;
  const rnd = (n: number) => ((x = (x * 1103515245 + 12345) % 2147483648), x % n);
  const grades = ['A', 'B', 'C'];
  const entities: EntityRow[] = Array.from({ length: 3000 }, (_, i) => ({ id: `91${String(i * 7919).padStart(16, '0')}`, grade: grades[rnd(3)] }));
  const inspectors: InspectorRow[] = [];
  for (const d of ['SCJG', 'WJW', 'HB']) for (let i = 0; i < 12; i++) inspectors.push({ departmentCode: d, inspectorId: `${d}-${i}` });
  const recusals: RecusalRow[] = Array.from({ length: 400 }, () => ({
    inspectorId: inspectors[rnd(inspectors.length)].inspectorId,
    entityId: entities[rnd(entities.length)].id,
  }));
  const serverSeed = sha256Hex('mid-size');
  const prepared = prepareCommit({
    planId: 'P-MID',
    serverSeed,
    entities,
    inspectors,
    recusals,
    gradeOrder: grades,
    ratiosBp: { A: 300, B: 1000, C: 10000 },
    inspectorsPerTask: { SCJG: 2, WJW: 1, HB: 0 },
    entropySource: 'beacon round 1',
    committedAt: 'then',
  });
  if (!prepared.ok) throw new Error(prepared.message);
  t.equal(prepared.files.entitySnapshot, serializeEntitySnapshot(entities));
  t.equal(prepared.files.inspectorSnapshot, serializeInspectorSnapshot(inspectors));
  t.equal(prepared.files.recusalSnapshot, serializeRecusalSnapshot(recusals));
  const result = runDraw({
    serverSeed,
    publicEntropy: '42',
    ...prepared.files,
    gradeOrder: grades,
    ratiosBp: { A: 300, B: 1000, C: 10000 },
    inspectorsPerTask: { SCJG: 2, WJW: 1, HB: 0 },
  });
  const draw = buildDrawRecord({ commit: prepared.record, serverSeed, publicEntropy: '42', result, drawnAt: 'now', includeGrades: false });
  const ok = verifyDraw({ commit: prepared.record, draw, ...prepared.files });
  t.match(ok, { ok: true, tasks: result.tasks.length });
  t.ok(result.tasks.length > 1000);

  const bad = clone(draw);
  const seq = 777;
  const team = bad.tasks[seq - 1].inspectors;
  const other = inspectors.find((i) => i.departmentCode === 'WJW' && i.inspectorId !== team[2].inspectorId)!;
  team[2].inspectorId = other.inspectorId;
  t.match(verifyDraw({ commit: prepared.record, draw: bad, ...prepared.files }), { ok: false, step: 'tasks', seq });
});
