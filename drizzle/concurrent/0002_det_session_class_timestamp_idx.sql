CREATE INDEX CONCURRENTLY IF NOT EXISTS "det_session_class_timestamp_idx" ON "detection_events" USING btree ("test_session_id","class_label","timestamp","id");
