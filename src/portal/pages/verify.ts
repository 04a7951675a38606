/**
 * `/verify/{planId}`: the page of the in-browser verifier. The markup is complete without JavaScript
 * (it explains what to check and how); /assets/verifier.js, the only script, adds the behaviour.
 */
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { num, statusBadge, time } from '../format.ts';
import { VERIFY_STEPS } from '../../verifier/steps.ts';
import { AUDITOR_ONLY_CHECKS, PUBLIC_CHECKS } from '../../verifier/checks.ts';
import type { PublicPlanStatus } from '../../domain/plans/status.ts';
import type { PublicPlanSummary } from '../../schemas/public.ts';

const stepItem = (attr: 'data-step' | 'data-check', key: string, label: string, explain: string) =>
  html`<li ${attr}="${key}"><span class="mark" aria-hidden="true">·</span><span><span class="name">${label}</span>：<span class="state">待验证</span></span><span class="msg"></span><span class="msg explain">${explain}</span></li>`;

export function verifyPage(p: { id: string; title: string; status: PublicPlanStatus }): string {
  const id = encodeURIComponent(p.id);
  const fileField = (
    key: string,
    label: string,
    file: string,
    accept = '.tsv,.txt,text/tab-separated-values,text/plain',
  ) => html`<div class="file-field">
<label for="${key}" id="${key}-label">${label}</label>
<input type="file" id="${key}" name="${key}" accept="${accept}" aria-describedby="${key}-hint">
<span class="hint" id="${key}-hint">审计下载文件名：${file}</span>
</div>`;
  return page({
    title: `验证抽取：${p.title}`,
    nav: null,
    scripts: ['/assets/verifier.js'],
    crumbs: [['抽查计划', '/'], [p.title, `/plans/${id}`], ['验证']],
    body: html`<h1>在浏览器中验证抽取</h1>
<p><a href="/plans/${id}">${p.title}</a> ${statusBadge(p.status)} <span class="muted">计划编号 <code>${p.id}</code></span></p>
<p>本页用与服务端相同的 draw-v1 核心代码，在您的浏览器中核验这次抽取。第一部分任何人都能做，不需要任何文件：本页自行下载公开记录和整条公开账本，自行计算哈希。第二部分需要审计人员的快照文件或重放包，按协议完整重放抽取。所选文件只在本机读取，不会上传。</p>
<div id="verifier" data-plan-id="${p.id}" data-records-url="/public/v1/plans/${id}">
<noscript><p id="verify-js-note" class="notice warn">本页的核验在您的浏览器中运行，需要启用 JavaScript（仅加载本站的 /assets/verifier.js）。未启用时，可以下载<a href="/public/v1/plans/${id}/record.json">公开记录</a>和<a href="/public/v1/ledger">公开账本</a>，在自己的电脑上运行 <code>npm run ledger:verify -- --url 本站地址</code> 校验账本，并用 <code>npm run replay</code>（审计人员可加 <code>--bundle 重放包.tar.gz</code>）按协议重放抽取；也可以用任何语言按协议独立验证。</p></noscript>

<h2>1. 任何人都能做的核验（无需任何文件）</h2>
<div id="records-summary" hidden>
<dl class="kv">
<dt>来源</dt><dd id="rec-source" class="mono">—</dd>
<dt>状态</dt><dd id="rec-status">—</dd>
<dt>记录版本</dt><dd id="rec-revision">—</dd>
<dt>承诺值</dt><dd><code id="rec-commitment" class="digest">—</code></dd>
<dt>任务数</dt><dd id="rec-tasks">—</dd>
<dt>公开随机数产生时间</dt><dd id="rec-entropy-at">—</dd>
<dt>公开随机数</dt><dd id="rec-entropy" class="mono">—</dd>
<dt>见证人贡献值</dt><dd id="rec-contributions">—</dd>
</dl>
<p id="records-note" class="muted"></p>
</div>
<p id="chain-progress-text" class="muted" role="status" aria-live="polite"></p>
<progress id="chain-progress" max="1" value="0" hidden></progress>
<div id="public-verdict" class="verdict pending" role="status" aria-live="polite" hidden></div>
<ol class="steps" id="public-checks" aria-label="公开核验项目">
${PUBLIC_CHECKS.map((c) => stepItem('data-check', c.code, c.label, c.explain))}
</ol>
<div id="public-summary" class="notice" hidden>
<p><strong>您（任何人）已完成的核验：</strong><span id="public-done">—</span></p>
<p><strong>需要审计人员文件才能完成的核验：</strong><span id="public-needs-files">${AUDITOR_ONLY_CHECKS.join('、')}</span></p>
</div>

<h2>2. 审计人员：按协议完整重放</h2>
<p>审计人员可以下载重放包（<code>GET /api/v1/plans/${p.id}/bundle.tar.gz</code>，内含记录、三个快照文件、任务文件和本计划的账本记录），或分别下载三个快照文件和任务文件（<code>GET /api/v1/plans/${p.id}/snapshot/entities.tsv</code> 等）。本页按协议第 3、4 节重放抽取，并核对任务文件与 taskDigest 一致。</p>
<form id="verify-form" hidden>
<fieldset>
<legend>重放包</legend>
${fileField('bundle-file', '重放包（.tar.gz）', `${p.id}.tar.gz`, '.tar.gz,.tgz,application/gzip')}
</fieldset>
<fieldset>
<legend>或者：快照文件与任务文件</legend>
${fileField('entity-file', '检查对象快照（entities.tsv）', 'entities.tsv')}
${fileField('inspector-file', '执法检查人员快照（inspectors.tsv）', 'inspectors.tsv')}
${fileField('recusal-file', '回避关系快照（recusals.tsv）', 'recusals.tsv')}
${fileField('task-file', '任务文件（tasks.tsv，第 2 版记录）', 'tasks.tsv')}
<div class="file-field">
<label for="records-file">（可选）改用已保存的记录 JSON 文件</label>
<input type="file" id="records-file" name="records-file" accept=".json,application/json" multiple>
</div>
</fieldset>
<div class="actions"><button type="submit" id="verify-button">开始验证</button></div>
</form>

<h3>重放结果</h3>
<div id="verdict" class="verdict pending" role="status" aria-live="polite" hidden></div>
<ol class="steps" id="replay-steps" aria-label="重放步骤">
${VERIFY_STEPS.map((s) => stepItem('data-step', s.step, s.label, s.explain))}
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
