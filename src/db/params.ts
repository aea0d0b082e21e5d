// Positional parameters for hand-written SQL, so a statement can grow optional filters without
// counting dollars by hand. Arrays travel as one text parameter (`'{a,b}'::uuid[]`): one parameter
// whatever the length, and the same on postgres.js and PGlite.
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { AccessScope } from '../auth/scope.js';
import type { Param } from './client.js';

/** A uuid[] parameter's text (`{a,b}`); ids must already be validated uuids. */
export const uuidArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

/**
 * The caller's scope in a statement built with drizzle's `sql`: every project for an admin, the readable
 * ones for a member. Fill `admin` with scope.admin and `readable` with uuidArray(scope.readable); under
 * custom plans an admin's `true` folds the filter away.
 */
export const readableBy = (projectId: SQLWrapper): SQL => sql`(${sql.placeholder('admin')}::boolean OR ${projectId} = ANY(${sql.placeholder('readable')}::uuid[]))`;

export class Params {
  readonly values: Param[] = [];
  add(value: Param): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  /** ids must already be validated uuids (the API checks them before any SQL runs). */
  uuids(ids: readonly string[]): string {
    return `${this.add(uuidArray(ids))}::uuid[]`;
  }
  /**
   * The FROM item of a per-parent LATERAL page: `parent(id)`. One parent becomes a constant, so the
   * planner (with custom plans) sees that parent's own statistics and can pick an index-ordered scan
   * for a large parent instead of the average parent's bitmap-and-sort.
   */
  parents(ids: readonly string[]): string {
    return ids.length === 1 ? `(SELECT ${this.add(ids[0])}::uuid AS id) AS parent` : `unnest(${this.uuids(ids)}) AS parent(id)`;
  }

  /** `AND <column> = ANY(readable)` for members; nothing for admins. */
  scope(scope: AccessScope, column: string): string {
    return scope.admin ? '' : ` AND ${column} = ANY(${this.uuids(scope.readable)})`;
  }
  /** `AND <column> = ANY(writable)` for members; nothing for admins (the write path's filter). */
  writable(scope: AccessScope, column: string): string {
    return scope.admin ? '' : ` AND ${column} = ANY(${this.uuids(scope.writable)})`;
  }
}
