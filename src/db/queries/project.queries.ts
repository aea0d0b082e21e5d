// SQL for projects and their maintained dashboard counters. Built once at module load with drizzle's
// `sql` and the schema's column references: a request sends a fixed text, with the caller's scope as
// parameters (an admin's `true` folds the filter away when the statement is planned).
import type { AccessScope } from '../../auth/scope.js';
import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { windowStatements, type KeysetWindow } from '../keyset.js';
import { fromMicros, readableBy, scopeValues, uuidArray } from '../params.js';
import { projects as p, projectStats as st, type ProjectRow, type ProjectStatsRow } from '../schema.js';
import { Statement } from '../statement.js';

const statsColumns = sql`${st.projectId} AS "projectId",
  ${st.videosUploaded} AS "videosUploaded", ${st.videosProcessing} AS "videosProcessing",
  ${st.videosCompleted} AS "videosCompleted", ${st.videosFailed} AS "videosFailed",
  ${st.groundTruthTotal} AS "groundTruthTotal", ${st.groundTruthValidated} AS "groundTruthValidated",
  ${st.sessionsRunning} AS "sessionsRunning", ${st.sessionsCompleted} AS "sessionsCompleted",
  ${st.sessionsFailed} AS "sessionsFailed",
  ${st.detectionsTp} AS "detectionsTp", ${st.detectionsFp} AS "detectionsFp",
  ${st.detectionsFn} AS "detectionsFn", ${st.detectionsPending} AS "detectionsPending"`;

/** A project row as the API reads it; `_ts` is created_at in µs, a page's cursor. */
export const projectColumns = sql`${p.id}, ${p.name}, ${p.description}, ${p.createdAt} AS "createdAt",
  (extract(epoch from ${p.createdAt}) * 1000000)::int8 AS "_ts"`;

/**
 * A project row carries its one-row dashboard counters as `_stats`: a page of videos or sessions
 * takes its totalCount from them and Project.stats reads them, without another round trip.
 */
const projectWithStatsColumns = sql`${projectColumns},
  (SELECT row_to_json(s) FROM (SELECT ${statsColumns} FROM ${st} WHERE ${st.projectId} = ${p.id}) s) AS "_stats"`;

const readable = readableBy(p.id);

export type ProjectWithStats = ProjectRow & { _stats: ProjectStatsRow | null };

const byIds = new Statement(sql`/* projectsByIds */ SELECT ${projectWithStatsColumns} FROM ${p}
  WHERE ${p.id} = ANY(${sql.placeholder('ids')}::uuid[]) AND ${readable}`);

export function projectsByIds(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<ProjectWithStats[]> {
  const { admin, readable } = scopeValues(scope);
  return byIds.run(db, { ids: uuidArray(ids), admin, readable });
}

/** Newest first (oldest first from the cursor when backward); one statement per direction, with and without a cursor. */
const pageOf = windowStatements(({ backward, after }) => {
  const dir = sql.raw(backward ? 'ASC' : 'DESC');
  const cursor = after ? sql` AND (${p.createdAt}, ${p.id}) ${sql.raw(backward ? '>' : '<')} (${fromMicros('ts')}, ${sql.placeholder('id')}::uuid)` : sql``;
  return new Statement(sql`/* projectPage */ SELECT ${projectWithStatsColumns} FROM ${p}
    WHERE ${readable}${cursor} ORDER BY ${p.createdAt} ${dir}, ${p.id} ${dir} LIMIT ${sql.placeholder('limit')}::int`);
});

/** Newest first (oldest first from the cursor when backward); the cursor is the [created_at µs, id] of a row. */
export function projectPage(
  db: Queryable,
  scope: AccessScope,
  limit: number,
  window: KeysetWindow<readonly [number, string]> = {},
): Promise<ProjectWithStats[]> {
  const { cursor } = window;
  const { admin, readable } = scopeValues(scope);
  return pageOf(window).run(db, { admin, readable, limit, ts: cursor ? cursor[0] : null, id: cursor ? cursor[1] : null });
}

const count = new Statement(sql`/* projectCount */ SELECT count(*)::int AS n FROM ${p} WHERE ${readable}`);

export async function projectCount(db: Queryable, scope: AccessScope): Promise<number> {
  const [row] = await count.run<{ n: number }>(db, scopeValues(scope));
  return row.n;
}

const stats = new Statement(sql`/* projectStatsByIds */ SELECT ${statsColumns} FROM ${st}
  WHERE ${st.projectId} = ANY(${sql.placeholder('ids')}::uuid[])`);

/** Dashboard counters; callers pass ids of projects already read through the caller's scope. */
export function projectStatsByIds(db: Queryable, ids: readonly string[]): Promise<ProjectStatsRow[]> {
  return stats.run(db, { ids: uuidArray(ids) });
}
