// The slow-query and index report: the same data from `npm run db:report` and GET /admin/db-report,
// with a clear word when pg_stat_statements cannot be used, and admin-only access.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminScope, memberScope } from '../../src/auth/scope.js';
import { dbReport } from '../../src/db/queries/db-report.queries.js';
import { createTestDatabase, describeEachDatabase, postgresUrl, type TestDatabase } from '../support/databases.js';
import { insertProject, insertVideo } from '../support/factories.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);

describeEachDatabase('db report', (database, kind) => {
  beforeAll(async () => {
    const db = database().db;
    const projectId = await insertProject(db);
    for (let i = 0; i < 5; i++) await insertVideo(db, projectId);
  });

  it('lists index usage and size, unused indexes (never constraint indexes) and the largest tables', async () => {
    const report = await dbReport(database().db);
    const names = report.indexes.map((i) => i.index);
    expect(names).toContain('videos_pkey');
    expect(names).toContain('videos_project_created_idx');
    for (const i of report.indexes) expect(i.sizeBytes).toBeGreaterThan(0);
    expect(report.unusedIndexes.every((i) => !i.unique && !i.primary && i.scans === 0)).toBe(true);
    expect(report.largestTables.map((t) => t.table)).toContain('public.videos');
    expect(report.largestTables.length).toBeLessThanOrEqual(10);
    expect(report.invalidIndexes).toEqual([]);
    expect(report.serverVersion).toMatch(/^\d+/);
  });

  it('reports an index left INVALID by a failed concurrent build', async () => {
    const db = database().db;
    const projectId = await insertProject(db);
    await insertVideo(db, projectId, { filename: 'dup.mp4' });
    await insertVideo(db, projectId, { filename: 'dup.mp4' });
    await expect(db.query(`CREATE UNIQUE INDEX CONCURRENTLY report_dup_idx ON videos (filename)`)).rejects.toThrow();
    const report = await dbReport(db);
    expect(report.invalidIndexes.map((i) => i.index)).toEqual(['report_dup_idx']);
    await db.query(`DROP INDEX report_dup_idx`);
  });

  it('says why slow statements are missing when pg_stat_statements cannot be read', async () => {
    const report = await dbReport(database().db);
    if (report.slowStatements.available) {
      // A server with the library preloaded: the statements are there, slowest first.
      const totals = report.slowStatements.statements.map((s) => s.totalMs);
      expect(totals).toEqual([...totals].sort((a, b) => b - a));
    } else {
      expect(report.slowStatements.reason).toMatch(kind === 'pglite' ? /not available on this server|not installed/ : /shared_preload_libraries/);
    }
  });
  describe('GET /admin/db-report', () => {
    let dev: TestApp;
    let prod: TestApp;
    let member: TestApp;
    let keyed: TestApp;
    beforeAll(async () => {
      const db = database().db;
      dev = await createTestApp(db);
      prod = await createTestApp(db, { NODE_ENV: 'production' });
      member = await createTestApp(db, {}, { scopeFor: () => memberScope(['p1'], []) });
      keyed = await createTestApp(db, { NODE_ENV: 'production' }, { scopeFor: (req) => (req.headers['x-api-key'] === 'admin-key' ? adminScope : null) });
    });
    afterAll(async () => {
      await Promise.all([dev, prod, member, keyed].map((a) => a?.close()));
    });
    const url = (app: TestApp, q = '') => app.url.replace('/graphql', `/admin/db-report${q}`);

    it('returns the report as JSON to an admin (every request in development and test)', async () => {
      const res = await fetch(url(dev, '?limit=2'));
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.largestTables.length).toBeLessThanOrEqual(2);
      expect(body.indexes.map((i: { index: string }) => i.index)).toContain('projects_pkey');
      expect(body.slowStatements).toHaveProperty('available');
    });

    it('answers 401 in production when the request carries no admin credentials', async () => {
      const res = await fetch(url(prod));
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'an admin API key is required' } });
    });

    it('answers 403 to a caller whose scope is not admin', async () => {
      const res = await fetch(url(member));
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe('FORBIDDEN');
    });

    it('accepts whatever scopeFor resolves to admin (the API-key hook)', async () => {
      expect((await fetch(url(keyed))).status).toBe(401);
      expect((await fetch(url(keyed), { headers: { 'x-api-key': 'admin-key' } })).status).toBe(200);
    });

    it('rejects a bad limit with 400 naming the argument', async () => {
      const res = await fetch(url(dev, '?limit=0'));
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'limit' });
    });
  });
});

describe.skipIf(!postgresUrl)('db report with the extension created but its library not preloaded', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(() => database?.drop());

  it('tells the operator to preload the library instead of failing', async () => {
    const [preloaded] = await database.db.query<{ v: string }>(`SELECT current_setting('shared_preload_libraries') AS v`);
    const available = await database.db.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements'`);
    if (!available.length || preloaded.v.includes('pg_stat_statements')) return; // nothing to prove on this server
    await database.db.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
    const report = await dbReport(database.db);
    expect(report.slowStatements).toEqual({
      available: false,
      reason: expect.stringContaining('exists but the library is not loaded'),
    });
  });

  it('npm run db:report prints the report as text and as JSON', async () => {
    const env = { ...process.env, DATABASE_URL: database.url!, NODE_ENV: 'test' };
    const text = await run('node', ['--import', 'tsx', 'src/cli/db-report.ts'], { env, timeout: 30_000 });
    expect(text.stdout).toContain('Index usage (largest first)');
    expect(text.stdout).toContain('videos_pkey');
    expect(text.stdout).toMatch(/Slowest statements[^\n]*\n {2}(not available: |total ms)/);
    const json = await run('node', ['--import', 'tsx', 'src/cli/db-report.ts', '--json', '--limit', '3'], { env, timeout: 30_000 });
    const report = JSON.parse(json.stdout);
    expect(report.largestTables.length).toBeLessThanOrEqual(3);
    expect(report.indexes.map((i: { index: string }) => i.index)).toContain('videos_pkey');
  });
});
