/**
 * Supervision tags and licences on entities (import, PATCH, reads) and targeted / untargeted plans (定向 / 不定向抽查):
 * validation, the pool they make, the commit record's poolRule and the portal's plan page.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { makeUscc } from '../../src/core/uscc.ts';
import { MIGRATIONS_FOLDER, migrateAndGrant } from '../../src/db/migrate.ts';
import { TEST_ROLES, asOwner, buildTestApp, onPostgres, openTestDatabase, soon, type TestApp } from '../helper.ts';
import { seedDirectories, syntheticDirectories } from '../fixtures/directories.ts';

const uscc = (n: number) => makeUscc(`91500112MA${String(n).padStart(7, '0')}`);
const IMPORT = '/api/v1/entities/import';
const HEADER = 'id,name,type,region,industry,tags,licences';

/** Tags and licences of every entity, to compare before and after a refused request. */
async function labelState(database: TestApp['database']) {
  return database.rawTransaction((tx) => tx.query(`SELECT id, tags, licences, updated_at::text FROM entities ORDER BY id`));
}

/** Departments, items and inspectors of the synthetic fixture, and five entities imported with tags and licences. */
async function seeded(t: Test) {
  const app = await buildTestApp(t);
  await seedDirectories(app.database.db, { ...syntheticDirectories(0, 6, 4), entities: [], grades: [], recusals: [] });
  const csv = [
    HEADER,
    `${uscc(1)},重庆甲餐饮有限公司,enterprise,500112,H62,食品经营;网络交易,食品经营许可证`,
    `${uscc(2)},重庆乙电梯有限公司,enterprise,500112,C34,特种设备使用,特种设备使用登记证`,
    `${uscc(3)},重庆丙超市有限公司,enterprise,500103,F52,食品经营；食品经营,食品经营许可证;药品经营许可证`,
    `${uscc(4)},重庆丁网店有限公司,enterprise,500103,F52,网络交易,`,
    `${uscc(5)},重庆戊制造有限公司,enterprise,500105,C13,,`,
  ].join('\r\n');
  const res = await app.api('POST', IMPORT, { body: `${csv}\r\n` });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { imported: 5, updated: 0 });
  return app;
}

const plan = (overrides: Record<string, unknown> = {}) => ({
  title: '2026 年度食品经营专项抽查',
  items: ['SCJG-ZL'],
  gradeScheme: 'credit-4',
  ratiosBp: { A: 10000, B: 10000, C: 10000, D: 10000 },
  inspectorsPerTask: { SCJG: 2 },
  entropySource: '公开摇号现场掷骰 10 次',
  ...overrides,
});

/** Commits the plan and returns its commit record and the ids in its entity snapshot (the frozen pool). */
async function committedPool(t: Test, app: TestApp, id: string) {
  const commit = await app.api('POST', `/api/v1/plans/${id}/commit`, { body: { entropyAt: soon(60_000) } });
  t.equal(commit.statusCode, 201, commit.body);
  const file = await app.api('GET', `/api/v1/plans/${id}/snapshot/entities.tsv`);
  t.equal(file.statusCode, 200, file.body);
  const ids = file.body
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t')[0]);
  return { record: commit.json(), ids };
}

t.test('import: tags and licences from CSV (";" and "；") and NDJSON arrays; reads show them; repeats dropped', async (t) => {
  const app = await seeded(t);
  const three = (await app.api('GET', `/api/v1/entities/${uscc(3)}`)).json();
  t.same(three.tags, ['食品经营'], 'full-width separator, repeat dropped');
  t.same(three.licences, ['食品经营许可证', '药品经营许可证']);
  t.same((await app.api('GET', `/api/v1/entities/${uscc(5)}`)).json().tags, [], 'blank: none');

  const lines = [
    { id: uscc(4), name: '重庆丁网店有限公司', type: 'enterprise', region: '500103', industry: 'F52', tags: ['网络交易', '食品经营'], licences: [] },
    { id: uscc(6), name: '重庆己药房有限公司', type: 'enterprise', region: '500106', industry: 'F52', licences: ['药品经营许可证'] },
    { id: uscc(5), name: '重庆戊制造有限公司', type: 'enterprise', region: '500105', industry: 'C13' },
  ];
  const res = await app.api('POST', IMPORT, { body: lines.map((l) => JSON.stringify(l)).join('\n'), contentType: 'application/x-ndjson' });
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { imported: 1, updated: 2 });
  const four = (await app.api('GET', `/api/v1/entities/${uscc(4)}`)).json();
  t.same([four.tags, four.licences], [['网络交易', '食品经营'], []]);
  const six = (await app.api('GET', `/api/v1/entities/${uscc(6)}`)).json();
  t.same([six.tags, six.licences], [[], ['药品经营许可证']], 'a new entity without tags gets none');
  // A file without the tags column keeps the stored tags.
  const kept = await app.api('POST', IMPORT, { body: `id,name,type,region,industry\n${uscc(1)},重庆甲餐饮有限公司（新）,enterprise,500112,H62\n` });
  t.equal(kept.statusCode, 200, kept.body);
  const one = (await app.api('GET', `/api/v1/entities/${uscc(1)}`)).json();
  t.same([one.name, one.tags, one.licences], ['重庆甲餐饮有限公司（新）', ['食品经营', '网络交易'], ['食品经营许可证']]);
  const listed = (await app.api('GET', '/api/v1/entities?limit=1')).json();
  t.ok(Array.isArray(listed.items[0].tags) && Array.isArray(listed.items[0].licences), 'the list shows them too');
});

t.test('import: bad tags or licences are refused, row and column named, nothing changed', async (t) => {
  const app = await seeded(t);
  const cases: [string, string, string][] = [
    ['a tag too long', `${uscc(1)},甲,enterprise,500112,H62,${'长'.repeat(65)},`, 'tags'],
    ['too many tags', `${uscc(1)},甲,enterprise,500112,H62,${Array.from({ length: 51 }, (_, i) => `标签${i}`).join(';')},`, 'tags'],
    ['a control character in a licence', `${uscc(1)},甲,enterprise,500112,H62,,食品\u0007许可证`, 'licences'],
    ['too many licences', `${uscc(1)},甲,enterprise,500112,H62,,${Array.from({ length: 51 }, (_, i) => `许可证${i}`).join(';')}`, 'licences'],
  ];
  for (const [what, line, column] of cases) {
    const before = await labelState(app.database);
    const res = await app.api('POST', IMPORT, { body: `${HEADER}\n${uscc(2)},乙,enterprise,500112,C34,新标签,\n${line}\n` });
    t.equal(res.statusCode, 422, `${what}: ${res.body}`);
    t.same(
      res.json().details.map((d: { row: number; column: string }) => [d.row, d.column]),
      [[3, column]],
      `${what}: row 3, ${column}`,
    );
    t.same(await labelState(app.database), before, `${what}: nothing changed (not even row 2)`);
  }
  const nd = await app.api('POST', IMPORT, {
    body: JSON.stringify({ id: uscc(1), name: '甲', type: 'enterprise', region: '500112', industry: 'H62', tags: [`${'x'.repeat(65)}`] }),
    contentType: 'application/x-ndjson',
  });
  t.equal(nd.statusCode, 422, nd.body);
  t.match(nd.json().details[0], { row: 1, column: 'tags' });
});

t.test('PATCH: tags and licences replaced, checked; [] clears', async (t) => {
  const app = await seeded(t);
  const res = await app.api('PATCH', `/api/v1/entities/${uscc(5)}`, {
    body: { tags: [' 特种设备使用 ', '特种设备使用'], licences: ['特种设备使用登记证'] },
  });
  t.equal(res.statusCode, 200, res.body);
  t.same([res.json().tags, res.json().licences], [['特种设备使用'], ['特种设备使用登记证']]);
  const before = await labelState(app.database);
  for (const [body, field] of [
    [{ tags: ['a;b'] }, 'tags'],
    [{ tags: ['   '] }, 'tags'],
    [{ licences: ['x'.repeat(65)] }, 'licences'],
    [{ licences: Array.from({ length: 51 }, (_, i) => `证${i}`) }, 'licences'],
    [{ tags: '食品经营' }, 'tags'],
  ] as const) {
    const bad = await app.api('PATCH', `/api/v1/entities/${uscc(5)}`, { body });
    t.ok(bad.statusCode === 400 || bad.statusCode === 422, `${JSON.stringify(body).slice(0, 40)}: refused (${bad.statusCode})`);
    t.ok(JSON.stringify(bad.json()).includes(field), `names ${field}: ${bad.body.slice(0, 200)}`);
  }
  t.same(await labelState(app.database), before, 'nothing changed');
  const cleared = await app.api('PATCH', `/api/v1/entities/${uscc(5)}`, { body: { tags: [] } });
  t.same([cleared.json().tags, cleared.json().licences], [[], ['特种设备使用登记证']]);
});

t.test('targeting: a targeted plan needs a filter, an untargeted one has none; left out, it follows the filters', async (t) => {
  const app = await seeded(t);
  const inferred = await app.api('POST', '/api/v1/plans', { body: plan({ filters: { tags: ['食品经营'] } }) });
  t.equal(inferred.statusCode, 201, inferred.body);
  t.equal(inferred.json().targeting, 'targeted');
  const none = await app.api('POST', '/api/v1/plans', { body: plan() });
  t.equal(none.json().targeting, 'untargeted', 'the default');
  t.same(none.json().filters, {});
  const emptyLists = await app.api('POST', '/api/v1/plans', { body: plan({ filters: { tags: [], regions: [] } }) });
  t.equal(emptyLists.json().targeting, 'untargeted', 'empty lists are no filter');

  const refused = await app.api('POST', '/api/v1/plans', { body: plan({ targeting: 'targeted', filters: { tags: [] } }) });
  t.equal(refused.statusCode, 422, refused.body);
  t.same(
    refused.json().details.map((d: { field: string }) => d.field),
    ['filters'],
  );
  const untargeted = await app.api('POST', '/api/v1/plans', {
    body: plan({ targeting: 'untargeted', filters: { licences: ['食品经营许可证'], regions: ['500112'] } }),
  });
  t.equal(untargeted.statusCode, 422, untargeted.body);
  t.same(
    untargeted
      .json()
      .details.map((d: { field: string }) => d.field)
      .sort(),
    ['filters.licences', 'filters.regions'],
  );
  t.equal((await app.api('POST', '/api/v1/plans', { body: plan({ targeting: 'both' }) })).statusCode, 400, 'an unknown targeting');

  // PATCH: a targeted plan cannot lose its filters while it stays targeted; new filters without a targeting re-infer it.
  const id = none.json().id;
  let res = await app.api('PATCH', `/api/v1/plans/${id}`, { body: { targeting: 'targeted' } });
  t.equal(res.statusCode, 422, res.body);
  t.equal(res.json().details[0].field, 'filters');
  res = await app.api('PATCH', `/api/v1/plans/${id}`, { body: { filters: { licences: ['食品经营许可证'] } } });
  t.equal(res.statusCode, 200, res.body);
  t.same([res.json().targeting, res.json().filters], ['targeted', { licences: ['食品经营许可证'] }]);
  res = await app.api('PATCH', `/api/v1/plans/${id}`, { body: { targeting: 'untargeted' } });
  t.equal(res.statusCode, 422, res.body);
  t.equal(res.json().details[0].field, 'filters.licences');
  res = await app.api('PATCH', `/api/v1/plans/${id}`, { body: { filters: {} } });
  t.same([res.json().targeting, res.json().filters], ['untargeted', {}]);
});

t.test('pools: by tag and by licence exactly the matching entities; untargeted all; poolRule and the portal say which', async (t) => {
  const app = await seeded(t);
  const create = async (body: Record<string, unknown>) => {
    const res = await app.api('POST', '/api/v1/plans', { body: plan(body) });
    t.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  const byTag = await create({ filters: { tags: ['网络交易', '特种设备使用'] } });
  const byLicence = await create({ targeting: 'targeted', filters: { licences: ['食品经营许可证'] } });
  const both = await create({ filters: { tags: ['食品经营'], licences: ['药品经营许可证'], regions: ['500103'] } });
  const all = await create({});

  const tag = await committedPool(t, app, byTag);
  t.same(tag.ids, [uscc(1), uscc(2), uscc(4)].sort(), 'any of the tags');
  t.match(tag.record.poolRule, { targeting: 'targeted', tags: ['特种设备使用', '网络交易'].sort(), excludedInactive: 0 });
  t.notOk('licences' in tag.record.poolRule, 'only the filters given');
  const licence = await committedPool(t, app, byLicence);
  t.same(licence.ids, [uscc(1), uscc(3)].sort());
  t.match(licence.record.poolRule, { targeting: 'targeted', licences: ['食品经营许可证'] });
  const narrowed = await committedPool(t, app, both);
  t.same(narrowed.ids, [uscc(3)], 'every given filter must match');
  const whole = await committedPool(t, app, all);
  t.same(whole.ids, [1, 2, 3, 4, 5].map(uscc).sort(), 'untargeted: the whole directory');
  t.match(whole.record.poolRule, { targeting: 'untargeted' });
  for (const k of ['tags', 'licences', 'regions', 'types', 'industries']) t.notOk(k in whole.record.poolRule, `no ${k}`);

  const page = async (id: string) => {
    const res = await app.app.inject({ method: 'GET', url: `/plans/${id}` });
    t.equal(res.statusCode, 200);
    return res.body;
  };
  const tagPage = await page(byTag);
  t.match(tagPage, /<li id="targeting" data-targeting="targeted">抽查方式：定向抽查/);
  t.match(tagPage, /监管标签：特种设备使用、网络交易/);
  t.match(await page(byLicence), /许可证：食品经营许可证/);
  const wholePage = await page(all);
  t.match(wholePage, /data-targeting="untargeted">抽查方式：不定向抽查/);
  t.notMatch(wholePage, /监管标签：/);
  // The public list says it for each plan, and so does the public API.
  const list = await app.app.inject({ method: 'GET', url: '/' });
  for (const [id, kind, label] of [
    [byTag, 'targeted', '定向抽查'],
    [all, 'untargeted', '不定向抽查'],
  ]) {
    t.match(list.body, new RegExp(`${id}[^<]*<span data-targeting="${kind}">${label}</span>`), `${id}: ${label} in the list`);
  }
  const api = (await app.api('GET', '/public/v1/plans')).json();
  const kinds = Object.fromEntries(api.items.map((p: { id: string; targeting: string }) => [p.id, p.targeting]));
  t.same(kinds, { [byTag]: 'targeted', [byLicence]: 'targeted', [both]: 'targeted', [all]: 'untargeted' });
});

t.test('migration 0015: the old ";"-separated tags text becomes an array without loss; plans with filters become targeted', async (t) => {
  // The migrations up to 0014 in a folder of their own, then the rest.
  const folder = mkdtempSync(join(tmpdir(), 'suicha-0015-'));
  t.teardown(() => rmSync(folder, { recursive: true, force: true }));
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
  journal.entries = journal.entries.filter((e: { idx: number }) => e.idx < 15);
  writeFileSync(journalPath, JSON.stringify(journal));
  const { database } = await openTestDatabase(t, { migrate: false });
  const owner = asOwner(database);
  await migrateAndGrant(owner, onPostgres ? TEST_ROLES.service : null, folder);
  await owner.rawTransaction(async (tx) => {
    await tx.query(`INSERT INTO entities (id, name, type, region, industry, tags) VALUES
      ('E1', '甲', 'enterprise', '500112', 'H62', ' 食品经营 ; 网络交易；食品经营;; '),
      ('E2', '乙', 'enterprise', '500112', 'H62', NULL),
      ('E3', '丙', 'enterprise', '500112', 'H62', '特种设备使用'),
      ('E4', '丁', 'enterprise', '500112', 'H62', '')`);
    await tx.query(`INSERT INTO grade_schemes (code, name, grades, default_grade) VALUES ('m-2', 'm', '[{"code":"A"},{"code":"B"}]', 'B')`);
    await tx.query(`INSERT INTO plans (id, title, items, grade_scheme, ratios_bp, inspectors_per_task, filters, entropy_source) VALUES
      ('PLAN-2026-0001', 'a', '{X}', 'm-2', '{}', '{}', '{"regions":["500112"]}', 'dice'),
      ('PLAN-2026-0002', 'b', '{X}', 'm-2', '{}', '{}', '{}', 'dice')`);
  });
  await migrateAndGrant(owner, onPostgres ? TEST_ROLES.service : null);
  const rows = await database.rawTransaction((tx) =>
    tx.query<{ id: string; tags: string[]; licences: string[] }>('SELECT id, tags, licences FROM entities ORDER BY id'),
  );
  t.same(
    rows.map((r) => [r.id, r.tags, r.licences]),
    [
      ['E1', ['食品经营', '网络交易'], []],
      ['E2', [], []],
      ['E3', ['特种设备使用'], []],
      ['E4', [], []],
    ],
  );
  const plans = await database.rawTransaction((tx) => tx.query<{ id: string; targeting: string }>('SELECT id, targeting FROM plans ORDER BY id'));
  t.same(
    plans.map((p) => [p.id, p.targeting]),
    [
      ['PLAN-2026-0001', 'targeted'],
      ['PLAN-2026-0002', 'untargeted'],
    ],
  );
});
