CREATE INDEX CONCURRENTLY IF NOT EXISTS "videos_project_created_idx" ON "videos" USING btree ("project_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);
