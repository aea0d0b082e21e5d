// Creating, updating and deleting videos. A video the caller may not write answers exactly like an
// unknown one (NOT_FOUND), so ids of other tenants reveal nothing.
import { randomUUID } from 'node:crypto';
import { canWrite } from '../auth/scope.js';
import { writeTags } from '../cache/cache-tags.js';
import { AppError } from '../errors.js';
import { lockProjectKey } from '../db/queries/project.mutations.js';
import { dropLiveMatches } from '../db/queries/live-evaluation.queries.js';
import * as videoSql from '../db/queries/video.mutations.js';
import type { VideoStatusValue } from '../db/queries/video.queries.js';
import type { VideoRow } from '../db/schema.js';
import { BatchProblems, idNotAvailable, notFound, requireUuid } from './batch-problems.js';
import type { WriteDeps, WriteResult } from './run-write.js';

export const videoStatuses: readonly VideoStatusValue[] = ['uploaded', 'processing', 'completed', 'failed'];

export interface CreateVideoInput {
  id?: string | null;
  projectId: string;
  filename: string;
  duration: number;
  fileSize: number;
  status?: VideoStatusValue | null;
}

export async function createVideo(deps: WriteDeps, input: CreateVideoInput): Promise<WriteResult<VideoRow>> {
  const p = new BatchProblems();
  if (input.id != null) p.uuid(0, 'id', input.id);
  p.uuid(0, 'projectId', input.projectId);
  p.text(0, 'filename', input.filename, 1, 1024);
  p.number(0, 'duration', input.duration, { min: 0 });
  p.number(0, 'fileSize', input.fileSize, { min: 0, integer: true });
  if (input.status != null) p.oneOf(0, 'status', input.status, videoStatuses);
  p.throwIfAny('input', 1);
  const projectId = input.projectId.toLowerCase();
  if (!canWrite(deps.scope, projectId)) throw notFound('input.projectId', 'project', projectId);
  const id = input.id?.toLowerCase() ?? randomUUID();

  const video = await deps.db.transaction(async (tx) => {
    // The FK check would also catch an unknown project, but as a 500; ask first.
    if (!(await lockProjectKey(tx, projectId))) throw notFound('input.projectId', 'project', projectId);
    const row = await videoSql.insertVideo(tx, {
      id,
      projectId,
      filename: input.filename,
      duration: input.duration,
      fileSize: input.fileSize,
      status: input.status ?? 'uploaded',
    });
    if (!row) throw idNotAvailable('input.id', id);
    return row;
  });
  return { value: video, changedTags: writeTags.createVideo(video) };
}

export interface UpdateVideoInput {
  status?: VideoStatusValue | null;
  processingStatus?: string | null;
  groundTruthGenerated?: boolean | null;
}

export async function updateVideo(deps: WriteDeps, idArg: string, input: UpdateVideoInput): Promise<WriteResult<VideoRow>> {
  const id = requireUuid('id', idArg);
  const p = new BatchProblems();
  if (input.status != null) p.oneOf(0, 'status', input.status, videoStatuses);
  if (input.processingStatus != null) p.text(0, 'processingStatus', input.processingStatus, 0, 1024);
  p.optionalBoolean(0, 'groundTruthGenerated', input.groundTruthGenerated);
  p.throwIfAny('input', 1);

  const video = await deps.db.transaction(async (tx) => {
    const locked = await videoSql.lockVideo(tx, id, 'share');
    if (!locked || !canWrite(deps.scope, locked.projectId)) throw notFound('id', 'video', id);
    return videoSql.updateVideo(tx, id, {
      status: input.status ?? undefined,
      // Absent leaves it; an explicit null clears it.
      processingStatus: input.processingStatus === undefined ? undefined : input.processingStatus,
      groundTruthGenerated: input.groundTruthGenerated ?? undefined,
    });
  });
  const changed = { status: input.status != null, groundTruthGenerated: input.groundTruthGenerated != null };
  return { value: video, changedTags: writeTags.updateVideo(video, changed) };
}

export async function deleteVideo(deps: WriteDeps, idArg: string): Promise<WriteResult<boolean>> {
  const id = requireUuid('id', idArg);
  const { projectId, sessionIds } = await deps.db.transaction(async (tx) => {
    // FOR UPDATE waits for sessions being created on this video, so the session list below is
    // complete and every cascaded session's tags are reported.
    const locked = await videoSql.lockVideo(tx, id, 'exclusive');
    if (!locked || !canWrite(deps.scope, locked.projectId)) throw notFound('id', 'video', id);
    const sessionIds = await videoSql.sessionIdsOfVideo(tx, id);
    await dropLiveMatches(tx, sessionIds);
    await videoSql.deleteVideo(tx, id);
    return { projectId: locked.projectId, sessionIds };
  });
  return { value: true, changedTags: writeTags.deleteVideo({ id, projectId }, sessionIds) };
}
