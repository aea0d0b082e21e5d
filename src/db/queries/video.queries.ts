// SQL for videos: by id (scoped), and newest-first pages per project, batched over many projects.
// Built once at module load (src/db/statement.ts).
import type { AccessScope } from '../../auth/scope.js';
import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { pageStatements, type KeysetWindow } from '../keyset.js';
import { fromMicros, optional, parentValues, parentsFrom, readableBy, scopeValues, uuidArray } from '../params.js';
import { videos as v, type VideoRow } from '../schema.js';
import { Statement } from '../statement.js';

export const videoColumns = sql`${v.id}, ${v.projectId} AS "projectId", ${v.filename}, ${v.status},
  ${v.processingStatus} AS "processingStatus", ${v.createdAt} AS "createdAt", ${v.duration},
  ${v.fileSize} AS "fileSize", ${v.groundTruthGenerated} AS "groundTruthGenerated",
  ${v.groundTruthCount} AS "groundTruthCount", ${v.groundTruthValidated} AS "groundTruthValidated",
  ${v.maxConfidence} AS "maxConfidence", (extract(epoch from ${v.createdAt}) * 1000000)::int8 AS "_ts"`;

export type VideoStatusValue = VideoRow['status'];

export interface VideoFilter {
  status?: VideoStatusValue;
  groundTruthGenerated?: boolean;
}

const byIds = new Statement(sql`/* videosByIds */ SELECT ${videoColumns} FROM ${v}
  WHERE ${v.id} = ANY(${sql.placeholder('ids')}::uuid[]) AND ${readableBy(v.projectId)}`);

export function videosByIds(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<VideoRow[]> {
  const { admin, readable } = scopeValues(scope);
  return byIds.run(db, { ids: uuidArray(ids), admin, readable });
}

const filtered = sql`${optional('status', 'video_status', (status) => sql`${v.status} = ${status}`)}
  AND ${optional('groundTruthGenerated', 'boolean', (generated) => sql`${v.groundTruthGenerated} = ${generated}`)}`;

const pageOf = pageStatements(({ backward, after, single }) => {
  const dir = sql.raw(backward ? 'ASC' : 'DESC');
  const cursor = after ? sql` AND (${v.createdAt}, ${v.id}) ${sql.raw(backward ? '>' : '<')} (${fromMicros('ts')}, ${sql.placeholder('id')}::uuid)` : sql``;
  return new Statement(sql`/* videoPagesByProjects */ SELECT page.* FROM ${parentsFrom(single)}
     CROSS JOIN LATERAL (SELECT ${videoColumns} FROM ${v} WHERE ${v.projectId} = parent.id AND ${filtered}${cursor}
       ORDER BY ${v.createdAt} ${dir}, ${v.id} ${dir} LIMIT ${sql.placeholder('limit')}::int) page`);
});

/**
 * One statement for every project: a LATERAL page each, newest first, `limit` rows per project;
 * backward pages read the same index the other way (oldest first from the cursor).
 */
export function videoPagesByProjects(
  db: Queryable,
  projectIds: readonly string[],
  filter: VideoFilter,
  limit: number,
  window: KeysetWindow<readonly [number, string]> = {},
): Promise<VideoRow[]> {
  const { cursor } = window;
  return pageOf(window, projectIds.length).run(db, {
    status: filter.status ?? null,
    groundTruthGenerated: filter.groundTruthGenerated ?? null,
    ts: cursor ? cursor[0] : null,
    id: cursor ? cursor[1] : null,
    limit,
    ...parentValues(projectIds),
  });
}

const counts = new Statement(sql`/* videoCountsByProjects */ SELECT ${v.projectId} AS parent, count(*)::int AS n FROM ${v}
  WHERE ${v.projectId} = ANY(${sql.placeholder('parents')}::uuid[]) AND ${filtered} GROUP BY ${v.projectId}`);

/** Only the groundTruthGenerated filter needs counting: status counts are maintained in project_stats. */
export function videoCountsByProjects(
  db: Queryable,
  projectIds: readonly string[],
  filter: VideoFilter,
): Promise<{ parent: string; n: number }[]> {
  return counts.run(db, { parents: uuidArray(projectIds), status: filter.status ?? null, groundTruthGenerated: filter.groundTruthGenerated ?? null });
}
