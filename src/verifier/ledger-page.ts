/**
 * `/ledger` in the browser: downloads the whole chain and hashes it with the core (chain.ts), showing
 * progress for a long chain. The server's own check on the page stays, labelled as the server's claim.
 */
import { fetchAndVerifyChain, type ChainProgress } from './chain.ts';
import { el, showVerdict } from './dom.ts';

export function progressText(p: ChainProgress): string {
  return `已下载并重算 ${p.checked.toLocaleString('zh-CN')} / ${p.total.toLocaleString('zh-CN')} 条记录的哈希…`;
}

export function setProgress(barId: string, textId: string, p: ChainProgress) {
  const bar = el<HTMLProgressElement>(barId);
  bar.hidden = false;
  bar.max = Math.max(1, p.total);
  bar.value = p.checked;
  el(textId).textContent = progressText(p);
}

export async function ledgerPageMain(root: HTMLElement): Promise<void> {
  const started = performance.now();
  el('browser-chain-progress-text').textContent = '正在下载公开账本…';
  showVerdict('browser-chain-check', 'pending', '正在校验…');
  try {
    const r = await fetchAndVerifyChain((p) => setProgress('browser-chain-progress', 'browser-chain-progress-text', p));
    const ms = Math.max(1, Math.round(performance.now() - started));
    const v = r.verification;
    root.dataset.entries = String(r.entries.length);
    if (v.ok) {
      el('browser-chain-progress-text').textContent = `已校验全部 ${r.entries.length.toLocaleString('zh-CN')} 条记录（用时 ${ms} 毫秒）。`;
      showVerdict(
        'browser-chain-check',
        'ok',
        '浏览器校验：链完整',
        r.entries.length === 0
          ? '账本尚无记录。'
          : `本浏览器下载了全部 ${r.entries.length} 条记录，按协议第 6 节逐条重算了哈希（SHA-256 of JCS），每条的前一哈希都与上一条一致，链头（第 ${v.seq} 条，${v.hash}）与服务器公布的链头一致。`,
      );
    } else {
      el('browser-chain-progress-text').textContent = `校验在第 ${v.seq} 条记录处停止。`;
      showVerdict('browser-chain-check', 'bad', `浏览器校验：链已损坏，第 ${v.seq} 条记录`, `原因（协议细节）：${v.reason}`);
    }
  } catch (e) {
    el('browser-chain-progress-text').textContent = '';
    showVerdict('browser-chain-check', 'bad', '无法下载公开账本', (e as Error).message);
  }
}
