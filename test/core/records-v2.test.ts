/**
 * Records revision 2 (spec §5–§6): the §7 task file, taskDigest and public order as fixed vectors, the ceremony
 * composition, revision-1 vs revision-2 record shapes, verifyPublicRecords on each kind of forgery, and the
 * auditor's verifyDraw on a tampered task file.
 */
import t from 'tap';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import {
  ceremonyFile,
  composeCeremonyEntropy,
  contributionsError,
  witnessNameError,
  WITNESS_NAME_MAX,
  type Contribution,
} from '../../src/core/ceremony.ts';
import { publicEntropyError } from '../../src/core/draw/ids.ts';
import { parseEntitySnapshot, parseInspectorSnapshot, parseRecusalSnapshot } from '../../src/core/draw/parse.ts';
import { runDraw } from '../../src/core/draw/run.ts';
import { parseTaskFile, publicTaskOrder, serializeTaskFile, taskDigestOf } from '../../src/core/draw/taskfile.ts';
import type { EntityRow, InspectorRow } from '../../src/core/draw/types.ts';
import { buildLedgerEntry, type LedgerEntry } from '../../src/core/ledger.ts';
import {
  buildCommitRecord,
  buildDrawRecord,
  buildFullDrawRecord,
  drawTimingError,
  prepareCommit,
  recordsRevision,
  verifyDraw,
  verifyPublicRecords,
  voidTimingError,
  withoutGrades,
  type CommitRecord,
  type DrawRecord,
  type PoolRule,
  type PublicCheckCode,
} from '../../src/core/replay.ts';
import { sha256Hex } from '../../src/core/sha256.ts';
import { SPEC_EXAMPLE as EX, SPEC_EXAMPLE_EXPECTED } from './spec-example.ts';

// Spec §7, verbatim.
const TASK_FILE =
  '1\t91500112MFMA6C8B0X\tA\tSCJG:SJ-001,SCJG:SJ-004,WJW:WJ-01\n' +
  '2\t91500106UNBBED2C53\tB\tSCJG:SJ-004,SCJG:SJ-002,WJW:WJ-02\n' +
  '3\t91500110XBRCPGL20W\tB\tSCJG:SJ-003,SCJG:SJ-002,WJW:WJ-02\n' +
  '4\t92500107QQJE70K23F\tC\tSCJG:SJ-002,SCJG:SJ-004,WJW:WJ-01\n' +
  '5\t9150010839T3E0TW3H\tD\tSCJG:SJ-003,SCJG:SJ-004,WJW:WJ-02\n' +
  '6\t915001054WLNNJ90XP\tD\tSCJG:SJ-003,SCJG:SJ-002,WJW:WJ-01\n' +
  '7\t92500108RQUKWFCX6A\tD\tSCJG:SJ-003,SCJG:SJ-001,WJW:WJ-02\n';
const TASK_DIGEST = 'f7dca51c63195827cda1648587c52e48ed3d85d06bbb5218972addf334fa2d3c';
const PUBLIC_ORDER = [
  '915001054WLNNJ90XP',
  '91500106UNBBED2C53',
  '9150010839T3E0TW3H',
  '91500110XBRCPGL20W',
  '91500112MFMA6C8B0X',
  '92500107QQJE70K23F',
  '92500108RQUKWFCX6A',
];

// Our own fixed vector for the ceremony (also in openapi/draw-protocol.md §2), computed once with sha256sum.
const CEREMONY: Contribution[] = [
  { witness: '区司法局', value: '3 5 2 6' },
  { witness: '区纪委监委派驻组', value: '1 4 4 2' },
];
const CEREMONY_FILE = '区司法局\t3 5 2 6\n区纪委监委派驻组\t1 4 4 2\n';
const CEREMONY_ENTROPY = 'ceremony-v1:a293c720e6a529a10fbc428e94dd2234d319c00ac3a31604fcda8689543aa8e3';

const POOL_RULE: PoolRule = { items: ['SCJG-001'], regions: ['500103'], cooldownDays: 180, excludedCooldown: 2, excludedInactive: 0 };
const ENTROPY_AT = '2026-11-29T02:00:00.000Z';
const DRAWN_AT = '2026-11-29T02:30:00.000Z';
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function specCommit(rev: 1 | 2): CommitRecord {
  const prepared = prepareCommit({
    planId: EX.planId,
    serverSeed: EX.serverSeed,
    entities: parseEntitySnapshot(EX.entitySnapshot),
    inspectors: parseInspectorSnapshot(EX.inspectorSnapshot),
    recusals: parseRecusalSnapshot(EX.recusalSnapshot),
    gradeOrder: EX.gradeOrder,
    ratiosBp: EX.ratiosBp,
    inspectorsPerTask: EX.inspectorsPerTask,
    entropySource: EX.entropySource,
    committedAt: EX.committedAt,
    ...(rev === 2 ? { entropyAt: ENTROPY_AT, poolRule: POOL_RULE } : {}),
  });
  if (!prepared.ok) throw new Error(prepared.message);
  return prepared.record;
}

function specDraw(commit: CommitRecord, opts: { includeGrades?: boolean; full?: boolean; contributions?: Contribution[] } = {}): DrawRecord {
  const publicEntropy = opts.contributions ? composeCeremonyEntropy(opts.contributions) : EX.publicEntropy;
  const result = runDraw({ ...EX, publicEntropy });
  const input = {
    commit,
    serverSeed: EX.serverSeed,
    publicEntropy,
    result,
    drawnAt: DRAWN_AT,
    ...(opts.contributions ? { contributions: opts.contributions } : {}),
  };
  return opts.full ? buildFullDrawRecord(input) : buildDrawRecord({ ...input, includeGrades: opts.includeGrades ?? false });
}

/** A ledger holding one unrelated entry, then the plan's commit and draw (bodies without the times). */
function ledgerOf(commit: CommitRecord, draw: DrawRecord | null, drawAt = DRAWN_AT): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  const add = (kind: LedgerEntry['kind'], planId: string, at: string, body: unknown) => {
    entries.push(buildLedgerEntry(entries.at(-1) ?? null, { kind, planId, at, body: clone(body) }).entry);
  };
  add('plan.voided', 'PLAN-2026-0000', '2026-11-01T00:00:00.000Z', { planId: 'PLAN-2026-0000', reason: 'test', serverSeed: '1'.repeat(64) });
  const { committedAt, ...cbody } = commit;
  add('plan.committed', commit.planId, committedAt, cbody);
  if (draw !== null) {
    const { drawnAt: _d, ...dbody } = draw;
    add('plan.drawn', draw.planId, drawAt, dbody);
  }
  return entries;
}

t.test('the §7 task file, taskDigest and public order are fixed vectors', async (t) => {
  const result = runDraw(EX);
  t.equal(serializeTaskFile(result.tasks), TASK_FILE);
  t.equal(sha256Hex(TASK_FILE), TASK_DIGEST);
  t.equal(taskDigestOf(result.tasks), TASK_DIGEST);
  const parsed = parseTaskFile(TASK_FILE);
  t.strictSame(
    parsed.map((x) => [x.seq, x.entityId, x.grade, x.inspectors.map((i) => `${i.departmentCode}:${i.inspectorId}`)]),
    SPEC_EXAMPLE_EXPECTED.tasks,
  );
  t.equal(serializeTaskFile(parsed), TASK_FILE, 'parse ∘ serialize is the identity');
  t.strictSame(
    publicTaskOrder(parsed).map((x) => x.entityId),
    PUBLIC_ORDER,
  );

  const draw = specDraw(specCommit(2));
  t.equal(draw.taskDigest, TASK_DIGEST);
  t.strictSame(
    draw.tasks.map((x) => x.entityId),
    PUBLIC_ORDER,
  );
  t.strictSame(Object.keys(draw.tasks[0]), ['entityId', 'inspectors'], 'no seq, no grade');
  // each public task is its task-file line's team
  for (const task of draw.tasks) {
    const line = parsed.find((l) => l.entityId === task.entityId)!;
    t.strictSame(task.inspectors, line.inspectors);
  }

  // empty file, no departments
  t.equal(serializeTaskFile([]), '');
  t.strictSame(parseTaskFile(''), []);
  t.equal(serializeTaskFile([{ seq: 1, entityId: 'E1', grade: 'A', inspectors: [] }]), '1\tE1\tA\t\n');
  t.strictSame(parseTaskFile('1\tE1\tA\t\n'), [{ seq: 1, entityId: 'E1', grade: 'A', inspectors: [] }]);
});

t.test('parseTaskFile is strict', async (t) => {
  for (const [bad, re] of [
    ['1\tE1\tA\t', /line feed/],
    ['2\tE1\tA\t\n', /seq "2", expected 1/],
    ['01\tE1\tA\t\n', /seq/],
    ['1\tE1\tA\n', /4 tab-separated fields/],
    ['1\tE 1\tA\t\n', /invalid entity id/],
    ['1\tE1\tA\tSCJG-SJ1\n', /invalid team member/],
    ['1\tE1\tA\tSCJG:SJ1,\n', /invalid team member/],
    ['1\tE1\tA\t\n\n', /4 tab-separated fields/],
  ] as const) {
    t.throws(() => parseTaskFile(bad), re, JSON.stringify(bad));
  }
  t.throws(() => serializeTaskFile([{ seq: 2, entityId: 'E1', grade: 'A', inspectors: [] }]), /seq order/);
});

t.test('the ceremony composition', async (t) => {
  t.equal(ceremonyFile(CEREMONY), CEREMONY_FILE);
  t.equal(composeCeremonyEntropy(CEREMONY), CEREMONY_ENTROPY);
  t.equal(CEREMONY_ENTROPY.length, 76);
  const witnesses = CEREMONY.map((c) => c.witness);
  t.equal(contributionsError(CEREMONY, witnesses), null);
  t.match(contributionsError([CEREMONY[1], CEREMONY[0]], witnesses), /witness 1 of the plan is "区司法局"/, 'plan order');
  t.match(contributionsError([CEREMONY[0]], witnesses), /exactly one per witness/);
  t.match(contributionsError([...CEREMONY, CEREMONY[0]], witnesses), /exactly one per witness/);
  t.match(contributionsError([CEREMONY[0], { witness: '区纪委监委派驻组', value: '' }], witnesses), /must not be empty/);
  t.match(contributionsError([CEREMONY[0], { witness: '区纪委监委派驻组', value: 'a\tb' }], witnesses), /control character U\+0009/);
  t.match(contributionsError([CEREMONY[0], { witness: '区纪委监委派驻组', value: 'x'.repeat(65) }], witnesses), /at most 64/);
  t.equal(contributionsError([CEREMONY[0], { witness: '区纪委监委派驻组', value: '骰'.repeat(64) }], witnesses), null, '64 characters');
  t.match(contributionsError([CEREMONY[0], { witness: '区纪委监委派驻组', value: 1 }], witnesses), /must be a string/);
  t.match(contributionsError([{ ...CEREMONY[0], extra: 1 }, CEREMONY[1]], witnesses), /exactly the members/);
  t.match(contributionsError('x', witnesses), /array/);
  t.match(contributionsError([], []), /names no witnesses/);
  t.equal(witnessNameError('区司法局'), null);
  t.equal(witnessNameError('名'.repeat(WITNESS_NAME_MAX)), null);
  t.match(witnessNameError('名'.repeat(WITNESS_NAME_MAX + 1)), /at most 64/);
  t.match(witnessNameError('a\nb'), /control character/);
  t.match(witnessNameError('\ud800'), /unpaired surrogate/);
  t.throws(() => ceremonyFile([]), /at least one/);
});

t.test('revision-1 and revision-2 record shapes', async (t) => {
  const c1 = specCommit(1);
  t.strictSame(c1, { ...SPEC_EXAMPLE_EXPECTED.ledgerEntry.body, committedAt: EX.committedAt }, 'revision 1 exactly as before');
  t.equal(recordsRevision(c1), 1);
  const c2 = specCommit(2);
  t.equal(recordsRevision(c2), 2);
  t.strictSame(Object.keys(c2), [
    'protocol',
    'records',
    'planId',
    'commitment',
    'entitySnapshotDigest',
    'inspectorSnapshotDigest',
    'recusalDigest',
    'gradeOrder',
    'strata',
    'inspectorsPerTask',
    'entropySource',
    'entropyAt',
    'poolRule',
    'committedAt',
  ]);
  t.equal(c2.records, 2);
  t.equal(c2.entropyAt, ENTROPY_AT);
  t.strictSame(c2.poolRule, POOL_RULE);

  const d1 = specDraw(c1);
  t.strictSame(Object.keys(d1), ['protocol', 'planId', 'serverSeed', 'publicEntropy', 'seed', 'strata', 'tasks', 'drawnAt']);
  t.strictSame(
    d1.tasks.map((x) => x.seq),
    [1, 2, 3, 4, 5, 6, 7],
  );
  t.strictSame(Object.keys(d1.tasks[0]), ['entityId', 'inspectors', 'seq']);
  t.strictSame(Object.keys(specDraw(c1, { includeGrades: true }).tasks[0]), ['entityId', 'grade', 'inspectors', 'seq']);

  const d2 = specDraw(c2);
  t.strictSame(Object.keys(d2), ['protocol', 'records', 'planId', 'serverSeed', 'publicEntropy', 'seed', 'strata', 'taskDigest', 'tasks', 'drawnAt']);
  t.equal(recordsRevision(d2), 2);
  t.equal(d2.seed, SPEC_EXAMPLE_EXPECTED.seed);
  t.strictSame(d2.strata, SPEC_EXAMPLE_EXPECTED.strata);

  const pub = specDraw(c2, { includeGrades: true });
  t.strictSame(
    pub.tasks.map((x) => x.entityId),
    PUBLIC_ORDER,
    'a public scheme: still by entityId',
  );
  t.strictSame(Object.keys(pub.tasks[0]), ['entityId', 'grade', 'inspectors', 'seq']);
  t.strictSame(
    pub.tasks.map((x) => [x.seq, x.grade]),
    [
      [6, 'D'],
      [2, 'B'],
      [5, 'D'],
      [3, 'B'],
      [1, 'A'],
      [4, 'C'],
      [7, 'D'],
    ],
  );

  const full = specDraw(c2, { full: true });
  t.equal(full.taskDigest, TASK_DIGEST);
  t.strictSame(
    full.tasks.map((x) => [x.seq, x.entityId, x.grade, x.inspectors.map((i) => `${i.departmentCode}:${i.inspectorId}`)]),
    SPEC_EXAMPLE_EXPECTED.tasks,
  );
  t.strictSame(withoutGrades(full), d2, 'the public part of the full record is the public record');
  t.strictSame(withoutGrades(specDraw(c1, { full: true })), d1);

  const cer = specDraw(c2, { contributions: CEREMONY });
  t.equal(cer.publicEntropy, CEREMONY_ENTROPY);
  t.strictSame(cer.contributions, CEREMONY);
  t.strictSame(Object.keys(cer).slice(0, 6), ['protocol', 'records', 'planId', 'serverSeed', 'publicEntropy', 'contributions']);
});

t.test('the builders refuse what must never be published', async (t) => {
  const base = { ...SPEC_EXAMPLE_EXPECTED, ...SPEC_EXAMPLE_EXPECTED.ledgerEntry.body, committedAt: EX.committedAt };
  t.throws(() => buildCommitRecord({ ...base, entropyAt: ENTROPY_AT }), /both entropyAt and poolRule/);
  t.throws(() => buildCommitRecord({ ...base, poolRule: POOL_RULE }), /both entropyAt and poolRule/);
  t.throws(() => buildCommitRecord({ ...base, entropyAt: EX.committedAt, poolRule: POOL_RULE }), /later than the commit/);
  t.throws(() => buildCommitRecord({ ...base, entropyAt: '2026-11-29T02:00:00Z', poolRule: POOL_RULE }), /ISO 8601/);
  t.throws(() => buildCommitRecord({ ...base, entropyAt: ENTROPY_AT, poolRule: { x: 1.5 } }), /poolRule.x/);
  t.throws(() => buildCommitRecord({ ...base, entropyAt: ENTROPY_AT, poolRule: { x: [1] as unknown as string[] } }), /poolRule.x/);

  const c2 = specCommit(2);
  const result = runDraw(EX);
  const input = { commit: c2, serverSeed: EX.serverSeed, publicEntropy: EX.publicEntropy, result, includeGrades: false };
  t.throws(() => buildDrawRecord({ ...input, drawnAt: '2026-11-29T01:59:59.999Z' }), /before entropyAt/);
  t.ok(buildDrawRecord({ ...input, drawnAt: ENTROPY_AT }), 'at entropyAt exactly');
  t.throws(() => buildDrawRecord({ ...input, drawnAt: DRAWN_AT, contributions: CEREMONY }), /not the composition/);

  t.equal(drawTimingError(c2, '2026-11-29T01:59:59.999Z') !== null, true);
  t.equal(drawTimingError(c2, ENTROPY_AT), null);
  t.equal(voidTimingError(c2, '2026-11-29T01:59:59.999Z'), null);
  t.match(voidTimingError(c2, ENTROPY_AT), /can no longer be voided/);
  t.equal(drawTimingError(specCommit(1), '2000-01-01T00:00:00.000Z'), null, 'revision 1: no timing rule');
  t.equal(voidTimingError(specCommit(1), '2100-01-01T00:00:00.000Z'), null);
});

t.test('verifyPublicRecords passes on the example (both revisions, with and without a ceremony)', async (t) => {
  for (const [name, commit, draw] of [
    ['rev 2', specCommit(2), specDraw(specCommit(2))],
    ['rev 2 public scheme', specCommit(2), specDraw(specCommit(2), { includeGrades: true })],
    ['rev 2 ceremony', specCommit(2), specDraw(specCommit(2), { contributions: CEREMONY })],
    ['rev 1', specCommit(1), specDraw(specCommit(1))],
    ['rev 1 grades', specCommit(1), specDraw(specCommit(1), { includeGrades: true })],
  ] as const) {
    const ledger = ledgerOf(commit, draw);
    const r = verifyPublicRecords({ commit, draw, ledger });
    t.ok(r.ok, `${name}: ${JSON.stringify(r.checks.filter((c) => !c.ok))}`);
    const codes = r.checks.map((c) => c.code);
    t.ok(codes.includes('ledger_chain') && codes.includes('ledger_records'), name);
    t.equal(codes.includes('ceremony'), name.includes('ceremony'), `${name}: ceremony only after one`);
    t.equal(codes.includes('entropy_timing'), name.startsWith('rev 2'), `${name}: timing only in revision 2`);
    const bare = verifyPublicRecords({ commit, draw });
    t.ok(bare.ok, `${name} without the ledger`);
    t.notOk(
      bare.checks.some((c) => c.code.startsWith('ledger')),
      'no ledger checks without a ledger',
    );
  }
  const c2 = specCommit(2);
  const undrawn = verifyPublicRecords({ commit: c2, draw: null, ledger: ledgerOf(c2, null) });
  t.ok(undrawn.ok, JSON.stringify(undrawn.checks));
  t.strictSame(
    undrawn.checks.map((c) => c.code),
    ['ledger_chain', 'ledger_records', 'entropy_timing'],
  );
});

t.test('verifyPublicRecords fails with the right code on each kind of forgery', async (t) => {
  const commit = specCommit(2);
  const honest = specDraw(commit);
  const cer = specDraw(commit, { contributions: CEREMONY });
  type Case = { name: string; code: PublicCheckCode; commit?: CommitRecord; draw: DrawRecord; ledger?: LedgerEntry[] };
  const forged = (f: (d: DrawRecord) => void, base = honest) => {
    const d = clone(base);
    f(d);
    return d;
  };
  const cases: Case[] = [
    { name: 'seed', code: 'seed', draw: forged((d) => (d.seed = '0'.repeat(64))) },
    { name: 'publicEntropy', code: 'seed', draw: forged((d) => (d.publicEntropy = '6 2 5 3 1 4 4 2 6 2')) },
    { name: 'serverSeed', code: 'commitment', draw: forged((d) => (d.serverSeed = 'c0ffee'.padEnd(64, '0'))) },
    { name: 'commitment', code: 'commitment', commit: { ...commit, commitment: 'f'.repeat(64) }, draw: honest },
    { name: 'strata drawn', code: 'strata', draw: forged((d) => (d.strata[0].drawn = 2)) },
    { name: 'strata population', code: 'strata', draw: forged((d) => (d.strata[1].population = 5)) },
    { name: 'duplicate task', code: 'task_unique', draw: forged((d) => (d.tasks[1] = clone(d.tasks[0]))) },
    {
      name: 'a task dropped',
      code: 'task_count',
      draw: forged((d) => {
        d.tasks.pop();
      }),
    },
    { name: 'wrong order', code: 'task_order', draw: forged((d) => ([d.tasks[0], d.tasks[1]] = [d.tasks[1], d.tasks[0]])) },
    {
      name: 'short team',
      code: 'team_size',
      draw: forged((d) => {
        d.tasks[3].inspectors.pop();
      }),
    },
    { name: 'team of the wrong department', code: 'team_size', draw: forged((d) => (d.tasks[3].inspectors[0].departmentCode = 'WJW')) },
    { name: 'inspector twice', code: 'team_size', draw: forged((d) => (d.tasks[3].inspectors[1] = { ...d.tasks[3].inspectors[0] })) },
    { name: 'ceremony value changed', code: 'ceremony', draw: forged((d) => (d.contributions![1].value = '1 4 4 3'), cer) },
    { name: 'ceremony witness dropped', code: 'ceremony', draw: forged((d) => d.contributions!.pop(), cer) },
    { name: 'revision changed', code: 'commitment', draw: forged((d) => delete d.records) },
  ];
  // Forgeries that only the ledger (or the timing rule) shows.
  const early = '2026-11-29T01:00:00.000Z';
  const tampered = ledgerOf(commit, honest);
  (tampered[2].body as DrawRecord).tasks[0].inspectors[0].inspectorId = 'SJ-002';
  const rehashed = clone(tampered);
  rehashed[2].hash = buildLedgerEntry(rehashed[1], {
    kind: 'plan.drawn',
    planId: commit.planId,
    at: rehashed[2].at,
    body: rehashed[2].body,
  }).entry.hash;
  const swapped = ledgerOf(commit, honest);
  swapped[1].prevHash = '0'.repeat(64);
  cases.push(
    { name: 'broken ledger entry', code: 'ledger_chain', draw: honest, ledger: tampered },
    { name: 'broken link', code: 'ledger_chain', draw: honest, ledger: swapped },
    { name: 'ledger body differs from the record (entry rehashed)', code: 'ledger_records', draw: honest, ledger: rehashed },
    { name: 'draw before entropyAt (record)', code: 'entropy_timing', draw: { ...honest, drawnAt: early } },
    { name: 'draw before entropyAt (ledger)', code: 'entropy_timing', draw: { ...honest, drawnAt: early }, ledger: ledgerOf(commit, honest, early) },
  );
  for (const c of cases) {
    const r = verifyPublicRecords({ commit: c.commit ?? commit, draw: c.draw, ...(c.ledger ? { ledger: c.ledger } : {}) });
    t.notOk(r.ok, c.name);
    const bad = r.checks.filter((x) => !x.ok);
    t.equal(bad[0]?.code, c.code, `${c.name}: ${JSON.stringify(bad)}`);
  }
  // the ledger's view of the time wins: a record claiming a late drawnAt, a ledger entry that is early
  const lateClaim = verifyPublicRecords({ commit, draw: honest, ledger: ledgerOf(commit, honest, early) });
  t.notOk(lateClaim.ok);
  t.ok(lateClaim.checks.some((x) => x.code === 'ledger_records' && !x.ok));

  // junk never throws
  for (const junk of [null, 1, 'x', {}, { tasks: 'no' }, { ...honest, tasks: [null] }, { ...honest, strata: [{}] }]) {
    const r = verifyPublicRecords({ commit, draw: junk as unknown as DrawRecord, ledger: [null as unknown as LedgerEntry] });
    t.notOk(r.ok, JSON.stringify(junk));
  }
  t.notOk(verifyPublicRecords({ commit: null as unknown as CommitRecord, draw: honest }).ok);
});

t.test('verifyDraw (the auditor): revision 2 with the task file', async (t) => {
  const commit = specCommit(2);
  const files = { entitySnapshot: EX.entitySnapshot, inspectorSnapshot: EX.inspectorSnapshot, recusalSnapshot: EX.recusalSnapshot };
  for (const [name, draw] of [
    ['public', specDraw(commit)],
    ['public scheme', specDraw(commit, { includeGrades: true })],
    ['full', specDraw(commit, { full: true })],
    ['ceremony', specDraw(commit, { contributions: CEREMONY })],
  ] as const) {
    const r = verifyDraw({ commit, draw, ...files });
    t.ok(r.ok, `${name}: ${JSON.stringify(r)}`);
    if (name !== 'ceremony') t.ok(verifyDraw({ commit, draw, ...files, taskFile: TASK_FILE }).ok, `${name} with the task file`);
  }
  const draw = specDraw(commit);

  // a tampered task file: the file no longer hashes to taskDigest
  const swappedTeam = TASK_FILE.replace('1\t91500112MFMA6C8B0X\tA\tSCJG:SJ-001,SCJG:SJ-004', '1\t91500112MFMA6C8B0X\tA\tSCJG:SJ-004,SCJG:SJ-001');
  const regraded = TASK_FILE.replace('4\t92500107QQJE70K23F\tC', '4\t92500107QQJE70K23F\tB');
  for (const tf of [swappedTeam, regraded, TASK_FILE.slice(0, -1), TASK_FILE + TASK_FILE.split('\n')[0] + '\n']) {
    const r = verifyDraw({ commit, draw, ...files, taskFile: tf });
    t.match(r, { ok: false, step: 'taskDigest' }, JSON.stringify(tf.slice(0, 60)));
  }
  // a record whose taskDigest was forged (the replay does not hash to it)
  t.match(verifyDraw({ commit, draw: { ...draw, taskDigest: sha256Hex(regraded) }, ...files }), { ok: false, step: 'taskDigest' });
  // ... and a record and task file forged together: the replay tells
  t.match(verifyDraw({ commit, draw: { ...draw, taskDigest: sha256Hex(regraded) }, ...files, taskFile: regraded }), {
    ok: false,
    step: 'taskDigest',
    message: /replayed task file/,
  });
  // the public list out of entityId order, or a team changed
  const reordered = clone(draw);
  [reordered.tasks[0], reordered.tasks[1]] = [reordered.tasks[1], reordered.tasks[0]];
  t.match(verifyDraw({ commit, draw: reordered, ...files }), { ok: false, step: 'tasks' });
  const reteamed = clone(draw);
  reteamed.tasks[2].inspectors[0].inspectorId = 'SJ-001';
  t.match(verifyDraw({ commit, draw: reteamed, ...files }), { ok: false, step: 'tasks', seq: 5 });
  // a public scheme's seq or grade forged
  const pubForged = specDraw(commit, { includeGrades: true });
  pubForged.tasks[0].grade = 'A';
  t.match(verifyDraw({ commit, draw: pubForged, ...files }), { ok: false, step: 'tasks' });
  // revision mismatch between commit and draw
  const { records: _r, taskDigest: _d, ...asRev1 } = draw;
  t.match(verifyDraw({ commit, draw: asRev1 as DrawRecord, ...files }), { ok: false, step: 'records' });
  t.match(verifyDraw({ commit, draw: { ...draw, records: 3 as 2 }, ...files }), { ok: false, step: 'records' });
  // a ceremony value changed
  const cer = specDraw(commit, { contributions: CEREMONY });
  const cerForged = clone(cer);
  cerForged.contributions![0].value = '3 5 2 5';
  t.match(verifyDraw({ commit, draw: cerForged, ...files }), { ok: false, step: 'seed', message: /composition/ });

  // revision 1 still verifies, and a given task file is compared with the replay
  const c1 = specCommit(1);
  const d1 = specDraw(c1);
  t.ok(verifyDraw({ commit: c1, draw: d1, ...files }).ok);
  t.ok(verifyDraw({ commit: c1, draw: d1, ...files, taskFile: TASK_FILE }).ok);
  t.match(verifyDraw({ commit: c1, draw: d1, ...files, taskFile: swappedTeam }), { ok: false, step: 'tasks', seq: 1 });
});

// ------------------------------------------------------------------------------------------------
// Property: the public task list is the task file's projection sorted by entityId
// ------------------------------------------------------------------------------------------------

const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const idArb = fc.string({ unit: fc.constantFrom('a', 'b', 'A', 'Z', '0', '9', '.', '-', '_'), minLength: 1, maxLength: 5 });

t.test('property: public tasks = the task file projected and sorted by entityId; both verifications pass', async (t) => {
  fc.assert(
    fc.property(
      hex64,
      fc.string({ maxLength: 12 }).filter((s) => publicEntropyError(s) === null),
      fc.uniqueArray(fc.record({ id: idArb, grade: fc.constantFrom('A', 'B', 'C') }), { selector: (e) => e.id, maxLength: 40 }),
      fc.tuple(fc.integer({ min: 0, max: 10000 }), fc.integer({ min: 0, max: 10000 }), fc.integer({ min: 0, max: 10000 })),
      fc.uniqueArray(idArb, { minLength: 3, maxLength: 6 }),
      fc.integer({ min: 0, max: 3 }),
      fc.boolean(),
      (serverSeed, publicEntropy, entities: EntityRow[], ratios, inspectorIds, k, gradesPublic) => {
        const inspectors: InspectorRow[] = inspectorIds.map((inspectorId) => ({ departmentCode: 'D1', inspectorId }));
        const prepared = prepareCommit({
          planId: 'PLAN-P',
          serverSeed,
          entities,
          inspectors,
          recusals: [],
          gradeOrder: ['A', 'B', 'C'],
          ratiosBp: { A: ratios[0], B: ratios[1], C: ratios[2] },
          inspectorsPerTask: { D1: k },
          entropySource: 'test',
          committedAt: EX.committedAt,
          entropyAt: ENTROPY_AT,
          poolRule: {},
        });
        if (!prepared.ok) throw new Error(prepared.message);
        const result = runDraw({
          ...prepared.files,
          serverSeed,
          publicEntropy,
          gradeOrder: ['A', 'B', 'C'],
          ratiosBp: { A: ratios[0], B: ratios[1], C: ratios[2] },
          inspectorsPerTask: { D1: k },
        });
        const draw = buildDrawRecord({
          commit: prepared.record,
          serverSeed,
          publicEntropy,
          result,
          drawnAt: DRAWN_AT,
          includeGrades: gradesPublic,
        });
        const file = serializeTaskFile(result.tasks);
        if (sha256Hex(file) !== draw.taskDigest) return false;
        const projection = publicTaskOrder(parseTaskFile(file)).map((l) =>
          gradesPublic
            ? { entityId: l.entityId, grade: l.grade, inspectors: l.inspectors, seq: l.seq }
            : { entityId: l.entityId, inspectors: l.inspectors },
        );
        if (JSON.stringify(projection) !== JSON.stringify(draw.tasks)) return false;
        const pub = verifyPublicRecords({ commit: prepared.record, draw, ledger: ledgerOf(prepared.record, draw) });
        if (!pub.ok) throw new Error(JSON.stringify(pub.checks.filter((c) => !c.ok)));
        const full = verifyDraw({ commit: prepared.record, draw, ...prepared.files, taskFile: file });
        if (!full.ok) throw new Error(JSON.stringify(full));
        return true;
      },
    ),
    { numRuns: Number(process.env.FC_RUNS ?? 150) },
  );
  t.pass('property held');
});
