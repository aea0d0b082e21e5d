CREATE INDEX CONCURRENTLY IF NOT EXISTS "videos_project_status_created_idx" ON "videos" USING btree ("project_id","status","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);
