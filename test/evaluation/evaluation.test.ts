// Evaluation through the API on real databases: TestSession.evaluation, DetectionEvent.match and
// GroundTruthObject.matchedDetection equal the brute-force reference (test/evaluation/reference.ts)
// on random sessions, also through the response cache after random ingests, box edits and deletes;
// bad arguments are BAD_USER_INPUT; Video.evaluations sends as many statements for 30 videos as for 3.
// PGlite with the in-process cache, PostgreSQL with Redis when REDIS_URL is set.
import fc from 'fast-check';
import { print } from 'graphql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FrameMatchesDocument, ModelComparisonDocument, SessionEvaluationDocument } from '../../operations/__generated__/graphql.js';
import { cocoThresholds } from '../../src/evaluation/metrics.js';
import type { Db } from '../../src/db/client.js';
import { patientRedis } from '../cache/cache-fixtures.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import { redisUrl, removePrefix, uniquePrefix } from '../support/redis.js';
import { createTestApp, dataOf, type GraphQLResponse, type TestApp } from '../support/test-app.js';
import { boxArb, detectionArb, iouThresholdArb, minConfidenceArb, sessionArb, type Session } from './generators.js';
import { referenceEvaluation, type RefBox, type RefDetection, type RefEvaluation } from './reference.js';
import { boxInput, deleteBoxes, detectionInput, ingest, writeBoxes } from './writes.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 25);

const evaluationQuery = /* GraphQL */ `
  query Evaluation($id: ID!, $t: Float!, $c: Float!) {
    testSession(id: $id) {
      evaluation(iouThreshold: $t, minConfidence: $c) {
        iouThreshold
        overall { tp fp fn precision recall f1 }
        perClass { classLabel tp fp fn precision recall f1 ap }
        map
      }
      detections(first: 5000) { nodes { id match(iouThreshold: $t) { groundTruth { id } iou outcome } } }
    }
  }
`;


/** `matchRef`: the reference at the same threshold and minConfidence 0 (what match() evaluates). */
function expectEqualsReference(res: GraphQLResponse, ref: RefEvaluation, matchRef: RefEvaluation = ref) {
  const session = dataOf(res).testSession;
  const e = session.evaluation;
  expect(e.perClass.map((c: any) => [c.classLabel, c.tp, c.fp, c.fn])).toEqual(ref.perClass.map((c) => [c.classLabel, c.tp, c.fp, c.fn]));
  expect([e.overall.tp, e.overall.fp, e.overall.fn]).toEqual([ref.overall.tp, ref.overall.fp, ref.overall.fn]);
  e.perClass.forEach((c: any, i: number) => {
    const r = ref.perClass[i];
    for (const k of ['precision', 'recall', 'f1'] as const) expect(c[k]).toBeCloseTo(r[k], 9);
    if (r.ap === null) expect(c.ap).toBeNull();
    else expect(c.ap).toBeCloseTo(r.ap, 9);
  });
  for (const k of ['precision', 'recall', 'f1'] as const) expect(e.overall[k]).toBeCloseTo(ref.overall[k], 9);
  if (ref.map === null) expect(e.map).toBeNull();
  else expect(e.map).toBeCloseTo(ref.map, 9);
  const got = new Map(session.detections.nodes.map((n: any) => [n.id, { boxId: n.match.groundTruth?.id ?? null, iou: n.match.iou, outcome: n.match.outcome }]));
  expect(got).toEqual(matchRef.matches);
}

describeEachDatabase('evaluation', (database, kind) => {
  const prefix = uniquePrefix('evaluation');
  const useRedis = kind === 'postgres' && !!redisUrl;
  const cacheEnv: Record<string, string> = useRedis ? { CACHE: 'on', REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: prefix, ...patientRedis } : { CACHE: 'on' };
  let db: Db;
  let app: TestApp;
  let projectId: string;

  beforeAll(async () => {
    db = database().db;
    app = await createTestApp(db, cacheEnv);
    projectId = await insertProject(db);
  });
  afterAll(async () => {
    await app?.close();
    if (useRedis) await removePrefix(redisUrl!, prefix);
  });

  /** A running session on a video of its own: ids never read before, so no cache entry is stale. */
  async function newSession() {
    const videoId = await insertVideo(db, projectId);
    const sessionId = await insertTestSession(db, projectId, videoId);
    return { videoId, sessionId };
  }

  async function write(s: { videoId: string; sessionId: string }, session: Session) {
    if (session.boxes.length) dataOf(await app.execute(writeBoxes, { v: s.videoId, o: session.boxes.map(boxInput) }));
    if (session.detections.length) dataOf(await app.execute(ingest, { s: s.sessionId, d: session.detections.map(detectionInput) }));
  }

  /** Fresh ids for a generated session: shrinking replays ids, and ids are primary keys across runs. */
  const reid = (g: Session): Session => ({
    detections: g.detections.map((d) => ({ ...d, id: crypto.randomUUID() })),
    boxes: g.boxes.map((b) => ({ ...b, id: crypto.randomUUID() })),
  });

  const read = (sessionId: string, t: number, c: number) => app.execute(evaluationQuery, { id: sessionId, t, c });

  it('TestSession.evaluation and DetectionEvent.match equal the reference on random sessions', async () => {
    await fc.assert(
      fc.asyncProperty(sessionArb(), iouThresholdArb, minConfidenceArb, async (generated, t, c) => {
        const session = reid(generated);
        const s = await newSession();
        await write(s, session);
        const ref = (tt: number, cc: number) => referenceEvaluation(session.detections, session.boxes, tt, cc);
        expectEqualsReference(await read(s.sessionId, t, c), ref(t, c), ref(t, 0));
        expectEqualsReference(await read(s.sessionId, 0.5, 0), referenceEvaluation(session.detections, session.boxes, 0.5, 0));
      }),
      { numRuns: runs },
    );
  });

  /** One write of a random walk: the reference state changes exactly as the database should. */
  type Step =
    | { kind: 'ingest'; detections: Omit<RefDetection, 'id'>[]; reconfidence: { pick: number; confidence: number }[] }
    | { kind: 'boxes'; fresh: Omit<RefBox, 'id'>[]; edits: { pick: number; box: Omit<RefBox, 'id'> }[] }
    | { kind: 'delete'; picks: number[] };
  const pick = fc.nat({ max: 1000 });
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant('ingest' as const),
      detections: fc.array(detectionArb, { maxLength: 8 }),
      reconfidence: fc.array(fc.record({ pick, confidence: fc.integer({ min: 0, max: 16 }).map((n) => n / 16) }), { maxLength: 3 }),
    }),
    fc.record({ kind: fc.constant('boxes' as const), fresh: fc.array(boxArb, { maxLength: 5 }), edits: fc.array(fc.record({ pick, box: boxArb }), { maxLength: 3 }) }),
    fc.record({ kind: fc.constant('delete' as const), picks: fc.array(pick, { minLength: 1, maxLength: 3 }) }),
  );

  it('through the cache, after random ingests, box edits (class, frame, difficult) and deletes, the evaluation equals the reference', async () => {
    let hits = 0;
    await fc.assert(
      fc.asyncProperty(sessionArb({ detections: 15, boxes: 10 }), fc.array(stepArb, { minLength: 1, maxLength: 5 }), iouThresholdArb, async (start, steps, t) => {
        const s = await newSession();
        const state = reid(start);
        await write(s, state);
        const check = async () => {
          const res = await read(s.sessionId, t, 0);
          expectEqualsReference(res, referenceEvaluation(state.detections, state.boxes, t, 0));
          return res;
        };
        await check();
        // Every write below lands on a cached answer: the second read is a hit.
        if ((await check()).headers.get('x-cache') === 'HIT') hits++;
        for (const step of steps) {
          if (step.kind === 'ingest') {
            const fresh = step.detections.map((d) => ({ ...d, id: crypto.randomUUID() }));
            // An update of an existing detection changes its confidence only.
            const updates = state.detections.length
              ? step.reconfidence.map((r) => ({ ...state.detections[r.pick % state.detections.length], confidence: r.confidence }))
              : [];
            const byId = new Map([...updates, ...fresh].map((d) => [d.id, d]));
            if (byId.size === 0) continue;
            dataOf(await app.execute(ingest, { s: s.sessionId, d: [...byId.values()].map(detectionInput) }));
            state.detections = [...state.detections.map((d) => byId.get(d.id) ?? d), ...fresh];
          } else if (step.kind === 'boxes') {
            const fresh = step.fresh.map((b) => ({ ...b, id: crypto.randomUUID() }));
            const edits = state.boxes.length ? step.edits.map((e) => ({ ...e.box, id: state.boxes[e.pick % state.boxes.length].id })) : [];
            const byId = new Map([...edits, ...fresh].map((b) => [b.id, b]));
            if (byId.size === 0) continue;
            dataOf(await app.execute(writeBoxes, { v: s.videoId, o: [...byId.values()].map(boxInput) }));
            state.boxes = [...state.boxes.map((b) => byId.get(b.id) ?? b), ...fresh];
          } else {
            if (state.boxes.length === 0) continue;
            const ids = [...new Set(step.picks.map((p) => state.boxes[p % state.boxes.length].id))];
            dataOf(await app.execute(deleteBoxes, { ids }));
            state.boxes = state.boxes.filter((b) => !ids.includes(b.id));
          }
          await check();
        }
      }),
      { numRuns: runs },
    );
    expect(hits).toBeGreaterThan(runs / 2);
  });

  it('a write to the session or to the ground truth drops the cached evaluation (HIT, write, fresh MISS)', async () => {
    const s = await newSession();
    const box: RefBox = { id: crypto.randomUUID(), frame: 0, label: 'car', box: [0, 0, 4, 4], difficult: false };
    const d1: RefDetection = { id: crypto.randomUUID(), frame: 0, label: 'car', confidence: 0.5, box: [0, 0, 4, 4] };
    await write(s, { boxes: [box], detections: [d1] });
    const q = `query($id: ID!) { testSession(id: $id) { evaluation { overall { tp fp fn } perClass { classLabel ap } } } }`;
    const overall = (r: GraphQLResponse) => dataOf(r).testSession.evaluation.overall;
    expect(overall(await app.execute(q, { id: s.sessionId }))).toEqual({ tp: 1, fp: 0, fn: 0 });
    expect((await app.execute(q, { id: s.sessionId })).headers.get('x-cache')).toBe('HIT');

    // A detection ingest.
    dataOf(await app.execute(ingest, { s: s.sessionId, d: [detectionInput({ ...d1, id: crypto.randomUUID(), frame: 1 })] }));
    let r = await app.execute(q, { id: s.sessionId });
    expect(r.headers.get('x-cache')).toBe('MISS');
    expect(overall(r)).toEqual({ tp: 1, fp: 1, fn: 0 });
    expect((await app.execute(q, { id: s.sessionId })).headers.get('x-cache')).toBe('HIT');

    // A ground-truth edit: the box turns difficult, so its match is ignored.
    dataOf(await app.execute(writeBoxes, { v: s.videoId, o: [boxInput({ ...box, difficult: true })] }));
    r = await app.execute(q, { id: s.sessionId });
    expect(r.headers.get('x-cache')).toBe('MISS');
    expect(overall(r)).toEqual({ tp: 0, fp: 1, fn: 0 });
    expect(dataOf(r).testSession.evaluation.perClass).toEqual([{ classLabel: 'car', ap: null }]);

    // A ground-truth delete.
    await app.execute(q, { id: s.sessionId });
    dataOf(await app.execute(deleteBoxes, { ids: [box.id] }));
    r = await app.execute(q, { id: s.sessionId });
    expect(r.headers.get('x-cache')).toBe('MISS');
    expect(overall(r)).toEqual({ tp: 0, fp: 2, fn: 0 });
  });

  it('answers mapCoco as the mean of map over 0.50:0.05:0.95, prCurve per class, and matchedDetection per box', async () => {
    const s = await newSession();
    const session: Session = {
      boxes: [
        { id: crypto.randomUUID(), frame: 0, label: 'car', box: [0, 0, 10, 10], difficult: false },
        { id: crypto.randomUUID(), frame: 1, label: 'car', box: [0, 0, 10, 10], difficult: false },
        { id: crypto.randomUUID(), frame: 1, label: 'person', box: [20, 20, 5, 5], difficult: false },
      ],
      detections: [
        { id: crypto.randomUUID(), frame: 0, label: 'car', confidence: 0.9, box: [0, 0, 10, 9] },
        { id: crypto.randomUUID(), frame: 1, label: 'car', confidence: 0.75, box: [1, 1, 10, 10] },
        { id: crypto.randomUUID(), frame: 1, label: 'person', confidence: 0.5, box: [20, 20, 4, 5] },
        { id: crypto.randomUUID(), frame: 2, label: 'person', confidence: 0.625, box: [0, 0, 1, 1] },
      ],
    };
    await write(s, session);
    const res = await app.execute(
      `query($id: ID!, $v: ID!) {
        testSession(id: $id) { evaluation { map mapCoco prCurve(classLabel: "person") { confidence precision recall interpolatedPrecision } unknown: prCurve(classLabel: "zebra") { recall } } }
        video(id: $v) { groundTruth(minConfidence: 0) { nodes { id matchedDetection(testSessionId: $id) { id } strict: matchedDetection(testSessionId: $id, iouThreshold: 0.95) { id } } } }
      }`,
      { id: s.sessionId, v: s.videoId },
    );
    const data = dataOf(res);
    const maps = cocoThresholds.map((t) => referenceEvaluation(session.detections, session.boxes, t, 0).map!);
    expect(data.testSession.evaluation.mapCoco).toBeCloseTo(maps.reduce((a, b) => a + b, 0) / maps.length, 9);
    expect(data.testSession.evaluation.map).toBeCloseTo(maps[0], 9);
    expect(data.testSession.evaluation.prCurve).toEqual([
      { confidence: 0.625, precision: 0, recall: 0, interpolatedPrecision: 0.5 },
      { confidence: 0.5, precision: 0.5, recall: 1, interpolatedPrecision: 0.5 },
    ]);
    expect(data.testSession.evaluation.unknown).toEqual([]);
    const ref = referenceEvaluation(session.detections, session.boxes, 0.5, 0);
    const strict = referenceEvaluation(session.detections, session.boxes, 0.95, 0);
    const matchedBy = (r: RefEvaluation, boxId: string) => [...r.matches].find(([, m]) => m.boxId === boxId)?.[0] ?? null;
    for (const node of data.video.groundTruth.nodes) {
      expect(node.matchedDetection?.id ?? null).toBe(matchedBy(ref, node.id));
      expect(node.strict?.id ?? null).toBe(matchedBy(strict, node.id));
    }
  });

  it('answers the frontends\' documents (operations/evaluation, as the manifest prints them): a frame\'s matches agree from both sides', async () => {
    const s = await newSession();
    const session = reid(fc.sample(sessionArb({ detections: 30, boxes: 20 }), { numRuns: 1, seed: 14 })[0]);
    await write(s, session);
    const other = await insertTestSession(db, projectId, s.videoId);
    const ref = referenceEvaluation(session.detections, session.boxes, 0.5, 0);
    const evaluation = dataOf(await app.execute(print(SessionEvaluationDocument), { sessionId: s.sessionId, classLabel: 'car' })).testSession.evaluation;
    expect(evaluation.overall.tp).toBe(ref.overall.tp);
    const comparison = dataOf(await app.execute(print(ModelComparisonDocument), { videoId: s.videoId })).video.evaluations;
    expect(comparison.map((e: any) => e.testSession.id).sort()).toEqual([s.sessionId, other].sort());
    for (const frame of [0, 1, 2, 3]) {
      const data = dataOf(await app.execute(print(FrameMatchesDocument), { sessionId: s.sessionId, videoId: s.videoId, frame }));
      const byBox = new Map(data.video.groundTruth.nodes.map((b: any) => [b.id, b.matchedDetection?.id ?? null]));
      for (const d of data.testSession.detections.nodes) {
        expect(d.match.outcome).toBe(ref.matches.get(d.id)!.outcome);
        if (d.match.groundTruth) expect(byBox.get(d.match.groundTruth.id)).toBe(d.id);
      }
    }
  });

  it('ProjectStats.meanAp averages map over completed sessions that have one, and follows a session completing', async () => {
    const project = await insertProject(db);
    const sessions: { id: string; session: Session }[] = [];
    for (let i = 0; i < 3; i++) {
      const videoId = await insertVideo(db, project);
      const sessionId = await insertTestSession(db, project, videoId);
      const session = reid(fc.sample(sessionArb({ detections: 20, boxes: 12 }), { numRuns: 1, seed: 100 + i })[0]);
      await write({ videoId, sessionId }, session);
      sessions.push({ id: sessionId, session });
    }
    const complete = `mutation($id: ID!) { completeTestSession(id: $id, status: COMPLETED) { id } }`;
    const q = `query($p: ID!, $t: Float) { project(id: $p) { stats { meanAp(iouThreshold: $t) } } }`;
    const meanAp = async (t = 0.5) => {
      const r = await app.execute(q, { p: project, t });
      return { value: dataOf(r).project.stats.meanAp, cache: r.headers.get('x-cache') };
    };
    const expected = (done: number[], t: number) => {
      const maps = done.map((i) => referenceEvaluation(sessions[i].session.detections, sessions[i].session.boxes, t, 0).map).filter((m): m is number => m !== null);
      return maps.length ? maps.reduce((a, b) => a + b, 0) / maps.length : null;
    };
    expect((await meanAp()).value).toBeNull();
    dataOf(await app.execute(complete, { id: sessions[0].id }));
    dataOf(await app.execute(complete, { id: sessions[2].id }));
    const first = await meanAp();
    expect(first.value).toBeCloseTo(expected([0, 2], 0.5)!, 9);
    expect((await meanAp()).cache).toBe('HIT');
    expect((await meanAp(0.75)).value).toBeCloseTo(expected([0, 2], 0.75)!, 9);
    dataOf(await app.execute(complete, { id: sessions[1].id }));
    const after = await meanAp();
    expect(after.cache).toBe('MISS');
    expect(after.value).toBeCloseTo(expected([0, 1, 2], 0.5)!, 9);
  });

  it('refuses thresholds outside (0, 1] and minConfidence outside [0, 1] as BAD_USER_INPUT', async () => {
    const { sessionId, videoId } = await newSession();
    const bad: [string, Record<string, unknown>][] = [
      [`query($id: ID!) { testSession(id: $id) { evaluation(iouThreshold: 0) { map } } }`, { id: sessionId }],
      [`query($id: ID!) { testSession(id: $id) { evaluation(iouThreshold: 1.5) { map } } }`, { id: sessionId }],
      [`query($id: ID!) { testSession(id: $id) { evaluation(iouThreshold: -0.5) { map } } }`, { id: sessionId }],
      [`query($id: ID!) { testSession(id: $id) { evaluation(minConfidence: -0.1) { map } } }`, { id: sessionId }],
      [`query($id: ID!) { testSession(id: $id) { evaluation(minConfidence: 1.01) { map } } }`, { id: sessionId }],
      [`query($id: ID!) { testSession(id: $id) { detections { nodes { match(iouThreshold: 2) { outcome } } } } }`, { id: sessionId }],
      [`query($id: ID!) { video(id: $id) { evaluations(iouThreshold: 0) { map } } }`, { id: videoId }],
      [`query($id: ID!) { video(id: $id) { groundTruth { nodes { matchedDetection(testSessionId: "nope") { id } } } } }`, { id: videoId }],
      [`mutation($id: ID!) { applyEvaluation(testSessionId: $id, iouThreshold: 0) { updated } }`, { id: sessionId }],
    ];
    // The box makes the per-box field run at all.
    dataOf(await app.execute(writeBoxes, { v: videoId, o: [boxInput({ id: crypto.randomUUID(), frame: 0, label: 'car', box: [0, 0, 1, 1], difficult: false })] }));
    dataOf(await app.execute(ingest, { s: sessionId, d: [detectionInput({ id: crypto.randomUUID(), frame: 0, label: 'car', confidence: 0.5, box: [0, 0, 1, 1] })] }));
    for (const [query, variables] of bad) {
      const res = await app.execute(query, variables);
      expect(res.status, query).toBeLessThan(500);
      expect(res.body.errors?.map((e) => e.extensions?.code), query).toEqual(['BAD_USER_INPUT']);
    }
    // A session without detections or ground truth: zeros and no mAP, not an error.
    const empty = await newSession();
    const e = dataOf(await app.execute(`query($id: ID!) { testSession(id: $id) { evaluation { overall { tp fp fn precision recall f1 } perClass { classLabel } map mapCoco } } }`, { id: empty.sessionId }));
    expect(e.testSession.evaluation).toEqual({ overall: { tp: 0, fp: 0, fn: 0, precision: 0, recall: 0, f1: 0 }, perClass: [], map: null, mapCoco: null });
  });
});
