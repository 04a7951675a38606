/**
 * One interface over the two drivers: PGlite (embedded, the default) and PostgreSQL through postgres.js.
 * Everything above this file uses drizzle (`db`) or the raw helpers here, never a driver directly.
 */
import { mkdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql, type SQL } from 'drizzle-orm';
import postgres from 'postgres';
import * as schema from './schema.ts';

type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Anything drizzle can run a statement on: the database or an open transaction. */
export type Executor = Db | Tx;

/** A raw transaction, for what drizzle does not cover (COPY, cursors). */
export interface RawTx {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /**
   * Bulk-load rows into `table` with COPY … FROM STDIN (text format). `lines` yields COPY text lines,
   * each ending in "\n", already escaped with `copyText`. Streams: memory stays bounded by the batch size.
   */
  copyFrom(table: string, columns: string[], lines: AsyncIterable<string>): Promise<void>;
}

export interface Database {
  kind: 'pglite' | 'postgres';
  db: Db;
  /** Run `fn` in one raw transaction; it commits when `fn` resolves and rolls back when it throws. */
  rawTransaction<T>(fn: (tx: RawTx) => Promise<T>): Promise<T>;
  /** Stream a query's rows in batches without holding the whole result (a server-side cursor). */
  streamQuery<T = Record<string, unknown>>(text: string, params: unknown[], batchSize: number): AsyncIterable<T[]>;
  close(): Promise<void>;
}

/** Escape one value for COPY text format. */
export function copyText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  const s = String(value);
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : s;
}

const quoteIdent = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad identifier ${name}`);
  return `"${name}"`;
};

const copyStatement = (table: string, columns: string[], source: string) =>
  `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM ${source}`;

/** PGlite has no COPY FROM STDIN; it reads a Blob at /dev/blob. Batches keep memory bounded. */
const PGLITE_COPY_BATCH_BYTES = 8 * 1024 * 1024;
let cursorCounter = 0;

export async function openPglite(dataDir: string | null): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = new PGlite(dataDir ?? undefined);
  await pg.waitReady;
  const db = drizzlePglite({ client: pg, schema }) as unknown as Db;
  type PgTx = Parameters<Parameters<PGlite['transaction']>[0]>[0];
  const rawOf = (tx: PgTx): RawTx => ({
    async query<T>(text: string, params: unknown[] = []) {
      const res = await tx.query<T>(text, params);
      return res.rows;
    },
    async copyFrom(table, columns, lines) {
      const statement = copyStatement(table, columns, `'/dev/blob'`);
      let parts: string[] = [];
      let size = 0;
      const flush = async () => {
        if (parts.length === 0) return;
        const blob = new Blob(parts);
        parts = [];
        size = 0;
        await tx.query(statement, [], { blob });
      };
      for await (const line of lines) {
        parts.push(line);
        size += line.length;
        if (size >= PGLITE_COPY_BATCH_BYTES) await flush();
      }
      await flush();
    },
  });
  return {
    kind: 'pglite',
    db,
    rawTransaction: (fn) => pg.transaction((tx) => fn(rawOf(tx))),
    async *streamQuery<T>(text: string, params: unknown[], batchSize: number): AsyncIterable<T[]> {
      // A WITH HOLD cursor lives outside a transaction, so other statements may run between fetches
      // on PGlite's single connection.
      const cursor = `suicha_cursor_${++cursorCounter}`;
      await pg.query(`DECLARE ${cursor} NO SCROLL CURSOR WITH HOLD FOR ${text}`, params);
      try {
        for (;;) {
          const res = await pg.query<T>(`FETCH ${batchSize} FROM ${cursor}`);
          if (res.rows.length === 0) break;
          yield res.rows;
        }
      } finally {
        await pg.query(`CLOSE ${cursor}`);
      }
    },
    close: async () => {
      if (!pg.closed) await pg.close();
    },
  };
}

export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Database> {
  const sql = postgres(url, { max: options.max ?? 10, onnotice: () => {} });
  const db = drizzlePostgres({ client: sql, schema }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    rawTransaction: async <T>(fn: (tx: RawTx) => Promise<T>) =>
      (await sql.begin(async (tx) =>
        fn({
          async query<R>(text: string, params: unknown[] = []) {
            return (await tx.unsafe(text, params as never[])) as unknown as R[];
          },
          async copyFrom(table, columns, lines) {
            const writable = await tx.unsafe(copyStatement(table, columns, 'STDIN')).writable();
            await pipeline(Readable.from(lines), writable);
          },
        }),
      )) as T,
    async *streamQuery<T>(text: string, params: unknown[], batchSize: number): AsyncIterable<T[]> {
      for await (const rows of sql.unsafe(text, params as never[]).cursor(batchSize)) yield rows as unknown as T[];
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

export function openDatabase(config: { databaseUrl: string | null; dataDir: string | null }): Promise<Database> {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openPglite(config.dataDir);
}

/** Rows of a raw drizzle `execute`, whatever the driver (postgres.js returns an array, PGlite `{rows}`). */
export async function execRows<T = Record<string, unknown>>(q: Executor, query: SQL): Promise<T[]> {
  const res = (await q.execute(query)) as unknown;
  return (Array.isArray(res) ? res : (res as { rows: T[] }).rows) as T[];
}

/** A json column's value, whatever the driver (postgres.js parses json, PGlite through drizzle may hand back the text). */
export const jsonValue = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/** One round trip to the database: the health check's probe. */
export async function pingDatabase(database: Database): Promise<void> {
  await database.db.execute(sql`select 1`);
}
