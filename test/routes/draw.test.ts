import t from 'tap';
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { asAdmin, buildTestApp, soon, untilEntropyAt, type TestApp } from '../helper.ts';
import { execRows, type Executor } from '../../src/db/client.ts';
import { SPEC_EXAMPLE, SPEC_EXAMPLE_EXPECTED } from '../core/spec-example.ts';
import { verifyDraw } from '../../src/core/replay.ts';
import { verifyLedger, ledgerEntryHash } from '../../src/core/ledger.ts';
import { createDrawService } from '../../src/domain/draws/service.ts';
import { composeCeremonyEntropy } from '../../src/core/ceremony.ts';
import { bundleFromFiles, verifyBundleLedger } from '../../src/core/bundle.ts';
import { gunzipSync } from 'node:zlib';
import { parseTar } from 'nanotar';
import { planBody, seedDirectories, specDirectories, syntheticDirectories } from '../fixtures/directories.ts';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const count = async (db: Executor, query: string) =>
  Number((await execRows<{ n: number }>(db, sql.raw(`SELECT count(*)::int AS n FROM ${query}`)))[0].n);
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** §7's directories plus a third WJW inspector, so that WJW can send 2 to every entity. */
async function specPlus(app: TestApp) {
  await seedDirectories(app.database.db, specDirectories());
  await seedDirectories(app.database.db, { inspectors: [{ id: 'WJ-03', departmentCode: 'WJW' }] });
}

/**
 * A committed plan whose entropyAt is `ms` ahead; unless `wait: false`, this waits until then, so the
 * draw may follow at once.
 */
async function committed(app: TestApp, body: Record<string, unknown> = {}, options: { ms?: number; wait?: boolean } = {}) {
  const plan = (await app.api('POST', '/api/v1/plans', { body: planBody(body) })).json();
  const entropyAt = soon(options.ms ?? 1000);
  const res = await app.api('POST', `/api/v1/plans/${plan.id}/commit`, { body: { entropyAt } });
  if (res.statusCode !== 201) throw new Error(`commit: ${res.statusCode} ${res.body}`);
  if (options.wait ?? true) await untilEntropyAt(entropyAt);
  return { id: plan.id as string, commit: res.json(), entropyAt };
}

async function files(app: TestApp, id: string) {
  const get = async (f: string) => (await app.api('GET', `/api/v1/plans/${id}/snapshot/${f}`)).body;
  return { entitySnapshot: await get('entities.tsv'), inspectorSnapshot: await get('inspectors.tsv'), recusalSnapshot: await get('recusals.tsv') };
}

t.test('§7 through the service: the three digests, the refusal, then a draw that replays', async (t) => {
  const app = await buildTestApp(t);
  const { api, database } = app;
  await seedDirectories(database.db, specDirectories());
  // The §7 vector has WJW k = 1, below 行政处罚法 第四十二条; with k = 2 the same snapshots are frozen…
  const plan = (await api('POST', '/api/v1/plans', { body: planBody() })).json();
  const preview = (await api('GET', `/api/v1/plans/${plan.id}/preview`)).json();
  t.equal(preview.snapshot.entitySnapshotDigest, SPEC_EXAMPLE_EXPECTED.entitySnapshotDigest);
  t.equal(preview.snapshot.inspectorSnapshotDigest, SPEC_EXAMPLE_EXPECTED.inspectorSnapshotDigest);
  t.equal(preview.snapshot.recusalDigest, SPEC_EXAMPLE_EXPECTED.recusalDigest);
  // …but WJ-01's recusal leaves 92500108RQUKWFCX6A one WJW inspector: the commit is refused, naming both.
  const refused = await api('POST', `/api/v1/plans/${plan.id}/commit`, { body: { entropyAt: soon(60_000) } });
  t.equal(refused.statusCode, 422);
  t.match(refused.json().message, /92500108RQUKWFCX6A/);
  t.match(refused.json().message, /WJW/);
  t.equal(refused.json().details[0].field, 'inspectorsPerTask.WJW');
  t.equal(await count(database.db, 'plan_commits'), 0, 'nothing half-made');
  t.equal(await count(database.db, 'ledger'), 0);
  t.equal((await api('GET', `/api/v1/plans/${plan.id}`)).json().status, 'draft');

  // A third WJW inspector makes it feasible; the entity file is still §7's, byte for byte.
  await seedDirectories(database.db, { inspectors: [{ id: 'WJ-03', departmentCode: 'WJW' }] });
  const entropyAt = soon(1000);
  const res = await api('POST', `/api/v1/plans/${plan.id}/commit`, { body: { entropyAt } });
  t.equal(res.statusCode, 201, res.body);
  const commit = res.json();
  t.same(
    Object.keys(commit).sort(),
    [
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
    ].sort(),
    'exactly the §5 commit record, revision 2',
  );
  t.equal(commit.records, 2);
  t.equal(commit.entropyAt, entropyAt);
  t.same(commit.poolRule, {
    items: ['SCJG-ZL', 'WJW-GW'],
    targeting: 'untargeted',
    cooldownDays: 0,
    excludedCooldown: 0,
    excludedInactive: 0,
    excludedYearly: 0,
    excludedFrequency: 0,
  });
  t.equal(commit.entitySnapshotDigest, SPEC_EXAMPLE_EXPECTED.entitySnapshotDigest);
  t.same(
    commit.strata,
    SPEC_EXAMPLE_EXPECTED.strata.map(({ grade, population, ratioBp }) => ({ grade, population, ratioBp })),
  );
  t.same(commit.inspectorsPerTask, { SCJG: 2, WJW: 2 });
  t.match(commit.committedAt, ISO_MS);
  const f = await files(app, plan.id);
  t.equal(f.entitySnapshot, SPEC_EXAMPLE.entitySnapshot);
  t.equal(f.inspectorSnapshot, SPEC_EXAMPLE.inspectorSnapshot + 'WJW\tWJ-03\n');
  t.equal(f.recusalSnapshot, SPEC_EXAMPLE.recusalSnapshot);
  t.equal(sha256(f.inspectorSnapshot), commit.inspectorSnapshotDigest);
  t.equal(sha256(f.recusalSnapshot), commit.recusalDigest);

  // The ledger entry: body = the commit record without committedAt (the entry's `at`), as in §7.
  const [entry] = (await api('GET', '/public/v1/ledger')).json().items;
  const { committedAt, ...body } = commit;
  t.match(entry, { seq: 1, kind: 'plan.committed', planId: plan.id, at: committedAt, prevHash: '0'.repeat(64) });
  t.same(entry.body, body);
  t.equal(entry.hash, ledgerEntryHash(entry), 'the served entry hashes to its hash');
  const [stored] = await execRows<{ server_seed: string }>(database.db, sql`SELECT server_seed FROM plan_commits`);
  t.equal(sha256(stored.server_seed), commit.commitment, 'commitment = SHA-256 of the stored seed');
  t.match(stored.server_seed, /^[0-9a-f]{64}$/);

  await untilEntropyAt(entropyAt);
  const drawn = await api('POST', `/api/v1/plans/${plan.id}/draw`, { body: { publicEntropy: SPEC_EXAMPLE.publicEntropy } });
  t.equal(drawn.statusCode, 201, drawn.body);
  const draw = drawn.json();
  t.equal(draw.serverSeed, stored.server_seed);
  t.same(draw.strata, SPEC_EXAMPLE_EXPECTED.strata);
  t.equal(draw.tasks.length, 7);
  t.equal(draw.records, 2);
  t.match(draw.taskDigest, /^[0-9a-f]{64}$/);
  t.notOk(
    draw.tasks.some((x: { grade?: string; seq?: number }) => 'grade' in x || 'seq' in x),
    'credit-4 is not public: neither grades nor seq in the public record',
  );
  const publicIds = draw.tasks.map((x: { entityId: string }) => x.entityId);
  t.same(publicIds, [...publicIds].sort(), 'public tasks sorted by entityId');
  t.ok(Date.parse(draw.drawnAt) >= Date.parse(entropyAt), 'drawn after entropyAt');
  t.match(draw.drawnAt, ISO_MS);
  t.same(verifyDraw({ commit, draw, ...f }), { ok: true, seed: draw.seed, tasks: 7 }, 'the core replays it');

  // Auditors get the full record: the same draw with grades.
  const full = (await api('GET', `/api/v1/plans/${plan.id}/record`)).json();
  t.same(full.commit, commit);
  const gradeOf = new Map(
    SPEC_EXAMPLE.entitySnapshot
      .trim()
      .split('\n')
      .map((l) => l.split('\t') as [string, string]),
  );
  for (const task of full.draw.tasks) t.equal(task.grade, gradeOf.get(task.entityId), `task ${task.seq} grade`);
  t.same(
    full.draw.tasks.map((x: { seq: number }) => x.seq),
    [1, 2, 3, 4, 5, 6, 7],
    'the full record: seq order',
  );
  t.same(
    {
      ...full.draw,
      tasks: [...full.draw.tasks]
        .sort((a: { entityId: string }, b: { entityId: string }) => (a.entityId < b.entityId ? -1 : 1))
        .map(({ entityId, inspectors }: { entityId: string; inspectors: unknown }) => ({ entityId, inspectors })),
    },
    draw,
    'the public record is the full one sorted by entityId, without seq and grade',
  );
  const taskFile = await api('GET', `/api/v1/plans/${plan.id}/snapshot/tasks.tsv`);
  t.equal(taskFile.statusCode, 200);
  t.equal(sha256(taskFile.body), draw.taskDigest, 'the task file hashes to taskDigest');
  t.equal(full.draw.taskDigest, draw.taskDigest);
  t.same(verifyDraw({ commit: full.commit, draw: full.draw, ...f, taskFile: taskFile.body }).ok, true);

  // Tasks: entity, grade, inspection mode from the scheme (credit-4 A = written), teams in protocol order.
  const tasks = await execRows<{ seq: number; entity_id: string; grade: string; mode: string; status: string }>(
    database.db,
    sql`SELECT seq, entity_id, grade, mode, status FROM tasks WHERE plan_id = ${plan.id} ORDER BY seq`,
  );
  t.same(
    tasks.map((x) => x.entity_id),
    full.draw.tasks.map((x: { entityId: string }) => x.entityId),
  );
  for (const x of tasks) t.equal(x.mode, x.grade === 'A' ? 'written' : 'onsite');
  t.ok(tasks.every((x) => x.status === 'assigned'));
  const team = await execRows<{ seq: number; position: number; department_code: string; inspector_id: string }>(
    database.db,
    sql`SELECT t.seq, m.position, m.department_code, m.inspector_id
          FROM tasks t, unnest(t.team_departments, t.team_inspectors) WITH ORDINALITY AS m(department_code, inspector_id, position)
         WHERE t.plan_id = ${plan.id} ORDER BY t.seq, m.position`,
  );
  t.same(
    team.map((m) => `${m.seq}:${m.department_code}:${m.inspector_id}`),
    full.draw.tasks.flatMap((x: { seq: number; inspectors: { departmentCode: string; inspectorId: string }[] }) =>
      x.inspectors.map((m) => `${x.seq}:${m.departmentCode}:${m.inspectorId}`),
    ),
  );

  const ledger = (await api('GET', '/public/v1/ledger')).json().items;
  t.equal(ledger.length, 2);
  t.match(ledger[1], { kind: 'plan.drawn', at: draw.drawnAt });
  const { drawnAt, ...drawBody } = draw;
  t.same(ledger[1].body, drawBody, 'plan.drawn body = the public draw record without drawnAt');
  t.match(verifyLedger(ledger), { ok: true, seq: 2 });
});

t.test('commit refusals: empty pool, not a draft; nothing half-made', async (t) => {
  const app = await buildTestApp(t);
  const { api, database } = app;
  await specPlus(app);
  // 500243 (彭水县) is in the region table; no entity of the directories is there.
  const empty = (await api('POST', '/api/v1/plans', { body: planBody({ filters: { regions: ['500243'] } }) })).json();
  const res = await api('POST', `/api/v1/plans/${empty.id}/commit`, { body: { entropyAt: soon(60_000) } });
  t.equal(res.statusCode, 422);
  t.match(res.json().message, /pool is empty/);
  t.equal(await count(database.db, 'plan_commits'), 0);
  t.equal(await count(database.db, 'ledger'), 0);

  const { id } = await committed(app);
  const again = await api('POST', `/api/v1/plans/${id}/commit`);
  t.equal(again.statusCode, 409, 'a committed plan is not a draft');
  t.equal(await count(database.db, 'plan_commits'), 1);
  t.equal((await api('POST', '/api/v1/plans/PLAN-2026-9999/commit')).statusCode, 404);
  // A department with too few eligible inspectors.
  const few = (await api('POST', '/api/v1/plans', { body: planBody({ inspectorsPerTask: { SCJG: 5, WJW: 2 } }) })).json();
  const r = await api('POST', `/api/v1/plans/${few.id}/commit`, { body: { entropyAt: soon(60_000) } });
  t.equal(r.statusCode, 422);
  t.match(r.json().message, /SCJG/);
  t.equal(await count(database.db, 'ledger'), 1, 'only the one good commit is in the ledger');
});

t.test('Idempotency-Key on commit: the retry returns the same record', async (t) => {
  const app = await buildTestApp(t);
  await specPlus(app);
  const plan = (await app.api('POST', '/api/v1/plans', { body: planBody() })).json();
  const headers = { 'idempotency-key': 'commit-1' };
  const body = { entropyAt: soon(60_000) };
  const first = await app.api('POST', `/api/v1/plans/${plan.id}/commit`, { headers, body });
  t.equal(first.statusCode, 201);
  const again = await app.api('POST', `/api/v1/plans/${plan.id}/commit`, { headers, body });
  t.equal(again.statusCode, 200);
  t.equal(again.body, first.body, 'identical body');
  t.equal((await app.api('POST', `/api/v1/plans/${plan.id}/commit`, { headers: { 'idempotency-key': 'other' }, body })).statusCode, 409);
  t.equal(await count(app.database.db, 'ledger'), 1);
});

t.test('the public plan never shows the seed before the draw, nor a non-public grade', async (t) => {
  const app = await buildTestApp(t);
  const { api, database } = app;
  await specPlus(app);
  const draft = (await api('POST', '/api/v1/plans', { body: planBody() })).json();
  t.equal((await api('GET', `/public/v1/plans/${draft.id}`, { token: null })).statusCode, 404, 'drafts are not public');

  const { id, commit } = await committed(app);
  const [{ server_seed: seed }] = await execRows<{ server_seed: string }>(
    database.db,
    sql`SELECT server_seed FROM plan_commits WHERE plan_id = ${id}`,
  );
  let pub = await api('GET', `/public/v1/plans/${id}`, { token: null });
  t.equal(pub.statusCode, 200);
  t.notOk(pub.body.includes(seed), 'no server seed before the draw');
  t.same(pub.json().commit, commit);
  t.equal(pub.json().draw, null);
  t.notOk(JSON.stringify((await api('GET', `/api/v1/plans/${id}`)).json()).includes(seed), 'nor to planners');
  t.notOk((await api('GET', '/public/v1/ledger', { token: null })).body.includes(seed), 'nor in the ledger');
  t.notOk((await api('GET', `/api/v1/plans/${id}/record`)).body.includes(seed), 'nor to auditors');

  await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: '3 1 4 1 5 9' } });
  pub = await api('GET', `/public/v1/plans/${id}/record.json`, { token: null });
  const p = pub.json();
  t.equal(p.status, 'drawn');
  t.equal(p.draw.serverSeed, seed, 'revealed by the draw');
  // Grades appear only as the strata's labels, never next to an entity (credit-4 is not public).
  const withoutStrata = JSON.stringify({ ...p, commit: { ...p.commit, strata: [] }, draw: { ...p.draw, strata: [] } });
  t.notOk(withoutStrata.includes('"grade"'), 'no entity grade anywhere in the public plan');
  t.same(Object.keys(p.entityNames).sort(), p.draw.tasks.map((x: { entityId: string }) => x.entityId).sort());
  t.match(p.entityNames[p.draw.tasks[0].entityId], /^企业 /);
  t.same(
    p.items.map((i: { code: string }) => i.code),
    ['SCJG-ZL', 'WJW-GW'],
  );
  t.same(p.departments, [
    { code: 'SCJG', name: '市场监督管理局' },
    { code: 'WJW', name: '卫生健康委员会' },
  ]);
  t.same(
    p.ledger.map((e: { kind: string }) => e.kind),
    ['plan.committed', 'plan.drawn'],
  );
  t.equal(verifyDraw({ commit: p.commit, draw: p.draw, ...(await files(app, id)) }).ok, true, 'the public JSON replays');
});

t.test('a public grade scheme publishes grades', async (t) => {
  const app = await buildTestApp(t);
  const { api, database } = app;
  await seedDirectories(database.db, {
    departments: [{ code: 'HB' }],
    items: [{ code: 'HB-PW', departmentCode: 'HB', gradeScheme: 'env-4' }],
    entities: [{ id: 'E1' }, { id: 'E2' }, { id: 'E3' }],
    grades: [
      { entityId: 'E1', scheme: 'env-4', grade: 'RED' },
      { entityId: 'E2', scheme: 'env-4', grade: 'GREEN' },
    ],
    inspectors: [
      { id: 'HB-1', departmentCode: 'HB' },
      { id: 'HB-2', departmentCode: 'HB' },
    ],
  });
  const plan = (
    await api('POST', '/api/v1/plans', {
      body: planBody({
        items: ['HB-PW'],
        gradeScheme: 'env-4',
        ratiosBp: { GREEN: 10000, BLUE: 10000, YELLOW: 10000, RED: 10000 },
        inspectorsPerTask: { HB: 2 },
      }),
    })
  ).json();
  const entropyAt = soon();
  t.equal((await api('POST', `/api/v1/plans/${plan.id}/commit`, { body: { entropyAt } })).statusCode, 201);
  await untilEntropyAt(entropyAt);
  const draw = (await api('POST', `/api/v1/plans/${plan.id}/draw`, { body: { publicEntropy: '' } })).json();
  t.same(
    draw.tasks.map((x: { seq: number; entityId: string; grade: string }) => `${x.seq}:${x.entityId}:${x.grade}`),
    ['3:E1:RED', '1:E2:GREEN', '2:E3:BLUE'],
    'sorted by entityId, each with its seq and grade (a public scheme)',
  );
  const pub = (await api('GET', `/public/v1/plans/${plan.id}/record.json`, { token: null })).json();
  t.equal(pub.draw.tasks[0].grade, 'RED');
  t.equal(pub.gradeScheme.public, true);
});

t.test('one draw per plan: a second draw, racing draws, idempotent retries', async (t) => {
  const app = await buildTestApp(t);
  const { api, database } = app;
  await seedDirectories(database.db, syntheticDirectories(200));
  const { id } = await committed(app);
  const N = 8;
  const results = await Promise.all(
    Array.from({ length: N }, (_, i) => api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: `racer ${i}` } })),
  );
  const codes = results.map((r) => r.statusCode).sort();
  t.same(codes, [201, ...Array(N - 1).fill(409)], 'exactly one draw wins');
  const winner = results.find((r) => r.statusCode === 201)!.json();
  t.equal(await count(database.db, 'plan_draws'), 1);
  t.equal(await count(database.db, `tasks WHERE plan_id = '${id}'`), winner.tasks.length);
  t.equal(await count(database.db, 'task_inspectors'), winner.tasks.length * 4, 'one team of 4 per task');
  t.equal(await count(database.db, "ledger WHERE kind = 'plan.drawn'"), 1);
  t.match(results.find((r) => r.statusCode === 409)!.json().message, /already drawn/);
  t.equal((await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: 'later' } })).statusCode, 409);

  // Idempotency-Key: the same successful request again → the same record (200, identical body).
  const other = await committed(app);
  const headers = { 'idempotency-key': 'draw-dice-2026-11-22' };
  const first = await api('POST', `/api/v1/plans/${other.id}/draw`, { body: { publicEntropy: '6 6 6' }, headers });
  t.equal(first.statusCode, 201);
  const retry = await api('POST', `/api/v1/plans/${other.id}/draw`, { body: { publicEntropy: '6 6 6' }, headers });
  t.equal(retry.statusCode, 200);
  t.equal(retry.body, first.body, 'identical body');
  const raced = await Promise.all([1, 2, 3].map(() => api('POST', `/api/v1/plans/${other.id}/draw`, { body: { publicEntropy: '6 6 6' }, headers })));
  t.ok(
    raced.every((r) => r.statusCode === 200 && r.body === first.body),
    'concurrent retries too',
  );
  t.equal(
    (await api('POST', `/api/v1/plans/${other.id}/draw`, { body: { publicEntropy: '6 6 6' }, headers: { 'idempotency-key': 'another' } })).statusCode,
    409,
    'another key after success',
  );
  t.equal(
    (await api('POST', `/api/v1/plans/${other.id}/draw`, { body: { publicEntropy: '1 1 1' }, headers })).statusCode,
    422,
    'the key with other entropy',
  );
  t.equal((await api('POST', `/api/v1/plans/${other.id}/draw`, { body: { publicEntropy: '6 6 6' } })).statusCode, 409, 'no key after success');
  t.equal(await count(database.db, 'plan_draws'), 2);
});

t.test('a draw written in several insert batches: every task and team as in the record', async (t) => {
  const app = await buildTestApp(t);
  const { database } = app;
  await seedDirectories(database.db, syntheticDirectories(300));
  const { id, commit } = await committed(app);
  // batches of 7: the statements are sent together and must all land, in one transaction
  const service = createDrawService(database, { taskBatch: 7 });
  const { statusCode, recordJson } = await service.draw(id, { publicEntropy: 'batches' }, { tokenId: null }, null);
  t.equal(statusCode, 201);
  const draw = JSON.parse(recordJson);
  t.ok(draw.tasks.length > 7 * 5, `${draw.tasks.length} tasks`);
  t.same(verifyDraw({ commit, draw, ...(await files(app, id)) }).ok, true, 'and it replays');
  // the full record (seq order) is what the rows hold
  const full = (await app.api('GET', `/api/v1/plans/${id}/record`)).json();
  const rows = await execRows<{ seq: number; entity_id: string; team_departments: string[]; team_inspectors: string[] }>(
    database.db,
    sql`SELECT seq, entity_id, team_departments, team_inspectors FROM tasks WHERE plan_id = ${id} ORDER BY seq`,
  );
  t.same(
    rows.map((r) => [Number(r.seq), r.entity_id, r.team_departments, r.team_inspectors]),
    full.draw.tasks.map((x: { seq: number; entityId: string; inspectors: { departmentCode: string; inspectorId: string }[] }) => [
      x.seq,
      x.entityId,
      x.inspectors.map((m) => m.departmentCode),
      x.inspectors.map((m) => m.inspectorId),
    ]),
  );
  t.same(verifyDraw({ commit, draw: full.draw, ...(await files(app, id)) }).ok, true, 'the full record replays too');
  t.equal(full.draw.taskDigest, draw.taskDigest);
});

t.test('draw input and state checks', async (t) => {
  const app = await buildTestApp(t);
  const { api, database, token } = app;
  await seedDirectories(database.db, syntheticDirectories(30));
  const draft = (await api('POST', '/api/v1/plans', { body: planBody() })).json();
  t.equal((await api('POST', `/api/v1/plans/${draft.id}/draw`, { body: { publicEntropy: 'x' } })).statusCode, 409, 'a draft is not drawn');
  const { id } = await committed(app);
  // A control character is refused by the input rules (src/plugins/input.ts) before the draw rules see it.
  let res = await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: 'bell\u0007' } });
  t.equal(res.statusCode, 400);
  t.equal(res.json().details[0].field, 'body/publicEntropy');
  res = await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: 'x'.repeat(257) } });
  t.equal(res.statusCode, 422);
  t.equal((await api('POST', `/api/v1/plans/${id}/draw`, { body: {} })).statusCode, 422, 'neither publicEntropy nor contributions');
  res = await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: 'x', contributions: [{ witness: 'a', value: '1' }] } });
  t.equal(res.statusCode, 422, 'both');
  res = await api('POST', `/api/v1/plans/${id}/draw`, { body: { contributions: [{ witness: 'a', value: '1' }] } });
  t.equal(res.statusCode, 422, 'contributions for a plan without witnesses');
  t.equal(res.json().details[0].field, 'contributions');
  t.equal((await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: 'x', other: 1 } })).statusCode, 400);
  t.equal((await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: 'x' }, token: await token('auditor') })).statusCode, 403);
  t.equal(await count(database.db, 'plan_draws'), 0);
  // 256 characters (code points) are fine, even outside the BMP.
  res = await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: '🎲'.repeat(256) } });
  t.equal(res.statusCode, 201);
  t.equal(res.json().publicEntropy, '🎲'.repeat(256));
});

t.test('void: reveals the seed, blocks the draw, deletes nothing', async (t) => {
  const app = await buildTestApp(t);
  const { api, database } = app;
  await seedDirectories(database.db, syntheticDirectories(30));
  const { id, commit } = await committed(app, {}, { ms: 60_000, wait: false });
  t.equal((await api('POST', `/api/v1/plans/${id}/void`, { body: { reason: '  ' } })).statusCode, 422);
  const res = await api('POST', `/api/v1/plans/${id}/void`, { body: { reason: '抽查事项调整，重新制定计划' }, headers: { 'idempotency-key': 'v1' } });
  t.equal(res.statusCode, 200, res.body);
  const v = res.json();
  t.equal(v.status, 'voided');
  t.equal(sha256(v.serverSeed), commit.commitment, 'the revealed seed matches the commitment');
  const retry = await api('POST', `/api/v1/plans/${id}/void`, {
    body: { reason: '抽查事项调整，重新制定计划' },
    headers: { 'idempotency-key': 'v1' },
  });
  t.equal(retry.statusCode, 200);
  t.equal(retry.body, res.body);
  t.equal((await api('POST', `/api/v1/plans/${id}/void`, { body: { reason: 'again' } })).statusCode, 409);
  t.equal((await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: 'x' } })).statusCode, 409, 'a voided plan is never drawn');

  const entries = (await api('GET', `/public/v1/ledger?plan=${id}`)).json().items;
  t.same(
    entries.map((e: { kind: string }) => e.kind),
    ['plan.committed', 'plan.voided'],
  );
  t.same(entries[1].body, { planId: id, reason: '抽查事项调整，重新制定计划', serverSeed: v.serverSeed });
  t.equal(entries[1].at, v.voidedAt);
  const pub = (await api('GET', `/public/v1/plans/${id}`, { token: null })).json();
  t.same(pub.void, { reason: '抽查事项调整，重新制定计划', serverSeed: v.serverSeed, voidedAt: v.voidedAt });
  t.equal(pub.status, 'voided');
  t.equal((await api('GET', `/api/v1/plans/${id}`)).json().void.serverSeed, v.serverSeed);
  t.equal(await count(database.db, `plan_commits WHERE plan_id = '${id}'`), 1, 'the commit stays');
  t.equal((await api('GET', `/api/v1/plans/${id}/snapshot/entities.tsv`)).statusCode, 200, 'and its files');

  // Only a committed plan can be voided.
  const draft = (await api('POST', '/api/v1/plans', { body: planBody() })).json();
  t.equal((await api('POST', `/api/v1/plans/${draft.id}/void`, { body: { reason: 'x' } })).statusCode, 409);
  const drawn = await committed(app);
  await api('POST', `/api/v1/plans/${drawn.id}/draw`, { body: { publicEntropy: 'x' } });
  t.equal((await api('POST', `/api/v1/plans/${drawn.id}/void`, { body: { reason: 'x' } })).statusCode, 409, 'a draw is final');
});

t.test('crash safety: a draw or commit failing half-way leaves nothing (a real database fault)', async (t) => {
  const app = await buildTestApp(t);
  const { api, database } = app;
  await seedDirectories(database.db, syntheticDirectories(500));
  const { id } = await committed(app);
  const before = (await api('GET', '/public/v1/ledger/head')).json();
  // The ledger append is the draw's last write: make it fail after the tasks are inserted (a trigger: the
  // owner's or a superuser's doing, not the service's).
  const admin = asAdmin(database).db;
  await admin.execute(
    sql.raw(`
    CREATE FUNCTION test_refuse_ledger() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END; $$ LANGUAGE plpgsql;
  `),
  );
  await admin.execute(sql.raw(`CREATE TRIGGER test_refuse_ledger BEFORE INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION test_refuse_ledger()`));
  const failed = await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: 'x' } });
  t.equal(failed.statusCode, 500);
  t.equal(await count(database.db, 'plan_draws'), 0, 'no draw record');
  t.equal(await count(database.db, 'tasks'), 0, 'no tasks');
  t.equal(await count(database.db, 'task_inspectors'), 0, 'no teams');
  t.equal((await api('GET', `/api/v1/plans/${id}`)).json().status, 'committed');
  const draft = (await api('POST', '/api/v1/plans', { body: planBody() })).json();
  const later = { entropyAt: soon(60_000) };
  t.equal((await api('POST', `/api/v1/plans/${draft.id}/commit`, { body: later })).statusCode, 500);
  t.equal(await count(database.db, 'plan_commits'), 1, 'no second commit record');
  t.equal((await api('GET', `/api/v1/plans/${draft.id}`)).json().status, 'draft');
  t.same((await api('GET', '/public/v1/ledger/head')).json(), before, 'no ledger entry');

  await admin.execute(sql.raw('DROP TRIGGER test_refuse_ledger ON ledger'));
  const ok = await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: 'x' } });
  t.equal(ok.statusCode, 201, 'the same draw works once the fault is gone');
  t.equal((await api('POST', `/api/v1/plans/${draft.id}/commit`, { body: later })).statusCode, 201);
  t.equal(await count(database.db, 'tasks'), ok.json().tasks.length);
  t.match(verifyLedger((await api('GET', '/public/v1/ledger')).json().items), { ok: true, seq: 3 });
});

t.test('snapshot downloads: auditors only, byte for byte, sha256 = digest', async (t) => {
  const app = await buildTestApp(t);
  const { api, database, token } = app;
  await seedDirectories(database.db, syntheticDirectories(3000));
  const { id, commit } = await committed(app, { ratiosBp: { A: 100, B: 100, C: 100, D: 100 } }, { ms: 10_000, wait: false });
  const auditor = await token('auditor');
  const planner = await token('planner');
  for (const [file, key] of [
    ['entities.tsv', 'entitySnapshotDigest'],
    ['inspectors.tsv', 'inspectorSnapshotDigest'],
    ['recusals.tsv', 'recusalDigest'],
  ] as const) {
    const res = await api('GET', `/api/v1/plans/${id}/snapshot/${file}`, { token: auditor });
    t.equal(res.statusCode, 200);
    t.equal(res.headers['content-type'], 'text/tab-separated-values; charset=utf-8');
    t.equal(createHash('sha256').update(Buffer.from(res.body, 'utf8')).digest('hex'), commit[key], `${file} hashes to ${key}`);
    t.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body));
    t.equal(res.headers.etag, `"${commit[key]}"`);
    t.equal((await api('GET', `/api/v1/plans/${id}/snapshot/${file}`, { token: planner })).statusCode, 403);
  }
  const entities = (await api('GET', `/api/v1/plans/${id}/snapshot/entities.tsv`, { token: auditor })).body;
  t.equal(entities.split('\n').length - 1, 3000);
  t.equal((await api('GET', `/api/v1/plans/${id}/snapshot/other.tsv`, { token: auditor })).statusCode, 400);
  t.equal((await api('GET', '/api/v1/plans/PLAN-2026-9999/snapshot/entities.tsv', { token: auditor })).statusCode, 404);
  t.equal((await api('GET', `/api/v1/plans/${id}/record`, { token: planner })).statusCode, 403);
  t.equal((await api('GET', `/api/v1/plans/${id}/record`, { token: auditor })).statusCode, 200);
  const draft = (await api('POST', '/api/v1/plans', { body: planBody() })).json();
  t.equal((await api('GET', `/api/v1/plans/${draft.id}/record`, { token: auditor })).statusCode, 404);
});

t.test('the timing rule: no draw before entropyAt (422, saying when), no void from it on (409)', async (t) => {
  const app = await buildTestApp(t);
  const { api, database } = app;
  await seedDirectories(database.db, syntheticDirectories(30));
  const { id, entropyAt } = await committed(app, {}, { ms: 1500, wait: false });
  const early = await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: 'too early' } });
  t.equal(early.statusCode, 422);
  t.equal(early.json().details[0].field, 'entropyAt');
  const beijing = new Date(Date.parse(entropyAt) + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
  t.equal(early.json().message, `the draw is announced for ${entropyAt} (北京时间 ${beijing}); it cannot be made earlier`);
  t.equal(await count(database.db, 'plan_draws'), 0);
  // A second plan, voided in time; this one waits for its entropyAt and can then no longer be voided.
  const other = await committed(app, {}, { ms: 60_000, wait: false });
  t.equal((await api('POST', `/api/v1/plans/${other.id}/void`, { body: { reason: '提前作废' } })).statusCode, 200, 'a void before entropyAt');
  await untilEntropyAt(entropyAt);
  const late = await api('POST', `/api/v1/plans/${id}/void`, { body: { reason: '看到熵值后作废' } });
  t.equal(late.statusCode, 409);
  t.match(late.json().message, new RegExp(`can no longer be voided: its public entropy was announced for ${entropyAt.replace(/[.]/g, '\\.')}`));
  t.equal((await api('GET', `/api/v1/plans/${id}`)).json().status, 'committed');
  const drawn = await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: 'on time' } });
  t.equal(drawn.statusCode, 201, drawn.body);
  t.ok(Date.parse(drawn.json().drawnAt) >= Date.parse(entropyAt));
  t.same(
    (await api('GET', `/public/v1/ledger?plan=${id}`)).json().items.map((e: { kind: string }) => e.kind),
    ['plan.committed', 'plan.drawn'],
    'the refused void left no entry',
  );
});

t.test('the draw ceremony: one contribution per witness, in order; the entropy is their composition', async (t) => {
  const app = await buildTestApp(t);
  const { api, database } = app;
  await specPlus(app);
  const witnesses = ['区司法局', '区纪委监委派驻组'];
  const { id, commit } = await committed(app, { witnesses });
  const draw = (body: unknown) => api('POST', `/api/v1/plans/${id}/draw`, { body });
  const refusals: [string, unknown][] = [
    ['publicEntropy instead of contributions', { publicEntropy: '6 2 5' }],
    ['a witness missing', { contributions: [{ witness: '区司法局', value: '6 2 5' }] }],
    [
      'the wrong order',
      {
        contributions: [
          { witness: '区纪委监委派驻组', value: '3 1 4' },
          { witness: '区司法局', value: '6 2 5' },
        ],
      },
    ],
    [
      'a stranger',
      {
        contributions: [
          { witness: '区司法局', value: '6 2 5' },
          { witness: '企业代表', value: '3 1 4' },
        ],
      },
    ],
    [
      'an empty value',
      {
        contributions: [
          { witness: '区司法局', value: '6 2 5' },
          { witness: '区纪委监委派驻组', value: '' },
        ],
      },
    ],
  ];
  for (const [what, body] of refusals) {
    const res = await draw(body);
    t.ok(res.statusCode === 422 || res.statusCode === 400, `${what}: refused (${res.statusCode} ${res.body})`);
    if (res.statusCode === 422) t.equal(res.json().details[0].field, 'contributions', `${what}: names contributions`);
  }
  t.equal(await count(database.db, 'plan_draws'), 0);

  const contributions = [
    { witness: '区司法局', value: '6 2 5 3 1' },
    { witness: '区纪委监委派驻组', value: '4 4 2 6 1' },
  ];
  const res = await draw({ contributions });
  t.equal(res.statusCode, 201, res.body);
  const record = res.json();
  t.same(record.contributions, contributions, 'the record shows each contribution');
  t.equal(record.publicEntropy, composeCeremonyEntropy(contributions));
  t.equal(record.publicEntropy, `ceremony-v1:${sha256('区司法局\t6 2 5 3 1\n区纪委监委派驻组\t4 4 2 6 1\n')}`);
  t.same(verifyDraw({ commit, draw: record, ...(await files(app, id)) }).ok, true, 'it replays');
  const [entry] = (await api('GET', `/public/v1/ledger?plan=${id}`)).json().items.filter((e: { kind: string }) => e.kind === 'plan.drawn');
  t.same(entry.body.contributions, contributions, 'the ledger holds them');
  const plan = (await api('GET', `/api/v1/plans/${id}`)).json();
  t.same(plan.witnesses, witnesses);
  t.same(plan.draw.contributions, contributions);
  t.equal(plan.draw.publicEntropy, record.publicEntropy);
  const full = (await api('GET', `/api/v1/plans/${id}/record`)).json();
  t.same(full.draw.contributions, contributions);
  t.equal((await draw({ contributions })).statusCode, 409, 'drawn once');
});

t.test('the task file and the replay bundle: auditors only, digests hold, nanotar reads it', async (t) => {
  const app = await buildTestApp(t);
  const { api, token } = app;
  await specPlus(app);
  const { id, commit } = await committed(app);
  const auditor = await token('auditor');
  const planner = await token('planner');
  t.equal((await api('GET', `/api/v1/plans/${id}/snapshot/tasks.tsv`, { token: auditor })).statusCode, 404, 'no task file before the draw');

  // Before the draw the bundle has no task file.
  let res = await api('GET', `/api/v1/plans/${id}/bundle.tar.gz`, { token: auditor });
  t.equal(res.statusCode, 200);
  let names = parseTar(gunzipSync(res.raw)).map((f) => f.name);
  t.same(names.sort(), ['README.md', 'entities.tsv', 'inspectors.tsv', 'ledger.json', 'recusals.tsv', 'record.json'].map((n) => `${id}/${n}`).sort());

  const draw = (await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: SPEC_EXAMPLE.publicEntropy } })).json();
  const taskFile = await api('GET', `/api/v1/plans/${id}/snapshot/tasks.tsv`, { token: auditor });
  t.equal(taskFile.statusCode, 200);
  t.equal(taskFile.headers['content-type'], 'text/tab-separated-values; charset=utf-8');
  t.equal(sha256(taskFile.body), draw.taskDigest, 'sha256 of the task file = taskDigest');
  t.equal(taskFile.headers.etag, `"${draw.taskDigest}"`);
  t.equal(Number(taskFile.headers['content-length']), taskFile.raw.length);
  t.equal(taskFile.body.split('\n').length - 1, 7);
  t.match(taskFile.body, /^1\t[0-9A-Z]+\t[A-D]\tSCJG:SJ-00\d,SCJG:SJ-00\d,WJW:WJ-0\d,WJW:WJ-0\d\n/);
  t.equal((await api('GET', `/api/v1/plans/${id}/snapshot/tasks.tsv`, { token: planner })).statusCode, 403);
  t.equal((await api('GET', `/api/v1/plans/${id}/bundle.tar.gz`, { token: planner })).statusCode, 403);
  t.equal((await api('GET', '/api/v1/plans/PLAN-2026-9999/bundle.tar.gz', { token: auditor })).statusCode, 404);

  res = await api('GET', `/api/v1/plans/${id}/bundle.tar.gz`, { token: auditor });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/gzip');
  t.equal(res.headers['content-disposition'], `attachment; filename="${id}.tar.gz"`);
  const members = parseTar(gunzipSync(res.raw));
  names = members.map((f) => f.name);
  t.same(
    names.sort(),
    ['README.md', 'entities.tsv', 'inspectors.tsv', 'ledger.json', 'recusals.tsv', 'record.json', 'tasks.tsv'].map((n) => `${id}/${n}`).sort(),
    'the 7 files, in one folder named by the plan',
  );
  const file = (name: string) => Buffer.from(members.find((m) => m.name === `${id}/${name}`)!.data!);
  t.equal(sha256(file('entities.tsv').toString('utf8')), commit.entitySnapshotDigest);
  t.equal(sha256(file('inspectors.tsv').toString('utf8')), commit.inspectorSnapshotDigest);
  t.equal(sha256(file('recusals.tsv').toString('utf8')), commit.recusalDigest);
  t.equal(sha256(file('tasks.tsv').toString('utf8')), draw.taskDigest, 'tasks.tsv hashes to taskDigest');
  t.equal(
    file('record.json').toString('utf8'),
    (await api('GET', `/api/v1/plans/${id}/record`, { token: auditor })).body,
    'record.json = GET …/record',
  );
  t.same(JSON.parse(file('ledger.json').toString('utf8')), (await api('GET', `/public/v1/ledger?plan=${id}`)).json().items);
  const readme = file('README.md').toString('utf8');
  t.match(readme, `npm run replay -- --bundle ${id}.tar.gz`);
  t.match(readme, 'sha256sum');
  t.match(readme, `${draw.taskDigest}  tasks.tsv`);

  // The core reads it, and everything replays from it.
  const bundle = bundleFromFiles(new Map(members.map((m) => [m.name, m.data ?? new Uint8Array()])));
  t.equal(bundle.planId, id);
  t.match(verifyBundleLedger(bundle), { ok: true });
  const replay = verifyDraw({
    commit: bundle.record.commit,
    draw: bundle.record.draw!,
    entitySnapshot: bundle.entities,
    inspectorSnapshot: bundle.inspectors,
    recusalSnapshot: bundle.recusals,
    taskFile: bundle.tasks!,
  });
  t.same(replay, { ok: true, seed: draw.seed, tasks: 7 }, 'the full replay from the bundle passes');
  const tampered = bundle.tasks!.replace(/\tSCJG:SJ-00(\d)/, (_m, d) => `\tSCJG:SJ-00${d === '1' ? '2' : '1'}`);
  t.equal(
    verifyDraw({
      commit: bundle.record.commit,
      draw: bundle.record.draw!,
      entitySnapshot: bundle.entities,
      inspectorSnapshot: bundle.inspectors,
      recusalSnapshot: bundle.recusals,
      taskFile: tampered,
    }).ok,
    false,
    'and fails on a tampered task file',
  );
});

t.test('a plan committed under records revision 1 (before the upgrade) is still drawn, read and bundled', async (t) => {
  const app = await buildTestApp(t);
  const { api, database } = app;
  await specPlus(app);
  const { id, commit } = await committed(app, {}, { ms: 60_000, wait: false });
  // What a revision-1 commit left in the database: a record without records, entropyAt and poolRule, no entropy_at.
  const { records: _r, entropyAt: _e, poolRule: _p, ...rev1 } = commit;
  // (A commit is never rewritten, so only an administrator may stage this, not the service's role.)
  await asAdmin(database).db.execute(sql`UPDATE plan_commits SET record = ${JSON.stringify(rev1)}::json, entropy_at = NULL WHERE plan_id = ${id}`);
  t.equal((await api('GET', `/api/v1/plans/${id}`)).json().entropyAt, null, 'no announced time');
  const res = await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: SPEC_EXAMPLE.publicEntropy } });
  t.equal(res.statusCode, 201, 'no timing rule without entropyAt');
  const draw = res.json();
  t.equal(draw.records, undefined, 'a revision-1 draw record');
  t.equal(draw.taskDigest, undefined);
  t.same(
    draw.tasks.map((x: { seq: number }) => x.seq),
    [1, 2, 3, 4, 5, 6, 7],
    'revision 1: seq order',
  );
  const full = (await api('GET', `/api/v1/plans/${id}/record`)).json();
  t.same(full.commit, rev1);
  t.ok(
    full.draw.tasks.every((x: { grade: string }) => /^[A-D]$/.test(x.grade)),
    'grades for auditors',
  );
  const f = await files(app, id);
  const taskFile = (await api('GET', `/api/v1/plans/${id}/snapshot/tasks.tsv`)).body;
  t.same(verifyDraw({ commit: full.commit, draw: full.draw, ...f, taskFile }), { ok: true, seed: draw.seed, tasks: 7 }, 'it replays');
  t.same(verifyDraw({ commit: rev1, draw, ...f }).ok, true, 'the public record replays');
  const bundle = await api('GET', `/api/v1/plans/${id}/bundle.tar.gz`);
  t.equal(bundle.statusCode, 200);
  const readme = parseTar(gunzipSync(bundle.raw)).find((m) => m.name === `${id}/README.md`)!.text;
  t.match(readme, `任务文件 SHA-256：${sha256(taskFile)}`);
});
