ALTER TABLE "plan_commits" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "plan_voids" ADD COLUMN "idempotency_key" text;