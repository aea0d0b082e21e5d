// Writes to test sessions. A session is locked (FOR NO KEY UPDATE) before anything is written below
// it, which also keeps its status stable until commit: a batch checked against a running session
// cannot land in one that another transaction just completed.
import type { AccessScope } from '../../auth/scope.js';
import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { columnList, uuidArray, writableBy, writeScopeValues } from '../params.js';
import { detectionEvents as d, testSessions as t, type TestSessionRow } from '../schema.js';
import { Statement } from '../statement.js';
import { testSessionColumns, type TestSessionStatusValue } from './test-session.queries.js';

export interface LockedSession {
  id: string;
  projectId: string;
  videoId: string;
  status: TestSessionStatusValue;
}

const insert = new Statement(sql`/* insertTestSession */ INSERT INTO ${t} ${columnList(t.id, t.projectId, t.videoId, t.status)}
  VALUES (${sql.placeholder('id')}::uuid, ${sql.placeholder('projectId')}::uuid, ${sql.placeholder('videoId')}::uuid, 'running')
  ON CONFLICT ${columnList(t.id)} DO NOTHING RETURNING ${testSessionColumns}`);

/** Inserts a running session on a video of the project; null when the id is taken. */
export async function insertTestSession(db: Queryable, id: string, projectId: string, videoId: string): Promise<TestSessionRow | null> {
  const [row] = await insert.run<TestSessionRow>(db, { id, projectId, videoId });
  return row ?? null;
}

const lock = new Statement(sql`/* lockTestSession */ SELECT ${testSessionColumns} FROM ${t} WHERE ${t.id} = ${sql.placeholder('id')}::uuid FOR NO KEY UPDATE`);

export async function lockTestSession(db: Queryable, id: string): Promise<(TestSessionRow & LockedSession) | null> {
  const [row] = await lock.run<TestSessionRow & LockedSession>(db, { id });
  return row ?? null;
}

const complete = new Statement(sql`/* completeTestSession */ UPDATE ${t}
  SET ${sql.identifier(t.status.name)} = ${sql.placeholder('status')}::test_session_status, ${sql.identifier(t.completedAt.name)} = now()
  WHERE ${t.id} = ${sql.placeholder('id')}::uuid RETURNING ${testSessionColumns}`);

export async function completeTestSession(db: Queryable, id: string, status: TestSessionStatusValue): Promise<TestSessionRow> {
  const [row] = await complete.run<TestSessionRow>(db, { id, status });
  return row;
}

const lockOfDetections = new Statement(sql`/* lockSessionsOfDetections */
  SELECT ${t.id}, ${t.projectId} AS "projectId", ${t.videoId} AS "videoId", ${t.status} FROM ${t}
  WHERE ${t.id} IN (SELECT ${d.testSessionId} FROM ${d} WHERE ${d.id} = ANY(${sql.placeholder('ids')}::uuid[])) AND ${writableBy(t.projectId)}
  ORDER BY ${t.id} FOR NO KEY UPDATE`);

/** Locks, in id order, the writable sessions owning any of the detections (parents before rows). */
export async function lockSessionsOfDetections(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<LockedSession[]> {
  const { admin, writable } = writeScopeValues(scope);
  return lockOfDetections.run<LockedSession>(db, { ids: uuidArray(ids), admin, writable });
}
