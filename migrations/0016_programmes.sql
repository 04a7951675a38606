-- Annual programmes (年度抽查工作计划): a year's lines per item (annual ratios, batches), draft → published; plans name one and a batch.
CREATE SEQUENCE "public"."programme_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "programmes" (
	"id" text PRIMARY KEY NOT NULL,
	"year" integer NOT NULL,
	"title" text NOT NULL,
	"departments" text[] NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_by" text,
	"published_at" timestamp with time zone,
	"ledger_seq" bigint,
	CONSTRAINT "programmes_ledger_seq_unique" UNIQUE("ledger_seq"),
	CONSTRAINT "programmes_status_check" CHECK ("status" IN ('draft', 'published')),
	CONSTRAINT "programmes_published_check" CHECK (("status" = 'published') = ("ledger_seq" IS NOT NULL))
);--> statement-breakpoint
CREATE TABLE "programme_lines" (
	"programme_id" text NOT NULL,
	"position" integer NOT NULL,
	"item_code" text NOT NULL,
	"grade_scheme" text NOT NULL,
	"base_ratio_bp" integer,
	"ratios_bp" jsonb NOT NULL,
	"batches" jsonb NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"strata" jsonb,
	CONSTRAINT "programme_lines_programme_id_item_code_pk" PRIMARY KEY("programme_id","item_code")
);--> statement-breakpoint
ALTER TABLE "programmes" ADD CONSTRAINT "programmes_ledger_seq_ledger_seq_fk" FOREIGN KEY ("ledger_seq") REFERENCES "public"."ledger"("seq") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "programme_lines" ADD CONSTRAINT "programme_lines_programme_id_programmes_id_fk" FOREIGN KEY ("programme_id") REFERENCES "public"."programmes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "programme_lines" ADD CONSTRAINT "programme_lines_item_code_items_code_fk" FOREIGN KEY ("item_code") REFERENCES "public"."items"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "programme_lines" ADD CONSTRAINT "programme_lines_grade_scheme_grade_schemes_code_fk" FOREIGN KEY ("grade_scheme") REFERENCES "public"."grade_schemes"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "programmes_status_idx" ON "programmes" USING btree ("status","year","id");--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "programme_id" text;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "batch" integer;--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_programme_id_programmes_id_fk" FOREIGN KEY ("programme_id") REFERENCES "public"."programmes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_programme_batch_check" CHECK (("programme_id" IS NULL) = ("batch" IS NULL));--> statement-breakpoint
CREATE INDEX "plans_programme_idx" ON "plans" USING btree ("programme_id","batch");--> statement-breakpoint
-- A published programme is the 计划公告 in the ledger: it never changes again (the service refuses; this is the backstop).
CREATE FUNCTION suicha_programmes_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD."status" = 'published' THEN
    RAISE EXCEPTION 'programme % is published and cannot change', OLD."id";
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER programmes_frozen_after_publication BEFORE UPDATE OR DELETE ON "programmes" FOR EACH ROW EXECUTE FUNCTION suicha_programmes_frozen();--> statement-breakpoint
CREATE FUNCTION suicha_programme_lines_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  pid text;
BEGIN
  IF TG_OP = 'INSERT' THEN pid := NEW."programme_id"; ELSE pid := OLD."programme_id"; END IF;
  IF EXISTS (SELECT 1 FROM "programmes" WHERE "id" = pid AND "status" = 'published') THEN
    RAISE EXCEPTION 'the lines of programme % are published and cannot change', pid;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER programme_lines_frozen_after_publication BEFORE INSERT OR UPDATE OR DELETE ON "programme_lines" FOR EACH ROW EXECUTE FUNCTION suicha_programme_lines_frozen();
--> statement-breakpoint
-- The credit-event feed walks publications in ledger order (one ledger entry per publication).
CREATE UNIQUE INDEX "publications_ledger_seq_idx" ON "publications" USING btree ("ledger_seq");
