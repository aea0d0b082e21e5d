// Times a 10,000-detection ingestDetections on real PostgreSQL: the whole GraphQL request over HTTP,
// the service call (validation + transaction), and the upsert statement alone, with json_to_recordset
// (what the code uses) against unnest over one array per column (the alternative it was chosen over),
// and the CPU time the PostgreSQL backend spent on that statement (needs the server on this machine).
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/ingest-detections.ts [runs]
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { adminScope } from '../src/auth/scope.js';
import { ingestDetections } from '../src/services/detection.service.js';
import { detectionRow, type DetectionInput } from '../src/services/detection.service.js';
import { createTestDatabase } from '../test/support/databases.js';
import { createTestApp } from '../test/support/test-app.js';
import { detection, M } from '../test/support/write-harness.js';

const runs = Number(process.argv[2] ?? 7);
const n = 10_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;

const database = await createTestDatabase('postgres');
const db = database.db;
const app = await createTestApp(db);
try {
  const [{ id: projectId }] = await db.query<{ id: string }>(`INSERT INTO projects (name) VALUES ('bench') RETURNING id`);
  const [{ id: videoId }] = await db.query<{ id: string }>(`INSERT INTO videos (project_id, filename) VALUES ($1, 'v.mp4') RETURNING id`, [projectId]);
  const newSession = async () =>
    (await db.query<{ id: string }>(`INSERT INTO test_sessions (project_id, video_id) VALUES ($1, $2) RETURNING id`, [projectId, videoId]))[0].id;
  const batch = () => Array.from({ length: n }, () => detection({ id: randomUUID(), classLabel: `class_${Math.floor(Math.random() * 40)}` }) as DetectionInput);

  // Warm-up (plans, caches).
  await ingestDetections({ db, scope: adminScope }, await newSession(), batch());

  const http: number[] = [];
  const httpRetry: number[] = [];
  const service: number[] = [];
  for (let i = 0; i < runs; i++) {
    const session = await newSession();
    const detections = batch();
    let t = performance.now();
    const res = await app.execute(M.ingestDetections, { testSessionId: session, detections });
    http.push(performance.now() - t);
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    t = performance.now();
    await app.execute(M.ingestDetections, { testSessionId: session, detections });
    httpRetry.push(performance.now() - t);
    const session2 = await newSession();
    const more = batch();
    t = performance.now();
    await ingestDetections({ db, scope: adminScope }, session2, more);
    service.push(performance.now() - t);
  }

  // The statement alone, two ways, each in a rolled-back transaction on a fresh session.
  const json: number[] = [];
  const unnest: number[] = [];
  // CPU the backend spent on the statement (utime + stime of its process, 10 ms ticks): unlike wall
  // time it hardly depends on what else the machine runs.
  const jsonCpu: number[] = [];
  const unnestCpu: number[] = [];
  const cpuMs = (pid: number) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // fields 14 and 15 of the whole line
  };
  const rollback = new Error('rollback');
  for (let i = 0; i < runs; i++) {
    const session = await newSession();
    const rows = batch().map((d) => detectionRow(d as never));
    for (const [label, out] of [['json', json], ['unnest', unnest]] as const) {
      await db
        .transaction(async (tx) => {
          const [{ pid }] = await tx.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
          const cpu0 = cpuMs(pid);
          const t = performance.now();
          if (label === 'json') {
            await tx.query(
              `/* benchJson */ INSERT INTO detection_events AS d (id, test_session_id, frame_number, timestamp, class_label, confidence,
                 validation_result, bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height)
               SELECT r.id, $1::uuid, r.f, r.t, r.l, r.c, r.r, r.x, r.y, r.w, r.h
               FROM json_to_recordset($2::json) AS r(id uuid, f int, t float8, l text, c real, r validation_result, x real, y real, w real, h real)
               ORDER BY r.id ON CONFLICT (id) DO UPDATE SET confidence = EXCLUDED.confidence`,
              [session, JSON.stringify(rows)],
            );
          } else {
            const col = <K extends keyof (typeof rows)[number]>(k: K) => `{${rows.map((r) => JSON.stringify(r[k])).join(',')}}`;
            await tx.query(
              `/* benchUnnest */ INSERT INTO detection_events AS d (id, test_session_id, frame_number, timestamp, class_label, confidence,
                 validation_result, bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height)
               SELECT r.id, $1::uuid, r.f, r.t, r.l, r.c, r.r, r.x, r.y, r.w, r.h
               FROM unnest($2::uuid[], $3::int[], $4::float8[], $5::text[], $6::real[], $7::validation_result[], $8::real[], $9::real[], $10::real[], $11::real[])
                 AS r(id, f, t, l, c, r, x, y, w, h)
               ORDER BY r.id ON CONFLICT (id) DO UPDATE SET confidence = EXCLUDED.confidence`,
              [session, col('id'), col('f'), col('t'), col('l'), col('c'), col('r'), col('x'), col('y'), col('w'), col('h')],
            );
          }
          out.push(performance.now() - t);
          (label === 'json' ? jsonCpu : unnestCpu).push(cpuMs(pid) - cpu0);
          throw rollback;
        })
        .catch((e) => {
          if (e !== rollback) throw e;
        });
    }
  }
  console.log(`10,000 detections, ${runs} runs, PostgreSQL ${(await db.query<{ server_version: string }>(`SHOW server_version`))[0].server_version}, load average ${(await import("node:os")).loadavg()[0].toFixed(1)}`);
  console.log(`  ingestDetections over HTTP (insert):        ${fmt(http)}`);
  console.log(`  ingestDetections over HTTP (same batch again, update): ${fmt(httpRetry)}`);
  console.log(`  service call (validation + transaction):    ${fmt(service)}`);
  console.log(`  upsert statement, json_to_recordset:         ${fmt(json)}`);
  console.log(`  upsert statement, unnest arrays:             ${fmt(unnest)}`);
  console.log(`  backend CPU of the statement, json_to_recordset: ${fmt(jsonCpu)}`);
  console.log(`  backend CPU of the statement, unnest arrays:     ${fmt(unnestCpu)}`);
} finally {
  await app.close();
  await database.drop();
}
