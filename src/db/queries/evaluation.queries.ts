// SQL for evaluation: everything matching needs — the detections of some sessions and the ground
// truth of their videos — in one statement, however many sessions (Video.evaluations) or frames.
// The matching itself runs in Node (src/evaluation); a round trip per frame or per session never
// happens. Built once at module load with drizzle's `sql` and the schema's column references.
import type { AccessScope } from '../../auth/scope.js';
import { fillPlaceholders, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Param, Queryable } from '../client.js';
import { detectionEvents as d, groundTruthObjects as g, testSessions as t, type DetectionEventRow, type GroundTruthObjectRow, type TestSessionRow } from '../schema.js';
import { testSessionColumns } from './test-session.queries.js';

const dialect = new PgDialect();

// Detections and boxes share one row shape (UNION ALL), each with NULLs where the other has columns;
// `kind` tells them apart and `parent` is the session (d) or the video (g). Sessions outside the
// caller's scope contribute nothing, so a foreign id reads like an unknown one here too.
const inputsStatement = dialect.sqlToQuery(sql`/* evaluationInputsBySessions */
  WITH s AS (
    SELECT ${t.id} AS id, ${t.videoId} AS video_id FROM ${t}
    WHERE ${t.id} = ANY(${sql.placeholder('sessionIds')}::uuid[])
      AND (${sql.placeholder('admin')}::boolean OR ${t.projectId} = ANY(${sql.placeholder('readable')}::uuid[]))
  )
  SELECT 'd' AS kind, ${d.testSessionId} AS parent, ${d.id} AS id, ${d.frameNumber} AS "frameNumber",
    ${d.timestamp} AS timestamp, ${d.classLabel} AS "classLabel", ${d.confidence} AS confidence,
    ${d.boundingBoxX} AS x, ${d.boundingBoxY} AS y, ${d.boundingBoxWidth} AS width, ${d.boundingBoxHeight} AS height,
    ${d.validationResult}::text AS "validationResult", ${d.createdAt} AS "createdAt", ${d.updatedAt} AS "updatedAt",
    NULL::boolean AS validated, NULL::boolean AS difficult
  FROM ${d} WHERE ${d.testSessionId} IN (SELECT id FROM s)
  UNION ALL
  SELECT 'g', ${g.videoId}, ${g.id}, ${g.frameNumber}, ${g.timestamp}, ${g.classLabel}, ${g.confidence},
    ${g.x}, ${g.y}, ${g.width}, ${g.height}, NULL, NULL::timestamptz, NULL::timestamptz, ${g.validated}, ${g.difficult}
  FROM ${g} WHERE ${g.videoId} IN (SELECT video_id FROM s)`);

const completedStatement = dialect.sqlToQuery(sql`/* completedSessionsByProjects */
  SELECT ${sql.raw(testSessionColumns)} FROM ${t} t
  WHERE t.project_id = ANY(${sql.placeholder('projectIds')}::uuid[]) AND t.status = 'completed'
  ORDER BY t.project_id, t.started_at DESC, t.id DESC`);

/** Every completed session of each project (the ones a project's mean AP averages). */
export async function completedSessionsByProjects(db: Queryable, projectIds: readonly string[]): Promise<TestSessionRow[]> {
  const params = fillPlaceholders(completedStatement.params, { projectIds: uuidArray(projectIds) }) as Param[];
  return db.query<TestSessionRow>(completedStatement.sql, params);
}

interface InputRow {
  kind: 'd' | 'g';
  parent: string;
  id: string;
  frameNumber: number;
  timestamp: number;
  classLabel: string;
  confidence: number;
  x: number;
  y: number;
  width: number;
  height: number;
  validationResult: DetectionEventRow['validationResult'] | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  validated: boolean | null;
  difficult: boolean | null;
}

export interface EvaluationInputs {
  detectionsOf(sessionId: string): DetectionEventRow[];
  boxesOf(videoId: string): GroundTruthObjectRow[];
}

const uuidArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

/** Detections of `sessionIds` (readable by `scope`) and every box of their videos. */
export async function evaluationInputsBySessions(db: Queryable, scope: AccessScope, sessionIds: readonly string[]): Promise<EvaluationInputs> {
  const params = fillPlaceholders(inputsStatement.params, {
    sessionIds: uuidArray(sessionIds),
    admin: scope.admin,
    readable: uuidArray(scope.readable),
  }) as Param[];
  const rows = await db.query<InputRow>(inputsStatement.sql, params);
  const detections = new Map<string, DetectionEventRow[]>();
  const boxes = new Map<string, GroundTruthObjectRow[]>();
  for (const r of rows) {
    if (r.kind === 'd') {
      const list = detections.get(r.parent) ?? detections.set(r.parent, []).get(r.parent)!;
      list.push({
        id: r.id,
        testSessionId: r.parent,
        frameNumber: r.frameNumber,
        timestamp: r.timestamp,
        classLabel: r.classLabel,
        confidence: r.confidence,
        validationResult: r.validationResult!,
        boundingBoxX: r.x,
        boundingBoxY: r.y,
        boundingBoxWidth: r.width,
        boundingBoxHeight: r.height,
        createdAt: r.createdAt!,
        updatedAt: r.updatedAt!,
      });
    } else {
      const list = boxes.get(r.parent) ?? boxes.set(r.parent, []).get(r.parent)!;
      list.push({
        id: r.id,
        videoId: r.parent,
        frameNumber: r.frameNumber,
        timestamp: r.timestamp,
        classLabel: r.classLabel,
        confidence: r.confidence,
        x: r.x,
        y: r.y,
        width: r.width,
        height: r.height,
        validated: r.validated!,
        difficult: r.difficult!,
      });
    }
  }
  return { detectionsOf: (id) => detections.get(id) ?? [], boxesOf: (id) => boxes.get(id) ?? [] };
}

const applyStatement = dialect.sqlToQuery(sql`/* applyEvaluationResults */
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
  const params = fillPlaceholders(applyStatement.params, { rows: JSON.stringify(results), sessionId, overwrite }) as Param[];
  const [row] = await db.query<{ n: number }>(applyStatement.sql, params);
  return row.n;
}
