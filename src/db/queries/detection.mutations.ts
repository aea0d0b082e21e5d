// Writes to detection events: one set-based statement per call, rows as one JSON parameter written
// in id order. An update changes only confidence, validation result and updated_at.
// Measured on PostgreSQL 15 with bench/ingest-detections.ts (10,000 detections, medians of 7):
// json_to_recordset 344 ms vs unnest over one array per column 465 ms at load average 10, and 962 vs
// 949 ms at load average 18 — no better than noise for unnest, while JSON keeps one parameter and one
// code path for both drivers, so JSON stays.
import { fillPlaceholders, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Param, Queryable } from '../client.js';
import { Params } from '../params.js';
import { detectionEvents as d, type DetectionEventRow } from '../schema.js';
import type { ChangedPerParent, UpsertCounts } from './ground-truth.mutations.js';

export type ValidationResultValue = DetectionEventRow['validationResult'];

export interface DetectionJsonRow {
  id: string;
  f: number;
  t: number;
  l: string;
  c: number;
  r: ValidationResultValue;
  x: number;
  y: number;
  w: number;
  h: number;
}

export async function upsertDetections(db: Queryable, sessionId: string, rows: readonly DetectionJsonRow[]): Promise<UpsertCounts> {
  const [r] = await db.query<UpsertCounts>(
    `/* upsertDetections */ WITH up AS (
       INSERT INTO detection_events AS d
         (id, test_session_id, frame_number, timestamp, class_label, confidence, validation_result,
          bounding_box_x, bounding_box_y, bounding_box_width, bounding_box_height)
       SELECT r.id, $1::uuid, r.f, r.t, r.l, r.c, r.r, r.x, r.y, r.w, r.h
       FROM json_to_recordset($2::json) AS r(id uuid, f int, t float8, l text, c real, r validation_result, x real, y real, w real, h real)
       ORDER BY r.id
       ON CONFLICT (id) DO UPDATE SET
         confidence = EXCLUDED.confidence, validation_result = EXCLUDED.validation_result, updated_at = now()
       WHERE d.test_session_id = EXCLUDED.test_session_id
       RETURNING (xmax = 0) AS inserted
     ) SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, count(*)::int AS written FROM up`,
    [sessionId, JSON.stringify(rows)],
  );
  return r;
}

const col = (c: { name: string }) => sql.identifier(c.name);
// Rows whose ids the server just made cannot exist yet: a plain INSERT, without ON CONFLICT's
// speculative insertion, the sort and RETURNING. The JSON array is already in id order (uuidv7Batch
// counts up within a batch), so the rows still append to the primary-key index.
const insertStatement = new PgDialect().sqlToQuery(sql`/* insertDetections */
  INSERT INTO ${d} (${col(d.id)}, ${col(d.testSessionId)}, ${col(d.frameNumber)}, ${col(d.timestamp)}, ${col(d.classLabel)},
    ${col(d.confidence)}, ${col(d.validationResult)}, ${col(d.boundingBoxX)}, ${col(d.boundingBoxY)},
    ${col(d.boundingBoxWidth)}, ${col(d.boundingBoxHeight)})
  SELECT r.id, ${sql.placeholder('sessionId')}::uuid, r.f, r.t, r.l, r.c, r.r, r.x, r.y, r.w, r.h
  FROM json_to_recordset(${sql.placeholder('rows')}::json)
    AS r(id uuid, f int, t float8, l text, c real, r validation_result, x real, y real, w real, h real)`);

/** Inserts rows whose ids were made by the server for this call (no row can have them yet). */
export async function insertNewDetections(db: Queryable, sessionId: string, rows: readonly DetectionJsonRow[]): Promise<UpsertCounts> {
  await db.query(insertStatement.sql, fillPlaceholders(insertStatement.params, { sessionId, rows: JSON.stringify(rows) }) as Param[]);
  return { inserted: rows.length, written: rows.length };
}

/** Which of `ids` already belong to a session other than `sessionId`. */
export async function detectionIdsOfOtherSessions(db: Queryable, sessionId: string, ids: readonly string[]): Promise<string[]> {
  const p = new Params();
  const rows = await db.query<{ id: string }>(
    `/* detectionIdsOfOtherSessions */ SELECT id FROM detection_events
     WHERE id = ANY(${p.uuids(ids)}) AND test_session_id <> ${p.add(sessionId)}::uuid`,
    p.values,
  );
  return rows.map((r) => r.id);
}

/** One statement (`= ANY`) for the whole list; answers the changed rows per session. */
export async function setValidationResults(
  db: Queryable,
  ids: readonly string[],
  sessionIds: readonly string[],
  result: ValidationResultValue,
): Promise<ChangedPerParent[]> {
  const p = new Params();
  return db.query<ChangedPerParent>(
    `/* setValidationResults */ WITH u AS (
       UPDATE detection_events SET validation_result = ${p.add(result)}::validation_result, updated_at = now()
       WHERE id = ANY(${p.uuids(ids)}) AND test_session_id = ANY(${p.uuids(sessionIds)})
         AND validation_result <> $1::validation_result
       RETURNING test_session_id
     ) SELECT test_session_id AS parent, count(*)::int AS n FROM u GROUP BY test_session_id`,
    p.values,
  );
}
