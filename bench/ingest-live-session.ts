// ingestDetections of 10,000 new detections (no ids) into a new live session, in process (the service
// call: checks, COPY, live maintenance; no HTTP), on the video with the most boxes, the detections made
// as bench/evaluation-runs.ts makes them (three of four near a box, the fourth of another class). Prints
// the median wall time and the mean CPU per call of Node and of the one PostgreSQL backend. Each call's
// session is deleted afterwards. For A/B, run it from each checkout in turn on the same database copy:
//   (cd <checkout> && npx tsx bench/ingest-live-session.ts postgres://postgres@127.0.0.1:5432/<copy> 5)
import { readFileSync } from 'node:fs';
import { adminScope } from '../src/auth/scope.js';
import { createPostgresDb, defaultPoolOptions } from '../src/db/client.js';
import { ingestDetections } from '../src/services/detection.service.js';

const url = process.argv[2];
const runs = Number(process.argv[3] ?? 5);
const db = createPostgresDb(url, { ...defaultPoolOptions, max: 1 });
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const [{ videoId, projectId }] = await db.query<{ videoId: string; projectId: string }>(
  `SELECT video_id AS "videoId", (SELECT project_id FROM videos WHERE id = video_id) AS "projectId"
   FROM ground_truth_objects GROUP BY video_id ORDER BY count(*) DESC LIMIT 1`,
);
const boxes = await db.query<{ f: number; l: string; x: number; y: number; w: number; h: number }>(
  `SELECT frame_number AS f, class_label AS l, x, y, width AS w, height AS h FROM ground_truth_objects WHERE video_id = $1 ORDER BY frame_number, id LIMIT 7500`,
  [videoId],
);
const labels = [...new Set(boxes.map((b) => b.l))];
const detections = Array.from({ length: 10_000 }, (_, i) => {
  const b = boxes[Math.floor((i * 3) / 4) % boxes.length];
  const fp = i % 4 === 3;
  return { frameNumber: b.f, timestamp: b.f / 30, classLabel: fp ? labels[(labels.indexOf(b.l) + 1) % labels.length] : b.l, confidence: ((i * 7919) % 1000) / 1000, boundingBox: { x: b.x + b.w * 0.05, y: b.y, width: b.w, height: b.h } };
});
const [{ pid }] = await db.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
const wall: number[] = [];
const node: number[] = [];
const pg: number[] = [];
for (let i = 0; i < runs + 1; i++) {
  const [{ id }] = await db.query<{ id: string }>(`INSERT INTO test_sessions (project_id, video_id) VALUES ($1, $2) RETURNING id`, [projectId, videoId]);
  await db.query(`INSERT INTO live_evaluations (test_session_id, iou_threshold) VALUES ($1, 0.5)`, [id]);
  const c0 = cpuMs(pid);
  const n0 = process.cpuUsage();
  const t = performance.now();
  await ingestDetections({ db, scope: adminScope }, id, JSON.parse(JSON.stringify(detections)));
  const ms = performance.now() - t;
  const n1 = process.cpuUsage(n0);
  if (i > 0) {
    wall.push(ms);
    node.push((n1.user + n1.system) / 1000);
    pg.push(cpuMs(pid) - c0);
  }
  const [{ m }] = await db.query<{ m: number }>(`SELECT count(*)::int AS m FROM live_matches WHERE test_session_id = $1`, [id]);
  if (i === 0) console.log('matches written', m);
  await db.query(`DELETE FROM live_matches WHERE test_session_id = $1`, [id]);
  await db.query(`DELETE FROM live_evaluations WHERE test_session_id = $1`, [id]);
  await db.query(`DELETE FROM test_sessions WHERE id = $1`, [id]);
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`wall median ${med(wall).toFixed(0)} ms, Node CPU mean ${mean(node).toFixed(0)} ms, backend CPU mean ${mean(pg).toFixed(0)} ms  (${wall.map((x) => x.toFixed(0)).join(' ')})`);
await db.close();
