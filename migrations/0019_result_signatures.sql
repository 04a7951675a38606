-- 行政处罚法 第四十二条: two law-enforcement officers. A result is published only once two inspectors of its department on the task's team have signed it.
CREATE TABLE "result_signatures" (
	"result_id" bigint NOT NULL,
	"inspector_id" text NOT NULL,
	"token_id" text,
	"signed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "result_signatures_result_id_inspector_id_pk" PRIMARY KEY("result_id","inspector_id")
);--> statement-breakpoint
ALTER TABLE "result_signatures" ADD CONSTRAINT "result_signatures_result_id_results_id_fk" FOREIGN KEY ("result_id") REFERENCES "public"."results"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_signatures" ADD CONSTRAINT "result_signatures_inspector_id_inspectors_id_fk" FOREIGN KEY ("inspector_id") REFERENCES "public"."inspectors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Results published before signatures existed were published under the old rule; they stay as they are.
-- A published result's signatures never change (the backstop of the service's rule).
CREATE FUNCTION suicha_result_signatures_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  rid bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN rid := NEW."result_id"; ELSE rid := OLD."result_id"; END IF;
  IF EXISTS (SELECT 1 FROM "results" WHERE "id" = rid AND "publication_id" IS NOT NULL) THEN
    RAISE EXCEPTION 'result % is published: its signatures cannot change', rid;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER result_signatures_frozen_after_publication BEFORE INSERT OR UPDATE OR DELETE ON "result_signatures" FOR EACH ROW EXECUTE FUNCTION suicha_result_signatures_frozen();
--> statement-breakpoint
-- What an inspection really was: the mode actually used (null for results entered before it was recorded).
ALTER TABLE "results" ADD COLUMN "mode" text;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_mode_check" CHECK ("mode" IS NULL OR "mode" IN ('onsite', 'written', 'online', 'third-party'));
