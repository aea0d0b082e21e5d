// Writes to videos. Every write locks the video row first (parents before children, children before
// project_stats, which the triggers lock last), so concurrent writes on one video queue instead of
// deadlocking.
import type { Param, Queryable } from '../client.js';
import type { VideoRow } from '../schema.js';
import { videoColumns, type VideoStatusValue } from './video.queries.js';

export interface NewVideo {
  id: string;
  projectId: string;
  filename: string;
  duration: number;
  fileSize: number;
  status: VideoStatusValue;
}

/** null when the id is taken. */
export async function insertVideo(db: Queryable, v: NewVideo): Promise<VideoRow | null> {
  const [row] = await db.query<VideoRow>(
    `/* insertVideo */ INSERT INTO videos AS v (id, project_id, filename, duration, file_size, status)
     VALUES ($1::uuid, $2::uuid, $3::text, $4::float8, $5::int8, $6::video_status)
     ON CONFLICT (id) DO NOTHING RETURNING ${videoColumns}`,
    [v.id, v.projectId, v.filename, v.duration, v.fileSize, v.status],
  );
  return row ?? null;
}

export interface LockedParent {
  id: string;
  projectId: string;
}

/**
 * Locks one video for the rest of the transaction: `share` (FOR NO KEY UPDATE) for writes below it,
 * `exclusive` (FOR UPDATE) before deleting it, which also waits out sessions being created on it.
 */
export async function lockVideo(db: Queryable, id: string, mode: 'share' | 'exclusive'): Promise<LockedParent | null> {
  const lock = mode === 'exclusive' ? 'FOR UPDATE' : 'FOR NO KEY UPDATE';
  const [row] = await db.query<LockedParent>(
    `/* lockVideo */ SELECT id, project_id AS "projectId" FROM videos WHERE id = $1::uuid ${lock}`,
    [id],
  );
  return row ?? null;
}

export interface VideoPatch {
  status?: VideoStatusValue;
  /** null clears it. */
  processingStatus?: string | null;
  groundTruthGenerated?: boolean;
}

export async function updateVideo(db: Queryable, id: string, patch: VideoPatch): Promise<VideoRow> {
  const params: Param[] = [id];
  const set: string[] = [];
  const add = (column: string, value: Param, cast: string) => {
    params.push(value);
    set.push(`${column} = $${params.length}::${cast}`);
  };
  if (patch.status !== undefined) add('status', patch.status, 'video_status');
  if (patch.processingStatus !== undefined) add('processing_status', patch.processingStatus, 'text');
  if (patch.groundTruthGenerated !== undefined) add('ground_truth_generated', patch.groundTruthGenerated, 'boolean');
  // An empty patch still answers the current row (and takes no trigger round trip).
  const text = set.length
    ? `/* updateVideo */ UPDATE videos AS v SET ${set.join(', ')} WHERE v.id = $1::uuid RETURNING ${videoColumns}`
    : `/* updateVideo */ SELECT ${videoColumns} FROM videos v WHERE v.id = $1::uuid`;
  const [row] = await db.query<VideoRow>(text, params);
  return row;
}

export async function sessionIdsOfVideo(db: Queryable, videoId: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `/* sessionIdsOfVideo */ SELECT id FROM test_sessions WHERE video_id = $1::uuid ORDER BY id`,
    [videoId],
  );
  return rows.map((r) => r.id);
}

/** Cascades to ground truth, sessions and detections; the triggers subtract what the rows held. */
export async function deleteVideo(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query(`/* deleteVideo */ DELETE FROM videos WHERE id = $1::uuid RETURNING id`, [id]);
  return rows.length > 0;
}
