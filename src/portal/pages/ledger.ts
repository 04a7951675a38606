/**
 * `/ledger`: the chain head, the chain verified in the reader's browser (/assets/verifier.js downloads every
 * entry and hashes it with the core), the server's own check labelled as the server's claim, and the entries
 * newest first.
 */
import { html, query } from '../html.ts';
import { page, pager } from '../layout.ts';
import { LEDGER_KIND_LABEL, num, shortHash, time } from '../format.ts';
import type { LedgerCheck } from '../../domain/disclosure/service.ts';

export interface LedgerView {
  planId: string | null;
  head: { seq: number; hash: string; at: string } | null;
  check: LedgerCheck;
  rows: Array<{ seq: number; kind: string; planId: string | null; at: string; prevHash: string; hash: string }>;
  total: number;
  page: number;
  pageSize: number;
}

export function ledgerPage(v: LedgerView): string {
  const c = v.check;
  const verdict = c.ok
    ? html`<div class="verdict ok" id="chain-check" data-state="ok"><span class="big">服务器自检：链完整</span>
<div class="detail">${
        c.checkedFrom <= 1
          ? html`服务器刚刚按 draw-v1 协议第 6 节逐条重算了全部 ${num(c.entries)} 条记录的哈希（SHA-256 of JCS），每条的前一哈希都与上一条一致（用时 ${Math.max(1, Math.round(c.ms))} 毫秒）。`
          : html`全部 ${num(c.entries)} 条记录的哈希链完整：服务器于 ${time(c.fullCheckAt)} 按 draw-v1 协议第 6 节逐条重算了整条链，此后新增的记录（第 ${c.checkedFrom} 条起）在本次访问时重算（用时 ${Math.max(1, Math.round(c.ms))} 毫秒）。整条链定期重新完整校验；任何人都可用 <code>npm run ledger:verify</code> 自行校验。`
      }</div></div>`
    : html`<div class="verdict bad" id="chain-check" data-state="bad"><span class="big">服务器自检：链已损坏，第 ${c.seq} 条记录</span>
<div class="detail">服务器按 draw-v1 协议第 6 节重算时发现链已损坏：第 ${c.seq} 条记录不一致。${c.reason}</div></div>`;
  const rows = v.rows.map(
    (r) => html`<tr>
<td class="num" data-label="序号">${r.seq}</td>
<td data-label="类型">${LEDGER_KIND_LABEL[r.kind] ?? r.kind}</td>
<td data-label="计划">${r.planId ? html`<a href="/${r.kind === 'programme.published' ? 'programmes' : 'plans'}/${encodeURIComponent(r.planId)}">${r.planId}</a>` : '—'}</td>
<td data-label="时间" class="nowrap">${time(r.at)}</td>
<td data-label="哈希">${shortHash(r.hash)}</td>
<td data-label="前一哈希">${shortHash(r.prevHash)}</td>
<td data-label="原文"><a href="/public/v1/ledger/${r.seq}" aria-label="第 ${r.seq} 条记录的 JSON">JSON</a></td>
</tr>`,
  );
  return page({
    title: v.planId ? `公开账本：${v.planId}` : '公开账本',
    nav: 'ledger',
    scripts: ['/assets/verifier.js'],
    body: html`<h1>公开账本</h1>
<p>每次计划承诺、抽取、作废和结果公示都追加为一条记录。每条记录包含前一条的哈希，hash = SHA-256(JCS(去掉 hash 的记录))，记录只追加、从不修改或删除。</p>
<h2>在您的浏览器中校验整条链</h2>
<div id="ledger-verifier">
<noscript><p class="notice warn">浏览器校验需要启用 JavaScript（仅加载本站的 /assets/verifier.js）。未启用时，可以在自己的电脑上运行 <code>npm run ledger:verify -- --url 本站地址</code>，或下载<a href="/public/v1/ledger${query({ from: 1, limit: 1000 })}">全部记录（JSON）</a>按协议第 6 节自行校验。</p></noscript>
<p id="browser-chain-progress-text" class="muted" role="status" aria-live="polite"></p>
<progress id="browser-chain-progress" max="1" value="0" hidden></progress>
<div id="browser-chain-check" class="verdict pending" role="status" aria-live="polite" hidden></div>
</div>
<h2>服务器自检（服务器的声明）</h2>
<p class="muted">以下结果由服务器自己计算，只是服务器的声明；上面的浏览器校验不依赖它。</p>
${verdict}
<h2>链头</h2>
${
  v.head
    ? html`<dl class="kv"><dt>序号</dt><dd>${v.head.seq}</dd><dt>哈希</dt><dd><code class="digest">${v.head.hash}</code></dd><dt>时间</dt><dd>${time(v.head.at)}</dd></dl>`
    : html`<p class="notice">账本尚无记录。</p>`
}
<p><a href="/public/v1/ledger/head">链头（JSON）</a> · <a href="/public/v1/ledger${query({ from: 1, limit: 100 })}">全部记录（JSON，可分页）</a></p>
<h2>${v.planId ? html`计划 ${v.planId} 的记录` : '最近记录'}</h2>
${v.planId ? html`<p><a href="/ledger">显示全部记录</a></p>` : ''}
${
  v.rows.length
    ? html`<div class="table-wrap"><table class="stack">
<caption>账本记录（从新到旧）</caption>
<thead><tr><th scope="col" class="num">序号</th><th scope="col">类型</th><th scope="col">计划</th><th scope="col">时间</th><th scope="col">哈希</th><th scope="col">前一哈希</th><th scope="col">原文</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
${pager({ page: v.page, pageSize: v.pageSize, total: v.total, href: (p) => `/ledger${query({ plan: v.planId, page: p > 1 ? p : undefined })}`, label: '账本分页' })}`
    : html`<p class="notice">没有记录。</p>`
}`,
  });
}
