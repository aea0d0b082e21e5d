// SQL for evaluation: everything matching needs — the detections of some sessions and the ground
// truth of their videos — in one statement, however many sessions (Video.evaluations) or frames.
// The matching itself runs in Node (src/evaluation); a round trip per frame or per session never
// happens. Built once at module load with drizzle's `sql` and the schema's column references.
import type { AccessScope } from '../../auth/scope.js';
import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { readableBy, scopeValues, uuidArray } from '../params.js';
import { detectionEvents as d, groundTruthObjects as g, testSessions as t, type DetectionEventRow, type GroundTruthObjectRow, type TestSessionRow } from '../schema.js';
import { Statement } from '../statement.js';
import { testSessionColumns } from './test-session.queries.js';

// What matching reads of a detection and of a box, as JSON arrays. The float4 columns go out as
// float8: JSON then carries each stored value exactly (float4's shortest text parses to a nearby
// double, not the stored one), so every path matches on the values PostgreSQL holds, and a write that
// knows what it stored (Math.fround, storedDetection) can match its own rows without reading them back.
export const detectionFields = sql`${d.id}, ${d.frameNumber}, ${d.classLabel}, ${d.confidence}::float8,
  ${d.boundingBoxX}::float8, ${d.boundingBoxY}::float8, ${d.boundingBoxWidth}::float8, ${d.boundingBoxHeight}::float8`;
export const boxItem = sql`json_build_array(${g.id}, ${g.frameNumber}, ${g.classLabel}, ${g.x}::float8, ${g.y}::float8,
  ${g.width}::float8, ${g.height}::float8, ${g.difficult})`;

// One row per session (kind d) and per video (kind g), each carrying its detections or boxes as one
// JSON array of arrays: PostgreSQL builds it, Node parses it natively (JSON.parse), instead of the
// driver decoding tens of thousands of rows column by column. Only what matching needs: match and
// matchedDetection load the full rows they show by id (groundTruthByIds, detectionsByIds). Sessions outside the caller's scope contribute nothing, so a foreign id
// reads like an unknown one here too.
const inputsStatement = new Statement(sql`/* evaluationInputsBySessions */
  WITH s AS (
    SELECT ${t.id} AS id, ${t.videoId} AS video_id FROM ${t}
    WHERE ${t.id} = ANY(${sql.placeholder('sessionIds')}::uuid[])
      AND ${readableBy(t.projectId)}
  )
  SELECT 'd' AS kind, ${d.testSessionId} AS parent,
json_agg(json_build_array(${detectionFields}))::text AS items
  FROM ${d} WHERE ${d.testSessionId} IN (SELECT id FROM s) GROUP BY ${d.testSessionId}
  UNION ALL
  SELECT 'g', ${g.videoId}, json_agg(${boxItem})::text
  FROM ${g} WHERE ${g.videoId} IN (SELECT video_id FROM s) GROUP BY ${g.videoId}`);

const completedStatement = new Statement(sql`/* completedSessionsByProjects */
  SELECT ${testSessionColumns} FROM ${t}
  WHERE ${t.projectId} = ANY(${sql.placeholder('projectIds')}::uuid[]) AND ${t.status} = 'completed'
  ORDER BY ${t.projectId}, ${t.startedAt} DESC, ${t.id} DESC`);

/** Every completed session of each project (the ones a project's mean AP averages). */
export async function completedSessionsByProjects(db: Queryable, projectIds: readonly string[]): Promise<TestSessionRow[]> {
  return completedStatement.run<TestSessionRow>(db, { projectIds: uuidArray(projectIds) });
}

interface InputRow {
  kind: 'd' | 'g';
  parent: string;
  items: string;
}

export type DetectionItem = [id: string, frame: number, label: string, confidence: number, x: number, y: number, w: number, h: number];
type BoxItem = [id: string, frame: number, label: string, x: number, y: number, w: number, h: number, difficult: boolean];

/** A detection as matching sees it. */
export type EvaluationDetection = Pick<
  DetectionEventRow,
  'id' | 'testSessionId' | 'frameNumber' | 'classLabel' | 'confidence' | 'boundingBoxX' | 'boundingBoxY' | 'boundingBoxWidth' | 'boundingBoxHeight'
>;
/** A box as matching sees it. */
export type EvaluationBox = Pick<GroundTruthObjectRow, 'id' | 'videoId' | 'frameNumber' | 'classLabel' | 'x' | 'y' | 'width' | 'height' | 'difficult'>;

export interface EvaluationInputs {
  detectionsOf(sessionId: string): EvaluationDetection[];
  boxesOf(videoId: string): EvaluationBox[];
}

/** Detections of `sessionIds` (readable by `scope`) and every box of their videos. */
export async function evaluationInputsBySessions(db: Queryable, scope: AccessScope, sessionIds: readonly string[]): Promise<EvaluationInputs> {
  const rows = await inputsStatement.run<InputRow>(db, {
    sessionIds: uuidArray(sessionIds),
    ...scopeValues(scope),
  });
  const detections = new Map<string, EvaluationDetection[]>();
  const boxes = new Map<string, EvaluationBox[]>();
  for (const r of rows) {
    if (r.kind === 'd') detections.set(r.parent, parseDetectionItems(r.parent, r.items));
    else boxes.set(r.parent, parseBoxItems(r.parent, r.items));
  }
  return { detectionsOf: (id) => detections.get(id) ?? [], boxesOf: (id) => boxes.get(id) ?? [] };
}

/** A session's detections as `json_agg(json_build_array(id, frame, label, confidence, x, y, w, h))` text. */
export function parseDetectionItems(sessionId: string, items: string): EvaluationDetection[] {
  return (JSON.parse(items) as DetectionItem[]).map((item) => detectionOfItem(sessionId, item));
}

/** One detection item; items that carry more after these eight fields (live matching's) are read alike. */
export function detectionOfItem(
  sessionId: string,
  [id, frameNumber, classLabel, confidence, x, y, w, h]: readonly [...DetectionItem, ...unknown[]],
): EvaluationDetection {
  return {
    id,
    testSessionId: sessionId,
    frameNumber,
    classLabel,
    // float4 values: exact as sent (float8 text), and still exact if a server prints fewer digits.
    confidence: Math.fround(confidence),
    boundingBoxX: Math.fround(x),
    boundingBoxY: Math.fround(y),
    boundingBoxWidth: Math.fround(w),
    boundingBoxHeight: Math.fround(h),
  };
}

/** A video's boxes as `json_agg(json_build_array(id, frame, label, x, y, w, h, difficult))` text. */
export function parseBoxItems(videoId: string, items: string): EvaluationBox[] {
  return (JSON.parse(items) as BoxItem[]).map(([id, frameNumber, classLabel, x, y, width, height, difficult]) => ({
    id,
    videoId,
    frameNumber,
    classLabel,
    x: Math.fround(x),
    y: Math.fround(y),
    width: Math.fround(width),
    height: Math.fround(height),
    difficult,
  }));
}

const applyStatement = new Statement(sql`/* applyEvaluationResults */
  WITH r AS (SELECT * FROM json_to_recordset(${sql.placeholder('rows')}::json) AS r(id uuid, r validation_result)),
  u AS (
    UPDATE ${d} SET validation_result = r.r, updated_at = now() FROM r
    WHERE ${d.id} = r.id AND ${d.testSessionId} = ${sql.placeholder('sessionId')}::uuid
      AND ${d.validationResult} <> r.r
      AND (${sql.placeholder('overwrite')}::boolean OR ${d.validationResult} = 'PENDING')
    RETURNING 1
  ) SELECT count(*)::int AS n FROM u`);

/**
 * Writes TP / FP results of one session's detections: only PENDING ones unless `overwrite`.
 * One statement for the whole session; answers how many rows changed.
 */
export async function applyEvaluationResults(
  db: Queryable,
  sessionId: string,
  results: readonly { id: string; r: 'TP' | 'FP' }[],
  overwrite: boolean,
): Promise<number> {
  const [row] = await applyStatement.run<{ n: number }>(db, { rows: JSON.stringify(results), sessionId, overwrite });
  return row.n;
}
