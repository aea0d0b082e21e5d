// SQL for videos: by id (scoped), and newest-first pages per project, batched over many projects.
import type { AccessScope } from '../../auth/scope.js';
import type { Queryable } from '../client.js';
import type { KeysetWindow } from '../keyset.js';
import { Params } from '../params.js';
import type { VideoRow } from '../schema.js';

export const videoColumns = `v.id, v.project_id AS "projectId", v.filename, v.status,
  v.processing_status AS "processingStatus", v.created_at AS "createdAt", v.duration,
  v.file_size AS "fileSize", v.ground_truth_generated AS "groundTruthGenerated",
  v.ground_truth_count AS "groundTruthCount", v.ground_truth_validated AS "groundTruthValidated",
  v.max_confidence AS "maxConfidence", (extract(epoch from v.created_at) * 1000000)::int8 AS "_ts"`;

export type VideoStatusValue = VideoRow['status'];

export interface VideoFilter {
  status?: VideoStatusValue;
  groundTruthGenerated?: boolean;
}

export async function videosByIds(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<VideoRow[]> {
  const p = new Params();
  return db.query(
    `/* videosByIds */ SELECT ${videoColumns} FROM videos v WHERE v.id = ANY(${p.uuids(ids)})${p.scope(scope, 'v.project_id')}`,
    p.values,
  );
}

function filterSql(p: Params, f: VideoFilter): string {
  let s = '';
  if (f.status !== undefined) s += ` AND v.status = ${p.add(f.status)}::video_status`;
  if (f.groundTruthGenerated !== undefined) s += ` AND v.ground_truth_generated = ${p.add(f.groundTruthGenerated)}::boolean`;
  return s;
}

/**
 * One statement for every project: a LATERAL page each, newest first, `limit` rows per project;
 * backward pages read the same index the other way (oldest first from the cursor).
 */
export async function videoPagesByProjects(
  db: Queryable,
  projectIds: readonly string[],
  filter: VideoFilter,
  limit: number,
  window: KeysetWindow<readonly [number, string]> = {},
): Promise<VideoRow[]> {
  const p = new Params();
  const parents = p.parents(projectIds);
  const { cursor, backward } = window;
  let where = `v.project_id = parent.id${filterSql(p, filter)}`;
  if (cursor) where += ` AND (v.created_at, v.id) ${backward ? '>' : '<'} ('epoch'::timestamptz + ${p.add(cursor[0])}::int8 * interval '1 microsecond', ${p.add(cursor[1])}::uuid)`;
  const dir = backward ? 'ASC' : 'DESC';
  return db.query(
    `/* videoPagesByProjects */ SELECT page.* FROM ${parents}
     CROSS JOIN LATERAL (SELECT ${videoColumns} FROM videos v WHERE ${where}
       ORDER BY v.created_at ${dir}, v.id ${dir} LIMIT ${p.add(limit)}::int) page`,
    p.values,
  );
}

/** Only the groundTruthGenerated filter needs counting: status counts are maintained in project_stats. */
export async function videoCountsByProjects(
  db: Queryable,
  projectIds: readonly string[],
  filter: VideoFilter,
): Promise<{ parent: string; n: number }[]> {
  const p = new Params();
  return db.query(
    `/* videoCountsByProjects */ SELECT v.project_id AS parent, count(*)::int AS n FROM videos v
     WHERE v.project_id = ANY(${p.uuids(projectIds)})${filterSql(p, filter)} GROUP BY v.project_id`,
    p.values,
  );
}
