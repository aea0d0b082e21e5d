// Starting and ending test sessions. A session runs on a video of its own project; ending it is a
// one-way step (repeating the same end is a no-op, a different one is a CONFLICT).
import { randomUUID } from 'node:crypto';
import { canWrite } from '../auth/scope.js';
import { writeTags } from '../cache/cache-tags.js';
import { AppError } from '../errors.js';
import * as sessionSql from '../db/queries/test-session.mutations.js';
import type { TestSessionStatusValue } from '../db/queries/test-session.queries.js';
import { lockVideo } from '../db/queries/video.mutations.js';
import type { TestSessionRow } from '../db/schema.js';
import { BatchProblems, idNotAvailable, notFound, requireUuid } from './batch-problems.js';
import { startLiveSession } from './evaluation.maintenance.js';
import type { WriteDeps, WriteResult } from './run-write.js';

export interface CreateTestSessionInput {
  id?: string | null;
  projectId: string;
  videoId: string;
}

export async function createTestSession(deps: WriteDeps, input: CreateTestSessionInput): Promise<WriteResult<TestSessionRow>> {
  const p = new BatchProblems();
  if (input.id != null) p.uuid(0, 'id', input.id);
  p.uuid(0, 'projectId', input.projectId);
  p.uuid(0, 'videoId', input.videoId);
  p.throwIfAny('input', 1);
  const projectId = input.projectId.toLowerCase();
  const videoId = input.videoId.toLowerCase();
  if (!canWrite(deps.scope, projectId)) throw notFound('input.projectId', 'project', projectId);
  const id = input.id?.toLowerCase() ?? randomUUID();

  const session = await deps.db.transaction(async (tx) => {
    // The video lock orders this insert with a concurrent deleteVideo (which locks it FOR UPDATE).
    const video = await lockVideo(tx, videoId, 'share');
    if (!video || video.projectId !== projectId) throw notFound('input.videoId', 'video', videoId);
    const row = await sessionSql.insertTestSession(tx, id, projectId, videoId);
    if (!row) throw idNotAvailable('input.id', id);
    await startLiveSession(tx, deps.liveEvaluation, id);
    return row;
  });
  return { value: session, changedTags: writeTags.session(session) };
}

export async function completeTestSession(
  deps: WriteDeps,
  idArg: string,
  status: TestSessionStatusValue,
): Promise<WriteResult<TestSessionRow>> {
  const id = requireUuid('id', idArg);
  if (status !== 'completed' && status !== 'failed') {
    throw new AppError('BAD_USER_INPUT', `status must be COMPLETED or FAILED, got: ${String(status).toUpperCase()}`, { argument: 'status' });
  }
  const { session, changed } = await deps.db.transaction(async (tx) => {
    const locked = await sessionSql.lockTestSession(tx, id);
    if (!locked || !canWrite(deps.scope, locked.projectId)) throw notFound('id', 'test session', id);
    if (locked.status === status) return { session: locked as TestSessionRow, changed: false };
    if (locked.status !== 'running') {
      throw new AppError('CONFLICT', `test session ${id} already ended as ${locked.status.toUpperCase()}`, { argument: 'id' });
    }
    return { session: await sessionSql.completeTestSession(tx, id, status), changed: true };
  });
  return { value: session, changedTags: changed ? writeTags.session(session) : [] };
}
