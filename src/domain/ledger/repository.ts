/**
 * The public hash chain (spec §6) in the database: one append-only table, one writer at a time.
 *
 * Appends take a transaction-scoped advisory lock, read the head and insert seq + 1 in the caller's
 * transaction, so two service processes can never fork the chain; the unique constraints on
 * prev_hash and hash are the backstop, and a trigger rejects UPDATE, DELETE and TRUNCATE.
 */
import { sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { execRows, type Executor } from '../../db/client.ts';
import { createHash } from 'node:crypto';
import { GENESIS_HASH, isLedgerKind, ledgerEntryPreimage, ledgerEntryPreimageWithBodyText, type LedgerEntry, type LedgerKind, type UnhashedLedgerEntry } from '../../core/ledger.ts';

/** Key of the advisory lock that serializes appends (any constant works; this one spells "ledger"). */
const LEDGER_LOCK_KEY = 0x6c6564676572n;

/** ISO-8601 UTC with milliseconds, as Date.prototype.toISOString writes it. */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export interface AppendInput {
  kind: LedgerKind;
  planId: string;
  /** Strings, integers, booleans, null, arrays and objects only (JCS, spec §6). */
  body: unknown;
  /** canonicalJson(body), when the caller has already serialized it (a draw does, while its tasks are written). */
  bodyJson?: string;
  /** ISO-8601 UTC with milliseconds; now when omitted. Stored as text exactly as hashed. */
  at?: string;
}

/**
 * Appends one entry in the caller's transaction and returns it (with seq and hash). Call it last in
 * the transaction: the lock it takes is held until commit, so the append and everything written
 * with it become visible together, or not at all.
 */
export async function appendLedgerEntry(tx: Executor, input: AppendInput): Promise<LedgerEntry> {
  return (await appendLedgerEntryWithText(tx, input)).entry;
}

/** appendLedgerEntry, also giving the body's canonical JSON text as stored (a draw answers with it). */
export async function appendLedgerEntryWithText(tx: Executor, input: AppendInput): Promise<{ entry: LedgerEntry; bodyJson: string }> {
  // Outside a transaction the xact lock would be released at once and two appends could fork the chain.
  if (!(tx instanceof PgTransaction)) throw new Error('appendLedgerEntry must run inside a transaction');
  checkInput(input);
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${sql.raw(LEDGER_LOCK_KEY.toString())})`);
  const [head] = await execRows<{ seq: number | string; hash: string }>(tx, sql`SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1`);
  const unhashed: UnhashedLedgerEntry = {
    seq: head ? Number(head.seq) + 1 : 1,
    kind: input.kind,
    planId: input.planId,
    at: input.at ?? new Date().toISOString(),
    body: input.body,
    prevHash: head ? head.hash : GENESIS_HASH,
  };
  // The core's JCS text (it throws on values §6 does not allow, like fractions), hashed with node's
  // native SHA-256: a draw's body is megabytes. The body is stored as its part of that canonical text,
  // so what is served back is exactly what was hashed.
  let preimage: string;
  let bodyJson: string;
  if (input.bodyJson !== undefined) {
    const { body: _body, ...envelope } = unhashed;
    preimage = ledgerEntryPreimageWithBodyText(envelope, input.bodyJson);
    bodyJson = input.bodyJson;
  } else {
    preimage = ledgerEntryPreimage(unhashed);
    bodyJson = bodyText(preimage);
  }
  const entry: LedgerEntry = { ...unhashed, hash: createHash('sha256').update(preimage, 'utf8').digest('hex') };
  await tx.execute(
    sql`INSERT INTO ledger (seq, kind, plan_id, at, body, prev_hash, hash)
        VALUES (${entry.seq}, ${entry.kind}, ${entry.planId}, ${entry.at}, ${bodyJson}, ${entry.prevHash}, ${entry.hash})`,
  );
  return { entry, bodyJson };
}

function checkInput(input: AppendInput): void {
  if (!isLedgerKind(input.kind)) throw new Error(`unknown ledger kind ${JSON.stringify(input.kind)}`);
  if (typeof input.planId !== 'string' || input.planId === '') throw new Error('a ledger entry needs a planId');
  if (input.at !== undefined && !ISO_INSTANT.test(input.at)) {
    throw new Error(`ledger "at" must be ISO-8601 UTC with milliseconds, got ${JSON.stringify(input.at)}`);
  }
}

/**
 * The body's text inside the canonical entry. JCS sorts the members: at, body, kind, planId, prevHash,
 * seq. "at" (an ISO instant) holds no quote, so the first `"body":` is the member; the last `,"kind":`
 * is the top-level one, since planId, prevHash and seq after it are a string without unescaped quotes,
 * a hash and an integer.
 */
function bodyText(preimage: string): string {
  const start = preimage.indexOf('"body":') + '"body":'.length;
  const end = preimage.lastIndexOf(',"kind":');
  if (!preimage.startsWith('{"at":') || start < '"body":'.length || end < start) throw new Error('unexpected canonical ledger entry');
  return preimage.slice(start, end);
}

interface Row {
  seq: number | string;
  kind: string;
  plan_id: string | null;
  at: string;
  body: string;
  prev_hash: string;
  hash: string;
}

const toEntry = (r: Row): LedgerEntry => ({
  seq: Number(r.seq),
  kind: r.kind as LedgerKind,
  planId: r.plan_id ?? '',
  at: r.at,
  // the stored JCS text
  body: JSON.parse(r.body),
  prevHash: r.prev_hash,
  hash: r.hash,
});

export function createLedgerRepository(db: Executor) {
  return {
    /** Entries with seq ≥ from, ascending, at most `limit`; optionally only those of one plan. */
    async page(from: number, limit: number, planId?: string): Promise<LedgerEntry[]> {
      const rows = await execRows<Row>(
        db,
        sql`SELECT seq, kind, plan_id, at, body, prev_hash, hash FROM ledger
             WHERE seq >= ${from} ${planId === undefined ? sql`` : sql`AND plan_id = ${planId}`}
             ORDER BY seq LIMIT ${limit}`,
      );
      return rows.map(toEntry);
    },
    async get(seq: number): Promise<LedgerEntry | null> {
      const [row] = await execRows<Row>(
        db,
        sql`SELECT seq, kind, plan_id, at, body, prev_hash, hash FROM ledger WHERE seq = ${seq}`,
      );
      return row ? toEntry(row) : null;
    },
    /** The last entry's seq and hash; seq 0 and 64 zeros for an empty ledger. */
    async head(): Promise<{ seq: number; hash: string }> {
      const [row] = await execRows<{ seq: number | string; hash: string }>(
        db,
        sql`SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1`,
      );
      return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
    },
    /** seq, kind, at and hash of a plan's entries (no bodies), ascending. */
    async ofPlan(planId: string): Promise<{ seq: number; kind: string; at: string; hash: string }[]> {
      const rows = await execRows<{ seq: number | string; kind: string; at: string; hash: string }>(
        db,
        sql`SELECT seq, kind, at, hash FROM ledger WHERE plan_id = ${planId} ORDER BY seq`,
      );
      return rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, at: r.at, hash: r.hash }));
    },
  };
}
