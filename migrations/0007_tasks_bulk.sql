ALTER TABLE "tasks" DROP CONSTRAINT "tasks_plan_id_plans_id_fk";
--> statement-breakpoint
ALTER TABLE "tasks" DROP CONSTRAINT "tasks_entity_id_entities_id_fk";
