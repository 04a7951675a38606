/**
 * The public hash chain (spec §6) in the database: one append-only table, one writer at a time.
 *
 * Appends take a transaction-scoped advisory lock, read the head and insert seq + 1 in the caller's
 * transaction, so two service processes can never fork the chain; the unique constraints on
 * prev_hash and hash are the backstop, and a trigger rejects UPDATE, DELETE and TRUNCATE.
 */
import { sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { execRows, type Database, type Executor } from '../../db/client.ts';
import { GENESIS_HASH, buildLedgerEntry, type BuiltLedgerEntry, type LedgerEntry, type LedgerKind } from '../../core/ledger.ts';
import { nodeSha256 } from '../sha256.ts';

/** Key of the advisory lock that serializes appends (any constant works; this one spells "ledger"). */
const LEDGER_LOCK_KEY = 0x6c6564676572n;

/** ISO-8601 UTC with milliseconds, as Date.prototype.toISOString writes it. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

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
export async function appendLedgerEntryWithText(tx: Executor, input: AppendInput): Promise<BuiltLedgerEntry> {
  // Outside a transaction the xact lock would be released at once and two appends could fork the chain.
  if (!(tx instanceof PgTransaction)) throw new Error('appendLedgerEntry must run inside a transaction');
  checkInput(input);
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${sql.raw(LEDGER_LOCK_KEY.toString())})`);
  const [head] = await execRows<{ seq: number | string; hash: string }>(tx, sql`SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1`);
  // The core builds and hashes the entry (its JCS throws on values §6 does not allow, like fractions),
  // with node's native SHA-256: a draw's body is megabytes. The body is stored as its part of that
  // canonical text, so what is served back is exactly what was hashed.
  const built = buildLedgerEntry(
    head ? { seq: Number(head.seq), hash: head.hash } : null,
    { kind: input.kind, planId: input.planId, at: input.at ?? new Date().toISOString(), body: input.body, bodyJson: input.bodyJson },
    nodeSha256,
  );
  const { entry, bodyJson } = built;
  await tx.execute(
    sql`INSERT INTO ledger (seq, kind, plan_id, at, body, prev_hash, hash)
        VALUES (${entry.seq}, ${entry.kind}, ${entry.planId}, ${entry.at}, ${bodyJson}, ${entry.prevHash}, ${entry.hash})`,
  );
  return built;
}

/** What the table needs beyond the core's checks: a plan, and `at` exactly as Date.prototype.toISOString writes it. */
function checkInput(input: AppendInput): void {
  if (typeof input.planId !== 'string' || input.planId === '') throw new Error('a ledger entry needs a planId');
  if (input.at !== undefined && !ISO_INSTANT.test(input.at)) {
    throw new Error(`ledger "at" must be ISO-8601 UTC with milliseconds, got ${JSON.stringify(input.at)}`);
  }
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
      const [row] = await execRows<Row>(db, sql`SELECT seq, kind, plan_id, at, body, prev_hash, hash FROM ledger WHERE seq = ${seq}`);
      return row ? toEntry(row) : null;
    },
    /** The last entry's seq and hash; seq 0 and 64 zeros for an empty ledger. */
    async head(): Promise<{ seq: number; hash: string }> {
      const [row] = await execRows<{ seq: number | string; hash: string }>(db, sql`SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1`);
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

// ─── Reads for the portal's ledger page and its chain check ─────────────────────────────────────────

/** The last entry's seq, hash and time, or null for an empty ledger. */
export async function ledgerHeadSummary(db: Executor): Promise<{ seq: number; hash: string; at: string } | null> {
  const [r] = await execRows<{ seq: number | string; hash: string; at: string }>(db, sql`SELECT seq, hash, at FROM ledger ORDER BY seq DESC LIMIT 1`);
  return r ? { seq: Number(r.seq), hash: r.hash, at: r.at } : null;
}

/** One page of entries newest first, without their bodies, and how many there are (optionally one plan's). */
export async function ledgerSummaryPage(db: Executor, limit: number, offset: number, planId?: string) {
  const where = planId ? sql`WHERE plan_id = ${planId}` : sql``;
  const [{ total }] = await execRows<{ total: number }>(db, sql`SELECT count(*)::int AS total FROM ledger ${where}`);
  const rows = await execRows<Omit<Row, 'body'>>(
    db,
    sql`SELECT seq, kind, plan_id, at, prev_hash, hash FROM ledger ${where} ORDER BY seq DESC LIMIT ${limit} OFFSET ${offset}`,
  );
  return {
    total: Number(total),
    rows: rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, planId: r.plan_id, at: r.at, prevHash: r.prev_hash, hash: r.hash })),
  };
}

/** The stored hash of entry `seq`, or null when there is none. */
export async function ledgerHashAt(db: Executor, seq: number): Promise<string | null> {
  const [row] = await execRows<{ hash: string }>(db, sql`SELECT hash FROM ledger WHERE seq = ${seq}`);
  return row?.hash ?? null;
}

/** The entries after `afterSeq`, ascending, in batches from a server-side cursor: memory stays bounded. */
export async function* streamLedgerEntries(
  database: Pick<Database, 'streamQuery'>,
  afterSeq: number,
  batchSize: number,
): AsyncGenerator<LedgerEntry[]> {
  for await (const batch of database.streamQuery<Row>(
    'SELECT seq, kind, plan_id, at, body, prev_hash, hash FROM ledger WHERE seq > $1 ORDER BY seq',
    [afterSeq],
    batchSize,
  )) {
    yield batch.map(toEntry);
  }
}
