/**
 * `/verify/{planId}`: the page of the in-browser verifier. The markup is complete without JavaScript
 * (it explains what to check and how); /assets/verifier.js, the only script, adds the behaviour.
 */
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { num, statusBadge, time } from '../format.ts';
import { VERIFY_STEPS } from '../../verifier/steps.ts';
import type { PublicPlanStatus } from '../../domain/plans/status.ts';
import type { PublicPlanSummary } from '../../schemas/public.ts';

export function verifyPage(p: { id: string; title: string; status: PublicPlanStatus }): string {
  const id = encodeURIComponent(p.id);
  const fileField = (key: string, label: string, file: string) => html`<div class="file-field">
<label for="${key}" id="${key}-label">${label}</label>
<input type="file" id="${key}" name="${key}" accept=".tsv,.txt,text/tab-separated-values,text/plain" aria-describedby="${key}-hint">
<span class="hint" id="${key}-hint">审计下载文件名：${file}</span>
</div>`;
  return page({
    title: `验证抽取：${p.title}`,
    nav: null,
    scripts: ['/assets/verifier.js'],
    crumbs: [['抽查计划', '/'], [p.title, `/plans/${id}`], ['验证']],
    body: html`<h1>在浏览器中验证抽取</h1>
<p><a href="/plans/${id}">${p.title}</a> ${statusBadge(p.status)} <span class="muted">计划编号 <code>${p.id}</code></span></p>
<p>本页用与服务端相同的 draw-v1 核心代码，在您的浏览器中重放这次抽取：核对服务器种子与承诺值、三个快照文件的摘要，重新计算种子并逐项比对抽取结果。所选文件只在本机读取，不会上传。页面加载后可离线使用。</p>
<div id="verifier" data-plan-id="${p.id}" data-records-url="/public/v1/plans/${id}">
<p id="verify-js-note" class="notice warn">本验证器需要启用 JavaScript（仅加载本站的 /assets/verifier.js）。也可以下载<a href="/public/v1/plans/${id}">公开记录</a>，用任何语言按协议独立验证。</p>

<h2>1. 公开记录</h2>
<div id="records-summary" hidden>
<dl class="kv">
<dt>来源</dt><dd id="rec-source" class="mono">—</dd>
<dt>状态</dt><dd id="rec-status">—</dd>
<dt>承诺值</dt><dd><code id="rec-commitment" class="digest">—</code></dd>
<dt>任务数</dt><dd id="rec-tasks">—</dd>
</dl>
<p id="records-note" class="muted"></p>
</div>

<form id="verify-form" hidden>
<div class="file-field">
<label for="records-file">（可选）改用已保存的公开记录 JSON 文件</label>
<input type="file" id="records-file" name="records-file" accept=".json,application/json" multiple>
</div>
<h2>2. 选择快照文件</h2>
<p>三个快照文件由审计人员通过管理接口下载（<code>GET /api/v1/plans/${p.id}/snapshot/entities.tsv</code> 等），其 SHA-256 应与承诺记录中的摘要一致。</p>
<fieldset>
<legend>快照文件</legend>
${fileField('entity-file', '检查对象快照（entities.tsv）', 'entities.tsv')}
${fileField('inspector-file', '执法检查人员快照（inspectors.tsv）', 'inspectors.tsv')}
${fileField('recusal-file', '回避关系快照（recusals.tsv）', 'recusals.tsv')}
</fieldset>
<div class="actions"><button type="submit" id="verify-button">开始验证</button></div>
</form>

<h2>3. 验证结果</h2>
<div id="verdict" class="verdict pending" role="status" aria-live="polite" hidden></div>
<ol class="steps" aria-label="验证步骤">
${VERIFY_STEPS.map(
  (s) =>
    html`<li data-step="${s.step}"><span class="mark" aria-hidden="true">·</span><span><span class="name">${s.label}</span>：<span class="state">待验证</span></span><span class="msg"></span><span class="msg explain">${s.explain}</span></li>`,
)}
</ol>
</div>`,
  });
}

export function verifyIndexPage(drawn: PublicPlanSummary[], total: number): string {
  return page({
    title: '验证抽取',
    nav: null,
    crumbs: [['抽查计划', '/'], ['验证抽取']],
    body: html`<h1>验证抽取</h1>
<p>每次抽取都可以独立复核。draw-v1 协议规定：</p>
<ol>
<li>承诺：抽取前冻结三个快照文件（检查对象、执法检查人员、回避关系），公布它们的 SHA-256 摘要、各等级抽查比例，以及服务器种子的 SHA-256（承诺值）和公开随机数的来源。</li>
<li>抽取：种子 = SHA-256("draw-v1|" + 服务器种子 + "|" + 公开随机数 + "|" + 三个摘要)；各等级用 seedrandom（ARC4）做部分 Fisher–Yates 洗牌，再按负载上限分配执法检查人员并避开回避关系。</li>
<li>公开：抽取记录公开服务器种子、种子与全部任务；所有记录写入公开账本哈希链。</li>
</ol>
<p>选择一个已抽取的计划，在浏览器中重放验证：</p>
${
  drawn.length
    ? html`<ul>${drawn.map((r) => html`<li><a href="/verify/${encodeURIComponent(r.id)}">${r.title}</a> <span class="muted">${r.id} · 抽取于 ${time(r.drawnAt)} · ${num(r.counts.drawn)} 项任务</span></li>`)}</ul>
${total > drawn.length ? html`<p class="muted">仅显示最近 ${drawn.length} 个，更多计划见<a href="/?status=drawn">计划列表</a>。</p>` : ''}`
    : html`<p class="notice">暂无已抽取的计划。</p>`
}`,
  });
}
