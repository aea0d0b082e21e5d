// The maintained aggregates (drizzle/0001_aggregates.sql): recompute them, and compare them with
// fresh aggregates over the rows (what tests and operators use to prove they are exact).
import type { Queryable } from '../client.js';

export async function refreshAggregates(db: Queryable): Promise<void> {
  await db.query(`/* refreshAggregates */ SELECT refresh_aggregates()`);
}

/** Rows whose maintained counters differ from a fresh COUNT/MAX; empty when everything is exact. */
export async function aggregateDrift(db: Queryable): Promise<{ kind: string; id: string; maintained: unknown; fresh: unknown }[]> {
  return db.query(
    `/* aggregateDrift */
     WITH gt AS (
       SELECT video_id, count(*) AS n, count(*) FILTER (WHERE validated) AS nv, max(confidence) AS mx
       FROM ground_truth_objects GROUP BY video_id
     ), det AS (
       SELECT test_session_id,
              count(*) FILTER (WHERE validation_result = 'TP') AS tp, count(*) FILTER (WHERE validation_result = 'FP') AS fp,
              count(*) FILTER (WHERE validation_result = 'FN') AS fn, count(*) FILTER (WHERE validation_result = 'PENDING') AS pending
       FROM detection_events GROUP BY test_session_id
     ), vid AS (
       SELECT v.project_id,
              count(*) FILTER (WHERE v.status = 'uploaded') AS uploaded, count(*) FILTER (WHERE v.status = 'processing') AS processing,
              count(*) FILTER (WHERE v.status = 'completed') AS completed, count(*) FILTER (WHERE v.status = 'failed') AS failed,
              sum(coalesce(gt.n, 0)) AS gt, sum(coalesce(gt.nv, 0)) AS gtv
       FROM videos v LEFT JOIN gt ON gt.video_id = v.id GROUP BY v.project_id
     ), ses AS (
       SELECT t.project_id,
              count(*) FILTER (WHERE t.status = 'running') AS running, count(*) FILTER (WHERE t.status = 'completed') AS completed,
              count(*) FILTER (WHERE t.status = 'failed') AS failed,
              sum(coalesce(det.tp, 0)) AS tp, sum(coalesce(det.fp, 0)) AS fp, sum(coalesce(det.fn, 0)) AS fn,
              sum(coalesce(det.pending, 0)) AS pending
       FROM test_sessions t LEFT JOIN det ON det.test_session_id = t.id GROUP BY t.project_id
     ), compared AS (
       SELECT 'video' AS kind, v.id::text AS id,
              jsonb_build_array(v.ground_truth_count, v.ground_truth_validated, v.max_confidence) AS maintained,
              jsonb_build_array(coalesce(gt.n, 0), coalesce(gt.nv, 0), gt.mx) AS fresh
       FROM videos v LEFT JOIN gt ON gt.video_id = v.id
       UNION ALL
       SELECT 'session', t.id::text,
              jsonb_build_array(t.detections_tp, t.detections_fp, t.detections_fn, t.detections_pending),
              jsonb_build_array(coalesce(det.tp, 0), coalesce(det.fp, 0), coalesce(det.fn, 0), coalesce(det.pending, 0))
       FROM test_sessions t LEFT JOIN det ON det.test_session_id = t.id
       UNION ALL
       SELECT 'project', p.id::text,
              jsonb_build_array(s.videos_uploaded, s.videos_processing, s.videos_completed, s.videos_failed,
                                s.ground_truth_total, s.ground_truth_validated, s.sessions_running, s.sessions_completed,
                                s.sessions_failed, s.detections_tp, s.detections_fp, s.detections_fn, s.detections_pending),
              jsonb_build_array(coalesce(vid.uploaded, 0), coalesce(vid.processing, 0), coalesce(vid.completed, 0),
                                coalesce(vid.failed, 0), coalesce(vid.gt, 0), coalesce(vid.gtv, 0), coalesce(ses.running, 0),
                                coalesce(ses.completed, 0), coalesce(ses.failed, 0), coalesce(ses.tp, 0), coalesce(ses.fp, 0),
                                coalesce(ses.fn, 0), coalesce(ses.pending, 0))
       FROM projects p LEFT JOIN project_stats s ON s.project_id = p.id
       LEFT JOIN vid ON vid.project_id = p.id LEFT JOIN ses ON ses.project_id = p.id
     )
     SELECT * FROM compared WHERE maintained IS DISTINCT FROM fresh`,
  );
}
