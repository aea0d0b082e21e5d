// Writes to ground-truth boxes: one set-based statement per call whatever the batch size. Rows travel
// as one JSON parameter (no 65,535-parameter cap, same on postgres.js and PGlite) and are written in
// id order, so two batches touching the same rows lock them in the same order. The statement-level
// triggers fold the whole batch into one update of each video and of project_stats.
import type { AccessScope } from '../../auth/scope.js';
import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { columnList, uuidArray, writableBy, writeScopeValues } from '../params.js';
import { groundTruthObjects as g, videos as v } from '../schema.js';
import { Statement } from '../statement.js';
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

const replaced = sql.join(
  [g.frameNumber, g.timestamp, g.classLabel, g.confidence, g.x, g.y, g.width, g.height, g.validated, g.difficult].map(
    (column) => sql`${sql.identifier(column.name)} = EXCLUDED.${sql.identifier(column.name)}`,
  ),
  sql`, `,
);

const upsert = new Statement(sql`/* upsertGroundTruth */ WITH up AS (
    INSERT INTO ${g} ${columnList(g.id, g.videoId, g.frameNumber, g.timestamp, g.classLabel, g.confidence, g.x, g.y, g.width, g.height, g.validated, g.difficult)}
    SELECT r.id, ${sql.placeholder('videoId')}::uuid, r.f, r.t, r.l, r.c, r.x, r.y, r.w, r.h, r.v, r.d
    FROM json_to_recordset(${sql.placeholder('rows')}::json) AS r(id uuid, f int, t float8, l text, c real, x real, y real, w real, h real, v boolean, d boolean)
    ORDER BY r.id
    ON CONFLICT ${columnList(g.id)} DO UPDATE SET ${replaced}
    WHERE ${g.videoId} = EXCLUDED.${sql.identifier(g.videoId.name)}
    RETURNING (xmax = 0) AS inserted
  ) SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, count(*)::int AS written FROM up`);

/**
 * Insert or replace by id. A row whose id belongs to another video is left alone (the WHERE of the
 * DO UPDATE), which the caller sees as written < batch size. `xmax = 0` marks a freshly inserted row.
 */
export async function upsertGroundTruth(db: Queryable, videoId: string, rows: readonly GroundTruthJsonRow[]): Promise<UpsertCounts> {
  const [r] = await upsert.run<UpsertCounts>(db, { videoId, rows: JSON.stringify(rows) });
  return r;
}

const ofOtherVideos = new Statement(sql`/* groundTruthIdsOfOtherVideos */ SELECT ${g.id} FROM ${g}
  WHERE ${g.id} = ANY(${sql.placeholder('ids')}::uuid[]) AND ${g.videoId} <> ${sql.placeholder('videoId')}::uuid`);

/** Which of `ids` already belong to a video other than `videoId`. */
export async function groundTruthIdsOfOtherVideos(db: Queryable, videoId: string, ids: readonly string[]): Promise<string[]> {
  const rows = await ofOtherVideos.run<{ id: string }>(db, { ids: uuidArray(ids), videoId });
  return rows.map((r) => r.id);
}

const lockOfBoxes = new Statement(sql`/* lockVideosOfGroundTruth */ SELECT ${v.id}, ${v.projectId} AS "projectId" FROM ${v}
  WHERE ${v.id} IN (SELECT ${g.videoId} FROM ${g} WHERE ${g.id} = ANY(${sql.placeholder('ids')}::uuid[])) AND ${writableBy(v.projectId)}
  ORDER BY ${v.id} FOR NO KEY UPDATE`);

/**
 * Locks, in id order, the writable videos owning any of the boxes: the parents are locked before the
 * boxes, as every other write does, so no two writes wait on each other in opposite orders.
 */
export async function lockVideosOfGroundTruth(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<LockedParent[]> {
  const { admin, writable } = writeScopeValues(scope);
  return lockOfBoxes.run<LockedParent>(db, { ids: uuidArray(ids), admin, writable });
}

export interface ChangedPerParent {
  parent: string;
  n: number;
}

const setValidated = new Statement(sql`/* setGroundTruthValidated */ WITH u AS (
    UPDATE ${g} SET ${sql.identifier(g.validated.name)} = ${sql.placeholder('validated')}::boolean
    WHERE ${g.id} = ANY(${sql.placeholder('ids')}::uuid[]) AND ${g.videoId} = ANY(${sql.placeholder('videoIds')}::uuid[])
      AND ${g.validated} <> ${sql.placeholder('validated')}::boolean
    RETURNING ${g.videoId}
  ) SELECT video_id AS parent, count(*)::int AS n FROM u GROUP BY video_id`);

/** Sets the flag where it differs; answers the changed rows per video. */
export async function setGroundTruthValidated(
  db: Queryable,
  ids: readonly string[],
  videoIds: readonly string[],
  validated: boolean,
): Promise<ChangedPerParent[]> {
  return setValidated.run<ChangedPerParent>(db, { ids: uuidArray(ids), videoIds: uuidArray(videoIds), validated });
}

const remove = new Statement(sql`/* deleteGroundTruth */ WITH d AS (
    DELETE FROM ${g} WHERE ${g.id} = ANY(${sql.placeholder('ids')}::uuid[]) AND ${g.videoId} = ANY(${sql.placeholder('videoIds')}::uuid[])
    RETURNING ${g.videoId}
  ) SELECT video_id AS parent, count(*)::int AS n FROM d GROUP BY video_id`);

export async function deleteGroundTruth(db: Queryable, ids: readonly string[], videoIds: readonly string[]): Promise<ChangedPerParent[]> {
  return remove.run<ChangedPerParent>(db, { ids: uuidArray(ids), videoIds: uuidArray(videoIds) });
}
