-- Rectification follow-ups (限期整改 → 复查): one per task and department whose published result ordered a correction with a deadline.
CREATE TABLE "follow_ups" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"task_id" bigint NOT NULL,
	"department_code" text NOT NULL,
	"result_id" bigint NOT NULL,
	"plan_id" text NOT NULL,
	"entity_id" text NOT NULL,
	"due_on" date NOT NULL,
	"team_inspectors" text[] NOT NULL,
	"status" text DEFAULT 'due' NOT NULL,
	"checked_on" date,
	"outcome" text,
	"actions" text[] DEFAULT '{}'::text[] NOT NULL,
	"findings" text DEFAULT '' NOT NULL,
	"recorded_by" text,
	"recorded_by_inspector" text,
	"recorded_at" timestamp with time zone,
	"ledger_seq" bigint,
	"published_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "follow_ups_status_check" CHECK ("status" IN ('due', 'recorded', 'published', 'cancelled')),
	CONSTRAINT "follow_ups_outcome_check" CHECK ("outcome" IS NULL OR "outcome" IN ('rectified', 'not-rectified')),
	CONSTRAINT "follow_ups_recorded_check" CHECK (("status" IN ('recorded', 'published')) = ("outcome" IS NOT NULL AND "checked_on" IS NOT NULL)),
	CONSTRAINT "follow_ups_published_check" CHECK (("status" = 'published') = ("ledger_seq" IS NOT NULL))
);--> statement-breakpoint
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_result_id_results_id_fk" FOREIGN KEY ("result_id") REFERENCES "public"."results"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_ledger_seq_ledger_seq_fk" FOREIGN KEY ("ledger_seq") REFERENCES "public"."ledger"("seq") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "follow_ups_task_department_idx" ON "follow_ups" USING btree ("task_id","department_code");--> statement-breakpoint
CREATE INDEX "follow_ups_status_due_idx" ON "follow_ups" USING btree ("status","due_on");--> statement-breakpoint
CREATE INDEX "follow_ups_entity_idx" ON "follow_ups" USING btree ("entity_id");--> statement-breakpoint
CREATE INDEX "follow_ups_ledger_seq_idx" ON "follow_ups" USING btree ("ledger_seq");--> statement-breakpoint
CREATE INDEX "follow_ups_team_idx" ON "follow_ups" USING gin ("team_inspectors");--> statement-breakpoint
-- A published outcome is in the ledger: it never changes again.
CREATE FUNCTION suicha_follow_ups_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD."status" = 'published' THEN
    RAISE EXCEPTION 'follow-up % is published and cannot change', OLD."id";
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER follow_ups_frozen_after_publication BEFORE UPDATE OR DELETE ON "follow_ups" FOR EACH ROW EXECUTE FUNCTION suicha_follow_ups_frozen();
