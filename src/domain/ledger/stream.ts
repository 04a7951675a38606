/**
 * The public ledger as a response body, streamed: a draw's `plan.drawn` body is megabytes (15 MB for a
 * 100k-task plan), so an entry is never read or built whole in memory. The stored body is its canonical
 * (JCS) text, exactly as hashed; it is sent as is, read from the database in slices of BODY_CHUNK_CHARS
 * characters, so ten concurrent requests for the biggest entry hold ten slices, not ten copies.
 *
 * Pages of `GET /public/v1/ledger` have a byte budget besides their count cap: a page stops before the
 * entry that would take its bodies past PAGE_BODY_BUDGET (a page always holds at least one entry), and
 * `next` says where the next page starts, as for a full page.
 */
import { sql } from 'drizzle-orm';
import { execRows, type Executor } from '../../db/client.ts';

/** Bodies up to this many bytes come with the page's query; bigger ones are read slice by slice. */
export const INLINE_BODY_BYTES = 256 * 1024;
/**
 * Characters per slice of a big body (at most 4 bytes each in UTF-8; draw bodies are ASCII). Small enough that
 * a slice is cheap to receive and to collect (the driver gathers a row's bytes before it makes the string), big
 * enough that a 24 MB body takes ~100 queries, each of which decompresses the body up to the slice.
 */
export const BODY_CHUNK_CHARS = 256 * 1024;
/** Slice reads in flight at once in this process, whatever the number of requests: bounds the memory they take. */
export const SLICE_READS_IN_FLIGHT = 2;
/** Total body bytes a ledger page holds (its first entry whatever its size). */
export const PAGE_BODY_BUDGET = 4 * 1024 * 1024;

/** A counting semaphore: at most `max` of the functions run at once, the others wait in order. */
function limiter(max: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
      else running++;
      try {
        return await fn();
      } finally {
        // hand the slot straight to the next in line, or free it
        const next = waiting.shift();
        if (next) next();
        else running--;
      }
    },
  };
}

const sliceReads = limiter(SLICE_READS_IN_FLIGHT);

interface MetaRow {
  seq: number | string;
  kind: string;
  plan_id: string | null;
  at: string;
  prev_hash: string;
  hash: string;
  /** The body's text when it is at most INLINE_BODY_BYTES, else null (read by slices). */
  body: string | null;
}

export interface LedgerPageStream {
  /** How many entries the page holds. */
  count: number;
  /** `from` of the next page, or null at the end. */
  next: number | null;
  /** The page's JSON text, piece by piece. */
  chunks: AsyncGenerator<string>;
}

/** The sizes above; tests make them small to walk the sliced path with small data. */
export interface StreamSizes {
  inlineBytes?: number;
  chunkChars?: number;
  budget?: number;
}

/** One entry's body text, slice by slice (the ledger is append-only: the slices are of one value). */
export async function* ledgerBodySlices(db: Executor, seq: number, chunkChars = BODY_CHUNK_CHARS): AsyncGenerator<string> {
  for (let start = 1; ; start += chunkChars) {
    const [row] = await sliceReads.run(() =>
      execRows<{ part: string | null }>(
        db,
        sql`SELECT substring(body FROM ${start}::int FOR ${chunkChars}::int) AS part FROM ledger WHERE seq = ${seq}`,
      ),
    );
    const part = row?.part ?? '';
    if (part.length > 0) yield part;
    if (part.length < chunkChars) return;
  }
}

/** An entry's JSON in the members' order of the LedgerEntry schema, the body spliced in as stored. */
async function* entryJson(db: Executor, r: MetaRow, chunkChars: number): AsyncGenerator<string> {
  const seq = Number(r.seq);
  yield `{"seq":${seq},"kind":${JSON.stringify(r.kind)},"planId":${JSON.stringify(r.plan_id ?? '')},"at":${JSON.stringify(r.at)},"body":`;
  if (r.body !== null) yield r.body;
  else yield* ledgerBodySlices(db, seq, chunkChars);
  yield `,"prevHash":${JSON.stringify(r.prev_hash)},"hash":${JSON.stringify(r.hash)}}`;
}

/** One entry as streamed JSON, or null when there is none. */
export async function ledgerEntryStream(db: Executor, seq: number, sizes: StreamSizes = {}): Promise<AsyncGenerator<string> | null> {
  const inline = sizes.inlineBytes ?? INLINE_BODY_BYTES;
  const [row] = await execRows<MetaRow>(
    db,
    sql`SELECT seq, kind, plan_id, at, prev_hash, hash, CASE WHEN octet_length(body) <= ${inline} THEN body END AS body
          FROM ledger WHERE seq = ${seq}`,
  );
  return row ? entryJson(db, row, sizes.chunkChars ?? BODY_CHUNK_CHARS) : null;
}

/**
 * A page of entries with seq ≥ from (optionally one plan's), ascending: at most `limit` entries and, past
 * the first, no more than PAGE_BODY_BUDGET bytes of bodies. The cut is made in SQL from the bodies' sizes
 * (octet_length reads the stored size, not the body), so no body past the cut is read.
 */
export async function ledgerPageStream(
  db: Executor,
  from: number,
  limit: number,
  planId?: string,
  sizes: StreamSizes = {},
): Promise<LedgerPageStream> {
  const inline = sizes.inlineBytes ?? INLINE_BODY_BYTES;
  const budget = sizes.budget ?? PAGE_BODY_BUDGET;
  const chunkChars = sizes.chunkChars ?? BODY_CHUNK_CHARS;
  const rows = await execRows<MetaRow>(
    db,
    sql`SELECT seq, kind, plan_id, at, prev_hash, hash, size, CASE WHEN size <= ${inline} THEN body END AS body
          FROM (SELECT l.*, octet_length(l.body) AS size, row_number() OVER (ORDER BY l.seq) AS rn,
                       sum(octet_length(l.body)) OVER (ORDER BY l.seq) AS cum
                  FROM (SELECT * FROM ledger WHERE seq >= ${from} ${planId === undefined ? sql`` : sql`AND plan_id = ${planId}`}
                         ORDER BY seq LIMIT ${limit}) l) x
         WHERE rn = 1 OR cum <= ${budget}
         ORDER BY seq`,
  );
  const last = rows.at(-1);
  const next = last === undefined ? null : await nextFrom(db, Number(last.seq), planId);
  async function* chunks(): AsyncGenerator<string> {
    yield '{"items":[';
    for (let i = 0; i < rows.length; i++) {
      if (i > 0) yield ',';
      yield* entryJson(db, rows[i], chunkChars);
    }
    yield `],"from":${from},"limit":${limit},"next":${next === null ? 'null' : next}}`;
  }
  return { count: rows.length, next, chunks: chunks() };
}

/** seq + 1 when an entry (of the plan, if one is given) follows `seq`, else null. */
async function nextFrom(db: Executor, seq: number, planId?: string): Promise<number | null> {
  const [row] = await execRows<{ seq: number | string }>(
    db,
    sql`SELECT seq FROM ledger WHERE seq > ${seq} ${planId === undefined ? sql`` : sql`AND plan_id = ${planId}`} ORDER BY seq LIMIT 1`,
  );
  return row ? seq + 1 : null;
}
