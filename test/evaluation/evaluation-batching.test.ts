// Evaluations in nested reads send a fixed number of statements: Video.evaluations of every video
// of 30 projects, with DetectionEvent.match and GroundTruthObject.matchedDetection below, costs what
// it costs for 3 projects, and one session's evaluation with mapCoco is one read of its inputs.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertDetections, insertGroundTruth, insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';

const nested = /* GraphQL */ `
  query Nested($first: Int!) {
    projects(first: $first) {
      nodes {
        stats { meanAp }
        videos(first: 10) {
          nodes {
            evaluations(iouThreshold: 0.5, first: 5) {
              testSession { id }
              overall { tp fp fn f1 }
              perClass(first: 10) { classLabel ap }
              map
              mapCoco
            }
            groundTruth(first: 5, minConfidence: 0) { nodes { id } }
            testSessions(first: 5) { detections(first: 3) { nodes { id match { outcome iou groundTruth { id } } } } }
          }
        }
      }
    }
  }
`;

async function seedProjects(db: Db, count: number) {
  for (let p = 0; p < count; p++) {
    const projectId = await insertProject(db);
    for (let v = 0; v < 2; v++) {
      const videoId = await insertVideo(db, projectId);
      // The factories' detection box is (1, 2, 3, 4); these boxes overlap it more or less.
      await insertGroundTruth(db, videoId, [0, 1, 2].map((f) => ({ frame_number: f, confidence: 0.9, x: 1 + f, y: 2, width: 3, height: 4 })));
      for (let s = 0; s < 2; s++) {
        const sessionId = await insertTestSession(db, projectId, videoId, { status: s === 0 ? 'completed' : 'running' });
        await insertDetections(db, sessionId, [0, 1, 2, 3].map((f) => ({ frame_number: f, confidence: 0.5 + f / 10 })));
      }
    }
  }
}

describeEachDatabase('evaluation statement count', (database) => {
  let app: TestApp;
  beforeAll(async () => {
    await seedProjects(database().db, 31);
    app = await createTestApp(database().db);
  });
  afterAll(() => app?.close());

  it('Video.evaluations with match below sends as many statements for 30 projects as for 3', async () => {
    const small = await app.execute(nested, { first: 3 });
    const large = await app.execute(nested, { first: 30 });
    const smallData = dataOf(small);
    const largeData = dataOf(large);
    const evaluations = largeData.projects.nodes[29].videos.nodes[1].evaluations;
    expect(evaluations).toHaveLength(2);
    // Frame 0: IoU 1 (TP); frame 1: IoU 8/16 = 0.5 (TP); frame 2: IoU 4/20 (FP, its box a FN); frame 3: no box (FP).
    expect(evaluations[0].overall).toEqual({ tp: 2, fp: 2, fn: 1, f1: (2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3) });
    expect(smallData.projects.nodes).toHaveLength(3);
    const smallCount = Number(small.headers.get('x-sql-statements'));
    const largeCount = Number(large.headers.get('x-sql-statements'));
    expect(largeCount).toBe(smallCount);
    expect(largeCount).toBeLessThanOrEqual(10);
  });

  it("reads one session's inputs once for its evaluation, mapCoco, PR curve and every match", async () => {
    const session = dataOf(await app.execute(`{ projects(first: 1) { nodes { testSessions(first: 1) { nodes { id } } } } }`)).projects.nodes[0].testSessions.nodes[0].id;
    const res = await app.execute(
      `query($id: ID!) { testSession(id: $id) {
        evaluation { map mapCoco prCurve(classLabel: "car") { recall } perClass { ap } }
        strict: evaluation(iouThreshold: 0.9) { map }
        detections { nodes { match { outcome } strict: match(iouThreshold: 0.9) { outcome } } }
      } }`,
      { id: session },
    );
    dataOf(res);
    // The session, its detection page, the evaluation inputs.
    expect(Number(res.headers.get('x-sql-statements'))).toBe(3);
  });
});
