// Evaluation of sessions against their videos' ground truth. At the live threshold (every detection
// taking part) a live session is read from its maintained matches (liveEvaluationBySessions: ranked
// outcomes per class, no matching); otherwise one batched read of every input a request's evaluations
// need, then matching in Node, memoized per request for each (session, iouThreshold, minConfidence).
// The live read answers a session that is not live with those inputs, so either way a session costs
// one read. Both carry the tags of the session's detections and of the video's ground truth, so any
// write to either drops a cached evaluation.
import { tags } from '../cache/cache-tags.js';
import { completedSessionsByProjects, evaluationInputsBySessions, type EvaluationBox, type EvaluationDetection } from '../db/queries/evaluation.queries.js';
import { liveEvaluationBySessions, liveMatchesByBoxes, liveMatchesByDetections, type LiveMatchRef } from '../db/queries/live-evaluation-reads.queries.js';
import type { TestSessionRow } from '../db/schema.js';
import { defaultLiveEvaluation } from '../evaluation/live.js';
import { liveMetrics, type LiveClass } from '../evaluation/live-metrics.js';
import { matchPrepared, prepareMatching, type DetectionMatch, type Matching, type PreparedMatching } from '../evaluation/matching.js';
import { metricsOf, type Metrics } from '../evaluation/metrics.js';
import { groupBy, perParentLoader, rowId, WaveLoader } from './batch.js';
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
  /** Null when read from a live session's maintained matches (matchOf looks those up). */
  matching: Matching<EvaluationDetection, EvaluationBox> | null;
  metrics: Metrics;
}

type LiveAnswer = { live: true; classes: Map<string, LiveClass>; positives: Map<string, number> } | { live: false; inputs: Inputs };

const pairKey = (a: string, b: string) => `${a}|${b}`;

/** The evaluation of `key`: its three fields named, so a SessionEvaluation passed as a key brings no others. */
function sessionEvaluation(key: EvaluationKey, matching: SessionEvaluation['matching'], metrics: Metrics): SessionEvaluation {
  return { session: key.session, iouThreshold: key.iouThreshold, minConfidence: key.minConfidence, matching, metrics };
}

export function evaluationLoaders({ db, scope, record, waves, liveEvaluation }: LoaderDeps) {
  const live = liveEvaluation ?? defaultLiveEvaluation;
  const liveBySession = new TaggedLoader(
    new WaveLoader<SessionRef, LiveAnswer, string>(
      waves,
      async (sessions) => {
        const r = await liveEvaluationBySessions(db, scope, [...new Set(sessions.map((s) => s.id))], live.iouThreshold);
        return sessions.map((s): LiveAnswer =>
          r.sessions.get(s.id)?.live
            ? { live: true, classes: r.classesOf(s.id), positives: r.positivesOf(s.videoId) }
            : { live: false, inputs: { detections: r.inputs.detectionsOf(s.id), boxes: r.inputs.boxesOf(s.videoId) } },
        );
      },
      { cacheKeyFn: rowId },
    ),
    record,
    (_, s) => [tags.detectionsOf(s.id), tags.groundTruthOf(s.videoId)],
  );
  // The tags of a match are those of its session's evaluation, recorded when evaluationOf loaded it.
  const liveMatchByDetection = new WaveLoader<string, LiveMatchRef | null>(waves, async (keys) => {
    const pairs = keys.map((k) => k.split('|'));
    const rows = await liveMatchesByDetections(db, pairs.map(([s, d]) => ({ s, d })));
    const found = new Map(rows.map((r) => [pairKey(r.sessionId, r.detectionId), r]));
    return keys.map((k) => found.get(k) ?? null);
  });
  const liveMatchByBox = new WaveLoader<string, LiveMatchRef | null>(waves, async (keys) => {
    const pairs = keys.map((k) => k.split('|'));
    const rows = await liveMatchesByBoxes(db, [...new Set(pairs.map(([s]) => s))], [...new Set(pairs.map(([, b]) => b))]);
    const found = new Map(rows.map((r) => [pairKey(r.sessionId, r.boxId), r]));
    return keys.map((k) => found.get(k) ?? null);
  });
  const evaluationInputsBySession = new TaggedLoader(
    new WaveLoader<SessionRef, Inputs, string>(
      waves,
      async (sessions) => {
        const inputs = await evaluationInputsBySessions(db, scope, [...new Set(sessions.map((s) => s.id))]);
        return sessions.map((s) => ({ detections: inputs.detectionsOf(s.id), boxes: inputs.boxesOf(s.videoId) }));
      },
      { cacheKeyFn: rowId },
    ),
    record,
    (_, s) => [tags.detectionsOf(s.id), tags.groundTruthOf(s.videoId)],
  );

  // Which read each session was asked through, so a request needing both the live threshold and
  // another one reads a session that is not live once (the live read brings its inputs).
  const liveAsked = new Set<string>();
  const inputsAsked = new Set<string>();
  async function inputsOf(session: SessionRef): Promise<Inputs> {
    if (liveAsked.has(session.id)) {
      const a = await liveBySession.load(session);
      if (!a.live) return a.inputs;
    }
    inputsAsked.add(session.id);
    return evaluationInputsBySession.load(session);
  }

  // Matching is pure: once per request and key, however many fields (match, matchedDetection,
  // mapCoco) ask. Every call still loads its inputs, which records their tags where they are used.
  const memo = new Map<string, SessionEvaluation>();
  const prepared = new WeakMap<Inputs, PreparedMatching<EvaluationDetection, EvaluationBox>>();
  const onDemand = (key: EvaluationKey, inputs: Inputs, k: string) => {
    let e = memo.get(k);
    if (!e) {
      let p = prepared.get(inputs);
      if (!p) prepared.set(inputs, (p = prepareMatching(inputs.detections, inputs.boxes)));
      const matching = matchPrepared(p, key.iouThreshold, key.minConfidence);
      memo.set(k, (e = sessionEvaluation(key, matching, metricsOf(matching))));
    }
    return e;
  };
  async function evaluationOf(key: EvaluationKey): Promise<SessionEvaluation> {
    const k = `${key.session.id}|${key.iouThreshold}|${key.minConfidence}`;
    const liveKey = live.live && key.minConfidence === 0 && key.iouThreshold === live.iouThreshold;
    if (liveKey && !inputsAsked.has(key.session.id)) {
      liveAsked.add(key.session.id);
      const a = await liveBySession.load(key.session);
      if (!a.live) return onDemand(key, a.inputs, k);
      let e = memo.get(k);
      if (!e) memo.set(k, (e = sessionEvaluation(key, null, liveMetrics(a.classes, a.positives))));
      return e;
    }
    return onDemand(key, await inputsOf(key.session), k);
  }

  /** How `key`'s evaluation classed one detection of its session. */
  async function matchOf(key: EvaluationKey, detectionId: string): Promise<DetectionMatchModel | null> {
    const e = await evaluationOf(key);
    if (e.matching) return e.matching.byDetection.get(detectionId) ?? null;
    const m = await liveMatchByDetection.load(pairKey(key.session.id, detectionId));
    return m ? { box: { id: m.boxId }, iou: m.iou, outcome: m.ignored ? 'IGNORED' : 'TP' } : { box: null, iou: null, outcome: 'FP' };
  }

  /** The detection of `key`'s session that matched one box of its video, if any. */
  async function matchedDetectionIdOf(key: EvaluationKey, boxId: string): Promise<string | null> {
    const e = await evaluationOf(key);
    if (e.matching) return e.matching.byBox.get(boxId)?.id ?? null;
    return (await liveMatchByBox.load(pairKey(key.session.id, boxId)))?.detectionId ?? null;
  }

  const completedSessionsByProject = new TaggedLoader(
    perParentLoader(waves, async (parents, _: null) => groupBy(await completedSessionsByProjects(db, parents), (r) => r.projectId, parents)),
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

  return { evaluationOf, matchOf, matchedDetectionIdOf, meanApOfProject };
}

/** A match as the DetectionMatch type resolves it: the box by id (loaded through groundTruthById). */
export type DetectionMatchModel = DetectionMatch<Pick<EvaluationBox, 'id'>>;
