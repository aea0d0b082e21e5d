// The health endpoints: live always, ready only with a reachable, fully migrated database (the cache
// reported but never required), database with pool figures, SELECT 1 latency and versions.
import { readFileSync } from 'node:fs';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthRoutes } from '../../src/http/health.routes.js';
import { createPgliteDb, createPostgresDb, defaultPoolOptions, type Db } from '../../src/db/client.js';
import { latestMigration } from '../../src/db/migrate.js';
import { describeEachDatabase } from '../support/databases.js';
import { pgliteTemplatePath } from '../support/paths.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const migratedPglite = () => createPgliteDb({ loadDataDir: new Blob([readFileSync(pgliteTemplatePath)]) });

const get = async (app: TestApp, path: string) => {
  // The operator port when the app has one; else the API's, with the admin key (src/http/ops-access.ts).
  const res = app.app.opsUrl
    ? await fetch(`${app.app.opsUrl}${path}`)
    : await fetch(app.url.replace('/graphql', path), { headers: app.adminKey ? { authorization: `Bearer ${app.adminKey}` } : {} });
  return { status: res.status, body: await res.json() };
};

describeEachDatabase('health endpoints', (database, kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(database().db);
  });
  afterAll(() => app?.close());

  it('GET /health/live answers 200 while the process runs', async () => {
    const res = await get(app, '/health/live');
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('GET /health/ready is 200 with the database migrated and reports the cache state', async () => {
    const res = await get(app, '/health/ready');
    expect(res).toEqual({ status: 200, body: { status: 'ready', database: 'ok', migrations: 'ok', cache: 'off' } });
  });

  it('GET /health/database reports pool figures, SELECT 1 latency, server and migration versions', async () => {
    const { status, body } = await get(app, '/health/database');
    expect(status).toBe(200);
    expect(body.kind).toBe(kind);
    expect(body.selectOneMs).toBeGreaterThan(0);
    expect(body.serverVersion).toMatch(/^\d+\.\d+/);
    expect(body.migration).toEqual({
      appliedAt: latestMigration().createdAt,
      latest: latestMigration().tag,
      latestAt: latestMigration().createdAt,
      upToDate: true,
    });
    expect(body.pool).toMatchObject({ max: kind === 'postgres' ? 10 : 1, waiting: 0, windowSeconds: 60 });
    expect(body.pool.connectionsOpen).toBeGreaterThanOrEqual(1);
    expect(body.cache).toMatchObject({ state: 'off' });
  });
});

describe('health beyond the happy path', () => {
  // One migrated PGlite for these tests; the migration test, which damages it, runs last.
  let db: Db;
  beforeAll(async () => {
    db = await migratedPglite();
  });
  afterAll(() => db?.close());

  it('reports the cache state and figures, and stays ready while the cache is down', async () => {
    // A Redis that refuses every connection: the cache is down, the service is not.
    const app = await createTestApp(db, { CACHE: 'on', REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      expect((await app.execute('{ projects { totalCount } }')).status).toBe(200);
      expect(await get(app, '/health/ready')).toMatchObject({ status: 200, body: { status: 'ready', cache: 'redis-down' } });
      const { body } = await get(app, '/health/database');
      expect(body.cache).toMatchObject({ state: 'redis-down', hits: 0, stores: 0 });
      expect(body.cache.bypasses).toBeGreaterThanOrEqual(1);
    } finally {
      await app.close();
    }
  });

  it('answers 503 on /health/ready and /health/database when the database is unreachable, 200 on /health/live', async () => {
    // Nothing listens on port 1: every connection attempt is refused at once.
    const unreachable = createPostgresDb('postgres://postgres@127.0.0.1:1/none', { ...defaultPoolOptions, max: 2, connectTimeoutS: 1 });
    // On the operator port: no key to look up in a database that cannot answer.
    const app = await createTestApp(unreachable, { OPS_PORT: '0' }, { adminKey: false });
    try {
      expect((await get(app, '/health/live')).status).toBe(200);
      const ready = await get(app, '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'not_ready', cache: 'off' });
      expect(ready.body.database).toMatch(/ECONNREFUSED|unreachable/);
      const dbHealth = await get(app, '/health/database');
      expect(dbHealth.status).toBe(503);
      expect(dbHealth.body).toMatchObject({ status: 'unavailable', kind: 'postgres', pool: { max: 2 } });
    } finally {
      await app.close();
      await unreachable.close();
    }
  });

  it('answers 503 on /health/ready once shutdown has begun', async () => {
    let shuttingDown = false;
    const server = express().use(healthRoutes({ db, shuttingDown: () => shuttingDown })).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/health/ready`;
    try {
      expect((await fetch(url)).status).toBe(200);
      shuttingDown = true;
      const res = await fetch(url);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'shutting_down' });
    } finally {
      server.close();
    }
  });

  it('the app flips to shutting down when close() begins', async () => {
    const app = await createTestApp(db);
    const closing = app.app.close();
    expect(app.app.shuttingDown).toBe(true);
    await closing;
  });

  it('answers 503 on /health/ready when the newest migration is not applied', async () => {
    await db.query(`DELETE FROM drizzle.__drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM drizzle.__drizzle_migrations)`);
    const app = await createTestApp(db);
    try {
      const ready = await get(app, '/health/ready');
      expect(ready.body).toMatchObject({ status: 'not_ready', database: 'ok' });
      expect(ready.status).toBe(503);
      expect(ready.body.migrations).toContain(latestMigration().tag);
      expect((await get(app, '/health/database')).body.migration.upToDate).toBe(false);
    } finally {
      await app.close();
    }
  });
});
