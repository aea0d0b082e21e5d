// applyEvaluation: writes a session's evaluation into its detections' validation results, all or
// nothing; at the live threshold from the session's kept matches. The session row is locked first (as ingestDetections does), so no ingest lands between
// the read the matching uses and the write of its results.
import { canWrite } from '../auth/scope.js';
import { writeTags } from '../cache/cache-tags.js';
import { applyEvaluationResults } from '../db/queries/evaluation.queries.js';
import { liveEvaluationBySessions } from '../db/queries/live-evaluation-reads.queries.js';
import { lockTestSession } from '../db/queries/test-session.mutations.js';
import { testSessionsByIds } from '../db/queries/test-session.queries.js';
import type { TestSessionRow } from '../db/schema.js';
import { uuidAt } from '../evaluation/live-metrics.js';
import { matchDetections } from '../evaluation/matching.js';
import { requireIouThreshold } from '../evaluation/thresholds.js';
import { badInput } from '../errors.js';
import { notFound, requireUuid } from './batch-problems.js';
import type { WriteDeps, WriteResult } from './run-write.js';

export interface AppliedEvaluation {
  updated: number;
  testSession: TestSessionRow;
}

export async function applyEvaluation(
  deps: WriteDeps,
  sessionIdArg: string,
  iouThresholdArg: number | null | undefined,
  overwriteArg: boolean | null | undefined,
): Promise<WriteResult<AppliedEvaluation>> {
  const sessionId = requireUuid('testSessionId', sessionIdArg);
  const iouThreshold = requireIouThreshold(iouThresholdArg);
  const overwrite = overwriteArg ?? false;
  if (typeof overwrite !== 'boolean') throw badInput('overwrite', `overwrite must be a boolean, got: ${String(overwrite)}`);

  const { updated, session } = await deps.db.transaction(async (tx) => {
    const locked = await lockTestSession(tx, sessionId);
    if (!locked || !canWrite(deps.scope, locked.projectId)) throw notFound('testSessionId', 'test session', sessionId);
    // One read either way: a session live at this threshold answers its kept matches (no matching),
    // any other its matching inputs.
    const read = await liveEvaluationBySessions(tx, deps.scope, [sessionId], iouThreshold);
    const results: { id: string; r: 'TP' | 'FP' }[] = [];
    if (read.sessions.get(sessionId)?.live) {
      for (const c of read.classesOf(sessionId).values()) {
        for (let i = 0; i < c.outcomes.length; i++) results.push({ id: uuidAt(c.ids, i), r: c.outcomes[i] === '1' ? 'TP' : 'FP' });
      }
    } else {
      const inputs = read.inputs;
      const matching = matchDetections(inputs.detectionsOf(sessionId), inputs.boxesOf(locked.videoId), iouThreshold, 0);
      for (const [id, m] of matching.byDetection) if (m.outcome !== 'IGNORED') results.push({ id, r: m.outcome });
    }
    // In id order, like every bulk write: row locks are taken in one global order.
    results.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const n = results.length ? await applyEvaluationResults(tx, sessionId, results, overwrite) : 0;
    // The counters the triggers just maintained, for the answer.
    const [session] = n ? await testSessionsByIds(tx, deps.scope, [sessionId]) : [locked];
    return { updated: n, session };
  });
  return { value: { updated, testSession: session }, changedTags: updated > 0 ? writeTags.detections(session) : [] };
}
