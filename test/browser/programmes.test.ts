/**
 * The portal's annual-programme pages (年度抽查工作计划) in real headless Chromium, desktop and phone: the list, a
 * joint programme's 计划公告 with its lines, batches, per-grade budget and progress, the link from a plan of it and
 * back, without JavaScript, and axe-core with no serious or critical violation. Screenshots go to test/output/.
 */
import t from 'tap';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildTestApp, commitAndWait, signPending, type TestApp } from '../helper.ts';
import { chinaDate, chinaYear } from '../../src/core/calendar.ts';
import { planBody, seedDirectories } from '../fixtures/directories.ts';

declare const document: { documentElement: { scrollWidth: number; clientWidth: number } };
declare const axe: { run(context?: unknown, options?: unknown): Promise<{ violations: AxeViolation[] }> };
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = new URL('../output/', import.meta.url).pathname;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const YEAR = chinaYear(new Date());
const TODAY = chinaDate(new Date());
const BATCHES = [
  { from: `${YEAR}-01-01`, to: `${YEAR}-06-30`, title: '上半年' },
  { from: `${YEAR}-07-01`, to: `${YEAR}-12-31`, title: '下半年' },
];
const CURRENT = TODAY <= `${YEAR}-06-30` ? 1 : 2;
const TITLE = `${YEAR} 年度渝中区市场监管领域部门联合双随机抽查工作计划`;

async function seedScenario(app: TestApp) {
  const names = ['重庆市渝中区解放碑餐饮管理有限公司', '重庆山城火锅店', '渝中区朝天门批发市场经营部', '重庆市两路口药房有限公司'];
  await seedDirectories(app.database.db, {
    departments: [
      { code: 'SCJG', name: '渝中区市场监督管理局' },
      { code: 'WJW', name: '渝中区卫生健康委员会' },
    ],
    items: [
      { code: 'SCJG-SP', name: '食品经营者落实食品安全主体责任情况检查', departmentCode: 'SCJG', gradeScheme: 'credit-4' },
      { code: 'WJW-GW', name: '公共场所卫生监督检查', departmentCode: 'WJW', gradeScheme: 'credit-4' },
    ],
    entities: Array.from({ length: 12 }, (_, i) => ({ id: `91500103MA${String(i).padStart(8, '0')}`, name: `${names[i % 4]}${i}` })),
    grades: Array.from({ length: 12 }, (_, i) => ({ entityId: `91500103MA${String(i).padStart(8, '0')}`, scheme: 'credit-4', grade: 'ABCD'[i % 4] })),
    inspectors: [
      { id: 'S-1', name: '张伟', departmentCode: 'SCJG' },
      { id: 'S-2', name: '李娜', departmentCode: 'SCJG' },
      { id: 'W-1', name: '王芳', departmentCode: 'WJW' },
      { id: 'W-2', name: '刘洋', departmentCode: 'WJW' },
    ],
  });
  const created = await app.api('POST', '/api/v1/programmes', {
    body: {
      year: YEAR,
      title: TITLE,
      departments: ['SCJG', 'WJW'],
      notes: '依据《重庆市社会信用体系建设联席会议办公室关于印发〈重庆市信用分级分类监管办法〉的通知》。\n联系电话：023-00000000',
      lines: [
        { item: 'SCJG-SP', ratiosBp: { A: 2000, B: 3000, C: 5000, D: 10000 }, batches: BATCHES, notes: '第二批以学校周边为重点' },
        { item: 'WJW-GW', baseRatioBp: 4000, batches: BATCHES },
      ],
    },
  });
  if (created.statusCode !== 201) throw new Error(created.body);
  const id = created.json().id as string;
  const published = await app.api('POST', `/api/v1/programmes/${id}/publish`);
  if (published.statusCode !== 200) throw new Error(published.body);

  const plan = await app.api('POST', '/api/v1/plans', {
    body: planBody({
      title: `${YEAR} 年第 ${CURRENT} 批食品经营双随机抽查`,
      items: ['SCJG-SP'],
      ratiosBp: { A: 1000, B: 1500, C: 2500, D: 5000 },
      inspectorsPerTask: { SCJG: 2 },
      programme: id,
      batch: CURRENT,
    }),
  });
  if (plan.statusCode !== 201) throw new Error(plan.body);
  const planId = plan.json().id as string;
  if ((await commitAndWait(app, planId)).statusCode !== 201) throw new Error('commit');
  const draw = await app.api('POST', `/api/v1/plans/${planId}/draw`, { body: { publicEntropy: '掷骰 3 5 1 6' } });
  if (draw.statusCode !== 201) throw new Error(draw.body);
  const task = (await app.api('GET', `/api/v1/tasks?plan=${planId}&limit=10`)).json().items[0];
  const result = await app.api('PUT', `/api/v1/tasks/${task.id}/result`, {
    body: { resultCode: 'no-issue', inspectedOn: TODAY, findings: '未发现问题', followUp: 'none', department: 'SCJG' },
  });
  if (result.statusCode !== 201) throw new Error(result.body);
  await signPending(app, planId);
  const pub = await app.api('POST', `/api/v1/plans/${planId}/publish`, { body: { scope: 'finished' } });
  if (pub.statusCode !== 201) throw new Error(pub.body);
  return { id, planId, drawn: (draw.json().tasks as unknown[]).length };
}

/** axe-core in the page: the serious and critical violations (the page's CSP is bypassed for the injection only). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const { violations } = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

t.test('programme pages in Chromium', async (t) => {
  const app = await buildTestApp(t);
  const s = await seedScenario(app);
  const base = await app.app.listen({ host: '127.0.0.1', port: 0 });
  mkdirSync(OUTPUT, { recursive: true });
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  t.teardown(() => browser.close());
  const problems: string[] = [];
  const open = async (options: Parameters<Browser['newContext']>[0]) => {
    const context = await browser.newContext({ locale: 'zh-CN', bypassCSP: true, ...options });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    return page;
  };

  t.test('desktop: the list, the 计划公告 and the way to its plans', async (t) => {
    const page = await open({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${base}/`);
    await page.getByRole('link', { name: '年度计划' }).click();
    await page.waitForURL(/\/programmes$/);
    t.equal(await page.locator('h1').textContent(), '年度抽查工作计划');
    t.equal(await page.locator('nav[aria-label="主导航"] a[aria-current="page"]').textContent(), '年度计划');
    await page.screenshot({ path: join(OUTPUT, 'programmes-list.png'), fullPage: true });
    t.same(await axeViolations(page), [], 'list: no serious or critical axe violation');

    await page.getByRole('link', { name: TITLE }).click();
    await page.waitForURL(new RegExp(`/programmes/${s.id}$`));
    t.equal(await page.locator('h1').textContent(), TITLE);
    t.ok(await page.getByText('渝中区市场监督管理局、渝中区卫生健康委员会（部门联合抽查）').isVisible(), 'a joint programme');
    t.ok(await page.getByText('联系电话：023-00000000').isVisible(), 'the notes, line breaks kept');
    t.equal(await page.locator('section.programme-line').count(), 2, 'one section per line');
    const food = page.locator('section.programme-line').first();
    t.ok(await food.getByText('第 2 批（下半年）').isVisible());
    t.ok(await food.getByText('一般检查事项', { exact: false }).isVisible());
    // Grade A: 3 entities at 20% → planned 1.
    const rowA = food.locator('tbody tr').first();
    t.equal(await rowA.locator('td').nth(2).textContent(), '1', 'planned per grade');
    t.equal(await food.locator('tr.total td').nth(4).textContent(), String(s.drawn), 'drawn so far');
    t.equal(await food.locator('#inspected-0').textContent(), '1', 'the published result counts');
    t.equal(await food.getByText('不分等级公开').count(), 4, 'published results are not broken down by non-public grades');
    t.equal(await page.locator(`a[href="/plans/${s.planId}"]`).count(), 1, 'the plan of the programme');
    await page.screenshot({ path: join(OUTPUT, 'programme-desktop.png'), fullPage: true });
    t.same(await axeViolations(page), [], 'detail: no serious or critical axe violation');

    await page.locator(`a[href="/plans/${s.planId}"]`).click();
    await page.waitForURL(new RegExp(`/plans/${s.planId}$`));
    t.ok(await page.locator('#programme-link').isVisible(), 'the plan names its programme');
    t.equal(await page.locator('#programme-link').textContent(), TITLE);
    t.ok(await page.locator('#pool-rule').getByText(`${s.id} 第 ${CURRENT} 批`).isVisible(), 'and the commit record binds it');
    await page.screenshot({ path: join(OUTPUT, 'programme-plan.png'), fullPage: true });
    await page.locator('#programme-link').click();
    await page.waitForURL(new RegExp(`/programmes/${s.id}$`));

    await page.goto(`${base}/programmes/PROG-2000-0001`);
    t.match(await page.locator('main').textContent(), /没有编号为 PROG-2000-0001 的已公告年度计划/);
  });

  t.test('phone, without JavaScript: everything readable, nothing wider than the screen', async (t) => {
    const page = await open({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, javaScriptEnabled: false });
    await page.goto(`${base}/programmes`);
    await page.screenshot({ path: join(OUTPUT, 'programmes-list-phone.png'), fullPage: true });
    await page.goto(`${base}/programmes/${s.id}`);
    t.equal(await page.locator('h1').textContent(), TITLE);
    t.ok(await page.locator('section.programme-line').first().getByText('计划抽查数').first().isVisible(), 'stacked tables keep their labels');
    await page.screenshot({ path: join(OUTPUT, 'programme-phone.png'), fullPage: true });
    const js = await open({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await js.goto(`${base}/programmes/${s.id}`);
    const width = await js.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    t.ok(width[0] <= width[1], `no horizontal scrolling (${width[0]} ≤ ${width[1]})`);
    t.same(await axeViolations(js), [], 'phone: no serious or critical axe violation');
  });

  t.same(problems, [], 'no page errors');
});
