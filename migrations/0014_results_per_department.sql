-- Joint plans (部门联合抽查) keep one result per department (谁检查、谁录入、谁公开): a result and its history
-- entries name the department that recorded them, and a task's versions are numbered per department.
-- Existing results keep every value. Each task's versions (a first result and its corrections are one chain)
-- take one department: that of the inspector who entered version 1, as the task's team lists them; when a
-- planner entered it, the first department of the task's team (the plan's only department on a single-department
-- plan), or for a task without a team the department of the plan's first item.
-- The frozen/append-only triggers are lifted only for this backfill, which changes no recorded value.
ALTER TABLE "results" ADD COLUMN "department_code" text;--> statement-breakpoint
ALTER TABLE "result_history" ADD COLUMN "department_code" text;--> statement-breakpoint
ALTER TABLE "results" DISABLE TRIGGER "results_frozen_after_publication";--> statement-breakpoint
ALTER TABLE "result_history" DISABLE TRIGGER "result_history_append_only";--> statement-breakpoint
UPDATE "results" r SET "department_code" = d.code
  FROM (SELECT t.id AS task_id,
               COALESCE(
                 (SELECT m.department_code FROM "results" f
                    CROSS JOIN LATERAL unnest(t.team_departments, t.team_inspectors) AS m(department_code, inspector_id)
                   WHERE f.task_id = t.id AND f.version = 1 AND m.inspector_id = f.created_by_inspector LIMIT 1),
                 t.team_departments[1],
                 (SELECT i.department_code FROM "items" i WHERE i.code = p.items[1]),
                 'unknown') AS code
          FROM "tasks" t JOIN "plans" p ON p.id = t.plan_id
         WHERE EXISTS (SELECT 1 FROM "results" x WHERE x.task_id = t.id)) d
 WHERE r.task_id = d.task_id;--> statement-breakpoint
UPDATE "result_history" h SET "department_code" = r.department_code FROM "results" r WHERE r.id = h.result_id;--> statement-breakpoint
ALTER TABLE "results" ENABLE TRIGGER "results_frozen_after_publication";--> statement-breakpoint
ALTER TABLE "result_history" ENABLE TRIGGER "result_history_append_only";--> statement-breakpoint
ALTER TABLE "results" ALTER COLUMN "department_code" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "result_history" ALTER COLUMN "department_code" SET NOT NULL;--> statement-breakpoint
DROP INDEX "results_task_version_idx";--> statement-breakpoint
DROP INDEX "results_one_pending_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "results_task_department_version_idx" ON "results" USING btree ("task_id","department_code","version");--> statement-breakpoint
CREATE UNIQUE INDEX "results_one_pending_idx" ON "results" USING btree ("task_id","department_code") WHERE publication_id is null;--> statement-breakpoint
ALTER TABLE "publications" ADD COLUMN "department_code" text;
