// SQL for projects and their maintained dashboard counters.
import type { AccessScope } from '../../auth/scope.js';
import type { Queryable } from '../client.js';
import type { KeysetWindow } from '../keyset.js';
import { Params } from '../params.js';
import type { ProjectRow, ProjectStatsRow } from '../schema.js';

const statsColumns = `project_id AS "projectId",
  videos_uploaded AS "videosUploaded", videos_processing AS "videosProcessing",
  videos_completed AS "videosCompleted", videos_failed AS "videosFailed",
  ground_truth_total AS "groundTruthTotal", ground_truth_validated AS "groundTruthValidated",
  sessions_running AS "sessionsRunning", sessions_completed AS "sessionsCompleted",
  sessions_failed AS "sessionsFailed",
  detections_tp AS "detectionsTp", detections_fp AS "detectionsFp",
  detections_fn AS "detectionsFn", detections_pending AS "detectionsPending"`;

/**
 * A project row carries its one-row dashboard counters as `_stats`: a page of videos or sessions
 * takes its totalCount from them and Project.stats reads them, without another round trip.
 */
export const projectColumns = `p.id, p.name, p.description, p.created_at AS "createdAt",
  (extract(epoch from p.created_at) * 1000000)::int8 AS "_ts"`;
const projectWithStatsColumns = `${projectColumns},
  (SELECT row_to_json(st) FROM (SELECT ${statsColumns} FROM project_stats WHERE project_id = p.id) st) AS "_stats"`;

export type ProjectWithStats = ProjectRow & { _stats: ProjectStatsRow | null };

export async function projectsByIds(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<ProjectWithStats[]> {
  const p = new Params();
  return db.query(
    `/* projectsByIds */ SELECT ${projectWithStatsColumns} FROM projects p WHERE p.id = ANY(${p.uuids(ids)})${p.scope(scope, 'p.id')}`,
    p.values,
  );
}

/** Newest first (oldest first from the cursor when backward); the cursor is the [created_at µs, id] of a row. */
export async function projectPage(
  db: Queryable,
  scope: AccessScope,
  limit: number,
  window: KeysetWindow<readonly [number, string]> = {},
): Promise<ProjectWithStats[]> {
  const p = new Params();
  const { cursor, backward } = window;
  const where = [`true${p.scope(scope, 'p.id')}`];
  if (cursor) where.push(`(p.created_at, p.id) ${backward ? '>' : '<'} ('epoch'::timestamptz + ${p.add(cursor[0])}::int8 * interval '1 microsecond', ${p.add(cursor[1])}::uuid)`);
  const dir = backward ? 'ASC' : 'DESC';
  return db.query(
    `/* projectPage */ SELECT ${projectWithStatsColumns} FROM projects p WHERE ${where.join(' AND ')}
     ORDER BY p.created_at ${dir}, p.id ${dir} LIMIT ${p.add(limit)}::int`,
    p.values,
  );
}

export async function projectCount(db: Queryable, scope: AccessScope): Promise<number> {
  const p = new Params();
  const [row] = await db.query<{ n: number }>(
    `/* projectCount */ SELECT count(*)::int AS n FROM projects p WHERE true${p.scope(scope, 'p.id')}`,
    p.values,
  );
  return row.n;
}

/** Dashboard counters; callers pass ids of projects already read through the caller's scope. */
export async function projectStatsByIds(db: Queryable, ids: readonly string[]): Promise<ProjectStatsRow[]> {
  const p = new Params();
  return db.query(
    `/* projectStatsByIds */ SELECT ${statsColumns} FROM project_stats WHERE project_id = ANY(${p.uuids(ids)})`,
    p.values,
  );
}
