import t from 'tap';
import { createLedgerRepository } from '../../src/domain/ledger/repository.ts';
import { sql } from 'drizzle-orm';
import { buildTestApp, onPostgres, signing } from '../helper.ts';
import { COMMITTED_PLAN, DRAWN_PLAN, ENTITIES, okResult, seedPlans } from '../fixtures/tasks.ts';
import { execRows, type Database } from '../../src/db/client.ts';
import { verifyLedger } from '../../src/core/ledger.ts';
import { addWorkingDays, calendarOf, chinaDate, BUILTIN_CALENDAR_DAYS } from '../../src/core/calendar.ts';

/** The whole chain, as the ledger API serves it. */
const ledger = (database: Database) => createLedgerRepository(database.db).page(1, 1000);

t.test('publication writes a results.published ledger entry in the same transaction', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const publish = (body: unknown, tok = planner) => api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: tok, body });

  t.equal((await publish({ scope: 'finished' })).statusCode, 409, 'nothing recorded yet');
  await api('PUT', `/api/v1/tasks/${tasks[2].id}/result`, { token: planner, body: okResult({ inspectedOn: '2025-03-12' }) });
  await api('PUT', `/api/v1/tasks/${tasks[0].id}/result`, {
    token: planner,
    body: okResult({ resultCode: 'pending-action', followUp: 'order-correction', followUpDeadline: '2025-04-30' }),
  });

  // The fixture is a joint plan (SCJG + WJW): each department's results are its own (谁检查、谁公开); the planner
  // records SCJG's here (the tasks' first department) and publishes "all" of SCJG's.
  let res = await publish({ scope: 'all', department: 'SCJG' });
  t.equal(res.statusCode, 422, 'all needs every result');
  t.same(
    res.json().details.map((d: { field: string; message: string }) => [d.field, d.message]),
    [2, 4, 5].map((seq) => ['tasks', `task seq ${seq} (entity ${ENTITIES[seq - 1].id}) has no result of SCJG`]),
  );
  t.equal((await ledger(database)).length, 1, 'a refused publication writes nothing (the one entry is the fixture’s draw)');
  t.equal((await publish({ scope: 'finished' }, await token('auditor'))).statusCode, 403);
  t.equal((await publish({ scope: 'finished' }, await token('inspector', 'SJ-001'))).statusCode, 403);
  t.equal((await publish({ scope: 'later' })).statusCode, 400);

  res = await publish({ scope: 'finished', note: '第一批结果公示' });
  t.equal(res.statusCode, 201, res.body);
  const first = res.json();
  t.match(first, { planId: DRAWN_PLAN, number: 1, scope: 'finished', corrects: null, note: '第一批结果公示', taskCount: 2, ledgerSeq: 2 });

  let entries = await ledger(database);
  t.equal(entries.length, 2);
  const entry = entries[1];
  t.equal(entry.kind, 'results.published');
  t.equal(entry.planId, DRAWN_PLAN);
  t.equal(entry.at, first.publishedAt, 'publishedAt is the ledger time');
  t.equal(entry.hash, first.ledgerHash);
  t.same(entry.body, {
    planId: DRAWN_PLAN,
    publicationId: first.id,
    number: 1,
    scope: 'finished',
    note: '第一批结果公示',
    // by entity id and without seq: on a non-public scheme the draw order would reveal the grades
    tasks: [
      { entityId: ENTITIES[0].id, department: 'SCJG', resultCode: 'pending-action', inspectedOn: '2025-03-10' },
      { entityId: ENTITIES[2].id, department: 'SCJG', resultCode: 'no-issue', inspectedOn: '2025-03-12' },
    ],
  });
  t.same(verifyLedger(entries), { ok: true, seq: 2, hash: entry.hash });
  const stored = await execRows<{ n: number }>(
    database.db,
    sql`SELECT count(*)::int AS n FROM results WHERE publication_id = ${first.id} AND published_at IS NOT NULL`,
  );
  t.equal(Number(stored[0].n), 2, 'both results marked published');
  t.equal((await publish({ scope: 'finished' })).statusCode, 409, 'nothing new to publish');

  for (const task of [tasks[1], tasks[3], tasks[4]]) {
    t.equal(
      (await api('PUT', `/api/v1/tasks/${task.id}/result`, { token: planner, body: okResult({ resultCode: 'deregistered' }) })).statusCode,
      201,
    );
  }
  t.equal((await publish({ scope: 'all' })).statusCode, 422, 'all of every department: WJW has recorded nothing');
  res = await publish({ scope: 'all', department: 'SCJG' });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { number: 2, department: 'SCJG', taskCount: 3, ledgerSeq: 3 });
  const second = res.json();
  t.same(
    res.json().tasks.map((x: { entityId: string }) => x.entityId),
    [tasks[1], tasks[3], tasks[4]].map((x) => x.entityId).sort(),
  );
  t.notOk(
    res.json().tasks.some((x: object) => 'seq' in x),
    'no seq on a non-public scheme',
  );

  // Correct a result of publication 1.
  res = await api('PUT', `/api/v1/tasks/${tasks[2].id}/result`, {
    token: planner,
    body: okResult({ inspectedOn: '2025-03-12', resultCode: 'moved-out', correction: true }),
  });
  t.equal(res.statusCode, 201);
  t.equal((await publish({ scope: 'finished' })).statusCode, 409, 'a correction is only published as one');
  res = await publish({ scope: 'finished', corrects: 999999 });
  t.equal(res.statusCode, 422);
  t.equal(res.json().details[0].field, 'corrects');
  t.equal((await publish({ scope: 'all', corrects: first.id })).statusCode, 422);
  t.equal((await publish({ scope: 'finished', corrects: second.id })).statusCode, 409, 'publication 2 has no pending correction');
  res = await publish({ scope: 'finished', corrects: first.id, note: '更正：该企业已迁出' });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { number: 3, corrects: { id: first.id, number: 1 }, taskCount: 1 });

  entries = await ledger(database);
  t.equal(entries.length, 4);
  t.same(entries[3].body, {
    planId: DRAWN_PLAN,
    publicationId: res.json().id,
    number: 3,
    scope: 'finished',
    corrects: { publicationId: first.id, number: 1 },
    note: '更正：该企业已迁出',
    tasks: [{ entityId: ENTITIES[2].id, department: 'SCJG', resultCode: 'moved-out', inspectedOn: '2025-03-12' }],
  });
  t.same(verifyLedger(entries), { ok: true, seq: 4, hash: entries[3].hash }, 'the chain still verifies');

  const pubs = (await api('GET', `/api/v1/plans/${DRAWN_PLAN}/publications`, { token: planner })).json().items;
  t.same(
    pubs.map((p: { number: number; taskCount: number; ledgerSeq: number }) => [p.number, p.taskCount, p.ledgerSeq]),
    [
      [1, 2, 2],
      [2, 3, 3],
      [3, 1, 4],
    ],
  );
  t.equal((await api('GET', '/api/v1/plans/NOPE/publications', { token: planner })).statusCode, 404);
});

t.test('only a drawn plan is published', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  await seedPlans(database);
  const planner = await token('planner');
  t.equal((await api('POST', `/api/v1/plans/${COMMITTED_PLAN}/publish`, { token: planner, body: { scope: 'finished' } })).statusCode, 409);
  t.equal((await api('POST', '/api/v1/plans/NOPE/publish', { token: planner, body: { scope: 'finished' } })).statusCode, 404);
});

t.test('concurrent publications of one plan: one wins, the other finds nothing left', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  for (const task of tasks) await api('PUT', `/api/v1/tasks/${task.id}/result`, { token: planner, body: okResult() });
  const results = await Promise.all(
    [1, 2, 3].map(() => api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished' } })),
  );
  t.same(results.map((r) => r.statusCode).sort(), [201, 409, 409], onPostgres ? 'on PostgreSQL' : 'on PGlite');
  const entries = await ledger(database);
  t.equal(entries.length, 2, 'the fixture’s draw and one publication');
  t.ok(verifyLedger(entries).ok);
});

t.test('results.csv: published results only, flat, UTF-8 with BOM', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const auditor = await token('auditor');
  const path = `/api/v1/plans/${DRAWN_PLAN}/results.csv`;

  let res = await api('GET', path, { token: auditor });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/csv; charset=utf-8/);
  t.match(res.headers['content-disposition'], /attachment; filename="PLAN-2025-0001-results.csv"/);
  t.ok(res.body.startsWith('\uFEFF统一社会信用代码'), 'BOM then the header');
  t.equal(res.body.split('\r\n').filter(Boolean).length, 1, 'only the header before publication');

  await api('PUT', `/api/v1/tasks/${tasks[0].id}/result`, {
    token: planner,
    body: okResult({ resultCode: 'pending-action', followUp: 'order-correction', followUpDeadline: '2025-04-30' }),
  });
  await api('PUT', `/api/v1/tasks/${tasks[2].id}/result`, { token: planner, body: okResult({ inspectedOn: '2025-03-12' }) });
  t.equal((await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished' } })).statusCode, 201);
  // Recorded after the publication: not in the export.
  await api('PUT', `/api/v1/tasks/${tasks[1].id}/result`, { token: planner, body: okResult() });
  // A pending correction: the export keeps the published version.
  await api('PUT', `/api/v1/tasks/${tasks[2].id}/result`, { token: planner, body: okResult({ resultCode: 'moved-out', correction: true }) });

  res = await api('GET', path, { token: planner });
  const published = (await api('GET', `/api/v1/tasks/${tasks[0].id}/result`)).json().publishedAt as string;
  const publishedOn = chinaDate(new Date(published));
  const lines = res.body.slice(1).split('\r\n');
  t.equal(lines.pop(), '', 'ends with CRLF');
  // A joint plan's row is one department's result: its own items, itself as 检查实施机关 (the planner recorded SCJG's).
  t.same(lines, [
    '统一社会信用代码（注册号）,企业名称,抽查事项编码,抽查事项名称,检查实施机关,检查日期,检查结果代码,检查结果,后续处置,整改期限,公示日期,抽查计划编号,任务序号,公示批次,是否更正',
    `915001033AGYGLUY2P,重庆山城火锅餐饮有限公司,SCJG-01,食品经营许可事项检查,重庆市市场监督管理局,2025-03-10,pending-action,发现问题待后续处理,责令改正,2025-04-30,${publishedOn},PLAN-2025-0001,1,1,否`,
    `91500110XBRCPGL20W,"綦江区""好又多"",超市",SCJG-01,食品经营许可事项检查,重庆市市场监督管理局,2025-03-12,no-issue,未发现问题,无需后续处置,,${publishedOn},PLAN-2025-0001,3,1,否`,
  ]);

  // Once the correction is published it replaces the row and says so.
  const pubs = (await api('GET', `/api/v1/plans/${DRAWN_PLAN}/publications`, { token: planner })).json().items;
  t.equal(
    (await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished', corrects: pubs[0].id } })).statusCode,
    201,
  );
  res = await api('GET', path, { token: planner });
  const row3 = res.body.split('\r\n').find((l) => l.startsWith('91500110XBRCPGL20W'))!;
  t.match(row3, /,moved-out,已迁出,.*,PLAN-2025-0001,3,2,是$/);
  t.equal(res.body.split('\r\n').filter(Boolean).length, 3, 'still one row per entity');

  t.equal((await api('GET', path, { token: await token('inspector', 'SJ-001') })).statusCode, 403);
  t.equal((await api('GET', '/api/v1/plans/NOPE/results.csv', { token: auditor })).statusCode, 404);
});

t.test('overdue: late or due-soon results and tasks without a result, with deadlines', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const auditor = await token('auditor');
  const today = chinaDate(new Date());
  type Item = { seq: number; department: string; kind: string; deadline: string; overdue: boolean };
  const listed = (items: Item[]) => items.map((i) => [i.seq, i.department, i.kind, i.deadline, i.overdue]);

  // The planner records SCJG's results (the tasks' first department); the fixture is a joint plan, so WJW's are missing.
  await api('PUT', `/api/v1/tasks/${tasks[0].id}/result`, { token: planner, body: okResult({ inspectedOn: '2025-03-10' }) });
  await api('PUT', `/api/v1/tasks/${tasks[1].id}/result`, { token: planner, body: okResult({ inspectedOn: today }) });
  let res = await api('GET', '/api/v1/overdue', { token: auditor });
  t.equal(res.statusCode, 200, res.body);
  let body = res.json();
  t.equal(body.today, today);
  t.equal(body.disclosureWorkingDays, 20);
  // seq 1 SCJG: recorded, deadline 2025-04-08 (清明 2025-04-04 skipped); every department without a result: the
  // window ended 2025-06-30 (seq 2's SCJG result is recent: not due yet).
  const noResult = (seq: number, department: string) => [seq, department, 'no-result', '2025-06-30', true];
  t.same(listed(body.items), [
    [1, 'SCJG', 'not-published', '2025-04-08', true],
    noResult(1, 'WJW'),
    noResult(2, 'WJW'),
    noResult(3, 'SCJG'),
    noResult(3, 'WJW'),
    noResult(4, 'SCJG'),
    noResult(4, 'WJW'),
    noResult(5, 'SCJG'),
    noResult(5, 'WJW'),
  ]);
  t.match(body.items[0], {
    taskId: tasks[0].id,
    planId: DRAWN_PLAN,
    entityId: ENTITIES[0].id,
    entityName: ENTITIES[0].name,
    inspectedOn: '2025-03-10',
    department: 'SCJG',
    departments: ['SCJG', 'WJW'],
  });
  t.ok(body.items[0].workingDaysLeft < -300, 'long overdue');

  // Inspected today: due in 20 working days, listed once "soon" reaches that far.
  res = await api('GET', '/api/v1/overdue?soon=20', { token: auditor });
  body = res.json();
  const fresh = body.items.find((i: Item) => i.seq === 2 && i.department === 'SCJG');
  const calendar = calendarOf(BUILTIN_CALENDAR_DAYS);
  t.match(fresh, { kind: 'not-published', inspectedOn: today, deadline: addWorkingDays(today, 20, calendar), overdue: false, workingDaysLeft: 20 });
  t.same(listed([body.items.at(-1)]), [[2, 'SCJG', 'not-published', addWorkingDays(today, 20, calendar), false]], 'the latest deadline last');

  res = await api('GET', '/api/v1/overdue?limit=2&offset=1', { token: auditor });
  t.same(
    res.json().items.map((i: Item) => [i.seq, i.department]),
    [
      [1, 'WJW'],
      [2, 'WJW'],
    ],
  );
  t.equal(res.json().total, 9);
  t.equal((await api('GET', `/api/v1/overdue?plan=${COMMITTED_PLAN}`, { token: auditor })).json().total, 0);
  t.equal((await api('GET', '/api/v1/overdue?department=NOPE', { token: auditor })).json().total, 0);
  t.equal((await api('GET', '/api/v1/overdue', { token: await token('inspector', 'SJ-001') })).statusCode, 403);

  await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished' } });
  res = await api('GET', '/api/v1/overdue', { token: auditor });
  t.same(
    res.json().items.map((i: Item) => [i.seq, i.department]),
    [
      [1, 'WJW'],
      [2, 'WJW'],
      [3, 'SCJG'],
      [3, 'WJW'],
      [4, 'SCJG'],
      [4, 'WJW'],
      [5, 'SCJG'],
      [5, 'WJW'],
    ],
    'published results leave the list, the missing ones stay',
  );
});

t.test('the disclosure period comes from the configuration and the calendar', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t, { config: { disclosureWorkingDays: 3 } }));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  // Wed 2025-09-24 + 3 working days: Thu 25, Fri 26, Sun 28 (调休 for 国庆) → 2025-09-28.
  let res = await api('PUT', `/api/v1/tasks/${tasks[0].id}/result`, { token: planner, body: okResult({ inspectedOn: '2025-09-24' }) });
  t.equal(res.json().disclosureDeadline, '2025-09-28');
  // An admin makes Thu 2025-09-25 a local holiday: the deadline moves to Mon 2025-09-29.
  res = await api('PUT', '/api/v1/calendar/2025-09-25', { body: { kind: 'holiday', name: '地方假日' } });
  t.equal(res.statusCode, 201);
  t.equal((await api('GET', `/api/v1/tasks/${tasks[0].id}/result`)).json().disclosureDeadline, '2025-09-29');
  t.equal((await api('PUT', '/api/v1/calendar/2025-09-25', { token: planner, body: { kind: 'holiday', name: 'x' } })).statusCode, 403, 'admins only');
  t.equal((await api('PUT', '/api/v1/calendar/2025-02-30', { body: { kind: 'holiday', name: 'x' } })).statusCode, 422);
  t.equal((await api('PUT', '/api/v1/calendar/2025-09-26', { body: { kind: 'weekend', name: 'x' } })).statusCode, 400);
  res = await api('GET', '/api/v1/calendar?year=2026', { token: planner });
  t.equal(res.json().shipped, true);
  t.ok(res.json().items.some((d: { date: string; kind: string }) => d.date === '2026-02-14' && d.kind === 'workday'));
  t.equal((await api('GET', '/api/v1/calendar?year=2027', { token: planner })).json().shipped, false);
  t.equal((await api('DELETE', '/api/v1/calendar/2026-02-14')).statusCode, 409, 'shipped days are changed with PUT');
  t.equal((await api('DELETE', '/api/v1/calendar/2025-09-25')).statusCode, 200);
  t.equal((await api('DELETE', '/api/v1/calendar/2025-09-25')).statusCode, 404);
  t.equal((await api('GET', `/api/v1/tasks/${tasks[0].id}/result`)).json().disclosureDeadline, '2025-09-28');
});
