/**
 * `/entities?q=` (search by name or 统一社会信用代码) and `/entities/{id}`: the public fields and every
 * published inspection, exactly what the public API's repository returns (a task's seq only where its plan's
 * grades are public: seq follows the grade order).
 */
import { html, query } from '../html.ts';
import { page, pager } from '../layout.ts';
import { ENTITY_TYPE_LABEL, num, time } from '../format.ts';
import { chongqingRegionName } from '../../core/regions.ts';
import type { PublicEntity, PublicEntityDetail } from '../../schemas/public.ts';
import { resultCell } from './plan.ts';

const region = (code: string) => chongqingRegionName(code) ?? code;
const entityType = (t: string) => ENTITY_TYPE_LABEL[t] ?? t;

export function entitySearchPage(v: { q: string; page: number; pageSize: number; total: number; rows: PublicEntity[] }): string {
  const searched = v.q !== '';
  const rows = v.rows.map(
    (e) => html`<tr>
<td data-label="名称"><a href="/entities/${encodeURIComponent(e.id)}">${e.name}</a></td>
<td data-label="统一社会信用代码" class="mono">${e.id}</td>
<td data-label="类型">${entityType(e.type)}</td>
<td data-label="所在区县">${region(e.region)}</td>
</tr>`,
  );
  const list = !searched
    ? html`<p class="notice">请输入检查对象名称的一部分，或统一社会信用代码（可只输入开头几位）。</p>`
    : v.rows.length
      ? html`<p class="muted">找到 ${num(v.total)} 个检查对象。</p>
<div class="table-wrap"><table class="stack">
<caption>查询结果</caption>
<thead><tr><th scope="col">名称</th><th scope="col">统一社会信用代码</th><th scope="col">类型</th><th scope="col">所在区县</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
${pager({ page: v.page, pageSize: v.pageSize, total: v.total, href: (p) => `/entities${query({ q: v.q, page: p > 1 ? p : undefined })}`, label: '查询结果分页' })}`
      : html`<p class="notice">没有找到与“${v.q}”匹配的检查对象。</p>`;
  return page({
    title: searched ? `检查对象查询：${v.q}` : '检查对象查询',
    nav: 'entities',
    body: html`<h1>检查对象查询</h1>
<p>查询检查对象的公开信息，以及对它的每一次已公开的双随机抽查检查结果。</p>
<form class="filters search" method="get" action="/entities" role="search" aria-label="查询检查对象">
<div class="field wide"><label for="q">名称或统一社会信用代码</label><input type="search" id="q" name="q" value="${v.q}" maxlength="100" autocomplete="off"></div>
<div class="field"><button type="submit">查询</button></div>
</form>
${list}`,
  });
}

/** Published 复查 outcomes of 责令改正 (限期整改), when there are any. */
function followUpSection(e: PublicEntityDetail) {
  if (e.followUps.length === 0) return '';
  const rows = e.followUps.map(
    (f) => html`<tr>
<td data-label="抽查计划"><a href="/plans/${encodeURIComponent(f.planId)}">${f.planId}</a></td>
<td data-label="检查部门">${f.department.name}</td>
<td data-label="整改期限" class="nowrap">${f.dueOn}</td>
<td data-label="复查日期" class="nowrap">${f.checkedOn}</td>
<td data-label="复查结果"><span class="${f.outcome === 'rectified' ? 'result-ok' : 'result-bad'}">${f.outcomeLabel}</span>${
      f.actions.length ? html`<div class="small">后续处置：${f.actions.map((a) => a.label).join('、')}</div>` : ''
    }</td>
<td data-label="公开时间" class="nowrap">${time(f.publishedAt)}</td>
</tr>`,
  );
  return html`<h2 id="follow-ups">整改复查</h2>
<div class="table-wrap"><table class="stack">
<caption>责令限期改正后的复查结果（按复查日期从新到旧）</caption>
<thead><tr><th scope="col">抽查计划</th><th scope="col">检查部门</th><th scope="col">整改期限</th><th scope="col">复查日期</th><th scope="col">复查结果</th><th scope="col">公开时间</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

export function entityPage(e: PublicEntityDetail): string {
  const rows = e.inspections.map(
    (t) => html`<tr>
<td data-label="抽查计划"><a href="/plans/${encodeURIComponent(t.planId)}">${t.planTitle}</a><div class="muted small">${t.planId}${t.seq === undefined ? '' : ` · 第 ${t.seq} 项`}</div></td>
<td data-label="抽查事项">${t.items.map((i) => i.name).join('；')}</td>
<td data-label="检查部门">${t.departments.map((d) => d.name).join('、')}</td>
<td data-label="检查日期" class="nowrap">${t.inspectedOn}</td>
<td data-label="检查结果">${resultCell(t)}</td>
<td data-label="公开时间" class="nowrap">${time(t.publishedAt)}</td>
</tr>`,
  );
  return page({
    title: e.name,
    nav: 'entities',
    crumbs: [['检查对象', '/entities'], [e.name]],
    body: html`<h1>${e.name}</h1>
<dl class="kv">
<dt>统一社会信用代码</dt><dd class="mono">${e.id}</dd>
<dt>类型</dt><dd>${entityType(e.type)}</dd>
<dt>所在区县</dt><dd>${region(e.region)}</dd>
</dl>
<h2>已公开的抽查检查结果</h2>
${
  e.inspections.length
    ? html`<div class="table-wrap"><table class="stack">
<caption>双随机抽查检查结果（按检查日期从新到旧）</caption>
<thead><tr><th scope="col">抽查计划</th><th scope="col">抽查事项</th><th scope="col">检查部门</th><th scope="col">检查日期</th><th scope="col">检查结果</th><th scope="col">公开时间</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`
    : html`<p class="notice">暂无已公开的检查结果。</p>`
}
${followUpSection(e)}`,
  });
}
