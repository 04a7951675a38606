/** SQL fragments shared by every repository. */
import { sql, type SQL } from 'drizzle-orm';

/** A timestamptz as ISO-8601 UTC with milliseconds, exactly as Date.prototype.toISOString writes it. */
export const isoInstant = (column: SQL) => sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Escapes LIKE wildcards so that a search for "100%" finds "100%" only. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A date column as 'YYYY-MM-DD' text (drivers differ on date parsing; text does not). */
export const isoDate = (column: SQL) => sql`to_char(${column}, 'YYYY-MM-DD')`;
/** The China (UTC+8) calendar date of a timestamptz, as 'YYYY-MM-DD'. */
export const chinaDateOf = (column: SQL) => sql`to_char(${column} AT TIME ZONE 'UTC' + interval '8 hours', 'YYYY-MM-DD')`;
