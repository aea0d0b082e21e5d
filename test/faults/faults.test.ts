// Faults under load, short versions of `npm run faults`, each against a throwaway PostgreSQL started
// for the test (never the shared server): an outage mid-load fails fast with DATABASE_UNAVAILABLE
// (503) and recovers on its own; Redis killed mid-load fails no request and serves nothing stale; a query over statement_timeout is cancelled with STATEMENT_TIMEOUT
// and the pool stays usable; 500 clients on a pool of 20 are all answered.
// Runs in the PostgreSQL pass of CI (DATABASE_URL set), where the PostgreSQL binaries are installed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overload, postgresDownAtBoot, postgresOutage, redisOutage, statementTimeout } from '../../bench/faults.js';
import { gracefulShutdown } from '../../bench/shutdown-fault.js';
import { readQuery, startFaultSystem, type FaultSystem } from '../../bench/fault-system.js';
import { sendOnce } from '../../bench/load.js';
import { createPostgresDb, defaultPoolOptions } from '../../src/db/client.js';
import { throwawayPostgresAvailable } from '../../bench/throwaway-postgres.js';
import { hasRedisServer, PrivateRedis } from '../../bench/throwaway-redis.js';

const enabled = throwawayPostgresAvailable && !!process.env.DATABASE_URL;

// Each scenario ends on events (answers seen, processes exited); the timeout is only a safety net
// for a CPU-starved machine, where starting PostgreSQL and the server takes most of a minute.
describe.skipIf(!enabled)('faults under load (throwaway PostgreSQL; needs initdb and the PostgreSQL pass)', { timeout: 240_000 }, () => {
  describe('PostgreSQL outage', () => {
    let sys: FaultSystem;
    beforeAll(async () => {
      sys = await startFaultSystem();
    });
    afterAll(() => sys?.close());

    it('fails fast with DATABASE_UNAVAILABLE during the outage and recovers without intervention', async () => {
      const r = await postgresOutage(sys, { clients: 10, durationMs: 6000, downAfterMs: 1500, downMs: 1500, maxMs: 180_000 });
      console.log('outage', JSON.stringify(r));
      expect(r.load.failed).toBeGreaterThan(0);
      expect(Object.keys(r.load.byCode)).toEqual(['DATABASE_UNAVAILABLE']);
      expect(r.failedOutsideOutage).toBe(0);
      // Failing fast is decided by events, not durations (a CPU-starved machine stretches every
      // request): no request hung until the client gave up (that would be NETWORK, not a code), and
      // once a request succeeded after PostgreSQL was back, no request sent later failed.
      expect(Number.isFinite(r.firstOkAfterUpMs)).toBe(true);
      expect(r.failedAfterRecovery).toBe(0);
      const after = await sendOnce(sys.url, sys.key, readQuery());
      expect(after.code).toBeNull();
    });

    it('answers DATABASE_UNAVAILABLE with HTTP 503 while PostgreSQL is down', async () => {
      await sys.pg.stop();
      try {
        const r = await sendOnce(sys.url, sys.key, readQuery());
        expect(r.status).toBe(503);
        // Answered while PostgreSQL is still down: the request did not wait for it to come back.
        // Refused at authentication or in the first resolver, depending on whether the key was cached.
        expect(r.json.errors[0]).toMatchObject({ message: 'the database is unavailable, retry shortly', extensions: { code: 'DATABASE_UNAVAILABLE' } });
      } finally {
        await sys.pg.start();
      }
    });

    it('answers every request sent once PostgreSQL is back, reads and writes, from the first moment', async () => {
      const [video] = await sys.app.db.query<{ id: string }>('SELECT id FROM videos ORDER BY id LIMIT 1');
      // Every pooled connection open when PostgreSQL goes away.
      await Promise.all(Array.from({ length: 40 }, () => sendOnce(sys.url, sys.key, readQuery(), { 'x-fault-delay-ms': '50' })));
      await sys.pg.stop();
      let down: { code: string | null }[];
      try {
        // Requests during the outage leave the pool with failed connection attempts and dead connections.
        down = await Promise.all(Array.from({ length: 20 }, () => sendOnce(sys.url, sys.key, readQuery())));
      } finally {
        await sys.pg.start(); // pg_ctl -w: returns once the server accepts connections
      }
      expect(new Set(down.map((r) => r.code))).toEqual(new Set(['DATABASE_UNAVAILABLE']));
      const write = { query: 'mutation W($id: ID!) { updateVideo(id: $id, input: { processingStatus: "back" }) { id } }', variables: { id: video.id } };
      const after = await Promise.all(Array.from({ length: 40 }, (_, i) => sendOnce(sys.url, sys.key, i % 4 === 3 ? write : readQuery())));
      expect(after.filter((r) => r.code !== null).map((r) => r.code)).toEqual([]);
    });

    it('runs every statement sent once PostgreSQL is back: the pool retries connections the outage left behind', async () => {
      const db = createPostgresDb(sys.pg.url, { ...defaultPoolOptions, max: 20 });
      try {
        await Promise.all(Array.from({ length: 20 }, () => db.query('SELECT pg_sleep(0.05)')));
        const failed: string[] = [];
        for (let round = 0; round < 3; round++) {
          await sys.pg.stop();
          try {
            await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: expect.any(String) });
          } finally {
            await sys.pg.start();
          }
          const up = performance.now();
          // Ten callers for half a second (a window, but only as a duration of load: what decides is
          // that every statement sent after the start succeeded).
          await Promise.all(
            Array.from({ length: 10 }, async () => {
              while (performance.now() - up < 500) await db.query('SELECT 1').catch((e) => failed.push(`round ${round}: ${e.code}`));
            }),
          );
          await db.transaction((tx) => tx.query('SELECT 1')).catch((e) => failed.push(`round ${round} transaction: ${e.code}`));
        }
        expect(failed).toEqual([]);
      } finally {
        await db.close();
      }
    });

    it('answers 500 concurrent clients on a pool of 20, none lost', async () => {
      const r = await overload(sys, { baselineClients: 10, clients: 500, durationMs: 3000 });
      console.log('overload', JSON.stringify(r));
      expect(r.baseline.failed).toBe(0);
      expect(r.unanswered).toBe(0);
      expect(r.overload.failed).toBe(0);
      expect(r.overload.sent).toBeGreaterThanOrEqual(500);
    });
  });

  describe('PostgreSQL down when the app starts', () => {
    let sys: FaultSystem;
    beforeAll(async () => {
      sys = await startFaultSystem();
    });
    afterAll(() => sys?.close());

    it('answers 503 DATABASE_UNAVAILABLE until PostgreSQL starts, then recovers without a restart', async () => {
      const r = await postgresDownAtBoot(sys);
      console.log('boot', JSON.stringify(r));
      expect(r.whileDown.byCode).toEqual({ DATABASE_UNAVAILABLE: 10 });
      expect(r.whileDown.statuses).toEqual([503]);
      // Recovered on its own (the harness gives up after 30 s and reports NaN).
      expect(Number.isFinite(r.recoveryMs)).toBe(true);
    });
  });

  describe.skipIf(!hasRedisServer)('Redis killed under load (a private, persistent redis-server; needs redis-server on PATH)', () => {
    let sys: FaultSystem;
    let redis: PrivateRedis;
    beforeAll(async () => {
      // Persistent: Redis comes back holding the entries it had, which the app must not serve.
      redis = await PrivateRedis.start({ persistent: true });
      sys = await startFaultSystem({ REDIS_URL: redis.url, CACHE: 'on' });
    });
    afterAll(async () => {
      await sys?.close();
      await redis?.destroy();
    });

    it('fails no request while Redis is down, and never serves an answer older than an acknowledged write', async () => {
      const r = await redisOutage(sys, redis, { clients: 10, durationMs: 6000, downAfterMs: 1500, downMs: 1500, maxMs: 60_000 });
      console.log('redis', JSON.stringify({ ...r, staleReads: r.staleReads.length }));
      expect(r.load.failed).toBe(0);
      expect(r.writes.sent).toBeGreaterThan(0);
      expect(r.writes.failed).toBe(0);
      // Entries from before the outage were still in Redis when it came back; none was served.
      expect(r.staleReads).toEqual([]);
      expect(r.entriesKeptAcrossOutage).toBeGreaterThan(0);
      expect(r.epochReplaced).toBe(true);
      expect(r.phases.before.HIT).toBeGreaterThan(0);
      // Requests sent after the process died and answered before it was started again: from PostgreSQL.
      expect(Object.keys(r.phases.during).filter((k) => !k.endsWith('Ms'))).toEqual(['BYPASS']);
      expect(r.bypassesCounted).toBeGreaterThanOrEqual(r.phases.during.BYPASS);
      expect(r.phases.after.HIT).toBeGreaterThanOrEqual(20);
    });

    it('answers cached reads while PostgreSQL is down, and the rest with 503 DATABASE_UNAVAILABLE', async () => {
      const warm = await sendOnce(sys.url, sys.key, readQuery());
      expect(warm.code).toBeNull();
      await sendOnce(sys.url, sys.key, readQuery());
      await sys.pg.stop();
      let hit: Awaited<ReturnType<typeof sendOnce>>, uncached: Awaited<ReturnType<typeof sendOnce>>;
      try {
        hit = await sendOnce(sys.url, sys.key, readQuery());
        uncached = await sendOnce(sys.url, sys.key, { query: '{ projects(first: 2) { nodes { id name } } }' });
      } finally {
        await sys.pg.start();
      }
      expect({ status: hit.status, cache: hit.cache, body: hit.json }).toEqual({ status: 200, cache: 'HIT', body: warm.json });
      expect({ status: uncached.status, code: uncached.code }).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    });
  });

  describe('statement timeout', () => {
    let sys: FaultSystem;
    beforeAll(async () => {
      sys = await startFaultSystem({ DB_STATEMENT_TIMEOUT_MS: '500' });
    });
    afterAll(() => sys?.close());

    it('cancels a query over statement_timeout with STATEMENT_TIMEOUT and keeps the pool usable', async () => {
      const r = await statementTimeout(sys, { slowMs: 5000, burst: 40 });
      console.log('timeout', JSON.stringify(r));
      // The code can only come from PostgreSQL cancelling the 5 s sleep (SQLSTATE 57014), not from it ending.
      expect(r.single).toMatchObject({ status: 503, code: 'STATEMENT_TIMEOUT', message: 'the query took too long and was cancelled' });
      expect(r.burst.byCode).toEqual({ STATEMENT_TIMEOUT: 40 });
      expect(r.after.ok).toBe(r.after.of);
      expect(r.lingeringBackends).toBe(0);
    });
  });

  describe('graceful shutdown (NODE_ENV=production, the real entry point)', () => {
    it('finishes the request in flight at SIGTERM, refuses new ones, and exits 0', async () => {
      const r = await gracefulShutdown({ slowMs: 1500, signalAfterMs: 300 });
      console.log('shutdown', JSON.stringify(r));
      expect(r.inflight).toMatchObject({ status: 200, code: null });
      expect(r.afterSignal).toMatchObject({ code: 'NETWORK', beforeInflightEnded: true });
      expect(r.exit).toMatchObject({ code: 0, signal: null });
      expect(r.exit.msAfterSigterm).toBeLessThan(10_000);
    });
  });
});
