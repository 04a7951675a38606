CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"role" text NOT NULL,
	"label" text,
	"inspector_id" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "current_grades" (
	"entity_id" text NOT NULL,
	"scheme" text NOT NULL,
	"grade" text NOT NULL,
	"evaluated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "current_grades_scheme_entity_id_pk" PRIMARY KEY("scheme","entity_id")
);
--> statement-breakpoint
CREATE TABLE "departments" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "entities" (
	"id" text PRIMARY KEY NOT NULL,
	"id_type" text DEFAULT 'uscc' NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"region" text NOT NULL,
	"industry" text NOT NULL,
	"address" text,
	"status" text DEFAULT 'active' NOT NULL,
	"tags" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "grade_evaluations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"entity_id" text NOT NULL,
	"scheme" text NOT NULL,
	"grade" text NOT NULL,
	"evaluated_at" timestamp with time zone NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "grade_schemes" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"source" text,
	"grades" jsonb NOT NULL,
	"default_grade" text NOT NULL,
	"public" boolean DEFAULT false NOT NULL,
	"builtin" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"key" text NOT NULL,
	"route" text NOT NULL,
	"status_code" integer NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_route_key_pk" PRIMARY KEY("route","key")
);
--> statement-breakpoint
CREATE TABLE "inspectors" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"department_code" text NOT NULL,
	"certificate_no" text NOT NULL,
	"qualifications" text[] DEFAULT '{}'::text[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "items" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"department_code" text NOT NULL,
	"grade_scheme" text NOT NULL,
	"target_type" text,
	"legal_basis" text,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"plan_id" text,
	"at" text NOT NULL,
	"body" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "ledger_prev_hash_unique" UNIQUE("prev_hash"),
	CONSTRAINT "ledger_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "plan_commits" (
	"plan_id" text PRIMARY KEY NOT NULL,
	"server_seed" text NOT NULL,
	"commitment" text NOT NULL,
	"entity_snapshot" "bytea" NOT NULL,
	"inspector_snapshot" "bytea" NOT NULL,
	"recusal_snapshot" "bytea" NOT NULL,
	"record" jsonb NOT NULL,
	"committed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "plan_draws" (
	"plan_id" text PRIMARY KEY NOT NULL,
	"public_entropy" text NOT NULL,
	"seed" text NOT NULL,
	"record" jsonb NOT NULL,
	"idempotency_key" text,
	"drawn_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "plan_voids" (
	"plan_id" text PRIMARY KEY NOT NULL,
	"reason" text NOT NULL,
	"voided_by" text,
	"voided_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "plans" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"items" text[] NOT NULL,
	"grade_scheme" text NOT NULL,
	"base_ratio_bp" integer,
	"ratios_bp" jsonb NOT NULL,
	"inspectors_per_task" jsonb NOT NULL,
	"filters" jsonb NOT NULL,
	"cooldown_days" integer DEFAULT 0 NOT NULL,
	"entropy_source" text NOT NULL,
	"window_from" date,
	"window_to" date,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recusals" (
	"inspector_id" text NOT NULL,
	"entity_id" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recusals_inspector_id_entity_id_pk" PRIMARY KEY("inspector_id","entity_id")
);
--> statement-breakpoint
CREATE TABLE "task_inspectors" (
	"task_id" bigint NOT NULL,
	"position" integer NOT NULL,
	"department_code" text NOT NULL,
	"inspector_id" text NOT NULL,
	CONSTRAINT "task_inspectors_task_id_position_pk" PRIMARY KEY("task_id","position")
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"plan_id" text NOT NULL,
	"seq" integer NOT NULL,
	"entity_id" text NOT NULL,
	"grade" text NOT NULL,
	"mode" text NOT NULL,
	"status" text DEFAULT 'assigned' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "current_grades" ADD CONSTRAINT "current_grades_entity_id_entities_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "current_grades" ADD CONSTRAINT "current_grades_scheme_grade_schemes_code_fk" FOREIGN KEY ("scheme") REFERENCES "public"."grade_schemes"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grade_evaluations" ADD CONSTRAINT "grade_evaluations_entity_id_entities_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grade_evaluations" ADD CONSTRAINT "grade_evaluations_scheme_grade_schemes_code_fk" FOREIGN KEY ("scheme") REFERENCES "public"."grade_schemes"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspectors" ADD CONSTRAINT "inspectors_department_code_departments_code_fk" FOREIGN KEY ("department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_department_code_departments_code_fk" FOREIGN KEY ("department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_grade_scheme_grade_schemes_code_fk" FOREIGN KEY ("grade_scheme") REFERENCES "public"."grade_schemes"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_commits" ADD CONSTRAINT "plan_commits_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_draws" ADD CONSTRAINT "plan_draws_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_voids" ADD CONSTRAINT "plan_voids_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_grade_scheme_grade_schemes_code_fk" FOREIGN KEY ("grade_scheme") REFERENCES "public"."grade_schemes"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recusals" ADD CONSTRAINT "recusals_inspector_id_inspectors_id_fk" FOREIGN KEY ("inspector_id") REFERENCES "public"."inspectors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recusals" ADD CONSTRAINT "recusals_entity_id_entities_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_inspectors" ADD CONSTRAINT "task_inspectors_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_inspectors" ADD CONSTRAINT "task_inspectors_inspector_id_inspectors_id_fk" FOREIGN KEY ("inspector_id") REFERENCES "public"."inspectors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_entity_id_entities_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "entities_name_idx" ON "entities" USING btree ("name");--> statement-breakpoint
CREATE INDEX "entities_pool_idx" ON "entities" USING btree ("status","type","region");--> statement-breakpoint
CREATE INDEX "grade_evaluations_entity_idx" ON "grade_evaluations" USING btree ("entity_id","scheme","evaluated_at");--> statement-breakpoint
CREATE INDEX "inspectors_department_idx" ON "inspectors" USING btree ("department_code");--> statement-breakpoint
CREATE INDEX "ledger_plan_idx" ON "ledger" USING btree ("plan_id");--> statement-breakpoint
CREATE INDEX "recusals_entity_idx" ON "recusals" USING btree ("entity_id");--> statement-breakpoint
CREATE INDEX "task_inspectors_inspector_idx" ON "task_inspectors" USING btree ("inspector_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_plan_seq_idx" ON "tasks" USING btree ("plan_id","seq");--> statement-breakpoint
CREATE INDEX "tasks_entity_idx" ON "tasks" USING btree ("entity_id");