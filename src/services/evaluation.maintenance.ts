// Live evaluation: every write that changes what matching sees (detections' frame, class, box or
// confidence; boxes' frame, class, geometry or difficult flag; deletes) re-matches only the
// (session, frame, class) groups it touched, inside its own transaction: one statement reads those
// groups' detections, boxes and current matches, the matcher runs in Node, one statement writes the
// matches that changed. With live evaluation off, a write drops the live rows of what it touched, so
// those sessions are evaluated on demand and no maintained answer is ever stale (docs/evaluation.md).
import { adminScope } from '../auth/scope.js';
import type { Db, Queryable, Transaction } from '../db/client.js';
import { evaluationInputsBySessions } from '../db/queries/evaluation.queries.js';
import {
  dropLiveEvaluations,
  liveMatchInputs,
  lockLiveSessionsOfVideos,
  startLiveEvaluation,
  liveMatchesWrite,
  type LiveMatchJsonRow,
  videoOfSession,
  type Touched,
} from '../db/queries/live-evaluation.queries.js';
import { lockTestSession } from '../db/queries/test-session.mutations.js';
import { lockVideo } from '../db/queries/video.mutations.js';
import { defaultLiveEvaluation, type LiveEvaluation } from '../evaluation/live.js';
import { iouOfTaken, matchIndices, prepareMatching, type MatchableBox, type MatchableDetection } from '../evaluation/matching.js';

/**
 * Box writes call this after locking their videos and before writing: it locks the videos' live
 * sessions (id order), so every write takes its locks in one order — video, sessions, then the
 * project's counters that the write's triggers update. (Locking the sessions after the write
 * deadlocked against an ingest holding its session and waiting for those counters.) An ingest and a
 * box write on the same video then re-match one after the other, each reading what the other
 * committed. Answers whether the write must be followed by maintainLiveEvaluation.
 */
export async function lockLiveSessionsForBoxWrite(tx: Queryable, config: LiveEvaluation | undefined, videoIds: readonly string[]): Promise<boolean> {
  const { live } = config ?? defaultLiveEvaluation;
  // Off: the write drops its sessions' live rows afterwards; nothing is read, nothing to order.
  if (!live) return true;
  return (await lockLiveSessionsOfVideos(tx, videoIds)).length > 0;
}

/**
 * Re-matches the groups `touched` changed, in the caller's transaction, after its write. The caller
 * holds the lock of each touched session (ingest, import) or, for box writes, of each video and its
 * live sessions (lockLiveSessionsForBoxWrite).
 */
export async function maintainLiveEvaluation(tx: Transaction, config: LiveEvaluation | undefined, touched: Touched): Promise<void> {
  const write = await rematchLiveEvaluation(tx, config, touched);
  await write();
}

/**
 * maintainLiveEvaluation's read and matching; answers its write of the matches. An ingest of new
 * detections reads and matches while its COPY runs (`touched.newDetections`, read before they are
 * written) and writes the matches once the COPY is done (a second COPY queued behind one still
 * streaming lost protocol synchronization).
 */
export async function rematchLiveEvaluation(tx: Transaction, config: LiveEvaluation | undefined, touched: Touched): Promise<() => Promise<void>> {
  const { live, iouThreshold } = config ?? defaultLiveEvaluation;
  if (!live) return () => dropLiveEvaluations(tx, touched);
  const inputs = await liveMatchInputs(tx, iouThreshold, touched);
  const gone: { s: string; d: string }[] = [];
  const changed: LiveMatchJsonRow[] = [];
  const added: LiveMatchJsonRow[] = [];
  for (const session of inputs.sessions) {
    // The inputs hold every detection and box of each touched group, so each group's matching is exact.
    forEachMatch(session.id, inputs.detectionsOf(session.id), inputs.boxesOf(session.videoId), iouThreshold, (det, row) => {
      const was = det.current;
      if (!row) {
        if (was) gone.push({ s: session.id, d: det.id });
      } else if (!was) {
        added.push(row);
      } else if (was.boxId !== row.b || was.iou !== row.i || was.ignored !== row.x || was.frameNumber !== row.f || was.classLabel !== row.l) {
        changed.push(row);
      }
    });
  }
  if (!gone.length && !changed.length && !added.length) return async () => {};
  const write = liveMatchesWrite(gone, changed, added);
  return () => write(tx);
}

/** Matches `detections` against `boxes` at `threshold` and hands each detection its match row (null: a FP). */
function forEachMatch<D extends MatchableDetection>(
  sessionId: string,
  detections: readonly D[],
  boxes: readonly MatchableBox[],
  threshold: number,
  each: (det: D, row: LiveMatchJsonRow | null) => void,
): void {
  if (detections.length === 0) return;
  const prepared = prepareMatching(detections, boxes);
  const took = matchIndices(prepared, threshold, 0);
  prepared.ranked.forEach((det, i) => {
    const box = took[i] < 0 ? null : prepared.groupBoxes[took[i]];
    each(det, box && { s: sessionId, d: det.id, f: det.frameNumber, l: det.classLabel, b: box.id, i: iouOfTaken(prepared, i, took[i]), x: box.difficult });
  });
}

/** A new session is live from its first detection (it has none yet, so nothing to match). */
export async function startLiveSession(tx: Queryable, config: LiveEvaluation | undefined, sessionId: string): Promise<void> {
  const { live, iouThreshold } = config ?? defaultLiveEvaluation;
  if (live) await startLiveEvaluation(tx, sessionId, iouThreshold);
}

/**
 * Makes sessions live from scratch (sessions created before live evaluation, or while it was off):
 * one transaction per session, matching all of it. The video is locked as session creation locks it,
 * so a concurrent box write either sees the session live (and waits for its lock) or commits first.
 */
export async function rebuildLiveEvaluation(db: Db, sessionIds: readonly string[], config: LiveEvaluation = defaultLiveEvaluation): Promise<number> {
  let rebuilt = 0;
  for (const sessionId of sessionIds) {
    await db.transaction(async (tx) => {
      const videoId = await videoOfSession(tx, sessionId);
      if (!videoId || !(await lockVideo(tx, videoId, 'share')) || !(await lockTestSession(tx, sessionId))) return;
      if (!config.live) {
        await dropLiveEvaluations(tx, { sessionIds: [sessionId] });
        return;
      }
      await startLiveEvaluation(tx, sessionId, config.iouThreshold);
      const inputs = await evaluationInputsBySessions(tx, adminScope, [sessionId]);
      const rows: LiveMatchJsonRow[] = [];
      forEachMatch(sessionId, inputs.detectionsOf(sessionId), inputs.boxesOf(videoId), config.iouThreshold, (_, row) => {
        if (row) rows.push(row);
      });
      if (rows.length) await liveMatchesWrite([], [], rows)(tx);
      rebuilt++;
    });
  }
  return rebuilt;
}
