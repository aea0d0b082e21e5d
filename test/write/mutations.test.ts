// Each mutation's behaviour through the real schema, the cache tags it reports (after commit), and
// the access rule: a target the caller may not write answers like an unknown one.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberScope } from '../../src/auth/scope.js';
import { describeEachDatabase } from '../support/databases.js';
import { aggregateDrift, rowCounts } from '../support/aggregates.js';
import { box, createWriteHarness, detection, M, type WriteHarness } from '../support/write-harness.js';

describeEachDatabase('mutations', (database) => {
  let h: WriteHarness;
  let projectId: string;
  let videoId: string;
  /** What a committed-data check saw at invalidation time: rows visible from outside the transaction. */
  const seenAtInvalidate: number[] = [];

  beforeAll(async () => {
    const db = database().db;
    h = await createWriteHarness(db, async () => {
      seenAtInvalidate.push((await rowCounts(db)).groundTruth);
    });
    projectId = (await h.ok(M.createProject, { input: { name: 'p1', description: 'first' } })).createProject.id;
    videoId = (await h.ok(M.createVideo, { input: { projectId, filename: 'a.mp4', duration: 12.5, fileSize: 5e9 } })).createVideo.id;
  });
  afterAll(() => h?.stop());

  describe('createProject', () => {
    it('creates a project with zeroed dashboard counters and reports the project list', async () => {
      const r = await h.run(M.createProject, { input: { name: 'p2' } });
      expect(r.data!.createProject).toMatchObject({ name: 'p2', description: null, stats: { videoCount: 0 } });
      expect(r.invalidations).toHaveLength(1);
      expect(r.invalidations[0]).toContain('projects');
    });

    it('rejects an empty name with BAD_USER_INPUT', async () => {
      const e = await h.fail(M.createProject, { input: { name: '' } });
      expect(e.extensions.code).toBe('BAD_USER_INPUT');
      expect(e.extensions.errors[0]).toMatchObject({ index: 0, field: 'name' });
    });
  });

  describe('createVideo / updateVideo', () => {
    it('creates an UPLOADED video and counts it in the project stats', async () => {
      const r = await h.run(M.createVideo, { input: { projectId, filename: 'b.mp4', duration: 1, fileSize: 10 } });
      expect(r.data!.createVideo).toMatchObject({ filename: 'b.mp4', status: 'UPLOADED', fileSize: 10, groundTruthCount: 0, project: { id: projectId } });
      const id = r.data!.createVideo.id;
      expect(new Set(r.invalidations[0])).toEqual(new Set([`video:${id}`, `videos-of:${projectId}`, `project-video-counts:${projectId}`]));
      expect(await aggregateDrift(database().db)).toEqual([]);
    });

    it('takes a client id and answers CONFLICT when the id is taken', async () => {
      const id = randomUUID();
      await h.ok(M.createVideo, { input: { id, projectId, filename: 'c.mp4', duration: 1, fileSize: 1 } });
      const e = await h.fail(M.createVideo, { input: { id, projectId, filename: 'c.mp4', duration: 1, fileSize: 1 } });
      expect(e.extensions.code).toBe('CONFLICT');
    });

    it('answers NOT_FOUND for an unknown project', async () => {
      const e = await h.fail(M.createVideo, { input: { projectId: randomUUID(), filename: 'x.mp4', duration: 1, fileSize: 1 } });
      expect(e.extensions.code).toBe('NOT_FOUND');
    });

    it('rejects a fractional or negative file size', async () => {
      const e = await h.fail(M.createVideo, { input: { projectId, filename: 'x.mp4', duration: -1, fileSize: 1.5 } });
      expect(e.extensions.code).toBe('BAD_USER_INPUT');
      expect(e.extensions.errorCount).toBe(2);
    });

    it('changes only the given fields, clears processingStatus on null, and moves the status counters', async () => {
      const moved = await h.run(M.updateVideo, { id: videoId, input: { status: 'PROCESSING', processingStatus: 'decoding' } });
      // The counters' tag only when the status (what they count) was set.
      expect(new Set(moved.invalidations[0])).toEqual(new Set([`video:${videoId}`, `videos-of:${projectId}`, `project-video-counts:${projectId}`]));
      const flagged = await h.run(M.updateVideo, { id: videoId, input: { groundTruthGenerated: true } });
      expect(new Set(flagged.invalidations[0])).toEqual(new Set([`video:${videoId}`, `videos-of:${projectId}`]));
      let v = flagged.data!.updateVideo;
      expect(v).toMatchObject({ status: 'PROCESSING', processingStatus: 'decoding', groundTruthGenerated: true });
      // A field no list filters on: only the video's own tag (pages showing it carry that tag).
      const cleared = await h.run(M.updateVideo, { id: videoId, input: { processingStatus: null } });
      expect(cleared.invalidations[0]).toEqual([`video:${videoId}`]);
      v = cleared.data!.updateVideo;
      expect(v.processingStatus).toBeNull();
      const stats = await h.ok(`query($id: ID!) { project(id: $id) { stats { videosByStatus { processing uploaded } } } }`, { id: projectId });
      expect(stats.project.stats.videosByStatus.processing).toBe(1);
      expect(await aggregateDrift(database().db)).toEqual([]);
    });
  });

  describe('upsertGroundTruth', () => {
    it('inserts, then updates the same ids on retry, keeping the video counters exact', async () => {
      const objects = [box({ id: randomUUID(), confidence: 0.9 }), box({ id: randomUUID(), confidence: 0.4, validated: true }), box()];
      const first = await h.run(M.upsertGroundTruth, { videoId, objects });
      expect(first.data!.upsertGroundTruth).toEqual({ inserted: 3, updated: 0 });
      const retry = await h.ok(M.upsertGroundTruth, { videoId, objects: objects.slice(0, 2) });
      expect(retry.upsertGroundTruth).toEqual({ inserted: 0, updated: 2 });
      // Lowering the maximum confidence makes the trigger ask the index for the new maximum.
      await h.ok(M.upsertGroundTruth, { videoId, objects: [{ ...objects[0], confidence: 0.1 }] });
      const v = await h.ok(`query($id: ID!) { video(id: $id) { groundTruthCount maxConfidence } }`, { id: videoId });
      expect(v.video.groundTruthCount).toBe(3);
      expect(v.video.maxConfidence).toBeCloseTo(0.5, 5);
      expect(await aggregateDrift(database().db)).toEqual([]);
    });

    it("reports exactly the ground-truth, video and stats tags and the any-box tag (an admin's null node(id)), after commit", async () => {
      seenAtInvalidate.length = 0;
      const before = (await rowCounts(database().db)).groundTruth;
      const r = await h.run(M.upsertGroundTruth, { videoId, objects: [box(), box()] });
      // Not `videos-of`: boxes change no list's membership; pages showing the video carry its tag.
      expect(r.invalidations).toEqual([
        expect.arrayContaining([`ground-truth-of:${videoId}`, `video:${videoId}`, `project-stats:${projectId}`, 'ground-truth']),
      ]);
      expect(r.invalidations[0]).toHaveLength(4);
      // The rows were already visible to another connection when invalidate ran: committed first.
      expect(seenAtInvalidate).toEqual([before + 2]);
    });
  });

  describe('setGroundTruthValidated / deleteGroundTruth', () => {
    it('answers the number of rows whose flag changed and ignores unknown ids', async () => {
      const ids = [randomUUID(), randomUUID()];
      await h.ok(M.upsertGroundTruth, { videoId, objects: ids.map((id) => box({ id })) });
      const r = await h.run(M.setGroundTruthValidated, { ids: [...ids, randomUUID()], validated: true });
      expect(r.data!.setGroundTruthValidated).toBe(2);
      expect(r.invalidations[0]).toEqual(expect.arrayContaining([`ground-truth-of:${videoId}`, `project-stats:${projectId}`]));
      expect((await h.ok(M.setGroundTruthValidated, { ids, validated: true })).setGroundTruthValidated).toBe(0);
      expect(await aggregateDrift(database().db)).toEqual([]);
      expect((await h.ok(M.deleteGroundTruth, { ids: [...ids, ids[0]] })).deleteGroundTruth).toBe(2);
      expect((await h.ok(M.deleteGroundTruth, { ids })).deleteGroundTruth).toBe(0);
      expect(await aggregateDrift(database().db)).toEqual([]);
    });
  });

  describe('test sessions and detections', () => {
    it('creates a RUNNING session, ingests, re-ingests idempotently, sets results and completes it', async () => {
      const created = await h.run(M.createTestSession, { input: { projectId, videoId } });
      const s = created.data!.createTestSession;
      expect(new Set(created.invalidations[0])).toEqual(
        new Set([`session:${s.id}`, `sessions-of-project:${projectId}`, `sessions-of-video:${videoId}`, `project-session-counts:${projectId}`]),
      );
      expect(s).toMatchObject({ status: 'RUNNING', video: { id: videoId }, project: { id: projectId } });
      const batch = [detection({ id: randomUUID() }), detection({ id: randomUUID(), validationResult: 'TP' })];
      const first = await h.run(M.ingestDetections, { testSessionId: s.id, detections: batch });
      expect(first.data!.ingestDetections).toEqual({ inserted: 2, updated: 0 });
      expect(new Set(first.invalidations[0])).toEqual(
        new Set([`detections-of:${s.id}`, `session:${s.id}`, `project-stats:${projectId}`, 'detections']),
      );
      expect((await h.ok(M.ingestDetections, { testSessionId: s.id, detections: batch })).ingestDetections).toEqual({ inserted: 0, updated: 2 });

      const set = await h.run(M.setValidationResults, { detectionIds: batch.map((d) => d.id), result: 'FP' });
      expect(set.data!.setValidationResults).toBe(2);
      expect(set.invalidations[0]).toContain(`detections-of:${s.id}`);
      const stats = await h.ok(`query($id: ID!) { testSession(id: $id) { detectionStats { total fp tp } } }`, { id: s.id });
      expect(stats.testSession.detectionStats).toEqual({ total: 2, fp: 2, tp: 0 });

      const done = (await h.ok(M.completeTestSession, { id: s.id, status: 'COMPLETED' })).completeTestSession;
      expect(done.status).toBe('COMPLETED');
      expect(done.completedAt).toBeTruthy();
      // Repeating the same end is a no-op; a different end is a conflict.
      expect((await h.ok(M.completeTestSession, { id: s.id, status: 'COMPLETED' })).completeTestSession.status).toBe('COMPLETED');
      expect((await h.fail(M.completeTestSession, { id: s.id, status: 'FAILED' })).extensions.code).toBe('CONFLICT');
      expect((await h.fail(M.completeTestSession, { id: s.id, status: 'RUNNING' })).extensions.code).toBe('BAD_USER_INPUT');
      expect(await aggregateDrift(database().db)).toEqual([]);
    });

    it('refuses a session on a video of another project as an unknown video', async () => {
      const other = (await h.ok(M.createProject, { input: { name: 'other' } })).createProject.id;
      const e = await h.fail(M.createTestSession, { input: { projectId: other, videoId } });
      expect(e.extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'input.videoId' });
    });
  });

  describe('deleteVideo', () => {
    it('cascades to ground truth, sessions and detections, keeps project stats exact and reports every cascaded tag', async () => {
      const id = (await h.ok(M.createVideo, { input: { projectId, filename: 'gone.mp4', duration: 1, fileSize: 1 } })).createVideo.id;
      await h.ok(M.upsertGroundTruth, { videoId: id, objects: [box({ validated: true }), box()] });
      const s = (await h.ok(M.createTestSession, { input: { projectId, videoId: id } })).createTestSession.id;
      await h.ok(M.ingestDetections, { testSessionId: s, detections: [detection({ validationResult: 'TP' }), detection()] });
      const r = await h.run(M.deleteVideo, { id });
      expect(r.data!.deleteVideo).toBe(true);
      expect(r.invalidations[0]).toEqual(
        expect.arrayContaining([
          `video:${id}`, `ground-truth-of:${id}`, `sessions-of-video:${id}`, `session:${s}`, `detections-of:${s}`,
          `project-stats:${projectId}`, `project-video-counts:${projectId}`, `project-session-counts:${projectId}`, `videos-of:${projectId}`,
        ]),
      );
      const [{ n }] = await database().db.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM ground_truth_objects WHERE video_id = $1) + (SELECT count(*) FROM test_sessions WHERE video_id = $1) AS n`,
        [id],
      );
      expect(Number(n)).toBe(0);
      expect(await aggregateDrift(database().db)).toEqual([]);
      expect((await h.fail(M.deleteVideo, { id })).extensions.code).toBe('NOT_FOUND');
    });
  });

  describe('access', () => {
    it('treats a project the caller may only read like an unknown one, and writes nothing', async () => {
      const reader = memberScope([projectId], []);
      const before = await rowCounts(database().db);
      const gtIds = (await database().db.query<{ id: string }>(`SELECT id FROM ground_truth_objects WHERE video_id = $1`, [videoId])).map((r) => r.id);
      expect((await h.fail(M.createVideo, { input: { projectId, filename: 'x.mp4', duration: 1, fileSize: 1 } }, reader)).extensions.code).toBe('NOT_FOUND');
      expect((await h.fail(M.updateVideo, { id: videoId, input: { status: 'FAILED' } }, reader)).extensions.code).toBe('NOT_FOUND');
      expect((await h.fail(M.deleteVideo, { id: videoId }, reader)).extensions.code).toBe('NOT_FOUND');
      expect((await h.fail(M.upsertGroundTruth, { videoId, objects: [box()] }, reader)).extensions.code).toBe('NOT_FOUND');
      expect((await h.ok(M.deleteGroundTruth, { ids: gtIds }, reader)).deleteGroundTruth).toBe(0);
      expect((await h.fail(M.createTestSession, { input: { projectId, videoId } }, reader)).extensions.code).toBe('NOT_FOUND');
      expect(await rowCounts(database().db)).toEqual(before);
      // A writer of the project may.
      const writer = memberScope([], [projectId]);
      expect((await h.ok(M.upsertGroundTruth, { videoId, objects: [box()] }, writer)).upsertGroundTruth.inserted).toBe(1);
    });
  });
});
