// SQL for detection events: pages per test session ordered by (timestamp, id), and filtered counts.
import type { AccessScope } from '../../auth/scope.js';
import type { Queryable } from '../client.js';
import type { KeysetWindow } from '../keyset.js';
import { Params } from '../params.js';
import { parentProject } from './node.queries.js';
import type { DetectionEventRow } from '../schema.js';

/** Every column but the parent's: a page of one session gets its testSessionId in JS. */
const eventColumns = `d.id, d.frame_number AS "frameNumber",
  d.timestamp, d.class_label AS "classLabel", d.confidence, d.validation_result AS "validationResult",
  d.bounding_box_x AS "boundingBoxX", d.bounding_box_y AS "boundingBoxY",
  d.bounding_box_width AS "boundingBoxWidth", d.bounding_box_height AS "boundingBoxHeight",
  d.created_at AS "createdAt", d.updated_at AS "updatedAt"`;

/**
 * A detection as the API answers it: its row and its box as one object. The box is built here, on each
 * row read, instead of by a resolver: graphql-jit calls a resolver with its own info, path and
 * closures, per detection of a page.
 */
export type DetectionEventModel = DetectionEventRow & { boundingBox: { x: number; y: number; width: number; height: number } };

/** The row object itself, given its box: the only way a query makes the model. */
function withBox(row: DetectionEventRow): DetectionEventModel {
  const model = row as DetectionEventModel;
  model.boundingBox = { x: row.boundingBoxX, y: row.boundingBoxY, width: row.boundingBoxWidth, height: row.boundingBoxHeight };
  return model;
}

/** Detections by id (node lookups), scoped through their session's project. */
export async function detectionsByIds(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<DetectionEventModel[]> {
  const p = new Params();
  const rows = await db.query<DetectionEventRow>(
    `/* detectionsByIds */ SELECT ${eventColumns}, d.test_session_id AS "testSessionId" FROM detection_events d
     WHERE d.id = ANY(${p.uuids(ids)})${p.scope(scope, parentProject.ofDetection)}`,
    p.values,
  );
  return rows.map(withBox);
}

export interface DetectionFilter {
  minConfidence?: number;
  classLabel?: string;
  validationResult?: DetectionEventRow['validationResult'];
  fromFrame?: number;
  toFrame?: number;
}

function filterSql(p: Params, f: DetectionFilter): string {
  let s = '';
  if (f.minConfidence !== undefined) s += ` AND d.confidence >= ${p.add(f.minConfidence)}::real`;
  if (f.classLabel !== undefined) s += ` AND d.class_label = ${p.add(f.classLabel)}`;
  if (f.validationResult !== undefined) s += ` AND d.validation_result = ${p.add(f.validationResult)}::validation_result`;
  if (f.fromFrame !== undefined) s += ` AND d.frame_number >= ${p.add(f.fromFrame)}::int`;
  if (f.toFrame !== undefined) s += ` AND d.frame_number <= ${p.add(f.toFrame)}::int`;
  return s;
}

export async function detectionPagesBySessions(
  db: Queryable,
  sessionIds: readonly string[],
  filter: DetectionFilter,
  limit: number,
  window: KeysetWindow<readonly [number, string]> = {},
): Promise<DetectionEventModel[]> {
  const p = new Params();
  const parents = p.parents(sessionIds);
  const { cursor, backward } = window;
  let where = `d.test_session_id = parent.id${filterSql(p, filter)}`;
  if (cursor) where += ` AND (d.timestamp, d.id) ${backward ? '<' : '>'} (${p.add(cursor[0])}::float8, ${p.add(cursor[1])}::uuid)`;
  const dir = backward ? 'DESC' : 'ASC';
  const single = sessionIds.length === 1;
  const rows = await db.query<DetectionEventRow>(
    `/* detectionPagesBySessions */ SELECT page.*${single ? '' : ', parent.id AS "testSessionId"'} FROM ${parents}
     CROSS JOIN LATERAL (SELECT ${eventColumns} FROM detection_events d WHERE ${where}
       ORDER BY d.timestamp ${dir}, d.id ${dir} LIMIT ${p.add(limit)}::int) page`,
    p.values,
  );
  return rows.map((row) => {
    if (single) row.testSessionId = sessionIds[0];
    return withBox(row);
  });
}

export async function detectionCountsBySessions(
  db: Queryable,
  sessionIds: readonly string[],
  filter: DetectionFilter,
): Promise<{ parent: string; n: number }[]> {
  const p = new Params();
  return db.query(
    `/* detectionCountsBySessions */ SELECT d.test_session_id AS parent, count(*)::int AS n FROM detection_events d
     WHERE d.test_session_id = ANY(${p.uuids(sessionIds)})${filterSql(p, filter)} GROUP BY d.test_session_id`,
    p.values,
  );
}
