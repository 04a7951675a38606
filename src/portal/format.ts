/** Display helpers for the portal: Beijing time, percentages, short digests, Chinese labels. */
import { html, type Html } from './html.ts';
import type { PublicPlanStatus } from '../domain/plans/status.ts';

/**
 * "2026-11-22 10:00:00" in Beijing time, the way notices print it. China has kept UTC+8 without daylight
 * saving since 1991, so a fixed offset is exact (and far cheaper than Intl per table cell).
 */
export function beijingTime(d: Date | string): string {
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return String(d);
  const s = new Date(date.getTime() + 8 * 3600_000).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 19)}`;
}

/** A <time> element: machine-readable ISO instant, Beijing time shown. */
export function time(d: Date | string | null | undefined): Html {
  if (d === null || d === undefined) return html`—`;
  const date = typeof d === 'string' ? new Date(d) : d;
  const iso = Number.isNaN(date.getTime()) ? String(d) : date.toISOString();
  return html`<time datetime="${iso}">${beijingTime(date)}</time>`;
}

/** Basis points as a percentage without float noise: 500 → "5%", 1234 → "12.34%". */
export function percent(bp: number): string {
  const whole = Math.trunc(bp / 100);
  const frac = String(Math.abs(bp % 100))
    .padStart(2, '0')
    .replace(/0+$/, '');
  return `${whole}${frac ? `.${frac}` : ''}%`;
}

/** A digest shortened for tables, the full value in the title and for copying. */
export function shortHash(h: string | null | undefined): Html {
  if (!h) return html`—`;
  return html`<code class="hash" title="${h}">${h.slice(0, 12)}…</code>`;
}

export const STATUS_LABEL: Record<PublicPlanStatus, string> = { committed: '已承诺', drawn: '已抽取', voided: '已作废' };

export function statusBadge(s: PublicPlanStatus): Html {
  return html`<span class="badge badge-${s}">${STATUS_LABEL[s]}</span>`;
}

export const MODE_LABEL: Record<string, string> = { onsite: '现场检查', written: '书面检查' };

/** A task's mode, or a note where it is withheld because it would reveal a grade that is not public. */
export function modeLabel(mode: string | null): Html {
  return mode === null ? html`<span class="muted" title="检查方式由等级决定，本计划不公开等级">按等级确定</span>` : html`${MODE_LABEL[mode] ?? mode}`;
}

export const LEDGER_KIND_LABEL: Record<string, string> = {
  'plan.committed': '计划承诺',
  'plan.drawn': '抽取',
  'plan.voided': '作废',
  'results.published': '结果公开',
  'programme.published': '年度计划公告',
  'followups.published': '整改复查结果公开',
};

/** Labels of the entity types in use (the directory's type is free text; unknown ones show as they are). */
export const ENTITY_TYPE_LABEL: Record<string, string> = {
  enterprise: '企业',
  individual: '个体工商户',
  cooperative: '农民专业合作社',
  'social-org': '社会组织',
  institution: '事业单位',
};

/** Number with thousands separators. */
export const num = (n: number) => n.toLocaleString('zh-CN');
