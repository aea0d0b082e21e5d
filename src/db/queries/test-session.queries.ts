// SQL for test sessions: by id (scoped), pages per project, and a bounded list per video.
import type { AccessScope } from '../../auth/scope.js';
import type { Queryable } from '../client.js';
import type { KeysetWindow } from '../keyset.js';
import { Params } from '../params.js';
import type { TestSessionRow } from '../schema.js';

export const testSessionColumns = `t.id, t.project_id AS "projectId", t.video_id AS "videoId", t.status,
  t.started_at AS "startedAt", t.completed_at AS "completedAt",
  t.detections_tp AS "detectionsTp", t.detections_fp AS "detectionsFp",
  t.detections_fn AS "detectionsFn", t.detections_pending AS "detectionsPending",
  (extract(epoch from t.started_at) * 1000000)::int8 AS "_ts"`;

export type TestSessionStatusValue = TestSessionRow['status'];

export async function testSessionsByIds(
  db: Queryable,
  scope: AccessScope,
  ids: readonly string[],
): Promise<TestSessionRow[]> {
  const p = new Params();
  return db.query(
    `/* testSessionsByIds */ SELECT ${testSessionColumns} FROM test_sessions t
     WHERE t.id = ANY(${p.uuids(ids)})${p.scope(scope, 't.project_id')}`,
    p.values,
  );
}

export async function testSessionPagesByProjects(
  db: Queryable,
  projectIds: readonly string[],
  status: TestSessionStatusValue | undefined,
  limit: number,
  window: KeysetWindow<readonly [number, string]> = {},
): Promise<TestSessionRow[]> {
  const p = new Params();
  const parents = p.parents(projectIds);
  const { cursor, backward } = window;
  let where = 't.project_id = parent.id';
  if (status !== undefined) where += ` AND t.status = ${p.add(status)}::test_session_status`;
  if (cursor) where += ` AND (t.started_at, t.id) ${backward ? '>' : '<'} ('epoch'::timestamptz + ${p.add(cursor[0])}::int8 * interval '1 microsecond', ${p.add(cursor[1])}::uuid)`;
  const dir = backward ? 'ASC' : 'DESC';
  return db.query(
    `/* testSessionPagesByProjects */ SELECT page.* FROM ${parents}
     CROSS JOIN LATERAL (SELECT ${testSessionColumns} FROM test_sessions t WHERE ${where}
       ORDER BY t.started_at ${dir}, t.id ${dir} LIMIT ${p.add(limit)}::int) page`,
    p.values,
  );
}

/** The `limit` most recently started sessions of each video (the list is bounded like every other). */
export async function testSessionsByVideos(
  db: Queryable,
  videoIds: readonly string[],
  status: TestSessionStatusValue | undefined,
  limit: number,
): Promise<TestSessionRow[]> {
  const p = new Params();
  const parents = p.parents(videoIds);
  let where = 't.video_id = parent.id';
  if (status !== undefined) where += ` AND t.status = ${p.add(status)}::test_session_status`;
  return db.query(
    `/* testSessionsByVideos */ SELECT list.* FROM ${parents}
     CROSS JOIN LATERAL (SELECT ${testSessionColumns} FROM test_sessions t WHERE ${where}
       ORDER BY t.started_at DESC, t.id DESC LIMIT ${p.add(limit)}::int) list`,
    p.values,
  );
}
