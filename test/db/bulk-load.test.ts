// The bulk load behind `npm run seed` and the benchmark: triggers off during the load, so the
// maintained aggregates must come out exactly as a fresh GROUP BY computes them; the secondary
// indexes are rebuilt; and the benchmark's precomputed ids address real rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkLoad } from '../../src/db/bulk-load.js';
import { concurrentIndexes } from '../../src/db/migrate.js';
import type { SeedShape } from '../../src/db/seed-data.js';
import { quickShape, seededId, targetsFor } from '../../bench/scenarios.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

const shape: SeedShape = {
  projects: 3,
  videosPerProject: 20,
  groundTruthMean: 10,
  bigVideoEvery: 20,
  sessionEvery: 5,
  detectionsMean: 20,
  // Big (25k-detection) sessions would make this test slow; the benchmark's quick run covers them.
  bigSessionEvery: 0,
  seed: 11,
};

describe.each(databaseKinds)('bulkLoad [%s]', (kind) => {
  let database: TestDatabase;
  // Session settings must hold for every statement of the load: one connection.
  beforeAll(async () => {
    database = await createTestDatabase(kind, { max: 1, statementTimeoutMs: 0 });
  });
  afterAll(async () => {
    await database?.drop();
  });
  const get = () => database;

  it('leaves nothing behind when the load fails half-way, so a rerun loads from scratch', async () => {
    const { db } = get();
    // A step of 0 makes generate_series fail in the fourth table, after three have been inserted.
    await expect(bulkLoad(db, { ...shape, sessionEvery: 0 })).rejects.toThrow(/step size/);
    const [{ n }] = await db.query<{ n: number }>(`SELECT (SELECT count(*) FROM projects) + (SELECT count(*) FROM videos)::int AS n`);
    expect(Number(n)).toBe(0);
    const [{ role }] = await db.query<{ role: string }>(`SELECT current_setting('session_replication_role') AS role`);
    expect(role).toBe('origin');
  });

  it('loads the shape with exact maintained aggregates, indexes, and ids the benchmark can compute', async () => {
    const { db } = get();
    const result = await bulkLoad(db, { ...shape, bigVideoEvery: 1000 });
    expect(result.loaded).toBe(true);
    expect(result.rows.projects).toBe(3);
    expect(result.rows.videos).toBe(60);
    expect(result.rows.test_sessions).toBe(12);
    // The counter triggers were switched off for the load and are ENABLE ALWAYS again.
    const notAlways = await db.query(`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'A'`);
    expect(notAlways).toEqual([]);

    const drift = await db.query(`
      SELECT v.id FROM videos v LEFT JOIN (
        SELECT video_id, count(*)::int AS n, (count(*) FILTER (WHERE validated))::int AS nv, max(confidence) AS mx
        FROM ground_truth_objects GROUP BY video_id) a ON a.video_id = v.id
      WHERE (v.ground_truth_count, v.ground_truth_validated, v.max_confidence) IS DISTINCT FROM (coalesce(a.n, 0), coalesce(a.nv, 0), a.mx)`);
    expect(drift).toEqual([]);
    const sessions = await db.query(`
      SELECT t.id FROM test_sessions t LEFT JOIN (
        SELECT test_session_id, count(*) FILTER (WHERE validation_result = 'TP')::int AS tp, count(*)::int AS n
        FROM detection_events GROUP BY test_session_id) a ON a.test_session_id = t.id
      WHERE t.detections_tp <> coalesce(a.tp, 0)
         OR t.detections_tp + t.detections_fp + t.detections_fn + t.detections_pending <> coalesce(a.n, 0)`);
    expect(sessions).toEqual([]);
    const [stats] = await db.query<{ gt: number; n: number }>(
      `SELECT (SELECT sum(ground_truth_total)::int FROM project_stats) AS gt, (SELECT count(*)::int FROM ground_truth_objects) AS n`,
    );
    expect(stats.gt).toBe(stats.n);

    const indexes = await db.query<{ relname: string }>(
      `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indisvalid`,
    );
    const names = new Set(indexes.map((r) => r.relname));
    for (const { name } of concurrentIndexes()) expect(names).toContain(name);

    const [video] = await db.query<{ project_id: string }>(`SELECT project_id FROM videos WHERE id = $1::uuid`, [seededId('video', 11, 21)]);
    expect(video.project_id).toBe(seededId('project', 11, 2));
    const [session] = await db.query<{ video_id: string }>(`SELECT video_id FROM test_sessions WHERE id = $1::uuid`, [seededId('session', 11, 20)]);
    expect(session.video_id).toBe(seededId('video', 11, 20));
  });

  it('refuses a pooled handle, whose statements could run on different connections', async () => {
    if (kind !== 'postgres') return;
    const { createPostgresDb } = await import('../../src/db/client.js');
    const pooled = createPostgresDb(get().url!);
    await expect(bulkLoad(pooled, shape)).rejects.toThrow(/single-connection/);
    await pooled.close();
  });

  it('reports an already loaded database instead of loading it twice', async () => {
    const { db } = get();
    const again = await bulkLoad(db, shape);
    expect(again.loaded).toBe(false);
    expect(again.rows.videos).toBe(60);
  });
});

it('addresses the big video and the big session of the quick shape', () => {
  const t = targetsFor(quickShape);
  expect(t.bigVideoId).toBe(seededId('video', quickShape.seed, quickShape.bigVideoEvery));
  expect(t.bigSessionId).toBe(seededId('session', quickShape.seed, quickShape.sessionEvery * quickShape.bigSessionEvery!));
});
