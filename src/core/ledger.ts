/**
 * The public hash chain (spec §6). Pure: no I/O.
 *
 * hash = SHA-256( JCS(entry without its "hash" member) ), prevHash of the first entry = 64 zeros.
 */
import { canonicalJson } from './jcs.ts';
import { sha256Hex, type Sha256Factory } from './sha256.ts';
import { isHex64 } from './draw/ids.ts';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The kinds of entry. `programme.published` (an annual programme's 计划公告) carries the programme's id in the
 * envelope's `planId` member: the envelope is fixed by §6, and programme ids (PROG-…) never collide with plan ids.
 */
export const LEDGER_KINDS = [
  'plan.committed',
  'plan.drawn',
  'plan.voided',
  'results.published',
  'programme.published',
  'followups.published',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface LedgerEntry<B = unknown> {
  seq: number;
  kind: LedgerKind;
  planId: string;
  /** ISO-8601 UTC timestamp string, e.g. "2026-11-22T02:00:00.000Z". */
  at: string;
  body: B;
  prevHash: string;
  hash: string;
}

export type UnhashedLedgerEntry<B = unknown> = Omit<LedgerEntry<B>, 'hash'>;

function isLedgerKind(k: unknown): k is LedgerKind {
  return typeof k === 'string' && (LEDGER_KINDS as readonly string[]).includes(k);
}

/**
 * SHA-256 of the JCS form of the entry without its "hash" member. A `hash` member present on the
 * argument is ignored, so this also recomputes the hash of a stored entry.
 * Throws if the entry holds values JCS/§6 do not allow (fractional numbers, …).
 */
export function ledgerEntryHash(entry: UnhashedLedgerEntry | LedgerEntry): string {
  const { hash: _ignored, ...rest } = entry as LedgerEntry;
  return sha256Hex(canonicalJson(rest));
}

/** The canonical JSON text that is hashed (useful for debugging and for publication). */
export function ledgerEntryPreimage(entry: UnhashedLedgerEntry | LedgerEntry): string {
  const { hash: _ignored, ...rest } = entry as LedgerEntry;
  return canonicalJson(rest);
}

/**
 * The same text as ledgerEntryPreimage, for an entry whose body is given as its canonical text
 * (canonicalJson(body)): the envelope is canonicalized with a null body and the text spliced in. JCS
 * sorts "at" before "body", and "at" is a string, so the body member follows it directly. Lets a big
 * body be serialized before the entry's seq and prevHash are known.
 */
export function ledgerEntryPreimageWithBodyText(entry: Omit<UnhashedLedgerEntry, 'body'>, bodyJson: string): string {
  if (typeof entry.at !== 'string') throw new Error('ledger entry "at" must be a string');
  const envelope = canonicalJson({ ...entry, body: null });
  const head = `{"at":${JSON.stringify(entry.at)},"body":`;
  if (!envelope.startsWith(`${head}null,`)) throw new Error('unexpected canonical ledger entry');
  return head + bodyJson + envelope.slice(head.length + 'null'.length);
}

/** What goes into the next entry of the chain (seq and prevHash come from the chain). */
export interface LedgerEntryInput<B = unknown> {
  kind: LedgerKind;
  planId: string;
  at: string;
  body: B;
  /** canonicalJson(body), when the caller has serialized it already (a big body, made while other work runs). */
  bodyJson?: string;
}

/** A new entry, and its body's canonical JSON text as hashed: what a ledger stores and serves. */
export interface BuiltLedgerEntry<B = unknown> {
  entry: LedgerEntry<B>;
  bodyJson: string;
}

/**
 * The body's text inside the canonical entry of `at`. JCS sorts the members: at, body, kind, planId,
 * prevHash, seq; so the body starts right after the "at" member, and the last `,"kind":` ends it, since
 * planId, prevHash and seq after it are a string without unescaped quotes, a hash and an integer.
 */
function bodyTextOf(preimage: string, at: string): string {
  const head = `{"at":${JSON.stringify(at)},"body":`;
  const end = preimage.lastIndexOf(',"kind":');
  if (!preimage.startsWith(head) || end < head.length) throw new Error('unexpected canonical ledger entry');
  return preimage.slice(head.length, end);
}

/**
 * Builds the next entry of a chain. `prev` is the last entry (or null for the first entry of a
 * ledger: seq 1, prevHash = GENESIS_HASH). The entry is hashed with `hash` (default: the portable
 * SHA-256; a server hashing megabyte bodies passes its native one). Throws if the body holds values
 * JCS/§6 do not allow.
 */
export function buildLedgerEntry<B>(
  prev: Pick<LedgerEntry, 'seq' | 'hash'> | null,
  e: LedgerEntryInput<B>,
  hash?: Sha256Factory,
): BuiltLedgerEntry<B> {
  if (!isLedgerKind(e.kind)) throw new Error(`unknown ledger kind ${JSON.stringify(e.kind)}`);
  if (typeof e.planId !== 'string') throw new Error('ledger entry planId must be a string');
  if (typeof e.at !== 'string') throw new Error('ledger entry "at" must be a string');
  const seq = prev === null ? 1 : prev.seq + 1;
  const prevHash = prev === null ? GENESIS_HASH : prev.hash;
  const envelope = { seq, kind: e.kind, planId: e.planId, at: e.at, prevHash };
  let preimage: string;
  let bodyJson: string;
  if (e.bodyJson !== undefined) {
    preimage = ledgerEntryPreimageWithBodyText(envelope, e.bodyJson);
    bodyJson = e.bodyJson;
  } else {
    preimage = ledgerEntryPreimage({ ...envelope, body: e.body });
    bodyJson = bodyTextOf(preimage, e.at);
  }
  const entry: LedgerEntry<B> = { seq, kind: e.kind, planId: e.planId, at: e.at, body: e.body, prevHash, hash: sha256Hex(preimage, hash) };
  return { entry, bodyJson };
}

export type LedgerVerification =
  | { ok: true /** seq of the last entry (startSeq − 1 when empty) */; seq: number /** hash of the last entry */; hash: string }
  | { ok: false /** seq the first broken entry should have had */; seq: number; reason: string };

/**
 * Verifies a chain (or a slice of one: pass the prevHash and seq expected for its first entry).
 * Reports the first broken entry: wrong seq numbering, prevHash mismatch, hash mismatch, unknown kind,
 * malformed fields, or a body that cannot be canonicalized.
 */
export function verifyLedger(entries: readonly LedgerEntry[], opts: { startPrevHash?: string; startSeq?: number } = {}): LedgerVerification {
  let prevHash = opts.startPrevHash ?? GENESIS_HASH;
  let expectedSeq = opts.startSeq ?? 1;
  if (!isHex64(prevHash)) return { ok: false, seq: expectedSeq, reason: 'startPrevHash is not 64 lowercase hex characters' };
  if (!Number.isSafeInteger(expectedSeq) || expectedSeq < 1) {
    return { ok: false, seq: expectedSeq, reason: 'startSeq must be a positive integer' };
  }
  for (let i = 0; i < entries.length; i++, expectedSeq++) {
    const e = entries[i];
    const fail = (reason: string): LedgerVerification => ({ ok: false, seq: expectedSeq, reason });
    if (e === null || typeof e !== 'object') return fail(`entry ${i} is not an object`);
    if (e.seq !== expectedSeq) return fail(`seq ${JSON.stringify(e.seq)} where ${expectedSeq} was expected`);
    if (!isLedgerKind(e.kind)) return fail(`unknown kind ${JSON.stringify(e.kind)}`);
    if (typeof e.planId !== 'string') return fail('planId is not a string');
    if (typeof e.at !== 'string') return fail('"at" is not a string');
    if (e.prevHash !== prevHash) return fail(`prevHash mismatch: entry says ${String(e.prevHash)}, previous hash is ${prevHash}`);
    let computed: string;
    try {
      computed = ledgerEntryHash(e);
    } catch (err) {
      return fail(`entry cannot be canonicalized: ${(err as Error).message}`);
    }
    if (e.hash !== computed) return fail(`hash mismatch: entry says ${String(e.hash)}, content hashes to ${computed}`);
    prevHash = computed;
  }
  return { ok: true, seq: expectedSeq - 1, hash: prevHash };
}
