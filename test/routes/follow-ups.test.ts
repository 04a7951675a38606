/**
 * Issue 13, rectification (限期整改): a published 责令改正 with a deadline → a follow-up (复查) due on it for the same
 * team → listed as due, then overdue → its outcome recorded by the team (not by others) → published into the ledger →
 * on the entity's public page and in the credit-event feed; a published correction without the order cancels it.
 * PGlite and PostgreSQL.
 */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { asAdmin, buildTestApp, signing } from '../helper.ts';
import { DRAWN_PLAN, okResult, seedPlans } from '../fixtures/tasks.ts';
import { chinaDate } from '../../src/core/calendar.ts';
import { verifyLedger } from '../../src/core/ledger.ts';

const TODAY = chinaDate(new Date());
const order = (deadline: string) => ({ resultCode: 'pending-action', followUp: 'order-correction', followUpDeadline: deadline });

t.test('a 责令改正 becomes a follow-up, is checked, published and public', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const auditor = await token('auditor');
  const scjg = await token('inspector', 'SJ-001'); // on task 1's SCJG team
  const wjw = await token('inspector', 'WJ-01'); // on task 1's WJW team
  const stranger = await token('inspector', 'WJ-02'); // not on task 1
  const [task1, task2] = tasks;

  const put = (task: { id: number }, body: Record<string, unknown>, who = planner) =>
    api('PUT', `/api/v1/tasks/${task.id}/result`, { token: who, body: okResult(body) });
  t.equal((await put(task1, { department: 'SCJG', ...order('2099-06-30') }, scjg)).statusCode, 201);
  t.equal((await put(task2, { department: 'SCJG', ...order('2025-04-30') })).statusCode, 201);
  t.equal((await put(task1, { department: 'WJW' }, wjw)).statusCode, 201, 'WJW found nothing');

  const list = async (q = '', who = planner) => {
    const res = await api('GET', `/api/v1/follow-ups${q}`, { token: who });
    t.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  t.equal((await list()).total, 0, 'an unpublished order makes no follow-up yet');
  const pub = await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished' } });
  t.equal(pub.statusCode, 201, pub.body);

  let all = await list();
  t.equal(all.total, 2, 'one follow-up per published order (WJW ordered nothing)');
  t.same(
    all.items.map((f: { dueOn: string; overdue: boolean; department: string }) => [f.dueOn, f.overdue, f.department]),
    [
      ['2025-04-30', true, 'SCJG'],
      ['2099-06-30', false, 'SCJG'],
    ],
    'soonest first; the past deadline is overdue',
  );
  const overdue = await list('?status=overdue');
  t.equal(overdue.total, 1);
  const [late, later] = all.items;
  t.same(
    later.team.sort(),
    (await api('GET', `/api/v1/tasks/${task1.id}`, { token: planner }))
      .json()
      .team.filter((m: { departmentCode: string }) => m.departmentCode === 'SCJG')
      .map((m: { inspectorId: string }) => m.inspectorId)
      .sort(),
    'the SCJG members of the team',
  );
  t.equal((await list('', scjg)).total, 1, 'an inspector sees the follow-ups of their own teams');
  t.equal((await list('', stranger)).total, 0);
  t.equal((await api('GET', `/api/v1/follow-ups/${later.id}`, { token: stranger })).statusCode, 404, 'another team’s: as if missing');
  t.equal((await api('GET', `/api/v1/follow-ups/${later.id}`, { token: auditor })).statusCode, 200);
  t.equal((await api('GET', '/api/v1/follow-ups', { token: null })).statusCode, 401);

  // Recording the outcome: the rules, then the team.
  const outcome = (id: number, body: Record<string, unknown>, who = scjg) => api('PUT', `/api/v1/follow-ups/${id}/outcome`, { token: who, body });
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ checkedOn: TODAY, outcome: 'not-rectified' }, 'actions'],
    [{ checkedOn: TODAY, outcome: 'rectified', actions: ['interview'] }, 'actions'],
    [{ checkedOn: '2000-01-01', outcome: 'rectified' }, 'checkedOn'],
    [{ checkedOn: '2999-01-01', outcome: 'rectified' }, 'checkedOn'],
  ];
  for (const [body, field] of bad) {
    const res = await outcome(later.id, body);
    t.equal(res.statusCode, 422, res.body);
    t.equal(res.json().details[0].field, field);
  }
  t.equal((await outcome(later.id, { checkedOn: TODAY, outcome: 'bogus' })).statusCode, 400);
  t.equal((await outcome(later.id, { checkedOn: TODAY, outcome: 'rectified' }, stranger)).statusCode, 404);
  t.equal((await outcome(later.id, { checkedOn: TODAY, outcome: 'rectified' }, auditor)).statusCode, 403);
  t.equal((await list('?status=recorded')).total, 0, 'nothing was recorded by the refused requests');

  let res = await outcome(later.id, { checkedOn: TODAY, outcome: 'rectified', findings: '已按要求整改' });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { status: 'recorded', outcome: 'rectified', actions: [] });
  res = await outcome(late.id, { checkedOn: TODAY, outcome: 'not-rectified', actions: ['interview', 'abnormal-list'] }, planner);
  t.equal(res.statusCode, 200, res.body);
  t.same(
    res.json().actions.map((a: { label: string }) => a.label),
    ['列入经营异常名录', '约谈'],
  );
  t.equal(res.json().overdue, false, 'recorded: no longer overdue');

  // Publication: into the ledger, then frozen.
  const publish = (body: Record<string, unknown> = {}) => api('POST', `/api/v1/plans/${DRAWN_PLAN}/follow-ups/publish`, { token: planner, body });
  t.equal((await api('POST', `/api/v1/plans/${DRAWN_PLAN}/follow-ups/publish`, { token: scjg, body: {} })).statusCode, 403);
  t.equal((await publish({ department: 'YJJ' })).statusCode, 422);
  res = await publish();
  t.equal(res.statusCode, 201, res.body);
  const published = res.json();
  t.equal(published.count, 2);
  const entry = (await api('GET', `/public/v1/ledger/${published.ledgerSeq}`, { token: null })).json();
  t.equal(entry.kind, 'followups.published');
  t.same(entry.body.followUps, published.followUps);
  t.notOk(JSON.stringify(entry.body).includes('已按要求整改'), 'findings stay out of the ledger');
  t.equal((await publish()).statusCode, 409, 'nothing left to publish');
  t.equal((await outcome(later.id, { checkedOn: TODAY, outcome: 'not-rectified', actions: ['interview'] })).statusCode, 409, 'published: frozen');
  await t.rejects(
    asAdmin(database).db.execute(sql`UPDATE follow_ups SET outcome = 'rectified' WHERE id = ${late.id}`),
    'the trigger refuses a change',
  );
  const ledger = (await api('GET', '/public/v1/ledger?limit=1000', { token: null })).json();
  t.ok(verifyLedger(ledger.items ?? ledger.entries).ok);

  // Public: the entity's page and its JSON.
  const entityId = late.entityId as string;
  const pubEntity = (await api('GET', `/public/v1/entities/${entityId}`, { token: null })).json();
  t.match(pubEntity.followUps, [{ planId: DRAWN_PLAN, outcome: 'not-rectified', outcomeLabel: '未整改', dueOn: '2025-04-30' }]);
  t.notOk(JSON.stringify(pubEntity).includes('findings'), 'no findings on the public side');
  const page = await api('GET', `/entities/${entityId}`, { token: null });
  t.match(page.body, /整改复查/);
  t.match(page.body, /约谈/);

  // The credit-event feed carries the outcomes after the results, citing their entry.
  const events = (await api('GET', '/api/v1/credit-events', { token: auditor })).body
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const fu = events.filter((e: { kind: string }) => e.kind === 'follow-up.published');
  t.equal(fu.length, 2);
  t.match(
    fu.find((e: { entityId: string }) => e.entityId === entityId),
    { ledgerSeq: published.ledgerSeq, resultCode: 'not-rectified', resultLabel: '未整改' },
  );

  all = await list('?status=published');
  t.equal(all.total, 2);
});

t.test('a published correction without the order cancels the follow-up; with a new deadline it moves', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const [task1] = tasks;
  const put = (body: Record<string, unknown>) =>
    api('PUT', `/api/v1/tasks/${task1.id}/result`, { token: planner, body: okResult({ department: 'SCJG', ...body }) });
  const publish = (body: Record<string, unknown>) => api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body });
  t.equal((await put(order('2099-01-31'))).statusCode, 201);
  const first = await publish({ scope: 'finished', department: 'SCJG' });
  t.equal(first.statusCode, 201, first.body);
  const list = async () => (await api('GET', '/api/v1/follow-ups', { token: planner })).json().items;
  t.match(await list(), [{ status: 'due', dueOn: '2099-01-31' }]);

  // Corrected to a later deadline: the same follow-up, due later.
  t.equal((await put({ ...order('2099-03-31'), correction: true })).statusCode, 201);
  const second = await publish({ scope: 'finished', department: 'SCJG', corrects: first.json().id });
  t.equal(second.statusCode, 201, second.body);
  t.match(await list(), [{ status: 'due', dueOn: '2099-03-31' }]);

  // Corrected to no order at all: cancelled, and no outcome can be recorded.
  t.equal((await put({ resultCode: 'no-issue', followUp: 'none', correction: true })).statusCode, 201);
  const third = await publish({ scope: 'finished', department: 'SCJG', corrects: second.json().id });
  t.equal(third.statusCode, 201, third.body);
  const [cancelled] = await list();
  t.equal(cancelled.status, 'cancelled');
  const res = await api('PUT', `/api/v1/follow-ups/${cancelled.id}/outcome`, {
    token: planner,
    body: { checkedOn: chinaDate(new Date()), outcome: 'rectified' },
  });
  t.equal(res.statusCode, 409);
});
