CREATE INDEX CONCURRENTLY IF NOT EXISTS "gto_video_frame_idx" ON "ground_truth_objects" USING btree ("video_id","frame_number","confidence" DESC NULLS FIRST,"id");
