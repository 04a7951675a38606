-- Rate-limit counters shared by every service instance (src/domain/ratelimit): one row per bucket and client
-- address, its window ending at expires_at. UNLOGGED: no WAL for a counter that is rewritten on every request;
-- after a crash PostgreSQL empties the table, which only resets the limits.
CREATE UNLOGGED TABLE "rate_limit_hits" (
	"key" text PRIMARY KEY NOT NULL,
	"count" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
