/**
 * Issue 13, 行政处罚法 第四十二条 (two or more law-enforcement officers): a result is published only once two inspectors
 * of its department on the task's team have signed its pending version; entering it as an inspector signs it; an
 * amendment clears the signatures; planners cannot sign; a published version's signatures never change.
 * PGlite and PostgreSQL.
 */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { asAdmin, buildTestApp } from '../helper.ts';
import { DRAWN_PLAN, okResult, seedPlans } from '../fixtures/tasks.ts';

t.test('two signatures before publication', async (t) => {
  const { api, database, token } = await buildTestApp(t);
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const task = tasks[0];
  const team = (await api('GET', `/api/v1/tasks/${task.id}`, { token: planner })).json().team as { departmentCode: string; inspectorId: string }[];
  const scjg = team.filter((m) => m.departmentCode === 'SCJG').map((m) => m.inspectorId);
  t.equal(scjg.length, 2, 'the fixture’s SCJG team has two members');
  const [first, second] = await Promise.all(scjg.map((id) => token('inspector', id)));
  const wjw = await token('inspector', team.find((m) => m.departmentCode === 'WJW')!.inspectorId);
  const stranger = await token('inspector', 'WJ-02');
  const path = `/api/v1/tasks/${task.id}/result`;
  const sign = (who: string, body: Record<string, unknown> = {}) => api('POST', `${path}/sign`, { token: who, body });
  const publish = (scope: 'all' | 'finished') =>
    api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope, department: 'SCJG' } });

  t.equal((await sign(first)).statusCode, 409, 'nothing to sign yet');
  let res = await api('PUT', path, { token: planner, body: okResult({ department: 'SCJG' }) });
  t.equal(res.statusCode, 201);
  t.match(res.json(), { signatures: [], awaitingSignatures: 2 }, 'a planner’s entry is nobody’s signature');

  res = await publish('finished');
  t.equal(res.statusCode, 409, res.body);
  t.match(res.json().message, /await their second signature/);
  t.equal((await sign(planner)).statusCode, 403, 'a planner cannot sign for the inspectors');
  t.equal((await sign(stranger)).statusCode, 404, 'off the team: as if no task');
  t.equal((await sign(wjw, { department: 'SCJG' })).statusCode, 403, 'another department’s result');

  res = await sign(first);
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().awaitingSignatures, 1);
  t.equal((await sign(first)).json().awaitingSignatures, 1, 'signing twice is one signature');
  t.equal((await publish('finished')).statusCode, 409, 'one signature is not enough');

  // An amendment changes what was signed: the signatures go; the amending inspector signs the new text.
  res = await api('PUT', path, { token: second, body: okResult({ department: 'SCJG', findings: '补充：证照齐全' }) });
  t.equal(res.statusCode, 200, res.body);
  t.same(
    res.json().signatures.map((s: { inspectorId: string }) => s.inspectorId),
    [scjg[1]],
    'only the amender’s signature remains',
  );
  t.equal((await publish('finished')).statusCode, 409);

  res = await sign(first);
  t.equal(res.json().awaitingSignatures, 0);
  const pub = await publish('finished');
  t.equal(pub.statusCode, 201, pub.body);
  t.equal(pub.json().taskCount, 1);
  t.equal((await sign(first)).statusCode, 409, 'a published result is not signed again');
  const resultId = (await database.db.execute(sql`SELECT id FROM results WHERE task_id = ${task.id} AND department_code = 'SCJG'`)) as unknown;
  const rows = (resultId as { rows?: { id: number }[] }).rows ?? (resultId as { id: number }[]);
  await t.rejects(
    asAdmin(database).db.execute(sql`DELETE FROM result_signatures WHERE result_id = ${Number(rows[0].id)}`),
    'a published result’s signatures never change, even for the administrator',
  );

  // A correction is a new version: signed anew.
  res = await api('PUT', path, { token: first, body: okResult({ department: 'SCJG', resultCode: 'corrected', correction: true }) });
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.json().awaitingSignatures, 1, 'the correcting inspector signed it');
  const corrects = pub.json().id;
  const correction = () =>
    api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished', department: 'SCJG', corrects } });
  t.equal((await correction()).statusCode, 409);
  t.equal((await sign(second)).json().awaitingSignatures, 0);
  t.equal((await correction()).statusCode, 201);
});

t.test('a team with one member of a department (a plan from before the two-inspector rule) needs that one', async (t) => {
  const { api, database, token } = await buildTestApp(t);
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const task = tasks[0];
  const team = (await api('GET', `/api/v1/tasks/${task.id}`, { token: planner })).json().team as { departmentCode: string; inspectorId: string }[];
  const wjwMembers = team.filter((m) => m.departmentCode === 'WJW');
  t.equal(wjwMembers.length, 1, 'the fixture’s WJW team has one member');
  const wjw = await token('inspector', wjwMembers[0].inspectorId);
  const res = await api('PUT', `/api/v1/tasks/${task.id}/result`, { token: wjw, body: okResult({ department: 'WJW' }) });
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.json().awaitingSignatures, 0, 'signed by the only WJW member');
  const pub = await api('POST', `/api/v1/plans/${DRAWN_PLAN}/publish`, { token: planner, body: { scope: 'finished', department: 'WJW' } });
  t.equal(pub.statusCode, 201, pub.body);
});

t.test('the inspection mode actually used is kept beside the one the grade called for', async (t) => {
  const { api, database, token } = await buildTestApp(t);
  const { tasks } = await seedPlans(database);
  const planner = await token('planner');
  const [a, b] = tasks;
  const planned = (await api('GET', `/api/v1/tasks/${a.id}`, { token: planner })).json().mode as string;
  let res = await api('PUT', `/api/v1/tasks/${a.id}/result`, { token: planner, body: okResult({ department: 'SCJG' }) });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { mode: planned, plannedMode: planned }, 'by default, the mode the grade called for');
  res = await api('PUT', `/api/v1/tasks/${b.id}/result`, { token: planner, body: okResult({ department: 'SCJG', mode: 'online' }) });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { mode: 'online', modeLabel: '网络监测' });
  const history = (await api('GET', `/api/v1/tasks/${b.id}/result/history?department=SCJG`, { token: planner })).json().items;
  t.equal(history[0].values.mode, 'online', 'the history keeps it');
  res = await api('PUT', `/api/v1/tasks/${b.id}/result`, { token: planner, body: okResult({ department: 'SCJG', mode: 'drone' }) });
  t.equal(res.statusCode, 400, 'an unknown mode is refused');
  t.equal((await api('GET', `/api/v1/tasks/${b.id}/result?department=SCJG`, { token: planner })).json().mode, 'online', 'and changes nothing');
});
