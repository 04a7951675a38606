/** SQL fragments shared by every repository. */
import { sql, type SQL } from 'drizzle-orm';

/** A timestamptz as ISO-8601 UTC with milliseconds, exactly as Date.prototype.toISOString writes it. */
export const isoInstant = (column: SQL) => sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
