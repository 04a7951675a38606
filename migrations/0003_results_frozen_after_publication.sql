-- Custom SQL migration.
-- A published result is frozen (一公开: what was published is never rewritten). The service never updates
-- or deletes one; this trigger makes that hold even for a bug or a hand-written statement. Marking an
-- unpublished result as published (publication_id NULL → set) is the only UPDATE a pending row ever
-- gets that touches publication columns, and it passes because OLD.publication_id is NULL.
CREATE OR REPLACE FUNCTION suicha_results_frozen() RETURNS trigger AS $$
BEGIN
  IF OLD.publication_id IS NOT NULL THEN
    RAISE EXCEPTION 'result % is published and cannot be changed (%); publish a correction instead', OLD.id, TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER results_frozen_after_publication BEFORE UPDATE OR DELETE ON "results"
  FOR EACH ROW EXECUTE FUNCTION suicha_results_frozen();
--> statement-breakpoint
-- The audit trail of result changes and the publications themselves are append-only.
CREATE OR REPLACE FUNCTION suicha_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER result_history_append_only BEFORE UPDATE OR DELETE ON "result_history"
  FOR EACH ROW EXECUTE FUNCTION suicha_append_only();
--> statement-breakpoint
CREATE TRIGGER publications_append_only BEFORE UPDATE OR DELETE ON "publications"
  FOR EACH ROW EXECUTE FUNCTION suicha_append_only();
