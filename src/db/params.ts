// The pieces statements share (src/db/statement.ts): the caller's scope, optional filters, the parents
// of a per-parent page, column lists. Arrays travel as one text parameter (`'{a,b}'::uuid[]`): one
// parameter whatever the length, and the same on postgres.js and PGlite.
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { AccessScope } from '../auth/scope.js';
import type { Values } from './statement.js';

/** A uuid[] parameter's text (`{a,b}`); ids must already be validated uuids. */
export const uuidArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

/**
 * The caller's scope in a statement built with drizzle's `sql`: every project for an admin, the readable
 * ones for a member. Fill `admin` and `readable` with scopeValues(scope); under custom plans an admin's
 * `true` folds the filter away.
 */
export const readableBy = (projectId: SQLWrapper): SQL => sql`(${sql.placeholder('admin')}::boolean OR ${projectId} = ANY(${sql.placeholder('readable')}::uuid[]))`;

/** The values of readableBy's placeholders. */
export const scopeValues = (scope: AccessScope) => ({ admin: scope.admin, readable: uuidArray(scope.readable) });

/** readableBy for the write path: every project for an admin, the writable ones for a member. */
export const writableBy = (projectId: SQLWrapper): SQL => sql`(${sql.placeholder('admin')}::boolean OR ${projectId} = ANY(${sql.placeholder('writable')}::uuid[]))`;

/** The values of writableBy's placeholders. */
export const writeScopeValues = (scope: AccessScope) => ({ admin: scope.admin, writable: uuidArray(scope.writable) });

/**
 * A filter that is on when its placeholder has a value: `($n::type IS NULL OR condition)`. Every
 * connection plans with the values it is sent (custom plans), where a null folds the test away and a
 * value leaves the bare condition: each combination of filters is planned as if written out alone.
 */
export function optional(name: string, type: string, condition: (value: SQL) => SQL): SQL {
  const value = sql`${sql.placeholder(name)}::${sql.raw(type)}`;
  return sql`(${value} IS NULL OR ${condition(value)})`;
}

/**
 * The FROM item of a per-parent LATERAL page, `parent(id)`, filled by parentValues. One parent is a
 * constant, so the planner (with custom plans) sees that parent's own statistics and can pick an
 * index-ordered scan for a large parent instead of the average parent's bitmap-and-sort.
 */
export const parentsFrom = (single: boolean): SQL =>
  single ? sql`(SELECT ${sql.placeholder('parent')}::uuid AS id) AS parent` : sql`unnest(${sql.placeholder('parents')}::uuid[]) AS parent(id)`;

/** The values of parentsFrom's placeholder: `parent` for one id, `parents` for several. */
export const parentValues = (ids: readonly string[]): Values => (ids.length === 1 ? { parent: ids[0] } : { parents: uuidArray(ids) });

/** `(a, b, …)`: the bare names of some columns of one table, for an INSERT or an ON CONFLICT target. */
export const columnList = (...columns: { name: string }[]): SQL => sql`(${sql.join(columns.map((c) => sql.identifier(c.name)), sql`, `)})`;

/** `'epoch' + n µs`: a page cursor's timestamp, from the placeholder `name` (µs since the epoch). */
export const fromMicros = (name: string): SQL => sql`('epoch'::timestamptz + ${sql.placeholder(name)}::int8 * interval '1 microsecond')`;
