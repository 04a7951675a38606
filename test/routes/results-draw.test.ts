/**
 * Results on tasks made by the real commit and draw (routes/plans), end to end: the chain holds
 * plan.committed, plan.drawn and results.published, and verifies.
 */
import t from 'tap';
import { createLedgerRepository } from '../../src/domain/ledger/repository.ts';
import { sql } from 'drizzle-orm';
import { buildTestApp, soon, untilEntropyAt, signing } from '../helper.ts';
import { execRows } from '../../src/db/client.ts';
import { verifyLedger } from '../../src/core/ledger.ts';
import { chinaDate } from '../../src/core/calendar.ts';
import { planBody, seedDirectories, specDirectories } from '../fixtures/directories.ts';

t.test('commit, draw, enter results, publish: one verifiable chain, public data in step', async (t) => {
  const { api, database, token } = signing(await buildTestApp(t));
  await seedDirectories(database.db, specDirectories());
  const planner = await token('planner');
  const created = await api('POST', '/api/v1/plans', {
    token: planner,
    body: planBody({ items: ['SCJG-ZL'], inspectorsPerTask: { SCJG: 2 }, window: { from: '2026-01-05', to: '2099-12-31' } }),
  });
  t.equal(created.statusCode, 201, created.body);
  const plan = created.json();
  const entropyAt = soon();
  t.equal((await api('POST', `/api/v1/plans/${plan.id}/commit`, { token: planner, body: { entropyAt } })).statusCode, 201);

  // Committed, not drawn: public, with its commitment, never its seed.
  const [{ server_seed: seed }] = await execRows<{ server_seed: string }>(
    database.db,
    sql`SELECT server_seed FROM plan_commits WHERE plan_id = ${plan.id}`,
  );
  let res = await api('GET', '/public/v1/plans', { token: null });
  t.match(res.json().items, [{ id: plan.id, status: 'committed', counts: { pool: 12, drawn: 0 } }]);
  t.notOk(res.body.includes(seed), 'no server seed before the draw');
  t.notOk((await api('GET', `/public/v1/plans/${plan.id}/results`, { token: null })).body.includes(seed));

  await untilEntropyAt(entropyAt);
  const draw = await api('POST', `/api/v1/plans/${plan.id}/draw`, { token: planner, body: { publicEntropy: '6 2 5 3 1 4 4 2 6 1' } });
  t.equal(draw.statusCode, 201, draw.body);
  const tasks = (await api('GET', `/api/v1/tasks?plan=${plan.id}`, { token: planner })).json();
  t.equal(tasks.total, 7, 'A 1 + B 2 + C 1 + D 3');
  t.same(
    tasks.items.map((x: { seq: number }) => x.seq),
    [1, 2, 3, 4, 5, 6, 7],
  );
  t.equal(tasks.items[0].mode, 'written', 'credit-4 grade A: 书面检查');
  t.ok(tasks.items.slice(1).every((x: { mode: string }) => x.mode === 'onsite'));

  // The first task's first inspector sees it as theirs and enters the result.
  const first = tasks.items[0];
  const member = first.team[0].inspectorId;
  const mine = (await api('GET', '/api/v1/tasks?mine=1', { token: await token('inspector', member) })).json();
  t.ok(mine.items.some((x: { id: number }) => x.id === first.id));
  const today = chinaDate(new Date());
  res = await api('PUT', `/api/v1/tasks/${first.id}/result`, {
    token: await token('inspector', member),
    body: { resultCode: 'no-issue', inspectedOn: today, followUp: 'none' },
  });
  t.equal(res.statusCode, 201, res.body);
  for (const task of tasks.items.slice(1)) {
    res = await api('PUT', `/api/v1/tasks/${task.id}/result`, {
      token: planner,
      body: { resultCode: 'pending-action', inspectedOn: today, followUp: 'notify-department' },
    });
    t.equal(res.statusCode, 201);
  }
  res = await api('POST', `/api/v1/plans/${plan.id}/publish`, { token: planner, body: { scope: 'all' } });
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.json().taskCount, 7);

  const entries = await createLedgerRepository(database.db).page(1, 1000);
  t.same(
    entries.map((e) => e.kind),
    ['plan.committed', 'plan.drawn', 'results.published'],
  );
  t.ok(verifyLedger(entries).ok, 'the chain verifies');
  const published = entries[2].body as { tasks: { entityId: string }[] };
  const drawn = entries[1].body as { tasks: { entityId: string }[] };
  t.same(published.tasks.map((x) => x.entityId).sort(), drawn.tasks.map((x) => x.entityId).sort(), 'the published tasks are the drawn tasks');

  res = await api('GET', '/public/v1/plans', { token: null });
  t.match(res.json().items[0], { id: plan.id, status: 'drawn', counts: { pool: 12, drawn: 7, resultsPublished: 7, publications: 1 } });
  res = await api('GET', `/public/v1/plans/${plan.id}/results`, { token: null });
  t.equal(res.json().total, 7);
  t.notOk(/"grade"/.test(res.body), 'credit-4 is not public: no grades');

  // A second plan, committed then voided: listed as voided, and nothing can be published for it.
  const other = (
    await api('POST', '/api/v1/plans', { token: planner, body: planBody({ items: ['SCJG-ZL'], inspectorsPerTask: { SCJG: 2 } }) })
  ).json();
  t.equal((await api('POST', `/api/v1/plans/${other.id}/commit`, { token: planner, body: { entropyAt: soon(60_000) } })).statusCode, 201);
  t.equal((await api('POST', `/api/v1/plans/${other.id}/void`, { token: planner, body: { reason: '抽查事项调整' } })).statusCode, 200);
  res = await api('GET', '/public/v1/plans?status=voided', { token: null });
  t.match(res.json().items, [{ id: other.id, status: 'voided', voidedAt: String, counts: { drawn: 0, resultsPublished: 0 } }]);
  t.equal((await api('POST', `/api/v1/plans/${other.id}/publish`, { token: planner, body: { scope: 'finished' } })).statusCode, 409);
});
