// The read contract of schema.graphql, through HTTP: ordering, keyset pagination, filters, counts,
// back-references and argument errors — under both executors (graphql-jit, the default, and graphql-js),
// which must answer identically, errors and extensions included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { insertDetections, insertGroundTruth, insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import { createTestApp, dataOf, type TestApp } from '../support/test-app.js';

describeEachDatabase('read path', (database) => {
  const apps = new Map<string, TestApp>();
  const ids = {} as { projectA: string; projectB: string; videoA1: string; videoA2: string; tieVideos: string[]; session: string; emptyVideo: string };

  beforeAll(async () => {
    const db = database().db;
    ids.projectA = await insertProject(db, { name: 'A', createdAt: '2026-01-01T00:00:00Z' });
    ids.projectB = await insertProject(db, { name: 'B', createdAt: '2026-02-01T00:00:00Z' });
    ids.videoA1 = await insertVideo(db, ids.projectA, { createdAt: '2026-03-01T00:00:00Z', status: 'completed', groundTruthGenerated: true });
    ids.videoA2 = await insertVideo(db, ids.projectA, { createdAt: '2026-03-02T00:00:00Z', status: 'processing' });
    // Three videos sharing one created_at: the id breaks the tie, so pages never skip or repeat them.
    ids.tieVideos = [];
    for (let i = 0; i < 3; i++) ids.tieVideos.push(await insertVideo(db, ids.projectA, { createdAt: '2026-02-15T10:00:00.123456Z', status: 'uploaded' }));
    ids.emptyVideo = await insertVideo(db, ids.projectB, { createdAt: '2026-03-05T00:00:00Z' });
    await insertGroundTruth(db, ids.videoA1, [
      { frame_number: 2, confidence: 0.5, class_label: 'car', validated: true },
      { frame_number: 1, confidence: 0.4, class_label: 'car' },
      { frame_number: 1, confidence: 0.9, class_label: 'bus', validated: true },
      { frame_number: 3, confidence: 0.2, class_label: 'car' },
      { frame_number: 5, confidence: 0.95, class_label: 'dog' },
    ]);
    ids.session = await insertTestSession(db, ids.projectA, ids.videoA1, { status: 'completed' });
    await insertDetections(db, ids.session, [
      { frame_number: 3, timestamp: 0.3, confidence: 0.8, validation_result: 'TP', class_label: 'car' },
      { frame_number: 1, timestamp: 0.1, confidence: 0.2, validation_result: 'FP', class_label: 'car' },
      { frame_number: 2, timestamp: 0.2, confidence: 0.6, validation_result: 'PENDING', class_label: 'bus' },
      { frame_number: 4, timestamp: 0.4, confidence: 0.9, validation_result: 'TP', class_label: 'car' },
    ]);
    for (const executor of ['jit', 'graphql-js']) apps.set(executor, await createTestApp(db, { EXECUTOR: executor }));
  });
  afterAll(async () => {
    for (const app of apps.values()) await app.close();
  });

  describe.each(['jit', 'graphql-js'])('executor %s', (executor) => {
    const q = (query: string, variables?: Record<string, unknown>) => apps.get(executor)!.execute(query, variables);

    describe('Query.projects', () => {
      it('lists projects newest first with totalCount, and pages through them with cursors', async () => {
        const first = dataOf(await q('{ projects(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { name createdAt } } }'));
        expect(first.projects.totalCount).toBe(2);
        expect(first.projects.nodes).toEqual([{ name: 'B', createdAt: '2026-02-01T00:00:00.000Z' }]);
        expect(first.projects.pageInfo.hasNextPage).toBe(true);
        const second = dataOf(await q('query($a: String) { projects(first: 1, after: $a) { pageInfo { hasNextPage } edges { cursor node { name } } } }', { a: first.projects.pageInfo.endCursor }));
        expect(second.projects.edges.map((e: any) => e.node.name)).toEqual(['A']);
        expect(second.projects.pageInfo.hasNextPage).toBe(false);
      });
    });

    describe('Project.videos', () => {
      it('orders videos newest first with the id breaking ties, across pages without gaps or repeats', async () => {
        const seen: string[] = [];
        let after: string | null = null;
        do {
          const data: any = dataOf(await q('query($p: ID!, $a: String) { project(id: $p) { videos(first: 2, after: $a) { totalCount pageInfo { hasNextPage endCursor } nodes { id createdAt } } } }', { p: ids.projectA, a: after }));
          const page = data.project.videos;
          expect(page.totalCount).toBe(5);
          seen.push(...page.nodes.map((n: any) => n.id));
          after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        } while (after);
        const ties = [...ids.tieVideos].sort().reverse();
        expect(seen).toEqual([ids.videoA2, ids.videoA1, ...ties]);
      });

      it('filters by status and by groundTruthGenerated, with matching totalCount', async () => {
        const data = dataOf(await q(`query($p: ID!) { project(id: $p) {
          uploaded: videos(status: UPLOADED) { totalCount nodes { status } }
          generated: videos(groundTruthGenerated: true) { totalCount nodes { id } } } }`, { p: ids.projectA }));
        expect(data.project.uploaded.totalCount).toBe(3);
        expect(data.project.uploaded.nodes.every((n: any) => n.status === 'UPLOADED')).toBe(true);
        expect(data.project.generated).toEqual({ totalCount: 1, nodes: [{ id: ids.videoA1 }] });
      });
    });

    describe('Video', () => {
      it('carries maintained groundTruthCount and maxConfidence, null max without boxes', async () => {
        const data = dataOf(await q('query($a: ID!, $e: ID!) { a: video(id: $a) { groundTruthCount maxConfidence } e: video(id: $e) { groundTruthCount maxConfidence } }', { a: ids.videoA1, e: ids.emptyVideo }));
        expect(data.a).toEqual({ groundTruthCount: 5, maxConfidence: 0.95 });
        expect(data.e).toEqual({ groundTruthCount: 0, maxConfidence: null });
      });

      it('orders boxes by frame, then by confidence descending, hiding those under minConfidence 0.3 by default', async () => {
        const data = dataOf(await q('query($v: ID!) { video(id: $v) { groundTruth { totalCount nodes { frameNumber confidence classLabel bboxArea } } } }', { v: ids.videoA1 }));
        expect(data.video.groundTruth.totalCount).toBe(4);
        expect(data.video.groundTruth.nodes.map((n: any) => [n.frameNumber, n.confidence])).toEqual([[1, 0.9], [1, 0.4], [2, 0.5], [5, 0.95]]);
        expect(data.video.groundTruth.nodes[0].bboxArea).toBe(30 * 40);
      });

      it('gives a box read by id the same area and a detection read by id the same box as on their pages', async () => {
        const pages = dataOf(await q(`query($v: ID!, $s: ID!) {
          video(id: $v) { groundTruth(minConfidence: 0) { nodes { id width height bboxArea } } }
          testSession(id: $s) { detections { nodes { id boundingBox { x y width height } } } } }`, { v: ids.videoA1, s: ids.session }));
        const boxes = pages.video.groundTruth.nodes;
        const detections = pages.testSession.detections.nodes;
        expect(boxes.length).toBeGreaterThan(0);
        expect(detections.length).toBeGreaterThan(0);
        for (const b of boxes) expect(b.bboxArea).toBe(b.width * b.height);
        const byId = dataOf(await q('query($ids: [ID!]!) { nodes(ids: $ids) { id ... on GroundTruthObject { width height bboxArea } ... on DetectionEvent { boundingBox { x y width height } } } }', {
          ids: [...boxes.map((b: any) => b.id), ...detections.map((d: any) => d.id)],
        }));
        expect(byId.nodes).toEqual([...boxes, ...detections]);
      });

      it('filters boxes by class, validated and frame range, and pages through them', async () => {
        const data = dataOf(await q(`query($v: ID!) { video(id: $v) {
          cars: groundTruth(classLabel: "car", minConfidence: 0) { nodes { frameNumber } }
          validated: groundTruth(validated: true) { nodes { classLabel } }
          range: groundTruth(fromFrame: 2, toFrame: 4, minConfidence: 0) { nodes { frameNumber } }
          page: groundTruth(first: 2) { pageInfo { hasNextPage endCursor } nodes { frameNumber confidence } } } }`, { v: ids.videoA1 }));
        expect(data.video.cars.nodes.map((n: any) => n.frameNumber)).toEqual([1, 2, 3]);
        expect(data.video.validated.nodes.map((n: any) => n.classLabel)).toEqual(['bus', 'car']);
        expect(data.video.range.nodes.map((n: any) => n.frameNumber)).toEqual([2, 3]);
        const next = dataOf(await q('query($v: ID!, $a: String) { video(id: $v) { groundTruth(first: 2, after: $a) { pageInfo { hasNextPage } nodes { frameNumber confidence } } } }', { v: ids.videoA1, a: data.video.page.pageInfo.endCursor }));
        expect([...data.video.page.nodes, ...next.video.groundTruth.nodes].map((n: any) => [n.frameNumber, n.confidence])).toEqual([[1, 0.9], [1, 0.4], [2, 0.5], [5, 0.95]]);
        expect(next.video.groundTruth.pageInfo.hasNextPage).toBe(false);
      });

      it('computes groundTruthStats over boxes above minConfidence, with validationRate 0 for no boxes', async () => {
        const data = dataOf(await q('query($a: ID!, $e: ID!) { a: video(id: $a) { groundTruthStats { totalObjects avgConfidence uniqueClasses validatedCount validationRate } } e: video(id: $e) { groundTruthStats { totalObjects validationRate } } }', { a: ids.videoA1, e: ids.emptyVideo }));
        expect(data.a.groundTruthStats.totalObjects).toBe(4);
        expect(data.a.groundTruthStats.avgConfidence).toBeCloseTo((0.9 + 0.4 + 0.5 + 0.95) / 4, 5);
        expect(data.a.groundTruthStats.uniqueClasses).toBe(3);
        expect(data.a.groundTruthStats.validatedCount).toBe(2);
        expect(data.a.groundTruthStats.validationRate).toBe(50);
        expect(data.e.groundTruthStats).toEqual({ totalObjects: 0, validationRate: 0 });
      });

      it('reaches its project and its test sessions', async () => {
        const data = dataOf(await q('query($v: ID!) { video(id: $v) { project { name } testSessions { id status } completed: testSessions(status: RUNNING) { id } } }', { v: ids.videoA1 }));
        expect(data.video).toEqual({ project: { name: 'A' }, testSessions: [{ id: ids.session, status: 'COMPLETED' }], completed: [] });
      });
    });

    describe('TestSession', () => {
      it('orders detections by timestamp, filters them, and counts them per validation result', async () => {
        const data = dataOf(await q(`query($s: ID!) { testSession(id: $s) {
          video { id } project { id }
          detectionStats { total tp fp fn pending }
          all: detections { totalCount nodes { timestamp validationResult boundingBox { x y width height } } }
          confident: detections(minConfidence: 0.5, classLabel: "car") { totalCount nodes { frameNumber } }
          tp: detections(validationResult: TP) { totalCount }
          page: detections(first: 3) { pageInfo { hasNextPage endCursor } } } }`, { s: ids.session }));
        const s = data.testSession;
        expect(s.video.id).toBe(ids.videoA1);
        expect(s.project.id).toBe(ids.projectA);
        expect(s.detectionStats).toEqual({ total: 4, tp: 2, fp: 1, fn: 0, pending: 1 });
        expect(s.all.nodes.map((n: any) => n.timestamp)).toEqual([0.1, 0.2, 0.3, 0.4]);
        expect(s.all.nodes[0].boundingBox).toEqual({ x: 1, y: 2, width: 3, height: 4 });
        expect(s.confident).toEqual({ totalCount: 2, nodes: [{ frameNumber: 3 }, { frameNumber: 4 }] });
        expect(s.tp.totalCount).toBe(2);
        const rest = dataOf(await q('query($s: ID!, $a: String) { testSession(id: $s) { detections(first: 3, after: $a) { nodes { timestamp testSession { id } } } } }', { s: ids.session, a: s.page.pageInfo.endCursor }));
        expect(rest.testSession.detections.nodes).toEqual([{ timestamp: 0.4, testSession: { id: ids.session } }]);
      });
    });

    describe('Project.stats', () => {
      it('gives the dashboard counters', async () => {
        const data = dataOf(await q(`query($p: ID!) { project(id: $p) { stats { videoCount groundTruthTotal groundTruthValidated
          videosByStatus { uploaded processing completed failed } testSessionsByStatus { running completed failed }
          detectionsByResult { total tp fp fn pending } } testSessions { totalCount nodes { id } } } }`, { p: ids.projectA }));
        expect(data.project.stats).toEqual({
          videoCount: 5, groundTruthTotal: 5, groundTruthValidated: 2,
          videosByStatus: { uploaded: 3, processing: 1, completed: 1, failed: 0 },
          testSessionsByStatus: { running: 0, completed: 1, failed: 0 },
          detectionsByResult: { total: 4, tp: 2, fp: 1, fn: 0, pending: 1 },
        });
        expect(data.project.testSessions).toEqual({ totalCount: 1, nodes: [{ id: ids.session }] });
      });
    });

    describe('arguments', () => {
      it('answers null for an unknown id', async () => {
        const data = dataOf(await q('{ project(id: "00000000-0000-4000-8000-000000000000") { id } video(id: "00000000-0000-4000-8000-000000000000") { id } }'));
        expect(data).toEqual({ project: null, video: null });
      });

      it.each([
        ['first above its maximum', '{ projects(first: 101) { totalCount } }', 'first'],
        ['first below 1', '{ projects(first: 0) { totalCount } }', 'first'],
        ['a forged cursor', '{ projects(after: "bm90LWEtY3Vyc29y") { totalCount } }', 'after'],
        ['a cursor of another list', `{ video(id: "VID") { groundTruth(after: "CUR") { totalCount } } }`, 'after'],
        ['a malformed id', '{ video(id: "42") { id } }', 'id'],
        ['minConfidence above 1', `{ video(id: "VID") { groundTruth(minConfidence: 1.5) { totalCount } } }`, 'minConfidence'],
        ['ground truth first above 10,000', `{ video(id: "VID") { groundTruth(first: 10001) { totalCount } } }`, 'first'],
        ['a negative frame', `{ video(id: "VID") { groundTruth(fromFrame: -1) { totalCount } } }`, 'fromFrame'],
      ])('rejects %s with BAD_USER_INPUT naming the argument', async (_, query, argument) => {
        const projectCursor = dataOf(await q('{ projects(first: 1) { pageInfo { endCursor } } }')).projects.pageInfo.endCursor;
        const res = await q(query.replace('VID', ids.videoA1).replace('CUR', projectCursor));
        expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
        expect(res.body.errors?.[0].extensions?.argument).toBe(argument);
      });
    });
  });
});
