CREATE INDEX CONCURRENTLY IF NOT EXISTS "projects_created_idx" ON "projects" USING btree ("created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);
