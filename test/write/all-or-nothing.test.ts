// A batch with one bad element writes nothing and answers BAD_USER_INPUT naming the offending
// indexes and reasons (the first 20, and how many in all) — for every rejection reason, asserted
// by row counts and sums before and after.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { rowCounts } from '../support/aggregates.js';
import { box, createWriteHarness, detection, M, type WriteHarness } from '../support/write-harness.js';

describeEachDatabase('all-or-nothing batches', (database) => {
  let h: WriteHarness;
  let videoId: string;
  let otherVideoId: string;
  let sessionId: string;
  let otherSessionId: string;
  let completedSessionId: string;
  const existingBox = randomUUID();
  const existingDetection = randomUUID();
  const foreignBox = randomUUID();
  const foreignDetection = randomUUID();

  beforeAll(async () => {
    h = await createWriteHarness(database().db);
    const projectId = (await h.ok(M.createProject, { input: { name: 'aon' } })).createProject.id;
    const video = (filename: string) => h.ok(M.createVideo, { input: { projectId, filename, duration: 1, fileSize: 1 } });
    videoId = (await video('a.mp4')).createVideo.id;
    otherVideoId = (await video('b.mp4')).createVideo.id;
    const session = async (v: string) => (await h.ok(M.createTestSession, { input: { projectId, videoId: v } })).createTestSession.id;
    sessionId = await session(videoId);
    otherSessionId = await session(otherVideoId);
    completedSessionId = await session(videoId);
    await h.ok(M.upsertGroundTruth, { videoId, objects: [box({ id: existingBox, confidence: 0.25 })] });
    await h.ok(M.upsertGroundTruth, { videoId: otherVideoId, objects: [box({ id: foreignBox })] });
    await h.ok(M.ingestDetections, { testSessionId: sessionId, detections: [detection({ id: existingDetection, confidence: 0.25 })] });
    await h.ok(M.ingestDetections, { testSessionId: otherSessionId, detections: [detection({ id: foreignDetection })] });
    await h.ok(M.completeTestSession, { id: completedSessionId, status: 'COMPLETED' });
  });
  afterAll(() => h?.stop());

  /** A batch of good elements (one updating an existing row) with `bad` placed at index 2. */
  const gtBatch = (bad: Record<string, unknown>) => [box({ id: existingBox, confidence: 0.75 }), box(), box(bad), box()];
  const detBatch = (bad: Record<string, unknown>) => [detection({ id: existingDetection, confidence: 0.75 }), detection(), detection(bad), detection()];

  const badBoxes: [string, Record<string, unknown>, string][] = [
    ['confidence above 1', { confidence: 1.5 }, 'confidence'],
    ['confidence below 0', { confidence: -0.1 }, 'confidence'],
    ['negative frame', { frameNumber: -1 }, 'frameNumber'],
    ['negative timestamp', { timestamp: -0.5 }, 'timestamp'],
    ['zero width', { width: 0 }, 'width'],
    ['negative height', { height: -3 }, 'height'],
    ['empty class label', { classLabel: '' }, 'classLabel'],
    ['class label over 128 characters', { classLabel: 'x'.repeat(129) }, 'classLabel'],
    ['NUL in the class label', { classLabel: 'ca\u0000r' }, 'classLabel'],
    ['lone surrogate in the class label', { classLabel: 'car\ud800' }, 'classLabel'],
    ['x beyond a 4-byte float', { x: 1e39 }, 'x'],
    ['id that is not a uuid', { id: 'not-a-uuid' }, 'id'],
  ];

  describe('upsertGroundTruth', () => {
    it.each(badBoxes)('writes nothing for %s, naming index 2 and the field', async (_, bad, field) => {
      const before = await rowCounts(database().db);
      const e = await h.fail(M.upsertGroundTruth, { videoId, objects: gtBatch(bad) });
      expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'objects', errorCount: 1 });
      expect(e.extensions.errors).toEqual([{ index: 2, field, reason: expect.any(String) }]);
      expect(await rowCounts(database().db)).toEqual(before);
    });

    it('counts a 128-character label by characters, not UTF-16 units', async () => {
      const label = '😀'.repeat(128);
      const r = await h.ok(M.upsertGroundTruth, { videoId, objects: [box({ classLabel: label })] });
      expect(r.upsertGroundTruth.inserted).toBe(1);
      expect((await h.fail(M.upsertGroundTruth, { videoId, objects: [box({ classLabel: label + '😀' })] })).extensions.code).toBe('BAD_USER_INPUT');
    });

    it('writes nothing for duplicate ids inside the batch', async () => {
      const before = await rowCounts(database().db);
      const id = randomUUID();
      const e = await h.fail(M.upsertGroundTruth, { videoId, objects: [box({ id }), box(), box({ id: id.toUpperCase() })] });
      expect(e.extensions.errors).toEqual([{ index: 2, field: 'id', reason: expect.stringContaining('duplicate') }]);
      expect(await rowCounts(database().db)).toEqual(before);
    });

    it('writes nothing when an id already belongs to another video, and leaves that row where it is', async () => {
      const before = await rowCounts(database().db);
      const e = await h.fail(M.upsertGroundTruth, { videoId, objects: gtBatch({ id: foreignBox }) });
      expect(e.extensions.errors).toEqual([{ index: 2, field: 'id', reason: 'id is not available' }]);
      expect(await rowCounts(database().db)).toEqual(before);
      const [row] = await database().db.query<{ video_id: string }>(`SELECT video_id FROM ground_truth_objects WHERE id = $1`, [foreignBox]);
      expect(row.video_id).toBe(otherVideoId);
    });

    it('writes nothing for an unknown video', async () => {
      const before = await rowCounts(database().db);
      const e = await h.fail(M.upsertGroundTruth, { videoId: randomUUID(), objects: [box()] });
      expect(e.extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'videoId' });
      expect(await rowCounts(database().db)).toEqual(before);
    });

    it('rejects more than 10,000 objects before looking at them', async () => {
      const objects = Array.from({ length: 10_001 }, () => box());
      const e = await h.fail(M.upsertGroundTruth, { videoId, objects });
      expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'objects' });
      expect(e.message).toContain('10000');
    });

    it('lists the first 20 problems and counts them all', async () => {
      const before = await rowCounts(database().db);
      const objects = Array.from({ length: 50 }, (_, i) => box(i % 2 ? { confidence: 2 } : {}));
      const e = await h.fail(M.upsertGroundTruth, { videoId, objects });
      expect(e.extensions.errorCount).toBe(25);
      expect(e.extensions.errors).toHaveLength(20);
      expect(e.extensions.errors[0]).toMatchObject({ index: 1, field: 'confidence' });
      expect(await rowCounts(database().db)).toEqual(before);
    });
  });

  describe('ingestDetections', () => {
    const badDetections: [string, Record<string, unknown>, string][] = [
      ['confidence above 1', { confidence: 1.01 }, 'confidence'],
      ['negative frame', { frameNumber: -5 }, 'frameNumber'],
      ['negative timestamp', { timestamp: -1 }, 'timestamp'],
      ['zero width', { boundingBox: { x: 0, y: 0, width: 0, height: 1 } }, 'boundingBox.width'],
      ['negative height', { boundingBox: { x: 0, y: 0, width: 1, height: -1 } }, 'boundingBox.height'],
      ['empty class label', { classLabel: '' }, 'classLabel'],
      ['class label over 128 characters', { classLabel: 'é'.repeat(129) }, 'classLabel'],
      ['NUL in the class label', { classLabel: '\u0000' }, 'classLabel'],
      ['id that is not a uuid', { id: '1234' }, 'id'],
    ];
    it.each(badDetections)('writes nothing for %s, naming index 2 and the field', async (_, bad, field) => {
      const before = await rowCounts(database().db);
      const e = await h.fail(M.ingestDetections, { testSessionId: sessionId, detections: detBatch(bad) });
      expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'detections', errorCount: 1 });
      expect(e.extensions.errors).toEqual([{ index: 2, field, reason: expect.any(String) }]);
      expect(await rowCounts(database().db)).toEqual(before);
    });

    it('writes nothing for duplicate ids inside the batch', async () => {
      const before = await rowCounts(database().db);
      const e = await h.fail(M.ingestDetections, { testSessionId: sessionId, detections: detBatch({ id: existingDetection }) });
      expect(e.extensions.errors).toEqual([{ index: 2, field: 'id', reason: expect.stringContaining('duplicate') }]);
      expect(await rowCounts(database().db)).toEqual(before);
    });

    it('writes nothing when an id already belongs to another session', async () => {
      const before = await rowCounts(database().db);
      const e = await h.fail(M.ingestDetections, { testSessionId: sessionId, detections: detBatch({ id: foreignDetection }) });
      expect(e.extensions.errors).toEqual([{ index: 2, field: 'id', reason: 'id is not available' }]);
      expect(await rowCounts(database().db)).toEqual(before);
    });

    it('writes nothing into a session that is not running', async () => {
      const before = await rowCounts(database().db);
      const e = await h.fail(M.ingestDetections, { testSessionId: completedSessionId, detections: [detection()] });
      expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'testSessionId' });
      expect(e.message).toContain('COMPLETED');
      expect(await rowCounts(database().db)).toEqual(before);
    });

    it('writes nothing for an unknown session', async () => {
      const before = await rowCounts(database().db);
      const e = await h.fail(M.ingestDetections, { testSessionId: randomUUID(), detections: [detection()] });
      expect(e.extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'testSessionId' });
      expect(await rowCounts(database().db)).toEqual(before);
    });

    it('rejects more than 10,000 detections', async () => {
      const before = await rowCounts(database().db);
      const e = await h.fail(M.ingestDetections, { testSessionId: sessionId, detections: Array.from({ length: 10_001 }, () => detection()) });
      expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'detections' });
      expect(await rowCounts(database().db)).toEqual(before);
    });
  });

  describe('id lists', () => {
    it('rejects a list with a malformed id and changes nothing', async () => {
      const e = await h.fail(M.setValidationResults, { detectionIds: [existingDetection, 'nope'], result: 'TP' });
      expect(e.extensions.errors).toEqual([{ index: 1, field: 'id', reason: expect.any(String) }]);
      const [row] = await database().db.query<{ validation_result: string }>(`SELECT validation_result FROM detection_events WHERE id = $1`, [existingDetection]);
      expect(row.validation_result).toBe('PENDING');
    });
  });
});
