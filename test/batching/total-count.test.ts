// totalCount costs a COUNT only when nothing cheaper knows it: a first page without a next page holds
// every matching row, and an unfiltered (or minConfidence <= 0) count is a maintained column of the
// parent row. Each shortcut is proven by the statements sent and by the answer matching a real count.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';
import { insertDetections, insertGroundTruth, insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import { statementName, type Db, type SqlStats } from '../../src/db/client.js';

function recording(db: Db, names: string[]): Db {
  return {
    ...db,
    query: (text, params) => {
      names.push(statementName(text));
      return db.query(text, params);
    },
    counted: (s: SqlStats) => recording(db.counted(s), names),
  };
}

const groundTruth = `query($id: ID!, $first: Int, $min: Float, $validated: Boolean) {
  video(id: $id) { groundTruth(first: $first, minConfidence: $min, validated: $validated) { totalCount pageInfo { hasNextPage } nodes { id } } } }`;
const detections = `query($id: ID!, $first: Int, $min: Float) {
  testSession(id: $id) { detections(first: $first, minConfidence: $min) { totalCount pageInfo { hasNextPage } nodes { id } } } }`;

describeEachDatabase('totalCount', (database) => {
  let app: TestApp;
  let videoId: string;
  let sessionId: string;
  const statements: string[] = [];

  beforeAll(async () => {
    const db = database().db;
    const project = await insertProject(db);
    videoId = await insertVideo(db, project);
    // 10 boxes, confidences 0.05 .. 0.95, every other one validated.
    await insertGroundTruth(db, videoId, Array.from({ length: 10 }, (_, i) => ({ frame_number: i, confidence: 0.05 + i / 10, validated: i % 2 === 0 })));
    sessionId = await insertTestSession(db, project, videoId);
    await insertDetections(db, sessionId, Array.from({ length: 6 }, (_, i) => ({ frame_number: i, confidence: 0.1 + i / 10 })));
    app = await createTestApp(recording(db, statements));
  });
  afterAll(() => app?.close());

  async function run(query: string, variables: Record<string, unknown>) {
    statements.length = 0;
    const data = dataOf(await app.execute(query, variables));
    return { data, counts: statements.filter((s) => /Count/.test(s)) };
  }

  it('takes the total of a complete first page from its rows', async () => {
    const { data, counts } = await run(groundTruth, { id: videoId, first: 50, min: 0.5 });
    expect(data.video.groundTruth).toMatchObject({ totalCount: 5, pageInfo: { hasNextPage: false } });
    expect(counts).toEqual([]);
  });

  it('takes an unfiltered total from the maintained counters of the video and the session', async () => {
    // groundTruth's minConfidence defaults to 0.3; null lifts it.
    for (const min of [null, 0]) {
      const gt = await run(groundTruth, { id: videoId, first: 3, min });
      expect(gt.data.video.groundTruth).toMatchObject({ totalCount: 10, pageInfo: { hasNextPage: true } });
      expect(gt.counts).toEqual([]);
      const det = await run(detections, { id: sessionId, first: 2, min });
      expect(det.data.testSession.detections).toMatchObject({ totalCount: 6, pageInfo: { hasNextPage: true } });
      expect(det.counts).toEqual([]);
    }
    const validated = await run(groundTruth, { id: videoId, first: 2, min: 0, validated: true });
    const notValidated = await run(groundTruth, { id: videoId, first: 2, min: null, validated: false });
    expect([validated.data.video.groundTruth.totalCount, notValidated.data.video.groundTruth.totalCount]).toEqual([5, 5]);
    expect([...validated.counts, ...notValidated.counts]).toEqual([]);
  });

  it('counts in SQL when a filter narrows a list with more pages', async () => {
    const gt = await run(groundTruth, { id: videoId, first: 2, min: 0.5 });
    expect(gt.data.video.groundTruth).toMatchObject({ totalCount: 5, pageInfo: { hasNextPage: true } });
    expect(gt.counts).toEqual(['groundTruthCountsByVideos']);
    const det = await run(detections, { id: sessionId, first: 1, min: 0.35 });
    expect(det.data.testSession.detections).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    expect(det.counts).toEqual(['detectionCountsBySessions']);
  });
});
