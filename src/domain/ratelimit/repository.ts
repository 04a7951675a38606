/**
 * SQL on rate_limit_hits: the counters of the rate limits, in the database so that every service instance behind
 * a proxy counts the same hits (no per-process state two instances would disagree on). Times are the database's
 * (now()), so instances with skewed clocks still agree on when a window ends.
 */
import { sql } from 'drizzle-orm';
import { execRows, type Executor } from '../../db/client.ts';

/** A key's count in its current window and the milliseconds until the window ends. */
export interface RateLimitCount {
  current: number;
  ttl: number;
}

export function createRateLimitRepository(db: Executor) {
  return {
    /**
     * Counts one hit of `key`, atomically (one UPSERT: concurrent hits from any instance serialize on the row).
     * A window starts at the first hit after the previous one ended and lasts `windowMs`.
     */
    async hit(key: string, windowMs: number): Promise<RateLimitCount> {
      const [row] = await execRows<{ current: number; ttl: number }>(
        db,
        sql`insert into rate_limit_hits as h (key, count, expires_at)
            values (${key}, 1, now() + ${windowMs}::integer * interval '1 millisecond')
            on conflict (key) do update set
              count = case when h.expires_at > now() then h.count + 1 else 1 end,
              expires_at = case when h.expires_at > now() then h.expires_at else excluded.expires_at end
            returning h.count as current, greatest(0, ceil(extract(epoch from h.expires_at - now()) * 1000))::integer as ttl`,
      );
      return { current: Number(row.current), ttl: Number(row.ttl) };
    },
    /** The count of `key` in its current window without counting a hit (0 when there is none). */
    async read(key: string): Promise<RateLimitCount> {
      const [row] = await execRows<{ current: number; ttl: number }>(
        db,
        sql`select count as current, greatest(0, ceil(extract(epoch from expires_at - now()) * 1000))::integer as ttl
            from rate_limit_hits where key = ${key} and expires_at > now()`,
      );
      return row ? { current: Number(row.current), ttl: Number(row.ttl) } : { current: 0, ttl: 0 };
    },
    /** Deletes the rows whose window has ended (a hit on an ended window starts a new one anyway); gives how many. */
    async deleteExpired(): Promise<number> {
      const [row] = await execRows<{ n: number }>(
        db,
        sql`with gone as (delete from rate_limit_hits where expires_at <= now() returning 1) select count(*)::integer as n from gone`,
      );
      return Number(row.n);
    },
  };
}

export type RateLimitRepository = ReturnType<typeof createRateLimitRepository>;
