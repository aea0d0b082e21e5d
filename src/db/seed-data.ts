// Deterministic, realistic data generated inside the database with set-based SQL (generate_series
// and a seeded hash), so millions of rows load in seconds and two runs with one seed are identical.
// The embedded demo data set and `npm run seed -- --scale N` are the same generator at two sizes.
import type { Queryable } from './client.js';

export interface SeedShape {
  projects: number;
  videosPerProject: number;
  /** Mean boxes per ordinary video; one video in `bigVideoEvery` gets 10,000-12,000. */
  groundTruthMean: number;
  bigVideoEvery: number;
  /** One test session per `sessionEvery` videos. */
  sessionEvery: number;
  /** Mean detections per ordinary session; one session in `bigSessionEvery` (0 or absent: none) gets 25,000-30,000. */
  detectionsMean: number;
  bigSessionEvery?: number;
  seed: number;
}

/** Scale 1: 10 projects, 10,000 videos, ~2M boxes, 1,000 sessions, ~2M detections. */
export function shapeForScale(scale: number, seed = 1): SeedShape {
  return {
    projects: Math.max(1, Math.round(10 * scale)),
    videosPerProject: 1000,
    groundTruthMean: 180,
    bigVideoEvery: 500,
    sessionEvery: 10,
    // Big sessions make a filtered 500-detection page (one class, confidence >= 0.3) fill up.
    detectionsMean: 1500,
    bigSessionEvery: 50,
    seed,
  };
}

export const demoShape: SeedShape = {
  projects: 3,
  videosPerProject: 100,
  groundTruthMean: 250,
  bigVideoEvery: 100,
  sessionEvery: 10,
  detectionsMean: 800,
  seed: 42,
};

export const classLabels = [
  'car', 'truck', 'bus', 'motorcycle', 'bicycle', 'pedestrian', 'traffic_light', 'stop_sign', 'dog', 'cat',
  'cyclist', 'van', 'trailer', 'scooter', 'stroller', 'wheelchair', 'cone', 'barrier', 'animal', 'unknown',
];

export interface SeedStep {
  table: string;
  rows: number;
  ms: number;
}

/**
 * Loads the shape; `onStep` reports each table as it lands. Project i of a seed always has the same
 * uuid, so reruns and other tools (benchmarks) can address rows without reading them first.
 */
export async function seedData(db: Queryable, shape: SeedShape, onStep: (s: SeedStep) => void = () => {}): Promise<SeedStep[]> {
  const s = shape.seed;
  // Uniform [0,1) from (row number, salt): hashint8extended is deterministic for a given seed.
  const rnd = (n: string, salt: number) => `((hashint8extended(${n}, ${s * 1000 + salt}) & 2147483647)::float8 / 2147483648.0)`;
  const labels = `(ARRAY[${classLabels.map((l) => `'${l}'`).join(',')}])`;
  const steps: SeedStep[] = [];
  const run = async (table: string, text: string) => {
    const started = performance.now();
    await db.query(text);
    const [{ n }] = await db.query<{ n: number }>(`/* seedCount */ SELECT count(*)::int AS n FROM ${table}`);
    const step = { table, rows: n, ms: Math.round(performance.now() - started) };
    steps.push(step);
    onStep(step);
  };

  await run(
    'projects',
    `/* seedProjects */ INSERT INTO projects (id, name, description, created_at)
     SELECT md5('truthgraph-project-${s}-' || i)::uuid, 'Project ' || i,
            'Generated validation project ' || i, now() - interval '400 days' + i * interval '1 hour'
     FROM generate_series(1, ${shape.projects}) i
     ON CONFLICT (id) DO NOTHING`,
  );

  // Video k (1-based, global) belongs to project ceil(k / videosPerProject), created over a year.
  const total = shape.projects * shape.videosPerProject;
  await run(
    'videos',
    `/* seedVideos */ INSERT INTO videos (id, project_id, filename, status, processing_status, created_at, duration, file_size, ground_truth_generated)
     SELECT md5('truthgraph-video-${s}-' || k)::uuid,
            md5('truthgraph-project-${s}-' || ((k - 1) / ${shape.videosPerProject} + 1))::uuid,
            'clip_' || lpad(k::text, 6, '0') || '.mp4',
            (CASE WHEN ${rnd('k', 1)} < 0.75 THEN 'completed' WHEN ${rnd('k', 1)} < 0.85 THEN 'processing'
                  WHEN ${rnd('k', 1)} < 0.95 THEN 'uploaded' ELSE 'failed' END)::video_status,
            CASE WHEN ${rnd('k', 1)} < 0.75 THEN 'done' ELSE 'queued' END,
            now() - ${rnd('k', 2)} * interval '365 days',
            round((30 + ${rnd('k', 3)} * 570)::numeric, 2)::float8,
            (10000000 + ${rnd('k', 4)} * 2000000000)::int8,
            ${rnd('k', 1)} < 0.75
     FROM generate_series(1, ${total}) k
     ON CONFLICT (id) DO NOTHING`,
  );

  // Per-video box counts are skewed: most videos have a few hundred, one in bigVideoEvery 10k+.
  await run(
    'ground_truth_objects',
    `/* seedGroundTruth */ INSERT INTO ground_truth_objects (id, video_id, frame_number, timestamp, class_label, confidence, x, y, width, height, validated, difficult)
     SELECT md5('truthgraph-gt-${s}-' || k || '-' || f)::uuid, v.id, f / 3, (f / 3) / 30.0,
            ${labels}[1 + floor(${rnd('k::int8 * 100003 + f', 5)} * 20)::int],
            ${rnd('k::int8 * 100003 + f', 6)}::real,
            (${rnd('k::int8 * 100003 + f', 7)} * 1800)::real, (${rnd('k::int8 * 100003 + f', 8)} * 1000)::real,
            (8 + ${rnd('k::int8 * 100003 + f', 9)} * 200)::real, (8 + ${rnd('k::int8 * 100003 + f', 10)} * 200)::real,
            ${rnd('k::int8 * 100003 + f', 11)} < 0.4, ${rnd('k::int8 * 100003 + f', 12)} < 0.05
     FROM (SELECT k, md5('truthgraph-video-${s}-' || k)::uuid AS id,
                  CASE WHEN k % ${shape.bigVideoEvery} = 0 THEN 10000 + floor(${rnd('k', 13)} * 2000)::int
                       ELSE floor(${shape.groundTruthMean * 3} * ${rnd('k', 13)} ^ 2)::int END AS n
           FROM generate_series(1, ${total}) k) v,
          LATERAL generate_series(1, v.n) f
     ON CONFLICT (id) DO NOTHING`,
  );

  await run(
    'test_sessions',
    `/* seedTestSessions */ INSERT INTO test_sessions (id, project_id, video_id, status, started_at, completed_at)
     SELECT md5('truthgraph-session-${s}-' || k)::uuid,
            md5('truthgraph-project-${s}-' || ((k - 1) / ${shape.videosPerProject} + 1))::uuid,
            md5('truthgraph-video-${s}-' || k)::uuid,
            (CASE WHEN ${rnd('k', 14)} < 0.8 THEN 'completed' WHEN ${rnd('k', 14)} < 0.9 THEN 'running' ELSE 'failed' END)::test_session_status,
            now() - ${rnd('k', 15)} * interval '300 days',
            CASE WHEN ${rnd('k', 14)} < 0.8 THEN now() - ${rnd('k', 15)} * interval '300 days' + interval '20 minutes' END
     FROM generate_series(${shape.sessionEvery}, ${total}, ${shape.sessionEvery}) k
     ON CONFLICT (id) DO NOTHING`,
  );

  // Session k is the k/sessionEvery-th session; every bigSessionEvery-th of them is big.
  const bigSession = shape.bigSessionEvery
    ? `CASE WHEN k % ${shape.sessionEvery * shape.bigSessionEvery} = 0 THEN 25000 + floor(${rnd('k', 24)} * 5000)::int ELSE `
    : '';
  await run(
    'detection_events',
    `/* seedDetections */ INSERT INTO detection_events (id, test_session_id, frame_number, timestamp, class_label, confidence, validation_result,
       bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height, created_at, updated_at)
     SELECT md5('truthgraph-det-${s}-' || k || '-' || f)::uuid, t.id, f / 2, (f / 2) / 30.0,
            ${labels}[1 + floor(${rnd('k::int8 * 100003 + f', 16)} * 20)::int],
            ${rnd('k::int8 * 100003 + f', 17)}::real,
            (CASE WHEN ${rnd('k::int8 * 100003 + f', 18)} < 0.4 THEN 'TP' WHEN ${rnd('k::int8 * 100003 + f', 18)} < 0.6 THEN 'FP'
                  WHEN ${rnd('k::int8 * 100003 + f', 18)} < 0.7 THEN 'FN' ELSE 'PENDING' END)::validation_result,
            (${rnd('k::int8 * 100003 + f', 19)} * 1800)::real, (${rnd('k::int8 * 100003 + f', 20)} * 1000)::real,
            (8 + ${rnd('k::int8 * 100003 + f', 21)} * 200)::real, (8 + ${rnd('k::int8 * 100003 + f', 22)} * 200)::real,
            now(), now()
     FROM (SELECT k, md5('truthgraph-session-${s}-' || k)::uuid AS id,
                  ${bigSession}floor(${shape.detectionsMean} * 2 * ${rnd('k', 23)})::int + 1${bigSession ? ' END' : ''} AS n
           FROM generate_series(${shape.sessionEvery}, ${total}, ${shape.sessionEvery}) k) t,
          LATERAL generate_series(1, t.n) f
     ON CONFLICT (id) DO NOTHING`,
  );
  return steps;
}
