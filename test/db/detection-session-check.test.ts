// detection_events.test_session_id has no foreign key (its per-row check was most of an ingest's cost):
// drizzle/0005_detection_insert_cost.sql keeps the guarantees with a check once per statement and a
// delete trigger. These are the foreign key's promises, held against the tables directly: no detection
// of a missing session gets in, deleting a session (or its video, or its project) deletes its
// detections with exact counters, and a concurrent insert and delete never leave an orphan.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/db/client.js';
import { aggregateDrift } from '../support/aggregates.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertDetections, insertProject, insertTestSession, insertVideo } from '../support/factories.js';

const detections = (n: number) => Array.from({ length: n }, (_, i) => ({ frame_number: i, confidence: 0.5, validation_result: (['TP', 'PENDING'] as const)[i % 2] }));
const countOf = async (db: Queryable, sessionId: string) =>
  (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM detection_events WHERE test_session_id = $1`, [sessionId]))[0].n;

describeEachDatabase('detection_events.test_session_id without a foreign key', (database, kind) => {
  let projectId: string;
  let videoId: string;
  beforeAll(async () => {
    const db = database().db;
    projectId = await insertProject(db);
    videoId = await insertVideo(db, projectId);
  });

  describe('insert and update', () => {
    it('refuses detections of a session that does not exist with foreign_key_violation, writing nothing', async () => {
      const db = database().db;
      const live = await insertTestSession(db, projectId, videoId);
      const missing = randomUUID();
      await expect(insertDetections(db, missing, detections(3))).rejects.toMatchObject({ code: '23503' });
      expect(await countOf(db, missing)).toBe(0);
      // One statement naming a live and a missing session fails whole.
      await expect(
        db.query(
          `INSERT INTO detection_events (test_session_id, frame_number, timestamp, class_label, confidence, bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height)
           VALUES ($1, 0, 0, 'car', 0.5, 1, 1, 1, 1), ($2, 0, 0, 'car', 0.5, 1, 1, 1, 1)`,
          [live, missing],
        ),
      ).rejects.toMatchObject({ code: '23503' });
      expect(await countOf(db, live)).toBe(0);
      expect(await aggregateDrift(db)).toEqual([]);
    });

    it('refuses moving a detection to a session that does not exist', async () => {
      const db = database().db;
      const session = await insertTestSession(db, projectId, videoId);
      const [id] = await insertDetections(db, session, detections(1));
      await expect(db.query(`UPDATE detection_events SET test_session_id = $1 WHERE id = $2`, [randomUUID(), id])).rejects.toMatchObject({ code: '23503' });
      expect(await countOf(db, session)).toBe(1);
    });
  });

  describe('delete', () => {
    it('deleting a test session deletes its detections and only those, with exact counters', async () => {
      const db = database().db;
      const [gone, kept] = [await insertTestSession(db, projectId, videoId), await insertTestSession(db, projectId, videoId)];
      await insertDetections(db, gone, detections(20));
      await insertDetections(db, kept, detections(5));
      await db.query(`DELETE FROM test_sessions WHERE id = $1`, [gone]);
      expect(await countOf(db, gone)).toBe(0);
      expect(await countOf(db, kept)).toBe(5);
      expect(await aggregateDrift(db)).toEqual([]);
    });

    it('deleting a video or a project deletes the detections of its sessions', async () => {
      const db = database().db;
      const project = await insertProject(db);
      const [v1, v2] = [await insertVideo(db, project), await insertVideo(db, project)];
      const sessions = [await insertTestSession(db, project, v1), await insertTestSession(db, project, v1), await insertTestSession(db, project, v2)];
      for (const s of sessions) await insertDetections(db, s, detections(7));
      await db.query(`/* deleteVideo */ DELETE FROM videos WHERE id = $1::uuid`, [v1]);
      expect([await countOf(db, sessions[0]), await countOf(db, sessions[1]), await countOf(db, sessions[2])]).toEqual([0, 0, 7]);
      expect(await aggregateDrift(db)).toEqual([]);
      await db.query(`DELETE FROM projects WHERE id = $1::uuid`, [project]);
      expect(await countOf(db, sessions[2])).toBe(0);
      expect(await aggregateDrift(db)).toEqual([]);
    });
  });

  // Two connections: only PostgreSQL runs them side by side. Each test waits for the second statement
  // to be seen waiting on a lock (an event, not a timer) before the first transaction ends.
  if (kind !== 'postgres') return;
  const waitingOnLock = async (db: Queryable, marker: string) => {
    for (;;) {
      const [{ n }] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1 AND pid <> pg_backend_pid()`,
        [`%${marker}%`],
      );
      if (n > 0) return;
      await new Promise((r) => setImmediate(r));
    }
  };

  it('a session deleted while a batch is written into it waits for the batch, then deletes it too', async () => {
    const db = database().db;
    const session = await insertTestSession(db, projectId, videoId);
    const { deleting } = await db.transaction(async (tx) => {
      await insertDetections(tx, session, detections(50));
      const deleting = db.query(`/* deleteSessionDuringInsert */ DELETE FROM test_sessions WHERE id = $1`, [session]);
      await waitingOnLock(db, 'deleteSessionDuringInsert');
      return { deleting: deleting.then(() => 'deleted') };
    });
    expect(await deleting).toBe('deleted');
    expect(await countOf(db, session)).toBe(0);
    expect(await aggregateDrift(db)).toEqual([]);
  });

  it('a batch written into a session being deleted waits for the delete, then fails with foreign_key_violation', async () => {
    const db = database().db;
    const session = await insertTestSession(db, projectId, videoId);
    const { inserting } = await db.transaction(async (tx) => {
      await tx.query(`DELETE FROM test_sessions WHERE id = $1`, [session]);
      const inserting = db
        .query(
          `/* insertIntoDeletedSession */ INSERT INTO detection_events (test_session_id, frame_number, timestamp, class_label, confidence, bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height)
           SELECT $1, g, 0, 'car', 0.5, 1, 1, 1, 1 FROM generate_series(1, 50) g`,
          [session],
        )
        .then(
          () => 'inserted',
          (e: { code?: string }) => e.code,
        );
      await waitingOnLock(db, 'insertIntoDeletedSession');
      return { inserting };
    });
    expect(await inserting).toBe('23503');
    expect(await countOf(db, session)).toBe(0);
    expect(await aggregateDrift(db)).toEqual([]);
  });
});
