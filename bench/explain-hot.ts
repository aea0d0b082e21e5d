// The plans of the hot reads at scale, as the data layer sends them: EXPLAIN (ANALYZE, BUFFERS) of each
// statement with its parameters inlined (executions are planned with their values), on a loaded
// benchmark database. test/db/explain.test.ts asserts the same plans on a small seeded database; this
// shows what they cost on millions of rows. Read-only.
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/truthgraph_bench_s1 npx tsx bench/explain-hot.ts
//        (RANDOM_PAGE_COST=4 … for PostgreSQL's default planner costs)
import postgres from 'postgres';
import { adminScope } from '../src/auth/scope.js';
import { plannerSettings, type Param, type Queryable } from '../src/db/client.js';
import { detectionPagesBySessions } from '../src/db/queries/detection.queries.js';
import { groundTruthPagesByVideos, groundTruthStatsByVideos } from '../src/db/queries/ground-truth.queries.js';
import { projectPage, projectStatsByIds } from '../src/db/queries/project.queries.js';
import { testSessionPagesByProjects, testSessionsByVideos } from '../src/db/queries/test-session.queries.js';
import { videoPagesByProjects, videosByIds } from '../src/db/queries/video.queries.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must name a loaded database (npm run seed -- --scale 1 makes one)');
// The planner settings of the app's own connections (RANDOM_PAGE_COST=4 shows PostgreSQL's default).
const sql = postgres(url, { max: 1, onnotice: () => {}, connection: plannerSettings(Number(process.env.RANDOM_PAGE_COST ?? 1.1)) });

async function statementOf(run: (db: Queryable) => Promise<unknown>) {
  let captured: { text: string; params: readonly Param[] } | undefined;
  await run({ query: async (text, params = []) => ((captured = { text, params }), []) });
  const literal = (v: Param) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v));
  return captured!.text.replace(/\$(\d+)/g, (_, n) => literal(captured!.params[Number(n) - 1]));
}

const col = async (q: string) => (await sql.unsafe<{ id: string }[]>(q)).map((r) => r.id);
const projects = await col('SELECT id FROM projects ORDER BY id');
const bigVideo = (await col('SELECT id FROM videos ORDER BY ground_truth_count DESC LIMIT 1'))[0];
const videos = await col('SELECT id FROM videos ORDER BY id LIMIT 50');
const session = (await col('SELECT id FROM test_sessions ORDER BY detections_tp + detections_fp + detections_fn + detections_pending DESC LIMIT 1'))[0];
const [counts] = await sql`SELECT (SELECT count(*) FROM videos)::int AS videos, (SELECT count(*) FROM ground_truth_objects)::int AS boxes,
  (SELECT count(*) FROM detection_events)::int AS detections`;
const [{ random_page_cost: rpc }] = await sql`SHOW random_page_cost`;
console.log(`database: ${counts.videos} videos, ${counts.boxes} boxes, ${counts.detections} detections; random_page_cost ${rpc}\n`);

const hot: [string, (db: Queryable) => Promise<unknown>][] = [
  [`video page, 50 per project, ${projects.length} projects`, (db) => videoPagesByProjects(db, projects, {}, 51)],
  ['video page filtered by status', (db) => videoPagesByProjects(db, projects, { status: 'completed' }, 51)],
  ['ground-truth page, 10,000 boxes of the largest video (minConfidence 0.3: fewer match than a page)', (db) => groundTruthPagesByVideos(db, [bigVideo], { minConfidence: 0.3 }, 10_001)],
  ['ground-truth page, 10,000 boxes of the largest video (minConfidence 0: more match than a page)', (db) => groundTruthPagesByVideos(db, [bigVideo], { minConfidence: 0 }, 10_001)],
  ['ground-truth page, 1,000 boxes from frame 2,000 on', (db) => groundTruthPagesByVideos(db, [bigVideo], { minConfidence: 0.3, fromFrame: 2000 }, 1_001)],
  ['ground-truth stats of 50 videos', (db) => groundTruthStatsByVideos(db, videos, 0.3)],
  ['detection page, 500 of the largest session', (db) => detectionPagesBySessions(db, [session], {}, 501)],
  ['detection page, class + min confidence', (db) => detectionPagesBySessions(db, [session], { classLabel: 'car', minConfidence: 0.5 }, 501)],
  ['session page per project', (db) => testSessionPagesByProjects(db, projects, undefined, 51)],
  ['sessions of 50 videos (20 each)', (db) => testSessionsByVideos(db, videos, undefined, 20)],
  ['dashboard counters', (db) => projectStatsByIds(db, projects)],
  ['videos by id (50)', (db) => videosByIds(db, adminScope, videos)],
  ['project page', (db) => projectPage(db, adminScope, 21)],
];
for (const [name, run] of hot) {
  const text = await statementOf(run);
  await sql.unsafe(text); // warm the buffers: the plan below is the steady state, not the first read from disk
  const plan = await sql.unsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON) ${text}`);
  // Long id lists make plans unreadable: show how many ids, not which.
  const short = (line: string) => line.replace(/'\{([0-9a-f-]{36})(,[0-9a-f-]{36})+\}'/g, (m, first) => `'{${first},… ${m.split(',').length} ids}'`);
  console.log(`== ${name}\n${plan.map((r) => short(r['QUERY PLAN'])).join('\n')}\n`);
}
await sql.end();
