// The hot read statements must be answered from their indexes in page order: for each, EXPLAIN shows
// the expected index, no sequential scan of a large table and (for pages) no Sort at all, so a page
// costs O(page) however large the table grows. Sequential scans are switched off to expose a
// missing index rather than let a small table hide it. Pages are chosen smaller than the rows that
// match (when a page covers every match, reading them all and sorting is the planner's right call).
import { beforeAll, describe, expect, it } from 'vitest';
import { adminScope, memberScope } from '../../src/auth/scope.js';
import type { Param, Queryable } from '../../src/db/client.js';
import { detectionCountsBySessions, detectionPagesBySessions, detectionsByIds } from '../../src/db/queries/detection.queries.js';
import { groundTruthByIds, groundTruthPagesByVideos, groundTruthStatsByVideos } from '../../src/db/queries/ground-truth.queries.js';
import { nodeTablesByIds } from '../../src/db/queries/node.queries.js';
import { projectPage, projectStatsByIds } from '../../src/db/queries/project.queries.js';
import { testSessionPagesByProjects, testSessionsByVideos } from '../../src/db/queries/test-session.queries.js';
import { videoPagesByProjects, videosByIds } from '../../src/db/queries/video.queries.js';
import { seedData } from '../../src/db/seed-data.js';
import { describeEachDatabase } from '../support/databases.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** Captures the statement a query function would send, instead of running it. */
async function statementOf(run: (db: Queryable) => Promise<unknown>): Promise<{ text: string; params: readonly Param[] }> {
  let captured: { text: string; params: readonly Param[] } | undefined;
  await run({ query: async (text, params = []) => ((captured = { text, params }), []) });
  return captured!;
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

const bigTables = ['videos', 'ground_truth_objects', 'test_sessions', 'detection_events'];

describeEachDatabase('query plans of the hot reads', (database, kind) => {
  const ids: { projects: string[]; videos: string[]; bigVideo: string; sessions: string[] } = {} as never;

  beforeAll(async () => {
    const db = database().db;
    await seedData(db, { projects: 2, videosPerProject: 200, groundTruthMean: 40, bigVideoEvery: 100, sessionEvery: 20, detectionsMean: 2000, seed: 7 });
    await db.query('ANALYZE');
    const col = async (sql: string) => (await db.query<{ id: string }>(sql)).map((r) => r.id);
    ids.projects = await col('SELECT id FROM projects ORDER BY id');
    ids.videos = await col('SELECT id FROM videos ORDER BY id LIMIT 5');
    ids.bigVideo = (await col('SELECT id FROM videos ORDER BY ground_truth_count DESC LIMIT 1'))[0];
    ids.sessions = await col('SELECT id FROM test_sessions ORDER BY id LIMIT 3');
  });

  // The statement goes with its parameters, as the server sends it, and EXPLAIN plans it with their
  // values: a filter left null folds away and a partial index is proven from the values. Executions
  // are planned the same way because every connection forces custom plans (the next tests).
  async function plan(run: (db: Queryable) => Promise<unknown>): Promise<PlanNode[]> {
    const { text, params } = await statementOf(run);
    return database().db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      const [row] = await tx.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${text}`, params);
      const json = row['QUERY PLAN'];
      return flatten((typeof json === 'string' ? JSON.parse(json) : json)[0].Plan);
    });
  }

  function expectIndexPlan(nodes: PlanNode[], index: string, { sorted }: { sorted: boolean }) {
    const described = JSON.stringify(nodes.map((n) => [n['Node Type'], n['Index Name'] ?? n['Relation Name']]));
    expect(nodes.some((n) => n['Index Name'] === index), `expected ${index} in ${described}`).toBe(true);
    expect(nodes.filter((n) => n['Node Type'] === 'Seq Scan' && bigTables.includes(n['Relation Name']!)), described).toEqual([]);
    if (!sorted) expect(nodes.filter((n) => n['Node Type'].includes('Sort')), described).toEqual([]);
  }

  it('plans on every connection with the settings these plans assume', async () => {
    // At scale (2M boxes) the default random_page_cost of 4 chose a bitmap scan and a sort of 12,000
    // boxes for a 10,000-box page (bench/explain-hot.ts); the small tables here do not show it.
    const db = database().db;
    const show = async (name: string) => (await db.query<Record<string, string>>(`SHOW ${name}`))[0][name];
    expect(await show('random_page_cost')).toBe('1.1');
    expect(await show('plan_cache_mode')).toBe('force_custom_plan');
  });

  // postgres.js keeps each statement prepared on its connection, where PostgreSQL would switch to one
  // generic plan after five executions unless told not to; PGlite sends unnamed statements.
  it.runIf(kind === 'postgres')('plans a prepared statement with its values on every execution, never a generic plan', async () => {
    const runs = 8;
    const counts = await database().db.transaction(async (tx) => {
      for (let i = 0; i < runs; i++) await detectionPagesBySessions(tx, ids.sessions, { validationResult: 'TP' }, 51);
      return tx.query<{ generic: number; custom: number }>(
        `SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE statement LIKE '/* detectionPagesBySessions */%'`,
      );
    });
    expect(counts).toEqual([{ generic: 0, custom: runs }]);
  });

  it('video page per project reads videos_project_created_idx in order', async () => {
    expectIndexPlan(await plan((db) => videoPagesByProjects(db, ids.projects, {}, 51)), 'videos_project_created_idx', { sorted: false });
    expectIndexPlan(await plan((db) => videoPagesByProjects(db, ids.projects, {}, 51, { cursor: [Date.now() * 1000, ids.videos[0]] })), 'videos_project_created_idx', { sorted: false });
  });

  it('video page filtered by status reads videos_project_status_created_idx in order', async () => {
    expectIndexPlan(await plan((db) => videoPagesByProjects(db, ids.projects, { status: 'completed' }, 51)), 'videos_project_status_created_idx', { sorted: false });
  });

  it('video page filtered by groundTruthGenerated reads the partial index in order', async () => {
    expectIndexPlan(await plan((db) => videoPagesByProjects(db, ids.projects, { groundTruthGenerated: true }, 51)), 'videos_project_gt_generated_idx', { sorted: false });
  });

  it('ground-truth page reads gto_video_frame_idx in (frame, confidence desc, id) order', async () => {
    expectIndexPlan(await plan((db) => groundTruthPagesByVideos(db, [ids.bigVideo], { minConfidence: 0.3 }, 1001)), 'gto_video_frame_idx', { sorted: false });
    expectIndexPlan(
      await plan((db) => groundTruthPagesByVideos(db, [ids.bigVideo], { minConfidence: 0.3, fromFrame: 10, toFrame: 2000 }, 101, { cursor: [12, 0.5, ids.videos[0]] })),
      'gto_video_frame_idx',
      { sorted: false },
    );
  });

  it('validated ground truth of one class reads the partial validated index in order', async () => {
    expectIndexPlan(
      await plan((db) => groundTruthPagesByVideos(db, [ids.bigVideo], { classLabel: 'car', validated: true }, 51)),
      'gto_video_class_frame_validated_idx',
      { sorted: false },
    );
  });

  it('ground-truth stats aggregate one video through its index', async () => {
    expectIndexPlan(await plan((db) => groundTruthStatsByVideos(db, ids.videos, 0.3)), 'gto_video_frame_idx', { sorted: true });
  });

  it('detection page filtered by class and confidence reads det_session_class_timestamp_idx in order', async () => {
    expectIndexPlan(
      await plan((db) => detectionPagesBySessions(db, ids.sessions, { classLabel: 'car', minConfidence: 0.5 }, 21)),
      'det_session_class_timestamp_idx',
      { sorted: false },
    );
  });

  it('detection page by validation result reads det_session_result_timestamp_judged_idx in order', async () => {
    for (const validationResult of ['TP', 'FP', 'FN'] as const) {
      expectIndexPlan(await plan((db) => detectionPagesBySessions(db, ids.sessions, { validationResult }, 51)), 'det_session_result_timestamp_judged_idx', { sorted: false });
    }
  });

  // The result index leaves PENDING rows out (an ingest writes PENDING rows and would pay for it):
  // a PENDING page reads the session's detections in page order and skips the judged ones.
  it('detection page of PENDING detections reads det_session_timestamp_idx in order', async () => {
    expectIndexPlan(await plan((db) => detectionPagesBySessions(db, ids.sessions, { validationResult: 'PENDING' }, 51)), 'det_session_timestamp_idx', { sorted: false });
    expectIndexPlan(
      await plan((db) => detectionPagesBySessions(db, ids.sessions, { validationResult: 'PENDING' }, 51, { cursor: [1.5, ids.videos[0]], backward: true })),
      'det_session_timestamp_idx',
      { sorted: false },
    );
  });

  it('detection counts read a session index, never the whole table, whatever the filter', async () => {
    const filters = [{}, { validationResult: 'PENDING' as const }, { validationResult: 'FN' as const }, { classLabel: 'car' }, { minConfidence: 0.5 }];
    for (const filter of filters) {
      const nodes = await plan((db) => detectionCountsBySessions(db, ids.sessions, filter));
      const indexes = nodes.map((n) => n['Index Name']).filter((n) => n?.startsWith('det_session_'));
      expect(indexes.length, JSON.stringify(nodes.map((n) => [n['Node Type'], n['Index Name'] ?? n['Relation Name']]))).toBeGreaterThan(0);
      expect(nodes.filter((n) => n['Node Type'] === 'Seq Scan' && bigTables.includes(n['Relation Name']!))).toEqual([]);
    }
  });

  it('unfiltered detection page reads det_session_timestamp_idx in order', async () => {
    expectIndexPlan(await plan((db) => detectionPagesBySessions(db, ids.sessions, {}, 501, { cursor: [1.5, ids.videos[0]] })), 'det_session_timestamp_idx', { sorted: false });
  });

  it('session pages and per-video sessions use their indexes', async () => {
    expectIndexPlan(await plan((db) => testSessionPagesByProjects(db, ids.projects, undefined, 3)), 'test_sessions_project_started_idx', { sorted: false });
    expectIndexPlan(await plan((db) => testSessionPagesByProjects(db, ids.projects, 'completed', 3)), 'test_sessions_project_status_started_idx', { sorted: false });
    expectIndexPlan(await plan((db) => testSessionsByVideos(db, ids.videos, undefined, 20)), 'test_sessions_video_started_idx', { sorted: false });
  });

  // last/before: the same indexes read in reverse, still without a Sort, so a backward page costs O(page).
  describe('backward pages (last / before)', () => {
    const backward = <K>(cursor: K | null = null) => ({ cursor, backward: true });
    const ts = Date.now() * 1000;

    it('project list reads projects_created_idx in reverse', async () => {
      expectIndexPlan(await plan((db) => projectPage(db, adminScope, 2, backward())), 'projects_created_idx', { sorted: false });
      expectIndexPlan(await plan((db) => projectPage(db, adminScope, 2, backward([0, ids.projects[0]]))), 'projects_created_idx', { sorted: false });
    });

    it('video pages read their indexes in reverse, filtered or not', async () => {
      expectIndexPlan(await plan((db) => videoPagesByProjects(db, ids.projects, {}, 51, backward())), 'videos_project_created_idx', { sorted: false });
      expectIndexPlan(await plan((db) => videoPagesByProjects(db, ids.projects, {}, 51, backward([0, ids.videos[0]]))), 'videos_project_created_idx', { sorted: false });
      expectIndexPlan(await plan((db) => videoPagesByProjects(db, ids.projects, { status: 'completed' }, 51, backward([ts, ids.videos[0]]))), 'videos_project_status_created_idx', { sorted: false });
      expectIndexPlan(await plan((db) => videoPagesByProjects(db, ids.projects, { groundTruthGenerated: true }, 51, backward())), 'videos_project_gt_generated_idx', { sorted: false });
    });

    it('ground-truth pages read gto_video_frame_idx in reverse (frame desc, confidence, id desc)', async () => {
      expectIndexPlan(await plan((db) => groundTruthPagesByVideos(db, [ids.bigVideo], { minConfidence: 0.3 }, 1001, backward())), 'gto_video_frame_idx', { sorted: false });
      expectIndexPlan(
        await plan((db) => groundTruthPagesByVideos(db, [ids.bigVideo], { minConfidence: 0.3, fromFrame: 10, toFrame: 2000 }, 101, backward([1500, 0.5, ids.videos[0]]))),
        'gto_video_frame_idx',
        { sorted: false },
      );
      expectIndexPlan(
        await plan((db) => groundTruthPagesByVideos(db, [ids.bigVideo], { classLabel: 'car', validated: true }, 51, backward())),
        'gto_video_class_frame_validated_idx',
        { sorted: false },
      );
    });

    it('detection pages read their indexes in reverse', async () => {
      expectIndexPlan(await plan((db) => detectionPagesBySessions(db, ids.sessions, {}, 501, backward([1e9, ids.videos[0]]))), 'det_session_timestamp_idx', { sorted: false });
      expectIndexPlan(await plan((db) => detectionPagesBySessions(db, ids.sessions, { validationResult: 'FP' }, 51, backward())), 'det_session_result_timestamp_judged_idx', { sorted: false });
      expectIndexPlan(
        await plan((db) => detectionPagesBySessions(db, ids.sessions, { classLabel: 'car', minConfidence: 0.5 }, 21, backward())),
        'det_session_class_timestamp_idx',
        { sorted: false },
      );
    });

    it('session pages read their indexes in reverse', async () => {
      expectIndexPlan(await plan((db) => testSessionPagesByProjects(db, ids.projects, undefined, 3, backward([0, ids.sessions[0]]))), 'test_sessions_project_started_idx', { sorted: false });
      expectIndexPlan(await plan((db) => testSessionPagesByProjects(db, ids.projects, 'completed', 3, backward())), 'test_sessions_project_status_started_idx', { sorted: false });
    });
  });

  it('node lookups probe the big tables by primary key, scoped or not, and never hash a parent table', async () => {
    const member = memberScope(ids.projects.slice(0, 1), []);
    for (const scope of [adminScope, member]) {
      const nodes = await plan((db) => nodeTablesByIds(db, scope, [...ids.videos.slice(0, 2), ids.sessions[0]]));
      // (projects and sessions are small here: the planner may probe them through any index
      // holding the id; expectIndexPlan still refuses a scan of every big table)
      for (const index of ['videos_pkey', 'ground_truth_objects_pkey', 'detection_events_pkey']) expectIndexPlan(nodes, index, { sorted: false });
      expect(nodes.filter((n) => n['Node Type'] === 'Hash Join')).toEqual([]);
      for (const [lookup, index] of [[groundTruthByIds, 'ground_truth_objects_pkey'], [detectionsByIds, 'detection_events_pkey']] as const) {
        const nodesOf = await plan((db) => lookup(db, scope, ids.videos));
        expectIndexPlan(nodesOf, index, { sorted: false });
        expect(nodesOf.filter((n) => n['Node Type'] === 'Hash Join')).toEqual([]);
      }
    }
  });

  it('dashboard counters and lookups by id are primary-key reads', async () => {
    expectIndexPlan(await plan((db) => projectStatsByIds(db, ids.projects)), 'project_stats_pkey', { sorted: false });
    expectIndexPlan(await plan((db) => videosByIds(db, adminScope, ids.videos)), 'videos_pkey', { sorted: false });
    expectIndexPlan(await plan((db) => projectPage(db, adminScope, 21)), 'projects_created_idx', { sorted: false });
  });
});
