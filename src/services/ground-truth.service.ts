// Ground-truth writes: bulk upsert of up to 10,000 boxes of one video, all or nothing, and the
// by-id flag and delete calls. Every element is checked before any SQL runs; the video is locked
// before its boxes are written.
import { canWrite } from '../auth/scope.js';
import { writeTags } from '../cache/cache-tags.js';
import type { Transaction } from '../db/client.js';
import * as gtSql from '../db/queries/ground-truth.mutations.js';
import type { GroundTruthJsonRow } from '../db/queries/ground-truth.mutations.js';
import { lockVideo, type LockedParent } from '../db/queries/video.mutations.js';
import { BatchProblems, checkBatchSize, notAvailable, notFound, requireUuid, requireUuidList } from './batch-problems.js';
import { lockLiveSessionsForBoxWrite, maintainLiveEvaluation } from './evaluation.maintenance.js';
import type { WriteDeps, WriteResult } from './run-write.js';
import { uuidv7, uuidv7Batch } from '../db/uuid7.js';

export interface GroundTruthInput {
  id?: string | null;
  frameNumber: number;
  timestamp: number;
  classLabel: string;
  confidence: number;
  x: number;
  y: number;
  width: number;
  height: number;
  validated?: boolean | null;
  difficult?: boolean | null;
}

export interface UpsertResult {
  inserted: number;
  updated: number;
}

/** Checks one box (from the API or an import line); true when it can be written as is. */
export function checkGroundTruth(p: BatchProblems, i: number, o: GroundTruthInput): boolean {
  const before = p.count;
  if (o.id != null) p.uuid(i, 'id', o.id);
  p.int32(i, 'frameNumber', o.frameNumber);
  p.number(i, 'timestamp', o.timestamp, { min: 0 });
  p.text(i, 'classLabel', o.classLabel, 1, 128);
  p.number(i, 'confidence', o.confidence, { min: 0, max: 1, real: true });
  p.number(i, 'x', o.x, { real: true });
  p.number(i, 'y', o.y, { real: true });
  p.number(i, 'width', o.width, { above: 0, real: true });
  p.number(i, 'height', o.height, { above: 0, real: true });
  p.optionalBoolean(i, 'validated', o.validated);
  p.optionalBoolean(i, 'difficult', o.difficult);
  return p.count === before;
}

/** A checked box as the JSON parameter carries it; a box without an id gets a fresh one. */
export function groundTruthRow(o: GroundTruthInput, id = o.id?.toLowerCase() ?? uuidv7()): GroundTruthJsonRow {
  return {
    id,
    f: o.frameNumber,
    t: o.timestamp,
    l: o.classLabel,
    c: o.confidence,
    x: o.x,
    y: o.y,
    w: o.width,
    h: o.height,
    v: o.validated ?? false,
    d: o.difficult ?? false,
  };
}

const groundTruthTags = (videos: readonly LockedParent[]) => videos.flatMap((r) => writeTags.groundTruth(r));

export async function upsertGroundTruth(
  deps: WriteDeps,
  videoIdArg: string,
  objects: readonly GroundTruthInput[],
): Promise<WriteResult<UpsertResult>> {
  const videoId = requireUuid('videoId', videoIdArg);
  checkBatchSize('objects', objects.length);
  const problems = new BatchProblems();
  objects.forEach((o, i) => checkGroundTruth(problems, i, o));
  problems.duplicates(objects.map((o) => (typeof o.id === 'string' ? o.id : undefined)));
  problems.throwIfAny('objects', objects.length);
  // Ids the server makes are time-ordered, so a batch appends to the primary-key index.
  const fresh = uuidv7Batch(objects.length);
  const rows = objects.map((o, i) => groundTruthRow(o, o.id?.toLowerCase() ?? fresh[i]));

  const { result, video } = await deps.db.transaction(async (tx) => {
    const video = await lockVideo(tx, videoId, 'share');
    if (!video || !canWrite(deps.scope, video.projectId)) throw notFound('videoId', 'video', videoId);
    if (rows.length === 0) return { result: { inserted: 0, updated: 0 }, video };
    const live = await lockLiveSessionsForBoxWrite(tx, deps.liveEvaluation, [videoId]);
    const counts = await gtSql.upsertGroundTruth(tx, videoId, rows);
    if (counts.written < rows.length) {
      // Some ids belong to another video (the caller's or another tenant's: the answer is the same):
      // never move or overwrite them; throwing rolls back.
      const foreign = new Set(await gtSql.groundTruthIdsOfOtherVideos(tx, videoId, rows.map((r) => r.id)));
      const p = new BatchProblems();
      rows.forEach((r, i) => foreign.has(r.id) && p.add(i, 'id', notAvailable));
      p.throwIfAny('objects', rows.length);
    }
    if (live) await maintainLiveEvaluation(tx, deps.liveEvaluation, { videoIds: [videoId], boxIds: rows.map((r) => r.id) });
    return { result: { inserted: counts.inserted, updated: counts.written - counts.inserted }, video };
  });
  return { value: result, changedTags: result.inserted + result.updated > 0 ? groundTruthTags([video]) : [] };
}

/** Changes the flag of the caller's boxes among `ids`; unknown and foreign ids are ignored. */
export async function setGroundTruthValidated(deps: WriteDeps, idsArg: readonly string[], validated: boolean): Promise<WriteResult<number>> {
  const ids = requireUuidList('ids', idsArg);
  // The validated flag takes no part in matching: nothing to re-match.
  return changeGroundTruth(deps, ids, (tx, videoIds) => gtSql.setGroundTruthValidated(tx, ids, videoIds, validated));
}

export async function deleteGroundTruth(deps: WriteDeps, idsArg: readonly string[]): Promise<WriteResult<number>> {
  const ids = requireUuidList('ids', idsArg);
  return changeGroundTruth(deps, ids, async (tx, videoIds) => {
    const live = await lockLiveSessionsForBoxWrite(tx, deps.liveEvaluation, videoIds);
    const changed = await gtSql.deleteGroundTruth(tx, ids, videoIds);
    if (live && changed.length) await maintainLiveEvaluation(tx, deps.liveEvaluation, { videoIds: changed.map((c) => c.parent), boxIds: ids });
    return changed;
  });
}

async function changeGroundTruth(
  deps: WriteDeps,
  ids: readonly string[],
  change: (tx: Transaction, videoIds: string[]) => Promise<gtSql.ChangedPerParent[]>,
): Promise<WriteResult<number>> {
  if (ids.length === 0) return { value: 0, changedTags: [] };
  const { changed, videos } = await deps.db.transaction(async (tx) => {
    const videos = await gtSql.lockVideosOfGroundTruth(tx, deps.scope, ids);
    if (videos.length === 0) return { changed: [], videos };
    return { changed: await change(tx, videos.map((v) => v.id)), videos };
  });
  const touched = new Set(changed.map((c) => c.parent));
  return {
    value: changed.reduce((n, c) => n + c.n, 0),
    changedTags: groundTruthTags(videos.filter((v) => touched.has(v.id))),
  };
}
