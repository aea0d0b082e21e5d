// SQL for ground-truth boxes: pages per video ordered by (frame, confidence desc, id), counts and stats.
import type { Queryable } from '../client.js';
import { Params } from '../params.js';
import type { GroundTruthObjectRow } from '../schema.js';

/** Every column but the parent's: a page of one video gets its videoId in JS, not 10,000 times over the wire. */
const boxColumns = `g.id, g.frame_number AS "frameNumber", g.timestamp, g.class_label AS "classLabel",
  g.confidence, g.x, g.y, g.width, g.height, g.validated, g.difficult`;

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
  after?: readonly [number, number, string],
): Promise<GroundTruthObjectRow[]> {
  const p = new Params();
  const parents = p.parents(videoIds);
  let where = `g.video_id = parent.id${filterSql(p, filter)}`;
  if (after) {
    const [f, c, i] = [p.add(after[0]), p.add(after[1]), p.add(after[2])];
    where += ` AND g.frame_number >= ${f}::int AND (g.frame_number > ${f}::int OR g.confidence < ${c}::real
      OR (g.confidence = ${c}::real AND g.id > ${i}::uuid))`;
  }
  const single = videoIds.length === 1;
  const rows = await db.query<GroundTruthObjectRow>(
    `/* groundTruthPagesByVideos */ SELECT page.*${single ? '' : ', parent.id AS "videoId"'} FROM ${parents}
     CROSS JOIN LATERAL (SELECT ${boxColumns} FROM ground_truth_objects g WHERE ${where}
       ORDER BY g.frame_number, g.confidence DESC, g.id LIMIT ${p.add(limit)}::int) page`,
    p.values,
  );
  if (single) for (const row of rows) row.videoId = videoIds[0];
  return rows;
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
