-- Supervision tags and licences as arrays (pool filters use them with && and the GIN indexes), and a plan's targeting.
-- The old tags text was ";"-separated (the import's list separator; full-width "；" too): split, trimmed, blanks and repeats dropped, order kept.
ALTER TABLE "entities" RENAME COLUMN "tags" TO "tags_text";--> statement-breakpoint
ALTER TABLE "entities" ADD COLUMN "tags" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "entities" ADD COLUMN "licences" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
UPDATE "entities" SET "tags" = ARRAY(
  SELECT d.tag FROM (
    SELECT btrim(u.part) AS tag, min(u.n) AS n
      FROM unnest(regexp_split_to_array("tags_text", '[;；]')) WITH ORDINALITY AS u(part, n)
     WHERE btrim(u.part) <> ''
     GROUP BY btrim(u.part)
  ) d ORDER BY d.n
) WHERE "tags_text" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "entities" DROP COLUMN "tags_text";--> statement-breakpoint
CREATE INDEX "entities_tags_idx" ON "entities" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "entities_licences_idx" ON "entities" USING gin ("licences");--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "targeting" text DEFAULT 'untargeted' NOT NULL;--> statement-breakpoint
-- Stored filters never hold an empty list (the service drops them), so any key means a scope condition: 定向抽查.
UPDATE "plans" SET "targeting" = 'targeted' WHERE "filters" <> '{}'::jsonb;
