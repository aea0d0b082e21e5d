// Writes to ground-truth boxes: one set-based statement per call whatever the batch size. Rows travel
// as one JSON parameter (no 65,535-parameter cap, same on postgres.js and PGlite) and are written in
// id order, so two batches touching the same rows lock them in the same order. The statement-level
// triggers fold the whole batch into one update of each video and of project_stats.
import type { AccessScope } from '../../auth/scope.js';
import type { Queryable } from '../client.js';
import { Params } from '../params.js';
import type { LockedParent } from './video.mutations.js';

/** One box as the JSON parameter carries it (short keys: 10,000 of them travel per call). */
export interface GroundTruthJsonRow {
  id: string;
  f: number;
  t: number;
  l: string;
  c: number;
  x: number;
  y: number;
  w: number;
  h: number;
  v: boolean;
  d: boolean;
}

export interface UpsertCounts {
  inserted: number;
  /** Rows inserted or updated; less than the batch when some ids belong to another parent. */
  written: number;
}

/**
 * Insert or replace by id. A row whose id belongs to another video is left alone (the WHERE of the
 * DO UPDATE), which the caller sees as written < batch size. `xmax = 0` marks a freshly inserted row.
 */
export async function upsertGroundTruth(db: Queryable, videoId: string, rows: readonly GroundTruthJsonRow[]): Promise<UpsertCounts> {
  const [r] = await db.query<UpsertCounts>(
    `/* upsertGroundTruth */ WITH up AS (
       INSERT INTO ground_truth_objects AS g
         (id, video_id, frame_number, timestamp, class_label, confidence, x, y, width, height, validated, difficult)
       SELECT r.id, $1::uuid, r.f, r.t, r.l, r.c, r.x, r.y, r.w, r.h, r.v, r.d
       FROM json_to_recordset($2::json) AS r(id uuid, f int, t float8, l text, c real, x real, y real, w real, h real, v boolean, d boolean)
       ORDER BY r.id
       ON CONFLICT (id) DO UPDATE SET
         frame_number = EXCLUDED.frame_number, timestamp = EXCLUDED.timestamp, class_label = EXCLUDED.class_label,
         confidence = EXCLUDED.confidence, x = EXCLUDED.x, y = EXCLUDED.y, width = EXCLUDED.width,
         height = EXCLUDED.height, validated = EXCLUDED.validated, difficult = EXCLUDED.difficult
       WHERE g.video_id = EXCLUDED.video_id
       RETURNING (xmax = 0) AS inserted
     ) SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, count(*)::int AS written FROM up`,
    [videoId, JSON.stringify(rows)],
  );
  return r;
}

/** Which of `ids` already belong to a video other than `videoId`. */
export async function groundTruthIdsOfOtherVideos(db: Queryable, videoId: string, ids: readonly string[]): Promise<string[]> {
  const p = new Params();
  const rows = await db.query<{ id: string }>(
    `/* groundTruthIdsOfOtherVideos */ SELECT id FROM ground_truth_objects
     WHERE id = ANY(${p.uuids(ids)}) AND video_id <> ${p.add(videoId)}::uuid`,
    p.values,
  );
  return rows.map((r) => r.id);
}

/**
 * Locks, in id order, the writable videos owning any of the boxes: the parents are locked before the
 * boxes, as every other write does, so no two writes wait on each other in opposite orders.
 */
export async function lockVideosOfGroundTruth(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<LockedParent[]> {
  const p = new Params();
  return db.query<LockedParent>(
    `/* lockVideosOfGroundTruth */ SELECT v.id, v.project_id AS "projectId" FROM videos v
     WHERE v.id IN (SELECT g.video_id FROM ground_truth_objects g WHERE g.id = ANY(${p.uuids(ids)}))${p.writable(scope, 'v.project_id')}
     ORDER BY v.id FOR NO KEY UPDATE`,
    p.values,
  );
}

export interface ChangedPerParent {
  parent: string;
  n: number;
}

/** Sets the flag where it differs; answers the changed rows per video. */
export async function setGroundTruthValidated(
  db: Queryable,
  ids: readonly string[],
  videoIds: readonly string[],
  validated: boolean,
): Promise<ChangedPerParent[]> {
  const p = new Params();
  return db.query<ChangedPerParent>(
    `/* setGroundTruthValidated */ WITH u AS (
       UPDATE ground_truth_objects SET validated = ${p.add(validated)}::boolean
       WHERE id = ANY(${p.uuids(ids)}) AND video_id = ANY(${p.uuids(videoIds)}) AND validated <> $1::boolean
       RETURNING video_id
     ) SELECT video_id AS parent, count(*)::int AS n FROM u GROUP BY video_id`,
    p.values,
  );
}

export async function deleteGroundTruth(db: Queryable, ids: readonly string[], videoIds: readonly string[]): Promise<ChangedPerParent[]> {
  const p = new Params();
  return db.query<ChangedPerParent>(
    `/* deleteGroundTruth */ WITH d AS (
       DELETE FROM ground_truth_objects WHERE id = ANY(${p.uuids(ids)}) AND video_id = ANY(${p.uuids(videoIds)})
       RETURNING video_id
     ) SELECT video_id AS parent, count(*)::int AS n FROM d GROUP BY video_id`,
    p.values,
  );
}
