// Writes to detection events: one set-based statement per call — a COPY of new rows, or an upsert with
// the rows as one JSON parameter written in id order. An update changes only confidence, validation
// result and updated_at.
// Measured on PostgreSQL 15 with bench/ingest-detections.ts (10,000 detections, medians of 7):
// json_to_recordset 344 ms vs unnest over one array per column 465 ms at load average 10, and 962 vs
// 949 ms at load average 18 — no better than noise for unnest, while JSON keeps one parameter and one
// code path for both drivers, so JSON stays.
import { sql } from 'drizzle-orm';
import type { Queryable, Transaction } from '../client.js';
import { CopyBuffer, copyTarget, copyText } from '../copy.js';
import { columnList, uuidArray } from '../params.js';
import { detectionEvents as d, type DetectionEventRow } from '../schema.js';
import { Statement } from '../statement.js';
import type { EvaluationDetection } from './evaluation.queries.js';
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

const upsert = new Statement(sql`/* upsertDetections */ WITH up AS (
    INSERT INTO ${d} ${columnList(d.id, d.testSessionId, d.frameNumber, d.timestamp, d.classLabel, d.confidence, d.validationResult, d.boundingBoxX, d.boundingBoxY, d.boundingBoxWidth, d.boundingBoxHeight)}
    SELECT r.id, ${sql.placeholder('sessionId')}::uuid, r.f, r.t, r.l, r.c, r.r, r.x, r.y, r.w, r.h
    FROM json_to_recordset(${sql.placeholder('rows')}::json) AS r(id uuid, f int, t float8, l text, c real, r validation_result, x real, y real, w real, h real)
    ORDER BY r.id
    ON CONFLICT ${columnList(d.id)} DO UPDATE SET
      ${sql.identifier(d.confidence.name)} = EXCLUDED.${sql.identifier(d.confidence.name)},
      ${sql.identifier(d.validationResult.name)} = EXCLUDED.${sql.identifier(d.validationResult.name)},
      ${sql.identifier(d.updatedAt.name)} = now()
    WHERE ${d.testSessionId} = EXCLUDED.${sql.identifier(d.testSessionId.name)}
    RETURNING (xmax = 0) AS inserted
  ) SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, count(*)::int AS written FROM up`);

export async function upsertDetections(db: Queryable, sessionId: string, rows: readonly DetectionJsonRow[]): Promise<UpsertCounts> {
  const [r] = await upsert.run<UpsertCounts>(db, { sessionId, rows: JSON.stringify(rows) });
  return r;
}

/** What a new detection carries (the API's DetectionInput, checked). */
export interface NewDetection {
  frameNumber: number;
  timestamp: number;
  classLabel: string;
  confidence: number;
  validationResult?: ValidationResultValue | null;
  boundingBox: { x: number; y: number; width: number; height: number };
}

const newDetectionsTarget = copyTarget(d, [
  d.id, d.testSessionId, d.frameNumber, d.timestamp, d.classLabel, d.confidence, d.validationResult,
  d.boundingBoxX, d.boundingBoxY, d.boundingBoxWidth, d.boundingBoxHeight,
]);

/**
 * Inserts rows whose ids were made by the server for this call (no row can have them yet) with one
 * COPY: no JSON to validate and take apart again, no ON CONFLICT, sort or RETURNING. `ids` count up
 * (uuidv7Batch), so the rows append to the primary-key index. The statement-level triggers (counters,
 * the session check of drizzle/0005) fire for COPY as for INSERT. Numbers print as JavaScript writes
 * them (the shortest text that reads back to the same double), as JSON did, but for `real`.
 */
export async function copyNewDetections(tx: Transaction, sessionId: string, rows: readonly NewDetection[], ids: readonly string[]): Promise<void> {
  const out = new CopyBuffer(rows.length * 256);
  for (let i = 0; i < rows.length; i++) {
    const o = rows[i];
    const b = o.boundingBox;
    out.add(`${ids[i]}\t${sessionId}\t${o.frameNumber}\t${o.timestamp}\t${copyText(o.classLabel)}\t${real(o.confidence)}\t${o.validationResult ?? 'PENDING'}\t${real(b.x)}\t${real(b.y)}\t${real(b.width)}\t${real(b.height)}\n`);
  }
  await tx.copyIn('insertDetections', newDetectionsTarget, out.bytes());
}

/**
 * What to print for `x` in a real (float4) column so that PostgreSQL stores Math.fround(x) (what
 * storedDetections answers). PostgreSQL rounds the decimal text to float4; the shortest text of a
 * double names the same float4 as the double itself, except for a double exactly halfway between two
 * float4s (its text is not exact and may lie on either side, where Math.fround breaks the tie to
 * even): that one is printed as the float4.
 */
function real(x: number): number {
  const f = Math.fround(x);
  return f !== x && (f + Math.fround(2 * x - f)) / 2 === x ? f : x;
}

/** The rows copyNewDetections wrote, as stored (real columns as Math.fround): live matching needs not read them back. */
export function storedDetections(sessionId: string, rows: readonly NewDetection[], ids: readonly string[]): EvaluationDetection[] {
  return rows.map((o, i) => ({
    id: ids[i],
    testSessionId: sessionId,
    frameNumber: o.frameNumber,
    classLabel: o.classLabel,
    confidence: Math.fround(o.confidence),
    boundingBoxX: Math.fround(o.boundingBox.x),
    boundingBoxY: Math.fround(o.boundingBox.y),
    boundingBoxWidth: Math.fround(o.boundingBox.width),
    boundingBoxHeight: Math.fround(o.boundingBox.height),
  }));
}

const ofOtherSessions = new Statement(sql`/* detectionIdsOfOtherSessions */ SELECT ${d.id} FROM ${d}
  WHERE ${d.id} = ANY(${sql.placeholder('ids')}::uuid[]) AND ${d.testSessionId} <> ${sql.placeholder('sessionId')}::uuid`);

/** Which of `ids` already belong to a session other than `sessionId`. */
export async function detectionIdsOfOtherSessions(db: Queryable, sessionId: string, ids: readonly string[]): Promise<string[]> {
  const rows = await ofOtherSessions.run<{ id: string }>(db, { ids: uuidArray(ids), sessionId });
  return rows.map((r) => r.id);
}

const setResults = new Statement(sql`/* setValidationResults */ WITH u AS (
    UPDATE ${d} SET ${sql.identifier(d.validationResult.name)} = ${sql.placeholder('result')}::validation_result, ${sql.identifier(d.updatedAt.name)} = now()
    WHERE ${d.id} = ANY(${sql.placeholder('ids')}::uuid[]) AND ${d.testSessionId} = ANY(${sql.placeholder('sessionIds')}::uuid[])
      AND ${d.validationResult} <> ${sql.placeholder('result')}::validation_result
    RETURNING ${d.testSessionId}
  ) SELECT test_session_id AS parent, count(*)::int AS n FROM u GROUP BY test_session_id`);

/** One statement (`= ANY`) for the whole list; answers the changed rows per session. */
export async function setValidationResults(
  db: Queryable,
  ids: readonly string[],
  sessionIds: readonly string[],
  result: ValidationResultValue,
): Promise<ChangedPerParent[]> {
  return setResults.run<ChangedPerParent>(db, { ids: uuidArray(ids), sessionIds: uuidArray(sessionIds), result });
}
