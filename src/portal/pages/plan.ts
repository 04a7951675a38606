/**
 * `/plans/{id}`: a public plan, its commit and draw records, the drawn entities and the published results.
 * The drawn entities are listed by entity id (统一社会信用代码), never in draw order: the draw order is the
 * grade order (spec §3), so where the grades are not public neither is any task's seq.
 */
import { commitmentKindLabel } from '../../core/result-codes.ts';
import { html, type Html } from '../html.ts';
import { page, pager } from '../layout.ts';
import { ENTITY_TYPE_LABEL, MODE_LABEL, modeLabel, num, percent, statusBadge, time } from '../format.ts';
import { chongqingRegionName } from '../../core/regions.ts';
import type { PoolRule } from '../../core/replay.ts';
import type { PlanDetail, TaskResult, TaskRow, TeamMember } from '../../domain/disclosure/service.ts';

export interface PlanView {
  plan: PlanDetail;
  tasks: TaskRow[];
  page: number;
  pageSize: number;
}

export function team(members: TeamMember[]): Html {
  if (members.length === 0) return html`<span class="muted">—</span>`;
  const byDept = new Map<string, TeamMember[]>();
  for (const m of members) {
    const list = byDept.get(m.departmentCode) ?? [];
    list.push(m);
    byDept.set(m.departmentCode, list);
  }
  return html`<ul class="team">${[...byDept.values()].map(
    (ms) =>
      html`<li>${ms[0].departmentName}：${ms.map((m, i) => html`${i ? '、' : ''}<span title="${m.inspectorId}">${m.inspectorName}</span>`)}</li>`,
  )}</ul>`;
}

/** A published result's public columns; shared with the entity page. */
export function resultCell(r: { resultCode: string; resultLabel: string; followUpLabel: string; inspectedOn: string; corrected: boolean }): Html {
  const cls = r.resultCode === 'no-issue' ? 'result-ok' : 'result-bad';
  return html`<span class="${cls}">${r.resultLabel}</span>${r.corrected ? html` <span class="badge badge-voided">更正</span>` : ''}
<div class="small">后续处置：${r.followUpLabel}</div>`;
}

function result(r: TaskResult | null): Html {
  if (!r) return html`<span class="muted">尚未公开</span>`;
  return html`${resultCell(r)}<div class="small muted">检查日期 ${r.inspectedOn}</div>`;
}

/** A task's results: a joint task (team of several departments) shows each department's own (谁检查、谁公开). */
function taskResults(t: TaskRow): Html {
  const departments = [...new Map(t.team.map((m) => [m.departmentCode, m.departmentName])).entries()];
  if (departments.length <= 1) return result(t.results[0] ?? null);
  return html`${departments.map(
    ([code, name]) =>
      html`<div class="dept-result"><div class="small"><strong>${name}</strong></div>${result(t.results.find((r) => r.departmentCode === code) ?? null)}</div>`,
  )}`;
}

/** When the task's latest result was published. */
const lastPublished = (t: TaskRow): string | null =>
  t.results
    .map((r) => r.publishedAt)
    .sort()
    .at(-1) ?? null;

function digestRow(label: string, value: string): Html {
  return html`<dt>${label}</dt><dd><code class="digest">${value}</code></dd>`;
}

const list = (v: string | number | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [String(v)]);
const orAny = (names: string[]) => (names.length ? names.join('、') : '不限');

/** The members of a pool rule this page names in Chinese; any other member is shown as it is. */
const POOL_RULE_KNOWN = new Set([
  'items',
  'regions',
  'types',
  'industries',
  'tags',
  'licences',
  'targeting',
  'cooldownDays',
  'excludedCooldown',
  'excludedInactive',
  'excludedYearly',
  'excludedFrequency',
  'programme',
  'batch',
  'commitmentsDueFrom',
  'commitmentsDueTo',
  'commitmentKinds',
]);

const FILTER_MEMBERS = ['regions', 'types', 'industries', 'tags', 'licences'];

/** The rule's targeting; a record from before targeting existed is targeted exactly when it names a filter. */
function targetingOf(rule: PoolRule): 'targeted' | 'untargeted' {
  if (rule.targeting === 'targeted' || rule.targeting === 'untargeted') return rule.targeting;
  return FILTER_MEMBERS.some((k) => list(rule[k]).length > 0) ? 'targeted' : 'untargeted';
}

/** The commit record's poolRule (spec §5: who could be drawn, without any grade) in plain Chinese. */
export function poolRuleList(rule: PoolRule, itemName: (code: string) => string): Html {
  const n = (v: PoolRule[string] | undefined) => (typeof v === 'number' ? v : Number(v ?? 0));
  const cooldown = n(rule.cooldownDays);
  const targeted = targetingOf(rule) === 'targeted';
  const rows: Html[] = [
    html`<li id="targeting" data-targeting="${targeted ? 'targeted' : 'untargeted'}">抽查方式：${
      targeted ? '定向抽查（按下列条件确定抽取范围）' : '不定向抽查（不设条件，在事项对应的全部检查对象中抽取）'
    }</li>`,
    html`<li>事项：${list(rule.items).map(itemName).join('；') || '—'}</li>`,
    html`<li>地区：${orAny(list(rule.regions).map((r) => chongqingRegionName(r) ?? r))}</li>`,
    html`<li>类型：${orAny(list(rule.types).map((t) => ENTITY_TYPE_LABEL[t] ?? t))}</li>`,
    html`<li>行业：${orAny(list(rule.industries))}</li>`,
  ];
  if (rule.tags !== undefined) rows.push(html`<li>监管标签：${orAny(list(rule.tags))}（具有其中任一标签）</li>`);
  if (rule.licences !== undefined) rows.push(html`<li>许可证：${orAny(list(rule.licences))}（持有其中任一种）</li>`);
  rows.push(
    html`<li>冷却期：${cooldown > 0 ? `${num(cooldown)} 天（此前 ${num(cooldown)} 天内已被抽查的对象不在抽取范围内）` : '不设冷却期'}</li>`,
    html`<li>因冷却期排除 ${num(n(rule.excludedCooldown))} 家</li>`,
    html`<li>因非存续状态排除 ${num(n(rule.excludedInactive))} 家</li>`,
  );
  if (rule.excludedYearly !== undefined) rows.push(html`<li>因一般检查事项本年度已抽查排除 ${num(n(rule.excludedYearly))} 家</li>`);
  if (rule.excludedFrequency !== undefined) rows.push(html`<li>因抽查频次规则排除 ${num(n(rule.excludedFrequency))} 家</li>`);
  if (typeof rule.commitmentsDueFrom === 'string') {
    const kinds = list(rule.commitmentKinds).map(commitmentKindLabel);
    rows.push(
      html`<li id="commitment-window">履约践诺核查：${rule.commitmentsDueFrom} 至 ${String(rule.commitmentsDueTo ?? '')} 期间到期的${kinds.length ? kinds.join('、') : '信用承诺'}（尚未核查的）</li>`,
    );
  }
  if (typeof rule.programme === 'string') {
    rows.push(
      html`<li>年度抽查工作计划：<a href="/programmes/${encodeURIComponent(rule.programme)}">${rule.programme}</a> 第 ${num(n(rule.batch))} 批</li>`,
    );
  }
  for (const [key, value] of Object.entries(rule)) {
    if (!POOL_RULE_KNOWN.has(key)) rows.push(html`<li>${key}：${list(value).join('、')}</li>`);
  }
  return html`<ul class="team" id="pool-rule">${rows}</ul>`;
}

/** Whether the draw came after the time announced at commit (a draw before it is refused: spec §5). */
function timingVerdict(after: boolean | null): Html {
  if (after === null) return html``;
  return after
    ? html`<dt>抽取时间核对</dt><dd><span class="result-ok" id="entropy-timing" data-state="ok">抽取时间晚于公告时间 ✓</span></dd>`
    : html`<dt>抽取时间核对</dt><dd><span class="result-bad" id="entropy-timing" data-state="bad">抽取时间早于公告时间 ✗</span></dd>`;
}

/** The ceremony's contributions (见证人 · 提交值), in the plan's witness order. */
function contributionsTable(cs: ReadonlyArray<{ witness: string; value: string }>): Html {
  return html`<div class="table-wrap"><table id="contributions">
<caption>见证人提交值（公开随机数 = "ceremony-v1:" + SHA-256(按计划所列见证人顺序，每行"见证人 制表符 提交值"的文本)）</caption>
<thead><tr><th scope="col">见证人</th><th scope="col">提交值</th></tr></thead>
<tbody>${cs.map((c) => html`<tr><td data-label="见证人">${c.witness}</td><td data-label="提交值"><code>${c.value}</code></td></tr>`)}</tbody>
</table></div>`;
}

export function planPage(v: PlanView): string {
  const p = v.plan;
  const c = p.commit;
  const d = p.draw;
  const id = encodeURIComponent(p.id);
  const gradeInfo = new Map(p.scheme.grades.map((g) => [g.code, g]));
  const deptName = new Map(p.departments.map((x) => [x.code, x.name]));
  const itemNames = new Map(p.items.map((i) => [i.code, `${i.name}（${i.code}）`]));
  for (const i of p.items) if (i.departmentCode) deptName.set(i.departmentCode, i.departmentName);

  const strata = c.strata.map((s, i) => {
    const g = gradeInfo.get(s.grade);
    const drawn = d?.strata[i]?.drawn;
    return html`<tr><th scope="row">${s.grade}${g ? html` <span class="muted">${g.label}</span>` : ''}</th>
<td class="num">${num(s.population)}</td><td class="num">${percent(s.ratioBp)}</td>
<td class="num">${drawn === undefined ? '—' : num(drawn)}</td><td>${g ? (MODE_LABEL[g.mode] ?? g.mode) : '—'}</td></tr>`;
  });
  const pool = c.strata.reduce((n, s) => n + s.population, 0);

  const perTask = Object.entries(c.inspectorsPerTask ?? {})
    .filter(([, k]) => k > 0)
    .map(([dept, k]) => `${deptName.get(dept) ?? dept} ${k} 人`)
    .join('；');

  const drawSection = d
    ? html`<dl class="kv">
<dt>公开随机数来源</dt><dd>${c.entropySource}</dd>
<dt>公开随机数</dt><dd><code>${d.publicEntropy === '' ? '（空）' : d.publicEntropy}</code></dd>
${d.contributions?.length ? html`<dt>见证人提交值</dt><dd>${d.contributions.map((x) => x.witness).join('、')} 各提交一个值，见下表</dd>` : ''}
${digestRow('服务器种子', d.serverSeed)}
${digestRow('随机种子', d.seed)}
<dt>抽取时间</dt><dd>${time(d.drawnAt)}（北京时间）</dd>
${p.entropyAt ? html`<dt>公告的抽取时间</dt><dd>${time(p.entropyAt)}（北京时间）</dd>` : ''}
${timingVerdict(p.drawnAfterEntropyAt)}
<dt>抽取数量</dt><dd>${num(d.taskCount)} 项任务</dd>
</dl>
${d.contributions?.length ? contributionsTable(d.contributions) : ''}
<p class="muted small">随机种子 = SHA-256("draw-v1|" + 服务器种子 + "|" + 公开随机数 + "|" + 三个快照摘要)。SHA-256(服务器种子) 应等于上方的承诺值。</p>`
    : p.voided
      ? html`<p class="notice warn">该计划未抽取即已作废。</p>`
      : html`<p class="notice">尚未抽取。${p.entropyAt ? html`抽取不早于公告的抽取时间 ${time(p.entropyAt)}（北京时间）。` : ''}服务器种子将在抽取后公开；抽取时将使用上述来源的公开随机数。</p>`;

  const voidSection = p.voided
    ? html`<h2 id="void">作废说明</h2>
<dl class="kv">
<dt>作废原因</dt><dd>${p.voided.reason}</dd>
<dt>作废时间</dt><dd>${time(p.voided.at)}</dd>
${p.voided.serverSeed ? digestRow('作废时公开的服务器种子', p.voided.serverSeed) : ''}
</dl>`
    : '';

  const showGrades = p.gradesPublic;
  const showModes = p.modesPublic;
  const taskRows = v.tasks.map(
    (t) => html`<tr>
${showGrades ? html`<td class="num" data-label="序号">${t.seq ?? '—'}</td>` : ''}
<td data-label="检查对象"><a href="/entities/${encodeURIComponent(t.entityId)}">${t.entityName}</a><div class="muted small mono">${t.entityId}</div></td>
${showGrades ? html`<td data-label="等级">${t.grade ?? '—'}</td>` : ''}
${showModes ? html`<td data-label="检查方式" class="nowrap">${modeLabel(t.mode)}</td>` : ''}
<td data-label="执法检查人员">${team(t.team)}</td>
<td data-label="检查结果">${taskResults(t)}</td>
<td data-label="公开时间" class="nowrap">${lastPublished(t) ? time(lastPublished(t)!) : '—'}</td>
</tr>`,
  );
  const tasksSection = d
    ? html`<h2 id="tasks">抽取结果与检查结果</h2>
<p>共抽取 ${num(p.taskCount)} 个检查对象，已公开 ${num(p.publishedCount)} 项检查结果。${showGrades ? '' : showModes ? '本计划所用分级分类标准不公开等级，故不显示各对象的等级。' : '本计划所用分级分类标准不公开等级，故不显示各对象的等级，也不显示由等级决定的检查方式。'}</p>
<div class="table-wrap"><table class="stack" id="task-list">
<caption>抽取的检查对象（按统一社会信用代码排序，与抽取顺序无关）</caption>
<thead><tr>${showGrades ? html`<th scope="col" class="num">序号</th>` : ''}<th scope="col">检查对象</th>${showGrades ? html`<th scope="col">等级</th>` : ''}${showModes ? html`<th scope="col">检查方式</th>` : ''}<th scope="col">执法检查人员</th><th scope="col">检查结果</th><th scope="col">公开时间</th></tr></thead>
<tbody>${taskRows}</tbody>
</table></div>
${pager({ page: v.page, pageSize: v.pageSize, total: p.taskCount, href: (n) => `/plans/${id}${n > 1 ? `?page=${n}` : ''}#tasks`, label: '抽取结果分页' })}`
    : '';

  const pubs = p.publications.length
    ? html`<h2 id="publications">结果公示记录</h2>
<div class="table-wrap"><table>
<caption>每次公示都写入公开账本</caption>
<thead><tr><th scope="col">公示</th><th scope="col">公示时间</th><th scope="col" class="num">结果数</th><th scope="col">账本记录</th></tr></thead>
<tbody>${p.publications.map(
        (x) =>
          html`<tr><td>第 ${x.number} 次公示${x.note ? html`<div class="small muted">${x.note}</div>` : ''}</td><td class="nowrap">${time(x.publishedAt)}</td><td class="num">${num(x.taskCount)}</td><td><a href="/ledger?plan=${id}">#${x.ledgerSeq}</a></td></tr>`,
      )}</tbody>
</table></div>`
    : '';

  return page({
    title: p.title,
    nav: 'plans',
    crumbs: [['抽查计划', '/'], [p.title]],
    body: html`<h1>${p.title}</h1>
<p>${statusBadge(p.status)} <span class="muted">计划编号 <code>${p.id}</code></span></p>
<div class="actions">
${d ? html`<a class="button" href="/verify/${id}">在浏览器中验证</a>` : ''}
<a class="button secondary" href="/public/v1/plans/${id}/record.json" download="${p.id}.json">下载公开记录（JSON）</a>
<a class="button secondary" href="/ledger?plan=${id}">账本记录</a>
</div>

<h2 id="plan">计划内容</h2>
<dl class="kv">
<dt>抽查事项</dt><dd><ul class="team">${p.items.map((i) => html`<li>${i.name} <span class="muted">（${i.code}${i.departmentName ? `，${i.departmentName}` : ''}）</span></li>`)}</ul></dd>
<dt>实施部门</dt><dd>${p.departments.map((x) => x.name).join('、') || '—'}${p.departments.length > 1 ? '（部门联合抽查）' : ''}</dd>
${p.programme ? html`<dt>年度计划</dt><dd><a href="/programmes/${encodeURIComponent(p.programme.id)}" id="programme-link">${p.programme.title}</a>，第 ${num(p.programme.batch)} 批</dd>` : ''}
${p.windowFrom || p.windowTo ? html`<dt>检查期限</dt><dd>${p.windowFrom ?? ''} 至 ${p.windowTo ?? ''}</dd>` : ''}
<dt>分级分类标准</dt><dd>${p.scheme.name}${p.scheme.source ? html` <span class="muted">（${p.scheme.source}）</span>` : ''}</dd>
<dt>对象总数</dt><dd>${num(pool)}</dd>
${p.poolRule ? html`<dt>抽取范围</dt><dd>${poolRuleList(p.poolRule, (code) => itemNames.get(code) ?? code)}</dd>` : ''}
<dt>每项任务检查人员</dt><dd>${perTask || '不指派'}</dd>
</dl>
<div class="table-wrap"><table>
<caption>各等级抽查比例与对象数</caption>
<thead><tr><th scope="col">等级</th><th scope="col" class="num">对象数</th><th scope="col" class="num">抽查比例</th><th scope="col" class="num">抽取数</th><th scope="col">检查方式</th></tr></thead>
<tbody>${strata}</tbody>
</table></div>

<h2 id="commit">抽取前承诺</h2>
<dl class="kv">
${digestRow('承诺值', c.commitment)}
${digestRow('检查对象快照摘要', c.entitySnapshotDigest)}
${digestRow('执法检查人员快照摘要', c.inspectorSnapshotDigest)}
${digestRow('回避关系快照摘要', c.recusalDigest)}
<dt>公开随机数来源</dt><dd>${c.entropySource}</dd>
<dt>承诺时间</dt><dd>${time(c.committedAt)}（北京时间）</dd>
<dt>公告的抽取时间</dt><dd>${
      p.entropyAt
        ? html`${time(p.entropyAt)}（北京时间）<div class="small muted">公开随机数最早可知的时间：此前不得抽取，此后不得作废。</div>`
        : html`<span class="muted">未公告（本计划按第 1 版记录承诺）</span>`
    }</dd>
${p.witnesses.length ? html`<dt>见证人</dt><dd>${p.witnesses.join('、')}</dd>` : ''}
<dt>协议</dt><dd><code>${c.protocol}</code>${p.records === 2 ? '（记录第 2 版）' : '（记录第 1 版）'}</dd>
</dl>

<h2 id="draw">抽取记录</h2>
${drawSection}
${voidSection}
${tasksSection}
${pubs}`,
  });
}
