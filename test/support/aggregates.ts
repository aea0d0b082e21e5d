// Compares every maintained counter (videos, test_sessions, project_stats) with a fresh aggregate of
// the rows, and answers the differences: an empty list means the triggers kept everything exact.
import type { Queryable } from '../../src/db/client.js';

export async function aggregateDrift(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ what: string }>(`
    SELECT 'video ' || v.id || ' ' || row(v.ground_truth_count, v.ground_truth_validated, v.max_confidence)::text
           || ' <> ' || row(coalesce(a.n, 0), coalesce(a.nv, 0), a.mx)::text AS what
    FROM videos v LEFT JOIN (
      SELECT video_id, count(*)::int AS n, (count(*) FILTER (WHERE validated))::int AS nv, max(confidence) AS mx
      FROM ground_truth_objects GROUP BY video_id) a ON a.video_id = v.id
    WHERE (v.ground_truth_count, v.ground_truth_validated, v.max_confidence) IS DISTINCT FROM (coalesce(a.n, 0), coalesce(a.nv, 0), a.mx)
    UNION ALL
    SELECT 'session ' || t.id || ' ' || row(t.detections_tp, t.detections_fp, t.detections_fn, t.detections_pending)::text
           || ' <> ' || row(coalesce(a.tp, 0), coalesce(a.fp, 0), coalesce(a.fn, 0), coalesce(a.pe, 0))::text
    FROM test_sessions t LEFT JOIN (
      SELECT test_session_id, (count(*) FILTER (WHERE validation_result = 'TP'))::int AS tp,
             (count(*) FILTER (WHERE validation_result = 'FP'))::int AS fp,
             (count(*) FILTER (WHERE validation_result = 'FN'))::int AS fn,
             (count(*) FILTER (WHERE validation_result = 'PENDING'))::int AS pe
      FROM detection_events GROUP BY test_session_id) a ON a.test_session_id = t.id
    WHERE (t.detections_tp, t.detections_fp, t.detections_fn, t.detections_pending)
          IS DISTINCT FROM (coalesce(a.tp, 0), coalesce(a.fp, 0), coalesce(a.fn, 0), coalesce(a.pe, 0))
    UNION ALL
    SELECT 'project ' || p.id || ' ' || coalesce(row(s.videos_uploaded, s.videos_processing, s.videos_completed, s.videos_failed,
             s.ground_truth_total, s.ground_truth_validated, s.sessions_running, s.sessions_completed, s.sessions_failed,
             s.detections_tp, s.detections_fp, s.detections_fn, s.detections_pending)::text, 'missing')
           || ' <> ' || row(f.vu, f.vp, f.vc, f.vf, f.gt, f.gtv, f.sr, f.sc, f.sf, f.tp, f.fp, f.fn, f.pe)::text
    FROM projects p LEFT JOIN project_stats s ON s.project_id = p.id
    LEFT JOIN LATERAL (SELECT
      count(*) FILTER (WHERE status = 'uploaded')::int AS vu, count(*) FILTER (WHERE status = 'processing')::int AS vp,
      count(*) FILTER (WHERE status = 'completed')::int AS vc, count(*) FILTER (WHERE status = 'failed')::int AS vf
      FROM videos WHERE project_id = p.id) fv ON true
    LEFT JOIN LATERAL (SELECT count(*)::int AS gt, (count(*) FILTER (WHERE g.validated))::int AS gtv
      FROM ground_truth_objects g JOIN videos v ON v.id = g.video_id WHERE v.project_id = p.id) fg ON true
    LEFT JOIN LATERAL (SELECT
      count(*) FILTER (WHERE status = 'running')::int AS sr, count(*) FILTER (WHERE status = 'completed')::int AS sc,
      count(*) FILTER (WHERE status = 'failed')::int AS sf
      FROM test_sessions WHERE project_id = p.id) fs ON true
    LEFT JOIN LATERAL (SELECT
      count(*) FILTER (WHERE d.validation_result = 'TP')::int AS tp, count(*) FILTER (WHERE d.validation_result = 'FP')::int AS fp,
      count(*) FILTER (WHERE d.validation_result = 'FN')::int AS fn, count(*) FILTER (WHERE d.validation_result = 'PENDING')::int AS pe
      FROM detection_events d JOIN test_sessions t ON t.id = d.test_session_id WHERE t.project_id = p.id) fd ON true
    CROSS JOIN LATERAL (SELECT fv.vu, fv.vp, fv.vc, fv.vf, fg.gt, fg.gtv, fs.sr, fs.sc, fs.sf, fd.tp, fd.fp, fd.fn, fd.pe) f
    WHERE s.project_id IS NULL OR (s.videos_uploaded, s.videos_processing, s.videos_completed, s.videos_failed,
             s.ground_truth_total, s.ground_truth_validated, s.sessions_running, s.sessions_completed, s.sessions_failed,
             s.detections_tp, s.detections_fp, s.detections_fn, s.detections_pending)
          IS DISTINCT FROM (f.vu, f.vp, f.vc, f.vf, f.gt, f.gtv, f.sr, f.sc, f.sf, f.tp, f.fp, f.fn, f.pe)`);
  return rows.map((r) => r.what);
}

/** Row counts of the written tables, for asserting that a rejected batch wrote nothing. */
export async function rowCounts(db: Queryable) {
  const [r] = await db.query<Record<string, number>>(`SELECT
    (SELECT count(*) FROM projects)::int AS projects, (SELECT count(*) FROM videos)::int AS videos,
    (SELECT count(*) FROM ground_truth_objects)::int AS "groundTruth", (SELECT count(*) FROM test_sessions)::int AS sessions,
    (SELECT count(*) FROM detection_events)::int AS detections,
    (SELECT coalesce(sum(confidence), 0)::float8 FROM detection_events) AS "detectionConfidenceSum",
    (SELECT coalesce(sum(confidence), 0)::float8 FROM ground_truth_objects) AS "groundTruthConfidenceSum"`);
  return r;
}
