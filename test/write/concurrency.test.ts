// Overlapping batches sent at the same time all succeed, with no deadlock and no lost update: every
// write locks the parent row first, rows in id order, and project_stats last (in the triggers).
// Meaningful on PostgreSQL, where the calls run on separate connections; PGlite runs them in turn.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { aggregateDrift } from '../support/aggregates.js';
import { box, createWriteHarness, detection, M, type WriteHarness } from '../support/write-harness.js';

describeEachDatabase('concurrent writes', (database, kind) => {
  let h: WriteHarness;
  let projectId: string;
  const videos: string[] = [];
  const sessions: string[] = [];

  beforeAll(async () => {
    h = await createWriteHarness(database().db);
    projectId = (await h.ok(M.createProject, { input: { name: 'concurrency' } })).createProject.id;
    for (let i = 0; i < 2; i++) {
      const v = (await h.ok(M.createVideo, { input: { projectId, filename: `v${i}.mp4`, duration: 1, fileSize: 1 } })).createVideo.id;
      videos.push(v);
      sessions.push((await h.ok(M.createTestSession, { input: { projectId, videoId: v } })).createTestSession.id);
    }
  });
  afterAll(() => h?.stop());

  const size = kind === 'postgres' ? 6000 : 1500;
  const ids = Array.from({ length: size + size / 3 }, () => randomUUID());
  // Two batches sharing a third of their ids.
  const [aIds, bIds] = [ids.slice(0, size), ids.slice(size / 3 * 1)];

  it('two overlapping ingestDetections batches for one session both succeed, and the last writer wins whole', async () => {
    const a = aIds.map((id) => detection({ id, confidence: 0.25, validationResult: 'TP' }));
    const b = bIds.map((id) => detection({ id, confidence: 0.75, validationResult: 'FP' }));
    const [ra, rb] = await Promise.all([
      h.run(M.ingestDetections, { testSessionId: sessions[0], detections: a }),
      h.run(M.ingestDetections, { testSessionId: sessions[0], detections: b }),
    ]);
    expect(ra.errors).toBeUndefined();
    expect(rb.errors).toBeUndefined();
    const [x, y] = [ra.data!.ingestDetections, rb.data!.ingestDetections];
    const overlap = aIds.length + bIds.length - new Set([...aIds, ...bIds]).size;
    expect(x.inserted + y.inserted).toBe(new Set([...aIds, ...bIds]).size);
    expect(x.updated + y.updated).toBe(overlap);
    // The shared rows all carry the values of the batch that committed second: no mix, no loss.
    const shared = await database().db.query<{ c: number; r: string; n: number }>(
      `SELECT confidence AS c, validation_result AS r, count(*)::int AS n FROM detection_events
       WHERE id = ANY($1::uuid[]) GROUP BY 1, 2`,
      [`{${aIds.filter((id) => bIds.includes(id)).join(',')}}`],
    );
    expect(shared).toHaveLength(1);
    expect(shared[0].n).toBe(overlap);
    const second = x.updated > 0 ? 'TP' : 'FP';
    expect(shared[0].r).toBe(second);
    expect(await aggregateDrift(database().db)).toEqual([]);
  });

  it('two overlapping upsertGroundTruth batches for one video both succeed with exact counters', async () => {
    const a = aIds.map((id) => box({ id, confidence: 0.25, validated: true }));
    const b = bIds.map((id) => box({ id, confidence: 0.75 }));
    const results = await Promise.all([
      h.run(M.upsertGroundTruth, { videoId: videos[0], objects: a }),
      h.run(M.upsertGroundTruth, { videoId: videos[0], objects: b }),
    ]);
    for (const r of results) expect(r.errors).toBeUndefined();
    const total = results.reduce((n, r) => n + r.data!.upsertGroundTruth.inserted, 0);
    expect(total).toBe(new Set([...aIds, ...bIds]).size);
    const v = await h.ok(`query($id: ID!) { video(id: $id) { groundTruthCount maxConfidence } }`, { id: videos[0] });
    expect(v.video.groundTruthCount).toBe(total);
    expect(await aggregateDrift(database().db)).toEqual([]);
  });

  it('many crossing writes on two sessions, two videos and one project finish without a deadlock', async () => {
    const det = (await database().db.query<{ id: string }>(`SELECT id FROM detection_events ORDER BY id LIMIT 400`)).map((r) => r.id);
    const gt = (await database().db.query<{ id: string }>(`SELECT id FROM ground_truth_objects ORDER BY id LIMIT 400`)).map((r) => r.id);
    for (let round = 0; round < 3; round++) {
      const calls = [
        h.run(M.ingestDetections, { testSessionId: sessions[0], detections: Array.from({ length: 300 }, () => detection()) }),
        h.run(M.ingestDetections, { testSessionId: sessions[1], detections: Array.from({ length: 300 }, () => detection()) }),
        h.run(M.setValidationResults, { detectionIds: det, result: 'FN' }),
        h.run(M.setValidationResults, { detectionIds: [...det].reverse(), result: 'TP' }),
        h.run(M.upsertGroundTruth, { videoId: videos[0], objects: Array.from({ length: 300 }, () => box()) }),
        h.run(M.upsertGroundTruth, { videoId: videos[1], objects: Array.from({ length: 300 }, () => box()) }),
        h.run(M.setGroundTruthValidated, { ids: gt, validated: round % 2 === 0 }),
        h.run(M.setGroundTruthValidated, { ids: [...gt].reverse(), validated: round % 2 === 1 }),
        h.run(M.updateVideo, { id: videos[1], input: { status: round % 2 ? 'PROCESSING' : 'COMPLETED' } }),
        h.run(M.createVideo, { input: { projectId, filename: `extra${round}.mp4`, duration: 1, fileSize: 1 } }),
      ];
      const results = await Promise.all(calls);
      expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    }
    expect(await aggregateDrift(database().db)).toEqual([]);
  });

  it('a session completed while a batch is queued behind it rejects the batch cleanly', async () => {
    const s = (await h.ok(M.createTestSession, { input: { projectId, videoId: videos[1] } })).createTestSession.id;
    const [ingest, complete] = await Promise.all([
      h.run(M.ingestDetections, { testSessionId: s, detections: Array.from({ length: 2000 }, () => detection()) }),
      h.run(M.completeTestSession, { id: s, status: 'COMPLETED' }),
    ]);
    expect(complete.errors).toBeUndefined();
    const [{ n }] = await database().db.query<{ n: number }>(`SELECT count(*)::int AS n FROM detection_events WHERE test_session_id = $1`, [s]);
    // Either the batch went in before the session ended, or it was refused whole.
    if (ingest.errors) {
      expect(ingest.errors[0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(n).toBe(0);
    } else {
      expect(n).toBe(2000);
    }
    expect(await aggregateDrift(database().db)).toEqual([]);
  });
});
