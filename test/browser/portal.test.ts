/**
 * The portal in real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): the app listens
 * on 127.0.0.1, data is made through the management API, snapshot files are downloaded through the auditor
 * API, and the in-browser verifier must turn green on them and red on tampered inputs. Full-page screenshots
 * go to test/output/ (gitignored) for a person to look at.
 */
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildTestApp } from '../helper.ts';
import { seedPortalScenario, XSS_NAME } from '../portal-fixture.ts';

// The evaluate callbacks below run in the page (Chromium), not in Node. The project's tsconfig has no DOM
// library (only src/verifier's has), so the few browser globals they use are declared here.
declare const document: { activeElement: { textContent: string | null } | null; documentElement: { scrollWidth: number; clientWidth: number } };
declare function getComputedStyle(element: unknown): { backgroundColor: string };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = new URL('../output/', import.meta.url).pathname;

t.test('portal in Chromium', async (t) => {
  const { app, api } = await buildTestApp(t);
  const s = await seedPortalScenario(api, { entities: 60, results: 4 });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const auditor = await (async () => {
    const res = await api('POST', '/api/v1/tokens', { body: { role: 'auditor' } });
    return res.json().token as string;
  })();

  // The three snapshot files, exactly as an auditor downloads them.
  const dir = mkdtempSync(join(tmpdir(), 'suicha-portal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {};
  for (const name of ['entities.tsv', 'inspectors.tsv', 'recusals.tsv', 'tasks.tsv']) {
    const res = await fetch(`${base}/api/v1/plans/${s.drawnPlanId}/snapshot/${name}`, { headers: { authorization: `Bearer ${auditor}` } });
    t.equal(res.status, 200, `download ${name}`);
    files[name] = join(dir, name);
    writeFileSync(files[name], Buffer.from(await res.arrayBuffer()));
  }
  const entitiesText = (await api('GET', `/api/v1/plans/${s.drawnPlanId}/snapshot/entities.tsv`, { token: auditor })).body;
  // Tampered: one entity's grade changed (the file no longer matches its committed digest).
  const tampered = join(dir, 'entities-tampered.tsv');
  writeFileSync(tampered, entitiesText.replace(/\tA\n/, '\tB\n'));
  // Tampered records: the published draw record with task 1's entity swapped for another pool entity.
  const record = (await api('GET', `/public/v1/plans/${s.drawnPlanId}/record.json`, { token: null })).json();
  const drawnIds = new Set(record.draw.tasks.map((x: { entityId: string }) => x.entityId));
  const forged = structuredClone(record);
  forged.draw.tasks[0].entityId = s.entities.find((e) => !drawnIds.has(e.id))!.id;
  const forgedFile = join(dir, 'forged-records.json');
  writeFileSync(forgedFile, JSON.stringify(forged));

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
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy|Permissions-Policy/.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('dialog', (d) => {
      problems.push(`dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    return page;
  };
  const page = watch(await context.newPage());
  const shot = (name: string, p: Page = page) => p.screenshot({ path: join(OUTPUT, `portal-${name}.png`), fullPage: true });

  t.test('plans list and its filters', async (t) => {
    await page.goto(`${base}/`);
    t.equal(await page.locator('h1').textContent(), '双随机抽查计划');
    t.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    t.equal(await page.locator(`a[href="/plans/${s.drawnPlanId}"]`).count(), 1, 'the drawn plan');
    t.equal(await page.locator(`a[href="/plans/${s.committedPlanId}"]`).count(), 1, 'the committed plan');
    t.equal(await page.getByText('DRAFT-不应公开的草稿计划').count(), 0, 'no draft');
    await shot('home');
    await page.getByLabel('状态').selectOption('drawn');
    await page.getByRole('button', { name: '筛选' }).click();
    await page.waitForURL(/status=drawn/);
    t.equal(await page.locator(`a[href="/plans/${s.committedPlanId}"]`).count(), 0, 'filtered out');
    t.equal(await page.locator(`a[href="/plans/${s.drawnPlanId}"]`).count(), 1, 'still listed');
    // the skip link is the first thing the keyboard reaches
    await page.keyboard.press('Tab');
    t.equal(await page.evaluate(() => document.activeElement?.textContent), '跳到正文');
  });

  t.test('plan page: drawn entities and published results', async (t) => {
    await page.goto(`${base}/`);
    await page.locator(`a[href="/plans/${s.drawnPlanId}"]`).click();
    await page.waitForURL(new RegExp(`/plans/${s.drawnPlanId}$`));
    t.equal(await page.locator('h1').textContent(), '2026年渝中区餐饮服务食品安全双随机抽查');
    t.equal(await page.locator('#task-list tbody tr').count(), s.tasks.length, 'one row per drawn entity');
    t.equal(await page.locator('#task-list .result-ok, #task-list .result-bad').count(), 4, 'four published results');
    t.equal(await page.locator('#entropy-timing').getAttribute('data-state'), 'ok', 'drawn after the announced time');
    t.ok(await page.getByText('未发现问题').first().isVisible(), 'a result label');
    t.ok(await page.getByText('服务器种子', { exact: true }).isVisible());
    // Listed by entity id, never in draw order (records revision 2, non-public grades): no seq column.
    const firstId = s.tasks.map((x) => x.entityId).sort()[0];
    const firstName = s.entities.find((e) => e.id === firstId)!.name;
    t.equal(await page.locator('#task-list tbody tr').first().locator('td').first().locator('a').textContent(), firstName);
    t.equal(await page.locator('#task-list th', { hasText: '序号' }).count(), 0, 'no draw order shown');
    await shot('plan');
  });

  t.test('entity search, with a name that carries markup', async (t) => {
    await page.goto(`${base}/entities`);
    await page.getByLabel('名称或统一社会信用代码').fill('小面馆');
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForURL(/\/entities\?q=/);
    const link = page.locator(`a[href="/entities/${s.xssEntityId}"]`);
    t.equal(await link.textContent(), XSS_NAME, 'the markup is shown as text');
    await shot('entities');
    await link.click();
    t.equal(await page.locator('h1').textContent(), XSS_NAME);
    await page.goto(`${base}/entities/${s.tasks[0].entityId}`);
    t.ok(await page.getByText('已公开的抽查检查结果').isVisible());
    t.equal(await page.locator(`a[href="/plans/${s.drawnPlanId}"]`).count(), 1, 'its published inspection');
    await shot('entity');
  });

  t.test('ledger page', async (t) => {
    await page.goto(`${base}/ledger`);
    t.equal(await page.locator('#chain-check').getAttribute('data-state'), 'ok');
    t.match(await page.locator('#chain-check .big').textContent(), '链完整');
    await page.locator('#browser-chain-check[data-state="ok"], #browser-chain-check[data-state="bad"]').waitFor();
    t.equal(await page.locator('#browser-chain-check').getAttribute('data-state'), 'ok', 'the browser checked the chain too');
    await shot('ledger');
  });

  const chooseSnapshots = async (p: Page, entities = files['entities.tsv']) => {
    await p.getByLabel('检查对象快照（entities.tsv）').setInputFiles(entities);
    await p.getByLabel('执法检查人员快照（inspectors.tsv）').setInputFiles(files['inspectors.tsv']);
    await p.getByLabel('回避关系快照（recusals.tsv）').setInputFiles(files['recusals.tsv']);
    await p.getByLabel('任务文件（tasks.tsv，第 2 版记录）').setInputFiles(files['tasks.tsv']);
  };
  // The checks anyone can do run on load (they download the ledger); wait for them before going offline.
  const publicSettled = (p: Page) => p.locator('#public-verdict[data-state="ok"], #public-verdict[data-state="bad"]').waitFor();
  const verdict = async (p: Page) => {
    await p.locator('#verdict[data-state="ok"], #verdict[data-state="bad"]').waitFor();
    return { state: await p.locator('#verdict').getAttribute('data-state'), text: (await p.locator('#verdict').textContent()) ?? '' };
  };

  t.test('verifier: green on the downloaded snapshots, even offline', async (t) => {
    await page.goto(`${base}/verify/${s.drawnPlanId}`);
    await page.locator('#rec-status', { hasText: '已抽取' }).waitFor();
    await publicSettled(page);
    t.equal(await page.locator('#public-verdict').getAttribute('data-state'), 'ok', 'the public checks passed');
    t.equal(await page.locator('#verify-js-note').isVisible(), false, 'the no-JavaScript note is hidden');
    t.equal(await page.locator('#rec-commitment').textContent(), record.commit.commitment);
    await context.setOffline(true);
    await chooseSnapshots(page);
    await page.getByRole('button', { name: '开始验证' }).click();
    const v = await verdict(page);
    await context.setOffline(false);
    t.equal(v.state, 'ok', v.text);
    t.match(v.text, /验证通过/);
    t.match(v.text, new RegExp(`${s.tasks.length} 项任务与公开记录完全一致`));
    t.match(v.text, record.draw.seed, 'shows the recomputed seed');
    t.equal(await page.locator('#replay-steps li.ok').count(), await page.locator('#replay-steps li').count(), 'every step passed');
    const bg = await page.locator('#verdict').evaluate((e) => getComputedStyle(e).backgroundColor);
    t.equal(bg, 'rgb(218, 251, 225)', 'green');
    await shot('verify-ok');
  });

  t.test('verifier: red on a tampered snapshot file', async (t) => {
    await page.goto(`${base}/verify/${s.drawnPlanId}`);
    await page.locator('#rec-status', { hasText: '已抽取' }).waitFor();
    await publicSettled(page);
    await chooseSnapshots(page, tampered);
    await page.getByRole('button', { name: '开始验证' }).click();
    const v = await verdict(page);
    t.equal(v.state, 'bad');
    t.match(v.text, /验证未通过/);
    t.match(v.text, /第一处不一致：检查对象快照摘要/);
    t.equal(await page.locator('li[data-step="entitySnapshotDigest"]').getAttribute('class'), 'bad');
    t.equal(await page.locator('li[data-step="commitment"]').getAttribute('class'), 'ok');
    const bg = await page.locator('#verdict').evaluate((e) => getComputedStyle(e).backgroundColor);
    t.equal(bg, 'rgb(255, 235, 233)', 'red');
    await shot('verify-bad');
  });

  t.test('verifier: red on a forged record, naming the task', async (t) => {
    await page.goto(`${base}/verify/${s.drawnPlanId}`);
    await page.locator('#rec-status', { hasText: '已抽取' }).waitFor();
    await publicSettled(page);
    await page.getByLabel('（可选）改用已保存的记录 JSON 文件').setInputFiles(forgedFile);
    await page.locator('#rec-source', { hasText: 'forged-records.json' }).waitFor();
    await chooseSnapshots(page);
    await page.getByRole('button', { name: '开始验证' }).click();
    const v = await verdict(page);
    t.equal(v.state, 'bad');
    t.match(v.text, /第一处不一致：逐项比对抽取结果/);
    t.equal(await page.locator('li[data-step="seed"]').getAttribute('class'), 'ok', 'the seed still matched');
    await shot('verify-bad-task');
  });

  t.test('verifier: before the draw it checks the snapshot digests only', async (t) => {
    const committed: Record<string, string> = {};
    for (const name of ['entities.tsv', 'inspectors.tsv', 'recusals.tsv']) {
      const res = await fetch(`${base}/api/v1/plans/${s.committedPlanId}/snapshot/${name}`, { headers: { authorization: `Bearer ${auditor}` } });
      committed[name] = join(dir, `committed-${name}`);
      writeFileSync(committed[name], Buffer.from(await res.arrayBuffer()));
    }
    await page.goto(`${base}/verify/${s.committedPlanId}`);
    await page.locator('#rec-status', { hasText: '尚未抽取' }).waitFor();
    await publicSettled(page);
    t.match(await page.locator('#records-note').textContent(), '服务器种子将在抽取后公开');
    await page.getByLabel('检查对象快照（entities.tsv）').setInputFiles(committed['entities.tsv']);
    await page.getByLabel('执法检查人员快照（inspectors.tsv）').setInputFiles(committed['inspectors.tsv']);
    await page.getByLabel('回避关系快照（recusals.tsv）').setInputFiles(committed['recusals.tsv']);
    await page.getByRole('button', { name: '开始验证' }).click();
    const v = await verdict(page);
    t.equal(v.state, 'ok', v.text);
    t.match(v.text, /快照摘要一致/);
    t.equal(await page.locator('#replay-steps li.ok').count(), 3, 'the three digests');
    // the drawn plan's files are not this plan's
    await chooseSnapshots(page);
    await page.getByRole('button', { name: '开始验证' }).click();
    t.equal((await verdict(page)).state, 'bad');
  });

  t.test('phone width: no sideways scrolling', async (t) => {
    const phone = watch(await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' }));
    for (const [name, path] of [
      ['phone-plan', `/plans/${s.drawnPlanId}`],
      ['phone-home', '/'],
      ['phone-verify', `/verify/${s.drawnPlanId}`],
    ]) {
      await phone.goto(`${base}${path}`);
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      t.ok(overflow <= 0, `${path}: fits 390 px (overflow ${overflow})`);
      await shot(name, phone);
    }
    await phone.close();
  });

  t.test('no script errors, CSP violations or dialogs', async (t) => {
    t.same(problems, []);
  });
});
