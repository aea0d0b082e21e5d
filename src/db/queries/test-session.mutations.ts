// Writes to test sessions. A session is locked (FOR NO KEY UPDATE) before anything is written below
// it, which also keeps its status stable until commit: a batch checked against a running session
// cannot land in one that another transaction just completed.
import type { AccessScope } from '../../auth/scope.js';
import type { Queryable } from '../client.js';
import { Params } from '../params.js';
import type { TestSessionRow } from '../schema.js';
import { testSessionColumns, type TestSessionStatusValue } from './test-session.queries.js';

export interface LockedSession {
  id: string;
  projectId: string;
  videoId: string;
  status: TestSessionStatusValue;
}

/** Inserts a running session on a video of the project; null when the id is taken. */
export async function insertTestSession(db: Queryable, id: string, projectId: string, videoId: string): Promise<TestSessionRow | null> {
  const [row] = await db.query<TestSessionRow>(
    `/* insertTestSession */ INSERT INTO test_sessions AS t (id, project_id, video_id, status)
     VALUES ($1::uuid, $2::uuid, $3::uuid, 'running') ON CONFLICT (id) DO NOTHING RETURNING ${testSessionColumns}`,
    [id, projectId, videoId],
  );
  return row ?? null;
}

export async function lockTestSession(db: Queryable, id: string): Promise<(TestSessionRow & LockedSession) | null> {
  const [row] = await db.query<TestSessionRow & LockedSession>(
    `/* lockTestSession */ SELECT ${testSessionColumns} FROM test_sessions t WHERE t.id = $1::uuid FOR NO KEY UPDATE`,
    [id],
  );
  return row ?? null;
}

export async function completeTestSession(db: Queryable, id: string, status: TestSessionStatusValue): Promise<TestSessionRow> {
  const [row] = await db.query<TestSessionRow>(
    `/* completeTestSession */ UPDATE test_sessions AS t SET status = $2::test_session_status, completed_at = now()
     WHERE t.id = $1::uuid RETURNING ${testSessionColumns}`,
    [id, status],
  );
  return row;
}

/** Locks, in id order, the writable sessions owning any of the detections (parents before rows). */
export async function lockSessionsOfDetections(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<LockedSession[]> {
  const p = new Params();
  return db.query<LockedSession>(
    `/* lockSessionsOfDetections */ SELECT t.id, t.project_id AS "projectId", t.video_id AS "videoId", t.status FROM test_sessions t
     WHERE t.id IN (SELECT d.test_session_id FROM detection_events d WHERE d.id = ANY(${p.uuids(ids)}))${p.writable(scope, 't.project_id')}
     ORDER BY t.id FOR NO KEY UPDATE`,
    p.values,
  );
}
