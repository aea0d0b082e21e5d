// An ingest of new detections sends the live maintenance's read and the COPY of the batch together
// (src/services/detection.service.ts), so one of them can fail while the other is on its way. Whichever
// fails, the caller gets that statement's error — not "current transaction is aborted" (25P02), which
// the other statement then meets — nothing is written, and the next ingest on the same pool succeeds
// (no statement was left in flight on a connection handed back).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminScope } from '../../src/auth/scope.js';
import { createPostgresDb, defaultPoolOptions, type Db } from '../../src/db/client.js';
import { ingestDetections } from '../../src/services/detection.service.js';
import { createTestSession } from '../../src/services/test-session.service.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertGroundTruth, insertProject, insertVideo } from '../support/factories.js';

// Boxes at (10, 20, 30, 40) on frames 0–9; every detection lies on one, so each batch has matches to write.
const batch = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    frameNumber: i % 10,
    timestamp: (i % 10) / 30,
    classLabel: 'car',
    confidence: (i % 7) / 7,
    boundingBox: { x: 10, y: 20, width: 30, height: 40 },
  }));

describeEachDatabase('an ingest whose live read or COPY fails', (database, kind) => {
  let projectId: string;
  let videoId: string;
  // One connection, so "the next ingest" runs on the connection the failed one handed back, and the
  // read is already prepared there (a first use waits for its description before the COPY goes out).
  let db: Db;
  const deps = () => ({ db, scope: adminScope });
  const newSession = async () => (await createTestSession(deps(), { projectId, videoId })).value.id;
  const counts = async (sessionId: string) => {
    const [row] = await db.query<{ detections: number; matches: number }>(
      `SELECT (SELECT count(*)::int FROM detection_events WHERE test_session_id = $1) AS detections,
              (SELECT count(*)::int FROM live_matches WHERE test_session_id = $1) AS matches`,
      [sessionId],
    );
    return row;
  };
  // Both sizes: a few rows and more than 200 (the statement variant that hashes whole sessions).
  const sizes = [20, 300];

  beforeAll(async () => {
    db = kind === 'postgres' ? createPostgresDb(database().url!, { ...defaultPoolOptions, max: 1 }) : database().db;
    projectId = await insertProject(db);
    videoId = await insertVideo(db, projectId);
    await insertGroundTruth(db, videoId, Array.from({ length: 10 }, (_, f) => ({ frame_number: f, confidence: 1 })));
    for (const n of sizes) await ingestDetections(deps(), await newSession(), batch(n));
  });
  afterAll(async () => {
    if (kind === 'postgres') await db?.close();
  });

  it.each(sizes)('the read fails (%i detections): its error, nothing written, the next ingest succeeds', async (n) => {
    const sessionId = await newSession();
    await db.query('ALTER TABLE live_matches RENAME TO live_matches_away');
    try {
      await expect(ingestDetections(deps(), sessionId, batch(n))).rejects.toMatchObject({ code: '42P01' });
    } finally {
      await db.query('ALTER TABLE live_matches_away RENAME TO live_matches');
    }
    expect(await counts(sessionId)).toEqual({ detections: 0, matches: 0 });
    expect((await ingestDetections(deps(), sessionId, batch(n))).value).toEqual({ inserted: n, updated: 0 });
    expect(await counts(sessionId)).toEqual({ detections: n, matches: 10 });
  });

  it.each(sizes)('the COPY fails (%i detections): its error, no matches written, the next ingest succeeds', async (n) => {
    const sessionId = await newSession();
    await db.query(`CREATE FUNCTION refuse_detections() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused for the test' USING ERRCODE = 'P0001'; END $$`);
    await db.query(`CREATE TRIGGER refuse_detections BEFORE INSERT ON detection_events FOR EACH STATEMENT EXECUTE FUNCTION refuse_detections()`);
    try {
      await expect(ingestDetections(deps(), sessionId, batch(n))).rejects.toMatchObject({ code: 'P0001' });
    } finally {
      await db.query('DROP TRIGGER refuse_detections ON detection_events');
      await db.query('DROP FUNCTION refuse_detections()');
    }
    expect(await counts(sessionId)).toEqual({ detections: 0, matches: 0 });
    expect((await ingestDetections(deps(), sessionId, batch(n))).value).toEqual({ inserted: n, updated: 0 });
    expect(await counts(sessionId)).toEqual({ detections: n, matches: 10 });
  });
});
