// applyEvaluation: TP / FP into the validation results of PENDING detections (all with overwrite),
// difficult matches left alone, counters and cached reads fresh after it, write access required.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';

const apply = `mutation($id: ID!, $t: Float, $o: Boolean) {
  applyEvaluation(testSessionId: $id, iouThreshold: $t, overwrite: $o) { updated testSession { id detectionStats { total tp fp pending } } }
}`;
const results = `query($id: ID!) { testSession(id: $id) { detectionStats { tp fp pending } detections { nodes { id validationResult } } } }`;

describeEachDatabase('applyEvaluation', (database) => {
  let db: Db;
  let app: TestApp;
  let projectId: string;
  let reader: string;
  let otherWriter: string;

  beforeAll(async () => {
    db = database().db;
    app = await createTestApp(db, { CACHE: 'on' });
    projectId = await insertProject(db);
    reader = await app.createKey({ name: 'reader', role: 'member', read: [projectId] });
    otherWriter = await app.createKey({ name: 'other writer', role: 'member', write: [await insertProject(db)] });
  });
  afterAll(() => app?.close());

  /** Box A (plain) and box B (difficult) on frame 0; d1 hits A, d2 hits nothing, d3 (set FP by a human) overlaps A less than d1, d4 hits B. */
  async function seed() {
    const videoId = await insertVideo(db, projectId);
    const sessionId = await insertTestSession(db, projectId, videoId);
    const box = (x: number, difficult: boolean) => ({ frameNumber: 0, timestamp: 0, classLabel: 'car', confidence: 1, x, y: 0, width: 10, height: 10, difficult });
    dataOf(await app.execute(`mutation($v: ID!, $o: [GroundTruthInput!]!) { upsertGroundTruth(videoId: $v, objects: $o) { inserted } }`, { v: videoId, o: [box(0, false), box(100, true)] }));
    const ids = { d1: randomUUID(), d2: randomUUID(), d3: randomUUID(), d4: randomUUID() };
    const det = (id: string, x: number, confidence: number, validationResult?: string) => ({
      id, frameNumber: 0, timestamp: 0, classLabel: 'car', confidence, validationResult, boundingBox: { x, y: 0, width: 10, height: 10 },
    });
    dataOf(await app.execute(`mutation($s: ID!, $d: [DetectionInput!]!) { ingestDetections(testSessionId: $s, detections: $d) { inserted } }`, {
      s: sessionId,
      d: [det(ids.d1, 0, 0.9), det(ids.d2, 50, 0.8), det(ids.d3, 1, 0.95, 'FP'), det(ids.d4, 100, 0.7)],
    }));
    return { videoId, sessionId, ids };
  }

  const resultsOf = async (sessionId: string) => {
    const s = dataOf(await app.execute(results, { id: sessionId })).testSession;
    return { stats: s.detectionStats, byId: Object.fromEntries(s.detections.nodes.map((n: any) => [n.id, n.validationResult])) };
  };

  it('writes TP / FP into PENDING detections only, keeps human results and difficult matches, and is idempotent', async () => {
    const { sessionId, ids } = await seed();
    // d3 (0.95) ranks first and takes box A; d1 then matches nothing.
    const before = await resultsOf(sessionId);
    expect(before.stats).toEqual({ tp: 0, fp: 1, pending: 3 });
    const applied = await app.execute(apply, { id: sessionId });
    // Lock the session, read the inputs, write every result, read the counters back: 4 statements,
    // whatever the session's size (the answer's fields come from the returned row).
    expect(Number(applied.headers.get('x-sql-statements'))).toBe(4);
    const res = dataOf(applied);
    expect(res.applyEvaluation).toEqual({ updated: 2, testSession: { id: sessionId, detectionStats: { total: 4, tp: 0, fp: 3, pending: 1 } } });
    const after = await resultsOf(sessionId);
    expect(after.byId).toEqual({ [ids.d1]: 'FP', [ids.d2]: 'FP', [ids.d3]: 'FP', [ids.d4]: 'PENDING' });
    // The cached read above was dropped by the write: the counters are fresh.
    expect(after.stats).toEqual({ tp: 0, fp: 3, pending: 1 });
    expect(dataOf(await app.execute(apply, { id: sessionId })).applyEvaluation.updated).toBe(0);

    // overwrite: the human FP on d3 becomes the matcher's TP.
    const over = dataOf(await app.execute(apply, { id: sessionId, o: true })).applyEvaluation;
    expect(over.updated).toBe(1);
    expect((await resultsOf(sessionId)).byId).toEqual({ [ids.d1]: 'FP', [ids.d2]: 'FP', [ids.d3]: 'TP', [ids.d4]: 'PENDING' });
    // At IoU 1 only d1 (identical to box A) matches: d1 TP, d3 FP.
    expect(dataOf(await app.execute(apply, { id: sessionId, t: 1, o: true })).applyEvaluation.updated).toBe(2);
    expect((await resultsOf(sessionId)).byId).toEqual({ [ids.d1]: 'TP', [ids.d2]: 'FP', [ids.d3]: 'FP', [ids.d4]: 'PENDING' });
  });

  it('refuses a read-only key (FORBIDDEN), answers another project\'s writer as for an unknown session (NOT_FOUND), and writes nothing', async () => {
    const { sessionId } = await seed();
    const before = await resultsOf(sessionId);
    const read = await app.execute(apply, { id: sessionId }, { as: reader });
    expect({ status: read.status, code: read.body.errors?.[0].extensions?.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    const foreign = await app.execute(apply, { id: sessionId }, { as: otherWriter });
    const unknownId = randomUUID();
    const unknown = await app.execute(apply, { id: unknownId }, { as: otherWriter });
    expect(foreign.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(foreign.body).split(sessionId).join('<id>')).toBe(JSON.stringify(unknown.body).split(unknownId).join('<id>'));
    expect(await resultsOf(sessionId)).toEqual(before);
    const bad = await app.execute(apply, { id: sessionId, t: 0 });
    expect(bad.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await resultsOf(sessionId)).toEqual(before);
  });
});
