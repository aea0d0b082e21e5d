// Detection writes: bulk ingestion of up to 10,000 detections into one running session, all or
// nothing, and setting validation results by id. The session row is locked first (which also keeps
// it running until commit), then the detections are written in id order by one statement.
import { canWrite } from '../auth/scope.js';
import { writeTags } from '../cache/cache-tags.js';
import * as detectionSql from '../db/queries/detection.mutations.js';
import type { DetectionJsonRow, NewDetection, ValidationResultValue } from '../db/queries/detection.mutations.js';
import { lockSessionsOfDetections, lockTestSession, type LockedSession } from '../db/queries/test-session.mutations.js';
import { AppError } from '../errors.js';
import { BatchProblems, checkBatchSize, notAvailable, notFound, requireUuid, requireUuidList } from './batch-problems.js';
import { maintainLiveEvaluation, rematchLiveEvaluation } from './evaluation.maintenance.js';
import type { UpsertResult } from './ground-truth.service.js';
import type { WriteDeps, WriteResult } from './run-write.js';
import { uuidv7, uuidv7Batch } from '../db/uuid7.js';

export const validationResults: readonly ValidationResultValue[] = ['TP', 'FP', 'FN', 'PENDING'];

export interface DetectionInput extends NewDetection {
  id?: string | null;
}

/** Checks one detection (from the API or an import line); true when it can be written as is. */
export function checkDetection(p: BatchProblems, i: number, o: DetectionInput): boolean {
  const before = p.count;
  if (o.id != null) p.uuid(i, 'id', o.id);
  p.int32(i, 'frameNumber', o.frameNumber);
  p.number(i, 'timestamp', o.timestamp, { min: 0 });
  p.text(i, 'classLabel', o.classLabel, 1, 128);
  p.number(i, 'confidence', o.confidence, { min: 0, max: 1, real: true });
  if (o.validationResult != null) p.oneOf(i, 'validationResult', o.validationResult, validationResults);
  const box = o.boundingBox;
  if (box === null || typeof box !== 'object') {
    p.add(i, 'boundingBox', 'must be an object with x, y, width and height');
  } else {
    p.number(i, 'boundingBox.x', box.x, { real: true });
    p.number(i, 'boundingBox.y', box.y, { real: true });
    p.number(i, 'boundingBox.width', box.width, { above: 0, real: true });
    p.number(i, 'boundingBox.height', box.height, { above: 0, real: true });
  }
  return p.count === before;
}

export function detectionRow(o: DetectionInput, id = o.id?.toLowerCase() ?? uuidv7()): DetectionJsonRow {
  return {
    id,
    f: o.frameNumber,
    t: o.timestamp,
    l: o.classLabel,
    c: o.confidence,
    r: o.validationResult ?? 'PENDING',
    x: o.boundingBox.x,
    y: o.boundingBox.y,
    w: o.boundingBox.width,
    h: o.boundingBox.height,
  };
}

const detectionTags = (sessions: readonly LockedSession[]) => sessions.flatMap((r) => writeTags.detections(r));

export async function ingestDetections(
  deps: WriteDeps,
  sessionIdArg: string,
  detections: readonly DetectionInput[],
): Promise<WriteResult<UpsertResult>> {
  const sessionId = requireUuid('testSessionId', sessionIdArg);
  checkBatchSize('detections', detections.length);
  const problems = new BatchProblems();
  detections.forEach((d, i) => checkDetection(problems, i, d));
  const clientIds = detections.some((d) => d.id != null);
  if (clientIds) problems.duplicates(detections.map((d) => (typeof d.id === 'string' ? d.id : undefined)));
  problems.throwIfAny('detections', detections.length);
  // Ids the server makes are time-ordered, so a batch appends to the primary-key index.
  const fresh = uuidv7Batch(detections.length);
  const rows = clientIds ? detections.map((d, i) => detectionRow(d, d.id?.toLowerCase() ?? fresh[i])) : [];

  const { result, session } = await deps.db.transaction(async (tx) => {
    const session = await lockTestSession(tx, sessionId);
    if (!session || !canWrite(deps.scope, session.projectId)) throw notFound('testSessionId', 'test session', sessionId);
    if (session.status !== 'running') {
      throw new AppError('BAD_USER_INPUT', `test session ${sessionId} is ${session.status.toUpperCase()}, not RUNNING; nothing was written`, {
        argument: 'testSessionId',
      });
    }
    if (detections.length === 0) return { result: { inserted: 0, updated: 0 }, session };
    if (!clientIds) {
      // The live maintenance's read goes first on the connection and the COPY after it, so Node
      // matches the batch while PostgreSQL copies it; the matches are written after the batch.
      const [rematched, copied] = await Promise.allSettled([
        rematchLiveEvaluation(tx, deps.liveEvaluation, {
          sessionIds: [sessionId],
          newDetections: {
            sessionId,
            first: fresh[0],
            last: fresh[fresh.length - 1],
            rows: detections,
            stored: () => detectionSql.storedDetections(sessionId, detections, fresh),
          },
        }),
        twoTurnsLater().then(() => detectionSql.copyNewDetections(tx, sessionId, detections, fresh)),
      ]);
      // Both have settled, so nothing is sent after the transaction ends. The read went first: its
      // error, if any, is the cause (the COPY then met "current transaction is aborted").
      if (rematched.status === 'rejected') throw rematched.reason;
      if (copied.status === 'rejected') throw copied.reason;
      await rematched.value();
      return { result: { inserted: detections.length, updated: 0 }, session };
    }
    const counts = await detectionSql.upsertDetections(tx, sessionId, rows);
    if (counts.written < rows.length) {
      // Some ids belong to another session (the caller's or another tenant's: the answer is the same):
      // never move or overwrite them; throwing rolls back.
      const foreign = new Set(await detectionSql.detectionIdsOfOtherSessions(tx, sessionId, rows.map((r) => r.id)));
      const p = new BatchProblems();
      rows.forEach((r, i) => foreign.has(r.id) && p.add(i, 'id', notAvailable));
      p.throwIfAny('detections', rows.length);
    }
    await maintainLiveEvaluation(tx, deps.liveEvaluation, { sessionIds: [sessionId], detectionIds: rows.map((r) => r.id) });
    return { result: { inserted: counts.inserted, updated: counts.written - counts.inserted }, session };
  });
  return { value: result, changedTags: result.inserted + result.updated > 0 ? detectionTags([session]) : [] };
}

/** Sets the result of the caller's detections among `ids`; unknown and foreign ids are ignored. */
export async function setValidationResults(
  deps: WriteDeps,
  idsArg: readonly string[],
  result: ValidationResultValue,
): Promise<WriteResult<number>> {
  const ids = requireUuidList('detectionIds', idsArg);
  if (!validationResults.includes(result)) {
    throw new AppError('BAD_USER_INPUT', `result must be one of ${validationResults.join(', ')}`, { argument: 'result' });
  }
  if (ids.length === 0) return { value: 0, changedTags: [] };
  const { changed, sessions } = await deps.db.transaction(async (tx) => {
    const sessions = await lockSessionsOfDetections(tx, deps.scope, ids);
    if (sessions.length === 0) return { changed: [], sessions };
    const sessionIds = sessions.map((s) => s.id);
    return { changed: await detectionSql.setValidationResults(tx, ids, sessionIds, result), sessions };
  });
  const touched = new Set(changed.map((c) => c.parent));
  return {
    value: changed.reduce((n, c) => n + c.n, 0),
    changedTags: detectionTags(sessions.filter((s) => touched.has(s.id))),
  };
}

/**
 * Two turns of the event loop later. postgres.js sends a short statement from a setImmediate (a
 * longer one at once), so a statement issued before is then on its way: the COPY's 10,000 rows,
 * built first, held the maintenance's read back by the ~15 ms they take to build.
 */
const twoTurnsLater = () => new Promise((r) => setImmediate(r)).then(() => new Promise((r) => setImmediate(r)));
