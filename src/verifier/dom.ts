/** Small DOM helpers of the verifier. Text is only ever set with textContent, never parsed as HTML. */

export function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
}

export function setText(id: string, text: string) {
  el(id).textContent = text;
}

export type VerdictState = 'ok' | 'bad' | 'pending';

/** Fills a `.verdict` box: a big line and an optional detail; `data-state` tells tests and styles the outcome. */
export function showVerdict(id: string, kind: VerdictState, big: string, detail = '') {
  const box = el(id);
  box.className = `verdict ${kind}`;
  box.hidden = false;
  box.replaceChildren();
  const b = document.createElement('span');
  b.className = 'big';
  b.textContent = big;
  box.append(b);
  if (detail) {
    const d = document.createElement('div');
    d.className = 'detail';
    d.textContent = detail;
    box.append(d);
  }
  box.dataset.state = kind;
}

export type MarkState = 'ok' | 'bad' | 'skipped' | 'na' | 'pending';

const MARK: Record<MarkState, [string, string]> = {
  ok: ['✓', '通过'],
  bad: ['✗', '不一致'],
  skipped: ['–', '未执行'],
  na: ['–', '不适用'],
  pending: ['·', '待验证'],
};

/** Marks one item of an `ol.steps` list. */
export function markItem(li: HTMLElement, state: MarkState, message = '') {
  li.className = state === 'pending' ? '' : state;
  li.querySelector('.mark')!.textContent = MARK[state][0];
  li.querySelector('.state')!.textContent = MARK[state][1];
  li.querySelector('.msg')!.textContent = message;
}
