-- Maintained aggregates, so that list pages and the dashboard read counters instead of scanning:
--   videos.ground_truth_count / ground_truth_validated / max_confidence   (from ground_truth_objects)
--   test_sessions.detections_tp / fp / fn / pending                         (from detection_events)
--   project_stats, one row per project                                      (from videos and test_sessions)
-- Statement-level triggers with transition tables fold a whole bulk write into one UPDATE per parent
-- table, so a 10,000-row batch pays for its parents once, not once per row. The chain is
-- rows -> parent row -> project_stats: the project row only ever changes through the videos and
-- test_sessions triggers, which also makes cascaded deletes exact (a deleted video subtracts what its
-- row held). Parent rows are locked in id order so concurrent multi-parent batches cannot deadlock.
-- Loads that skip triggers are repaired by refresh_aggregates() (npm run db:refresh-aggregates).

CREATE FUNCTION tg_projects_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO project_stats (project_id) SELECT id FROM new_rows ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER projects_stats_insert AFTER INSERT ON projects
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_projects_insert();
--> statement-breakpoint

-- Ground truth -> videos. `changes` is (video_id, validated, confidence, sign): +1 arriving, -1 leaving.
CREATE FUNCTION tg_ground_truth_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changes text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT video_id, validated, confidence, 1 AS sign FROM new_rows'
    WHEN 'DELETE' THEN 'SELECT video_id, validated, confidence, -1 AS sign FROM old_rows'
    ELSE 'SELECT video_id, validated, confidence, 1 AS sign FROM new_rows
          UNION ALL SELECT video_id, validated, confidence, -1 FROM old_rows' END;
BEGIN
  EXECUTE format($q$
    WITH d AS (
      SELECT video_id,
             sum(sign)::int AS n,
             coalesce(sum(sign) FILTER (WHERE validated), 0)::int AS nv,
             max(confidence) FILTER (WHERE sign < 0) AS old_max,
             max(confidence) FILTER (WHERE sign > 0) AS new_max
      FROM (%s) c GROUP BY video_id
    ), locked AS MATERIALIZED (
      SELECT v.id FROM videos v WHERE v.id IN (SELECT video_id FROM d) ORDER BY v.id FOR NO KEY UPDATE
    )
    UPDATE videos v SET
      ground_truth_count = v.ground_truth_count + d.n,
      ground_truth_validated = v.ground_truth_validated + d.nv,
      -- Losing the current maximum means asking the index again; anything else folds in directly.
      max_confidence = CASE WHEN d.old_max >= v.max_confidence
        THEN (SELECT max(g.confidence) FROM ground_truth_objects g WHERE g.video_id = v.id)
        ELSE greatest(v.max_confidence, d.new_max) END
    FROM d WHERE v.id = d.video_id AND v.id IN (SELECT id FROM locked)
      AND (d.n <> 0 OR d.nv <> 0 OR d.old_max IS NOT NULL OR d.new_max IS NOT NULL)$q$, changes);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER ground_truth_insert_aggregates AFTER INSERT ON ground_truth_objects
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_ground_truth_change();
--> statement-breakpoint
CREATE TRIGGER ground_truth_update_aggregates AFTER UPDATE ON ground_truth_objects
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_ground_truth_change();
--> statement-breakpoint
CREATE TRIGGER ground_truth_delete_aggregates AFTER DELETE ON ground_truth_objects
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_ground_truth_change();
--> statement-breakpoint

-- Detections -> test_sessions. `changes` is (test_session_id, validation_result, sign).
CREATE FUNCTION tg_detection_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changes text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT test_session_id, validation_result, 1 AS sign FROM new_rows'
    WHEN 'DELETE' THEN 'SELECT test_session_id, validation_result, -1 AS sign FROM old_rows'
    ELSE 'SELECT test_session_id, validation_result, 1 AS sign FROM new_rows
          UNION ALL SELECT test_session_id, validation_result, -1 FROM old_rows' END;
BEGIN
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
CREATE TRIGGER detection_insert_aggregates AFTER INSERT ON detection_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_detection_change();
--> statement-breakpoint
CREATE TRIGGER detection_update_aggregates AFTER UPDATE ON detection_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_detection_change();
--> statement-breakpoint
CREATE TRIGGER detection_delete_aggregates AFTER DELETE ON detection_events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_detection_change();
--> statement-breakpoint

-- Videos -> project_stats: status counts and the ground-truth totals the video rows carry.
CREATE FUNCTION tg_videos_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cols text := 'project_id, status, ground_truth_count, ground_truth_validated';
  changes text := CASE TG_OP
    WHEN 'INSERT' THEN format('SELECT %s, 1 AS sign FROM new_rows', cols)
    WHEN 'DELETE' THEN format('SELECT %s, -1 AS sign FROM old_rows', cols)
    ELSE format('SELECT %1$s, 1 AS sign FROM new_rows UNION ALL SELECT %1$s, -1 FROM old_rows', cols) END;
BEGIN
  EXECUTE format($q$
    WITH d AS (
      SELECT project_id,
             coalesce(sum(sign) FILTER (WHERE status = 'uploaded'), 0)::int AS uploaded,
             coalesce(sum(sign) FILTER (WHERE status = 'processing'), 0)::int AS processing,
             coalesce(sum(sign) FILTER (WHERE status = 'completed'), 0)::int AS completed,
             coalesce(sum(sign) FILTER (WHERE status = 'failed'), 0)::int AS failed,
             sum(sign * ground_truth_count)::int AS gt,
             sum(sign * ground_truth_validated)::int AS gtv
      FROM (%s) c GROUP BY project_id
    ), changed AS (
      SELECT * FROM d WHERE uploaded <> 0 OR processing <> 0 OR completed <> 0 OR failed <> 0 OR gt <> 0 OR gtv <> 0
    ), locked AS MATERIALIZED (
      SELECT s.project_id FROM project_stats s WHERE s.project_id IN (SELECT project_id FROM changed)
      ORDER BY s.project_id FOR UPDATE
    )
    UPDATE project_stats s SET
      videos_uploaded = s.videos_uploaded + c.uploaded,
      videos_processing = s.videos_processing + c.processing,
      videos_completed = s.videos_completed + c.completed,
      videos_failed = s.videos_failed + c.failed,
      ground_truth_total = s.ground_truth_total + c.gt,
      ground_truth_validated = s.ground_truth_validated + c.gtv
    FROM changed c WHERE s.project_id = c.project_id AND s.project_id IN (SELECT project_id FROM locked)$q$, changes);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER videos_insert_stats AFTER INSERT ON videos
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_videos_change();
--> statement-breakpoint
CREATE TRIGGER videos_update_stats AFTER UPDATE ON videos
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_videos_change();
--> statement-breakpoint
CREATE TRIGGER videos_delete_stats AFTER DELETE ON videos
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_videos_change();
--> statement-breakpoint

-- Test sessions -> project_stats: status counts and the detection counters the session rows carry.
CREATE FUNCTION tg_test_sessions_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cols text := 'project_id, status, detections_tp, detections_fp, detections_fn, detections_pending';
  changes text := CASE TG_OP
    WHEN 'INSERT' THEN format('SELECT %s, 1 AS sign FROM new_rows', cols)
    WHEN 'DELETE' THEN format('SELECT %s, -1 AS sign FROM old_rows', cols)
    ELSE format('SELECT %1$s, 1 AS sign FROM new_rows UNION ALL SELECT %1$s, -1 FROM old_rows', cols) END;
BEGIN
  EXECUTE format($q$
    WITH d AS (
      SELECT project_id,
             coalesce(sum(sign) FILTER (WHERE status = 'running'), 0)::int AS running,
             coalesce(sum(sign) FILTER (WHERE status = 'completed'), 0)::int AS completed,
             coalesce(sum(sign) FILTER (WHERE status = 'failed'), 0)::int AS failed,
             sum(sign * detections_tp)::int AS tp,
             sum(sign * detections_fp)::int AS fp,
             sum(sign * detections_fn)::int AS fn,
             sum(sign * detections_pending)::int AS pending
      FROM (%s) c GROUP BY project_id
    ), changed AS (
      SELECT * FROM d WHERE running <> 0 OR completed <> 0 OR failed <> 0 OR tp <> 0 OR fp <> 0 OR fn <> 0 OR pending <> 0
    ), locked AS MATERIALIZED (
      SELECT s.project_id FROM project_stats s WHERE s.project_id IN (SELECT project_id FROM changed)
      ORDER BY s.project_id FOR UPDATE
    )
    UPDATE project_stats s SET
      sessions_running = s.sessions_running + c.running,
      sessions_completed = s.sessions_completed + c.completed,
      sessions_failed = s.sessions_failed + c.failed,
      detections_tp = s.detections_tp + c.tp,
      detections_fp = s.detections_fp + c.fp,
      detections_fn = s.detections_fn + c.fn,
      detections_pending = s.detections_pending + c.pending
    FROM changed c WHERE s.project_id = c.project_id AND s.project_id IN (SELECT project_id FROM locked)$q$, changes);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER test_sessions_insert_stats AFTER INSERT ON test_sessions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_test_sessions_change();
--> statement-breakpoint
CREATE TRIGGER test_sessions_update_stats AFTER UPDATE ON test_sessions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_test_sessions_change();
--> statement-breakpoint
CREATE TRIGGER test_sessions_delete_stats AFTER DELETE ON test_sessions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tg_test_sessions_change();
--> statement-breakpoint

-- Recompute every maintained aggregate from the rows: parents first (their triggers move
-- project_stats along), then project_stats outright, so the result is exact whatever state it found.
CREATE FUNCTION refresh_aggregates() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE videos v SET
    ground_truth_count = coalesce(a.n, 0),
    ground_truth_validated = coalesce(a.nv, 0),
    max_confidence = a.mx
  FROM videos v2 LEFT JOIN (
    SELECT video_id, count(*)::int AS n, (count(*) FILTER (WHERE validated))::int AS nv, max(confidence) AS mx
    FROM ground_truth_objects GROUP BY video_id
  ) a ON a.video_id = v2.id
  WHERE v.id = v2.id AND (v.ground_truth_count, v.ground_truth_validated, v.max_confidence)
    IS DISTINCT FROM (coalesce(a.n, 0), coalesce(a.nv, 0), a.mx);

  UPDATE test_sessions t SET
    detections_tp = coalesce(a.tp, 0), detections_fp = coalesce(a.fp, 0),
    detections_fn = coalesce(a.fn, 0), detections_pending = coalesce(a.pending, 0)
  FROM test_sessions t2 LEFT JOIN (
    SELECT test_session_id,
           (count(*) FILTER (WHERE validation_result = 'TP'))::int AS tp,
           (count(*) FILTER (WHERE validation_result = 'FP'))::int AS fp,
           (count(*) FILTER (WHERE validation_result = 'FN'))::int AS fn,
           (count(*) FILTER (WHERE validation_result = 'PENDING'))::int AS pending
    FROM detection_events GROUP BY test_session_id
  ) a ON a.test_session_id = t2.id
  WHERE t.id = t2.id AND (t.detections_tp, t.detections_fp, t.detections_fn, t.detections_pending)
    IS DISTINCT FROM (coalesce(a.tp, 0), coalesce(a.fp, 0), coalesce(a.fn, 0), coalesce(a.pending, 0));

  INSERT INTO project_stats (project_id) SELECT id FROM projects ON CONFLICT DO NOTHING;
  UPDATE project_stats s SET
    videos_uploaded = coalesce(v.uploaded, 0), videos_processing = coalesce(v.processing, 0),
    videos_completed = coalesce(v.completed, 0), videos_failed = coalesce(v.failed, 0),
    ground_truth_total = coalesce(v.gt, 0), ground_truth_validated = coalesce(v.gtv, 0),
    sessions_running = coalesce(t.running, 0), sessions_completed = coalesce(t.completed, 0),
    sessions_failed = coalesce(t.failed, 0),
    detections_tp = coalesce(t.tp, 0), detections_fp = coalesce(t.fp, 0),
    detections_fn = coalesce(t.fn, 0), detections_pending = coalesce(t.pending, 0)
  FROM project_stats s2
  LEFT JOIN (
    SELECT project_id,
           (count(*) FILTER (WHERE status = 'uploaded'))::int AS uploaded,
           (count(*) FILTER (WHERE status = 'processing'))::int AS processing,
           (count(*) FILTER (WHERE status = 'completed'))::int AS completed,
           (count(*) FILTER (WHERE status = 'failed'))::int AS failed,
           sum(ground_truth_count)::int AS gt, sum(ground_truth_validated)::int AS gtv
    FROM videos GROUP BY project_id
  ) v ON v.project_id = s2.project_id
  LEFT JOIN (
    SELECT project_id,
           (count(*) FILTER (WHERE status = 'running'))::int AS running,
           (count(*) FILTER (WHERE status = 'completed'))::int AS completed,
           (count(*) FILTER (WHERE status = 'failed'))::int AS failed,
           sum(detections_tp)::int AS tp, sum(detections_fp)::int AS fp,
           sum(detections_fn)::int AS fn, sum(detections_pending)::int AS pending
    FROM test_sessions GROUP BY project_id
  ) t ON t.project_id = s2.project_id
  WHERE s.project_id = s2.project_id;
END $$;
