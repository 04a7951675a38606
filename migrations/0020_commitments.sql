-- Credit commitments (信用承诺) and their 履约践诺 checks: the register, imported by (source, reference); a commitment plan's pool is the open ones falling due in its window.
CREATE TABLE "commitments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"reference" text NOT NULL,
	"entity_id" text NOT NULL,
	"kind" text NOT NULL,
	"made_on" date NOT NULL,
	"check_by" date NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"outcome_result_id" bigint,
	"outcome_plan_id" text,
	"outcome_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "commitments_status_check" CHECK ("commitments"."status" IN ('open', 'fulfilled', 'unfulfilled')),
	CONSTRAINT "commitments_dates_check" CHECK ("commitments"."check_by" >= "commitments"."made_on"),
	CONSTRAINT "commitments_outcome_check" CHECK (("commitments"."status" = 'open') = ("commitments"."outcome_result_id" IS NULL))
);
--> statement-breakpoint
ALTER TABLE "commitments" ADD CONSTRAINT "commitments_entity_id_entities_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commitments" ADD CONSTRAINT "commitments_outcome_result_id_results_id_fk" FOREIGN KEY ("outcome_result_id") REFERENCES "public"."results"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "commitments_source_reference_idx" ON "commitments" USING btree ("source","reference");--> statement-breakpoint
CREATE INDEX "commitments_due_idx" ON "commitments" USING btree ("status","check_by","entity_id");--> statement-breakpoint
CREATE INDEX "commitments_entity_idx" ON "commitments" USING btree ("entity_id");
