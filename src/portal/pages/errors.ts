/** Error pages of the portal (HTML, not the API's JSON). */
import { html } from '../html.ts';
import { page } from '../layout.ts';

const TITLES: Record<number, string> = { 400: '请求有误', 404: '未找到', 429: '请求过于频繁', 500: '服务器内部错误', 503: '服务繁忙' };

export function errorPage(status: number, message: string): string {
  const title = TITLES[status] ?? (status >= 500 ? TITLES[500] : TITLES[400]);
  return page({
    title,
    nav: null,
    body: html`<h1>${title}</h1>
<p class="notice warn">${message}</p>
<p><a href="/">返回抽查计划列表</a></p>`,
  });
}
