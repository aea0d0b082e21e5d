// The response cache through HTTP on real databases and real Redis (and the in-process store):
// hits and misses, exact invalidation, key canonicalization, scope isolation, errors, the
// read/write race, single-flight, and two server instances sharing one Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.js';
import { insertGroundTruth, insertProject, insertTestSession, insertVideo } from '../support/factories.js';
import { createTestApp, dataOf, type GraphQLResponse, type TestApp } from '../support/test-app.js';
import { redisUrl, removePrefix, uniquePrefix } from '../support/redis.js';
import type { Db } from '../../src/db/client.js';
import { tags } from '../../src/cache/cache-tags.js';
import {
  asMember,
  cacheKinds,
  groundTruthQuery,
  groundTruthWriteTags,
  patientRedis,
  scopeFromHeader,
  storeGate,
  videoListQuery,
} from './cache-fixtures.js';

const xcache = (r: GraphQLResponse) => r.headers.get('x-cache');
const statements = (r: GraphQLResponse) => Number(r.headers.get('x-sql-statements'));

async function projectWithVideo(db: Db, boxes = 1) {
  const projectId = await insertProject(db);
  const videoId = await insertVideo(db, projectId);
  await insertGroundTruth(db, videoId, Array.from({ length: boxes }, (_, f) => ({ frame_number: f, confidence: 0.9 })));
  return { projectId, videoId };
}

describeEachDatabase('response cache', (database) => {
  for (const kind of cacheKinds('response-cache')) {
    describe(`${kind.name} store`, () => {
      let app: TestApp;
      let db: Db;
      const gate = storeGate();
      beforeAll(async () => {
        db = database().db;
        app = await createTestApp(db, kind.env, { scopeFor: scopeFromHeader, cacheHooks: gate.hooks });
        expect(app.app.cache.state()).toBe(kind.name === 'redis' ? 'redis-up' : 'memory');
      });
      afterAll(async () => {
        await app?.close();
        await kind.cleanup();
      });

      it('answers a repeated query from the cache without SQL, with the same body', async () => {
        const { projectId } = await projectWithVideo(db);
        const miss = await app.execute(videoListQuery, { projectId });
        const hit = await app.execute(videoListQuery, { projectId });
        expect(xcache(miss)).toBe('MISS');
        expect(statements(miss)).toBeGreaterThan(0);
        expect(xcache(hit)).toBe('HIT');
        expect(statements(hit)).toBe(0);
        expect(hit.body).toEqual(miss.body);
        expect(dataOf(hit).project.videos.totalCount).toBe(1);
      });

      it('tags a response with the dashboard counters only when it shows them', async () => {
        // Project rows bring their counters along (one statement); the tag must still follow use.
        const { projectId } = await projectWithVideo(db);
        const withStats = `query($id: ID!) { project(id: $id) { name stats { groundTruthTotal } } }`;
        const withoutStats = `query($id: ID!) { project(id: $id) { name } }`;
        for (const q of [withStats, withoutStats]) {
          expect(xcache(await app.execute(q, { id: projectId }))).toBe('MISS');
          expect(xcache(await app.execute(q, { id: projectId }))).toBe('HIT');
        }
        await db.query(`UPDATE project_stats SET ground_truth_total = ground_truth_total + 41 WHERE project_id = $1`, [projectId]);
        await app.app.cache.invalidate([tags.projectStats(projectId)]);
        const fresh = await app.execute(withStats, { id: projectId });
        expect(xcache(fresh)).toBe('MISS');
        expect(dataOf(fresh).project.stats.groundTruthTotal).toBe(42);
        expect(xcache(await app.execute(withoutStats, { id: projectId }))).toBe('HIT');
      });

      it('serves a hit as the stored bytes, identical to the response that filled it', async () => {
        const { projectId } = await projectWithVideo(db);
        const raw = () =>
          fetch(app.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${app.adminKey}` },
            body: JSON.stringify({ query: videoListQuery, variables: { projectId } }),
          });
        const miss = await raw();
        const missText = await miss.text();
        const hit = await raw();
        expect(miss.headers.get('x-cache')).toBe('MISS');
        expect(hit.headers.get('x-cache')).toBe('HIT');
        expect(hit.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await hit.text()).toBe(missText);
      });

      it('serves a cached GET that carries the key, with or without a preflight header (CSRF cases: test/http/get-requests.test.ts)', async () => {
        const { projectId } = await projectWithVideo(db);
        await app.execute(videoListQuery, { projectId });
        const params = new URLSearchParams({ query: videoListQuery, variables: JSON.stringify({ projectId }) });
        const authorization = `Bearer ${app.adminKey}`;
        const keyOnly = await fetch(`${app.url}?${params}`, { headers: { authorization } });
        expect(keyOnly.headers.get('x-cache')).toBe('HIT');
        const withPreflight = await fetch(`${app.url}?${params}`, { headers: { 'apollo-require-preflight': '1', authorization } });
        expect(withPreflight.headers.get('x-cache')).toBe('HIT');
        expect(await withPreflight.text()).toBe(await keyOnly.text());
      });

      it('misses after a related write is invalidated, then serves the new data', async () => {
        const { projectId, videoId } = await projectWithVideo(db);
        await app.execute(groundTruthQuery, { videoId });
        expect(xcache(await app.execute(groundTruthQuery, { videoId }))).toBe('HIT');
        await insertGroundTruth(db, videoId, [{ frame_number: 7, confidence: 0.8 }]);
        await app.app.cache.invalidate(groundTruthWriteTags(projectId, videoId));
        const after = await app.execute(groundTruthQuery, { videoId });
        expect(xcache(after)).toBe('MISS');
        expect(dataOf(after).video.groundTruth.totalCount).toBe(2);
        expect(xcache(await app.execute(groundTruthQuery, { videoId }))).toBe('HIT');
      });

      it('keeps entries of unrelated entities: a write to video A leaves project B pages cached', async () => {
        const a = await projectWithVideo(db);
        const b = await projectWithVideo(db);
        await app.execute(videoListQuery, { projectId: b.projectId });
        await app.execute(groundTruthQuery, { videoId: b.videoId });
        await app.execute(videoListQuery, { projectId: a.projectId });
        await insertGroundTruth(db, a.videoId, [{ frame_number: 3, confidence: 0.5 }]);
        await app.app.cache.invalidate(groundTruthWriteTags(a.projectId, a.videoId));
        expect(xcache(await app.execute(videoListQuery, { projectId: b.projectId }))).toBe('HIT');
        expect(xcache(await app.execute(groundTruthQuery, { videoId: b.videoId }))).toBe('HIT');
        const aList = await app.execute(videoListQuery, { projectId: a.projectId });
        expect(xcache(aList)).toBe('MISS');
        expect(dataOf(aList).project.videos.nodes[0].groundTruthCount).toBe(2);
      });

      it('drops a video page when a video it shows changes, not when another video of the project does', async () => {
        const projectId = await insertProject(db);
        const hidden = await insertVideo(db, projectId, { createdAt: '2026-01-01T00:00:00Z' });
        const shown = await insertVideo(db, projectId, { createdAt: '2026-01-02T00:00:00Z' });
        const page = `query($projectId: ID!, $status: VideoStatus) {
          project(id: $projectId) { videos(first: 1, status: $status) { totalCount nodes { id processingStatus groundTruthCount } } } }`;
        const failedPage = { projectId, status: 'FAILED' };
        const read = async (variables: Record<string, unknown> = { projectId }) => {
          const r = await app.execute(page, variables);
          return { cache: xcache(r), total: dataOf(r).project.videos.totalCount, nodes: dataOf(r).project.videos.nodes };
        };
        const write = async (query: string, variables: Record<string, unknown>) => {
          const r = await app.execute(query, variables);
          expect(r.body.errors).toBeUndefined();
        };
        const setProcessing = `mutation($id: ID!, $p: String) { updateVideo(id: $id, input: { processingStatus: $p }) { id } }`;
        const addBox = `mutation($videoId: ID!) {
          upsertGroundTruth(videoId: $videoId, objects: [{ frameNumber: 1, timestamp: 0.1, classLabel: "car", confidence: 0.9, x: 0, y: 0, width: 1, height: 1 }]) { inserted } }`;

        expect(await read()).toEqual({ cache: 'MISS', total: 2, nodes: [{ id: shown, processingStatus: null, groundTruthCount: 0 }] });
        expect((await read(failedPage)).nodes).toEqual([]);
        // Field changes of a video the page does not show keep it, though boxes move the project's box
        // total: the page's totalCount reads only the project's video counters.
        await write(setProcessing, { id: hidden, p: 'transcoding' });
        await write(addBox, { videoId: hidden });
        expect((await read()).cache).toBe('HIT');
        expect((await read(failedPage)).cache).toBe('HIT');
        // A field change of the video it shows drops it.
        await write(setProcessing, { id: shown, p: 'transcoding' });
        expect(await read()).toEqual({ cache: 'MISS', total: 2, nodes: [{ id: shown, processingStatus: 'transcoding', groundTruthCount: 0 }] });
        await write(addBox, { videoId: shown });
        expect(await read()).toEqual({ cache: 'MISS', total: 2, nodes: [{ id: shown, processingStatus: 'transcoding', groundTruthCount: 1 }] });
        // A status change moves the hidden video into a filtered list: the list itself is dropped.
        expect((await read(failedPage)).cache).toBe('HIT');
        await write(`mutation($id: ID!) { updateVideo(id: $id, input: { status: FAILED }) { id } }`, { id: hidden });
        expect(await read(failedPage)).toEqual({ cache: 'MISS', total: 1, nodes: [{ id: hidden, processingStatus: 'transcoding', groundTruthCount: 1 }] });
        // A new video changes the list and its count.
        const created = await app.execute(`mutation($p: ID!) { createVideo(input: { projectId: $p, filename: "new.mp4", duration: 1, fileSize: 1 }) { id } }`, { p: projectId });
        expect(created.body.errors).toBeUndefined();
        expect(await read()).toMatchObject({ cache: 'MISS', total: 3, nodes: [{ id: dataOf(created).createVideo.id }] });
      });

      it('drops the session lists that show a session when detections are written to it, and only those', async () => {
        const { projectId, videoId } = await projectWithVideo(db);
        const older = await insertTestSession(db, projectId, videoId, { startedAt: '2026-01-01T00:00:00Z' });
        const newer = await insertTestSession(db, projectId, videoId, { startedAt: '2026-01-02T00:00:00Z' });
        const lists = `query($projectId: ID!, $videoId: ID!) {
          project(id: $projectId) { testSessions(first: 1) { nodes { id detectionStats { total } } } }
          video(id: $videoId) { testSessions { id detectionStats { total } } } }`;
        const read = async () => {
          const r = await app.execute(lists, { projectId, videoId });
          const d = dataOf(r);
          return { cache: xcache(r), page: d.project.testSessions.nodes, ofVideo: d.video.testSessions };
        };
        const ingest = async (sessionId: string) => {
          const r = await app.execute(
            `mutation($s: ID!) { ingestDetections(testSessionId: $s, detections: [{ frameNumber: 1, timestamp: 0.1, classLabel: "car",
              confidence: 0.9, boundingBox: { x: 0, y: 0, width: 1, height: 1 } }]) { inserted } }`,
            { s: sessionId },
          );
          expect(r.body.errors).toBeUndefined();
        };
        expect((await read()).cache).toBe('MISS');
        expect((await read()).cache).toBe('HIT');
        // The project page shows only the newer session; the video's list shows both.
        // With totalCount: read from the project's session counters, which detections do not move.
        const projectPage = `query($projectId: ID!) { project(id: $projectId) { testSessions(first: 1) { totalCount nodes { id detectionStats { total } } } } }`;
        expect(xcache(await app.execute(projectPage, { projectId }))).toBe('MISS');
        await ingest(older);
        expect(xcache(await app.execute(projectPage, { projectId }))).toBe('HIT');
        const after = await read();
        expect(after.cache).toBe('MISS');
        expect(after.ofVideo.map((s: { detectionStats: { total: number } }) => s.detectionStats.total).sort()).toEqual([0, 1]);
        await ingest(newer);
        const page = await app.execute(projectPage, { projectId });
        expect(xcache(page)).toBe('MISS');
        expect(dataOf(page).project.testSessions).toEqual({ totalCount: 2, nodes: [{ id: newer, detectionStats: { total: 1 } }] });
        // Ending a session moves the session counters: the page's count is dropped.
        expect(xcache(await app.execute(projectPage, { projectId }))).toBe('HIT');
        const ended = await app.execute(`mutation($id: ID!) { completeTestSession(id: $id, status: COMPLETED) { id } }`, { id: older });
        expect(ended.body.errors).toBeUndefined();
        expect(xcache(await app.execute(projectPage, { projectId }))).toBe('MISS');
      });

      it('hits the same entry whatever the key order of the variables and the whitespace of the document', async () => {
        const { videoId } = await projectWithVideo(db);
        await app.execute(groundTruthQuery, { videoId, first: 5, minConfidence: 0.1 });
        const reordered = await app.execute(groundTruthQuery.replace(/\s+/g, '  '), { minConfidence: 0.1, first: 5, videoId });
        expect(xcache(reordered)).toBe('HIT');
        // Different values are a different entry.
        expect(xcache(await app.execute(groundTruthQuery, { videoId, first: 4, minConfidence: 0.1 }))).toBe('MISS');
      });

      it('never shares an entry between scopes', async () => {
        const p1 = await projectWithVideo(db);
        const p2 = await projectWithVideo(db);
        const list = `query Mine { projects(first: 100) { totalCount nodes { id } } }`;
        const admin = await app.execute(list);
        expect(xcache(admin)).toBe('MISS');
        const member = await app.execute(list, {}, asMember(p1.projectId));
        expect(xcache(member)).toBe('MISS');
        expect(dataOf(member).projects.nodes.map((n: { id: string }) => n.id)).toEqual([p1.projectId]);
        const other = await app.execute(list, {}, asMember(p2.projectId));
        expect(xcache(other)).toBe('MISS');
        expect(dataOf(other).projects.nodes.map((n: { id: string }) => n.id)).toEqual([p2.projectId]);
        expect(xcache(await app.execute(list, {}, asMember(p1.projectId)))).toBe('HIT');
        const adminAgain = await app.execute(list);
        expect(xcache(adminAgain)).toBe('HIT');
        expect(dataOf(adminAgain).projects.totalCount).toBeGreaterThanOrEqual(2);
        // A project the member may not read answers null, and that answer is the member's own.
        const foreign = await app.execute(videoListQuery, { projectId: p2.projectId }, asMember(p1.projectId));
        expect(dataOf(foreign).project).toBeNull();
        const adminView = await app.execute(videoListQuery, { projectId: p2.projectId });
        expect(xcache(adminView)).toBe('MISS');
        expect(dataOf(adminView).project.id).toBe(p2.projectId);
      });

      it('never caches a response with errors, even with partial data', async () => {
        const query = `query Partial($bad: ID!) { projects(first: 1) { totalCount } video(id: $bad) { id } }`;
        const storesBefore = app.app.cache.stats().stores;
        for (let i = 0; i < 2; i++) {
          const res = await app.execute(query, { bad: 'not-a-uuid' });
          expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
          expect(xcache(res)).toBe('MISS');
        }
        expect(app.app.cache.stats().stores).toBe(storesBefore);
      });

      it('does not store a read that overlapped a write and its invalidation (stale-store race)', async () => {
        const { projectId, videoId } = await projectWithVideo(db);
        const held = gate.arm();
        const pending = app.execute(groundTruthQuery, { videoId });
        await held.reached; // the read has executed against the old rows and is about to store
        await insertGroundTruth(db, videoId, [{ frame_number: 9, confidence: 0.7 }]);
        await app.app.cache.invalidate(groundTruthWriteTags(projectId, videoId));
        const refusedBefore = app.app.cache.stats().staleStoresRefused;
        held.release();
        const overlapped = await pending;
        expect(xcache(overlapped)).toBe('MISS');
        expect(dataOf(overlapped).video.groundTruth.totalCount).toBe(1);
        expect(app.app.cache.stats().staleStoresRefused).toBe(refusedBefore + 1);
        const next = await app.execute(groundTruthQuery, { videoId });
        expect(xcache(next)).toBe('MISS');
        expect(dataOf(next).video.groundTruth.totalCount).toBe(2);
        expect(xcache(await app.execute(groundTruthQuery, { videoId }))).toBe('HIT');
      });

      it('stores a held read when no related write happened meanwhile (the gate itself does not block)', async () => {
        const a = await projectWithVideo(db);
        const b = await projectWithVideo(db);
        const held = gate.arm();
        const pending = app.execute(groundTruthQuery, { videoId: a.videoId });
        await held.reached;
        await app.app.cache.invalidate(groundTruthWriteTags(b.projectId, b.videoId));
        held.release();
        expect(xcache(await pending)).toBe('MISS');
        expect(xcache(await app.execute(groundTruthQuery, { videoId: a.videoId }))).toBe('HIT');
      });

      it('executes N parallel identical misses once (single-flight)', async () => {
        const { videoId } = await projectWithVideo(db, 50);
        const responses = await Promise.all(Array.from({ length: 10 }, () => app.execute(groundTruthQuery, { videoId, first: 50 })));
        const misses = responses.filter((r) => xcache(r) === 'MISS');
        expect(misses).toHaveLength(1);
        expect(responses.reduce((sum, r) => sum + statements(r), 0)).toBe(statements(misses[0]));
        for (const r of responses) expect(r.body).toEqual(misses[0].body);
      });

      it('counts hits, misses, stores and invalidations for the metrics endpoint', async () => {
        const { projectId, videoId } = await projectWithVideo(db);
        const before = app.app.cache.stats();
        await app.execute(groundTruthQuery, { videoId });
        await app.execute(groundTruthQuery, { videoId });
        await app.app.cache.invalidate(groundTruthWriteTags(projectId, videoId));
        const after = app.app.cache.stats();
        expect(after.misses - before.misses).toBe(1);
        expect(after.hits - before.hits).toBe(1);
        expect(after.stores - before.stores).toBe(1);
        expect(after.invalidations - before.invalidations).toBe(1);
        expect(after.invalidatedEntries - before.invalidatedEntries).toBeGreaterThanOrEqual(1);
        expect(after.bytes).toBeGreaterThan(0);
        expect(after.errors).toBe(0);
      });

      it('bypasses mutations and documents that do not resolve to a query', async () => {
        const res = await app.execute(`mutation { __typename }`);
        expect(xcache(res)).toBe('BYPASS');
      });
    });
  }

  describe.skipIf(!redisUrl)('two server instances on one Redis (needs REDIS_URL)', () => {
    const prefix = uniquePrefix('two-instances');
    let a: TestApp;
    let b: TestApp;
    let db: Db;
    beforeAll(async () => {
      db = database().db;
      const env = { CACHE: 'on', REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: prefix, ...patientRedis };
      [a, b] = await Promise.all([createTestApp(db, env), createTestApp(db, env)]);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await removePrefix(redisUrl!, prefix);
    });

    it('shares entries: what one instance stored, the other serves', async () => {
      const { projectId } = await projectWithVideo(db);
      expect(xcache(await a.execute(videoListQuery, { projectId }))).toBe('MISS');
      expect(xcache(await b.execute(videoListQuery, { projectId }))).toBe('HIT');
    });

    it('never serves a stale read from one instance after a write acknowledged through the other', async () => {
      const { projectId, videoId } = await projectWithVideo(db);
      for (let round = 1; round <= 5; round++) {
        await b.execute(groundTruthQuery, { videoId });
        expect(xcache(await b.execute(groundTruthQuery, { videoId }))).toBe('HIT');
        // The write commits and instance A invalidates before it answers.
        await insertGroundTruth(db, videoId, [{ frame_number: 100 + round, confidence: 0.6 }]);
        await a.app.cache.invalidate(groundTruthWriteTags(projectId, videoId));
        const read = await b.execute(groundTruthQuery, { videoId });
        expect(dataOf(read).video.groundTruth.totalCount).toBe(1 + round);
        expect(xcache(read)).toBe('MISS');
      }
    });

    it('serves a large page from its local copy only while Redis holds that store as the fresh entry', async () => {
      const { projectId, videoId } = await projectWithVideo(db, 400);
      const vars = { videoId, first: 400 };
      const copiesServed = () => b.app.cache.stats().localCopyHits;
      // B stores the page (and takes its document in: hits of accepted documents take the fast path),
      // then reads the body from Redis and keeps it; its next hit reads only the entry's freshness.
      expect(xcache(await b.execute(groundTruthQuery, vars))).toBe('MISS');
      const read = await b.execute(groundTruthQuery, vars);
      expect(xcache(read)).toBe('HIT');
      expect(JSON.stringify(read.body).length).toBeGreaterThan(16 * 1024);
      const before = copiesServed();
      const copied = await b.execute(groundTruthQuery, vars);
      expect(xcache(copied)).toBe('HIT');
      expect(copiesServed()).toBe(before + 1);
      expect(copied.body).toEqual(read.body);
      for (let round = 1; round <= 3; round++) {
        // A write through A; A stores the new page; B, holding the old page's copy, serves the new one.
        await insertGroundTruth(db, videoId, [{ frame_number: 1000 + round, confidence: 0.6 }]);
        await a.app.cache.invalidate(groundTruthWriteTags(projectId, videoId));
        expect(xcache(await a.execute(groundTruthQuery, vars))).toBe('MISS');
        for (let hit = 0; hit < 2; hit++) {
          const again = await b.execute(groundTruthQuery, vars);
          expect(xcache(again)).toBe('HIT');
          expect(dataOf(again).video.groundTruth.totalCount).toBe(400 + round);
        }
      }
      expect(copiesServed()).toBe(before + 4);
    });

    it('lets a write whose client left commit and invalidate before a closing instance closes its cache', async () => {
      // The HTTP drain of a shutdown waits for connections; this client's connection is gone while its
      // write still waits in the database, and the write commits after close() began.
      const leaving = await createTestApp(db, { CACHE: 'on', REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: prefix, FAULT_INJECTION: 'true', ...patientRedis });
      const { videoId } = await projectWithVideo(db);
      const read = `query($id: ID!) { video(id: $id) { id processingStatus } }`;
      await b.execute(read, { id: videoId });
      expect(xcache(await b.execute(read, { id: videoId }))).toBe('HIT');
      const client = new AbortController();
      const sent = fetch(leaving.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${leaving.adminKey}`, 'x-fault-delay-ms': '600' },
        body: JSON.stringify({ query: `mutation($id: ID!) { updateVideo(id: $id, input: { processingStatus: "written while closing" }) { id } }`, variables: { id: videoId } }),
        signal: client.signal,
      }).catch(() => null);
      await new Promise((r) => setTimeout(r, 200));
      client.abort();
      await sent;
      await leaving.close();
      // However close() ended, once the write is committed no instance may serve the old answer.
      let committed: string | null = null;
      for (let i = 0; i < 60 && !committed; i++) {
        [{ s: committed }] = await db.query<{ s: string | null }>('SELECT processing_status AS s FROM videos WHERE id = $1', [videoId]);
        if (!committed) await new Promise((r) => setTimeout(r, 50));
      }
      expect(committed).toBe('written while closing');
      const after = await b.execute(read, { id: videoId });
      expect(dataOf(after).video.processingStatus).toBe('written while closing');
    });

    it('computes a cold key once across both instances (Redis fill lock)', async () => {
      const { videoId } = await projectWithVideo(db, 20);
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).execute(groundTruthQuery, { videoId, first: 20 })),
      );
      const misses = responses.filter((r) => xcache(r) === 'MISS');
      expect(misses).toHaveLength(1);
      expect(responses.reduce((sum, r) => sum + statements(r), 0)).toBe(statements(misses[0]));
      for (const r of responses) expect(dataOf(r).video.groundTruth.totalCount).toBe(20);
    });
  });
});

describe('CACHE=off', () => {
  it('bypasses every query and reports the cache as off', async () => {
    const { createTestDatabase } = await import('../support/databases.js');
    const database = await createTestDatabase('pglite');
    const app = await createTestApp(database.db, { CACHE: 'off' });
    try {
      const { projectId } = await projectWithVideo(database.db);
      for (let i = 0; i < 2; i++) {
        const res = await app.execute(videoListQuery, { projectId });
        expect(xcache(res)).toBe('BYPASS');
        expect(statements(res)).toBeGreaterThan(0);
      }
      expect(app.app.cache.state()).toBe('off');
      await app.app.cache.invalidate(['video:x']); // a no-op, not an error
    } finally {
      await app.close();
      await database.drop();
    }
  });
});
