CREATE INDEX CONCURRENTLY IF NOT EXISTS "api_key_projects_project_idx" ON "api_key_projects" USING btree ("project_id");
