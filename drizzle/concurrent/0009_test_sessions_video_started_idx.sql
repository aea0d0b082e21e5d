CREATE INDEX CONCURRENTLY IF NOT EXISTS "test_sessions_video_started_idx" ON "test_sessions" USING btree ("video_id","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);
