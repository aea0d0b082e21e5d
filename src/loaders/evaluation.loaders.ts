// Evaluation of sessions against their videos' ground truth: one batched read of every input a
// request's evaluations need (evaluationInputsBySessions), then matching in Node, memoized per
// request for each (session, iouThreshold, minConfidence). The inputs carry the tags of the session's
// detections and of the video's ground truth, so any write to either drops a cached evaluation.
import DataLoader from 'dataloader';
import { tags } from '../cache/cache-tags.js';
import { completedSessionsByProjects, evaluationInputsBySessions, type EvaluationBox, type EvaluationDetection } from '../db/queries/evaluation.queries.js';
import type { TestSessionRow } from '../db/schema.js';
import { matchPrepared, prepareMatching, type DetectionMatch, type Matching, type PreparedMatching } from '../evaluation/matching.js';
import { metricsOf, type Metrics } from '../evaluation/metrics.js';
import { groupBy, maxBatchSize, perParentLoader } from './batch.js';
import type { LoaderDeps } from './loader-deps.js';
import { TaggedLoader } from './tagged-loader.js';

export type SessionRef = Pick<TestSessionRow, 'id' | 'videoId'>;

interface Inputs {
  detections: EvaluationDetection[];
  boxes: EvaluationBox[];
}

export interface EvaluationKey {
  session: TestSessionRow;
  iouThreshold: number;
  minConfidence: number;
}

/** One session's evaluation at one threshold: what the Evaluation type resolves from. */
export interface SessionEvaluation extends EvaluationKey {
  matching: Matching<EvaluationDetection, EvaluationBox>;
  metrics: Metrics;
}

export function evaluationLoaders({ db, scope, record, waves }: LoaderDeps) {
  const evaluationInputsBySession = new TaggedLoader(
    new DataLoader<SessionRef, Inputs, string>(
      (sessions) =>
        waves.run(async () => {
          if (sessions.length === 0) return [];
          const inputs = await evaluationInputsBySessions(db, scope, [...new Set(sessions.map((s) => s.id))]);
          return sessions.map((s) => ({ detections: inputs.detectionsOf(s.id), boxes: inputs.boxesOf(s.videoId) }));
        }),
      { maxBatchSize, batchScheduleFn: waves.schedule, cacheKeyFn: (s) => s.id },
    ),
    record,
    (_, s) => [tags.detectionsOf(s.id), tags.groundTruthOf(s.videoId)],
  );

  // Matching is pure: once per request and key, however many fields (match, matchedDetection,
  // mapCoco) ask. Every call still loads the inputs, which records their tags where they are used.
  const memo = new Map<string, SessionEvaluation>();
  const prepared = new WeakMap<Inputs, PreparedMatching<EvaluationDetection, EvaluationBox>>();
  async function evaluationOf(key: EvaluationKey): Promise<SessionEvaluation> {
    const inputs = await evaluationInputsBySession.load(key.session);
    const k = `${key.session.id}|${key.iouThreshold}|${key.minConfidence}`;
    let e = memo.get(k);
    if (!e) {
      let p = prepared.get(inputs);
      if (!p) prepared.set(inputs, (p = prepareMatching(inputs.detections, inputs.boxes)));
      const matching = matchPrepared(p, key.iouThreshold, key.minConfidence);
      memo.set(k, (e = { ...key, matching, metrics: metricsOf(matching) }));
    }
    return e;
  }

  const completedSessionsByProject = new TaggedLoader(
    perParentLoader(waves, async (parents, _: null) => groupBy(await completedSessionsByProjects(db, parents), (r) => r.projectId)),
    record,
    (sessions: TestSessionRow[], key) => [tags.sessionsOfProject(key.parent), ...sessions.map((s) => tags.session(s.id))],
  );

  /** Mean of map over the project's completed sessions that have one; null when none has. */
  async function meanApOfProject(projectId: string, iouThreshold: number): Promise<number | null> {
    const sessions = await completedSessionsByProject.load({ parent: projectId, args: null });
    const maps = (await Promise.all(sessions.map((session) => evaluationOf({ session, iouThreshold, minConfidence: 0 }))))
      .map((e) => e.metrics.map)
      .filter((m): m is number => m !== null);
    return maps.length ? maps.reduce((s, m) => s + m, 0) / maps.length : null;
  }

  return { evaluationOf, meanApOfProject };
}

export type DetectionMatchModel = DetectionMatch<EvaluationBox>;
