CREATE INDEX CONCURRENTLY IF NOT EXISTS "test_sessions_project_started_idx" ON "test_sessions" USING btree ("project_id","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);
