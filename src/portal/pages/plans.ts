/** `/`: the public plans, newest first, with filters (a plain GET form) and paging. */
import { html, query } from '../html.ts';
import { page, pager } from '../layout.ts';
import { STATUS_LABEL, num, shortHash, statusBadge, time } from '../format.ts';
import { PUBLIC_PLAN_STATUSES } from '../../domain/plans/status.ts';
import type { NamedCode } from '../../domain/disclosure/service.ts';
import type { PublicPlanFilter, PublicPlanSummary } from '../../schemas/public.ts';

export interface PlansView {
  filter: PublicPlanFilter;
  page: number;
  pageSize: number;
  total: number;
  rows: PublicPlanSummary[];
  facets: { departments: NamedCode[]; items: NamedCode[]; years: number[] };
}

const option = (value: string, label: string, selected: boolean) =>
  html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;

export function plansPage(v: PlansView): string {
  const f = v.filter;
  const qs = (p: number) => `/${query({ department: f.department, item: f.item, year: f.year, status: f.status, page: p > 1 ? p : undefined })}`;
  const filtered = Boolean(f.department || f.item || f.year || f.status);
  const form = html`<form class="filters" method="get" action="/" role="search" aria-label="筛选抽查计划">
<div class="field"><label for="f-department">实施部门</label><select id="f-department" name="department">${option('', '全部部门', !f.department)}${v.facets.departments.map((d) => option(d.code, d.name, f.department === d.code))}</select></div>
<div class="field"><label for="f-item">抽查事项</label><select id="f-item" name="item">${option('', '全部事项', !f.item)}${v.facets.items.map((i) => option(i.code, i.name, f.item === i.code))}</select></div>
<div class="field"><label for="f-year">年度</label><select id="f-year" name="year">${option('', '全部年度', !f.year)}${v.facets.years.map((y) => option(String(y), `${y} 年`, f.year === y))}</select></div>
<div class="field"><label for="f-status">状态</label><select id="f-status" name="status">${option('', '全部状态', !f.status)}${PUBLIC_PLAN_STATUSES.map((s) => option(s, STATUS_LABEL[s], f.status === s))}</select></div>
<div class="field"><button type="submit">筛选</button></div>
</form>`;

  const rows = v.rows.map(
    (r) => html`<tr>
<td data-label="计划"><a href="/plans/${encodeURIComponent(r.id)}">${r.title}</a><div class="muted small">${r.id} · ${r.departments.map((d) => d.name).join('、')} · <span data-targeting="${r.targeting}">${r.targeting === 'targeted' ? '定向抽查' : '不定向抽查'}</span></div>
<div class="muted small">${r.items.map((i) => i.name).join('；')}</div></td>
<td data-label="状态">${statusBadge(r.status)}</td>
<td data-label="承诺值">${shortHash(r.commitment)}</td>
<td data-label="承诺时间" class="nowrap">${time(r.committedAt)}</td>
<td data-label="对象总数" class="num">${num(r.counts.pool)}</td>
<td data-label="抽取数" class="num">${r.status === 'drawn' ? num(r.counts.drawn) : '—'}</td>
<td data-label="已公开结果" class="num">${r.status === 'drawn' ? num(r.counts.resultsPublished) : '—'}</td>
</tr>`,
  );
  const table = v.rows.length
    ? html`<div class="table-wrap"><table class="stack">
<caption>抽查计划列表（按承诺时间从新到旧）</caption>
<thead><tr><th scope="col">计划</th><th scope="col">状态</th><th scope="col">承诺值</th><th scope="col">承诺时间（北京时间）</th><th scope="col" class="num">对象总数</th><th scope="col" class="num">抽取数</th><th scope="col" class="num">已公开结果</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`
    : html`<p class="notice">${filtered ? '没有符合筛选条件的抽查计划。' : '暂无已承诺的抽查计划。'}</p>`;

  return page({
    title: '双随机抽查计划',
    nav: 'plans',
    body: html`<h1>双随机抽查计划</h1>
<p>每个计划在抽取前公布承诺值与三个快照摘要，抽取后公开服务器种子与全部抽取结果，任何人都可以重放验证。草稿计划不在此公开。</p>
${form}
<p class="muted">${filtered ? '符合条件的' : '共有'}计划 ${num(v.total)} 个。</p>
${table}
${pager({ page: v.page, pageSize: v.pageSize, total: v.total, href: qs, label: '计划列表分页' })}`,
  });
}
