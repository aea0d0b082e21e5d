// Writes to videos. Every write locks the video row first (parents before children, children before
// project_stats, which the triggers lock last), so concurrent writes on one video queue instead of
// deadlocking.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { columnList } from '../params.js';
import { testSessions as t, videos as v, type VideoRow } from '../schema.js';
import { Statement } from '../statement.js';
import { videoColumns, type VideoStatusValue } from './video.queries.js';

export interface NewVideo {
  id: string;
  projectId: string;
  filename: string;
  duration: number;
  fileSize: number;
  status: VideoStatusValue;
}

const insert = new Statement(sql`/* insertVideo */ INSERT INTO ${v} ${columnList(v.id, v.projectId, v.filename, v.duration, v.fileSize, v.status)}
  VALUES (${sql.placeholder('id')}::uuid, ${sql.placeholder('projectId')}::uuid, ${sql.placeholder('filename')}::text,
    ${sql.placeholder('duration')}::float8, ${sql.placeholder('fileSize')}::int8, ${sql.placeholder('status')}::video_status)
  ON CONFLICT ${columnList(v.id)} DO NOTHING RETURNING ${videoColumns}`);

/** null when the id is taken. */
export async function insertVideo(db: Queryable, video: NewVideo): Promise<VideoRow | null> {
  const [row] = await insert.run<VideoRow>(db, {
    id: video.id,
    projectId: video.projectId,
    filename: video.filename,
    duration: video.duration,
    fileSize: video.fileSize,
    status: video.status,
  });
  return row ?? null;
}

export interface LockedParent {
  id: string;
  projectId: string;
}

const lockStatement = (lock: string) =>
  new Statement(sql`/* lockVideo */ SELECT ${v.id}, ${v.projectId} AS "projectId" FROM ${v} WHERE ${v.id} = ${sql.placeholder('id')}::uuid ${sql.raw(lock)}`);
const lockStatements = { share: lockStatement('FOR NO KEY UPDATE'), exclusive: lockStatement('FOR UPDATE') };

/**
 * Locks one video for the rest of the transaction: `share` (FOR NO KEY UPDATE) for writes below it,
 * `exclusive` (FOR UPDATE) before deleting it, which also waits out sessions being created on it.
 */
export async function lockVideo(db: Queryable, id: string, mode: 'share' | 'exclusive'): Promise<LockedParent | null> {
  const [row] = await lockStatements[mode].run<LockedParent>(db, { id });
  return row ?? null;
}

export interface VideoPatch {
  status?: VideoStatusValue;
  /** null clears it. */
  processingStatus?: string | null;
  groundTruthGenerated?: boolean;
}

// A column left out of the patch keeps its value: null status or flag, or `setProcessing` false
// (processingStatus may be set to null).
const update = new Statement(sql`/* updateVideo */ UPDATE ${v} SET
    ${sql.identifier(v.status.name)} = coalesce(${sql.placeholder('status')}::video_status, ${v.status}),
    ${sql.identifier(v.processingStatus.name)} = CASE WHEN ${sql.placeholder('setProcessing')}::boolean
      THEN ${sql.placeholder('processingStatus')}::text ELSE ${v.processingStatus} END,
    ${sql.identifier(v.groundTruthGenerated.name)} = coalesce(${sql.placeholder('groundTruthGenerated')}::boolean, ${v.groundTruthGenerated})
  WHERE ${v.id} = ${sql.placeholder('id')}::uuid RETURNING ${videoColumns}`);

// An empty patch still answers the current row (and takes no trigger round trip).
const current = new Statement(sql`/* updateVideo */ SELECT ${videoColumns} FROM ${v} WHERE ${v.id} = ${sql.placeholder('id')}::uuid`);

export async function updateVideo(db: Queryable, id: string, patch: VideoPatch): Promise<VideoRow> {
  const { status, processingStatus, groundTruthGenerated } = patch;
  const [row] =
    status === undefined && processingStatus === undefined && groundTruthGenerated === undefined
      ? await current.run<VideoRow>(db, { id })
      : await update.run<VideoRow>(db, {
          id,
          status: status ?? null,
          setProcessing: processingStatus !== undefined,
          processingStatus: processingStatus ?? null,
          groundTruthGenerated: groundTruthGenerated ?? null,
        });
  return row;
}

const sessionIds = new Statement(sql`/* sessionIdsOfVideo */ SELECT ${t.id} FROM ${t} WHERE ${t.videoId} = ${sql.placeholder('videoId')}::uuid ORDER BY ${t.id}`);

export async function sessionIdsOfVideo(db: Queryable, videoId: string): Promise<string[]> {
  const rows = await sessionIds.run<{ id: string }>(db, { videoId });
  return rows.map((r) => r.id);
}

const remove = new Statement(sql`/* deleteVideo */ DELETE FROM ${v} WHERE ${v.id} = ${sql.placeholder('id')}::uuid RETURNING ${v.id}`);

/** Cascades to ground truth, sessions and detections; the triggers subtract what the rows held. */
export async function deleteVideo(db: Queryable, id: string): Promise<boolean> {
  const rows = await remove.run(db, { id });
  return rows.length > 0;
}
