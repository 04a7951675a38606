/** The page frame shared by every portal page: head, skip link, navigation, footer. */
import { html, type Html, type Interpolation } from './html.ts';

export type NavKey = 'programmes' | 'plans' | 'entities' | 'ledger' | 'verify' | null;

export interface PageOptions {
  /** Page title (also the document title, before the site name). */
  title: string;
  nav: NavKey;
  body: Interpolation;
  /** Script files (same origin) the page needs; only the verifier has one. */
  scripts?: string[];
  /** Breadcrumb trail above the h1: [label, href] pairs, the current page last without href. */
  crumbs?: Array<[string, string?]>;
}

export const SITE_NAME = '随查 · 双随机一公开';

const NAV: Array<[Exclude<NavKey, null>, string, string]> = [
  ['plans', '/', '抽查计划'],
  ['programmes', '/programmes', '年度计划'],
  ['entities', '/entities', '检查对象'],
  ['ledger', '/ledger', '公开账本'],
];

export function page(o: PageOptions): string {
  const nav = NAV.map(([key, href, label]) => html`<li><a href="${href}"${o.nav === key ? html` aria-current="page"` : ''}>${label}</a></li>`);
  const crumbs = o.crumbs?.length
    ? html`<nav class="crumbs" aria-label="当前位置"><ol>${o.crumbs.map(([label, href]) =>
        href ? html`<li><a href="${href}">${label}</a></li>` : html`<li aria-current="page">${label}</li>`,
      )}</ol></nav>`
    : '';
  const doc: Html = html`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${o.title} - ${SITE_NAME}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/portal.css">
${(o.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
</head>
<body>
<a class="skip" href="#main">跳到正文</a>
<header class="site">
<div class="wrap">
<a class="brand" href="/">随查<span> · 双随机、一公开</span></a>
<nav aria-label="主导航"><ul>${nav}</ul></nav>
</div>
</header>
<main id="main" class="wrap" tabindex="-1">
${crumbs}
${o.body}
</main>
<footer class="site">
<div class="wrap">
<p>本站公开抽查计划、抽取记录与检查结果。每次抽取在抽取前公布承诺值，抽取后公开服务器种子，任何人可按 <a href="/verify">draw-v1 协议</a>复核；所有记录写入<a href="/ledger">公开账本</a>哈希链。</p>
<p>数据接口：<a href="/public/v1/plans">/public/v1</a> · <a href="/docs">接口文档</a></p>
</div>
</footer>
</body>
</html>
`;
  return doc.value;
}

/** Numbered pager links that keep the current filters. */
export function pager(o: { page: number; pageSize: number; total: number; href: (page: number) => string; label?: string }): Html {
  const pages = Math.max(1, Math.ceil(o.total / o.pageSize));
  if (pages <= 1) return html``;
  const cur = Math.min(Math.max(1, o.page), pages);
  const shown = new Set<number>([1, pages, cur - 2, cur - 1, cur, cur + 1, cur + 2].filter((p) => p >= 1 && p <= pages));
  const items: Html[] = [];
  let last = 0;
  for (const p of [...shown].sort((a, b) => a - b)) {
    if (p - last > 1) items.push(html`<li class="gap" aria-hidden="true">…</li>`);
    items.push(
      p === cur ? html`<li><span aria-current="page">${p}</span></li>` : html`<li><a href="${o.href(p)}" aria-label="第 ${p} 页">${p}</a></li>`,
    );
    last = p;
  }
  return html`<nav class="pager" aria-label="${o.label ?? '分页'}"><ul>
${cur > 1 ? html`<li><a href="${o.href(cur - 1)}" rel="prev">上一页</a></li>` : ''}
${items}
${cur < pages ? html`<li><a href="${o.href(cur + 1)}" rel="next">下一页</a></li>` : ''}
</ul><p class="muted">共 ${o.total} 条，第 ${cur}/${pages} 页</p></nav>`;
}
