// SQL for test sessions: by id (scoped), pages per project, and a bounded list per video. Built once
// at module load (src/db/statement.ts).
import type { AccessScope } from '../../auth/scope.js';
import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { pageStatements, type KeysetWindow } from '../keyset.js';
import { fromMicros, optional, parentValues, parentsFrom, readableBy, scopeValues, uuidArray } from '../params.js';
import { testSessions as t, type TestSessionRow } from '../schema.js';
import { Statement } from '../statement.js';

export const testSessionColumns = sql`${t.id}, ${t.projectId} AS "projectId", ${t.videoId} AS "videoId", ${t.status},
  ${t.startedAt} AS "startedAt", ${t.completedAt} AS "completedAt",
  ${t.detectionsTp} AS "detectionsTp", ${t.detectionsFp} AS "detectionsFp",
  ${t.detectionsFn} AS "detectionsFn", ${t.detectionsPending} AS "detectionsPending",
  (extract(epoch from ${t.startedAt}) * 1000000)::int8 AS "_ts"`;

export type TestSessionStatusValue = TestSessionRow['status'];

const byIds = new Statement(sql`/* testSessionsByIds */ SELECT ${testSessionColumns} FROM ${t}
  WHERE ${t.id} = ANY(${sql.placeholder('ids')}::uuid[]) AND ${readableBy(t.projectId)}`);

export function testSessionsByIds(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<TestSessionRow[]> {
  const { admin, readable } = scopeValues(scope);
  return byIds.run(db, { ids: uuidArray(ids), admin, readable });
}

const withStatus = optional('status', 'test_session_status', (status) => sql`${t.status} = ${status}`);

const pageOf = pageStatements(({ backward, after, single }) => {
  const dir = sql.raw(backward ? 'ASC' : 'DESC');
  const cursor = after ? sql` AND (${t.startedAt}, ${t.id}) ${sql.raw(backward ? '>' : '<')} (${fromMicros('ts')}, ${sql.placeholder('id')}::uuid)` : sql``;
  return new Statement(sql`/* testSessionPagesByProjects */ SELECT page.* FROM ${parentsFrom(single)}
     CROSS JOIN LATERAL (SELECT ${testSessionColumns} FROM ${t} WHERE ${t.projectId} = parent.id AND ${withStatus}${cursor}
       ORDER BY ${t.startedAt} ${dir}, ${t.id} ${dir} LIMIT ${sql.placeholder('limit')}::int) page`);
});

export function testSessionPagesByProjects(
  db: Queryable,
  projectIds: readonly string[],
  status: TestSessionStatusValue | undefined,
  limit: number,
  window: KeysetWindow<readonly [number, string]> = {},
): Promise<TestSessionRow[]> {
  const { cursor } = window;
  return pageOf(window, projectIds.length).run(db, {
    status: status ?? null,
    ts: cursor ? cursor[0] : null,
    id: cursor ? cursor[1] : null,
    limit,
    ...parentValues(projectIds),
  });
}

const byVideosStatement = (single: boolean) =>
  new Statement(sql`/* testSessionsByVideos */ SELECT list.* FROM ${parentsFrom(single)}
     CROSS JOIN LATERAL (SELECT ${testSessionColumns} FROM ${t} WHERE ${t.videoId} = parent.id AND ${withStatus}
       ORDER BY ${t.startedAt} DESC, ${t.id} DESC LIMIT ${sql.placeholder('limit')}::int) list`);
const byVideos = { one: byVideosStatement(true), many: byVideosStatement(false) };

/** The `limit` most recently started sessions of each video (the list is bounded like every other). */
export function testSessionsByVideos(
  db: Queryable,
  videoIds: readonly string[],
  status: TestSessionStatusValue | undefined,
  limit: number,
): Promise<TestSessionRow[]> {
  return (videoIds.length === 1 ? byVideos.one : byVideos.many).run(db, { status: status ?? null, limit, ...parentValues(videoIds) });
}
