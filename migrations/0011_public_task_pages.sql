-- The public task list of a plan and its pages (GET /public/v1/plans/{id}/tasks?cursor=) go by entity id in UTF-8 byte
-- order, a keyset cursor: never by seq, which is the grade order. Also serves the portal's task pages.
CREATE INDEX "tasks_plan_entity_idx" ON "tasks" USING btree ("plan_id","entity_id" COLLATE "C");
