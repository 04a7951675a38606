-- Custom SQL migration.
-- Snapshot files are served in slices (substring) so a million-line file streams without being held in
-- memory; EXTERNAL storage (out of line, uncompressed) lets PostgreSQL read a slice without
-- decompressing the whole value, and spares the commit a pointless compression attempt.
ALTER TABLE "plan_commits" ALTER COLUMN "entity_snapshot" SET STORAGE EXTERNAL;
--> statement-breakpoint
ALTER TABLE "plan_commits" ALTER COLUMN "inspector_snapshot" SET STORAGE EXTERNAL;
--> statement-breakpoint
ALTER TABLE "plan_commits" ALTER COLUMN "recusal_snapshot" SET STORAGE EXTERNAL;
