-- A task's team moves from one task_inspectors row per member to two parallel arrays on tasks, and a
-- draw record is no longer stored twice: plan_draws points at its plan.drawn ledger entry, whose body
-- plus drawnAt is the record. The ledger body becomes text (the exact JCS text, as before; the
-- database no longer parses it) compressed with lz4 where the server has it. Existing rows are carried
-- over; nothing is lost.
ALTER TABLE "ledger" ALTER COLUMN "body" SET DATA TYPE text;--> statement-breakpoint
DO $$ BEGIN
  ALTER TABLE "ledger" ALTER COLUMN "body" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL; -- a server built without lz4 (PGlite) keeps its default compression
END $$;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "team_departments" text[];--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "team_inspectors" text[];--> statement-breakpoint
UPDATE "tasks" t SET "team_departments" = m.departments, "team_inspectors" = m.inspectors
  FROM (SELECT task_id, array_agg(department_code ORDER BY position) AS departments,
               array_agg(inspector_id ORDER BY position) AS inspectors
          FROM "task_inspectors" GROUP BY task_id) m
 WHERE m.task_id = t.id;--> statement-breakpoint
UPDATE "tasks" SET "team_departments" = '{}', "team_inspectors" = '{}' WHERE "team_inspectors" IS NULL;--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "team_departments" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "team_inspectors" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "tasks_team_inspectors_idx" ON "tasks" USING gin ("team_inspectors");--> statement-breakpoint
DROP TABLE "task_inspectors";--> statement-breakpoint
CREATE VIEW "task_inspectors" AS
  SELECT t.id AS task_id, (m.n - 1)::integer AS position, m.department_code, m.inspector_id
    FROM "tasks" t, unnest(t.team_departments, t.team_inspectors) WITH ORDINALITY AS m(department_code, inspector_id, n);--> statement-breakpoint
ALTER TABLE "plan_draws" ADD COLUMN "ledger_seq" bigint;--> statement-breakpoint
UPDATE "plan_draws" d SET "ledger_seq" = l.seq FROM "ledger" l WHERE l.kind = 'plan.drawn' AND l.plan_id = d.plan_id;--> statement-breakpoint
ALTER TABLE "plan_draws" ALTER COLUMN "ledger_seq" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "plan_draws" ADD CONSTRAINT "plan_draws_ledger_seq_ledger_seq_fk" FOREIGN KEY ("ledger_seq") REFERENCES "public"."ledger"("seq") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_draws" ADD CONSTRAINT "plan_draws_ledger_seq_unique" UNIQUE("ledger_seq");--> statement-breakpoint
ALTER TABLE "plan_draws" DROP COLUMN "record";
