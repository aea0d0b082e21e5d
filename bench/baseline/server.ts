// The "current" server the design document compares against, rebuilt for the benchmark: the same
// schema.graphql served by a default Apollo Server, with resolvers that run one query per field and
// per row (no DataLoader), the CTE video query that counts every box of the project before paging,
// a new database connection per request, and no cache. It runs against a database loaded by the same
// generator without secondary indexes (npm run seed -- --no-indexes). It exists only to be measured.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import postgres from 'postgres';
import { DateTime } from '../../src/graphql/scalars.js';
import { repoRoot } from '../server-process.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const port = Number(process.env.PORT ?? 4100);

interface Ctx {
  sql: postgres.Sql;
  // An object, not a number: Apollo hands resolvers a shallow copy of the context.
  stats: { statements: number };
  q<T = any>(text: string, params?: unknown[]): Promise<T[]>;
}

const offsetCursor = (n: number) => Buffer.from(`offset:${n}`).toString('base64');
const offsetOf = (after?: string | null) => (after ? Number(Buffer.from(after, 'base64').toString().slice(7)) + 1 : 0);

function page(rows: any[], first: number, offset: number, count: () => Promise<number>) {
  const nodes = rows.slice(0, first);
  return {
    nodes,
    edges: nodes.map((node, i) => ({ node, cursor: offsetCursor(offset + i) })),
    pageInfo: { hasNextPage: rows.length > first, endCursor: nodes.length ? offsetCursor(offset + nodes.length - 1) : null },
    // graphql-js calls a function-valued property: the count runs only when totalCount is asked for.
    totalCount: count,
  };
}

const video = (r: any) => r && {
  id: r.id, projectId: r.project_id, filename: r.filename, status: r.status, processingStatus: r.processing_status,
  createdAt: r.created_at, duration: r.duration, fileSize: r.file_size === null ? null : Number(r.file_size),
  groundTruthGenerated: r.ground_truth_generated, _count: r.gt_count, _max: r.gt_max,
};
const session = (r: any) => r && {
  id: r.id, projectId: r.project_id, videoId: r.video_id, status: r.status, startedAt: r.started_at, completedAt: r.completed_at,
};
const box = (r: any) => ({
  id: r.id, videoId: r.video_id, frameNumber: r.frame_number, timestamp: r.timestamp, classLabel: r.class_label,
  confidence: r.confidence, x: r.x, y: r.y, width: r.width, height: r.height, validated: r.validated, difficult: r.difficult,
});
const detection = (r: any) => ({
  id: r.id, testSessionId: r.test_session_id, frameNumber: r.frame_number, timestamp: r.timestamp, classLabel: r.class_label,
  confidence: r.confidence, validationResult: r.validation_result, createdAt: r.created_at, updatedAt: r.updated_at,
  boundingBox: { x: r.bounding_box_x, y: r.bounding_box_y, width: r.bounding_box_width, height: r.bounding_box_height },
});
const one = async (rows: Promise<any[]>) => (await rows)[0] ?? null;
const num = async (rows: Promise<any[]>) => Number((await rows)[0]?.n ?? 0);

function gtFilter(args: any, params: unknown[]): string {
  let s = '';
  if (args.minConfidence != null) s += ` AND confidence >= $${params.push(args.minConfidence)}`;
  if (args.classLabel != null) s += ` AND class_label = $${params.push(args.classLabel)}`;
  if (args.validated != null) s += ` AND validated = $${params.push(args.validated)}`;
  if (args.fromFrame != null) s += ` AND frame_number >= $${params.push(args.fromFrame)}`;
  if (args.toFrame != null) s += ` AND frame_number <= $${params.push(args.toFrame)}`;
  return s;
}

function detFilter(args: any, params: unknown[]): string {
  let s = '';
  if (args.minConfidence != null) s += ` AND confidence >= $${params.push(args.minConfidence)}`;
  if (args.classLabel != null) s += ` AND class_label = $${params.push(args.classLabel)}`;
  if (args.validationResult != null) s += ` AND validation_result = $${params.push(args.validationResult)}`;
  if (args.fromFrame != null) s += ` AND frame_number >= $${params.push(args.fromFrame)}`;
  if (args.toFrame != null) s += ` AND frame_number <= $${params.push(args.toFrame)}`;
  return s;
}

// Every stats field is its own query, as in the design document's "current" resolvers.
function groundTruthStats(ctx: Ctx, videoId: string, minConfidence: number) {
  const where = `video_id = $1 AND confidence >= $2`;
  const p = [videoId, minConfidence];
  const total = () => num(ctx.q(`SELECT count(*) AS n FROM ground_truth_objects WHERE ${where}`, p));
  const validated = () => num(ctx.q(`SELECT count(*) AS n FROM ground_truth_objects WHERE ${where} AND validated`, p));
  return {
    totalObjects: total,
    avgConfidence: async () => (await one(ctx.q(`SELECT avg(confidence)::float8 AS a FROM ground_truth_objects WHERE ${where}`, p)))?.a ?? null,
    uniqueClasses: () => num(ctx.q(`SELECT count(DISTINCT class_label) AS n FROM ground_truth_objects WHERE ${where}`, p)),
    validatedCount: validated,
    validationRate: async () => {
      const [t, v] = [await total(), await validated()];
      return t ? (100 * v) / t : 0;
    },
  };
}

function detectionStats(ctx: Ctx, sessionId: string) {
  const count = (result?: string) => () =>
    num(ctx.q(`SELECT count(*) AS n FROM detection_events WHERE test_session_id = $1${result ? ' AND validation_result = $2' : ''}`,
      result ? [sessionId, result] : [sessionId]));
  return { total: count(), tp: count('TP'), fp: count('FP'), fn: count('FN'), pending: count('PENDING') };
}

function projectStats(ctx: Ctx, projectId: string) {
  const videos = (status: string) => () => num(ctx.q(`SELECT count(*) AS n FROM videos WHERE project_id = $1 AND status = $2`, [projectId, status]));
  const sessions = (status: string) => () =>
    num(ctx.q(`SELECT count(*) AS n FROM test_sessions WHERE project_id = $1 AND status = $2`, [projectId, status]));
  const detections = (result?: string) => () =>
    num(ctx.q(`SELECT count(*) AS n FROM detection_events d JOIN test_sessions t ON t.id = d.test_session_id
               WHERE t.project_id = $1${result ? ' AND d.validation_result = $2' : ''}`, result ? [projectId, result] : [projectId]));
  return {
    videoCount: () => num(ctx.q(`SELECT count(*) AS n FROM videos WHERE project_id = $1`, [projectId])),
    videosByStatus: { uploaded: videos('uploaded'), processing: videos('processing'), completed: videos('completed'), failed: videos('failed') },
    groundTruthTotal: () =>
      num(ctx.q(`SELECT count(*) AS n FROM ground_truth_objects g JOIN videos v ON v.id = g.video_id WHERE v.project_id = $1`, [projectId])),
    groundTruthValidated: () =>
      num(ctx.q(`SELECT count(*) AS n FROM ground_truth_objects g JOIN videos v ON v.id = g.video_id WHERE v.project_id = $1 AND g.validated`, [projectId])),
    testSessionsByStatus: { running: sessions('running'), completed: sessions('completed'), failed: sessions('failed') },
    detectionsByResult: { total: detections(), tp: detections('TP'), fp: detections('FP'), fn: detections('FN'), pending: detections('PENDING') },
  };
}

const resolvers = {
  DateTime,
  VideoStatus: { UPLOADED: 'uploaded', PROCESSING: 'processing', COMPLETED: 'completed', FAILED: 'failed' },
  TestSessionStatus: { RUNNING: 'running', COMPLETED: 'completed', FAILED: 'failed' },
  Query: {
    project: (_: unknown, a: any, ctx: Ctx) => one(ctx.q(`SELECT * FROM projects WHERE id = $1`, [a.id])),
    video: async (_: unknown, a: any, ctx: Ctx) => video(await one(ctx.q(`SELECT * FROM videos WHERE id = $1`, [a.id]))),
    testSession: async (_: unknown, a: any, ctx: Ctx) => session(await one(ctx.q(`SELECT * FROM test_sessions WHERE id = $1`, [a.id]))),
    projects: async (_: unknown, a: any, ctx: Ctx) => {
      const first = a.first ?? 20;
      const offset = offsetOf(a.after);
      const rows = await ctx.q(`SELECT * FROM projects ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`, [first + 1, offset]);
      return page(rows, first, offset, () => num(ctx.q(`SELECT count(*) AS n FROM projects`)));
    },
  },
  Project: {
    createdAt: (p: any) => p.created_at,
    // The CTE that counts every box of every video of the project, then pages.
    videos: async (p: any, a: any, ctx: Ctx) => {
      const first = a.first ?? 50;
      const offset = offsetOf(a.after);
      const params: unknown[] = [p.id];
      let filter = '';
      if (a.status) filter += ` AND v.status = $${params.push(a.status)}`;
      if (a.groundTruthGenerated != null) filter += ` AND v.ground_truth_generated = $${params.push(a.groundTruthGenerated)}`;
      const rows = await ctx.q(
        `WITH video_stats AS (
           SELECT v.*, count(g.id)::int AS gt_count, max(g.confidence) AS gt_max
           FROM videos v LEFT JOIN ground_truth_objects g ON g.video_id = v.id
           WHERE v.project_id = $1${filter}
           GROUP BY v.id
         )
         SELECT *, count(*) OVER ()::int AS total FROM video_stats
         ORDER BY created_at DESC, id DESC LIMIT $${params.push(first + 1)} OFFSET $${params.push(offset)}`,
        params,
      );
      const total = rows[0]?.total ?? 0;
      return page(rows.map(video), first, offset, async () => total);
    },
    testSessions: async (p: any, a: any, ctx: Ctx) => {
      const first = a.first ?? 50;
      const offset = offsetOf(a.after);
      const rows = await ctx.q(
        `SELECT * FROM test_sessions WHERE project_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2 OFFSET $3`,
        [p.id, first + 1, offset],
      );
      return page(rows.map(session), first, offset, () => num(ctx.q(`SELECT count(*) AS n FROM test_sessions WHERE project_id = $1`, [p.id])));
    },
    stats: (p: any, _: unknown, ctx: Ctx) => projectStats(ctx, p.id),
  },
  Video: {
    project: (v: any, _: unknown, ctx: Ctx) => one(ctx.q(`SELECT * FROM projects WHERE id = $1`, [v.projectId])),
    groundTruthCount: (v: any, _: unknown, ctx: Ctx) =>
      v._count ?? num(ctx.q(`SELECT count(*) AS n FROM ground_truth_objects WHERE video_id = $1`, [v.id])),
    maxConfidence: async (v: any, _: unknown, ctx: Ctx) =>
      v._count !== undefined ? v._max : (await one(ctx.q(`SELECT max(confidence) AS m FROM ground_truth_objects WHERE video_id = $1`, [v.id])))?.m ?? null,
    groundTruth: async (v: any, a: any, ctx: Ctx) => {
      const first = a.first ?? 1000;
      const offset = offsetOf(a.after);
      const params: unknown[] = [v.id];
      const filter = gtFilter(a, params);
      const rows = await ctx.q(
        `SELECT * FROM ground_truth_objects WHERE video_id = $1${filter}
         ORDER BY frame_number, confidence DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, first + 1, offset],
      );
      return page(rows.map(box), first, offset, () => num(ctx.q(`SELECT count(*) AS n FROM ground_truth_objects WHERE video_id = $1${filter}`, params)));
    },
    groundTruthStats: (v: any, a: any, ctx: Ctx) => groundTruthStats(ctx, v.id, a.minConfidence ?? 0.3),
    testSessions: async (v: any, a: any, ctx: Ctx) =>
      (await ctx.q(
        `SELECT * FROM test_sessions WHERE video_id = $1${a.status ? ' AND status = $2' : ''} ORDER BY started_at DESC`,
        a.status ? [v.id, a.status] : [v.id],
      )).map(session),
  },
  GroundTruthObject: {
    video: async (b: any, _: unknown, ctx: Ctx) => video(await one(ctx.q(`SELECT * FROM videos WHERE id = $1`, [b.videoId]))),
    bboxArea: (b: any) => b.width * b.height,
  },
  TestSession: {
    project: (s: any, _: unknown, ctx: Ctx) => one(ctx.q(`SELECT * FROM projects WHERE id = $1`, [s.projectId])),
    video: async (s: any, _: unknown, ctx: Ctx) => video(await one(ctx.q(`SELECT * FROM videos WHERE id = $1`, [s.videoId]))),
    detections: async (s: any, a: any, ctx: Ctx) => {
      const first = a.first ?? 500;
      const offset = offsetOf(a.after);
      const params: unknown[] = [s.id];
      const filter = detFilter(a, params);
      const rows = await ctx.q(
        `SELECT * FROM detection_events WHERE test_session_id = $1${filter}
         ORDER BY timestamp, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, first + 1, offset],
      );
      return page(rows.map(detection), first, offset, () =>
        num(ctx.q(`SELECT count(*) AS n FROM detection_events WHERE test_session_id = $1${filter}`, params)));
    },
    detectionStats: (s: any, _: unknown, ctx: Ctx) => detectionStats(ctx, s.id),
  },
  DetectionEvent: {
    testSession: async (d: any, _: unknown, ctx: Ctx) => session(await one(ctx.q(`SELECT * FROM test_sessions WHERE id = $1`, [d.testSessionId]))),
  },
};

const server = new ApolloServer<Ctx>({
  typeDefs: readFileSync(join(repoRoot, 'schema.graphql'), 'utf8'),
  resolvers: resolvers as any,
  plugins: [
    {
      async requestDidStart() {
        return {
          async willSendResponse({ contextValue, response }) {
            response.http.headers.set('x-sql-statements', String(contextValue.stats.statements));
            // A connection per request, closed with the request.
            await contextValue.sql.end({ timeout: 5 });
          },
        };
      },
    },
  ],
});

const { url } = await startStandaloneServer(server, {
  listen: { port, host: '127.0.0.1' },
  context: async () => {
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const ctx: Ctx = {
      sql,
      stats: { statements: 0 },
      q: (text, params = []) => {
        ctx.stats.statements++;
        return sql.unsafe(text, params as any[]) as any;
      },
    };
    return ctx;
  },
});
console.log(`baseline serving GraphQL at ${url}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void server.stop().then(() => process.exit(0)));
}
