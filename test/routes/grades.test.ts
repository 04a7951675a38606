import t, { type Test } from 'tap';
import { makeUscc } from '../../src/core/uscc.ts';
import { buildTestApp, type TestApp } from '../helper.ts';

const uscc = (n: number) => makeUscc(`91500112MA${String(n).padStart(7, '0')}`);
const HEADER = 'entityId,scheme,grade,evaluatedAt';
const IMPORT = '/api/v1/grades/import';

async function seeded(t: Test) {
  const app = await buildTestApp(t);
  const entities = [1, 2, 3].map((n) => `${uscc(n)},重庆${n}号有限公司,enterprise,500112,I65`).join('\n');
  const res = await app.api('POST', '/api/v1/entities/import', { body: `id,name,type,region,industry\n${entities}\n` });
  t.equal(res.statusCode, 200, res.body);
  return app;
}

async function gradeState(database: TestApp['database']) {
  return database.rawTransaction(async (tx) => ({
    history: await tx.query(
      `SELECT entity_id, scheme, grade, evaluated_at::text FROM grade_evaluations ORDER BY entity_id, scheme, evaluated_at, grade`,
    ),
    current: await tx.query(`SELECT entity_id, scheme, grade, evaluated_at::text FROM current_grades ORDER BY entity_id, scheme`),
  }));
}

const current = async (app: TestApp, id: string) =>
  Object.fromEntries(
    (await app.api('GET', `/api/v1/entities/${id}`)).json().grades.map((g: { scheme: string; grade: string }) => [g.scheme, g.grade]),
  );

const post = (app: TestApp, rows: string[]) => app.api('POST', IMPORT, { body: `${HEADER}\n${rows.join('\n')}\n` });

t.test('history is kept and the latest evaluation per entity and scheme counts', async (t) => {
  const app = await seeded(t);
  let res = await post(app, [
    `${uscc(1)},credit-4,B,2024-01-10`,
    `${uscc(1)},credit-4,A,2025-03-01`,
    `${uscc(2)},credit-4,C,2025/3/1`,
    `${uscc(1)},env-4,GREEN,2025-02-01T10:00:00+08:00`,
  ]);
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { imported: 4, updated: 0 });
  t.same(await current(app, uscc(1)), { 'credit-4': 'A', 'env-4': 'GREEN' }, 'the later of two evaluations in one file');
  t.same(await current(app, uscc(2)), { 'credit-4': 'C' });

  // An older evaluation imported later is history, not the current grade.
  res = await post(app, [`${uscc(1)},credit-4,D,2023-06-01`]);
  t.same(res.json(), { imported: 1, updated: 0 });
  t.same(await current(app, uscc(1)), { 'credit-4': 'A', 'env-4': 'GREEN' }, 'older does not replace');

  // A newer one replaces it; one of the same date too (a correction).
  res = await post(app, [`${uscc(1)},credit-4,C,2025-06-01`]);
  t.same(res.json(), { imported: 1, updated: 1 });
  t.same(await current(app, uscc(1)), { 'credit-4': 'C', 'env-4': 'GREEN' });
  res = await post(app, [`${uscc(1)},credit-4,B,2025-06-01T00:00:00+08:00`]);
  t.same(res.json(), { imported: 1, updated: 1 });
  t.same(await current(app, uscc(1)), { 'credit-4': 'B', 'env-4': 'GREEN' }, 'same date: the later import wins');

  // The same file again changes nothing.
  const before = await gradeState(app.database);
  res = await post(app, [`${uscc(1)},credit-4,B,2025-06-01`, `${uscc(2)},credit-4,C,2025-03-01`]);
  t.same(res.json(), { imported: 0, updated: 0 });
  t.same(await gradeState(app.database), before);

  const detail = (await app.api('GET', `/api/v1/entities/${uscc(1)}`)).json();
  t.match(detail.grades, [
    { scheme: 'credit-4', grade: 'B', gradeLabel: String, public: false, evaluatedAt: '2025-06-01T00:00:00.000+08:00' },
    { scheme: 'env-4', grade: 'GREEN', public: true, evaluatedAt: '2025-02-01T10:00:00.000+08:00' },
  ]);
  const history = (await app.api('GET', `/api/v1/entities/${uscc(1)}/grades?scheme=credit-4`)).json();
  t.equal(history.total, 5);
  t.same(
    history.items.map((h: { grade: string; current: boolean }) => [h.grade, h.current]),
    [
      ['B', true],
      ['C', false],
      ['A', false],
      ['B', false],
      ['D', false],
    ],
  );
  t.equal((await app.api('GET', `/api/v1/entities/${uscc(9)}/grades`)).statusCode, 404);

  const summary = (await app.api('GET', '/api/v1/grades/summary?scheme=credit-4')).json();
  t.equal(summary.activeEntities, 3);
  t.same(
    summary.grades.map((g: { grade: string; entities: number; evaluated: number }) => [g.grade, g.entities, g.evaluated]),
    [
      ['A', 0, 0],
      ['B', 2, 1], // uscc(3) has no evaluation: the default grade B
      ['C', 1, 1],
      ['D', 0, 0],
    ],
  );
});

t.test('NDJSON grades', async (t) => {
  const app = await seeded(t);
  const body = [
    { entityId: uscc(1), scheme: 'risk-4', grade: 'LOW', evaluatedAt: '2025-01-02' },
    { entityId: uscc(2), scheme: 'risk-4', grade: 'HIGH', evaluatedAt: '2025-01-02T08:00:00Z' },
  ]
    .map((l) => JSON.stringify(l))
    .join('\n');
  const res = await app.api('POST', IMPORT, { body, contentType: 'application/x-ndjson' });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { imported: 2, updated: 0 });
  t.same(await current(app, uscc(2)), { 'risk-4': 'HIGH' });
});

t.test('bad rows are refused with row and column; nothing changes', async (t) => {
  const app = await seeded(t);
  t.equal((await post(app, [`${uscc(1)},credit-4,A,2025-01-01`])).statusCode, 200);
  const before = await gradeState(app.database);
  // Each file also holds a newer, valid evaluation that would have replaced the current grade.
  const valid = `${uscc(1)},credit-4,D,2025-09-01`;
  const cases: [string, string[], { row: number; column?: string }[]][] = [
    ['unknown entity', [valid, `${uscc(9)},credit-4,A,2025-01-01`], [{ row: 3, column: 'entityId' }]],
    ['unknown scheme', [valid, `${uscc(2)},credit-9,A,2025-01-01`], [{ row: 3, column: 'scheme' }]],
    [
      'grade not in the scheme',
      [valid, `${uscc(2)},credit-4,E,2025-01-01`, `${uscc(2)},env-4,A,2025-01-02`],
      [
        { row: 3, column: 'grade' },
        { row: 4, column: 'grade' },
      ],
    ],
    [
      'bad dates',
      [valid, `${uscc(2)},credit-4,A,2025-02-30`, `${uscc(3)},credit-4,A,yesterday`, `${uscc(3)},credit-4,A,2999-01-01`],
      [
        { row: 3, column: 'evaluatedAt' },
        { row: 4, column: 'evaluatedAt' },
        { row: 5, column: 'evaluatedAt' },
      ],
    ],
    [
      'the same evaluation twice',
      [valid, `${uscc(2)},credit-4,A,2025-01-01`, `${uscc(2)},credit-4,B,2025-01-01T00:00:00+08:00`],
      [{ row: 4, column: 'entityId' }],
    ],
    ['a missing value', [valid, `${uscc(2)},credit-4,,2025-01-01`], [{ row: 3, column: 'grade' }]],
    ['a wrong field count', [valid, `${uscc(2)},credit-4,A`], [{ row: 3 }]],
  ];
  for (const [what, rows, expected] of cases) {
    const res = await post(app, rows);
    t.equal(res.statusCode, 422, `${what}: ${res.body}`);
    t.same(
      res.json().details.map((d: { row: number; column?: string }) => (d.column ? { row: d.row, column: d.column } : { row: d.row })),
      expected,
      what,
    );
    t.same(await gradeState(app.database), before, `${what}: nothing changed`);
  }
  const auditor = await app.token('auditor');
  t.equal((await app.api('POST', IMPORT, { body: `${HEADER}\n${valid}\n`, token: auditor })).statusCode, 403);
  t.equal((await app.api('POST', IMPORT, { body: `${HEADER}\n${valid}\n`, token: null })).statusCode, 401);
  t.same(await gradeState(app.database), before);
});
