CREATE INDEX CONCURRENTLY IF NOT EXISTS "det_session_result_timestamp_idx" ON "detection_events" USING btree ("test_session_id","validation_result","timestamp","id");
