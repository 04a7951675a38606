/**
 * `/programmes` and `/programmes/{id}`: the published annual programmes (年度抽查工作计划, the 计划公告) — what each
 * item is planned to draw per grade over the year and in which batches, the plans that carry it out, and how far
 * they have got. Counts of published results per grade only where the grades are public.
 */
import { html, type Html } from '../html.ts';
import { page, pager } from '../layout.ts';
import { num, percent, shortHash, statusBadge, time } from '../format.ts';
import { isPublicPlanStatus } from '../../domain/plans/status.ts';
import type { PublicProgrammeJson, PublicProgrammeSummaryJson } from '../../schemas/programmes.ts';

export interface ProgrammesView {
  page: number;
  pageSize: number;
  total: number;
  rows: PublicProgrammeSummaryJson[];
}

const departmentNames = (ds: Array<{ name: string }>) => ds.map((d) => d.name).join('、');

export function programmesPage(v: ProgrammesView): string {
  const rows = v.rows.map(
    (r) => html`<tr>
<td data-label="年度计划"><a href="/programmes/${encodeURIComponent(r.id)}">${r.title}</a><div class="muted small">${r.id}</div></td>
<td data-label="年度" class="nowrap">${r.year} 年</td>
<td data-label="实施部门">${departmentNames(r.departments)}${r.departments.length > 1 ? '（联合）' : ''}</td>
<td data-label="抽查事项" class="num">${num(r.items.length)}</td>
<td data-label="公告时间" class="nowrap">${time(r.publishedAt)}</td>
</tr>`,
  );
  const table = v.rows.length
    ? html`<div class="table-wrap"><table class="stack">
<caption>已公告的年度抽查工作计划（按年度从新到旧）</caption>
<thead><tr><th scope="col">年度计划</th><th scope="col">年度</th><th scope="col">实施部门</th><th scope="col" class="num">抽查事项</th><th scope="col">公告时间（北京时间）</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`
    : html`<p class="notice">暂无已公告的年度抽查工作计划。</p>`;
  return page({
    title: '年度抽查工作计划',
    nav: 'programmes',
    body: html`<h1>年度抽查工作计划</h1>
<p>年度计划在全年抽取之前公告：每个抽查事项各等级的年度抽查比例、计划抽查数和抽查批次。公告内容写入公开账本，此后不可更改；各批次的抽查计划按它执行。</p>
<p class="muted">共有年度计划 ${num(v.total)} 个。</p>
${table}
${pager({ page: v.page, pageSize: v.pageSize, total: v.total, href: (p) => (p > 1 ? `/programmes?page=${p}` : '/programmes'), label: '年度计划分页' })}`,
  });
}

type Line = PublicProgrammeJson['record']['lines'][number];
type Progress = PublicProgrammeJson['progress'][number];

const KIND_LABEL = { general: '一般检查事项（同一对象每年至多抽查一次）', key: '重点检查事项（抽查比例不设上限）' } as const;

function batchList(line: Line): Html {
  return html`<ol class="team batches">${line.batches.map(
    (b) => html`<li>第 ${b.number} 批${b.title ? `（${b.title}）` : ''}：${b.from} 至 ${b.to}</li>`,
  )}</ol>`;
}

/** Per grade: population at publication, annual ratio, planned; committed, drawn; published results where grades are public. */
function gradeTable(line: Line, progress: Progress, index: number): Html {
  const rows = progress.grades.map((g) => {
    const s = line.strata.find((x) => x.grade === g.grade);
    return html`<tr>
<th scope="row" data-label="等级">${g.label}</th>
<td data-label="对象数（公告时）" class="num">${num(s?.population ?? 0)}</td>
<td data-label="年度抽查比例" class="num">${percent(s?.ratioBp ?? 0)}</td>
<td data-label="计划抽查数" class="num">${num(g.planned)}</td>
<td data-label="已承诺待抽取" class="num">${num(g.committed)}</td>
<td data-label="已抽取" class="num">${num(g.drawn)}</td>
<td data-label="已公开结果" class="num">${g.inspected === null ? html`<span class="muted" title="本标准不公开等级">不分等级公开</span>` : num(g.inspected)}</td>
</tr>`;
  });
  const total = html`<tr class="total">
<th scope="row" data-label="等级">合计</th>
<td data-label="对象数（公告时）" class="num">${num(line.strata.reduce((n, s) => n + s.population, 0))}</td>
<td data-label="年度抽查比例" class="num">—</td>
<td data-label="计划抽查数" class="num">${num(progress.planned)}</td>
<td data-label="已承诺待抽取" class="num">${num(progress.committed)}</td>
<td data-label="已抽取" class="num">${num(progress.drawn)}</td>
<td data-label="已公开结果" class="num" id="inspected-${index}">${num(progress.inspected)}</td>
</tr>`;
  return html`<div class="table-wrap"><table class="stack">
<caption>${line.itemName}：各等级年度计划与进度</caption>
<thead><tr><th scope="col">等级</th><th scope="col" class="num">对象数（公告时）</th><th scope="col" class="num">年度抽查比例</th><th scope="col" class="num">计划抽查数</th><th scope="col" class="num">已承诺待抽取</th><th scope="col" class="num">已抽取</th><th scope="col" class="num">已公开结果</th></tr></thead>
<tbody>${rows}${total}</tbody>
</table></div>`;
}

function lineSection(line: Line, progress: Progress, index: number, departments: Map<string, string>): Html {
  return html`<section class="programme-line" aria-labelledby="line-${index}">
<h3 id="line-${index}">${line.itemName} <span class="muted small">（${line.item}，${departments.get(line.departmentCode) ?? line.departmentCode}）</span></h3>
<dl class="kv">
<dt>事项类别</dt><dd>${KIND_LABEL[line.itemKind]}</dd>
<dt>抽查批次</dt><dd>${batchList(line)}</dd>
${line.notes ? html`<dt>说明</dt><dd class="notes">${line.notes}</dd>` : ''}
</dl>
${gradeTable(line, progress, index)}
${progress.gradesPublic ? '' : html`<p class="muted small">本事项所用分级分类标准不公开等级，已公开的检查结果只公布合计数，不按等级公布。</p>`}
</section>`;
}

function plansTable(p: PublicProgrammeJson): Html {
  if (p.plans.length === 0) return html`<p class="notice">本年度计划尚无已承诺的抽查计划。</p>`;
  const names = new Map(p.record.lines.map((l) => [l.item, l.itemName]));
  return html`<div class="table-wrap"><table class="stack">
<caption>按本年度计划执行的抽查计划（按批次）</caption>
<thead><tr><th scope="col">批次</th><th scope="col">抽查计划</th><th scope="col">抽查事项</th><th scope="col">状态</th></tr></thead>
<tbody>${p.plans.map(
    (x) => html`<tr>
<td data-label="批次" class="nowrap">第 ${x.batch} 批</td>
<td data-label="抽查计划"><a href="/plans/${encodeURIComponent(x.id)}">${x.title}</a><div class="muted small">${x.id}</div></td>
<td data-label="抽查事项">${x.items.map((i) => names.get(i) ?? i).join('；')}</td>
<td data-label="状态">${isPublicPlanStatus(x.status) ? statusBadge(x.status) : x.status}</td>
</tr>`,
  )}</tbody>
</table></div>`;
}

export function programmePage(p: PublicProgrammeJson): string {
  const departments = new Map(p.departments.map((d) => [d.code, d.name]));
  const id = encodeURIComponent(p.id);
  return page({
    title: p.title,
    nav: 'programmes',
    crumbs: [['年度抽查工作计划', '/programmes'], [p.title]],
    body: html`<h1>${p.title}</h1>
<p><span class="badge badge-drawn">已公告</span> <span class="muted">年度计划编号 <code>${p.id}</code></span></p>
<div class="actions">
<a class="button secondary" href="/public/v1/programmes/${id}">公告记录（JSON）</a>
<a class="button secondary" href="/ledger?plan=${id}">账本记录</a>
</div>
<h2 id="notice">计划公告</h2>
<dl class="kv">
<dt>年度</dt><dd>${p.year} 年</dd>
<dt>实施部门</dt><dd>${departmentNames(p.departments)}${p.departments.length > 1 ? '（部门联合抽查）' : ''}</dd>
<dt>公告时间</dt><dd>${time(p.publishedAt)}</dd>
<dt>账本记录</dt><dd>第 ${num(p.ledger.seq)} 条，哈希 ${shortHash(p.ledger.hash)}</dd>
${p.notes ? html`<dt>说明</dt><dd class="notes">${p.notes}</dd>` : ''}
</dl>
<h2 id="lines">抽查事项与进度</h2>
<p>计划抽查数 = 公告时该等级对象数 × 年度抽查比例（向上取整，与抽取规则相同）。已抽取数来自各抽查计划公开的抽取记录；作废的计划不计入。</p>
${p.record.lines.map((line, i) => lineSection(line, p.progress[i], i, departments))}
<h2 id="plans">抽查计划</h2>
${plansTable(p)}`,
  });
}
