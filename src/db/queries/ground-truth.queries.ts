// SQL for ground-truth boxes: pages per video ordered by (frame, confidence desc, id), counts and stats.
// Built once at module load (src/db/statement.ts).
import type { AccessScope } from '../../auth/scope.js';
import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { pageStatements, type KeysetWindow } from '../keyset.js';
import { optional, parentValues, parentsFrom, readableBy, scopeValues, uuidArray } from '../params.js';
import { groundTruthObjects as g, type GroundTruthObjectRow } from '../schema.js';
import { Statement } from '../statement.js';
import { parentProject } from './node.queries.js';

/** Every column but the parent's: a page of one video gets its videoId in JS, not 10,000 times over the wire. */
const boxColumns = sql`${g.id}, ${g.frameNumber} AS "frameNumber", ${g.timestamp}, ${g.classLabel} AS "classLabel",
  ${g.confidence}, ${g.x}, ${g.y}, ${g.width}, ${g.height}, ${g.validated}, ${g.difficult}`;

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

const byIds = new Statement(sql`/* groundTruthByIds */ SELECT ${boxColumns}, ${g.videoId} AS "videoId" FROM ${g}
  WHERE ${g.id} = ANY(${sql.placeholder('ids')}::uuid[]) AND ${readableBy(parentProject.ofBox)}`);

/** Boxes by id (node lookups), scoped through their video's project. */
export async function groundTruthByIds(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<GroundTruthObjectModel[]> {
  const { admin, readable } = scopeValues(scope);
  const rows = await byIds.run<GroundTruthObjectRow>(db, { ids: uuidArray(ids), admin, readable });
  return rows.map(withArea);
}

export interface GroundTruthFilter {
  minConfidence?: number;
  classLabel?: string;
  validated?: boolean;
  fromFrame?: number;
  toFrame?: number;
}

const filtered = sql`${optional('minConfidence', 'real', (min) => sql`${g.confidence} >= ${min}`)}
  AND ${optional('classLabel', 'text', (label) => sql`${g.classLabel} = ${label}`)}
  AND ${optional('validated', 'boolean', (validated) => sql`${g.validated} = ${validated}`)}
  AND ${optional('fromFrame', 'int', (from) => sql`${g.frameNumber} >= ${from}`)}
  AND ${optional('toFrame', 'int', (to) => sql`${g.frameNumber} <= ${to}`)}`;

const filterValues = (f: GroundTruthFilter) => ({
  minConfidence: f.minConfidence ?? null,
  classLabel: f.classLabel ?? null,
  validated: f.validated ?? null,
  fromFrame: f.fromFrame ?? null,
  toFrame: f.toFrame ?? null,
});

const pageOf = pageStatements(({ backward, after, single }) => {
  // The order mixes directions, so no row comparison fits: the frame bound alone lets the index
  // start at the cursor's frame, the rest places the row within that frame.
  const [f, c, i] = [sql`${sql.placeholder('frame')}::int`, sql`${sql.placeholder('confidence')}::real`, sql`${sql.placeholder('id')}::uuid`];
  const cursor = !after
    ? sql``
    : backward
      ? sql` AND ${g.frameNumber} <= ${f} AND (${g.frameNumber} < ${f} OR ${g.confidence} > ${c} OR (${g.confidence} = ${c} AND ${g.id} < ${i}))`
      : sql` AND ${g.frameNumber} >= ${f} AND (${g.frameNumber} > ${f} OR ${g.confidence} < ${c} OR (${g.confidence} = ${c} AND ${g.id} > ${i}))`;
  const order = backward ? sql`${g.frameNumber} DESC, ${g.confidence}, ${g.id} DESC` : sql`${g.frameNumber}, ${g.confidence} DESC, ${g.id}`;
  return new Statement(sql`/* groundTruthPagesByVideos */ SELECT page.*${single ? sql`` : sql`, parent.id AS "videoId"`} FROM ${parentsFrom(single)}
     CROSS JOIN LATERAL (SELECT ${boxColumns} FROM ${g} WHERE ${g.videoId} = parent.id AND ${filtered}${cursor}
       ORDER BY ${order} LIMIT ${sql.placeholder('limit')}::int) page`);
});

export async function groundTruthPagesByVideos(
  db: Queryable,
  videoIds: readonly string[],
  filter: GroundTruthFilter,
  limit: number,
  window: KeysetWindow<readonly [number, number, string]> = {},
): Promise<GroundTruthObjectModel[]> {
  const { cursor } = window;
  const rows = await pageOf(window, videoIds.length).run<GroundTruthObjectRow>(db, {
    frame: cursor ? cursor[0] : null,
    confidence: cursor ? cursor[1] : null,
    id: cursor ? cursor[2] : null,
    limit,
    ...parentValues(videoIds),
    ...filterValues(filter),
  });
  const single = videoIds.length === 1;
  return rows.map((row) => {
    if (single) row.videoId = videoIds[0];
    return withArea(row);
  });
}

const counts = new Statement(sql`/* groundTruthCountsByVideos */ SELECT ${g.videoId} AS parent, count(*)::int AS n FROM ${g}
  WHERE ${g.videoId} = ANY(${sql.placeholder('parents')}::uuid[]) AND ${filtered} GROUP BY ${g.videoId}`);

export function groundTruthCountsByVideos(
  db: Queryable,
  videoIds: readonly string[],
  filter: GroundTruthFilter,
): Promise<{ parent: string; n: number }[]> {
  return counts.run(db, { parents: uuidArray(videoIds), ...filterValues(filter) });
}

export interface GroundTruthStatsRow {
  videoId: string;
  totalObjects: number;
  avgConfidence: number | null;
  uniqueClasses: number;
  validatedCount: number;
}

const stats = new Statement(sql`/* groundTruthStatsByVideos */ SELECT ${g.videoId} AS "videoId", count(*)::int AS "totalObjects",
    avg(${g.confidence})::float8 AS "avgConfidence", count(DISTINCT ${g.classLabel})::int AS "uniqueClasses",
    (count(*) FILTER (WHERE ${g.validated}))::int AS "validatedCount"
  FROM ${g} WHERE ${g.videoId} = ANY(${sql.placeholder('parents')}::uuid[])
    AND ${optional('minConfidence', 'real', (min) => sql`${g.confidence} >= ${min}`)}
  GROUP BY ${g.videoId}`);

export function groundTruthStatsByVideos(
  db: Queryable,
  videoIds: readonly string[],
  minConfidence: number | undefined,
): Promise<GroundTruthStatsRow[]> {
  return stats.run(db, { parents: uuidArray(videoIds), minConfidence: minConfidence ?? null });
}
