// What a bare handler does with the rows of each read scenario: build the response object by hand —
// the same fields in the same order as the scenario's GraphQL selection, the same cursors and counts —
// for one JSON.stringify. No resolvers, no schema: this is the floor GraphQL execution is measured
// against. The runner checks each shape's body equals truthgraph's before timing it.

/** Rows of the plan's statement with this name (its first occurrence). */
export type RowsOf = (statementName: string) => any[];

// Cursors carry their list first (`videos/<project>`…, src/loaders/cursor.ts), then the row's sort key.
const cursor = (values: readonly unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

/** A keyset page fetched with LIMIT first + 1, as truthgraph's toPage reads it. */
function page<T>(rows: T[], first: number, keyOf: (row: T) => unknown[], total: () => number) {
  const hasNextPage = rows.length > first;
  const shown = hasNextPage ? rows.slice(0, first) : rows;
  return {
    shown,
    totalCount: () => (hasNextPage ? total() : shown.length),
    pageInfo: { hasNextPage, endCursor: shown.length ? cursor(keyOf(shown[shown.length - 1])) : null },
  };
}

function groupBy<T>(rows: T[], keyOf: (row: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = keyOf(r);
    const g = m.get(k);
    if (g) g.push(r);
    else m.set(k, [r]);
  }
  return m;
}

const stat = (s: any) => ({
  totalObjects: s.totalObjects,
  avgConfidence: s.avgConfidence,
  uniqueClasses: s.uniqueClasses,
  validatedCount: s.validatedCount,
  validationRate: s.totalObjects ? (100 * s.validatedCount) / s.totalObjects : 0,
});
const noStats = { totalObjects: 0, avgConfidence: null, uniqueClasses: 0, validatedCount: 0 };

const detectionStats = (s: any) => ({
  total: s.detectionsTp + s.detectionsFp + s.detectionsFn + s.detectionsPending,
  tp: s.detectionsTp,
  fp: s.detectionsFp,
  fn: s.detectionsFn,
  pending: s.detectionsPending,
});

const videoCount = (s: any) => (s ? s.videosUploaded + s.videosProcessing + s.videosCompleted + s.videosFailed : 0);

export const floorShapes: Record<string, (rows: RowsOf) => unknown> = {
  // project(id) { id videos(first: 50) { totalCount pageInfo nodes { id filename status createdAt duration groundTruthCount maxConfidence } } }
  'video-list': (rows) => {
    const [p] = rows('projectsByIds');
    if (!p) return { data: { project: null } };
    const v = page(rows('videoPagesByProjects'), 50, (r) => [`videos/${p.id}`, r._ts, r.id], () => videoCount(p._stats));
    return {
      data: {
        project: {
          id: p.id,
          videos: {
            totalCount: v.totalCount(),
            pageInfo: v.pageInfo,
            nodes: v.shown.map((r) => ({
              id: r.id,
              filename: r.filename,
              status: r.status.toUpperCase(),
              createdAt: r.createdAt.toISOString(),
              duration: r.duration,
              groundTruthCount: r.groundTruthCount,
              maxConfidence: r.maxConfidence,
            })),
          },
        },
      },
    };
  },

  // video(id) { id groundTruthStats(minConfidence: 0) {…} groundTruth(minConfidence: 0, first: 10000) { totalCount pageInfo nodes { 12 fields } } }
  'ground-truth-10k': (rows) => {
    const [video] = rows('videosByIds');
    if (!video) return { data: { video: null } };
    const g = page(rows('groundTruthPagesByVideos'), 10_000, (r) => [`ground-truth/${video.id}`, r.frameNumber, r.confidence, r.id], () => video.groundTruthCount);
    return {
      data: {
        video: {
          id: video.id,
          groundTruthStats: stat(rows('groundTruthStatsByVideos')[0] ?? noStats),
          groundTruth: {
            totalCount: g.totalCount(),
            pageInfo: g.pageInfo,
            nodes: g.shown.map((r) => ({
              id: r.id,
              frameNumber: r.frameNumber,
              timestamp: r.timestamp,
              classLabel: r.classLabel,
              confidence: r.confidence,
              x: r.x,
              y: r.y,
              width: r.width,
              height: r.height,
              bboxArea: r.width * r.height,
              validated: r.validated,
              difficult: r.difficult,
            })),
          },
        },
      },
    };
  },

  // testSession(id) { id status detections(minConfidence: 0.3, classLabel: "car", first: 500) { totalCount pageInfo nodes {…} } }
  'detections-500': (rows) => {
    const [s] = rows('testSessionsByIds');
    if (!s) return { data: { testSession: null } };
    // A filtered list: its total is the COUNT statement's (sent only when the page has a next one).
    const d = page(rows('detectionPagesBySessions'), 500, (r) => [`detections/${s.id}`, r.timestamp, r.id], () => rows('detectionCountsBySessions')[0]?.n ?? 0);
    return {
      data: {
        testSession: {
          id: s.id,
          status: s.status.toUpperCase(),
          detections: {
            totalCount: d.totalCount(),
            pageInfo: d.pageInfo,
            nodes: d.shown.map((r) => ({
              id: r.id,
              frameNumber: r.frameNumber,
              timestamp: r.timestamp,
              classLabel: r.classLabel,
              confidence: r.confidence,
              validationResult: r.validationResult,
              boundingBox: { x: r.boundingBoxX, y: r.boundingBoxY, width: r.boundingBoxWidth, height: r.boundingBoxHeight },
            })),
          },
        },
      },
    };
  },

  // project(id) { id name stats { … } }
  dashboard: (rows) => {
    const [p] = rows('projectsByIds');
    if (!p) return { data: { project: null } };
    const s = p._stats;
    return {
      data: {
        project: {
          id: p.id,
          name: p.name,
          stats: {
            videoCount: videoCount(s),
            videosByStatus: { uploaded: s.videosUploaded, processing: s.videosProcessing, completed: s.videosCompleted, failed: s.videosFailed },
            groundTruthTotal: s.groundTruthTotal,
            groundTruthValidated: s.groundTruthValidated,
            testSessionsByStatus: { running: s.sessionsRunning, completed: s.sessionsCompleted, failed: s.sessionsFailed },
            detectionsByResult: detectionStats(s),
          },
        },
      },
    };
  },

  // projects(first: 20) { nodes { id name videos(first: 20) { nodes { id filename groundTruthStats {…} testSessions { id status detectionStats {…} } } } } }
  nested: (rows) => {
    const projects = rows('projectPage').slice(0, 20);
    const videos = groupBy(rows('videoPagesByProjects'), (r) => r.projectId);
    const stats = new Map(rows('groundTruthStatsByVideos').map((r) => [r.videoId, r]));
    const sessions = groupBy(rows('testSessionsByVideos'), (r) => r.videoId);
    return {
      data: {
        projects: {
          nodes: projects.map((p) => ({
            id: p.id,
            name: p.name,
            videos: {
              nodes: (videos.get(p.id) ?? []).slice(0, 20).map((v) => ({
                id: v.id,
                filename: v.filename,
                groundTruthStats: stat(stats.get(v.id) ?? noStats),
                testSessions: (sessions.get(v.id) ?? []).map((t) => ({ id: t.id, status: t.status.toUpperCase(), detectionStats: detectionStats(t) })),
              })),
            },
          })),
        },
      },
    };
  },
};
