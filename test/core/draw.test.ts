import t from 'tap';
import {
  ENTITY_ID_RE,
  GRADE_RE,
  DEPARTMENT_RE,
  INSPECTOR_ID_RE,
  compareUtf8,
  isHex64,
  publicEntropyError,
  validatePublicEntropy,
} from '../../src/core/draw/ids.ts';
import {
  createEntitySnapshotBuilder,
  filterRecusals,
  serializeEntitySnapshot,
  serializeInspectorSnapshot,
  serializeRecusalSnapshot,
  snapshotDigests,
} from '../../src/core/draw/snapshot.ts';
import { parseEntitySnapshot, parseInspectorSnapshot, parseRecusalSnapshot, parseSnapshotFiles } from '../../src/core/draw/parse.ts';
import { commitmentOf, computeSeed, seedPreimage } from '../../src/core/draw/seed.ts';
import { countToDraw, drawEntities } from '../../src/core/draw/entities.ts';
import { assignInspectors, loadCap } from '../../src/core/draw/assign.ts';
import { checkFeasibility, listInfeasibilities } from '../../src/core/draw/feasibility.ts';
import { drawParsed, runDraw } from '../../src/core/draw/run.ts';
import type { EntityRow } from '../../src/core/draw/types.ts';
import { sha256Hex, createSha256, utf8Encode, type Sha256Factory } from '../../src/core/sha256.ts';
import { nodeSha256 } from '../../src/domain/sha256.ts';
import { SPEC_EXAMPLE as EX } from './spec-example.ts';

// ------------------------------------------------------------------------------------------------
// §7 worked example — a FIXED VECTOR. The expected values below are copied from the spec by hand;
// never adjust them to make a test pass.
// ------------------------------------------------------------------------------------------------

t.test('§7 worked example: digests, commitment, seed, strata, all tasks', async (t) => {
  const digests = snapshotDigests(EX);
  t.equal(digests.entitySnapshotDigest, '8de5549bb1793a4b8208828747343c0201af5307341a843119fd11e46a389aa7');
  t.equal(digests.inspectorSnapshotDigest, 'dae32be235674931591f446eece79827d5f5a83a25829ebb5acf29c40a9cc5d5');
  t.equal(digests.recusalDigest, '4eef54f40b7f1ed7ff205e4835b245cc06979584c313fb9a2cc46d1e65351f23');
  t.equal(commitmentOf(EX.serverSeed), '1c341f379a371e7fdbcbe2533400004e15e9fed3ae840972e196d0eca36a0785');
  t.equal(
    computeSeed({ serverSeed: EX.serverSeed, publicEntropy: EX.publicEntropy, ...digests }),
    'f7fe2d47ab2e04197f04544bfcfef362233bea490b4fb9ce2f802bbf506dbc35',
  );

  const res = runDraw(EX);
  t.equal(res.seed, 'f7fe2d47ab2e04197f04544bfcfef362233bea490b4fb9ce2f802bbf506dbc35');
  t.same(res.digests, digests);
  t.strictSame(res.strata, [
    { grade: 'A', population: 3, ratioBp: 2000, drawn: 1 },
    { grade: 'B', population: 4, ratioBp: 3000, drawn: 2 },
    { grade: 'C', population: 2, ratioBp: 5000, drawn: 1 },
    { grade: 'D', population: 3, ratioBp: 10000, drawn: 3 },
  ]);
  const table = res.tasks.map((x) => [x.seq, x.entityId, x.grade, x.inspectors.map((i) => `${i.departmentCode}:${i.inspectorId}`).join(', ')]);
  t.strictSame(table, [
    [1, '91500112MFMA6C8B0X', 'A', 'SCJG:SJ-001, SCJG:SJ-004, WJW:WJ-01'],
    [2, '91500106UNBBED2C53', 'B', 'SCJG:SJ-004, SCJG:SJ-002, WJW:WJ-02'],
    [3, '91500110XBRCPGL20W', 'B', 'SCJG:SJ-003, SCJG:SJ-002, WJW:WJ-02'],
    [4, '92500107QQJE70K23F', 'C', 'SCJG:SJ-002, SCJG:SJ-004, WJW:WJ-01'],
    [5, '9150010839T3E0TW3H', 'D', 'SCJG:SJ-003, SCJG:SJ-004, WJW:WJ-02'],
    [6, '915001054WLNNJ90XP', 'D', 'SCJG:SJ-003, SCJG:SJ-002, WJW:WJ-01'],
    [7, '92500108RQUKWFCX6A', 'D', 'SCJG:SJ-003, SCJG:SJ-001, WJW:WJ-02'],
  ]);
});

t.test('§7 files re-serialize byte for byte from their rows', async (t) => {
  const entities = parseEntitySnapshot(EX.entitySnapshot);
  const inspectors = parseInspectorSnapshot(EX.inspectorSnapshot);
  const recusals = parseRecusalSnapshot(EX.recusalSnapshot);
  t.equal(entities.length, 12);
  t.equal(inspectors.length, 6);
  t.equal(recusals.length, 3);
  // shuffled input must serialize to the same bytes
  const rev = <T>(a: T[]) => a.slice().reverse();
  t.equal(serializeEntitySnapshot(rev(entities)), EX.entitySnapshot);
  t.equal(serializeInspectorSnapshot(rev(inspectors)), EX.inspectorSnapshot);
  t.equal(serializeRecusalSnapshot(rev(recusals)), EX.recusalSnapshot);
  // the separate step-by-step API gives the same tasks as runDraw
  const seed = 'f7fe2d47ab2e04197f04544bfcfef362233bea490b4fb9ce2f802bbf506dbc35';
  const drawn = drawEntities(seed, EX.gradeOrder, EX.ratiosBp, rev(entities));
  const assigned = assignInspectors(seed, drawn.tasks, rev(inspectors), EX.inspectorsPerTask, recusals);
  t.strictSame(assigned, runDraw(EX).tasks);
  t.equal(checkFeasibility(entities, inspectors, EX.inspectorsPerTask, recusals), null);
});

t.test('seed preimage format is exactly §2', async (t) => {
  const d = 'a'.repeat(64);
  const pre = seedPreimage({
    serverSeed: 'b'.repeat(64),
    publicEntropy: '骰子 6 2',
    entitySnapshotDigest: d,
    inspectorSnapshotDigest: 'c'.repeat(64),
    recusalDigest: 'e'.repeat(64),
  });
  t.equal(pre, `draw-v1|${'b'.repeat(64)}|骰子 6 2|${d}|${'c'.repeat(64)}|${'e'.repeat(64)}`);
  // non-ASCII entropy enters as UTF-8 through SHA-256
  t.equal(
    computeSeed({
      serverSeed: 'b'.repeat(64),
      publicEntropy: '骰子 6 2',
      entitySnapshotDigest: d,
      inspectorSnapshotDigest: 'c'.repeat(64),
      recusalDigest: 'e'.repeat(64),
    }),
    sha256Hex(utf8Encode(pre)),
  );
  t.throws(
    () => computeSeed({ serverSeed: 'B'.repeat(64), publicEntropy: '', entitySnapshotDigest: d, inspectorSnapshotDigest: d, recusalDigest: d }),
    /serverSeed/,
  );
  t.throws(
    () => computeSeed({ serverSeed: d, publicEntropy: 'a\nb', entitySnapshotDigest: d, inspectorSnapshotDigest: d, recusalDigest: d }),
    /control character U\+000A/,
  );
  t.throws(
    () => computeSeed({ serverSeed: d, publicEntropy: '', entitySnapshotDigest: d.slice(1), inspectorSnapshotDigest: d, recusalDigest: d }),
    /entitySnapshotDigest/,
  );
});

t.test('sha256', async (t) => {
  t.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  t.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.equal(sha256Hex(new Uint8Array([0x61, 0x62, 0x63])), sha256Hex('abc'));
  t.equal(sha256Hex('€'), sha256Hex(new Uint8Array([0xe2, 0x82, 0xac])));
  // incremental, with chunks splitting a surrogate pair and mixing bytes/strings
  const s = 'ab😀c€' + 'x'.repeat(200);
  const h = createSha256();
  h.update('ab\ud83d');
  h.update('\ude00c');
  h.update(utf8Encode('€'));
  h.update('x'.repeat(200));
  t.equal(h.digestHex(), sha256Hex(s));
  t.throws(() => h.update('more'));
  const empty = createSha256();
  t.equal(empty.digestHex(), sha256Hex(''));
});

t.test("the server's native Sha256Factory gives the portable one's digests", async (t) => {
  for (const factory of [createSha256, nodeSha256] as Sha256Factory[]) {
    const h = factory();
    h.update('ab\ud83d');
    h.update('\ude00c');
    h.update(utf8Encode('€'));
    h.update('');
    h.update('x'.repeat(200));
    t.equal(h.digestHex(), sha256Hex('ab😀c€' + 'x'.repeat(200)));
    t.throws(() => h.update('more'));
    t.equal(sha256Hex(EX.entitySnapshot, factory), sha256Hex(EX.entitySnapshot));
  }
});

// ------------------------------------------------------------------------------------------------
// Validation
// ------------------------------------------------------------------------------------------------

t.test('patterns of §1', async (t) => {
  t.ok(ENTITY_ID_RE.test('91500112MFMA6C8B0X'));
  t.ok(ENTITY_ID_RE.test('a.b_c-D'));
  t.ok(ENTITY_ID_RE.test('x'.repeat(64)));
  t.notOk(ENTITY_ID_RE.test('x'.repeat(65)));
  t.notOk(ENTITY_ID_RE.test(''));
  t.notOk(ENTITY_ID_RE.test('a b'));
  t.notOk(ENTITY_ID_RE.test('ａ'));
  t.notOk(ENTITY_ID_RE.test('abc\n'));
  t.ok(GRADE_RE.test('A_1-x'));
  t.notOk(GRADE_RE.test('A.1'));
  t.notOk(GRADE_RE.test('x'.repeat(17)));
  t.ok(DEPARTMENT_RE.test('x'.repeat(32)));
  t.notOk(DEPARTMENT_RE.test('x'.repeat(33)));
  t.notOk(DEPARTMENT_RE.test('S.CJG'));
  t.ok(INSPECTOR_ID_RE.test('SJ-001.a_b'));
  t.notOk(INSPECTOR_ID_RE.test('SJ 001'));
  t.ok(isHex64('0'.repeat(64)));
  t.notOk(isHex64('A'.repeat(64)));
  t.notOk(isHex64('0'.repeat(63)));
  t.notOk(isHex64(42));
});

t.test('publicEntropy: 0–256 characters, no control characters', async (t) => {
  t.equal(publicEntropyError(''), null);
  t.equal(publicEntropyError('6 2 5 3 1 4 4 2 6 1'), null);
  t.equal(publicEntropyError('福彩3D 第2026321期 开奖号码 5 8 2'), null);
  t.equal(publicEntropyError('x'.repeat(256)), null);
  t.equal(publicEntropyError('😀'.repeat(256)), null, 'characters are code points, not UTF-16 units');
  t.match(publicEntropyError('x'.repeat(257)), /257 characters/);
  t.match(publicEntropyError('a\tb'), /U\+0009/);
  t.match(publicEntropyError('a\u007fb'), /U\+007F/);
  t.match(publicEntropyError('a\u0085b'), /U\+0085/);
  t.match(publicEntropyError('a\ud800b'), /unpaired surrogate/);
  t.match(publicEntropyError(12), /must be a string/);
  t.throws(() => validatePublicEntropy('a\rb'), /U\+000D/);
  t.doesNotThrow(() => validatePublicEntropy('ok'));
});

t.test('compareUtf8 is UTF-8 byte order', async (t) => {
  t.equal(compareUtf8('a', 'a'), 0);
  t.equal(compareUtf8('a', 'b'), -1);
  t.equal(compareUtf8('b', 'a'), 1);
  t.equal(compareUtf8('a', 'ab'), -1);
  t.equal(compareUtf8('Z', 'a'), -1);
  t.equal(compareUtf8('-', '.'), -1);
  // U+FF61 (EF BD A1) < U+1F600 (F0 9F 98 80) in UTF-8, although '\uff61' > '\ud83d' in UTF-16
  t.equal(compareUtf8('\uff61', '😀'), -1);
  t.equal(compareUtf8('😀', '\uff61'), 1);
  t.ok('\uff61' > '😀', 'JS < really differs here');
  t.equal(compareUtf8('\ue000', '\u{10000}'), -1);
  t.equal(compareUtf8('\u{10000}', '\u{10001}'), -1);
  t.equal(compareUtf8('é', 'z'), 1);
});

t.test('countToDraw and loadCap use exact integer arithmetic', async (t) => {
  t.equal(countToDraw(0, 100), 0);
  t.equal(countToDraw(1, 1), 1, 'any positive ratio draws at least one');
  t.equal(countToDraw(500, 20), 1);
  t.equal(countToDraw(500, 21), 2, 'ceil(1.05) = 2');
  t.equal(countToDraw(10000, 7), 7);
  t.equal(countToDraw(10000, 0), 0);
  t.equal(countToDraw(3333, 3), 1);
  t.equal(countToDraw(3334, 3), 2);
  t.equal(countToDraw(1, 10_000_000), 1000);
  t.equal(countToDraw(9999, 10_000_000), 9_999_000);
  t.equal(countToDraw(7, 9_999_999), 7000); // 69999993 + 9999 = 70009992 → 7000
  t.throws(() => countToDraw(10001, 5), /ratioBp/);
  t.throws(() => countToDraw(0.5, 5), /ratioBp/);
  t.throws(() => countToDraw(10, -1), /population/);
  t.equal(loadCap(7, 2, 4), 4);
  t.equal(loadCap(8, 2, 4), 4);
  t.equal(loadCap(9, 2, 4), 5);
  t.equal(loadCap(100_000, 3, 7), 42858);
});

// ------------------------------------------------------------------------------------------------
// Serialization and strict parsing
// ------------------------------------------------------------------------------------------------

t.test('serializers validate and sort', async (t) => {
  t.equal(serializeEntitySnapshot([]), '');
  t.equal(serializeInspectorSnapshot([]), '');
  t.equal(serializeRecusalSnapshot([]), '');
  t.equal(sha256Hex(serializeRecusalSnapshot([])), sha256Hex(''));
  t.equal(
    serializeEntitySnapshot([
      { id: 'b', grade: 'A' },
      { id: 'a', grade: 'B' },
      { id: 'B', grade: 'A' },
      { id: 'a.1', grade: 'A' },
    ]),
    'B\tA\na\tB\na.1\tA\nb\tA\n',
  );
  t.throws(
    () =>
      serializeEntitySnapshot([
        { id: 'x', grade: 'A' },
        { id: 'y', grade: 'A' },
        { id: 'x', grade: 'B' },
      ]),
    /duplicate entity id x/,
  );
  t.throws(() => serializeEntitySnapshot([{ id: 'x y', grade: 'A' }]), /invalid entity id "x y"/);
  t.throws(() => serializeEntitySnapshot([{ id: 'x', grade: 'A.1' }]), /invalid grade code/);
  // inspector lines sort by (department, inspector): "A" before "AB" because tab < every code char
  t.equal(
    serializeInspectorSnapshot([
      { departmentCode: 'AB', inspectorId: '1' },
      { departmentCode: 'A', inspectorId: '2' },
      { departmentCode: 'A', inspectorId: '1' },
    ]),
    'A\t1\nA\t2\nAB\t1\n',
  );
  t.throws(
    () =>
      serializeInspectorSnapshot([
        { departmentCode: 'A', inspectorId: '1' },
        { departmentCode: 'A', inspectorId: '1' },
      ]),
    /duplicate inspector 1 in department A/,
  );
  t.throws(() => serializeInspectorSnapshot([{ departmentCode: 'A.B', inspectorId: '1' }]), /department code/);
  // the same inspector id may serve two departments
  t.equal(
    serializeInspectorSnapshot([
      { departmentCode: 'B', inspectorId: 'x' },
      { departmentCode: 'A', inspectorId: 'x' },
    ]),
    'A\tx\nB\tx\n',
  );
  t.equal(
    serializeRecusalSnapshot([
      { inspectorId: 'i2', entityId: 'e1' },
      { inspectorId: 'i1', entityId: 'e2' },
      { inspectorId: 'i1', entityId: 'e1' },
      { inspectorId: 'i1', entityId: 'e2' },
    ]),
    'i1\te1\ni1\te2\ni2\te1\n',
    'sorted, duplicate pairs collapsed',
  );
  t.throws(() => serializeRecusalSnapshot([{ inspectorId: 'i 1', entityId: 'e1' }]), /inspector id/);
});

t.test('filterRecusals keeps only in-snapshot pairs', async (t) => {
  const r = filterRecusals(
    [
      { inspectorId: 'i1', entityId: 'e1' },
      { inspectorId: 'i9', entityId: 'e1' },
      { inspectorId: 'i1', entityId: 'e9' },
    ],
    new Set(['e1']),
    new Set(['i1']),
  );
  t.strictSame(r, [{ inspectorId: 'i1', entityId: 'e1' }]);
});

t.test('strict parsers reject malformed files, naming the line', async (t) => {
  t.strictSame(parseEntitySnapshot(''), []);
  t.strictSame(parseEntitySnapshot('a\tA\nb\tB\n'), [
    { id: 'a', grade: 'A' },
    { id: 'b', grade: 'B' },
  ]);
  const bad: [string, RegExp][] = [
    ['a\tA\nb\tB', /line 2: missing final newline/],
    ['a\tA', /line 1: missing final newline/],
    ['a\tA\n\n', /line 2: expected 2 tab-separated fields, found 1/],
    ['a\tA\nb\tB\tC\n', /line 2: expected 2 tab-separated fields, found 3/],
    ['a A\n', /line 1: expected 2 tab-separated fields, found 1/],
    ['a\tA\nb\tB\r\n', /line 2: invalid grade code "B\\r".*CRLF/],
    ['a\tA\nb c\tB\n', /line 2: invalid entity id "b c"/],
    ['a\tA\n\tB\n', /line 2: invalid entity id ""/],
    ['a\tA\nb\t\n', /line 2: invalid grade code ""/],
    ['a\tA\nb\tB.1\n', /line 2: invalid grade code "B.1"/],
    [`${'x'.repeat(65)}\tA\n`, /line 1: invalid entity id/],
    [`x\t${'G'.repeat(17)}\n`, /line 1: invalid grade code/],
    ['a\tA\nc\tA\nb\tA\n', /line 3: not sorted/],
    ['a\tA\nb\tA\nb\tA\n', /line 3: duplicate entity id b/],
    ['a\tA\nb\tA\nb\tB\n', /line 3: duplicate entity id b/],
    ['a\tA\né\tA\n', /line 2: invalid entity id "é"/],
    ['\ufeffa\tA\n', /line 1: invalid entity id/],
  ];
  for (const [text, re] of bad) t.throws(() => parseEntitySnapshot(text), re, JSON.stringify(text));

  t.strictSame(parseInspectorSnapshot('A\t1\nA\t2\nAB\t1\n'), [
    { departmentCode: 'A', inspectorId: '1' },
    { departmentCode: 'A', inspectorId: '2' },
    { departmentCode: 'AB', inspectorId: '1' },
  ]);
  t.throws(() => parseInspectorSnapshot('A\t2\nA\t1\n'), /inspector snapshot line 2: not sorted/);
  t.throws(() => parseInspectorSnapshot('AB\t1\nA\t1\n'), /inspector snapshot line 2: not sorted/);
  t.throws(() => parseInspectorSnapshot('A\t1\nA\t1\n'), /inspector snapshot line 2: duplicate/);
  t.throws(() => parseInspectorSnapshot('A.B\t1\n'), /line 1: invalid department code "A.B"/);
  t.throws(() => parseInspectorSnapshot('A\t1 2\n'), /line 1: invalid inspector id/);
  t.throws(() => parseInspectorSnapshot('A\t1\nB\t2'), /line 2: missing final newline/);

  t.strictSame(parseRecusalSnapshot('i1\te1\ni1\te2\n'), [
    { inspectorId: 'i1', entityId: 'e1' },
    { inspectorId: 'i1', entityId: 'e2' },
  ]);
  t.throws(() => parseRecusalSnapshot('i1\te2\ni1\te1\n'), /recusal snapshot line 2: not sorted/);
  t.throws(() => parseRecusalSnapshot('i1\te1\ni1\te1\n'), /recusal snapshot line 2: duplicate/);
  t.throws(() => parseRecusalSnapshot('i1\te 1\n'), /line 1: invalid entity id/);
});

// ------------------------------------------------------------------------------------------------
// Draw behaviour and errors
// ------------------------------------------------------------------------------------------------

const SEED = 'ab'.repeat(32);

t.test('drawEntities: strata, empty grades, errors', async (t) => {
  const ents: EntityRow[] = [
    { id: 'e1', grade: 'A' },
    { id: 'e2', grade: 'A' },
    { id: 'e3', grade: 'C' },
  ];
  const r = drawEntities(SEED, ['A', 'B', 'C'], { A: 5000, B: 10000, C: 0 }, ents);
  t.strictSame(r.strata, [
    { grade: 'A', population: 2, ratioBp: 5000, drawn: 1 },
    { grade: 'B', population: 0, ratioBp: 10000, drawn: 0 },
    { grade: 'C', population: 1, ratioBp: 0, drawn: 0 },
  ]);
  t.equal(r.tasks.length, 1);
  t.equal(r.tasks[0].seq, 1);
  t.equal(r.tasks[0].grade, 'A');
  t.throws(() => drawEntities(SEED, ['A'], { A: 100 }, ents), /entity e3 has grade "C" which is not in gradeOrder/);
  t.throws(() => drawEntities(SEED, ['A', 'B', 'C'], { A: 100, B: 1 }, ents), /no ratioBp given for grade C/);
  t.throws(() => drawEntities(SEED, ['A', 'C'], { A: 100, B: 1, C: 1 }, ents), /ratioBp given for grade "B" which is not in gradeOrder/);
  t.throws(() => drawEntities(SEED, ['A', 'C'], { A: 100, C: 10001 }, ents), /invalid ratioBp 10001 for grade C/);
  t.throws(() => drawEntities(SEED, ['A', 'A', 'C'], { A: 100, C: 1 }, ents), /gradeOrder lists grade A twice/);
  t.throws(() => drawEntities('zz', ['A', 'C'], { A: 100, C: 1 }, ents), /invalid seed/);
  t.throws(() => drawEntities(SEED, ['A', 'C'], { A: 1, C: 1 }, [...ents, { id: 'e1', grade: 'C' }]), /duplicate entity id e1/);
  // the input order does not matter
  const shuffled = [ents[2], ents[0], ents[1]];
  t.strictSame(drawEntities(SEED, ['A', 'B', 'C'], { A: 5000, B: 10000, C: 0 }, shuffled), r);
});

t.test('assignInspectors: errors and k = 0 departments', async (t) => {
  const tasks = [
    { seq: 1, entityId: 'e1', grade: 'A' },
    { seq: 2, entityId: 'e2', grade: 'A' },
  ];
  const insp = [
    { departmentCode: 'D1', inspectorId: 'a' },
    { departmentCode: 'D1', inspectorId: 'b' },
    { departmentCode: 'D2', inspectorId: 'c' },
  ];
  const out = assignInspectors(SEED, tasks, insp, { D1: 1, D2: 0 }, []);
  t.equal(out.length, 2);
  for (const x of out) {
    t.equal(x.inspectors.length, 1);
    t.equal(x.inspectors[0].departmentCode, 'D1');
  }
  // cap = ceil(2·1/2) = 1 and no recusals: each D1 inspector gets exactly one task
  t.not(out[0].inspectors[0].inspectorId, out[1].inspectors[0].inspectorId);
  t.throws(() => assignInspectors(SEED, tasks, insp, { D1: 3 }, []), /department D1 needs 3 inspectors per task but has 2/);
  t.throws(() => assignInspectors(SEED, tasks, insp, { D3: 1 }, []), /department D3 needs 1 inspectors per task but has 0/);
  t.throws(
    () => assignInspectors(SEED, tasks, insp, { D1: 2 }, [{ inspectorId: 'a', entityId: 'e2' }]),
    /task 2 \(entity e2\): department D1 has only 1 non-recused inspectors, 2 required/,
  );
  t.throws(() => assignInspectors(SEED, [tasks[1]], insp, { D1: 1 }, []), /seq/);
  t.throws(() => assignInspectors(SEED, tasks, insp, { D1: -1 }, []), /inspectorsPerTask/);
  t.throws(() => assignInspectors(SEED, tasks, insp, { D1: 1.5 }, []), /inspectorsPerTask/);
  t.throws(() => assignInspectors(SEED, tasks, insp, { 'D 1': 1 }, []), /department code/);
  t.strictSame(assignInspectors(SEED, [], [], { D9: 2 }, []), [], 'no tasks: nothing to staff');
});

t.test('checkFeasibility reports the first failing entity and department', async (t) => {
  const ents = [
    { id: 'e3', grade: 'A' },
    { id: 'e1', grade: 'A' },
    { id: 'e2', grade: 'A' },
  ];
  const insp = [
    { departmentCode: 'D1', inspectorId: 'a' },
    { departmentCode: 'D1', inspectorId: 'b' },
    { departmentCode: 'D2', inspectorId: 'c' },
    { departmentCode: 'D2', inspectorId: 'd' },
  ];
  t.equal(checkFeasibility(ents, insp, { D1: 2, D2: 2 }, []), null);
  t.equal(checkFeasibility([], insp, { D1: 9 }, []), null, 'no entities: nothing to staff');
  t.strictSame(
    checkFeasibility(ents, insp, { D1: 2, D2: 2 }, [
      { inspectorId: 'c', entityId: 'e3' },
      { inspectorId: 'a', entityId: 'e2' },
    ]),
    { entityId: 'e2', departmentCode: 'D1', available: 1, required: 2 },
  );
  t.strictSame(
    checkFeasibility(ents, insp, { D2: 2, D1: 1 }, [
      { inspectorId: 'a', entityId: 'e2' },
      { inspectorId: 'b', entityId: 'e2' },
      { inspectorId: 'c', entityId: 'e2' },
    ]),
    { entityId: 'e2', departmentCode: 'D1', available: 0, required: 1 },
    'departments are checked in code order',
  );
  t.strictSame(checkFeasibility(ents, insp, { D1: 1, D9: 1 }, []), { entityId: 'e1', departmentCode: 'D9', available: 0, required: 1 });
  t.strictSame(checkFeasibility(ents, insp, { D1: 3 }, []), { entityId: 'e1', departmentCode: 'D1', available: 2, required: 3 });
  t.equal(checkFeasibility(ents, insp, { D1: 0, D9: 0 }, []), null, 'k = 0 departments need nobody');
  // recusals of an inspector of another department do not count
  t.equal(checkFeasibility(ents, insp, { D1: 2 }, [{ inspectorId: 'c', entityId: 'e1' }]), null);
});

t.test('listInfeasibilities goes on past each failing entity, in id order', async (t) => {
  const ents = ['e1', 'e2', 'e3', 'e4'].map((id) => ({ id, grade: 'A' }));
  const insp = ['a', 'b', 'c'].map((inspectorId) => ({ departmentCode: 'D1', inspectorId }));
  const rec = [
    { inspectorId: 'a', entityId: 'e4' },
    { inspectorId: 'b', entityId: 'e4' },
    { inspectorId: 'a', entityId: 'e2' },
    { inspectorId: 'b', entityId: 'e2' },
    { inspectorId: 'a', entityId: 'e3' },
  ];
  const all = listInfeasibilities(ents, insp, { D1: 2 }, rec, 10);
  t.strictSame(
    all.map((f) => [f.entityId, f.available]),
    [
      ['e2', 1],
      ['e4', 1],
    ],
  );
  t.strictSame(all[0], checkFeasibility(ents, insp, { D1: 2 }, rec), 'the first is checkFeasibility');
  t.equal(listInfeasibilities(ents, insp, { D1: 2 }, rec, 1).length, 1);
  t.strictSame(listInfeasibilities(ents, insp, { D1: 1 }, rec, 10), []);
});

t.test('the entity file builder: batches, populations, problems, feasibility rows', async (t) => {
  const rows = parseEntitySnapshot(EX.entitySnapshot);
  for (const hash of [undefined, nodeSha256]) {
    const b = createEntitySnapshotBuilder({ gradeOrder: EX.gradeOrder, hash });
    b.addBatch(rows.slice(0, 5));
    b.addBatch([]);
    b.addBatch(rows.slice(5));
    const file = b.finish();
    t.equal(file.text, EX.entitySnapshot, 'the §7 file, from batches');
    t.equal(file.digest, snapshotDigests(EX).entitySnapshotDigest);
    t.strictSame(file.populations, [3, 4, 2, 3]);
    t.strictSame(file.problems, []);
    t.strictSame(file.feasibilityRows, [], 'only collected with `recused`');
    t.throws(() => b.addBatch(rows), /after finish/);
  }

  // With maxProblems: bad rows are left out and reported (at most maxProblems of each kind).
  const b = createEntitySnapshotBuilder({ gradeOrder: ['A', 'B'], maxProblems: 1, recused: new Set(['e4', 'e9']) });
  b.addBatch([
    { id: 'bad id', grade: 'A' },
    { id: 'e1', grade: 'Z' },
    { id: 'e2', grade: 'A' },
    { id: 'bad/2', grade: 'A' },
    { id: 'e3', grade: 'Y' },
  ]);
  b.addBatch([
    { id: 'e4', grade: 'B' },
    { id: 'e5', grade: 'A' },
  ]);
  const file = b.finish();
  t.equal(file.text, 'e2\tA\ne4\tB\ne5\tA\n');
  t.strictSame(file.populations, [2, 1]);
  t.strictSame(file.problems, [
    { code: 'invalid_entity_id', entityId: 'bad id' },
    { code: 'unknown_grade', entityId: 'e1', grade: 'Z' },
  ]);
  t.strictSame(
    file.feasibilityRows,
    [
      { id: 'e2', grade: 'A' },
      { id: 'e4', grade: 'B' },
    ],
    'the first entity and the recused ones',
  );

  // Without maxProblems the first bad row throws; unsorted input always throws.
  const strict = (r: EntityRow[], gradeOrder?: string[]) => () => createEntitySnapshotBuilder({ gradeOrder }).addBatch(r);
  t.throws(strict([{ id: 'a b', grade: 'A' }]), /invalid entity id "a b"/);
  t.throws(strict([{ id: 'a', grade: 'A-' }], ['A']), /entity a has grade "A-" which is not in gradeOrder/);
  t.throws(strict([{ id: 'a', grade: 'A b' }]), /invalid grade code/);
  t.throws(
    strict([
      { id: 'b', grade: 'A' },
      { id: 'a', grade: 'A' },
    ]),
    /not strictly ascending at a \(after b\)/,
  );
  t.throws(
    strict([
      { id: 'a', grade: 'A' },
      { id: 'a', grade: 'A' },
    ]),
    /duplicate entity id a/,
  );
  const split = createEntitySnapshotBuilder();
  split.addBatch([{ id: 'b', grade: 'A' }]);
  t.throws(() => split.addBatch([{ id: 'a', grade: 'A' }]), /not strictly ascending/, 'across batches too');
  t.throws(() => createEntitySnapshotBuilder({ gradeOrder: ['A', 'A'] }), /twice/);
});

t.test('runDraw with another SHA-256 implementation gives the same draw', async (t) => {
  t.strictSame(runDraw(EX, nodeSha256), runDraw(EX));
});

t.test('runDraw rejects bad input clearly', async (t) => {
  t.throws(() => runDraw({ ...EX, serverSeed: 'x' }), /invalid serverSeed/);
  t.throws(() => runDraw({ ...EX, publicEntropy: 'a\u0000' }), /control character/);
  t.throws(() => runDraw({ ...EX, entitySnapshot: EX.entitySnapshot.slice(0, -1) }), /entity snapshot line 12: missing final newline/);
  t.throws(() => runDraw({ ...EX, gradeOrder: ['A', 'B', 'C'], ratiosBp: { A: 1, B: 1, C: 1 } }), /grade "D" which is not in gradeOrder/);
  t.throws(() => runDraw({ ...EX, inspectorsPerTask: { SCJG: 5 } }), /department SCJG needs 5/);
});

t.test('parseSnapshotFiles + drawParsed; hand-made ParsedSnapshots are checked', async (t) => {
  const parsed = parseSnapshotFiles(EX);
  t.ok(Object.isFrozen(parsed) && Object.isFrozen(parsed.entityIds) && Object.isFrozen(parsed.inspectors[0]));
  t.throws(() => (parsed.entityIds as string[]).push('x'), TypeError, 'cannot be mutated');
  const seed = 'f7fe2d47ab2e04197f04544bfcfef362233bea490b4fb9ce2f802bbf506dbc35';
  const viaParsed = drawParsed(seed, parsed, EX);
  t.strictSame(viaParsed.tasks, runDraw(EX).tasks);
  const handMade = { ...parsed, entityIds: [...parsed.entityIds], entityGrades: [...parsed.entityGrades] };
  t.strictSame(drawParsed(seed, handMade, EX), viaParsed);
  const unsorted = { ...handMade, entityIds: [...handMade.entityIds].reverse() };
  t.throws(() => drawParsed(seed, unsorted, EX), /not strictly ascending/);
  t.throws(() => drawParsed(seed, { ...handMade, entityGrades: ['A'] }, EX), /differ in length/);
  // recusals for entities outside the pool are ignored
  const extra = { ...handMade, recusals: [...parsed.recusals, { inspectorId: 'SJ-001', entityId: 'NOT-IN-POOL' }] };
  t.strictSame(drawParsed(seed, extra, EX), viaParsed);
});

t.test('recusals of entities whose ids collide in the internal 32-bit hash', async (t) => {
  // FNV-1a("E4rnw") = FNV-1a("Elpba") and FNV-1a("E4rnt") = FNV-1a("Elpbb"): drawParsed joins recusals
  // to tasks by that hash, so colliding ids must still get their own recusal sets.
  const entities = ['E4rnw', 'Elpba', 'E4rnt', 'Elpbb', 'Ezzz'].map((id) => ({ id, grade: 'G' }));
  const inspectors = ['i1', 'i2', 'i3'].map((inspectorId) => ({ departmentCode: 'D', inspectorId }));
  const recusals = [
    ['i1', 'E4rnw'],
    ['i2', 'E4rnw'], // E4rnw → only i3
    ['i2', 'Elpba'],
    ['i3', 'Elpba'], // Elpba → only i1
    ['i1', 'E4rnt'],
    ['i3', 'E4rnt'], // E4rnt → only i2
  ].map(([inspectorId, entityId]) => ({ inspectorId, entityId }));
  const only: Record<string, string> = { E4rnw: 'i3', Elpba: 'i1', E4rnt: 'i2' };
  for (const serverSeed of ['11'.repeat(32), '22'.repeat(32), '33'.repeat(32)]) {
    const r = runDraw({
      serverSeed,
      publicEntropy: '',
      entitySnapshot: serializeEntitySnapshot(entities),
      inspectorSnapshot: serializeInspectorSnapshot(inspectors),
      recusalSnapshot: serializeRecusalSnapshot(recusals),
      gradeOrder: ['G'],
      ratiosBp: { G: 10000 },
      inspectorsPerTask: { D: 1 },
    });
    t.equal(r.tasks.length, 5);
    for (const task of r.tasks) {
      if (only[task.entityId]) t.equal(task.inspectors[0].inspectorId, only[task.entityId], `${task.entityId} → ${only[task.entityId]}`);
    }
    // the Map-based public path agrees
    const drawn = drawEntities(r.seed, ['G'], { G: 10000 }, entities);
    t.strictSame(assignInspectors(r.seed, drawn.tasks, inspectors, { D: 1 }, recusals), r.tasks);
  }
});
