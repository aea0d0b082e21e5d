// The pool under pressure: more concurrent GraphQL requests than connections must all succeed, with
// the shortage visible as waiting in the pool statistics and metrics rather than as errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolStats } from '../../src/db/pool-stats.js';
import { describeEachDatabase } from '../support/databases.js';
import { insertGroundTruth, insertProject, insertTestSession, insertVideo, insertDetections } from '../support/factories.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('PoolStats', () => {
  it('queues work beyond max in FIFO order and measures each wait', () => {
    let now = 0;
    const pool = new PoolStats(2, 60, () => now);
    const waits: number[] = [];
    pool.onWait((s) => waits.push(s));
    const a = pool.enter();
    const b = pool.enter();
    const c = pool.enter(); // no free slot
    expect(pool.snapshot()).toMatchObject({ inFlight: 3, busy: 2, waiting: 1 });
    now = 0.25;
    a(); // c takes a's slot after 250 ms
    expect(pool.snapshot()).toMatchObject({ inFlight: 2, busy: 2, waiting: 0, waitedTotal: 1 });
    b();
    c();
    const s = pool.snapshot();
    expect(s).toMatchObject({ inFlight: 0, busy: 0, waiting: 0, acquiredTotal: 3, waitedTotal: 1, peakWaiting: 1 });
    expect(s.waitSecondsTotal).toBeCloseTo(0.25, 6);
    expect(waits).toEqual([0, 0, 0.25]);
  });

  it('reports utilisation as busy/max averaged over the sliding window', () => {
    let now = 0;
    const pool = new PoolStats(4, 10, () => now);
    const done = [pool.enter(), pool.enter()]; // 2 of 4 busy
    for (now = 1; now <= 20; now++) pool.snapshot(); // samples once a second
    expect(pool.snapshot().utilisation).toBeCloseTo(0.5, 3);
    done.forEach((d) => d());
    for (; now <= 25; now++) pool.snapshot();
    // The last 10 s: 5 s at 2/4 busy, 5 s idle.
    expect(pool.snapshot().utilisation).toBeCloseTo(0.25, 1);
  });
});

const load = /* GraphQL */ `
  query ProjectDashboard {
    projects(first: 5) {
      nodes {
        id
        stats { videoCount }
        videos(first: 10) { nodes { id testSessions { id } } }
        # Loaded in the same wave as the videos: two statements at once, so even PGlite's pool of
        # one has work waiting.
        testSessions(first: 10) { nodes { id } }
      }
    }
  }
`;

function metric(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  if (!found) throw new Error(`metric ${line} not found`);
  return Number(found.slice(line.length + 1));
}

describeEachDatabase('connection pool under 150 concurrent GraphQL requests', (database, kind) => {
  let app: TestApp;
  beforeAll(async () => {
    const db = database().db;
    for (let p = 0; p < 5; p++) {
      const projectId = await insertProject(db);
      for (let v = 0; v < 4; v++) {
        const videoId = await insertVideo(db, projectId);
        await insertGroundTruth(db, videoId, [0, 1, 2, 3].map((f) => ({ frame_number: f, confidence: 0.9 })));
        const sessionId = await insertTestSession(db, projectId, videoId);
        await insertDetections(db, sessionId, [{ frame_number: 0, confidence: 0.8, validation_result: 'TP' }]);
      }
    }
    app = await createTestApp(db);
  });
  afterAll(() => app?.close());

  it('counts a transaction as one unit of pool work, however many statements it runs', async () => {
    const db = app.app.db;
    const before = db.pool.snapshot().acquiredTotal;
    await db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      await tx.query('SELECT 2');
      await tx.query('SELECT 3');
    });
    expect(db.pool.snapshot().acquiredTotal - before).toBe(1);
    await db.query('SELECT 1');
    expect(db.pool.snapshot().acquiredTotal - before).toBe(2);
  });

  it('answers every request and shows the wait for a connection in the stats, not as errors', async () => {
    const max = app.app.db.pool.max;
    expect(max).toBe(kind === 'postgres' ? 10 : 1);
    const before = app.app.db.pool.snapshot();
    const results = await Promise.all(Array.from({ length: 150 }, () => app.execute(load)));
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.projects.nodes).toHaveLength(5);
    }
    const after = app.app.db.pool.snapshot();
    expect(after.inFlight).toBe(0);
    expect(after.waiting).toBe(0);
    expect(after.peakWaiting).toBeGreaterThan(0);
    expect(after.waitedTotal - before.waitedTotal).toBeGreaterThan(0);
    expect(after.waitSecondsTotal - before.waitSecondsTotal).toBeGreaterThan(0);

    const metrics = await (await fetch(app.url.replace('/graphql', '/metrics'), { headers: { authorization: `Bearer ${app.adminKey}` } })).text();
    expect(metric(metrics, 'truthgraph_graphql_requests_total{operation="ProjectDashboard",outcome="ok"}')).toBe(150);
    expect(metric(metrics, 'truthgraph_db_pool_wait_seconds_sum')).toBeGreaterThan(0);
    expect(metric(metrics, 'truthgraph_db_pool_peak_waiting')).toBeGreaterThan(0);
    expect(metric(metrics, `truthgraph_db_pool_max_connections`)).toBe(max);

    const health = await (await fetch(app.url.replace('/graphql', '/health/database'), { headers: { authorization: `Bearer ${app.adminKey}` } })).json();
    expect(health.pool.peakWaiting).toBeGreaterThan(0);
    expect(health.pool.waitedTotal).toBeGreaterThan(0);
    // The server never saw more connections than the pool allows.
    expect(health.pool.connectionsOpen).toBeGreaterThanOrEqual(1);
    expect(health.pool.connectionsOpen).toBeLessThanOrEqual(max);
  }, 120_000);
});
