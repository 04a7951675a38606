/**
 * Downloads the WHOLE public ledger (GET /public/v1/ledger?from=&limit= page by page, then /ledger/head) and
 * hashes it here, in the browser, with the core's verifyLedger: the chain is checked by the reader, not taken
 * from the server's word. Used by /verify/{planId} and /ledger.
 */
import { GENESIS_HASH, verifyLedger, type LedgerEntry, type LedgerVerification } from '../core/ledger.ts';
import { getPublicJson } from './http.ts';

const PAGE = 1000;

export interface ChainProgress {
  /** Entries downloaded and hashed so far. */
  checked: number;
  /** The head's seq when the walk began (0 for an empty ledger). */
  total: number;
}

export interface ChainResult {
  entries: LedgerEntry[];
  /** verifyLedger over all entries, and the head the service reports checked against where the chain ends. */
  verification: LedgerVerification;
  head: { seq: number; hash: string };
}

/** Lets the browser paint (progress) between pages of hashing. */
const yieldToPaint = () => new Promise((r) => setTimeout(r, 0));

export async function fetchAndVerifyChain(onProgress?: (p: ChainProgress) => void): Promise<ChainResult> {
  const startHead = await getPublicJson<{ seq: number; hash: string }>('/public/v1/ledger/head');
  const entries: LedgerEntry[] = [];
  let prevHash = GENESIS_HASH;
  let seq = 0;
  onProgress?.({ checked: 0, total: startHead.seq });
  for (;;) {
    const page = await getPublicJson<{ items: LedgerEntry[]; next: number | null }>(`/public/v1/ledger?from=${seq + 1}&limit=${PAGE}`);
    if (!Array.isArray(page.items)) throw new Error('the ledger page has no items array');
    const v = verifyLedger(page.items, { startPrevHash: prevHash, startSeq: seq + 1 });
    for (const e of page.items) entries.push(e);
    if (!v.ok) {
      onProgress?.({ checked: entries.length, total: Math.max(startHead.seq, entries.length) });
      return { entries, verification: v, head: startHead };
    }
    if (page.items.length > 0) {
      seq = v.seq;
      prevHash = v.hash;
    }
    onProgress?.({ checked: seq, total: Math.max(startHead.seq, seq) });
    // A page may hold fewer than PAGE entries (a byte budget cuts pages of big bodies): only `next` ends the walk.
    if (page.items.length === 0 || page.next === null) break;
    await yieldToPaint();
  }
  // The head the service reports must be where the walk ended (or later, if entries were appended meanwhile).
  const head = await getPublicJson<{ seq: number; hash: string }>('/public/v1/ledger/head');
  let verification: LedgerVerification = { ok: true, seq, hash: prevHash };
  if (head.seq === seq && head.hash !== prevHash) {
    verification = { ok: false, seq, reason: `the head says hash ${head.hash}, the chain ends with ${prevHash}` };
  } else if (head.seq < seq) {
    verification = { ok: false, seq: head.seq, reason: `the head says seq ${head.seq}, but the chain goes on to ${seq}` };
  } else if (startHead.seq > seq) {
    verification = { ok: false, seq: seq + 1, reason: `the head said seq ${startHead.seq}, but the ledger ends at ${seq}` };
  }
  return { entries, verification, head };
}
