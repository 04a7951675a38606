-- Records revision 2 (draw-v1 §5): a plan announces when its public entropy can be known (entropy_at,
-- frozen into the commit; null for a revision-1 commit) and may name the witnesses of its draw ceremony;
-- a ceremony draw keeps the witnesses' contributions. Existing rows keep working unchanged.
ALTER TABLE "plan_commits" ADD COLUMN "entropy_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "plan_draws" ADD COLUMN "contributions" json;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "entropy_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "witnesses" text[] DEFAULT '{}'::text[] NOT NULL;