CREATE SEQUENCE "public"."plan_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "calendar_days" (
	"date" date PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"builtin" boolean DEFAULT false NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "follow_up_actions" (
	"code" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"requires_deadline" boolean DEFAULT false NOT NULL,
	"department_code" text,
	"builtin" boolean DEFAULT false NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"sort_order" integer DEFAULT 1000 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "publications" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"plan_id" text NOT NULL,
	"number" integer NOT NULL,
	"scope" text NOT NULL,
	"corrects_id" bigint,
	"note" text,
	"ledger_seq" bigint NOT NULL,
	"task_count" integer NOT NULL,
	"published_by" text,
	"published_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "result_codes" (
	"code" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"department_code" text,
	"builtin" boolean DEFAULT false NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"sort_order" integer DEFAULT 1000 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "result_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"result_id" bigint NOT NULL,
	"task_id" bigint NOT NULL,
	"version" integer NOT NULL,
	"action" text NOT NULL,
	"values" jsonb NOT NULL,
	"changed_by" text NOT NULL,
	"changed_by_inspector" text,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "results" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"task_id" bigint NOT NULL,
	"version" integer NOT NULL,
	"result_code" text NOT NULL,
	"inspected_on" date NOT NULL,
	"findings" text DEFAULT '' NOT NULL,
	"follow_up" text NOT NULL,
	"follow_up_deadline" date,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"corrects_result_id" bigint,
	"created_by" text NOT NULL,
	"created_by_inspector" text,
	"updated_by" text NOT NULL,
	"updated_by_inspector" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"publication_id" bigint,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
DROP INDEX "task_inspectors_inspector_idx";--> statement-breakpoint
ALTER TABLE "ledger" ALTER COLUMN "body" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "plan_commits" ALTER COLUMN "record" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "plan_draws" ALTER COLUMN "record" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "request_hash" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "plan_commits" ADD COLUMN "committed_by" text;--> statement-breakpoint
ALTER TABLE "plan_draws" ADD COLUMN "grades_public" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "plan_draws" ADD COLUMN "drawn_by" text;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "departments" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "follow_up_actions" ADD CONSTRAINT "follow_up_actions_department_code_departments_code_fk" FOREIGN KEY ("department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "publications" ADD CONSTRAINT "publications_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "publications" ADD CONSTRAINT "publications_corrects_id_publications_id_fk" FOREIGN KEY ("corrects_id") REFERENCES "public"."publications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "publications" ADD CONSTRAINT "publications_ledger_seq_ledger_seq_fk" FOREIGN KEY ("ledger_seq") REFERENCES "public"."ledger"("seq") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_codes" ADD CONSTRAINT "result_codes_department_code_departments_code_fk" FOREIGN KEY ("department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_history" ADD CONSTRAINT "result_history_result_id_results_id_fk" FOREIGN KEY ("result_id") REFERENCES "public"."results"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_history" ADD CONSTRAINT "result_history_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_result_code_result_codes_code_fk" FOREIGN KEY ("result_code") REFERENCES "public"."result_codes"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_follow_up_follow_up_actions_code_fk" FOREIGN KEY ("follow_up") REFERENCES "public"."follow_up_actions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_corrects_result_id_results_id_fk" FOREIGN KEY ("corrects_result_id") REFERENCES "public"."results"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_publication_id_publications_id_fk" FOREIGN KEY ("publication_id") REFERENCES "public"."publications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "publications_plan_number_idx" ON "publications" USING btree ("plan_id","number");--> statement-breakpoint
CREATE INDEX "result_history_task_idx" ON "result_history" USING btree ("task_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "results_task_version_idx" ON "results" USING btree ("task_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "results_one_pending_idx" ON "results" USING btree ("task_id") WHERE publication_id is null;--> statement-breakpoint
CREATE INDEX "results_publication_idx" ON "results" USING btree ("publication_id");--> statement-breakpoint
CREATE INDEX "plans_status_idx" ON "plans" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "task_inspectors_inspector_idx" ON "task_inspectors" USING btree ("inspector_id","task_id");