// The benchmark's GraphQL operations (scenarios 1-7 of issue 6) and the ids they address. Ids are
// computed the way src/db/seed-data.ts derives them (md5 of seed and row number), so the benchmark
// needs no lookup to find "project 1" or "the first 10k-box video".
import { createHash } from 'node:crypto';
import type { SeedShape } from '../src/db/seed-data.js';

export function seededId(kind: 'project' | 'video' | 'session', seed: number, n: number): string {
  const h = createHash('md5').update(`truthgraph-${kind}-${seed}-${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Shape of `npm run bench -- --quick`: small, but with the same kinds of big videos and sessions. */
export const quickShape: SeedShape = {
  projects: 20,
  videosPerProject: 50,
  groundTruthMean: 30,
  bigVideoEvery: 250,
  sessionEvery: 10,
  detectionsMean: 300,
  bigSessionEvery: 25,
  seed: 7,
};

export interface Targets {
  /** The rows the benchmark addresses. */
  projectId: string;
  /** A video with at least 10,000 boxes. */
  bigVideoId: string;
  /** A session with 25,000+ detections (a filtered 500-page fills). */
  bigSessionId: string;
}

export function targetsFor(shape: SeedShape): Targets {
  const bigVideo = shape.bigVideoEvery;
  // Sessions sit on every sessionEvery-th video; the big ones on every (sessionEvery * bigSessionEvery)-th.
  const bigSession = shape.sessionEvery * Math.max(1, shape.bigSessionEvery ?? 0);
  return {
    projectId: seededId('project', shape.seed, 1),
    bigVideoId: seededId('video', shape.seed, bigVideo),
    bigSessionId: seededId('session', shape.seed, bigSession),
  };
}

export interface Operation {
  query: string;
  variables: Record<string, unknown>;
  operationName: string;
}

export interface ReadScenario {
  key: string;
  title: string;
  op: (t: Targets) => Operation;
  /** Checks a response's data; returns a problem, or null when the answer is what was asked. */
  check: (data: any) => string | null;
  /** The p50 targets at concurrency 1 (ms): uncached, cached. */
  target: { uncached: number; cached: number };
}

const videoList = `query VideoList($projectId: ID!) {
  project(id: $projectId) {
    id
    videos(first: 50) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id filename status createdAt duration groundTruthCount maxConfidence }
    }
  }
}`;

const groundTruth = `query GroundTruth($videoId: ID!) {
  video(id: $videoId) {
    id
    groundTruthStats(minConfidence: 0) { totalObjects avgConfidence uniqueClasses validatedCount validationRate }
    groundTruth(minConfidence: 0, first: 10000) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id frameNumber timestamp classLabel confidence x y width height bboxArea validated difficult }
    }
  }
}`;

const detections = `query Detections($sessionId: ID!) {
  testSession(id: $sessionId) {
    id
    status
    detections(minConfidence: 0.3, classLabel: "car", first: 500) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id frameNumber timestamp classLabel confidence validationResult boundingBox { x y width height } }
    }
  }
}`;

const dashboard = `query Dashboard($projectId: ID!) {
  project(id: $projectId) {
    id
    name
    stats {
      videoCount
      videosByStatus { uploaded processing completed failed }
      groundTruthTotal
      groundTruthValidated
      testSessionsByStatus { running completed failed }
      detectionsByResult { total tp fp fn pending }
    }
  }
}`;

const nested = `query Nested {
  projects(first: 20) {
    nodes {
      id
      name
      videos(first: 20) {
        nodes {
          id
          filename
          groundTruthStats { totalObjects avgConfidence uniqueClasses validatedCount validationRate }
          testSessions { id status detectionStats { total tp fp fn pending } }
        }
      }
    }
  }
}`;

export const readScenarios: ReadScenario[] = [
  {
    key: 'video-list',
    title: '1. video list, 50 newest + totalCount',
    op: (t) => ({ query: videoList, variables: { projectId: t.projectId }, operationName: 'VideoList' }),
    check: (d) => (d?.project?.videos?.nodes?.length === 50 ? null : `expected 50 videos, got ${d?.project?.videos?.nodes?.length}`),
    target: { uncached: 2, cached: 2 },
  },
  {
    key: 'ground-truth-10k',
    title: '2. ground truth, 10,000 boxes + stats',
    op: (t) => ({ query: groundTruth, variables: { videoId: t.bigVideoId }, operationName: 'GroundTruth' }),
    check: (d) => (d?.video?.groundTruth?.nodes?.length === 10000 ? null : `expected 10000 boxes, got ${d?.video?.groundTruth?.nodes?.length}`),
    target: { uncached: 60, cached: 15 },
  },
  {
    key: 'detections-500',
    title: '3. detections, filtered, 500 per page',
    op: (t) => ({ query: detections, variables: { sessionId: t.bigSessionId }, operationName: 'Detections' }),
    check: (d) => (d?.testSession?.detections?.nodes?.length === 500 ? null : `expected 500 detections, got ${d?.testSession?.detections?.nodes?.length}`),
    target: { uncached: 4, cached: 2 },
  },
  {
    key: 'dashboard',
    title: '4. dashboard (Project.stats)',
    op: (t) => ({ query: dashboard, variables: { projectId: t.projectId }, operationName: 'Dashboard' }),
    check: (d) => (d?.project?.stats?.videoCount > 0 ? null : `expected stats, got ${JSON.stringify(d?.project?.stats)}`),
    target: { uncached: 3, cached: 2 },
  },
  {
    key: 'nested',
    title: '5. nested: projects × 20 videos',
    op: () => ({ query: nested, variables: {}, operationName: 'Nested' }),
    check: (d) => {
      const projects = d?.projects?.nodes;
      if (!projects?.length) return 'expected projects';
      const short = projects.find((p: any) => p.videos.nodes.length !== 20);
      return short ? `project ${short.id} has ${short.videos.nodes.length} videos, expected 20` : null;
    },
    target: { uncached: 30, cached: 2 },
  },
];

// Scenario 6: the write path (issue 4). DetectionInput's exact shape lands with the write branch, so
// the runner tries these shapes in order and keeps the first the server accepts.
export const ingestDetections = `mutation IngestDetections($sessionId: ID!, $detections: [DetectionInput!]!) {
  ingestDetections(testSessionId: $sessionId, detections: $detections) { inserted updated }
}`;

export const setValidationResults = `mutation SetValidationResults($ids: [ID!]!, $result: ValidationResult!) {
  setValidationResults(detectionIds: $ids, result: $result)
}`;

export type DetectionShape = 'nested-box' | 'flat-box';

/**
 * `n` detections with stable ids (a repeated call updates the same rows), four per frame from
 * `firstFrame` on.
 */
export function benchDetections(n: number, shape: DetectionShape, round = 0, firstFrame = 0): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const h = createHash('md5').update(`bench-detection-${i}`).digest('hex');
    const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    const frameNumber = firstFrame + Math.floor(i / 4);
    const box = { x: (i * 37) % 1800, y: (i * 53) % 1000, width: 10 + (i % 190), height: 10 + ((i * 7) % 190) };
    const base = {
      id,
      frameNumber,
      timestamp: frameNumber / 30,
      classLabel: ['car', 'truck', 'pedestrian', 'bicycle'][i % 4],
      // Alternating confidences make every repeated call a real update, not a no-op.
      confidence: ((i * 7919 + round) % 1000) / 1000,
      validationResult: 'PENDING',
    };
    out.push(shape === 'nested-box' ? { ...base, boundingBox: box } : { ...base, ...box });
  }
  return out;
}

/** `n` new detections, without ids (the server makes them), four per frame from `firstFrame` on. */
export function newBenchDetections(n: number, shape: DetectionShape, firstFrame = 0): Record<string, unknown>[] {
  return benchDetections(n, shape, 0, firstFrame).map(({ id: _id, ...rest }) => rest);
}

// Scenario 7: the mixed workload. Reads carry processingStatus so a client can check that it sees
// its own acknowledged writes (updateVideo sets processingStatus to a per-client marker).
export const mixedVideo = `query MixedVideo($videoId: ID!) {
  video(id: $videoId) {
    id
    processingStatus
    groundTruthCount
    groundTruthStats { totalObjects validatedCount validationRate }
  }
}`;

export const mixedVideoPage = `query MixedVideoPage($projectId: ID!) {
  project(id: $projectId) {
    id
    videos(first: 20) { nodes { id processingStatus groundTruthCount maxConfidence } }
  }
}`;

export const mixedSession = `query MixedSession($sessionId: ID!) {
  testSession(id: $sessionId) { id status detectionStats { total tp fp fn pending } }
}`;

export const updateVideo = `mutation UpdateVideo($id: ID!, $processingStatus: String!) {
  updateVideo(id: $id, input: { processingStatus: $processingStatus }) { id processingStatus }
}`;
