// Live evaluation (docs/evaluation.md): after random sequences of every write that changes matching —
// ingests (new detections and updates by stable id), box upserts that move a box's frame or class,
// reshape it or toggle difficult, box deletes, and NDJSON imports of both — the maintained matches of a
// live session equal the reference recomputed from scratch (test/evaluation/reference.ts), and so do
// the API's answers at the live threshold, which read them. PGlite, and PostgreSQL when DATABASE_URL
// is set.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { importNdjson } from '../../src/services/import.service.js';
import { rebuildLiveEvaluation } from '../../src/services/evaluation.maintenance.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import { createTestApp, dataOf, type GraphQLResponse, type TestApp } from '../support/test-app.js';
import { boxArb, detectionArb, near, nearArb, sessionArb, type Near, type Session } from './generators.js';
import { keptMatches } from './kept-matches.js';
import { referenceEvaluation, type RefBox, type RefDetection, type RefEvaluation } from './reference.js';
import { boxInput, deleteBoxes, detectionInput, ingest, writeBoxes } from './writes.js';

const runs = Number(process.env.PROPERTY_RUNS ?? 25);

const evaluationQuery = /* GraphQL */ `
  query Evaluation($id: ID!, $v: ID!) {
    testSession(id: $id) {
      evaluation {
        overall { tp fp fn precision recall f1 }
        perClass { classLabel tp fp fn precision recall f1 ap }
        map
        prCurve(classLabel: "car", first: 100) { confidence precision recall interpolatedPrecision }
      }
      detections(first: 5000) { nodes { id match { groundTruth { id } iou outcome } } }
    }
    video(id: $v) { groundTruth(first: 5000) { nodes { id matchedDetection(testSessionId: $id) { id } } } }
  }
`;
const createSession = `mutation($p: ID!, $v: ID!) { createTestSession(input: { projectId: $p, videoId: $v }) { id } }`;

/** PR points as the reference's matches rank them (confidence desc, id), for the class "car". */
function referenceCurve(state: Session, ref: RefEvaluation) {
  const boxes = state.boxes.filter((b) => b.label === 'car' && !b.difficult).length;
  const ranked = state.detections
    .filter((d) => d.label === 'car' && ref.matches.get(d.id)!.outcome !== 'IGNORED')
    .sort((a, b) => b.confidence - a.confidence || (a.id < b.id ? -1 : 1));
  let tp = 0;
  const points = ranked.map((d, i) => {
    if (ref.matches.get(d.id)!.outcome === 'TP') tp++;
    return { confidence: d.confidence, precision: tp / (i + 1), recall: boxes ? tp / boxes : 0 };
  });
  return points.map((p, i) => ({ ...p, interpolatedPrecision: Math.max(...points.slice(i).map((q) => q.precision)) }));
}

describeEachDatabase('live evaluation', (database) => {
  let db: Db;
  let app: TestApp;
  let offApp: TestApp;
  let projectId: string;
  let dir: string;

  beforeAll(async () => {
    db = database().db;
    // Uncached: every read below must come from the database's maintained matches.
    app = await createTestApp(db, { CACHE: 'off' });
    offApp = await createTestApp(db, { CACHE: 'off', EVALUATION_LIVE: 'false' });
    projectId = await insertProject(db);
    dir = mkdtempSync(join(tmpdir(), 'live-evaluation-'));
  });
  afterAll(async () => {
    await app?.close();
    await offApp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A live session (created through the API) on a video of its own. */
  async function newLiveSession(through = app) {
    const videoId = await insertVideo(db, projectId);
    const sessionId = dataOf(await through.execute(createSession, { p: projectId, v: videoId })).createTestSession.id as string;
    return { videoId, sessionId };
  }

  const reid = (g: Session): Session => ({
    detections: g.detections.map((d) => ({ ...d, id: crypto.randomUUID() })),
    boxes: g.boxes.map((b) => ({ ...b, id: crypto.randomUUID() })),
  });

  async function liveThreshold(sessionId: string): Promise<number | null> {
    const [row] = await db.query<{ t: number }>(`SELECT iou_threshold AS t FROM live_evaluations WHERE test_session_id = $1::uuid`, [sessionId]);
    return row ? Number(row.t) : null;
  }

  function expectAnswersReference(res: GraphQLResponse, state: Session, ref: RefEvaluation) {
    const data = dataOf(res);
    const e = data.testSession.evaluation;
    expect(e.perClass.map((c: any) => [c.classLabel, c.tp, c.fp, c.fn])).toEqual(ref.perClass.map((c) => [c.classLabel, c.tp, c.fp, c.fn]));
    expect([e.overall.tp, e.overall.fp, e.overall.fn]).toEqual([ref.overall.tp, ref.overall.fp, ref.overall.fn]);
    e.perClass.forEach((c: any, i: number) => {
      const r = ref.perClass[i];
      for (const k of ['precision', 'recall', 'f1'] as const) expect(c[k]).toBeCloseTo(r[k], 9);
      if (r.ap === null) expect(c.ap).toBeNull();
      else expect(Math.abs(c.ap - r.ap)).toBeLessThanOrEqual(1e-9);
    });
    if (ref.map === null) expect(e.map).toBeNull();
    else expect(Math.abs(e.map - ref.map)).toBeLessThanOrEqual(1e-9);
    const curve = referenceCurve(state, ref).slice(0, 100); // the query's prCurve(first: 100)
    expect(e.prCurve.length).toBe(curve.length);
    e.prCurve.forEach((p: any, i: number) => {
      expect(p.confidence).toBe(curve[i].confidence);
      for (const k of ['precision', 'recall', 'interpolatedPrecision'] as const) expect(Math.abs(p[k] - curve[i][k])).toBeLessThanOrEqual(1e-9);
    });
    const got = new Map(data.testSession.detections.nodes.map((n: any) => [n.id, { boxId: n.match.groundTruth?.id ?? null, iou: n.match.iou, outcome: n.match.outcome }]));
    expect(got).toEqual(ref.matches);
    const byBox = new Map<string, string>();
    for (const [d, m] of ref.matches) if (m.boxId) byBox.set(m.boxId, d);
    expect(new Map(data.video.groundTruth.nodes.map((n: any) => [n.id, n.matchedDetection?.id ?? null]))).toEqual(
      new Map(state.boxes.map((b) => [b.id, byBox.get(b.id) ?? null])),
    );
  }

  /** The maintained matches and the API's answer both equal the reference recomputed from scratch. */
  async function expectLiveEqualsReference(s: { videoId: string; sessionId: string }, state: Session) {
    const ref = referenceEvaluation(state.detections, state.boxes, 0.5, 0);
    expect(await liveThreshold(s.sessionId)).toBe(0.5);
    expect(await keptMatches(db, s.sessionId, state.detections)).toEqual(ref.matches);
    expectAnswersReference(await app.execute(evaluationQuery, { id: s.sessionId, v: s.videoId }), state, ref);
  }

  type Step =
    | { kind: 'ingest'; detections: Omit<RefDetection, 'id'>[]; near: Near[]; reconfidence: { pick: number; confidence: number }[] }
    | { kind: 'boxes'; fresh: Omit<RefBox, 'id'>[]; edits: { pick: number; box: Omit<RefBox, 'id'> }[] }
    | { kind: 'delete'; picks: number[] }
    | { kind: 'import'; detections: Omit<RefDetection, 'id'>[]; near: Near[]; boxes: Omit<RefBox, 'id'>[]; edits: { pick: number; box: Omit<RefBox, 'id'> }[]; reconfidence: { pick: number; confidence: number }[] };
  const pick = fc.nat({ max: 1000 });
  const reconfidenceArb = fc.array(fc.record({ pick, confidence: fc.integer({ min: 0, max: 16 }).map((n) => n / 16) }), { maxLength: 3 });
  const editsArb = fc.array(fc.record({ pick, box: boxArb }), { maxLength: 3 });
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant('ingest' as const), detections: fc.array(detectionArb, { maxLength: 4 }), near: nearArb(6), reconfidence: reconfidenceArb }),
    fc.record({ kind: fc.constant('boxes' as const), fresh: fc.array(boxArb, { maxLength: 5 }), edits: editsArb }),
    fc.record({ kind: fc.constant('delete' as const), picks: fc.array(pick, { minLength: 1, maxLength: 3 }) }),
    fc.record({
      kind: fc.constant('import' as const),
      detections: fc.array(detectionArb, { maxLength: 3 }),
      near: nearArb(6),
      boxes: fc.array(boxArb, { maxLength: 4 }),
      edits: editsArb,
      reconfidence: reconfidenceArb,
    }),
  );

  /** Updates by stable id: a new confidence, every other field as stored (what an update may change). */
  const reconfident = (state: Session, picks: { pick: number; confidence: number }[]) =>
    state.detections.length ? picks.map((r) => ({ ...state.detections[r.pick % state.detections.length], confidence: r.confidence })) : [];
  const edited = (state: Session, edits: { pick: number; box: Omit<RefBox, 'id'> }[]) =>
    state.boxes.length ? edits.map((e) => ({ ...e.box, id: state.boxes[e.pick % state.boxes.length].id })) : [];

  async function apply(s: { videoId: string; sessionId: string }, state: Session, step: Step, n: number) {
    if (step.kind === 'ingest') {
      const fresh = [...step.detections.map((d) => ({ ...d, id: crypto.randomUUID() })), ...near(state.boxes, step.near)];
      const byId = new Map([...reconfident(state, step.reconfidence), ...fresh].map((d) => [d.id, d]));
      if (byId.size === 0) return;
      dataOf(await app.execute(ingest, { s: s.sessionId, d: [...byId.values()].map(detectionInput) }));
      state.detections = [...state.detections.map((d) => byId.get(d.id) ?? d), ...fresh];
    } else if (step.kind === 'boxes') {
      const fresh = step.fresh.map((b) => ({ ...b, id: crypto.randomUUID() }));
      const byId = new Map([...edited(state, step.edits), ...fresh].map((b) => [b.id, b]));
      if (byId.size === 0) return;
      dataOf(await app.execute(writeBoxes, { v: s.videoId, o: [...byId.values()].map(boxInput) }));
      state.boxes = [...state.boxes.map((b) => byId.get(b.id) ?? b), ...fresh];
    } else if (step.kind === 'delete') {
      if (state.boxes.length === 0) return;
      const ids = [...new Set(step.picks.map((p) => state.boxes[p % state.boxes.length].id))];
      const ref = referenceEvaluation(state.detections, state.boxes, 0.5, 0);
      if ([...ref.matches.values()].some((m) => m.boxId && ids.includes(m.boxId))) matchedBoxesDeleted++;
      dataOf(await app.execute(deleteBoxes, { ids }));
      state.boxes = state.boxes.filter((b) => !ids.includes(b.id));
    } else {
      const fresh = [...step.detections.map((d) => ({ ...d, id: crypto.randomUUID() })), ...near(state.boxes, step.near)];
      const dets = new Map([...reconfident(state, step.reconfidence), ...fresh].map((d) => [d.id, d]));
      const freshBoxes = step.boxes.map((b) => ({ ...b, id: crypto.randomUUID() }));
      const boxes = new Map([...edited(state, step.edits), ...freshBoxes].map((b) => [b.id, b]));
      if (dets.size + boxes.size === 0) return;
      const lines = [
        ...[...boxes.values()].map((b) => JSON.stringify({ videoId: s.videoId, ...boxInput(b) })),
        ...[...dets.values()].map((d) => JSON.stringify({ testSessionId: s.sessionId, ...detectionInput(d) })),
      ];
      const file = join(dir, `step-${n}.ndjson`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      // Small chunks: one import writes several transactions, each keeping the matches current.
      const summary = await importNdjson(db, file, { chunkSize: 3, lanes: 1 });
      expect(summary.rejected).toEqual([]);
      state.detections = [...state.detections.map((d) => dets.get(d.id) ?? d), ...fresh];
      state.boxes = [...state.boxes.map((b) => boxes.get(b.id) ?? b), ...freshBoxes];
    }
  }

  let stepFiles = 0;
  let matchedBoxesDeleted = 0;
  /** One box, a detection exactly on it (a TP), then the box deleted. */
  const matchedBoxThenDelete: { start: Session; near: Near[]; steps: Step[] } = {
    start: { detections: [], boxes: [{ id: 'example', frame: 0, label: 'car', box: [1, 1, 2, 2], difficult: false }] },
    near: [{ pick: 0, dx: 0, dy: 0, confidence: 0.5 }],
    steps: [{ kind: 'delete', picks: [0] }],
  };
  it('after random ingests, box edits (frame, class, box, difficult), deletes and imports, the maintained matches and the answers at 0.5 equal the reference', async () => {
    await fc.assert(
      fc.asyncProperty(sessionArb({ detections: 8, boxes: 10 }), nearArb(6), fc.array(stepArb, { minLength: 1, maxLength: 6 }), async (start, startNear, steps) => {
        const s = await newLiveSession();
        const state = reid(start);
        state.detections.push(...near(state.boxes, startNear));
        // Boxes first, then detections, then the other way round in the steps: both orders are maintained.
        if (state.boxes.length) dataOf(await app.execute(writeBoxes, { v: s.videoId, o: state.boxes.map(boxInput) }));
        if (state.detections.length) dataOf(await app.execute(ingest, { s: s.sessionId, d: state.detections.map(detectionInput) }));
        await expectLiveEqualsReference(s, state);
        for (const step of steps) {
          await apply(s, state, step, stepFiles++);
          await expectLiveEqualsReference(s, state);
        }
      }),
      // A failure's shrinking replays whole walks: stop it early, the first counterexample tells enough.
      // The example always deletes a matched box, so the check below never depends on the draw.
      { numRuns: runs, endOnFailure: true, examples: [[matchedBoxThenDelete.start, matchedBoxThenDelete.near, matchedBoxThenDelete.steps]] },
    );
    // The walk reaches the interesting writes, not only appends to empty frames.
    expect(matchedBoxesDeleted).toBeGreaterThan(0);
  }, 600_000);

  /** Ingests detections without ids (the server makes them, COPY path) and adds them to `state` with the ids given. */
  async function ingestWithoutIds(s: { sessionId: string }, state: Session, detections: Omit<RefDetection, 'id'>[]) {
    if (detections.length === 0) return;
    const known = state.detections.map((d) => d.id);
    dataOf(await app.execute(ingest, { s: s.sessionId, d: detections.map((d) => detectionInput({ ...d, id: '' })).map(({ id: _id, ...rest }) => rest) }));
    // Server ids count up in input order (uuidv7Batch).
    const rows = await db.query<{ id: string }>(`SELECT id FROM detection_events WHERE test_session_id = $1::uuid AND id <> ALL($2::uuid[]) ORDER BY id`, [
      s.sessionId,
      `{${known.join(',')}}`,
    ]);
    expect(rows.length).toBe(detections.length);
    state.detections.push(...detections.map((d, i) => ({ ...d, id: rows[i].id })));
  }

  it('new detections sent without ids (server ids, one COPY) are maintained like any others, between box writes and deletes', async () => {
    const idless = fc.oneof(
      fc.record({ kind: fc.constant('idless' as const), detections: fc.array(detectionArb, { maxLength: 4 }), near: nearArb(6) }),
      stepArb.filter((st) => st.kind === 'boxes' || st.kind === 'delete'),
    );
    await fc.assert(
      fc.asyncProperty(sessionArb({ detections: 8, boxes: 10 }), nearArb(6), fc.array(idless, { minLength: 1, maxLength: 6 }), async (start, startNear, steps) => {
        const s = await newLiveSession();
        const state: Session = { detections: [], boxes: reid(start).boxes };
        if (state.boxes.length) dataOf(await app.execute(writeBoxes, { v: s.videoId, o: state.boxes.map(boxInput) }));
        await ingestWithoutIds(s, state, [...start.detections, ...near(state.boxes, startNear)].map(({ id: _id, ...d }) => d));
        await expectLiveEqualsReference(s, state);
        for (const step of steps) {
          if (step.kind === 'idless') await ingestWithoutIds(s, state, [...step.detections, ...near(state.boxes, step.near).map(({ id: _id, ...d }) => d)]);
          else await apply(s, state, step, stepFiles++);
          await expectLiveEqualsReference(s, state);
        }
      }),
      { numRuns: runs, endOnFailure: true },
    );
  }, 600_000);

  it('writes of more than 200 rows (the reads that hash whole sessions and videos) are maintained like small ones', async () => {
    const big = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: 201, maxLength: 240 });
    // Spread over 40 frames (120 groups), so a later big write that touches only frames below 20 leaves
    // groups the hashed reads must not re-match.
    const spread = <T extends { frame: number }>(xs: T[], frames: number) => xs.map((x, i) => ({ ...x, frame: x.frame + 4 * (i % (frames / 4)) }));
    await fc.assert(
      fc.asyncProperty(big(boxArb), big(detectionArb), nearArb(6), big(detectionArb), big(boxArb), async (boxes, withIds, nearPicks, idless, moreBoxes) => {
        const s = await newLiveSession();
        const state: Session = { detections: [], boxes: spread(boxes, 40).map((b) => ({ ...b, id: crypto.randomUUID() })) };
        dataOf(await app.execute(writeBoxes, { v: s.videoId, o: state.boxes.map(boxInput) }));
        const first = [...spread(withIds, 40).map((d) => ({ ...d, id: crypto.randomUUID() })), ...near(state.boxes, nearPicks)];
        dataOf(await app.execute(ingest, { s: s.sessionId, d: first.map(detectionInput) }));
        state.detections.push(...first);
        await expectLiveEqualsReference(s, state);
        await ingestWithoutIds(s, state, spread(idless, 20));
        await expectLiveEqualsReference(s, state);
        // New boxes and edits of existing ones (frame, class, geometry, difficult) in one write, below frame 20.
        const low = state.boxes.filter((b) => b.frame < 20);
        const edits = spread(moreBoxes, 20).map((b, i) => ({ ...b, id: i % 2 && low.length ? low[i % low.length].id : crypto.randomUUID() }));
        const byId = new Map(edits.map((b) => [b.id, b]));
        dataOf(await app.execute(writeBoxes, { v: s.videoId, o: [...byId.values()].map(boxInput) }));
        const known = new Set(state.boxes.map((b) => b.id));
        state.boxes = [...state.boxes.map((b) => byId.get(b.id) ?? b), ...[...byId.values()].filter((b) => !known.has(b.id))];
        await expectLiveEqualsReference(s, state);
        // More than 200 boxes deleted in one write.
        const gone = state.boxes.filter((_, i) => i % 3 !== 0).map((b) => b.id);
        expect(gone.length).toBeGreaterThan(200);
        dataOf(await app.execute(deleteBoxes, { ids: gone }));
        state.boxes = state.boxes.filter((b) => !gone.includes(b.id));
        await expectLiveEqualsReference(s, state);
      }),
      { numRuns: Math.max(3, Math.ceil(runs / 5)), endOnFailure: true },
    );
  }, 600_000);

  it('a box write re-matches every live session of its video', async () => {
    const s = await newLiveSession();
    const other = dataOf(await app.execute(createSession, { p: projectId, v: s.videoId })).createTestSession.id as string;
    const d1: RefDetection = { id: crypto.randomUUID(), frame: 0, label: 'car', confidence: 0.5, box: [0, 0, 4, 4] };
    const d2: RefDetection = { id: crypto.randomUUID(), frame: 0, label: 'car', confidence: 0.75, box: [1, 0, 4, 4] };
    dataOf(await app.execute(ingest, { s: s.sessionId, d: [detectionInput(d1)] }));
    dataOf(await app.execute(ingest, { s: other, d: [detectionInput(d2)] }));
    const box: RefBox = { id: crypto.randomUUID(), frame: 0, label: 'car', box: [0, 0, 4, 4], difficult: false };
    dataOf(await app.execute(writeBoxes, { v: s.videoId, o: [boxInput(box)] }));
    await expectLiveEqualsReference(s, { detections: [d1], boxes: [box] });
    await expectLiveEqualsReference({ videoId: s.videoId, sessionId: other }, { detections: [d2], boxes: [box] });
    dataOf(await app.execute(writeBoxes, { v: s.videoId, o: [boxInput({ ...box, difficult: true })] }));
    await expectLiveEqualsReference({ videoId: s.videoId, sessionId: other }, { detections: [d2], boxes: [{ ...box, difficult: true }] });
  });

  it('deleting or moving a matched box hands its detection the next best box, or makes it a FP', async () => {
    const s = await newLiveSession();
    const b1: RefBox = { id: crypto.randomUUID(), frame: 0, label: 'car', box: [0, 0, 4, 4], difficult: false };
    const b2: RefBox = { id: crypto.randomUUID(), frame: 0, label: 'car', box: [1, 0, 4, 4], difficult: false };
    const d1: RefDetection = { id: crypto.randomUUID(), frame: 0, label: 'car', confidence: 0.5, box: [0, 0, 4, 4] };
    dataOf(await app.execute(writeBoxes, { v: s.videoId, o: [boxInput(b1), boxInput(b2)] }));
    dataOf(await app.execute(ingest, { s: s.sessionId, d: [detectionInput(d1)] }));
    await expectLiveEqualsReference(s, { detections: [d1], boxes: [b1, b2] });
    dataOf(await app.execute(deleteBoxes, { ids: [b1.id] }));
    await expectLiveEqualsReference(s, { detections: [d1], boxes: [b2] });
    const moved = { ...b2, label: 'bike' };
    dataOf(await app.execute(writeBoxes, { v: s.videoId, o: [boxInput(moved)] }));
    await expectLiveEqualsReference(s, { detections: [d1], boxes: [moved] });
  });

  it('re-matches with a fixed number of statements however many frames a write touches', async () => {
    const statementsOf = async (frames: number) => {
      const s = await newLiveSession();
      const boxes = Array.from({ length: frames }, (_, f): RefBox => ({ id: crypto.randomUUID(), frame: f, label: 'car', box: [0, 0, 4, 4], difficult: false }));
      const detections = boxes.map((b, i): RefDetection => ({ id: crypto.randomUUID(), frame: b.frame, label: i % 2 ? 'car' : 'bike', confidence: 0.5, box: [1, 0, 4, 4] }));
      const w = await app.execute(writeBoxes, { v: s.videoId, o: boxes.map(boxInput) });
      const i = await app.execute(ingest, { s: s.sessionId, d: detections.map(detectionInput) });
      dataOf(w);
      dataOf(i);
      await expectLiveEqualsReference(s, { detections, boxes });
      return [Number(w.headers.get('x-sql-statements')), Number(i.headers.get('x-sql-statements'))];
    };
    expect(await statementsOf(40)).toEqual(await statementsOf(2));
  });

  it('reads a live session\'s evaluation and the match of every detection and box in as many statements for 40 frames as for 2', async () => {
    const q = `query($id: ID!, $v: ID!) {
      testSession(id: $id) { evaluation { overall { tp fp fn } perClass { classLabel ap } map prCurve(classLabel: "car") { recall } }
        detections(first: 100) { nodes { id match { outcome iou groundTruth { id } } } } }
      video(id: $v) { groundTruth(first: 100) { nodes { id matchedDetection(testSessionId: $id) { id } } } }
    }`;
    const statementsOf = async (frames: number) => {
      const s = await newLiveSession();
      const boxes = Array.from({ length: frames }, (_, f): RefBox => ({ id: crypto.randomUUID(), frame: f, label: 'car', box: [0, 0, 4, 4], difficult: false }));
      const detections = boxes.map((b): RefDetection => ({ id: crypto.randomUUID(), frame: b.frame, label: 'car', confidence: 0.5, box: [1, 0, 4, 4] }));
      dataOf(await app.execute(writeBoxes, { v: s.videoId, o: boxes.map(boxInput) }));
      dataOf(await app.execute(ingest, { s: s.sessionId, d: detections.map(detectionInput) }));
      const res = await app.execute(q, { id: s.sessionId, v: s.videoId });
      const data = dataOf(res);
      expect(data.testSession.evaluation.overall).toEqual({ tp: frames, fp: 0, fn: 0 });
      expect(data.video.groundTruth.nodes.every((n: any) => n.matchedDetection)).toBe(true);
      return Number(res.headers.get('x-sql-statements'));
    };
    const small = await statementsOf(2);
    expect(await statementsOf(40)).toBe(small);
    // The session, the video, the live read, the detection and box pages, the matches by detection and
    // by box, and the matched boxes and detections by id.
    expect(small).toBeLessThanOrEqual(9);
  });

  it('with EVALUATION_LIVE=false a write ends live evaluation of what it touched, and answers stay exact (on demand)', async () => {
    const s = await newLiveSession();
    const box: RefBox = { id: crypto.randomUUID(), frame: 0, label: 'car', box: [0, 0, 4, 4], difficult: false };
    const d1: RefDetection = { id: crypto.randomUUID(), frame: 0, label: 'car', confidence: 0.5, box: [0, 0, 4, 4] };
    dataOf(await app.execute(writeBoxes, { v: s.videoId, o: [boxInput(box)] }));
    dataOf(await app.execute(ingest, { s: s.sessionId, d: [detectionInput(d1)] }));
    await expectLiveEqualsReference(s, { detections: [d1], boxes: [box] });
    const moved = { ...box, frame: 1 };
    dataOf(await offApp.execute(writeBoxes, { v: s.videoId, o: [boxInput(moved)] }));
    expect(await liveThreshold(s.sessionId)).toBeNull();
    const state = { detections: [d1], boxes: [moved] };
    const ref = referenceEvaluation(state.detections, state.boxes, 0.5, 0);
    expectAnswersReference(await app.execute(evaluationQuery, { id: s.sessionId, v: s.videoId }), state, ref);
    // A session created while live evaluation is off is never live; a rebuild makes any session live.
    const off = await newLiveSession(offApp);
    expect(await liveThreshold(off.sessionId)).toBeNull();
    expect(await rebuildLiveEvaluation(db, [s.sessionId])).toBe(1);
    await expectLiveEqualsReference(s, state);
  });

  it('applyEvaluation at the live threshold writes the kept matches: TP, FP, and IGNORED left PENDING', async () => {
    await fc.assert(
      fc.asyncProperty(sessionArb({ detections: 8, boxes: 10 }), nearArb(6), async (generated, nearPicks) => {
        const s = await newLiveSession();
        const state = reid(generated);
        state.detections.push(...near(state.boxes, nearPicks));
        if (state.boxes.length) dataOf(await app.execute(writeBoxes, { v: s.videoId, o: state.boxes.map(boxInput) }));
        if (state.detections.length) dataOf(await app.execute(ingest, { s: s.sessionId, d: state.detections.map(detectionInput) }));
        dataOf(await app.execute(`mutation($id: ID!) { applyEvaluation(testSessionId: $id) { updated } }`, { id: s.sessionId }));
        const rows = await db.query<{ id: string; r: string }>(`SELECT id, validation_result AS r FROM detection_events WHERE test_session_id = $1::uuid`, [s.sessionId]);
        const ref = referenceEvaluation(state.detections, state.boxes, 0.5, 0);
        expect(new Map(rows.map((r) => [r.id, r.r]))).toEqual(
          new Map(state.detections.map((d) => [d.id, ref.matches.get(d.id)!.outcome === 'IGNORED' ? 'PENDING' : ref.matches.get(d.id)!.outcome])),
        );
      }),
      { numRuns: Math.max(5, Math.floor(runs / 3)) },
    );
  });

  it('a rebuild makes a session written before it live, equal to the reference', async () => {
    await fc.assert(
      fc.asyncProperty(sessionArb({ detections: 20, boxes: 12 }), async (generated) => {
        const state = reid(generated);
        const videoId = await insertVideo(db, projectId);
        const sessionId = await insertTestSession(db, projectId, videoId);
        if (state.boxes.length) dataOf(await app.execute(writeBoxes, { v: videoId, o: state.boxes.map(boxInput) }));
        if (state.detections.length) dataOf(await app.execute(ingest, { s: sessionId, d: state.detections.map(detectionInput) }));
        expect(await liveThreshold(sessionId)).toBeNull();
        await rebuildLiveEvaluation(db, [sessionId]);
        await expectLiveEqualsReference({ videoId, sessionId }, state);
      }),
      { numRuns: Math.max(5, Math.floor(runs / 3)) },
    );
  });
});
