// Times evaluation reads of one large session on real PostgreSQL, uncached (CACHE=off), over HTTP:
// the default threshold, mapCoco (10 thresholds over the same one read), and applyEvaluation with
// overwrite. The session: 27,000 detections over 3,000 frames and 5 classes against 9,000 boxes,
// boxes and detections jittered so matches, misses and ties all occur.
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/evaluation.ts [runs]
import { createTestDatabase } from '../test/support/databases.js';
import { createTestApp, dataOf } from '../test/support/test-app.js';

const runs = Number(process.argv[2] ?? 15);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;

const database = await createTestDatabase('postgres');
const db = database.db;
const app = await createTestApp(db, { CACHE: 'off' });
try {
  const [{ id: projectId }] = await db.query<{ id: string }>(`INSERT INTO projects (name) VALUES ('bench') RETURNING id`);
  const [{ id: videoId }] = await db.query<{ id: string }>(`INSERT INTO videos (project_id, filename) VALUES ($1, 'v.mp4') RETURNING id`, [projectId]);
  const [{ id: sessionId }] = await db.query<{ id: string }>(`INSERT INTO test_sessions (project_id, video_id) VALUES ($1, $2) RETURNING id`, [projectId, videoId]);
  await db.query(
    `INSERT INTO ground_truth_objects (video_id, frame_number, timestamp, class_label, confidence, x, y, width, height, difficult)
     SELECT $1, g % 3000, (g % 3000) / 30.0, 'class_' || (g % 5), 1, (g * 37) % 600, (g * 53) % 400, 40 + g % 30, 30 + g % 20, g % 17 = 0
     FROM generate_series(1, 9000) g`,
    [videoId],
  );
  await db.query(
    `INSERT INTO detection_events (test_session_id, frame_number, timestamp, class_label, confidence,
       bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height)
     SELECT $1, g % 3000, (g % 3000) / 30.0, 'class_' || (g % 5), round((random() * 100)::numeric) / 100,
       (g * 37) % 600 + (g % 7) * 3, (g * 53) % 400 + (g % 5) * 4, 40 + g % 30, 30 + g % 20
     FROM generate_series(1, 27000) g`,
    [sessionId],
  );
  await db.query('ANALYZE');

  const time = async (query: string, variables: Record<string, unknown>) => {
    const xs: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const t = performance.now();
      const res = await app.execute(query, variables);
      const ms = performance.now() - t;
      dataOf(res);
      if (i >= 2) xs.push(ms);
    }
    return xs;
  };
  const evaluation = `query($id: ID!) { testSession(id: $id) { evaluation { overall { tp fp fn precision recall f1 } perClass { classLabel tp fp fn ap } map } } }`;
  const coco = `query($id: ID!) { testSession(id: $id) { evaluation { map mapCoco } } }`;
  const apply = `mutation($id: ID!) { applyEvaluation(testSessionId: $id, overwrite: true) { updated } }`;
  const sample = dataOf(await app.execute(evaluation, { id: sessionId })).testSession.evaluation;
  console.log(`session: 27,000 detections, 9,000 boxes; overall ${JSON.stringify(sample.overall)}; map ${sample.map}`);
  console.log(`evaluation (0.5), uncached:  ${fmt(await time(evaluation, { id: sessionId }))}`);
  console.log(`evaluation + mapCoco:        ${fmt(await time(coco, { id: sessionId }))}`);
  console.log(`applyEvaluation (overwrite): ${fmt(await time(apply, { id: sessionId }))}`);
} finally {
  await app.close();
  await database.drop();
}
