// SQL for detection events: pages per test session ordered by (timestamp, id), and filtered counts.
// Built once at module load (src/db/statement.ts).
import type { AccessScope } from '../../auth/scope.js';
import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { pageStatements, type KeysetWindow } from '../keyset.js';
import { optional, parentValues, parentsFrom, readableBy, scopeValues, uuidArray } from '../params.js';
import { detectionEvents as d, type DetectionEventRow } from '../schema.js';
import { Statement } from '../statement.js';
import { parentProject } from './node.queries.js';

/** Every column but the parent's: a page of one session gets its testSessionId in JS. */
const eventColumns = sql`${d.id}, ${d.frameNumber} AS "frameNumber",
  ${d.timestamp}, ${d.classLabel} AS "classLabel", ${d.confidence}, ${d.validationResult} AS "validationResult",
  ${d.boundingBoxX} AS "boundingBoxX", ${d.boundingBoxY} AS "boundingBoxY",
  ${d.boundingBoxWidth} AS "boundingBoxWidth", ${d.boundingBoxHeight} AS "boundingBoxHeight",
  ${d.createdAt} AS "createdAt", ${d.updatedAt} AS "updatedAt"`;

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

const byIds = new Statement(sql`/* detectionsByIds */ SELECT ${eventColumns}, ${d.testSessionId} AS "testSessionId" FROM ${d}
  WHERE ${d.id} = ANY(${sql.placeholder('ids')}::uuid[]) AND ${readableBy(parentProject.ofDetection)}`);

/** Detections by id (node lookups), scoped through their session's project. */
export async function detectionsByIds(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<DetectionEventModel[]> {
  const { admin, readable } = scopeValues(scope);
  const rows = await byIds.run<DetectionEventRow>(db, { ids: uuidArray(ids), admin, readable });
  return rows.map(withBox);
}

export interface DetectionFilter {
  minConfidence?: number;
  classLabel?: string;
  validationResult?: DetectionEventRow['validationResult'];
  fromFrame?: number;
  toFrame?: number;
}

const filtered = sql`${optional('minConfidence', 'real', (min) => sql`${d.confidence} >= ${min}`)}
  AND ${optional('classLabel', 'text', (label) => sql`${d.classLabel} = ${label}`)}
  AND ${optional('validationResult', 'validation_result', (result) => sql`${d.validationResult} = ${result}`)}
  AND ${optional('fromFrame', 'int', (from) => sql`${d.frameNumber} >= ${from}`)}
  AND ${optional('toFrame', 'int', (to) => sql`${d.frameNumber} <= ${to}`)}`;

const filterValues = (f: DetectionFilter) => ({
  minConfidence: f.minConfidence ?? null,
  classLabel: f.classLabel ?? null,
  validationResult: f.validationResult ?? null,
  fromFrame: f.fromFrame ?? null,
  toFrame: f.toFrame ?? null,
});

const pageOf = pageStatements(({ backward, after, single }) => {
  const dir = sql.raw(backward ? 'DESC' : 'ASC');
  const cursor = after
    ? sql` AND (${d.timestamp}, ${d.id}) ${sql.raw(backward ? '<' : '>')} (${sql.placeholder('ts')}::float8, ${sql.placeholder('id')}::uuid)`
    : sql``;
  return new Statement(sql`/* detectionPagesBySessions */ SELECT page.*${single ? sql`` : sql`, parent.id AS "testSessionId"`} FROM ${parentsFrom(single)}
     CROSS JOIN LATERAL (SELECT ${eventColumns} FROM ${d} WHERE ${d.testSessionId} = parent.id AND ${filtered}${cursor}
       ORDER BY ${d.timestamp} ${dir}, ${d.id} ${dir} LIMIT ${sql.placeholder('limit')}::int) page`);
});

export async function detectionPagesBySessions(
  db: Queryable,
  sessionIds: readonly string[],
  filter: DetectionFilter,
  limit: number,
  window: KeysetWindow<readonly [number, string]> = {},
): Promise<DetectionEventModel[]> {
  const { cursor } = window;
  const rows = await pageOf(window, sessionIds.length).run<DetectionEventRow>(db, {
    ts: cursor ? cursor[0] : null,
    id: cursor ? cursor[1] : null,
    limit,
    ...parentValues(sessionIds),
    ...filterValues(filter),
  });
  const single = sessionIds.length === 1;
  return rows.map((row) => {
    if (single) row.testSessionId = sessionIds[0];
    return withBox(row);
  });
}

const counts = new Statement(sql`/* detectionCountsBySessions */ SELECT ${d.testSessionId} AS parent, count(*)::int AS n FROM ${d}
  WHERE ${d.testSessionId} = ANY(${sql.placeholder('parents')}::uuid[]) AND ${filtered} GROUP BY ${d.testSessionId}`);

export function detectionCountsBySessions(
  db: Queryable,
  sessionIds: readonly string[],
  filter: DetectionFilter,
): Promise<{ parent: string; n: number }[]> {
  return counts.run(db, { parents: uuidArray(sessionIds), ...filterValues(filter) });
}
