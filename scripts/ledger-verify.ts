/**
 * `npm run ledger:verify -- --url http://host:port` or `-- --file ledger.json`
 *
 * Walks the whole public hash chain (spec §6) with the core's verifyLedger: every entry's hash is
 * SHA-256 of its JCS form and links to the one before. Prints `OK <seq> <hash>` (the head) or the
 * first broken entry, and exits non-zero on failure (1 = broken chain, 2 = usage or I/O error).
 * A file is a saved JSON array of entries or a page of GET /public/v1/ledger ({"items": […]}).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyLedger, GENESIS_HASH, type LedgerEntry } from '../src/core/ledger.ts';

const PAGE = 1000;

class UsageError extends Error {}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

type Outcome = { ok: true; seq: number; hash: string } | { ok: false; seq: number; reason: string };

async function verifyUrl(base: string): Promise<Outcome> {
  const root = base.replace(/\/+$/, '');
  let prevHash = GENESIS_HASH;
  let seq = 0;
  for (;;) {
    const page = await getJson<{ items: LedgerEntry[]; next: number | null }>(`${root}/public/v1/ledger?from=${seq + 1}&limit=${PAGE}`);
    if (!Array.isArray(page.items)) throw new Error('the ledger page has no items array');
    const v = verifyLedger(page.items, { startPrevHash: prevHash, startSeq: seq + 1 });
    if (!v.ok) return v;
    if (page.items.length > 0) {
      seq = v.seq;
      prevHash = v.hash;
    }
    // A page may end before PAGE entries (it has a byte budget): the end is where `next` is null.
    if (page.next === null || page.items.length === 0) {
      // The head the service reports must be where the walk ended (or later, if entries were added meanwhile).
      const head = await getJson<{ seq: number; hash: string }>(`${root}/public/v1/ledger/head`);
      if (head.seq === seq) {
        if (head.hash !== prevHash) return { ok: false, seq, reason: `head says hash ${head.hash}, the chain ends with ${prevHash}` };
        return { ok: true, seq, hash: prevHash };
      }
      if (head.seq < seq) return { ok: false, seq: head.seq, reason: `head says seq ${head.seq}, but the chain goes on to ${seq}` };
    }
  }
}

function verifyFile(path: string): Outcome {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${path} as JSON: ${(err as Error).message}`);
  }
  const entries = Array.isArray(data) ? data : (data as { items?: unknown })?.items;
  if (!Array.isArray(entries)) throw new UsageError(`${path}: expected a JSON array of ledger entries or {"items": [...]}`);
  // A saved page may start in the middle of the chain; its first entry then names its own predecessor.
  const first = entries[0] as LedgerEntry | undefined;
  const startSeq = first && typeof first.seq === 'number' && first.seq > 1 ? first.seq : 1;
  const startPrevHash = startSeq > 1 ? String(first!.prevHash) : GENESIS_HASH;
  if (startSeq > 1) console.error(`note: the file starts at seq ${startSeq}; its link to entry ${startSeq - 1} is taken on trust`);
  const v = verifyLedger(entries as LedgerEntry[], { startPrevHash, startSeq });
  return v.ok && entries.length === 0 ? { ok: true, seq: 0, hash: GENESIS_HASH } : v;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, file: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || !values.url === !values.file) {
    console.error('usage: npm run ledger:verify -- --url http://host:port\n       npm run ledger:verify -- --file ledger.json');
    return 2;
  }
  const outcome = values.url ? await verifyUrl(values.url) : verifyFile(values.file!);
  if (outcome.ok) {
    console.log(`OK ${outcome.seq} ${outcome.hash}`);
    return 0;
  }
  console.log(`BROKEN at seq ${outcome.seq}: ${outcome.reason}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`ledger:verify: ${(err as Error).message}`);
    process.exit(2);
  },
);
