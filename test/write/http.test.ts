// The write path through the real HTTP server: a full 10,000-detection batch fits in one request and
// costs three statements (lock, upsert, and live evaluation's read); a rejected batch answers HTTP 400 with the offending indexes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';
import { detection, M } from '../support/write-harness.js';

describeEachDatabase('mutations over HTTP', (database) => {
  let app: TestApp;
  let sessionId: string;
  beforeAll(async () => {
    app = await createTestApp(database().db);
    const projectId = dataOf(await app.execute(M.createProject, { input: { name: 'http' } })).createProject.id;
    const videoId = dataOf(await app.execute(M.createVideo, { input: { projectId, filename: 'h.mp4', duration: 1, fileSize: 1 } })).createVideo.id;
    sessionId = dataOf(await app.execute(M.createTestSession, { input: { projectId, videoId } })).createTestSession.id;
  });
  afterAll(() => app?.close());

  it('ingests 10,000 detections with 128-character labels in one request and three statements', async () => {
    const detections = Array.from({ length: 10_000 }, () => detection({ classLabel: 'l'.repeat(128) }));
    const res = await app.execute(M.ingestDetections, { testSessionId: sessionId, detections });
    expect(dataOf(res).ingestDetections).toEqual({ inserted: 10_000, updated: 0 });
    // Lock, upsert, and live evaluation's read of the touched groups (no boxes: no matches to write).
    expect(res.headers.get('x-sql-statements')).toBe('3');
  });

  it('answers a rejected batch with HTTP 400, the indexes and reasons, and writes nothing', async () => {
    const res = await app.execute(M.ingestDetections, {
      testSessionId: sessionId,
      detections: [detection(), detection({ confidence: 3 }), detection({ timestamp: -1 })],
    });
    expect(res.status).toBe(400);
    expect(res.body.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errorCount: 2,
      errors: [
        { index: 1, field: 'confidence', reason: expect.any(String) },
        { index: 2, field: 'timestamp', reason: expect.any(String) },
      ],
    });
    const [{ n }] = await database().db.query<{ n: number }>(`SELECT count(*)::int AS n FROM detection_events`);
    expect(n).toBe(10_000);
  });
});
