/**
 * The outsider's attack on revision 1 (spec §5): the draw takes grade A's entities first, then B's, … so
 * in a list in draw (seq) order, positions 1..n_A are grade A, the next n_B grade B, and the strata's
 * drawn counts are public. This test plays the outsider against every public surface of a plan drawn on a
 * non-public scheme (credit-4) — the public plan JSON, the portal plan page, every entity page (JSON and
 * HTML), entity search (JSON and HTML), the public ledger bodies and the published results — and asserts
 * that what it infers is no better than chance. The same inference on the revision-1 public record of the
 * same draw (built with the core's rev-1 builder) finds every grade: so the test can fail.
 *
 * Statistics. With the grades independent of the entity ids (drawn from a seeded PRNG), any order that
 * does not come from the draw assigns grades independently of the truth: for a grade with n drawn out of
 * N, the hits among its n positions are hypergeometric (mean n²/N). The bar is the rate of an outsider who
 * guesses the majority grade for everyone (max n / N: 46 of 143 tasks, 32.2% with this directory) plus 4
 * standard deviations of the chance hits (sd 3.1%): 44.7%. A chance order scores 25.7% on average and passes
 * the bar with probability below 1e-4; any real leak of the draw order scores near 100% (revision 1: 100%).
 */
import t, { type Test } from 'tap';
import { buildTestApp, commitAndWait, signPending, type TestApp } from '../helper.ts';
import { seedDirectories } from '../fixtures/directories.ts';
import { chinaToday } from '../portal-fixture.ts';
import { runDraw } from '../../src/core/draw/run.ts';
import { compareUtf8 } from '../../src/core/draw/ids.ts';
import { buildDrawRecord, type CommitRecord } from '../../src/core/replay.ts';

const N_ENTITIES = 400;
const GRADES = ['A', 'B', 'C', 'D'];
/** Uneven grade shares, so guessing the majority grade is a real baseline. */
const SHARES = [0.4, 0.3, 0.2, 0.1];
const RATIOS_BP = { A: 2000, B: 3000, C: 5000, D: 8000 };

/** A small seeded PRNG (mulberry32): the directory is the same on every run, the draw is not. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** 400 entities with credit-4 grades drawn at random (so independent of the ids and the names). */
function directory() {
  const rand = prng(20260901);
  const entities = Array.from({ length: N_ENTITIES }, (_, i) => {
    const id = `91500103GI${String(i + 1).padStart(6, '0')}`;
    let r = rand();
    let g = 0;
    while (g < GRADES.length - 1 && r >= SHARES[g]) r -= SHARES[g++];
    return { id, name: `重庆市渝中区样本企业${String(i + 1).padStart(3, '0')}号`, grade: GRADES[g] };
  });
  return entities;
}

interface Stratum {
  grade: string;
  drawn: number;
}

/** The outsider: positions 1..n_A of the order are grade A, the next n_B grade B, … */
function infer(order: readonly string[], strata: readonly Stratum[]): Map<string, string> {
  const guess = new Map<string, string>();
  let i = 0;
  for (const s of strata) for (let k = 0; k < s.drawn && i < order.length; k++) guess.set(order[i++], s.grade);
  return guess;
}

function accuracy(order: readonly string[], strata: readonly Stratum[], truth: Map<string, string>): number {
  const guess = infer(order, strata);
  let hits = 0;
  for (const [id, g] of guess) if (truth.get(id) === g) hits++;
  return hits / order.length;
}

/** The bar (see the header): the majority-grade rate plus 4 standard deviations of the chance hits. */
function chanceBar(strata: readonly Stratum[]): { bar: number; majority: number; expected: number; sd: number } {
  const total = strata.reduce((n, s) => n + s.drawn, 0);
  const majority = Math.max(...strata.map((s) => s.drawn)) / total;
  const expected = strata.reduce((e, s) => e + (s.drawn * s.drawn) / total, 0) / total;
  const variance = strata.reduce((v, s) => {
    const p = s.drawn / total;
    return v + (s.drawn * p * (1 - p) * (total - s.drawn)) / (total - 1);
  }, 0);
  const sd = Math.sqrt(variance) / total;
  return { bar: majority + 4 * sd, majority, expected, sd };
}

/** An outsider's order from a list: by seq where the surface gives one, else as listed. */
function orderOf(rows: ReadonlyArray<{ entityId: string; seq?: number }>): { order: string[]; withSeq: boolean } {
  const withSeq = rows.length > 0 && rows.every((r) => typeof r.seq === 'number');
  const sorted = withSeq ? [...rows].sort((a, b) => (a.seq as number) - (b.seq as number)) : rows;
  return { order: sorted.map((r) => r.entityId), withSeq };
}

async function getJson(app: TestApp, path: string) {
  const res = await app.api('GET', path, { token: null });
  if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return res.json();
}

async function getHtml(app: TestApp, url: string): Promise<string> {
  const res = await app.app.inject({ url });
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
  return res.body;
}

/** A drawn plan on a non-public scheme over the directory, every result entered and published. */
async function drawnPlan(app: TestApp, entities: ReturnType<typeof directory>) {
  await seedDirectories(app.database.db, {
    departments: [{ code: 'SCJG', name: '市场监督管理局' }],
    items: [{ code: 'SCJG-ZL', name: '产品质量抽查', departmentCode: 'SCJG', gradeScheme: 'credit-4' }],
    entities: entities.map((e) => ({ id: e.id, name: e.name })),
    grades: entities.map((e) => ({ entityId: e.id, scheme: 'credit-4', grade: e.grade })),
    inspectors: Array.from({ length: 8 }, (_, i) => ({ id: `SJ-${String(i + 1).padStart(3, '0')}`, departmentCode: 'SCJG' })),
  });
  const created = await app.api('POST', '/api/v1/plans', {
    body: {
      title: '分级推断检验计划',
      items: ['SCJG-ZL'],
      gradeScheme: 'credit-4',
      ratiosBp: RATIOS_BP,
      inspectorsPerTask: { SCJG: 2 },
      entropySource: '公开摇号现场掷骰 10 次',
    },
  });
  if (created.statusCode !== 201) throw new Error(`plan: ${created.statusCode} ${created.body}`);
  const id = created.json().id as string;
  const committed = await commitAndWait(app, id);
  if (committed.statusCode !== 201) throw new Error(`commit: ${committed.statusCode} ${committed.body}`);
  const drawn = await app.api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: '3 1 4 1 5 9 2 6 5 3' } });
  if (drawn.statusCode !== 201) throw new Error(`draw: ${drawn.statusCode} ${drawn.body}`);

  const planner = await app.token('planner');
  const tasks = (await app.api('GET', `/api/v1/tasks?plan=${id}&limit=1000`)).json().items as Array<{ id: number }>;
  const today = chinaToday();
  for (const task of tasks) {
    const res = await app.api('PUT', `/api/v1/tasks/${task.id}/result`, {
      token: planner,
      body: { resultCode: 'no-issue', inspectedOn: today, followUp: 'none' },
    });
    if (res.statusCode !== 200 && res.statusCode !== 201) throw new Error(`result: ${res.statusCode} ${res.body}`);
  }
  await signPending(app, id);
  const published = await app.api('POST', `/api/v1/plans/${id}/publish`, { token: planner, body: { scope: 'all' } });
  if (published.statusCode !== 201) throw new Error(`publish: ${published.statusCode} ${published.body}`);
  return id;
}

/** The revision-1 public record of the same draw, built by the core from the auditor's files (as rev 1 published it). */
async function revisionOneTasks(
  app: TestApp,
  id: string,
  commit: CommitRecord,
  publicRecord: { serverSeed: string; publicEntropy: string; drawnAt: string },
) {
  const auditor = await app.token('auditor');
  const file = async (f: string) => {
    const res = await app.api('GET', `/api/v1/plans/${id}/snapshot/${f}`, { token: auditor });
    if (res.statusCode !== 200) throw new Error(`${f}: ${res.statusCode}`);
    return res.body;
  };
  const { records: _r, entropyAt: _e, poolRule: _p, ...rev1Commit } = commit;
  const result = runDraw({
    entitySnapshot: await file('entities.tsv'),
    inspectorSnapshot: await file('inspectors.tsv'),
    recusalSnapshot: await file('recusals.tsv'),
    gradeOrder: commit.gradeOrder,
    ratiosBp: Object.fromEntries(commit.strata.map((s) => [s.grade, s.ratioBp])),
    inspectorsPerTask: commit.inspectorsPerTask,
    serverSeed: publicRecord.serverSeed,
    publicEntropy: publicRecord.publicEntropy,
  });
  const record = buildDrawRecord({
    commit: rev1Commit,
    serverSeed: publicRecord.serverSeed,
    publicEntropy: publicRecord.publicEntropy,
    result,
    drawnAt: publicRecord.drawnAt,
    includeGrades: false,
  });
  return record.tasks as Array<{ entityId: string; seq?: number; grade?: string }>;
}

t.test('no public surface tells the grades of a non-public scheme; revision 1 did', async (t) => {
  const app = await buildTestApp(t);
  const entities = directory();
  const truth = new Map(entities.map((e) => [e.id, e.grade]));
  const id = await drawnPlan(app, entities);

  const plan = await getJson(app, `/public/v1/plans/${id}/record.json`);
  const strata: Stratum[] = plan.draw.strata;
  const drawnIds = (plan.draw.tasks as Array<{ entityId: string }>).map((x) => x.entityId);
  const byId = [...drawnIds].sort(compareUtf8);
  const drawnSet = new Set(drawnIds);
  const stats = chanceBar(strata);
  t.ok(drawnIds.length >= 100, `enough tasks for the statistics to mean something (${drawnIds.length})`);
  t.equal(plan.gradeScheme.public, false, 'credit-4 is not a public scheme');
  t.equal(plan.commit.records, 2, 'a revision-2 plan');

  // The control: revision 1's public record of this very draw gives the grades away.
  const rev1 = await revisionOneTasks(app, id, plan.commit, plan.draw);
  t.notOk(
    rev1.some((x) => 'grade' in x),
    'the rev-1 public record carries no grade either',
  );
  const rev1Accuracy = accuracy(orderOf(rev1).order, strata, truth);
  t.ok(rev1Accuracy >= 0.99, `revision 1: the outsider infers ${(rev1Accuracy * 100).toFixed(1)}% of the grades`);
  t.ok(rev1Accuracy > stats.bar, 'so the inference can fail the bar');

  /** One surface: no seq, the drawn entities by entity id where it lists the plan's tasks, and chance accuracy. */
  const surface = (t: Test, name: string, rows: ReadonlyArray<{ entityId: string; seq?: number }>, opts: { byEntityId?: boolean } = {}) => {
    const drawnRows = rows.filter((r) => drawnSet.has(r.entityId));
    const { order, withSeq } = orderOf(drawnRows);
    t.equal(drawnRows.length, drawnIds.length, `${name}: every drawn entity is there`);
    t.notOk(withSeq || drawnRows.some((r) => r.seq !== undefined), `${name}: no seq`);
    if (opts.byEntityId ?? true) t.same(order, byId, `${name}: by entity id`);
    const acc = accuracy(order, strata, truth);
    t.ok(
      acc <= stats.bar,
      `${name}: the outsider infers ${(acc * 100).toFixed(1)}% — bar ${(stats.bar * 100).toFixed(1)}% ` +
        `(majority ${(stats.majority * 100).toFixed(1)}%, chance ${(stats.expected * 100).toFixed(1)}% ± ${(stats.sd * 100).toFixed(1)}%)`,
    );
  };

  t.test('public plan JSON: the draw record and entityNames', async (t) => {
    t.notOk(
      plan.draw.tasks.some((x: object) => 'seq' in x || 'grade' in x),
      'tasks without seq and grade',
    );
    surface(t, 'draw.tasks', plan.draw.tasks);
    surface(
      t,
      'entityNames',
      Object.keys(plan.entityNames).map((entityId) => ({ entityId })),
    );
  });

  t.test('portal plan page, every page of the task list', async (t) => {
    const rows: Array<{ entityId: string; seq?: number }> = [];
    for (let page = 1; rows.length < drawnIds.length && page < 100; page++) {
      const body = await getHtml(app, `/plans/${id}?page=${page}`);
      const table = /<table class="stack" id="task-list">([\s\S]*?)<\/table>/.exec(body)?.[1] ?? '';
      t.notOk(table.includes('data-label="序号"'), `page ${page}: no seq column`);
      t.notOk(body.includes('按抽取序号'), `page ${page}: not in draw order`);
      for (const tr of table.split('<tr>').slice(2)) {
        const entityId = /href="\/entities\/([^"]+)"/.exec(tr)?.[1];
        const seq = /data-label="序号">(\d+)</.exec(tr)?.[1];
        if (entityId) rows.push({ entityId: decodeURIComponent(entityId), ...(seq ? { seq: Number(seq) } : {}) });
      }
    }
    surface(t, 'portal task list', rows);
  });

  t.test('public ledger bodies', async (t) => {
    const ledger = await getJson(app, `/public/v1/ledger?plan=${id}&limit=1000`);
    const drawnEntry = ledger.items.find((e: { kind: string }) => e.kind === 'plan.drawn');
    surface(t, 'plan.drawn body', drawnEntry.body.tasks);
    const committedEntry = ledger.items.find((e: { kind: string }) => e.kind === 'plan.committed');
    const committedText = JSON.stringify(committedEntry.body);
    t.notOk(
      drawnIds.some((x) => committedText.includes(x)),
      'plan.committed body: per-grade counts only, no entity',
    );
  });

  t.test('results.published ledger body', async (t) => {
    const ledger = await getJson(app, `/public/v1/ledger?plan=${id}&limit=1000`);
    const entry = ledger.items.find((e: { kind: string }) => e.kind === 'results.published');
    surface(t, 'results.published body', entry.body.tasks);
  });

  t.test('published results (JSON)', async (t) => {
    const results = await getJson(app, `/public/v1/plans/${id}/results?limit=1000`);
    surface(t, 'results', results.items);
  });

  t.test('entity pages (JSON and HTML): no seq of the plan', async (t) => {
    const json: Array<{ entityId: string; seq?: number }> = [];
    const portal: Array<{ entityId: string; seq?: number }> = [];
    for (const entityId of byId) {
      const e = await getJson(app, `/public/v1/entities/${entityId}`);
      const inspection = e.inspections.find((x: { planId: string }) => x.planId === id);
      json.push({ entityId, ...(inspection && inspection.seq !== undefined ? { seq: inspection.seq } : {}) });
      const body = await getHtml(app, `/entities/${entityId}`);
      t.ok(body.includes(`/plans/${id}`), `${entityId}: the published inspection is on its page`);
      const seq = /第 (\d+) 项/.exec(body)?.[1];
      portal.push({ entityId, ...(seq ? { seq: Number(seq) } : {}) });
    }
    surface(t, 'entity JSON', json);
    surface(t, 'entity pages', portal);
  });

  t.test('entity search (JSON and HTML)', async (t) => {
    const found = await getJson(app, `/public/v1/entities?q=${encodeURIComponent('样本企业')}&limit=1000`);
    t.equal(found.total, N_ENTITIES);
    surface(
      t,
      'entity search JSON',
      found.items.map((e: { id: string }) => ({ entityId: e.id })),
      { byEntityId: false },
    );
    const rows: Array<{ entityId: string }> = [];
    for (let page = 1; page <= Math.ceil(N_ENTITIES / 20); page++) {
      const body = await getHtml(app, `/entities?q=${encodeURIComponent('样本企业')}&page=${page}`);
      for (const m of body.matchAll(/<a href="\/entities\/([^"]+)">/g)) rows.push({ entityId: decodeURIComponent(m[1]) });
    }
    surface(t, 'entity search pages', rows, { byEntityId: false });
  });
});
