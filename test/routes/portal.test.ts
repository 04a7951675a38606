/**
 * The public portal's HTML through app.inject, on data made through the management API (test/portal-fixture.ts):
 * security headers, escaping, and the public rules (no server seed before the draw, no unpublished result,
 * no non-public grade, no draft), plus the ledger check turning red on a tampered entry.
 */
import t, { type Test } from 'tap';
import { asAdmin, buildTestApp, commitAndWait, soon, untilEntropyAt } from '../helper.ts';
import { seedPortalScenario, XSS_NAME, UNPUBLISHED_FINDING, chinaToday } from '../portal-fixture.ts';
import { CONTENT_SECURITY_POLICY } from '../../src/portal/index.ts';
import { escapeHtml, html, raw } from '../../src/portal/html.ts';
import { percent } from '../../src/portal/format.ts';

type Res = { statusCode: number; headers: Record<string, unknown>; body: string };

function checkSecurityHeaders(t: Test, res: Res, what: string) {
  t.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY, `${what}: CSP`);
  t.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  t.equal(res.headers['referrer-policy'], 'no-referrer', `${what}: referrer policy`);
  t.equal(res.headers['x-frame-options'], 'DENY', `${what}: frame options`);
  t.match(res.headers['permissions-policy'], /camera=\(\)/, `${what}: permissions policy`);
}

/** Structure every page must have: one h1, lang, skip link, no inline script or style, labelled controls. */
function checkPage(t: Test, body: string, what: string) {
  t.match(body, /^<!doctype html>\n<html lang="zh-CN">/, `${what}: lang zh-CN`);
  t.match(body, /<meta name="viewport" content="width=device-width, initial-scale=1">/, `${what}: viewport`);
  t.equal(body.match(/<h1[ >]/g)?.length, 1, `${what}: exactly one h1`);
  t.match(body, /<a class="skip" href="#main">跳到正文<\/a>/, `${what}: skip link`);
  t.notMatch(body, /<style|\sstyle=|\son[a-z]+=/i, `${what}: no inline style or handlers`);
  for (const tag of body.match(/<script[^>]*>/g) ?? []) t.match(tag, /src="\/assets\/[a-z]+\.js"/, `${what}: scripts are files`);
  // heading levels never skip (h1 → h2 → h3)
  const levels = [...body.matchAll(/<h([1-6])[ >]/g)].map((m) => Number(m[1]));
  t.ok(
    levels.every((l, i) => i === 0 || l <= levels[i - 1] + 1),
    `${what}: headings in order ${levels.join(',')}`,
  );
  for (const m of body.matchAll(/<(input|select|textarea)\b[^>]*>/g)) {
    const id = /\sid="([^"]+)"/.exec(m[0])?.[1];
    t.ok(id && body.includes(`<label for="${id}"`), `${what}: ${m[0].slice(0, 60)} has a label`);
  }
}

t.test('html escaper', async (t) => {
  t.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  const name = '<b>x</b>';
  t.equal(
    html`<p title="${name}">${name}${raw('<br>')}${[html`<i>${'&'}</i>`, null, false, 1]}</p>`.value,
    '<p title="&lt;b&gt;x&lt;/b&gt;">&lt;b&gt;x&lt;/b&gt;<br><i>&amp;</i>1</p>',
  );
  t.equal(percent(500), '5%');
  t.equal(percent(1234), '12.34%');
  t.equal(percent(10000), '100%');
  t.equal(percent(5), '0.05%');
  t.equal(percent(150), '1.5%');
});

t.test('portal pages on a real scenario', async (t) => {
  // Full chain walk on every /ledger view here, so that tampering any entry shows at once.
  const { app, api, database } = await buildTestApp(t, { config: { ledgerFullCheckSeconds: 0 } });
  const s = await seedPortalScenario(api, { entities: 40, results: 3 });
  const get = async (url: string) => app.inject({ url }) as unknown as Promise<Res>;
  const [committedSeed] = await database.rawTransaction((tx) =>
    tx.query<{ server_seed: string }>('SELECT server_seed FROM plan_commits WHERE plan_id = $1', [s.committedPlanId]),
  );
  const [drawnSeed] = await database.rawTransaction((tx) =>
    tx.query<{ server_seed: string }>('SELECT server_seed FROM plan_commits WHERE plan_id = $1', [s.drawnPlanId]),
  );

  t.test('every page has the security headers and the page structure', async (t) => {
    const pages = [
      '/',
      '/?status=drawn',
      `/plans/${s.drawnPlanId}`,
      `/plans/${s.committedPlanId}`,
      '/entities',
      '/entities?q=%E6%B8%9D%E4%B8%AD',
      `/entities/${s.entities[5].id}`,
      '/ledger',
      `/ledger?plan=${s.drawnPlanId}`,
      '/verify',
      `/verify/${s.drawnPlanId}`,
    ];
    for (const url of pages) {
      const res = await get(url);
      t.equal(res.statusCode, 200, `${url}: 200`);
      t.match(res.headers['content-type'], /^text\/html; charset=utf-8/, `${url}: html`);
      checkSecurityHeaders(t, res, url);
      checkPage(t, res.body, url);
    }
    for (const url of ['/assets/portal.css', '/assets/verifier.js', `/plans/${s.draftPlanId}`, '/plans/NOPE', '/entities/NOPE']) {
      checkSecurityHeaders(t, await get(url), url);
    }
    // Swagger UI needs inline script: the strict policy is for portal routes only.
    const docs = await get('/docs/static/index.html');
    t.not(docs.headers['content-security-policy'], CONTENT_SECURITY_POLICY, '/docs keeps its own policy');
  });

  t.test('plans list: newest first, filters, no drafts, Chinese labels', async (t) => {
    const home = (await get('/')).body;
    for (const label of [
      '双随机抽查计划',
      '实施部门',
      '抽查事项',
      '年度',
      '状态',
      '承诺值',
      '对象总数',
      '抽取数',
      '已公开结果',
      '已抽取',
      '已承诺',
    ]) {
      t.ok(home.includes(label), `label ${label}`);
    }
    t.notOk(home.includes('DRAFT-不应公开的草稿计划'), 'a draft is not listed');
    t.ok(home.indexOf(s.committedPlanId) < home.indexOf(s.drawnPlanId), 'newest commitment first');
    t.match(
      home,
      new RegExp(`<td data-label="抽取数" class="num">${s.tasks.length}</td>\\s*<td data-label="已公开结果" class="num">3</td>`),
      'drawn and published counts',
    );
    t.match(home, /<td data-label="对象总数" class="num">40<\/td>/, 'pool count');
    const drawnOnly = (await get('/?status=drawn')).body;
    t.ok(drawnOnly.includes(s.drawnPlanId) && !drawnOnly.includes(s.committedPlanId), 'status filter');
    t.match(drawnOnly, /<option value="drawn" selected>已抽取<\/option>/, 'the filter stays selected');
    const wjw = (await get('/?department=WJW')).body;
    t.ok(wjw.includes(s.committedPlanId) && !wjw.includes(s.drawnPlanId), 'department filter');
    const item = (await get('/?item=SCJG-SP01')).body;
    t.ok(item.includes(s.drawnPlanId) && !item.includes(s.committedPlanId), 'item filter');
    const year = Number(chinaToday().slice(0, 4));
    const thisYear = (await get(`/?year=${year}`)).body;
    t.ok(thisYear.includes(s.drawnPlanId) && thisYear.includes(s.committedPlanId), 'year filter');
    t.ok((await get('/?year=2001')).body.includes('没有符合筛选条件的抽查计划'), 'a year without plans');
    const junk = await get('/?department=%3Cscript%3E&year=abc&status=nope&page=-3');
    t.equal(junk.statusCode, 200, 'junk filters are ignored');
    t.notOk(junk.body.includes('<script>'), 'and never echoed');
  });

  t.test('drawn plan page: records, drawn entities with names and teams, published results only', async (t) => {
    const res = await get(`/plans/${s.drawnPlanId}`);
    const body = res.body;
    for (const label of [
      '计划内容',
      '抽取前承诺',
      '承诺值',
      '检查对象快照摘要',
      '执法检查人员快照摘要',
      '回避关系快照摘要',
      '公开随机数',
      '服务器种子',
      '随机种子',
      '抽取结果与检查结果',
      '在浏览器中验证',
      '下载公开记录（JSON）',
      '各等级抽查比例与对象数',
      '结果公示记录',
    ]) {
      t.ok(body.includes(label), `label ${label}`);
    }
    const record = (await api('GET', `/public/v1/plans/${s.drawnPlanId}/record.json`, { token: null })).json();
    t.ok(body.includes(record.commit.commitment), 'commitment');
    t.ok(body.includes(record.commit.entitySnapshotDigest), 'entity digest');
    t.ok(body.includes(record.draw.seed), 'seed');
    t.ok(body.includes(drawnSeed.server_seed), 'the server seed is public after the draw');
    t.ok(body.includes('6 2 5 3 1 4 4 2 6 1'), 'public entropy');
    for (const task of record.draw.tasks) t.ok(body.includes(`/entities/${task.entityId}`), `task of ${task.entityId} listed`);
    // By entity id, never in draw order (the draw order is the grade order), and no seq on a non-public scheme.
    const listed = [...body.matchAll(/<td data-label="检查对象"><a href="\/entities\/([^"]+)">/g)].map((m) => m[1]);
    t.same(listed, [...listed].sort(), 'drawn entities by entity id');
    t.same(listed, record.draw.tasks.map((x: { entityId: string }) => x.entityId).slice(0, listed.length), 'the order of the public record');
    t.notOk(body.includes('data-label="序号"') || body.includes('按抽取序号'), 'no seq, not in draw order');
    t.ok(body.includes('按统一社会信用代码排序'), 'says how the list is ordered');
    for (const label of ['公告的抽取时间', '抽取时间晚于公告时间 ✓', '抽取范围', '因冷却期排除', '因非存续状态排除', '公开随机数来源'])
      t.ok(body.includes(label), `label ${label}`);
    const firstName = s.entities.find((e) => e.id === s.tasks[0].entityId)!.name;
    t.ok(body.includes(escapeHtml(firstName)), 'entity names shown');
    t.match(body, /重庆市渝中区市场监督管理局：<span title="SJ-\d{3}">/, 'team with department and inspector names');
    // ratios per grade as percentages: base 20% × credit-4 multipliers (A 50 %, B 100 %, C 150 %, D 300 %)
    t.match(body, /<td class="num">10%<\/td>/, 'A ratio 10%');
    t.match(body, /<td class="num">60%<\/td>/, 'D ratio 60%');
    t.equal((body.match(/<span class="result-(ok|bad)">/g) ?? []).length, 3, 'three published results');
    t.equal((body.match(/尚未公开/g) ?? []).length, s.tasks.length - 3, 'the others not yet public');
    t.notOk(body.includes('发现问题待后续处理'), 'the unpublished result is not shown');
    t.notOk(body.includes(UNPUBLISHED_FINDING) || body.includes('冷藏设施温度记录不全'), 'findings are internal, never shown');
    // credit-4 is not a public scheme: no task grade, and no mode (A is inspected in writing: the mode would tell)
    t.notOk(body.includes('data-label="等级"'), 'no grade column');
    t.notOk(body.includes('data-label="检查方式"'), 'no per-task mode');
    t.ok(body.includes('不公开等级'), 'says why');
    t.match(body, /<a class="button" href="\/verify\/PLAN-\d{4}-\d{4}">在浏览器中验证<\/a>/);
  });

  t.test('committed plan page: never the server seed before the draw', async (t) => {
    for (const url of [`/plans/${s.committedPlanId}`, `/verify/${s.committedPlanId}`, '/', '/ledger', `/ledger?plan=${s.committedPlanId}`]) {
      const body = (await get(url)).body;
      t.notOk(body.includes(committedSeed.server_seed), `${url}: no server seed`);
    }
    const body = (await get(`/plans/${s.committedPlanId}`)).body;
    t.ok(body.includes('服务器种子将在抽取后公开'), 'says when the seed comes');
    t.notOk(body.includes('在浏览器中验证'), 'nothing to verify yet');
    t.ok(body.includes('2026年12月1日中国福利彩票 3D 第一次开奖号码'), 'entropy source');
  });

  t.test('a voided plan shows the reason and the server seed its void revealed', async (t) => {
    const id = (
      await api('POST', '/api/v1/plans', {
        body: {
          title: '作废示例计划',
          items: ['SCJG-SP01'],
          gradeScheme: 'credit-4',
          baseRatioBp: 500,
          inspectorsPerTask: { SCJG: 2 },
          entropySource: '现场掷骰',
        },
      })
    ).json().id;
    // announced a minute ahead: a void is allowed until then
    const commit = (await api('POST', `/api/v1/plans/${id}/commit`, { body: { entropyAt: soon(60_000) } })).json();
    const voided = await api('POST', `/api/v1/plans/${id}/void`, { body: { reason: '抽查事项调整，<b>重新</b>制定计划' } });
    t.equal(voided.statusCode, 200, voided.body);
    const body = (await get(`/plans/${id}`)).body;
    t.match(body, /<span class="badge badge-voided">已作废<\/span>/);
    t.ok(body.includes('抽查事项调整，&lt;b&gt;重新&lt;/b&gt;制定计划'), 'the reason, escaped');
    t.ok(body.includes(voided.json().serverSeed), 'the revealed seed');
    t.ok(body.includes(commit.commitment), 'beside its commitment');
    t.ok((await get('/?status=voided')).body.includes(id), 'listed under 已作废');
  });

  t.test('drafts and unknown ids are 404 pages', async (t) => {
    for (const url of [`/plans/${s.draftPlanId}`, `/verify/${s.draftPlanId}`, '/plans/NOPE', '/plans/%3Cb%3E', '/entities/NOPE']) {
      const res = await get(url);
      t.equal(res.statusCode, 404, url);
      t.match(res.headers['content-type'], /text\/html/);
      t.ok(res.body.includes('<h1>未找到</h1>'), `${url}: an HTML page`);
      t.notOk(res.body.includes('DRAFT-不应公开的草稿计划'));
      t.notOk(res.body.includes('<b>'), 'the id is escaped');
    }
  });

  t.test('names are escaped everywhere', async (t) => {
    const escaped = escapeHtml(XSS_NAME);
    for (const url of [
      '/entities?q=' + encodeURIComponent('小面馆'),
      `/entities/${s.xssEntityId}`,
      '/entities?q=' + encodeURIComponent('<script>'),
    ]) {
      const body = (await get(url)).body;
      t.notOk(body.includes('<script>alert'), `${url}: no raw markup`);
      t.ok(body.includes(escaped) || body.includes(escapeHtml('<script>')), `${url}: shown escaped`);
    }
    // A plan whose title and entropy source carry markup, drawn over the same directory. Its item is a key item
    // (重点检查事项, no yearly limit): the scenario's earlier draw of SCJG-SP01 may have taken the entity this year.
    const item = { name: '重点检查事项（标记测试）', departmentCode: 'SCJG', gradeScheme: 'credit-4', kind: 'key' };
    t.equal((await api('PUT', '/api/v1/items/SCJG-KEY01', { body: item })).statusCode, 201);
    const id = (
      await api('POST', '/api/v1/plans', {
        body: {
          title: '<img src=x onerror=alert(1)>计划',
          items: ['SCJG-KEY01'],
          gradeScheme: 'credit-4',
          baseRatioBp: 10000,
          inspectorsPerTask: { SCJG: 2 },
          entropySource: '"><script>x()</script>',
        },
      })
    ).json().id;
    t.equal((await commitAndWait({ api }, id)).statusCode, 201);
    t.equal((await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: '</code><script>y()</script>' } })).statusCode, 201);
    for (const url of ['/', `/plans/${id}`, `/verify/${id}`, '/verify']) {
      const body = (await get(url)).body;
      t.notOk(/<img src=x|<script>[xy]\(|<script>alert/.test(body), `${url}: no raw markup`);
      t.ok(body.includes('&lt;img src=x onerror=alert(1)&gt;计划'), `${url}: the title escaped`);
    }
    const plan = (await get(`/plans/${id}`)).body;
    t.ok(plan.includes(escaped), 'the entity name escaped in the drawn list (every entity is drawn at 100%)');
    t.ok(plan.includes('&lt;/code&gt;&lt;script&gt;y()&lt;/script&gt;'), 'public entropy escaped');
  });

  t.test('grades of a public scheme are shown', async (t) => {
    t.equal(
      (await api('PUT', '/api/v1/items/HB-01', { body: { name: '排污单位环境监管检查', departmentCode: 'WJW', gradeScheme: 'env-4' } })).statusCode,
      201,
    );
    const id = (
      await api('POST', '/api/v1/plans', {
        body: {
          title: '环保信用评价对象抽查',
          items: ['HB-01'],
          gradeScheme: 'env-4',
          baseRatioBp: 1000,
          inspectorsPerTask: { WJW: 2 },
          entropySource: '现场掷骰',
        },
      })
    ).json().id;
    t.equal((await commitAndWait({ api }, id)).statusCode, 201);
    t.equal((await api('POST', `/api/v1/plans/${id}/draw`, { body: { publicEntropy: '1' } })).statusCode, 201);
    const body = (await get(`/plans/${id}`)).body;
    t.match(body, /<td data-label="等级">[A-Z]+<\/td>/, 'grade column');
    t.match(body, /<td data-label="检查方式" class="nowrap">现场检查<\/td>/, 'mode column');
    t.match(body, /<td class="num" data-label="序号">\d+<\/td>/, 'and seq, where the scheme is public');
  });

  t.test('revision 2: the announced time, the pool rule, the witnesses and each contribution', async (t) => {
    const witnesses = ['区司法局', '区纪委监委派驻组', '<b>企业代表</b>'];
    const id = (
      await api('POST', '/api/v1/plans', {
        body: {
          title: '见证人现场抽取计划',
          items: ['SCJG-SP01'],
          gradeScheme: 'credit-4',
          baseRatioBp: 2000,
          inspectorsPerTask: { SCJG: 2 },
          entropySource: '三名见证人现场各报一个数',
          witnesses,
        },
      })
    ).json().id;
    const entropyAt = soon();
    const commit = await api('POST', `/api/v1/plans/${id}/commit`, { body: { entropyAt } });
    t.equal(commit.statusCode, 201, commit.body);
    const before = (await get(`/plans/${id}`)).body;
    t.ok(before.includes('公告的抽取时间') && before.includes(`datetime="${entropyAt}"`), 'the announced time before the draw');
    t.ok(before.includes('区司法局、区纪委监委派驻组、&lt;b&gt;企业代表&lt;/b&gt;'), 'the witnesses, escaped');
    t.ok(before.includes('抽取不早于公告的抽取时间'), 'says the draw waits for it');
    await untilEntropyAt(entropyAt);
    const contributions = [
      { witness: witnesses[0], value: '7 3 9' },
      { witness: witnesses[1], value: '2026' },
      { witness: witnesses[2], value: '<i>42</i>' },
    ];
    const drawn = await api('POST', `/api/v1/plans/${id}/draw`, { body: { contributions } });
    t.equal(drawn.statusCode, 201, drawn.body);
    const body = (await get(`/plans/${id}`)).body;
    checkPage(t, body, 'ceremony plan page');
    t.match(body, /<span class="result-ok" id="entropy-timing" data-state="ok">抽取时间晚于公告时间 ✓<\/span>/, 'drawn after the announced time');
    const table = /<table id="contributions">([\s\S]*?)<\/table>/.exec(body)?.[1] ?? '';
    t.ok(table.includes('见证人') && table.includes('提交值'), 'a table of the contributions');
    t.match(table, /<td data-label="见证人">区司法局<\/td><td data-label="提交值"><code>7 3 9<\/code><\/td>/);
    t.ok(table.includes('&lt;i&gt;42&lt;/i&gt;') && !table.includes('<i>42'), 'values escaped');
    const record = (await api('GET', `/public/v1/plans/${id}`, { token: null })).json();
    t.ok(record.draw.publicEntropy.startsWith('ceremony-v1:') && body.includes(record.draw.publicEntropy), 'the composed public entropy');
    t.same(record.draw.contributions, contributions, 'the public record has each contribution');
    const pool = /<ul class="team" id="pool-rule">([\s\S]*?)<\/ul>/.exec(body)?.[1] ?? '';
    t.ok(pool.includes('事项：食品经营者落实食品安全主体责任情况检查（SCJG-SP01）'), 'pool rule: the items by name');
    t.ok(pool.includes('地区：不限') && pool.includes('类型：不限'), 'no filters: 不限');
    t.match(pool, /因冷却期排除 \d+ 家/);
    t.match(pool, /因非存续状态排除 \d+ 家/);
  });

  t.test('entity search and entity page', async (t) => {
    const byName = (await get('/entities?q=' + encodeURIComponent('小面馆'))).body;
    t.ok(byName.includes(`/entities/${s.xssEntityId}`), 'found by name');
    const e = s.entities[7];
    const byCode = (await get(`/entities?q=${e.id.slice(0, 14)}`)).body;
    t.ok(byCode.includes(`/entities/${e.id}`), 'found by the start of the code');
    t.ok((await get('/entities?q=zzzz-nothing')).body.includes('没有找到'), 'nothing found');
    t.ok((await get('/entities')).body.includes('请输入检查对象名称'), 'a prompt without a query');

    const published = s.tasks[0];
    const page = (await get(`/entities/${published.entityId}`)).body;
    for (const label of ['统一社会信用代码', '所在区县', '渝中区', '已公开的抽查检查结果', '检查结果', '公开时间'])
      t.ok(page.includes(label), `label ${label}`);
    t.ok(page.includes(`/plans/${s.drawnPlanId}`), 'the published inspection links its plan');
    const unpublished = s.tasks.find((x) => x.id === s.unpublishedTaskId)!;
    const other = (await get(`/entities/${unpublished.entityId}`)).body;
    t.notOk(other.includes('发现问题待后续处理'), 'an unpublished result is not on the entity page');
    t.notOk(other.includes('渝中区解放碑民族路'), 'no address (not a public field)');
  });

  t.test('ledger page verifies the whole chain and shows the first broken entry', async (t) => {
    const body = (await get('/ledger')).body;
    t.match(
      body,
      /<div class="verdict ok" id="chain-check" data-state="ok"><span class="big">服务器自检：链完整<\/span>/,
      "the server's own check, labelled as such",
    );
    const head = (await api('GET', '/public/v1/ledger/head', { token: null })).json();
    t.ok(body.includes(head.hash), 'the head hash');
    t.ok(body.includes('计划承诺') && body.includes('抽取') && body.includes('结果公开'), 'kinds in Chinese');
    const onePlan = (await get(`/ledger?plan=${s.committedPlanId}`)).body;
    t.notOk(onePlan.includes(`href="/plans/${s.drawnPlanId}"`), 'filtered by plan');

    // Tamper with entry 2 behind the trigger's back (as a superuser could): the page must say so.
    await asAdmin(database).rawTransaction(async (tx) => {
      await tx.query('ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_delete');
      await tx.query(`UPDATE ledger SET body = '{"tampered": true}' WHERE seq = 2`);
      await tx.query('ALTER TABLE ledger ENABLE TRIGGER ledger_no_update_delete');
    });
    const broken = (await get('/ledger')).body;
    t.match(broken, /<div class="verdict bad" id="chain-check" data-state="bad"><span class="big">服务器自检：链已损坏，第 2 条记录<\/span>/);
    t.match(broken, /hash mismatch/);
  });

  t.test('with the default periodic full walk, a broken chain is found and never remembered as verified', async (t) => {
    // A second instance on the same database, with the default periodic full walk.
    const second = await buildTestApp(t, { database: { database, url: null } });
    const view = async () => (await second.app.inject({ method: 'GET', url: '/ledger' })).body;
    const first = await view();
    t.match(first, /链已损坏，第 2 条记录/, 'its first view walks the whole chain and finds the earlier tampering');
    // (The incremental path on a clean chain is tested in portal-ledger.test.ts.)
    const again = await view();
    t.match(again, /链已损坏，第 2 条记录/, 'a broken chain is re-walked on every view');
  });

  t.test('assets: the stylesheet and the verifier bundle, cached by ETag', async (t) => {
    const css = await get('/assets/portal.css');
    t.equal(css.statusCode, 200);
    t.match(css.headers['content-type'], /^text\/css/);
    const js = await get('/assets/verifier.js');
    t.equal(js.statusCode, 200);
    t.match(js.headers['content-type'], /^text\/javascript/);
    t.notMatch(js.body, /\brequire\(|\bimport\s*\(/, 'self-contained');
    t.ok(js.body.includes('draw-v1'), 'bundles the core');
    const again = (await app.inject({ url: '/assets/verifier.js', headers: { 'if-none-match': String(js.headers.etag) } })) as unknown as Res;
    t.equal(again.statusCode, 304, 'not modified');
    t.match(js.headers.etag, /^"[\w-]{27}"$/);
  });
});
