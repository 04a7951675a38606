/**
 * Issue 13, credit commitments (信用承诺) and 履约践诺: the register imported with row errors named and nothing
 * changed on a bad file; a commitment plan whose pool is the entities with open commitments falling due in its window
 * (of the kinds named); published results 已履约 / 未履约 set the outcomes, a correction changes them, and the export
 * carries them back. PGlite and PostgreSQL.
 */
import t from 'tap';
import { buildTestApp, commitAndWait, signing, type TestApp } from '../helper.ts';
import { planBody, seedDirectories } from '../fixtures/directories.ts';
import { chinaDate } from '../../src/core/calendar.ts';

const TODAY = chinaDate(new Date());
const HEADER = 'source,reference,entityId,kind,madeOn,checkBy';

async function setup(t: Parameters<typeof buildTestApp>[0]) {
  const app = signing(await buildTestApp(t));
  await seedDirectories(app.database.db, {
    departments: [{ code: 'SCJG' }],
    items: [{ code: 'SCJG-CN', name: '告知承诺事项核查', departmentCode: 'SCJG', gradeScheme: 'credit-4' }],
    entities: ['E1', 'E2', 'E3', 'E4', 'E5'].map((id) => ({ id, name: `重庆${id}有限公司` })),
    inspectors: [
      { id: 'S-1', departmentCode: 'SCJG' },
      { id: 'S-2', departmentCode: 'SCJG' },
    ],
  });
  return app;
}

const list = async (app: TestApp, q = '') => {
  const res = await app.api('GET', `/api/v1/commitments${q}`);
  if (res.statusCode !== 200) throw new Error(res.body);
  return res.json() as { total: number; items: { entityId: string; status: string; reference: string; outcome: { planId: string } | null }[] };
};

t.test('the register: import, list, refusal of a bad file', async (t) => {
  const app = await setup(t);
  const bad = `${HEADER}\n告知承诺系统,A-1,E1,notification,2026-01-10,2026-06-30\n告知承诺系统,A-2,NOPE,notification,2026-01-10,2026-06-30\n告知承诺系统,A-3,E2,promise,2026-01-10,2026-06-30\n告知承诺系统,A-4,E3,notification,2026-07-10,2026-06-30\n告知承诺系统,A-1,E4,notification,2026-01-10,2026-06-30\n`;
  let res = await app.api('POST', '/api/v1/commitments/import', { body: bad });
  t.equal(res.statusCode, 422, res.body);
  const details = res.json().details as { row: number; column: string }[];
  t.same(
    details.map((d) => [d.row, d.column]).sort(),
    [
      [3, 'entityId'],
      [4, 'kind'],
      [5, 'checkBy'],
      [6, 'reference'],
    ].sort(),
    'each bad row named with its column',
  );
  t.equal((await list(app)).total, 0, 'nothing imported');

  const good = `${HEADER}\n告知承诺系统,A-1,E1,notification,2026-01-10,2026-06-30\n告知承诺系统,A-2,E2,notification,2026-01-10,2026-07-15\n告知承诺系统,A-3,E3,credit-repair,2026-02-01,2026-06-20\n告知承诺系统,A-4,E4,notification,2026-01-10,2026-12-31\n`;
  res = await app.api('POST', '/api/v1/commitments/import', { body: good });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { imported: 4, updated: 0 });
  res = await app.api('POST', '/api/v1/commitments/import', { body: good.replace('2026-07-15', '2026-07-20') });
  t.match(res.json(), { imported: 0, updated: 4 }, 'upserted by source and reference: every row is an existing one');
  t.equal((await list(app, '?dueFrom=2026-07-20&dueTo=2026-07-20')).total, 1, 'the changed date is stored');
  const due = await list(app, '?dueFrom=2026-06-01&dueTo=2026-07-31');
  t.same(
    due.items.map((c) => c.reference),
    ['A-3', 'A-1', 'A-2'],
    'soonest due first',
  );
  t.equal((await list(app, '?kind=credit-repair')).total, 1);
  t.equal((await app.api('GET', '/api/v1/commitments?dueFrom=2026-08-01&dueTo=2026-07-01')).statusCode, 422);
  t.equal((await app.api('GET', '/api/v1/commitments', { token: await app.token('inspector', 'S-1') })).statusCode, 403);
});

t.test('a commitment plan draws among the commitments due; its published results are their outcomes', async (t) => {
  const app = await setup(t);
  const csv = `${HEADER}\n系统,C-1,E1,notification,2026-01-10,2026-06-30\n系统,C-2,E2,notification,2026-01-10,2026-06-15\n系统,C-3,E3,credit-repair,2026-02-01,2026-06-20\n系统,C-4,E4,notification,2026-01-10,2026-12-31\n`;
  t.equal((await app.api('POST', '/api/v1/commitments/import', { body: csv })).statusCode, 200);
  const window = { commitmentsDueFrom: '2026-06-01', commitmentsDueTo: '2026-06-30' };
  const body = (filters: Record<string, unknown>) =>
    planBody({ items: ['SCJG-CN'], ratiosBp: { A: 10000, B: 10000, C: 10000, D: 10000 }, inspectorsPerTask: { SCJG: 2 }, filters });

  // The window is checked.
  for (const [filters, field] of [
    [{ commitmentsDueFrom: '2026-06-01' }, 'filters.commitmentsDueTo'],
    [{ commitmentsDueFrom: '2026-07-01', commitmentsDueTo: '2026-06-01' }, 'filters.commitmentsDueFrom'],
    [{ commitmentKinds: ['notification'] }, 'filters.commitmentKinds'],
  ] as const) {
    const res = await app.api('POST', '/api/v1/plans', { body: body(filters) });
    t.equal(res.statusCode, 422, res.body);
    t.equal(res.json().details[0].field, field);
  }

  const plan = await app.api('POST', '/api/v1/plans', { body: body({ ...window, commitmentKinds: ['notification'] }) });
  t.equal(plan.statusCode, 201, plan.body);
  t.equal(plan.json().targeting, 'targeted', 'a commitment plan is targeted (定向)');
  const preview = (await app.api('GET', `/api/v1/plans/${plan.json().id}/preview`)).json();
  t.equal(preview.population, 2, 'E1 and E2: notifications due in June (E3 is credit-repair, E4 due in December)');
  const commit = await commitAndWait(app, plan.json().id);
  t.equal(commit.statusCode, 201, commit.body);
  t.match(commit.json().poolRule, { ...window, commitmentKinds: ['notification'] }, 'the window is in the commitment');
  const draw = await app.api('POST', `/api/v1/plans/${plan.json().id}/draw`, { body: { publicEntropy: '3 1 4' } });
  t.equal(draw.statusCode, 201, draw.body);
  t.same((draw.json().tasks as { entityId: string }[]).map((x) => x.entityId).sort(), ['E1', 'E2']);
  const page = await app.api('GET', `/plans/${plan.json().id}`, { token: null });
  t.match(page.body, /履约践诺核查：2026-06-01 至 2026-06-30 期间到期的告知承诺/);

  const tasks = (await app.api('GET', `/api/v1/tasks?plan=${plan.json().id}`)).json().items as { id: number; entityId: string }[];
  const record = (entity: string, resultCode: string, extra: Record<string, unknown> = {}) =>
    app.api('PUT', `/api/v1/tasks/${tasks.find((x) => x.entityId === entity)!.id}/result`, {
      body: { resultCode, inspectedOn: TODAY, followUp: 'none', ...extra },
    });
  t.equal((await record('E1', 'fulfilled')).statusCode, 201);
  t.equal((await record('E2', 'unfulfilled')).statusCode, 201);
  t.equal((await list(app, '?status=open')).total, 4, 'recorded, not published: nothing changes');
  const pub = await app.api('POST', `/api/v1/plans/${plan.json().id}/publish`, { body: { scope: 'all' } });
  t.equal(pub.statusCode, 201, pub.body);
  const byEntity = async () => new Map((await list(app)).items.map((c) => [c.entityId, c.status]));
  t.same(
    Object.fromEntries(await byEntity()),
    { E1: 'fulfilled', E2: 'unfulfilled', E3: 'open', E4: 'open' },
    'only the drawn ones, by their result',
  );

  // A correction changes the outcome.
  t.equal((await record('E2', 'fulfilled', { correction: true })).statusCode, 201);
  const fix = await app.api('POST', `/api/v1/plans/${plan.json().id}/publish`, { body: { scope: 'finished', corrects: pub.json().id } });
  t.equal(fix.statusCode, 201, fix.body);
  t.equal((await byEntity()).get('E2'), 'fulfilled', 'the corrected result is the outcome');

  // The export carries the outcomes back.
  const exported = await app.api('GET', '/api/v1/commitments.csv?status=fulfilled');
  t.equal(exported.statusCode, 200);
  t.ok(exported.body.startsWith('\uFEFF来源系统,承诺编号,'));
  const rows = exported.body.trim().split('\r\n');
  t.equal(rows.length, 3, 'header + E1 + E2');
  t.match(rows[1], new RegExp(`已履约,${plan.json().id}`));
  t.equal((await app.api('GET', '/api/v1/commitments.csv?dueFrom=2026-08-01&dueTo=2026-01-01')).statusCode, 422);

  // A new commitment plan for June finds nothing open any more.
  const again = await app.api('POST', '/api/v1/plans', { body: body(window) });
  const second = (await app.api('GET', `/api/v1/plans/${again.json().id}/preview`)).json();
  t.equal(second.population, 1, 'only E3 (credit-repair) is still open in June');
});
