/**
 * Verification anyone can do, in real headless Chromium (Debian's /usr/bin/chromium via playwright-core):
 *
 * - /verify/{planId} with no file: the page downloads the public record and the whole ledger, hashes the
 *   chain itself and runs the core's public checks — green on the real data, red (naming the check) when the
 *   ledger response or the public record is forged in flight (page.route);
 * - the full replay from the replay bundle (downloaded through the API with an auditor token) is green, and red
 *   on a bundle or a task file whose task file was tampered with;
 * - /ledger verifies the chain in the browser, and shows the server's own check labelled as its claim.
 *
 * Screenshots go to test/output/ (gitignored).
 */
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createTarGzip, parseTar } from 'nanotar';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import { buildTestApp } from '../helper.ts';
import { runDraw } from '../../src/core/draw/run.ts';
import { buildLedgerEntry, type LedgerEntry } from '../../src/core/ledger.ts';
import { buildDrawRecord, type CommitRecord } from '../../src/core/replay.ts';
import { seedPortalScenario } from '../portal-fixture.ts';

declare function getComputedStyle(element: unknown): { backgroundColor: string };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = new URL('../output/', import.meta.url).pathname;
const GREEN = 'rgb(218, 251, 225)';
const RED = 'rgb(255, 235, 233)';

t.test('verification anyone can do, in Chromium', async (t) => {
  const { app, api } = await buildTestApp(t);
  const s = await seedPortalScenario(api, { entities: 60, results: 2 });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const auditor = (await api('POST', '/api/v1/tokens', { body: { role: 'auditor' } })).json().token as string;
  const planId = s.drawnPlanId;

  const dir = mkdtempSync(join(tmpdir(), 'suicha-verify-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const download = async (path: string, name: string) => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${auditor}` } });
    t.equal(res.status, 200, `download ${path}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    writeFileSync(join(dir, name), bytes);
    return { path: join(dir, name), bytes };
  };
  const bundle = await download(`/api/v1/plans/${planId}/bundle.tar.gz`, `${planId}.tar.gz`);
  const files: Record<string, string> = {};
  for (const name of ['entities.tsv', 'inspectors.tsv', 'recusals.tsv', 'tasks.tsv']) {
    files[name] = (await download(`/api/v1/plans/${planId}/snapshot/${name}`, name)).path;
  }

  // A tampered task file: the first two tasks' entities swapped (every line still well-formed).
  const taskText = (await api('GET', `/api/v1/plans/${planId}/snapshot/tasks.tsv`, { token: auditor })).body;
  const lines = taskText.split('\n');
  const [a, b] = [lines[0].split('\t'), lines[1].split('\t')];
  [a[1], b[1]] = [b[1], a[1]];
  const tamperedTasks = [a.join('\t'), b.join('\t'), ...lines.slice(2)].join('\n');
  t.not(tamperedTasks, taskText);
  const tamperedTaskFile = join(dir, 'tasks-tampered.tsv');
  writeFileSync(tamperedTaskFile, tamperedTasks);
  // The same tampering inside the bundle, re-packed.
  const entries = parseTar(gunzipSync(bundle.bytes));
  const tamperedBundle = join(dir, `${planId}-tampered.tar.gz`);
  writeFileSync(
    tamperedBundle,
    await createTarGzip(
      entries
        .filter((e) => e.type === 'file' || e.type === undefined)
        .map((e) => ({ name: e.name, data: e.name.endsWith('/tasks.tsv') ? new TextEncoder().encode(tamperedTasks) : e.data! })),
    ),
  );
  t.ok(
    entries.some((e) => e.name === `${planId}/tasks.tsv`),
    'the bundle holds the task file in a folder named by the plan',
  );

  mkdirSync(OUTPUT, { recursive: true });
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const problems: string[] = [];
  const newPage = async () => {
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
    });
    return page;
  };
  const shot = (p: Page, name: string) => p.screenshot({ path: join(OUTPUT, `verify-${name}.png`), fullPage: true });
  const settled = async (p: Page, id: string) => {
    await p.locator(`#${id}[data-state="ok"], #${id}[data-state="bad"]`).waitFor({ timeout: 60_000 });
    const box = p.locator(`#${id}`);
    return {
      state: await box.getAttribute('data-state'),
      text: (await box.textContent()) ?? '',
      bg: await box.evaluate((e) => getComputedStyle(e).backgroundColor),
    };
  };
  const checkClass = (p: Page, code: string) => p.locator(`#public-checks li[data-check="${code}"]`).getAttribute('class');
  const isLedgerPage = (url: URL) => url.pathname === '/public/v1/ledger';

  t.test('citizen verification passes with no file', async (t) => {
    const page = await newPage();
    await page.goto(`${base}/verify/${planId}`);
    const v = await settled(page, 'public-verdict');
    t.equal(v.state, 'ok', v.text);
    t.equal(v.bg, GREEN, 'green');
    t.match(v.text, '公开核验通过');
    for (const code of [
      'commitment',
      'seed',
      'strata',
      'task_count',
      'task_unique',
      'task_order',
      'team_size',
      'ledger_chain',
      'ledger_records',
      'entropy_timing',
    ]) {
      t.equal(await checkClass(page, code), 'ok', `${code} passed`);
    }
    t.equal(await page.locator('#public-checks li.bad').count(), 0, 'nothing failed');
    const summary = (await page.locator('#public-summary').textContent()) ?? '';
    t.match(summary, /您（任何人）已完成的核验：服务器种子与承诺值、/);
    t.match(summary, '公开账本哈希链');
    t.match(summary, '需要审计人员文件才能完成的核验：快照文件与摘要一致、按协议重放抽取、任务文件与 taskDigest 一致');
    t.match(await page.locator('#chain-progress-text').textContent(), /已下载并重算全部 \d+ 条账本记录的哈希/);
    t.equal(await page.locator('#rec-revision').textContent(), '第 2 版（任务按对象标识排序，附任务文件摘要 taskDigest）');
    await shot(page, 'citizen-ok');
    await page.close();
  });

  t.test('citizen verification fails on a forged ledger entry', async (t) => {
    const page = await newPage();
    await page.route(isLedgerPage, async (route: Route) => {
      const response = await route.fetch();
      const json = await response.json();
      const entry = json.items.find((e: { kind: string; planId: string }) => e.kind === 'plan.committed' && e.planId === s.committedPlanId);
      if (entry) entry.body.entropySource = '伪造的公开随机数来源';
      await route.fulfill({ response, json });
    });
    await page.goto(`${base}/verify/${planId}`);
    const v = await settled(page, 'public-verdict');
    t.equal(v.state, 'bad', v.text);
    t.equal(v.bg, RED, 'red');
    t.match(v.text, /公开核验未通过/);
    t.match(v.text, /不一致的项目：[^。]*公开账本哈希链/);
    t.equal(await checkClass(page, 'ledger_chain'), 'bad', 'the chain check failed');
    t.match(await page.locator('#public-checks li[data-check="ledger_chain"] .msg').first().textContent(), /hash mismatch/);
    t.equal(await checkClass(page, 'seed'), 'ok', 'the record itself still checks');
    await shot(page, 'citizen-forged-ledger');
    await page.close();
  });

  t.test('citizen verification fails on a forged public record', async (t) => {
    const page = await newPage();
    await page.route(`${base}/public/v1/plans/${planId}`, async (route: Route) => {
      const response = await route.fetch();
      const json = await response.json();
      json.draw.seed = json.draw.seed.replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
      await route.fulfill({ response, json });
    });
    await page.goto(`${base}/verify/${planId}`);
    const v = await settled(page, 'public-verdict');
    t.equal(v.state, 'bad', v.text);
    t.equal(v.bg, RED, 'red');
    t.match(v.text, /不一致的项目：[^。]*随机种子/);
    t.equal(await checkClass(page, 'seed'), 'bad', 'the seed check failed');
    t.equal(await checkClass(page, 'commitment'), 'ok', 'the commitment still holds');
    t.equal(await checkClass(page, 'ledger_chain'), 'ok', 'the chain itself is whole');
    t.equal(await checkClass(page, 'ledger_records'), 'bad', 'but the ledger holds another record');
    await shot(page, 'citizen-forged-record');
    await page.close();
  });

  // Pages of 4 tasks (the service's cap is 1000): the verifier must walk every page, wait out a 429, and notice
  // a task missing from a later page.
  const smallPages = async (page: Page, options: { throttleOnce?: boolean; dropFromPage?: number } = {}) => {
    const taskPages: string[] = [];
    let throttled = false;
    await page.route(`${base}/public/v1/plans/${planId}`, async (route: Route) => {
      const response = await route.fetch({ url: `${base}/public/v1/plans/${planId}?limit=4` });
      await route.fulfill({ response });
    });
    await page.route(
      (url: URL) => url.pathname === `/public/v1/plans/${planId}/tasks`,
      async (route: Route) => {
        const url = new URL(route.request().url());
        taskPages.push(url.searchParams.get('cursor') ?? '');
        if (options.throttleOnce && !throttled) {
          throttled = true;
          const body = { error: 'too_many_requests', message: 'too many requests from this address', details: [] };
          return route.fulfill({ status: 429, headers: { 'retry-after': '1' }, json: body });
        }
        url.searchParams.set('limit', '4');
        const response = await route.fetch({ url: url.toString() });
        const json = await response.json();
        if (taskPages.length === options.dropFromPage) json.items.pop();
        await route.fulfill({ response, json });
      },
    );
    return taskPages;
  };

  t.test('citizen verification walks every task page, waiting out a 429', async (t) => {
    const page = await newPage();
    const before = problems.length;
    const taskPages = await smallPages(page, { throttleOnce: true });
    await page.goto(`${base}/verify/${planId}`);
    const v = await settled(page, 'public-verdict');
    t.equal(v.state, 'ok', v.text);
    t.equal(await checkClass(page, 'task_count'), 'ok');
    const taskCount = (await api('GET', `/public/v1/plans/${planId}/record.json`, { token: null })).json().draw.tasks.length as number;
    t.ok(taskCount > 8, `${taskCount} tasks: several pages of 4`);
    // every page after the first once, and the throttled one twice
    t.equal(taskPages.length, Math.ceil(taskCount / 4) - 1 + 1);
    await page.close();
    // Chromium logs the answer it was given, the 429, as a console error: that one was meant.
    const meant = problems.splice(before).filter((p) => !/429 \(Too Many Requests\)/.test(p));
    problems.push(...meant);
  });

  t.test('citizen verification fails when a later task page leaves a task out', async (t) => {
    const page = await newPage();
    await smallPages(page, { dropFromPage: 2 });
    await page.goto(`${base}/verify/${planId}`);
    const v = await settled(page, 'public-verdict');
    t.equal(v.state, 'bad', v.text);
    t.not(await page.locator('#public-checks li.bad').count(), 0, 'a check failed');
    await page.close();
  });

  t.test('full replay from the replay bundle', async (t) => {
    const page = await newPage();
    await page.goto(`${base}/verify/${planId}`);
    await settled(page, 'public-verdict');
    await page.getByLabel('重放包（.tar.gz）').setInputFiles(bundle.path);
    await page.getByRole('button', { name: '开始验证' }).click();
    const v = await settled(page, 'verdict');
    t.equal(v.state, 'ok', v.text);
    t.equal(v.bg, GREEN, 'green');
    t.match(v.text, /验证通过/);
    t.match(v.text, '任务文件与 taskDigest 一致');
    t.match(v.text, new RegExp(`${s.tasks.length} 项任务与公开记录完全一致`));
    t.equal(await page.locator('#replay-steps li[data-step="taskDigest"]').getAttribute('class'), 'ok', 'the taskDigest step ran');
    t.equal(await page.locator('#replay-steps li.bad').count(), 0);
    await shot(page, 'bundle-ok');

    // The same bundle with its task file tampered with.
    await page.getByLabel('重放包（.tar.gz）').setInputFiles(tamperedBundle);
    await page.getByRole('button', { name: '开始验证' }).click();
    const bad = await settled(page, 'verdict');
    t.equal(bad.state, 'bad', bad.text);
    t.equal(bad.bg, RED, 'red');
    t.match(bad.text, /第一处不一致：任务文件与 taskDigest/);
    t.equal(await page.locator('#replay-steps li[data-step="taskDigest"]').getAttribute('class'), 'bad');
    t.equal(await page.locator('#replay-steps li[data-step="seed"]').getAttribute('class'), 'ok', 'the seed still matched');
    await shot(page, 'bundle-tampered');
    await page.close();
  });

  t.test('full replay from the separate files; red on a tampered task file', async (t) => {
    const page = await newPage();
    await page.goto(`${base}/verify/${planId}`);
    await settled(page, 'public-verdict');
    await page.getByLabel('检查对象快照（entities.tsv）').setInputFiles(files['entities.tsv']);
    await page.getByLabel('执法检查人员快照（inspectors.tsv）').setInputFiles(files['inspectors.tsv']);
    await page.getByLabel('回避关系快照（recusals.tsv）').setInputFiles(files['recusals.tsv']);
    await page.getByLabel('任务文件（tasks.tsv，第 2 版记录）').setInputFiles(files['tasks.tsv']);
    await page.getByRole('button', { name: '开始验证' }).click();
    const v = await settled(page, 'verdict');
    t.equal(v.state, 'ok', v.text);
    await page.getByLabel('任务文件（tasks.tsv，第 2 版记录）').setInputFiles(tamperedTaskFile);
    await page.getByRole('button', { name: '开始验证' }).click();
    const bad = await settled(page, 'verdict');
    t.equal(bad.state, 'bad', bad.text);
    t.match(bad.text, /第一处不一致：任务文件与 taskDigest/);
    await shot(page, 'files-tampered-tasks');
    await page.close();
  });

  t.test('a revision-1 plan keeps verifying: public checks and the full replay without a task file', async (t) => {
    // The same draw as revision 1 published it, with a ledger (re-chained) whose bodies are those records.
    const pub = (await api('GET', `/public/v1/plans/${planId}`, { token: null })).json();
    const { records: _r, entropyAt: _e, poolRule: _p, ...rev1Commit } = pub.commit as CommitRecord;
    const snapshot = async (f: string) => (await api('GET', `/api/v1/plans/${planId}/snapshot/${f}`, { token: auditor })).body;
    const result = runDraw({
      entitySnapshot: await snapshot('entities.tsv'),
      inspectorSnapshot: await snapshot('inspectors.tsv'),
      recusalSnapshot: await snapshot('recusals.tsv'),
      gradeOrder: rev1Commit.gradeOrder,
      ratiosBp: Object.fromEntries(rev1Commit.strata.map((x) => [x.grade, x.ratioBp])),
      inspectorsPerTask: rev1Commit.inspectorsPerTask,
      serverSeed: pub.draw.serverSeed,
      publicEntropy: pub.draw.publicEntropy,
    });
    const rev1Draw = buildDrawRecord({
      commit: rev1Commit,
      serverSeed: pub.draw.serverSeed,
      publicEntropy: pub.draw.publicEntropy,
      result,
      drawnAt: pub.draw.drawnAt,
      includeGrades: false,
    });
    t.equal(rev1Draw.records, undefined, 'a revision-1 draw record');
    const original: LedgerEntry[] = (await api('GET', '/public/v1/ledger?from=1&limit=1000', { token: null })).json().items;
    const strip = (o: object, k: string) => Object.fromEntries(Object.entries(o).filter(([key]) => key !== k));
    let prev: LedgerEntry | null = null;
    const ledger: LedgerEntry[] = [];
    for (const e of original) {
      let body = e.body;
      if (e.planId === planId && e.kind === 'plan.committed') body = strip(rev1Commit, 'committedAt');
      if (e.planId === planId && e.kind === 'plan.drawn') body = strip(rev1Draw, 'drawnAt');
      prev = buildLedgerEntry(prev, { kind: e.kind, planId: e.planId, at: e.at, body }).entry;
      ledger.push(prev);
    }
    const page = await newPage();
    await page.route(`${base}/public/v1/plans/${planId}`, (route: Route) => route.fulfill({ json: { ...pub, commit: rev1Commit, draw: rev1Draw } }));
    await page.route(isLedgerPage, (route: Route) => route.fulfill({ json: { items: ledger, from: 1, limit: 1000, next: null } }));
    await page.route(`${base}/public/v1/ledger/head`, (route: Route) => route.fulfill({ json: { seq: prev!.seq, hash: prev!.hash } }));
    await page.goto(`${base}/verify/${planId}`);
    const v = await settled(page, 'public-verdict');
    t.equal(v.state, 'ok', v.text);
    t.equal(await page.locator('#rec-revision').textContent(), '第 1 版');
    t.equal(await checkClass(page, 'task_order'), 'ok');
    t.equal(await checkClass(page, 'ledger_records'), 'ok', 'the ledger holds the revision-1 records');
    t.equal(await checkClass(page, 'entropy_timing'), 'na', 'revision 1 announced no entropyAt');
    await page.getByLabel('检查对象快照（entities.tsv）').setInputFiles(files['entities.tsv']);
    await page.getByLabel('执法检查人员快照（inspectors.tsv）').setInputFiles(files['inspectors.tsv']);
    await page.getByLabel('回避关系快照（recusals.tsv）').setInputFiles(files['recusals.tsv']);
    await page.getByRole('button', { name: '开始验证' }).click();
    const full = await settled(page, 'verdict');
    t.equal(full.state, 'ok', full.text);
    t.notMatch(full.text, 'taskDigest', 'no task-file step in revision 1');
    t.equal(await page.locator('#replay-steps li[data-step="taskDigest"]').getAttribute('class'), 'na');
    t.equal(await page.locator('#replay-steps li[data-step="tasks"]').getAttribute('class'), 'ok');
    await shot(page, 'rev1-ok');
    await page.close();
  });

  t.test('/ledger verifies the chain in the browser', async (t) => {
    const page = await newPage();
    await page.goto(`${base}/ledger`);
    const v = await settled(page, 'browser-chain-check');
    t.equal(v.state, 'ok', v.text);
    t.match(v.text, '浏览器校验：链完整');
    t.match(await page.locator('#chain-check').textContent(), '服务器自检');
    t.match(await page.locator('main').textContent(), '服务器自检（服务器的声明）');
    await shot(page, 'ledger-ok');
    await page.route(isLedgerPage, async (route: Route) => {
      const response = await route.fetch();
      const json = await response.json();
      if (json.items[1]) json.items[1].at = '2000-01-01T00:00:00.000Z';
      await route.fulfill({ response, json });
    });
    await page.goto(`${base}/ledger`);
    const bad = await settled(page, 'browser-chain-check');
    t.equal(bad.state, 'bad', bad.text);
    t.match(bad.text, '浏览器校验：链已损坏，第 2 条记录');
    t.equal(await page.locator('#chain-check').getAttribute('data-state'), 'ok', "the server's claim is unchanged");
    await shot(page, 'ledger-forged');
    await page.close();
  });

  t.test('no script errors or CSP violations', async (t) => {
    t.same(problems, []);
  });
});
