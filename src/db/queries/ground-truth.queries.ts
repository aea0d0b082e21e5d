// SQL for ground-truth boxes: pages per video ordered by (frame, confidence desc, id), counts and stats.
import type { AccessScope } from '../../auth/scope.js';
import type { Queryable } from '../client.js';
import type { KeysetWindow } from '../keyset.js';
import { Params } from '../params.js';
import { parentProject } from './node.queries.js';
import type { GroundTruthObjectRow } from '../schema.js';

/** Every column but the parent's: a page of one video gets its videoId in JS, not 10,000 times over the wire. */
const boxColumns = `g.id, g.frame_number AS "frameNumber", g.timestamp, g.class_label AS "classLabel",
  g.confidence, g.x, g.y, g.width, g.height, g.validated, g.difficult`;

/**
 * A box as the API answers it: its row and its area. The area is set here, on each row read, instead of
 * by a resolver: graphql-jit calls a resolver with its own info, path and closures, per box of a page.
 */
export type GroundTruthObjectModel = GroundTruthObjectRow & { bboxArea: number };

/** The row object itself, given its area: the only way a query makes the model. */
function withArea(row: GroundTruthObjectRow): GroundTruthObjectModel {
  const model = row as GroundTruthObjectModel;
  model.bboxArea = row.width * row.height;
  return model;
}

/** Boxes by id (node lookups), scoped through their video's project. */
export async function groundTruthByIds(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<GroundTruthObjectModel[]> {
  const p = new Params();
  const rows = await db.query<GroundTruthObjectRow>(
    `/* groundTruthByIds */ SELECT ${boxColumns}, g.video_id AS "videoId" FROM ground_truth_objects g
     WHERE g.id = ANY(${p.uuids(ids)})${p.scope(scope, parentProject.ofBox)}`,
    p.values,
  );
  return rows.map(withArea);
}

export interface GroundTruthFilter {
  minConfidence?: number;
  classLabel?: string;
  validated?: boolean;
  fromFrame?: number;
  toFrame?: number;
}

function filterSql(p: Params, f: GroundTruthFilter): string {
  let s = '';
  if (f.minConfidence !== undefined) s += ` AND g.confidence >= ${p.add(f.minConfidence)}::real`;
  if (f.classLabel !== undefined) s += ` AND g.class_label = ${p.add(f.classLabel)}`;
  if (f.validated !== undefined) s += ` AND g.validated = ${p.add(f.validated)}::boolean`;
  if (f.fromFrame !== undefined) s += ` AND g.frame_number >= ${p.add(f.fromFrame)}::int`;
  if (f.toFrame !== undefined) s += ` AND g.frame_number <= ${p.add(f.toFrame)}::int`;
  return s;
}

export async function groundTruthPagesByVideos(
  db: Queryable,
  videoIds: readonly string[],
  filter: GroundTruthFilter,
  limit: number,
  window: KeysetWindow<readonly [number, number, string]> = {},
): Promise<GroundTruthObjectModel[]> {
  const p = new Params();
  const parents = p.parents(videoIds);
  const { cursor, backward } = window;
  let where = `g.video_id = parent.id${filterSql(p, filter)}`;
  // The order mixes directions, so no row comparison fits: the frame bound alone lets the index
  // start at the cursor's frame, the rest places the row within that frame.
  if (cursor) {
    const [f, c, i] = [p.add(cursor[0]), p.add(cursor[1]), p.add(cursor[2])];
    where += backward
      ? ` AND g.frame_number <= ${f}::int AND (g.frame_number < ${f}::int OR g.confidence > ${c}::real
      OR (g.confidence = ${c}::real AND g.id < ${i}::uuid))`
      : ` AND g.frame_number >= ${f}::int AND (g.frame_number > ${f}::int OR g.confidence < ${c}::real
      OR (g.confidence = ${c}::real AND g.id > ${i}::uuid))`;
  }
  const order = backward ? 'g.frame_number DESC, g.confidence, g.id DESC' : 'g.frame_number, g.confidence DESC, g.id';
  const single = videoIds.length === 1;
  const rows = await db.query<GroundTruthObjectRow>(
    `/* groundTruthPagesByVideos */ SELECT page.*${single ? '' : ', parent.id AS "videoId"'} FROM ${parents}
     CROSS JOIN LATERAL (SELECT ${boxColumns} FROM ground_truth_objects g WHERE ${where}
       ORDER BY ${order} LIMIT ${p.add(limit)}::int) page`,
    p.values,
  );
  return rows.map((row) => {
    if (single) row.videoId = videoIds[0];
    return withArea(row);
  });
}

export async function groundTruthCountsByVideos(
  db: Queryable,
  videoIds: readonly string[],
  filter: GroundTruthFilter,
): Promise<{ parent: string; n: number }[]> {
  const p = new Params();
  return db.query(
    `/* groundTruthCountsByVideos */ SELECT g.video_id AS parent, count(*)::int AS n FROM ground_truth_objects g
     WHERE g.video_id = ANY(${p.uuids(videoIds)})${filterSql(p, filter)} GROUP BY g.video_id`,
    p.values,
  );
}

export interface GroundTruthStatsRow {
  videoId: string;
  totalObjects: number;
  avgConfidence: number | null;
  uniqueClasses: number;
  validatedCount: number;
}

export async function groundTruthStatsByVideos(
  db: Queryable,
  videoIds: readonly string[],
  minConfidence: number | undefined,
): Promise<GroundTruthStatsRow[]> {
  const p = new Params();
  return db.query(
    `/* groundTruthStatsByVideos */ SELECT g.video_id AS "videoId", count(*)::int AS "totalObjects",
       avg(g.confidence)::float8 AS "avgConfidence", count(DISTINCT g.class_label)::int AS "uniqueClasses",
       (count(*) FILTER (WHERE g.validated))::int AS "validatedCount"
     FROM ground_truth_objects g WHERE g.video_id = ANY(${p.uuids(videoIds)})${filterSql(p, { minConfidence })}
     GROUP BY g.video_id`,
    p.values,
  );
}
