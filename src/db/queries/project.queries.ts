// SQL for projects and their maintained dashboard counters. Built once at module load with drizzle's
// `sql` and the schema's column references: a request sends a fixed text, with the caller's scope as
// parameters (an admin's `true` folds the filter away when the statement is planned).
import type { AccessScope } from '../../auth/scope.js';
import { fillPlaceholders, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Param, Queryable } from '../client.js';
import type { KeysetWindow } from '../keyset.js';
import { readableBy, uuidArray } from '../params.js';
import { projects as p, projectStats as st, type ProjectRow, type ProjectStatsRow } from '../schema.js';

const dialect = new PgDialect();

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

const byIdsStatement = dialect.sqlToQuery(sql`/* projectsByIds */ SELECT ${projectWithStatsColumns} FROM ${p}
  WHERE ${p.id} = ANY(${sql.placeholder('ids')}::uuid[]) AND ${readable}`);

export async function projectsByIds(db: Queryable, scope: AccessScope, ids: readonly string[]): Promise<ProjectWithStats[]> {
  const params = fillPlaceholders(byIdsStatement.params, { ids: uuidArray(ids), admin: scope.admin, readable: uuidArray(scope.readable) }) as Param[];
  return db.query(byIdsStatement.sql, params);
}

/** Newest first (oldest first from the cursor when backward): one statement per direction, with and without a cursor. */
const pageStatements = [false, true].map((backward) => {
  const dir = sql.raw(backward ? 'ASC' : 'DESC');
  const statement = (after: boolean) =>
    dialect.sqlToQuery(sql`/* projectPage */ SELECT ${projectWithStatsColumns} FROM ${p}
      WHERE ${readable}${
        after
          ? sql` AND (${p.createdAt}, ${p.id}) ${sql.raw(backward ? '>' : '<')} ('epoch'::timestamptz + ${sql.placeholder('ts')}::int8 * interval '1 microsecond', ${sql.placeholder('id')}::uuid)`
          : sql``
      }
      ORDER BY ${p.createdAt} ${dir}, ${p.id} ${dir} LIMIT ${sql.placeholder('limit')}::int`);
  return { first: statement(false), after: statement(true) };
});

/** Newest first (oldest first from the cursor when backward); the cursor is the [created_at µs, id] of a row. */
export async function projectPage(
  db: Queryable,
  scope: AccessScope,
  limit: number,
  window: KeysetWindow<readonly [number, string]> = {},
): Promise<ProjectWithStats[]> {
  const { cursor, backward } = window;
  const statements = pageStatements[backward ? 1 : 0];
  const statement = cursor ? statements.after : statements.first;
  const params = fillPlaceholders(statement.params, { admin: scope.admin, readable: uuidArray(scope.readable), limit, ts: cursor?.[0], id: cursor?.[1] }) as Param[];
  return db.query(statement.sql, params);
}

const countStatement = dialect.sqlToQuery(sql`/* projectCount */ SELECT count(*)::int AS n FROM ${p} WHERE ${readable}`);

export async function projectCount(db: Queryable, scope: AccessScope): Promise<number> {
  const params = fillPlaceholders(countStatement.params, { admin: scope.admin, readable: uuidArray(scope.readable) }) as Param[];
  const [row] = await db.query<{ n: number }>(countStatement.sql, params);
  return row.n;
}

const statsStatement = dialect.sqlToQuery(sql`/* projectStatsByIds */ SELECT ${statsColumns} FROM ${st}
  WHERE ${st.projectId} = ANY(${sql.placeholder('ids')}::uuid[])`);

/** Dashboard counters; callers pass ids of projects already read through the caller's scope. */
export async function projectStatsByIds(db: Queryable, ids: readonly string[]): Promise<ProjectStatsRow[]> {
  return db.query(statsStatement.sql, fillPlaceholders(statsStatement.params, { ids: uuidArray(ids) }) as Param[]);
}
