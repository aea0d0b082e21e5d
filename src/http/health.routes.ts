// GET /health/live (the process answers), /health/ready (the database answers and carries every
// migration; the cache is reported but never required) and /health/database (pool figures, a timed
// SELECT 1, server and migration versions, cache state). Not ready answers 503.
import { Router } from 'express';
import type { Db } from '../db/client.js';
import { migrationStatus } from '../db/migrate.js';
import { connectionsOpen, selectOne, serverVersion } from '../db/queries/health.queries.js';
import type { CacheStatsSource } from '../observability/metrics.js';

export interface HealthDeps {
  db: Db;
  cache?: CacheStatsSource;
  /** True once shutdown began: readiness fails so load balancers stop sending traffic. */
  shuttingDown(): boolean;
  /** GraphQL requests not yet finished (src/http/in-flight.ts). */
  inFlight?(): number;
  /** Bound on each database check, so a hung database makes the probe fail instead of hang. */
  checkTimeoutMs?: number;
}

class CheckTimeout extends Error {}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function describe(err: unknown): string {
  if (err instanceof CheckTimeout) return err.message;
  const code = (err as { code?: string } | null)?.code;
  return code ? `database error ${code}` : 'database unreachable';
}

const cacheState = (cache?: CacheStatsSource) => (cache ? cache.state() : 'absent');

/** Connections the server sees from this app; PGlite is one embedded backend. */
export async function countConnections(db: Db): Promise<number> {
  return db.kind === 'pglite' ? 1 : connectionsOpen(db);
}

export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  const timeoutMs = deps.checkTimeoutMs ?? 2000;
  const started = Date.now();

  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) });
  });

  router.get('/health/ready', async (_req, res) => {
    const cache = cacheState(deps.cache);
    if (deps.shuttingDown()) {
      res.status(503).json({ status: 'shutting_down', database: 'unknown', migrations: 'unknown', cache });
      return;
    }
    try {
      await within(timeoutMs, selectOne(deps.db));
    } catch (err) {
      res.status(503).json({ status: 'not_ready', database: describe(err), migrations: 'unknown', cache });
      return;
    }
    const migrations = await within(timeoutMs, migrationStatus(deps.db)).catch(() => null);
    if (!migrations?.upToDate) {
      res.status(503).json({
        status: 'not_ready',
        database: 'ok',
        migrations: migrations ? `behind: applied ${migrations.applied?.createdAt ?? 'none'}, expected ${migrations.expected.tag}` : 'unknown',
        cache,
      });
      return;
    }
    res.json({ status: 'ready', database: 'ok', migrations: 'ok', cache });
  });

  router.get('/health/database', async (_req, res) => {
    const pool = deps.db.pool.snapshot();
    const cache = deps.cache ? { state: deps.cache.state(), ...deps.cache.stats() } : { state: 'absent' };
    const t0 = performance.now();
    try {
      await within(timeoutMs, selectOne(deps.db));
    } catch (err) {
      res.status(503).json({ status: 'unavailable', kind: deps.db.kind, error: describe(err), pool, cache });
      return;
    }
    const selectOneMs = Math.round((performance.now() - t0) * 100) / 100;
    const [version, migrations, open] = await Promise.all([
      within(timeoutMs, serverVersion(deps.db)).catch(() => null),
      within(timeoutMs, migrationStatus(deps.db)).catch(() => null),
      within(timeoutMs, countConnections(deps.db)).catch(() => null),
    ]);
    res.status(migrations?.upToDate ? 200 : 503).json({
      status: migrations?.upToDate ? 'ok' : 'migrations_pending',
      kind: deps.db.kind,
      inFlightRequests: deps.inFlight?.() ?? null,
      selectOneMs,
      serverVersion: version,
      migration: migrations && {
        appliedAt: migrations.applied?.createdAt ?? null,
        latest: migrations.expected.tag,
        latestAt: migrations.expected.createdAt,
        upToDate: migrations.upToDate,
      },
      pool: Object.assign({}, pool, {
        connectionsOpen: open,
        idle: open === null ? null : Math.max(0, open - pool.busy),
        utilisation: Math.round(pool.utilisation * 1000) / 1000,
        waitSecondsTotal: Math.round(pool.waitSecondsTotal * 1e6) / 1e6,
      }),
      cache,
    });
  });

  return router;
}
