-- Issue 11: key and general items (重点/一般检查事项) and frequency rules per grade.
-- An item is 'general' (an entity at most once a year for that item: the default) or 'key' (no upper limit).
ALTER TABLE "items" ADD COLUMN "kind" text DEFAULT 'general' NOT NULL;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_kind_check" CHECK ("items"."kind" IN ('general', 'key'));--> statement-breakpoint
-- Grades carry maxPerYear and minIntervalDays in the grades JSON (null = no rule). The built-in credit-4 scheme
-- gets the defaults of src/core/grade-schemes.ts (A 1, B 1, C 2, D none) unless an administrator changed it;
-- every other stored grade gets nulls, so that each grade has both members.
UPDATE "grade_schemes" s SET "grades" = (
  SELECT jsonb_agg(
    g.value || jsonb_build_object(
      'maxPerYear',
      CASE WHEN s."code" = 'credit-4' AND s."builtin" THEN (jsonb_build_object('A', 1, 'B', 1, 'C', 2) -> (g.value ->> 'code')) ELSE 'null'::jsonb END,
      'minIntervalDays', 'null'::jsonb
    ) ORDER BY g.ordinality)
  FROM jsonb_array_elements(s."grades") WITH ORDINALITY AS g(value, ordinality)
);
