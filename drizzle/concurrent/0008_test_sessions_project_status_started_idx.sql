CREATE INDEX CONCURRENTLY IF NOT EXISTS "test_sessions_project_status_started_idx" ON "test_sessions" USING btree ("project_id","status","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);
