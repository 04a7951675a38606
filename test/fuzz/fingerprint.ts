/**
 * A cheap fingerprint of every table (row count and the MD5 of all rows' text, in order), to show that a refused
 * write changed nothing. One statement for all tables; the same SQL on PGlite and PostgreSQL.
 */
import { sql } from 'drizzle-orm';
import { execRows, type Database } from '../../src/db/client.ts';

export type Fingerprint = Record<string, string>;

/** Request counters of the rate limits: every request may count, refused or not; they are not the service's records. */
const NOT_STATE = ['rate_limit_hits'];

export async function fingerprinter(database: Database): Promise<() => Promise<Fingerprint>> {
  const tables = (
    await execRows<{ name: string }>(
      database.db,
      sql`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    )
  ).filter((t) => !NOT_STATE.includes(t.name));
  if (tables.length === 0) throw new Error('no tables to fingerprint');
  const statement = tables
    .map(({ name }) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected table name ${name}`);
      return `SELECT '${name}' AS name, count(*)::text || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') AS print FROM "${name}" t`;
    })
    .join(' UNION ALL ');
  return async () => {
    const rows = await execRows<{ name: string; print: string }>(database.db, sql.raw(statement));
    return Object.fromEntries(rows.map((r) => [r.name, r.print]));
  };
}

/** The tables whose fingerprints differ. */
export const changedTables = (before: Fingerprint, after: Fingerprint) =>
  [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k]).sort();
