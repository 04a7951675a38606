-- Issue 13, grade reviews (复核): "同一市场主体评价等级存在两档以上差距的…进行复核" (渝信用办发〔2023〕7号 §8).
-- One row per reviewed finding: a grade gap (entity + two schemes, with the grades seen) or a violation found by a
-- published result while the entity held its scheme's best grade (entity + result). A finding is reviewed once.
CREATE TABLE "grade_reviews" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"entity_id" text NOT NULL,
	"scheme_a" text NOT NULL,
	"grade_a" text NOT NULL,
	"scheme_b" text,
	"grade_b" text,
	"result_id" bigint,
	"outcome" text NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"reviewed_by" text NOT NULL,
	"reviewer_label" text,
	"reviewed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "grade_reviews_kind_check" CHECK ("grade_reviews"."kind" IN ('gap', 'violation')),
	CONSTRAINT "grade_reviews_outcome_check" CHECK ("grade_reviews"."outcome" IN ('confirmed', 'corrected', 'dismissed')),
	CONSTRAINT "grade_reviews_key_check" CHECK (("grade_reviews"."kind" = 'gap' AND "grade_reviews"."scheme_b" IS NOT NULL AND "grade_reviews"."grade_b" IS NOT NULL AND "grade_reviews"."result_id" IS NULL) OR ("grade_reviews"."kind" = 'violation' AND "grade_reviews"."scheme_b" IS NULL AND "grade_reviews"."result_id" IS NOT NULL))
);
--> statement-breakpoint
ALTER TABLE "grade_reviews" ADD CONSTRAINT "grade_reviews_entity_id_entities_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grade_reviews" ADD CONSTRAINT "grade_reviews_result_id_results_id_fk" FOREIGN KEY ("result_id") REFERENCES "public"."results"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "grade_reviews_gap_idx" ON "grade_reviews" USING btree ("entity_id","scheme_a","scheme_b","grade_a","grade_b") WHERE "grade_reviews"."kind" = 'gap';--> statement-breakpoint
CREATE UNIQUE INDEX "grade_reviews_violation_idx" ON "grade_reviews" USING btree ("result_id") WHERE "grade_reviews"."kind" = 'violation';--> statement-breakpoint
-- The list walks current grades in entity order and looks up the entity's other schemes (the primary key leads with scheme).
CREATE INDEX "current_grades_entity_idx" ON "current_grades" USING btree ("entity_id","scheme");
