// Row builders for tests: plain SQL through the data layer's handle, each with overrides, so a test
// states only what matters to it. Bulk rows travel as one JSON parameter.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../src/db/client.js';

let counter = 0;
const next = () => ++counter;

export async function insertProject(db: Queryable, o: { id?: string; name?: string; createdAt?: string } = {}) {
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO projects (id, name, description, created_at) VALUES ($1, $2, 'test project', coalesce($3::timestamptz, now())) RETURNING id`,
    [o.id ?? randomUUID(), o.name ?? `project ${next()}`, o.createdAt ?? null],
  );
  return row.id;
}

export interface VideoOverrides {
  id?: string;
  filename?: string;
  status?: 'uploaded' | 'processing' | 'completed' | 'failed';
  groundTruthGenerated?: boolean;
  createdAt?: string;
}

export async function insertVideo(db: Queryable, projectId: string, o: VideoOverrides = {}) {
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO videos (id, project_id, filename, status, ground_truth_generated, created_at, duration, file_size)
     VALUES ($1, $2, $3, $4::video_status, $5, coalesce($6::timestamptz, now()), 60, 1000000) RETURNING id`,
    [o.id ?? randomUUID(), projectId, o.filename ?? `video_${next()}.mp4`, o.status ?? 'completed', o.groundTruthGenerated ?? false, o.createdAt ?? null],
  );
  return row.id;
}

export interface BoxRow {
  id?: string;
  frame_number: number;
  timestamp?: number;
  class_label?: string;
  confidence: number;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  validated?: boolean;
  difficult?: boolean;
}

export async function insertGroundTruth(db: Queryable, videoId: string, boxes: BoxRow[]) {
  const rows = boxes.map((b) => ({
    id: b.id ?? randomUUID(),
    frame_number: b.frame_number,
    timestamp: b.timestamp ?? b.frame_number / 30,
    class_label: b.class_label ?? 'car',
    confidence: b.confidence,
    x: b.x ?? 10,
    y: b.y ?? 20,
    width: b.width ?? 30,
    height: b.height ?? 40,
    validated: b.validated ?? false,
    difficult: b.difficult ?? false,
  }));
  await db.query(
    `INSERT INTO ground_truth_objects (id, video_id, frame_number, timestamp, class_label, confidence, x, y, width, height, validated, difficult)
     SELECT r.id, $1::uuid, r.frame_number, r.timestamp, r.class_label, r.confidence, r.x, r.y, r.width, r.height, r.validated, r.difficult
     FROM json_to_recordset($2::json) AS r(id uuid, frame_number int, timestamp float8, class_label text, confidence real,
       x real, y real, width real, height real, validated boolean, difficult boolean)`,
    [videoId, JSON.stringify(rows)],
  );
  return rows.map((r) => r.id);
}

export async function insertTestSession(
  db: Queryable,
  projectId: string,
  videoId: string,
  o: { id?: string; status?: 'running' | 'completed' | 'failed'; startedAt?: string } = {},
) {
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO test_sessions (id, project_id, video_id, status, started_at) VALUES ($1, $2, $3, $4::test_session_status, coalesce($5::timestamptz, now())) RETURNING id`,
    [o.id ?? randomUUID(), projectId, videoId, o.status ?? 'running', o.startedAt ?? null],
  );
  return row.id;
}

export interface DetectionRow {
  id?: string;
  frame_number: number;
  timestamp?: number;
  class_label?: string;
  confidence: number;
  validation_result?: 'TP' | 'FP' | 'FN' | 'PENDING';
}

export async function insertDetections(db: Queryable, sessionId: string, detections: DetectionRow[]) {
  const rows = detections.map((d) => ({
    id: d.id ?? randomUUID(),
    frame_number: d.frame_number,
    timestamp: d.timestamp ?? d.frame_number / 30,
    class_label: d.class_label ?? 'car',
    confidence: d.confidence,
    validation_result: d.validation_result ?? 'PENDING',
  }));
  await db.query(
    `INSERT INTO detection_events (id, test_session_id, frame_number, timestamp, class_label, confidence, validation_result,
       bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height)
     SELECT r.id, $1::uuid, r.frame_number, r.timestamp, r.class_label, r.confidence, r.validation_result::validation_result, 1, 2, 3, 4
     FROM json_to_recordset($2::json) AS r(id uuid, frame_number int, timestamp float8, class_label text, confidence real, validation_result text)`,
    [sessionId, JSON.stringify(rows)],
  );
  return rows.map((r) => r.id);
}
