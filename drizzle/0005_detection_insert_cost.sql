-- detection_events.test_session_id loses its foreign key; a statement-level check and a delete trigger
-- keep the same guarantees for a fraction of the cost. The foreign key checked every inserted row on its
-- own (a SELECT … FOR KEY SHARE of the session per row, from a cached plan that plan_cache_mode =
-- force_custom_plan, set on every connection, re-plans each time): 170–200 ms of the 380 ms of
-- PostgreSQL CPU a 10,000-detection ingestDetections cost on the scale-1 data, ~40 ms with a generic plan
-- (bench/ingest-index-costs.ts). A batch names one session, so one check per statement does the same work.
--  * Insert or update: tg_detection_change(), which already runs once per statement, locks every session
--    the new rows name FOR KEY SHARE (what the foreign key took: the session cannot be deleted or
--    re-keyed before commit) and raises foreign_key_violation (23503) when one does not exist.
--  * Delete: deleting test sessions (directly, or by cascade from their video or project) deletes their
--    detections, as ON DELETE CASCADE did. The trigger is ENABLE ALWAYS like the counter triggers
--    (0003), so it also fires under session_replication_role = replica.
ALTER TABLE "detection_events" DROP CONSTRAINT IF EXISTS "detection_events_test_session_id_test_sessions_id_fk";--> statement-breakpoint

CREATE OR REPLACE FUNCTION tg_detection_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changes text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT test_session_id, validation_result, 1 AS sign FROM new_rows'
    WHEN 'DELETE' THEN 'SELECT test_session_id, validation_result, -1 AS sign FROM old_rows'
    ELSE 'SELECT test_session_id, validation_result, 1 AS sign FROM new_rows
          UNION ALL SELECT test_session_id, validation_result, -1 FROM old_rows' END;
  missing uuid;
BEGIN
  IF TG_OP <> 'DELETE' THEN
    -- The foreign key's check, once per statement: lock the sessions in id order (so concurrent batches
    -- queue instead of deadlocking), then find one that was not there.
    WITH named AS (SELECT DISTINCT test_session_id AS id FROM new_rows),
    locked AS MATERIALIZED (
      SELECT t.id FROM test_sessions t WHERE t.id IN (SELECT id FROM named) ORDER BY t.id FOR KEY SHARE
    )
    SELECT n.id INTO missing FROM named n WHERE n.id NOT IN (SELECT id FROM locked) LIMIT 1;
    IF missing IS NOT NULL THEN
      RAISE foreign_key_violation USING
        MESSAGE = 'insert or update on table "detection_events" violates foreign key constraint "detection_events_test_session_id_check"',
        DETAIL = format('Key (test_session_id)=(%s) is not present in table "test_sessions".', missing),
        TABLE = 'detection_events', CONSTRAINT = 'detection_events_test_session_id_check';
    END IF;
  END IF;
  EXECUTE format($q$
    WITH d AS (
      SELECT test_session_id,
             coalesce(sum(sign) FILTER (WHERE validation_result = 'TP'), 0)::int AS tp,
             coalesce(sum(sign) FILTER (WHERE validation_result = 'FP'), 0)::int AS fp,
             coalesce(sum(sign) FILTER (WHERE validation_result = 'FN'), 0)::int AS fn,
             coalesce(sum(sign) FILTER (WHERE validation_result = 'PENDING'), 0)::int AS pending
      FROM (%s) c GROUP BY test_session_id
    ), changed AS (
      SELECT * FROM d WHERE tp <> 0 OR fp <> 0 OR fn <> 0 OR pending <> 0
    ), locked AS MATERIALIZED (
      SELECT t.id FROM test_sessions t WHERE t.id IN (SELECT test_session_id FROM changed) ORDER BY t.id FOR NO KEY UPDATE
    )
    UPDATE test_sessions t SET
      detections_tp = t.detections_tp + c.tp,
      detections_fp = t.detections_fp + c.fp,
      detections_fn = t.detections_fn + c.fn,
      detections_pending = t.detections_pending + c.pending
    FROM changed c WHERE t.id = c.test_session_id AND t.id IN (SELECT id FROM locked)$q$, changes);
  RETURN NULL;
END $$;
--> statement-breakpoint

CREATE OR REPLACE FUNCTION tg_test_sessions_delete_detections() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM detection_events d USING old_rows o WHERE d.test_session_id = o.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS test_sessions_delete_detections ON test_sessions;--> statement-breakpoint
CREATE TRIGGER test_sessions_delete_detections AFTER DELETE ON test_sessions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_test_sessions_delete_detections();
--> statement-breakpoint
ALTER TABLE test_sessions ENABLE ALWAYS TRIGGER test_sessions_delete_detections;
--> statement-breakpoint

-- The validation-result index leaves PENDING detections out (det_session_result_timestamp_judged_idx in
-- drizzle/concurrent/): detectors post detections PENDING, so an ingest no longer writes into it (~30 ms
-- of a 10,000-row insert); TP / FP / FN pages still read it in page order, and a PENDING page reads
-- det_session_timestamp_idx in page order with the result as a filter (test/db/explain.test.ts). A
-- database migrated before this builds the partial index after the migrator (src/db/migrate.ts).
DROP INDEX IF EXISTS "det_session_result_timestamp_idx";
