import t from 'tap';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import assert from 'node:assert/strict';
import {
  DEPARTMENT_RE,
  ENTITY_ID_RE,
  GRADE_RE,
  INSPECTOR_ID_RE,
  isDepartmentCode,
  isEntityId,
  isGrade,
  isInspectorId,
  compareUtf8,
} from '../../src/core/draw/ids.ts';
import { serializeEntitySnapshot, serializeInspectorSnapshot, serializeRecusalSnapshot, snapshotDigests } from '../../src/core/draw/snapshot.ts';
import { parseEntitySnapshot, parseInspectorSnapshot, parseRecusalSnapshot } from '../../src/core/draw/parse.ts';
import { computeStrata, drawEntities, countToDraw } from '../../src/core/draw/entities.ts';
import { assignInspectors, loadCap } from '../../src/core/draw/assign.ts';
import { checkFeasibility } from '../../src/core/draw/feasibility.ts';
import { prepareSnapshots, runDraw, type RunDrawResult } from '../../src/core/draw/run.ts';
import type { EntityRow, InspectorRow, RecusalRow } from '../../src/core/draw/types.ts';
import { referenceDraw } from './draw-reference.ts';
import { buildDrawRecord, prepareCommit, verifyDraw } from '../../src/core/replay.ts';
import { sha256Hex } from '../../src/core/sha256.ts';

const RUNS = Number(process.env.FC_RUNS ?? 150);

// ------------------------------------------------------------------------------------------------
// Arbitraries
// ------------------------------------------------------------------------------------------------

const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
// Small alphabets so that ids share prefixes, collide across departments, and sort non-trivially.
const idArb = fc.string({ unit: fc.constantFrom('a', 'b', 'A', 'Z', '0', '9', '.', '-', '_'), minLength: 1, maxLength: 4 });
const ratioArb = fc.oneof(fc.constantFrom(0, 1, 2500, 5000, 9999, 10000), fc.integer({ min: 0, max: 10000 }));
const GRADES = ['A', 'B', 'C', 'Z'] as const; // Z never has entities: a population-0 stratum
const DEPTS = ['D1', 'D10', 'D2', 'a-x', 'B_'] as const;

interface Scenario {
  serverSeed: string;
  publicEntropy: string;
  entities: EntityRow[];
  inspectors: InspectorRow[];
  recusals: RecusalRow[];
  gradeOrder: string[];
  ratiosBp: Record<string, number>;
  inspectorsPerTask: Record<string, number>;
}

function scenarioArb(opts: { maxEntities?: number; recusals?: boolean; maxK?: number } = {}): fc.Arbitrary<Scenario> {
  const maxK = opts.maxK ?? 3;
  return fc
    .record({
      serverSeed: hex64,
      publicEntropy: fc.string({ unit: 'grapheme', maxLength: 20 }),
      entities: fc.uniqueArray(fc.record({ id: idArb, grade: fc.constantFrom('A', 'B', 'C') }, { noNullPrototype: true }), {
        selector: (e) => e.id,
        maxLength: opts.maxEntities ?? 40,
      }),
      gradeOrder: fc.shuffledSubarray([...GRADES], { minLength: 4, maxLength: 4 }),
      ratios: fc.tuple(ratioArb, ratioArb, ratioArb, ratioArb),
      depts: fc.array(
        fc.record({
          code: fc.constantFrom(...DEPTS),
          k: fc.integer({ min: 0, max: maxK }),
          ids: fc.uniqueArray(idArb, { minLength: 0, maxLength: 8 }),
        }),
        { maxLength: 3 },
      ),
      recusalPairs: opts.recusals === false ? fc.constant([]) : fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 30 }),
    })
    .map((r) => {
      const inspectorsPerTask: Record<string, number> = {};
      const inspectors: InspectorRow[] = [];
      for (const d of r.depts) {
        if (d.code in inspectorsPerTask) continue;
        // make sure k ≤ M mostly, but keep some k > M cases
        inspectorsPerTask[d.code] = d.k;
        for (const id of d.ids) inspectors.push({ departmentCode: d.code, inspectorId: id });
      }
      const allInspectorIds = [...new Set(inspectors.map((i) => i.inspectorId))];
      const recusals: RecusalRow[] = [];
      if (allInspectorIds.length > 0 && r.entities.length > 0) {
        for (const [i, j] of r.recusalPairs) {
          recusals.push({ inspectorId: allInspectorIds[i % allInspectorIds.length], entityId: r.entities[j % r.entities.length].id });
        }
      }
      return {
        serverSeed: r.serverSeed,
        publicEntropy: r.publicEntropy,
        entities: r.entities.map((e) => ({ id: e.id, grade: e.grade })),
        inspectors,
        recusals,
        gradeOrder: r.gradeOrder,
        ratiosBp: Object.fromEntries(GRADES.map((g, i) => [g, r.ratios[i]])),
        inspectorsPerTask,
      };
    });
}

function files(s: Scenario) {
  return {
    entitySnapshot: serializeEntitySnapshot(s.entities),
    inspectorSnapshot: serializeInspectorSnapshot(s.inspectors),
    recusalSnapshot: serializeRecusalSnapshot(s.recusals),
  };
}

function draw(s: Scenario): RunDrawResult {
  return runDraw({ ...s, ...files(s) });
}

function tryDraw(s: Scenario): RunDrawResult | Error {
  try {
    return draw(s);
  } catch (e) {
    return e as Error;
  }
}

/** Scenarios where every entity can be staffed (so every draw must succeed). */
const feasible = (opts?: Parameters<typeof scenarioArb>[0]) =>
  scenarioArb(opts).filter((s) => checkFeasibility(s.entities, s.inspectors, s.inspectorsPerTask, s.recusals) === null);

const plain = (r: RunDrawResult) =>
  r.tasks.map((x) => ({ seq: x.seq, entityId: x.entityId, grade: x.grade, inspectors: x.inspectors.map((i) => ({ ...i })) }));

// ------------------------------------------------------------------------------------------------
// The optimized draw equals a literal transcription of §3–§4
// ------------------------------------------------------------------------------------------------

t.test('runDraw ≡ literal reference implementation of §3–§4', async (t) => {
  let compared = 0;
  let withFallback = 0;
  let failedBoth = 0;
  fc.assert(
    fc.property(scenarioArb(), (s) => {
      const fast = tryDraw(s);
      if (fast instanceof Error) {
        // the fast implementation may only fail where the reference fails as well
        const digests = snapshotDigests(files(s));
        const seed2 = sha256Hex(
          `draw-v1|${s.serverSeed}|${s.publicEntropy}|${digests.entitySnapshotDigest}|${digests.inspectorSnapshotDigest}|${digests.recusalDigest}`,
        );
        let refFailed = false;
        try {
          referenceDraw({ ...s, seed: seed2 });
        } catch {
          refFailed = true;
        }
        const inspectorShortage = Object.entries(s.inspectorsPerTask).some(([d, k]) => k > s.inspectors.filter((i) => i.departmentCode === d).length);
        if (!refFailed && !inspectorShortage) throw new Error(`fast failed, reference did not: ${fast.message}`);
        failedBoth++;
        return;
      }
      const ref = referenceDraw({ ...s, seed: fast.seed });
      compared++;
      if (ref.departments.some((d) => d.fallbacks > 0)) withFallback++;
      if (JSON.stringify(plain(fast)) !== JSON.stringify(ref.tasks)) {
        throw new Error(`tasks differ:\nfast ${JSON.stringify(plain(fast))}\nref  ${JSON.stringify(ref.tasks)}`);
      }
      if (JSON.stringify(fast.strata) !== JSON.stringify(ref.strata)) throw new Error('strata differ');
    }),
    { numRuns: RUNS * 3 },
  );
  t.pass(`property held for ${RUNS * 3} runs`);
  t.ok(compared > RUNS, `compared ${compared} successful draws`);
  t.ok(withFallback > 0, `${withFallback} draws exercised the cap fallback`);
  t.ok(failedBoth > 0, `${failedBoth} infeasible draws failed in both`);
});

t.test('reference ≡ fast on dense recusals and tight caps', async (t) => {
  // Few inspectors, many tasks, many recusals: the cap fallback and the skipping logic are hit hard.
  const dense = fc
    .record({
      seed: hex64,
      n: fc.integer({ min: 1, max: 60 }),
      m: fc.integer({ min: 1, max: 7 }),
      k: fc.integer({ min: 1, max: 4 }),
      pairs: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 120 }),
    })
    .map(({ seed, n, m, k, pairs }) => {
      const entities = Array.from({ length: n }, (_, i) => ({ id: `e${i}`, grade: 'G' }));
      const inspectors = Array.from({ length: m }, (_, i) => ({ departmentCode: 'D', inspectorId: `i${i}` }));
      const recusals = pairs.map(([a, b]) => ({ inspectorId: `i${a % m}`, entityId: `e${b % n}` }));
      return { seed, entities, inspectors, recusals, k: Math.min(k, m) };
    });
  let fallbacks = 0;
  fc.assert(
    fc.property(dense, (d) => {
      const f = {
        entitySnapshot: serializeEntitySnapshot(d.entities),
        inspectorSnapshot: serializeInspectorSnapshot(d.inspectors),
        recusalSnapshot: serializeRecusalSnapshot(d.recusals),
      };
      const input = { ...f, serverSeed: d.seed, publicEntropy: '', gradeOrder: ['G'], ratiosBp: { G: 10000 }, inspectorsPerTask: { D: d.k } };
      let fast: RunDrawResult | null = null;
      try {
        fast = runDraw(input);
      } catch {
        /* compared below */
      }
      const seed = sha256Hex(`draw-v1|${d.seed}||${sha256Hex(f.entitySnapshot)}|${sha256Hex(f.inspectorSnapshot)}|${sha256Hex(f.recusalSnapshot)}`);
      let ref: ReturnType<typeof referenceDraw> | null = null;
      try {
        ref = referenceDraw({ ...d, seed, gradeOrder: ['G'], ratiosBp: { G: 10000 }, inspectorsPerTask: { D: d.k } });
      } catch {
        /* compared below */
      }
      if ((fast === null) !== (ref === null)) throw new Error(`one failed: fast ${fast === null}, ref ${ref === null}`);
      if (fast === null || ref === null) return;
      fallbacks += ref.departments[0].fallbacks;
      if (JSON.stringify(plain(fast)) !== JSON.stringify(ref.tasks)) throw new Error('tasks differ');
    }),
    { numRuns: RUNS * 2 },
  );
  t.pass(`property held for ${RUNS * 2} runs`);
  t.ok(fallbacks > 0, `${fallbacks} fallback tasks exercised`);
});

// ------------------------------------------------------------------------------------------------
// Invariants stated directly
// ------------------------------------------------------------------------------------------------

t.test('same inputs → same output; row order of the input does not matter', async (t) => {
  fc.assert(
    fc.property(feasible(), fc.nat(), (s, rot) => {
      const a = draw(s);
      const rotate = <T>(x: T[]) => (x.length === 0 ? x : [...x.slice(rot % x.length), ...x.slice(0, rot % x.length)].reverse());
      const b = draw({ ...s, entities: rotate(s.entities), inspectors: rotate(s.inspectors), recusals: rotate(s.recusals) });
      assert.deepEqual(b, a);
      assert.deepEqual(draw(s), a);
      // the step-by-step API with unsorted rows (and recusals in reverse order) agrees as well
      const drawn = drawEntities(a.seed, s.gradeOrder, s.ratiosBp, rotate(s.entities));
      const assigned = assignInspectors(a.seed, drawn.tasks, rotate(s.inspectors), s.inspectorsPerTask, [...s.recusals].reverse());
      assert.deepEqual(assigned, a.tasks);
    }),
    { numRuns: RUNS },
  );
  t.pass(`property held for ${RUNS} runs`);
});

t.test('per-grade counts follow the formula; tasks are grade blocks in gradeOrder; seq = 1…T', async (t) => {
  fc.assert(
    fc.property(feasible(), (s) => {
      const r = draw(s);
      assert.deepEqual(
        r.strata.map((x) => x.grade),
        s.gradeOrder,
      );
      let seq = 0;
      for (const st of r.strata) {
        const pop = s.entities.filter((e) => e.grade === st.grade).length;
        const n = Number((BigInt(s.ratiosBp[st.grade]) * BigInt(pop) + 9999n) / 10000n);
        if (st.population !== pop) throw new Error('population');
        if (st.drawn !== Math.min(pop, n) || st.drawn !== countToDraw(st.ratioBp, pop)) throw new Error('drawn');
        for (let i = 0; i < st.drawn; i++) {
          const task = r.tasks[seq];
          if (task.seq !== seq + 1 || task.grade !== st.grade) throw new Error(`task ${seq + 1} out of place`);
          seq++;
        }
      }
      if (seq !== r.tasks.length) throw new Error('task count');
    }),
    { numRuns: RUNS },
  );
  t.pass(`property held for ${RUNS} runs`);
});

t.test('no entity twice; each task entity is in the snapshot with that grade', async (t) => {
  fc.assert(
    fc.property(feasible(), (s) => {
      const r = draw(s);
      const grades = new Map(s.entities.map((e) => [e.id, e.grade]));
      const seen = new Set<string>();
      for (const task of r.tasks) {
        if (seen.has(task.entityId)) throw new Error(`entity ${task.entityId} drawn twice`);
        seen.add(task.entityId);
        if (grades.get(task.entityId) !== task.grade) throw new Error('grade');
      }
    }),
    { numRuns: RUNS },
  );
  t.pass(`property held for ${RUNS} runs`);
});

t.test('teams: k distinct members per department, from its pool, departments in code order; recusals never violated', async (t) => {
  fc.assert(
    fc.property(feasible(), (s) => {
      const r = draw(s);
      const recused = new Set(s.recusals.map((x) => `${x.inspectorId}\t${x.entityId}`));
      const depts = Object.keys(s.inspectorsPerTask)
        .filter((d) => s.inspectorsPerTask[d] > 0)
        .sort(compareUtf8);
      for (const task of r.tasks) {
        const expectedDepts = depts.flatMap((d) => Array<string>(s.inspectorsPerTask[d]).fill(d));
        if (JSON.stringify(task.inspectors.map((i) => i.departmentCode)) !== JSON.stringify(expectedDepts)) {
          throw new Error(`task ${task.seq}: wrong department layout`);
        }
        for (const d of depts) {
          const members = task.inspectors.filter((i) => i.departmentCode === d).map((i) => i.inspectorId);
          if (new Set(members).size !== members.length) throw new Error(`task ${task.seq}: duplicate member in ${d}`);
          for (const m of members) {
            if (!s.inspectors.some((i) => i.departmentCode === d && i.inspectorId === m)) throw new Error('not in pool');
          }
        }
        for (const i of task.inspectors) {
          if (recused.has(`${i.inspectorId}\t${task.entityId}`)) throw new Error(`recusal violated: ${i.inspectorId} on ${task.entityId}`);
        }
      }
    }),
    { numRuns: RUNS },
  );
  t.pass(`property held for ${RUNS} runs`);
});

t.test('without recusals and with k = 1, every load ≤ cap = ceil(T/M)', async (t) => {
  // With k = 1 the capped candidate set can only be empty once M·cap ≥ T seats are filled, i.e. never
  // before the last task. (For k ≥ 2 the cap is soft even without recusals: see the next tests.)
  let checked = 0;
  fc.assert(
    fc.property(feasible({ recusals: false, maxEntities: 80, maxK: 1 }), (s) => {
      const r = draw(s);
      const T = r.tasks.length;
      for (const [d, k] of Object.entries(s.inspectorsPerTask)) {
        if (k === 0 || T === 0) continue;
        const M = s.inspectors.filter((i) => i.departmentCode === d).length;
        const cap = loadCap(T, k, M);
        const load = new Map<string, number>();
        for (const task of r.tasks) {
          for (const i of task.inspectors) if (i.departmentCode === d) load.set(i.inspectorId, (load.get(i.inspectorId) ?? 0) + 1);
        }
        for (const [x, n] of load) if (n > cap) throw new Error(`${d}:${x} has load ${n} > cap ${cap}`);
        checked++;
      }
    }),
    { numRuns: RUNS },
  );
  t.pass(`property held for ${RUNS} runs`);
  t.ok(checked > 0);
});

t.test('k ≥ 2 without recusals: the spec lifts the cap when fewer than k are under it', async (t) => {
  // Found by property testing: T = 3 tasks, k = 2, M = 3 → cap = 2. If tasks 1 and 2 draw the same
  // pair, only one inspector is under the cap for task 3, so §4 falls back to the whole pool and
  // someone reaches load 3. The fast implementation and the literal reference agree on this.
  const s: Scenario = {
    serverSeed: '010000000000116200000008b900000000000000000000000100000000000000',
    publicEntropy: '',
    entities: [
      { id: '.', grade: 'B' },
      { id: 'a', grade: 'B' },
      { id: '0', grade: 'A' },
    ],
    inspectors: [
      { departmentCode: 'D1', inspectorId: 'Z' },
      { departmentCode: 'D1', inspectorId: 'a' },
      { departmentCode: 'D1', inspectorId: '-a' },
    ],
    recusals: [],
    gradeOrder: ['B', 'A', 'C', 'Z'],
    ratiosBp: { A: 1, B: 5001, C: 0, Z: 0 },
    inspectorsPerTask: { D1: 2 },
  };
  const r = draw(s);
  const ref = referenceDraw({ ...s, seed: r.seed });
  t.strictSame(plain(r), ref.tasks);
  t.equal(ref.departments[0].cap, 2);
  t.equal(ref.departments[0].fallbacks, 1);
  t.equal(Math.max(...ref.departments[0].loads.values()), 3);
});

t.test('with recusals, loads ≤ cap in every department where the cap never had to be lifted', async (t) => {
  fc.assert(
    fc.property(feasible(), (s) => {
      const r = draw(s);
      const ref = referenceDraw({ ...s, seed: r.seed });
      for (const d of ref.departments) {
        if (d.fallbacks > 0) continue;
        for (const [x, n] of d.loads) if (n > d.cap) throw new Error(`${d.departmentCode}:${x} load ${n} > cap ${d.cap}`);
      }
    }),
    { numRuns: RUNS },
  );
  t.pass(`property held for ${RUNS} runs`);
});

t.test('checkFeasibility ≡ a literal check of every entity; prepareSnapshots ≡ its parts', async (t) => {
  let infeasible = 0;
  fc.assert(
    fc.property(scenarioArb(), (s) => {
      const depts = Object.keys(s.inspectorsPerTask)
        .filter((d) => s.inspectorsPerTask[d] > 0)
        .sort(compareUtf8);
      let want: unknown = null;
      outer: for (const e of [...s.entities].sort((a, b) => compareUtf8(a.id, b.id))) {
        for (const d of depts) {
          const available = s.inspectors.filter(
            (i) => i.departmentCode === d && !s.recusals.some((r) => r.inspectorId === i.inspectorId && r.entityId === e.id),
          ).length;
          if (available < s.inspectorsPerTask[d]) {
            want = { entityId: e.id, departmentCode: d, available, required: s.inspectorsPerTask[d] };
            break outer;
          }
        }
      }
      const got = checkFeasibility(s.entities, s.inspectors, s.inspectorsPerTask, s.recusals);
      assert.deepEqual(got, want);
      if (got !== null) infeasible++;

      // recusals outside the snapshots are dropped by prepareSnapshots
      const extra = [
        ...s.recusals,
        { inspectorId: 'nobody', entityId: s.entities[0]?.id ?? 'x' },
        { inspectorId: s.inspectors[0]?.inspectorId ?? 'y', entityId: 'not-in-pool' },
      ];
      const prepared = prepareSnapshots({ ...s, recusals: extra });
      assert.deepEqual(prepared.files, files(s));
      assert.deepEqual(prepared.digests, snapshotDigests(files(s)));
      assert.deepEqual(prepared.strata, computeStrata(s.gradeOrder, s.ratiosBp, s.entities));
      assert.deepEqual(prepared.infeasibility, want);
    }),
    { numRuns: RUNS * 2 },
  );
  t.pass(`property held for ${RUNS * 2} runs`);
  t.ok(infeasible > 0, `${infeasible} infeasible scenarios`);
});

// ------------------------------------------------------------------------------------------------
// Files
// ------------------------------------------------------------------------------------------------

t.test('parse(serialize(rows)) round-trips', async (t) => {
  fc.assert(
    fc.property(scenarioArb(), (s) => {
      const f = files(s);
      const e = parseEntitySnapshot(f.entitySnapshot);
      const i = parseInspectorSnapshot(f.inspectorSnapshot);
      const r = parseRecusalSnapshot(f.recusalSnapshot);
      assert.deepEqual(
        e,
        [...s.entities].sort((a, b) => compareUtf8(a.id, b.id)),
      );
      assert.deepEqual(
        i,
        [...s.inspectors].sort((a, b) => compareUtf8(a.departmentCode, b.departmentCode) || compareUtf8(a.inspectorId, b.inspectorId)),
      );
      const uniquePairs = [...new Set(s.recusals.map((x) => `${x.inspectorId}\t${x.entityId}\n`))].sort(compareUtf8);
      assert.equal(f.recusalSnapshot, uniquePairs.join(''));
      assert.equal(r.length, uniquePairs.length);
      assert.equal(serializeEntitySnapshot(e), f.entitySnapshot);
      assert.equal(serializeInspectorSnapshot(i), f.inspectorSnapshot);
      assert.equal(serializeRecusalSnapshot(r), f.recusalSnapshot);
      // sorted = `LC_ALL=C sort` of the lines, for all three files
      for (const text of [f.entitySnapshot, f.inspectorSnapshot, f.recusalSnapshot]) {
        const lines = text.split('\n').slice(0, -1);
        assert.deepEqual(
          lines,
          [...lines].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
        );
      }
    }),
    { numRuns: RUNS },
  );
  t.pass(`property held for ${RUNS} runs`);
});

t.test('a file accepted by a parser is exactly the serialization of what it parsed to', async (t) => {
  // Random near-valid texts: whatever the strict parser accepts must be canonical.
  const text = fc.string({ unit: fc.constantFrom('a', 'b', 'A', '.', '-', '\t', '\n', '\r', ' ', 'é'), maxLength: 30 });
  let accepted = 0;
  fc.assert(
    fc.property(text, (s) => {
      for (const [parse, ser] of [
        [parseEntitySnapshot, serializeEntitySnapshot],
        [parseInspectorSnapshot, serializeInspectorSnapshot],
        [parseRecusalSnapshot, serializeRecusalSnapshot],
      ] as const) {
        let rows: unknown[];
        try {
          rows = parse(s);
        } catch (e) {
          if (!/line \d+|expected the file/.test((e as Error).message)) throw new Error(`message without a line: ${(e as Error).message}`);
          continue;
        }
        accepted++;
        if ((ser as (r: unknown[]) => string)(rows) !== s) throw new Error(`accepted non-canonical ${JSON.stringify(s)}`);
      }
    }),
    { numRuns: RUNS * 10 },
  );
  t.pass(`property held for ${RUNS * 10} runs`);
  t.ok(accepted > 0, `${accepted} accepted`);
});

t.test('changing any one snapshot line changes its digest and verifyDraw fails at that digest', async (t) => {
  const scenarioWithChange = fc.tuple(
    feasible(),
    fc.constantFrom('entitySnapshot', 'inspectorSnapshot', 'recusalSnapshot'),
    fc.nat(),
    fc.nat(),
    fc.constantFrom('x', 'Y', '7', '.', '-'),
  );
  let checked = 0;
  fc.assert(
    fc.property(scenarioWithChange, ([s, file, lineNo, pos, ch]) => {
      const prepared = prepareCommit({
        ...s,
        planId: 'P-1',
        entropySource: 'dice',
        committedAt: '2026-01-01T00:00:00.000Z',
      });
      if (!prepared.ok) throw new Error('feasible scenario refused');
      const f = prepared.files;
      const result = runDraw({ ...s, ...f });
      const drawRecord = buildDrawRecord({
        commit: prepared.record,
        serverSeed: s.serverSeed,
        publicEntropy: s.publicEntropy,
        result,
        drawnAt: '2026-01-02T00:00:00.000Z',
        includeGrades: false,
      });
      const ok = verifyDraw({ commit: prepared.record, draw: drawRecord, ...f });
      if (!ok.ok) throw new Error(`honest draw rejected: ${ok.message}`);

      const lines = f[file].split('\n').slice(0, -1);
      fc.pre(lines.length > 0);
      const li = lineNo % lines.length;
      const line = lines[li];
      const p = pos % line.length;
      fc.pre(line[p] !== ch && line[p] !== '\t');
      lines[li] = line.slice(0, p) + ch + line.slice(p + 1);
      const tampered = { ...f, [file]: lines.join('\n') + '\n' };
      const key = { entitySnapshot: 'entitySnapshotDigest', inspectorSnapshot: 'inspectorSnapshotDigest', recusalSnapshot: 'recusalDigest' }[file];
      if (sha256Hex(tampered[file]) === sha256Hex(f[file])) throw new Error('digest unchanged');
      const v = verifyDraw({ commit: prepared.record, draw: drawRecord, ...tampered });
      if (v.ok || v.step !== key) throw new Error(`expected failure at ${key}, got ${JSON.stringify(v)}`);
      checked++;
    }),
    { numRuns: RUNS },
  );
  t.pass(`property held for ${RUNS} runs`);
  t.ok(checked > RUNS / 3, `${checked} tampered files detected`);
});

// ------------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------------

t.test('compareUtf8 ≡ byte comparison of the UTF-8 encodings', async (t) => {
  const str = fc.string({
    unit: fc.oneof(
      fc.constantFrom('a', 'z', '\uffff', '\ue000', '\ud7ff', '😀', '\u{10ffff}'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 5,
  });
  fc.assert(
    fc.property(str, str, (a, b) => {
      const want = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
      if (compareUtf8(a, b) !== want) throw new Error(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }),
    { numRuns: RUNS * 20 },
  );
  t.pass(`property held for ${RUNS * 20} runs`);
});

t.test('fast field validators ≡ the §1 regexes', async (t) => {
  const str = fc.string({
    unit: fc.oneof(
      fc.constantFrom('a', 'Z', '0', '.', '_', '-', ' ', '\t', '\n', 'é', '\u0130', '\u212a'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 70,
  });
  const long = fc.integer({ min: 10, max: 70 }).map((n) => 'a'.repeat(n));
  fc.assert(
    fc.property(fc.oneof(str, long), (s) => {
      assert.equal(isEntityId(s), ENTITY_ID_RE.test(s));
      assert.equal(isInspectorId(s), INSPECTOR_ID_RE.test(s));
      assert.equal(isGrade(s), GRADE_RE.test(s));
      assert.equal(isDepartmentCode(s), DEPARTMENT_RE.test(s));
    }),
    { numRuns: RUNS * 20 },
  );
  t.pass(`property held for ${RUNS * 20} runs`);
  for (const v of [undefined, null, 5, {}, '']) t.notOk(isEntityId(v) || isGrade(v) || isDepartmentCode(v) || isInspectorId(v));
});

t.test('countToDraw ≡ exact BigInt formula, up to 10^7 entities', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10000 }), fc.integer({ min: 0, max: 10_000_000 }), (bp, n) => {
      const want = Math.min(n, Number((BigInt(bp) * BigInt(n) + 9999n) / 10000n));
      if (countToDraw(bp, n) !== want) throw new Error(`${bp} ${n}`);
    }),
    { numRuns: RUNS * 20 },
  );
  t.pass(`property held for ${RUNS * 20} runs`);
});
