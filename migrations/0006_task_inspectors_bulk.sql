ALTER TABLE "task_inspectors" DROP CONSTRAINT "task_inspectors_task_id_tasks_id_fk";
--> statement-breakpoint
ALTER TABLE "task_inspectors" DROP CONSTRAINT "task_inspectors_inspector_id_inspectors_id_fk";
