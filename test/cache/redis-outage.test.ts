// Fail-open: with Redis dead, hung, stopped mid-test or paused, every answer still comes from the
// database with no error and no wait; caching resumes when Redis returns, and entries written before
// an outage in which an invalidation was lost are never served after it (a new epoch). Uses private
// redis-server processes (never the shared one) and PGlite: the behaviour under test is the cache's.
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { insertGroundTruth, insertProject, insertVideo } from '../support/factories.js';
import { freePort, hasRedisServer, PrivateRedis } from '../support/redis.js';
import { createTestApp, dataOf, type GraphQLResponse, type TestApp } from '../support/test-app.js';
import { groundTruthQuery, groundTruthWriteTags, patientRedis } from './cache-fixtures.js';

const xcache = (r: GraphQLResponse) => r.headers.get('x-cache');

async function waitFor(cond: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The cache adds no wait when it cannot use Redis: a lookup settles as a bypass before any I/O
 * callback could run (proven by ordering against setImmediate, not by a timer).
 */
async function bypassesWithoutIo(app: TestApp): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    const io = Symbol('io');
    const first = await Promise.race([app.app.cache.begin(`k${i}`), new Promise((r) => setImmediate(() => r(io)))]);
    if (first === io || (first as { kind: string }).kind !== 'bypass') return false;
  }
  return true;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

const fastEnv = { CACHE: 'on', CACHE_REDIS_TIMEOUT_MS: '100', CACHE_REDIS_BULK_TIMEOUT_MS: '100', CACHE_BREAKER_RESET_MS: '100' };
// Where the test is about a stopped server rather than a slow one, a generous command timeout keeps
// the shared machine's load from turning a lookup into a (correct, but unexpected) bypass.
const stopEnv = { ...fastEnv, ...patientRedis };

describe('response cache with Redis unavailable', () => {
  let database: TestDatabase;
  let db: Db;
  let videoId: string;
  let projectId: string;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    db = database.db;
    projectId = await insertProject(db);
    videoId = await insertVideo(db, projectId);
    await insertGroundTruth(db, videoId, [{ frame_number: 1, confidence: 0.9 }]);
  });
  afterAll(() => database?.drop());

  it('answers from the database with no error and no wait when Redis is at a dead port', async () => {
    const app = await createTestApp(db, { ...fastEnv, REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    try {
      expect(app.app.cache.state()).toBe('redis-down');
      expect(await bypassesWithoutIo(app)).toBe(true);
      await app.execute(groundTruthQuery, { videoId }); // warm-up: the first request of an app is slow
      for (let i = 0; i < 5; i++) {
        const res = await app.execute(groundTruthQuery, { videoId });
        expect(dataOf(res).video.groundTruth.totalCount).toBe(1);
        expect(xcache(res)).toBe('BYPASS');
      }
      await app.app.cache.invalidate(['video:x']); // lost, but never an error
      expect(app.app.cache.stats().bypasses).toBeGreaterThanOrEqual(5);
    } finally {
      await app.close();
    }
  });

  it('bypasses at once when Redis accepts connections but never answers', async () => {
    const hung = net.createServer(() => {});
    const sockets = new Set<net.Socket>();
    hung.on('connection', (s) => sockets.add(s));
    const port = await freePort();
    await new Promise<void>((r) => hung.listen(port, '127.0.0.1', r));
    const app = await createTestApp(db, { ...fastEnv, REDIS_URL: `redis://127.0.0.1:${port}` });
    try {
      expect(await bypassesWithoutIo(app)).toBe(true);
      await app.execute(groundTruthQuery, { videoId });
      for (let i = 0; i < 3; i++) {
        const res = await app.execute(groundTruthQuery, { videoId });
        expect(dataOf(res).video.groundTruth.totalCount).toBe(1);
        expect(xcache(res)).toBe('BYPASS');
      }
    } finally {
      await app.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => hung.close(r));
    }
  });

  describe.skipIf(!hasRedisServer)('with a private redis-server (needs redis-server on PATH)', () => {
    let redis: PrivateRedis;
    let app: TestApp;
    beforeAll(async () => {
      redis = await PrivateRedis.start();
    });
    afterAll(async () => {
      await app?.close();
      await redis?.stop();
    });

    it('keeps answering while Redis is stopped mid-test, and caches again once it is back', async () => {
      app = await createTestApp(db, { ...stopEnv, REDIS_URL: redis.url });
      expect(xcache(await app.execute(groundTruthQuery, { videoId }))).toBe('MISS');
      expect(xcache(await app.execute(groundTruthQuery, { videoId }))).toBe('HIT');

      await redis.stop();
      for (let i = 0; i < 5; i++) {
        const res = await app.execute(groundTruthQuery, { videoId });
        expect(res.body.errors).toBeUndefined();
        expect(dataOf(res).video.groundTruth.totalCount).toBe(1 + Math.min(i, 1));
        expect(xcache(res)).toBe('BYPASS');
        if (i === 0) {
          // A write during the outage: its invalidation cannot reach Redis and must not fail.
          await insertGroundTruth(db, videoId, [{ frame_number: 2, confidence: 0.8 }]);
          await app.app.cache.invalidate(groundTruthWriteTags(projectId, videoId));
        }
      }
      expect(app.app.cache.state()).toBe('redis-down');
      expect(await bypassesWithoutIo(app)).toBe(true);

      await redis.start();
      await waitFor(() => app.app.cache.state() === 'redis-up', 10_000);
      const back = await app.execute(groundTruthQuery, { videoId });
      expect(xcache(back)).toBe('MISS');
      expect(dataOf(back).video.groundTruth.totalCount).toBe(2);
      expect(xcache(await app.execute(groundTruthQuery, { videoId }))).toBe('HIT');
    });

    it('stays correct while Redis stalls: the invalidation times out within the bound and the cache bypasses', async () => {
      const app = await createTestApp(db, { ...fastEnv, CACHE_REDIS_TIMEOUT_MS: '300', CACHE_REDIS_BULK_TIMEOUT_MS: '300', REDIS_URL: redis.url });
      try {
        await waitFor(() => app.app.cache.state() === 'redis-up', 10_000);
        const v = await insertVideo(db, projectId);
        await insertGroundTruth(db, v, [{ frame_number: 1, confidence: 0.9 }]);
        expect(xcache(await app.execute(groundTruthQuery, { videoId: v }))).toBe('MISS');
        expect(xcache(await app.execute(groundTruthQuery, { videoId: v }))).toBe('HIT');

        const admin = new Redis(redis.url);
        admin.on('error', () => {});
        await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
        await insertGroundTruth(db, v, [{ frame_number: 2, confidence: 0.8 }]);
        const [, ms] = await timed(() => app.app.cache.invalidate(groundTruthWriteTags(projectId, v)));
        expect(app.app.cache.state()).toBe('redis-down');
        const [during, duringMs] = await timed(() => app.execute(groundTruthQuery, { videoId: v }));
        expect(xcache(during)).toBe('BYPASS');
        expect(dataOf(during).video.groundTruth.totalCount).toBe(2);
        expect(duringMs).toBeLessThan(1000);

        await waitFor(() => app.app.cache.state() === 'redis-up', 10_000);
        admin.disconnect();
        const after = await app.execute(groundTruthQuery, { videoId: v });
        expect(dataOf(after).video.groundTruth.totalCount).toBe(2);
        expect(xcache(after)).toBe('MISS');
      } finally {
        await app.close();
      }
    });
  });

  describe.skipIf(!hasRedisServer)('with a private persistent redis-server (needs redis-server on PATH)', () => {
    let redis: PrivateRedis;
    let app: TestApp;
    beforeAll(async () => {
      redis = await PrivateRedis.start({ persistent: true });
      app = await createTestApp(db, { ...stopEnv, REDIS_URL: redis.url });
    });
    afterAll(async () => {
      await app?.close();
      await redis?.destroy();
    });

    it('never serves an entry written before an outage that lost an invalidation (new epoch)', async () => {
      const v = await insertVideo(db, projectId);
      await insertGroundTruth(db, v, [{ frame_number: 1, confidence: 0.9 }]);
      expect(xcache(await app.execute(groundTruthQuery, { videoId: v }))).toBe('MISS');
      expect(xcache(await app.execute(groundTruthQuery, { videoId: v }))).toBe('HIT');

      // Redis goes away; a write commits and its invalidation never reaches Redis.
      await redis.stop();
      await insertGroundTruth(db, v, [{ frame_number: 2, confidence: 0.8 }]);
      await app.app.cache.invalidate(groundTruthWriteTags(projectId, v));

      // Redis comes back with its old keys, the stale entry among them.
      await redis.start();
      await waitFor(() => app.app.cache.state() === 'redis-up', 10_000);
      const after = await app.execute(groundTruthQuery, { videoId: v });
      expect(dataOf(after).video.groundTruth.totalCount).toBe(2);
      expect(xcache(after)).toBe('MISS');
      expect(xcache(await app.execute(groundTruthQuery, { videoId: v }))).toBe('HIT');
    });
  });
});
